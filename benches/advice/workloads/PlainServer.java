import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;

/** A minimal HTTP/1.1 keep-alive server for runtimes without jdk.httpserver: GET only. */
final class PlainServer {
    static void start(int port, ExecutorService pool) throws Exception {
        ServerSocket ss = new ServerSocket(port, 1024);
        Thread acceptor = new Thread(() -> {
            while (true) {
                try {
                    Socket s = ss.accept();
                    s.setTcpNoDelay(true);
                    pool.execute(() -> serve(s));
                } catch (Exception e) {
                    return;
                }
            }
        }, "plain-http-accept");
        acceptor.start();
    }

    /** Read one request head (up to the blank line); return its path, or null at end of stream. */
    static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder line = new StringBuilder();
        String path = null;
        boolean first = true;
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\r') continue;
            if (c != '\n') {
                line.append((char) c);
                continue;
            }
            if (line.length() == 0) return path == null ? "/" : path;
            if (first) {
                String[] p = line.toString().split(" ");
                path = p.length > 1 ? p[1] : "/";
                first = false;
            }
            line.setLength(0);
        }
        return null;
    }

    static void serve(Socket s) {
        try (Socket sock = s) {
            InputStream in = new BufferedInputStream(sock.getInputStream());
            OutputStream out = sock.getOutputStream();
            for (String path; (path = readHead(in)) != null; ) {
                String body = path.equals("/stats") ? Util.json(Http.stats("stats")) + "\n" : Http.work();
                byte[] b = body.getBytes(StandardCharsets.US_ASCII);
                String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + b.length + "\r\n\r\n";
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(b);
                out.flush();
            }
        } catch (OutOfMemoryError e) {
            Util.fail("http", e);
        } catch (Exception e) {
            // client went away
        }
    }
}
