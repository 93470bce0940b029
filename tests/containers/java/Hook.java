// Runs until stopped; a shutdown hook says it ran (SIGTERM reached the JVM).
public class Hook {
    public static void main(String[] args) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("hook ran");
            System.out.flush();
        }));
        System.out.println("started pid=" + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(600_000);
    }
}
