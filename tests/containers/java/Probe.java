// What the JVM itself decided, one `key=value` line each, for tests/integration/containers.rs.
// The flags come from HotSpot's own table (the values -XX:+PrintFlagsFinal prints).
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.File;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

public class Probe {
    public static void main(String[] args) {
        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        for (String f : new String[] {"MaxHeapSize", "InitialHeapSize", "ActiveProcessorCount",
                "UseSerialGC", "UseParallelGC", "UseG1GC", "MaxRAMPercentage", "MaxDirectMemorySize",
                "ReservedCodeCacheSize", "ExitOnOutOfMemoryError"}) {
            System.out.println("flag." + f + "=" + hs.getVMOption(f).getValue());
        }
        System.out.println("cpus=" + Runtime.getRuntime().availableProcessors());
        StringBuilder gcs = new StringBuilder();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcs.append(gcs.length() == 0 ? "" : ",").append(gc.getName());
        }
        System.out.println("collectors=" + gcs);
        System.out.println("pid=" + ProcessHandle.current().pid());
        System.out.println("user.name=" + System.getProperty("user.name"));
        String home = System.getProperty("user.home");
        System.out.println("user.home=" + home);
        boolean usable;
        try {
            Path p = Files.createTempFile(Path.of(home), ".ctune-probe", "");
            Files.delete(p);
            usable = true;
        } catch (Exception e) {
            usable = false;
        }
        System.out.println("user.home.writable=" + usable);
        System.out.println("env.HOME=" + System.getenv("HOME"));
        System.out.println("input=" + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    }
}
