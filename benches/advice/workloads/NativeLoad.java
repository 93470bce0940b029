import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntSupplier;
import java.util.function.IntUnaryOperator;
import java.util.concurrent.locks.LockSupport;

/**
 * Memory outside the heap, on purpose: the native-heavy workload by itself (main), and the same
 * load added to Http and Batch (apply). Every part is held until the JVM exits.
 *
 *   -Dthreads=N -Dstack.kib=K   N parked threads, each having touched about K KiB of stack
 *   -Ddirect.mib=M              M MiB of direct buffers (ByteBuffer.allocateDirect), held
 *   -Dclasses=C                 C classes defined from bytes (a template class renamed), loaded,
 *                               linked and run once; 1000 classes per class loader
 *   -Djit.methods=J -Djit.calls=20000
 *                               J distinct hot methods (one per generated class), each called
 *                               often enough for C2; waits until the code cache stops growing
 *   -Dhold.s=S                  main only: hold for S seconds (0 = until killed)
 */
public final class NativeLoad {
    static final List<Object> HELD = new ArrayList<>();
    static volatile boolean release;

    public static void main(String[] args) throws Exception {
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> Util.fail("native", e));
        Report r;
        try {
            r = apply();
        } catch (Throwable e) {
            Util.fail("native", e);
            return;
        }
        Map<String, Object> m = Util.base("native");
        r.into(m);
        Util.gcFields(m);
        m.put("event", "ready");
        Util.result(m);
        long hold = Util.num("hold.s", 0);
        if (hold > 0) Thread.sleep(hold * 1000);
        else Thread.sleep(Long.MAX_VALUE);
    }

    /** What was set up, for the result line. */
    static final class Report {
        long threads, stackKib, frameBytes, depth, directMib, classes, jdkClasses, jitMethods;

        void into(Map<String, Object> m) {
            m.put("threads_added", threads);
            m.put("stack_kib", stackKib);
            m.put("stack_frame_bytes", frameBytes);
            m.put("stack_depth", depth);
            m.put("direct_mib", directMib);
            m.put("classes_generated", classes);
            m.put("jdk_classes_loaded", jdkClasses);
            m.put("jit_methods", jitMethods);
            m.put("loaded_classes", ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
            m.put("live_threads", Thread.activeCount());
            m.put("metaspace_used", pool("Metaspace"));
            m.put("code_cache_used", codeCacheUsed());
        }
    }

    static Report apply() throws Exception {
        Report r = new Report();
        r.directMib = Util.num("direct.mib", 0);
        direct(r.directMib);
        r.classes = Util.num("classes", 0);
        classes(r.classes);
        r.jdkClasses = jdkClasses(Util.num("jdk.classes", 0));
        r.jitMethods = Util.num("jit.methods", 0);
        jit(r.jitMethods, Util.num("jit.calls", 20000));
        r.threads = Util.num("threads", 0);
        r.stackKib = Util.num("stack.kib", 0);
        if (r.threads > 0) threads(r);
        return r;
    }

    static long pool(String name) {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getName().equals(name)) return p.getUsage().getUsed();
        }
        return -1;
    }

    static long codeCacheUsed() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.NON_HEAP && p.getName().contains("Code")) sum += p.getUsage().getUsed();
        }
        return sum;
    }

    // ---- direct buffers ----

    static void direct(long mib) {
        for (long i = 0; i < mib; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            // allocateDirect zeroes the memory (touching it); write each page anyway.
            for (int p = 0; p < b.capacity(); p += 4096) b.put(p, (byte) 1);
            HELD.add(b);
        }
    }

    // ---- threads with touched stacks ----

    /** A frame with many live longs, so each level of recursion takes a sizeable frame. */
    static long deep(int d, long a, long b, long c) {
        long x1 = a + d, x2 = b ^ d, x3 = c * 3 + d, x4 = a - b, x5 = b - c, x6 = c - a;
        long x7 = x1 * x2, x8 = x3 * x4, x9 = x5 + x6 + d, x10 = x1 ^ x9;
        if (d <= 0) {
            while (!release) LockSupport.park();
            return x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10;
        }
        return deep(d - 1, x1, x2, x3) + x4 + x5 + x6 + x7 + x8 + x9 + x10;
    }

    static int depthToOverflow() throws InterruptedException {
        final int[] max = {0};
        Thread t = new Thread(null, () -> {
            int[] d = {0};
            try {
                probe(d);
            } catch (StackOverflowError e) {
                max[0] = d[0];
            }
        }, "stack-calibration", 32L << 20);
        t.start();
        t.join();
        return max[0];
    }

    static long probe(int[] d) {
        d[0]++;
        long x1 = d[0], x2 = x1 * 3, x3 = x2 ^ 7, x4 = x1 - x3, x5 = x2 + x4, x6 = x5 * x1;
        long x7 = x1 * x2, x8 = x3 * x4, x9 = x5 + x6, x10 = x1 ^ x9;
        return probe(d) + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10;
    }

    static void threads(Report r) throws Exception {
        // Warm both methods so the frames measured are the compiled ones the threads will use.
        for (int i = 0; i < 200; i++) {
            release = true;
            deep(50, i, i, i);
            int[] d = {0};
            try {
                probeLimited(d, 50);
            } catch (StackOverflowError e) {
                // not expected
            }
        }
        release = false;
        int depthMax = depthToOverflow();
        // probe's frame stands in for deep's (same shape); 32 MiB less guard pages over depth.
        long frame = Math.max(16, ((32L << 20) - (64L << 10)) / Math.max(1, depthMax));
        int depth = (int) Math.max(0, r.stackKib * 1024 / frame);
        r.frameBytes = frame;
        r.depth = depth;
        CountDownLatch ready = new CountDownLatch((int) r.threads);
        for (long i = 0; i < r.threads; i++) {
            final long seed = i;
            Thread t = new Thread(() -> {
                ready.countDown();
                try {
                    deep(depth, seed, seed + 1, seed + 2);
                } catch (StackOverflowError e) {
                    // The stack is smaller than asked: it is touched to the end anyway.
                    while (true) LockSupport.park();
                }
            }, "native-stack-" + i);
            t.setDaemon(true);
            t.start();
        }
        ready.await();
        Thread.sleep(200 + r.threads); // let the recursions reach the bottom
    }

    static long probeLimited(int[] d, int limit) {
        if (++d[0] >= limit) return 0;
        long x1 = d[0], x2 = x1 * 3, x3 = x2 ^ 7, x4 = x1 - x3, x5 = x2 + x4, x6 = x5 * x1;
        long x7 = x1 * x2, x8 = x3 * x4, x9 = x5 + x6, x10 = x1 ^ x9;
        return probeLimited(d, limit) + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10;
    }

    // ---- generated classes ----

    static final class Loader extends ClassLoader {
        Loader() {
            super(NativeLoad.class.getClassLoader());
        }

        Class<?> define(String name, byte[] b) {
            return defineClass(name, b, 0, b.length);
        }
    }

    static byte[] template(String name) throws Exception {
        try (InputStream in = NativeLoad.class.getResourceAsStream("/" + name + ".class")) {
            if (in == null) throw new IllegalStateException(name + ".class not on the class path");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) out.write(buf, 0, n);
            return out.toByteArray();
        }
    }

    /** The template's bytes with every occurrence of its name replaced by a same-length name. */
    static byte[] renamed(byte[] tpl, byte[] from, String to) {
        byte[] b = tpl.clone();
        byte[] t = to.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + from.length <= b.length; i++) {
            for (int j = 0; j < from.length; j++) if (b[i + j] != from[j]) continue outer;
            System.arraycopy(t, 0, b, i, t.length);
        }
        return b;
    }

    static List<Class<?>> generate(String tplName, long n) throws Exception {
        byte[] tpl = template(tplName);
        byte[] from = tplName.getBytes(StandardCharsets.US_ASCII);
        String prefix = tplName.substring(0, tplName.length() - 10);
        List<Class<?>> out = new ArrayList<>();
        Loader l = null;
        for (long i = 1; i <= n; i++) {
            if (l == null || i % 1000 == 0) {
                l = new Loader();
                HELD.add(l);
            }
            String name = prefix + String.format("%010d", i);
            out.add(l.define(name, renamed(tpl, from, name)));
        }
        return out;
    }

    static void classes(long n) throws Exception {
        long sum = 0;
        for (Class<?> c : generate("ZzGen0000000000", n)) {
            IntSupplier s = (IntSupplier) c.getDeclaredConstructor().newInstance();
            sum += s.getAsInt();
            HELD.add(s);
        }
        HELD.add(sum);
    }

    /**
     * Real classes: up to n classes of the runtime image (jrt:/), in module and file order,
     * loaded and linked (not initialised), a stand-in for an application's own jars. A class
     * that cannot be loaded or linked here (a missing optional dependency) is skipped.
     */
    static long jdkClasses(long n) throws Exception {
        if (n <= 0) return 0;
        java.nio.file.FileSystem jrt = java.nio.file.FileSystems.getFileSystem(java.net.URI.create("jrt:/"));
        List<String> names = new ArrayList<>();
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(jrt.getPath("/modules"))) {
            s.map(java.nio.file.Path::toString)
                .filter(p -> p.endsWith(".class") && !p.endsWith("module-info.class"))
                .sorted()
                .forEach(names::add);
        }
        long loaded = 0;
        for (String p : names) {
            if (loaded >= n) break;
            // /modules/java.base/java/lang/String.class -> java.lang.String
            String rel = p.substring(p.indexOf('/', "/modules/".length()) + 1);
            String cn = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
            try {
                Class<?> c = Class.forName(cn, false, ClassLoader.getSystemClassLoader());
                // Reflection links the class first (HotSpot's JVM_GetClassDeclaredMethods):
                // rewritten bytecodes and the constant pool cache, as running code would have.
                c.getDeclaredMethods();
                HELD.add(c);
                loaded++;
            } catch (Throwable t) {
                // not loadable here (a missing optional dependency): skip it
            }
        }
        return loaded;
    }

    static void jit(long n, long calls) throws Exception {
        if (n <= 0) return;
        List<IntUnaryOperator> ops = new ArrayList<>();
        for (Class<?> c : generate("ZzHot0000000000", n)) {
            ops.add((IntUnaryOperator) c.getDeclaredConstructor().newInstance());
        }
        long sum = 0;
        for (IntUnaryOperator op : ops) {
            for (long i = 0; i < calls; i++) sum += op.applyAsInt((int) i);
        }
        HELD.add(ops);
        HELD.add(sum);
        // Compilation runs in the background: wait until the code cache stops growing.
        long last = -1;
        for (int i = 0; i < 120; i++) {
            Thread.sleep(500);
            long now = codeCacheUsed();
            if (now == last) break;
            last = now;
        }
    }
}
