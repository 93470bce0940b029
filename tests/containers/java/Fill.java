// Fills the heap with live 1 MiB arrays until the JVM gives up (OutOfMemoryError).
import java.util.ArrayList;
import java.util.List;

public class Fill {
    public static void main(String[] args) {
        List<byte[]> keep = new ArrayList<>();
        System.out.println("max heap " + Runtime.getRuntime().maxMemory());
        System.out.flush();
        while (true) {
            byte[] b = new byte[1 << 20];
            for (int i = 0; i < b.length; i += 4096) {
                b[i] = 1; // touch every page: resident, charged to the cgroup
            }
            keep.add(b);
        }
    }
}
