import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;

/** Http's server on com.sun.net.httpserver (kept apart so a runtime without it can still load Http). */
final class SunServer {
    static void start(int port, ExecutorService pool) throws Exception {
        // Without TCP_NODELAY, Nagle's algorithm and the client's delayed ACK cap a keep-alive
        // connection at a few dozen responses a second.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        HttpServer s = HttpServer.create(new InetSocketAddress(port), 1024);
        s.createContext("/", SunServer::handle);
        s.setExecutor(pool);
        s.start();
    }

    static void handle(HttpExchange x) throws java.io.IOException {
        String body;
        try {
            body = x.getRequestURI().getPath().equals("/stats") ? Util.json(Http.stats("stats")) + "\n" : Http.work();
        } catch (OutOfMemoryError e) {
            Util.fail("http", e);
            return;
        }
        byte[] b = body.getBytes(StandardCharsets.US_ASCII);
        x.getResponseHeaders().set("Content-Type", "text/plain");
        x.sendResponseHeaders(200, b.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(b);
        }
    }
}
