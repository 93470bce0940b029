import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/** Shared by every workload: parameters from system properties, and the one result line. */
final class Util {
    private Util() {}

    /** A system property as a long; sizes take a k/m/g suffix (binary units). */
    static long size(String name, long def) {
        String v = System.getProperty(name);
        if (v == null || v.isEmpty()) return def;
        v = v.trim().toLowerCase();
        long mul = 1;
        char last = v.charAt(v.length() - 1);
        if (last == 'k') mul = 1L << 10;
        else if (last == 'm') mul = 1L << 20;
        else if (last == 'g') mul = 1L << 30;
        if (mul != 1) v = v.substring(0, v.length() - 1);
        return (long) (Double.parseDouble(v) * mul);
    }

    static long num(String name, long def) {
        String v = System.getProperty(name);
        return v == null || v.isEmpty() ? def : Long.parseLong(v.trim());
    }

    static double frac(String name, double def) {
        String v = System.getProperty(name);
        return v == null || v.isEmpty() ? def : Double.parseDouble(v.trim());
    }

    /**
     * The live set in bytes: -Dlive.bytes=SIZE, or -Dlive.share=F of -Dlive.of=SIZE (by default
     * of the JVM's own view of physical memory, i.e. the container limit).
     */
    static long liveBytes() {
        long explicit = size("live.bytes", -1);
        if (explicit >= 0) return explicit;
        double share = frac("live.share", 0.10);
        long of = size("live.of", physicalMemory());
        return (long) (share * of);
    }

    static long physicalMemory() {
        try {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean) {
                return ((com.sun.management.OperatingSystemMXBean) os).getTotalPhysicalMemorySize();
            }
        } catch (Throwable t) {
            // fall through
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** Collections and milliseconds spent in them since the JVM started, over every collector. */
    static long[] gc() {
        long count = 0, ms = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, b.getCollectionCount());
            ms += Math.max(0, b.getCollectionTime());
        }
        return new long[] {count, ms};
    }

    /**
     * The collector's own threads, by the names HotSpot gives them (Linux keeps 15 characters),
     * as listed from /proc/PID/task under each collector on JDK 11.0.13, 17.0.15, 21.0.8 and
     * 25.0.2: Parallel's workers are "ParGC Thread#N" on 11 and "GC Thread#N" after; JDK 21's
     * non-generational ZGC names its threads X*, 25's Z*; ZGC's RuntimeWorker#N do its
     * safepoint work. Serial collects in the VM Thread, which is counted for every collector: in
     * these workloads it runs little but safepoint operations.
     */
    static final String[] GC_THREADS = {"VM Thread", "GC Thread#", "ParGC Thread#", "G1 ",
        "ZWorker", "ZDriver", "ZDirector", "ZStat", "ZUncommit", "ZUnmapper", "XWorker",
        "XDriver", "XDirector", "XStat", "XUncommit", "XUnmapper", "RuntimeWorker#",
        "Shenandoah"};

    /** USER_HZ: the unit of /proc's CPU times on every Linux ABI HotSpot runs on. */
    static final double TICKS_PER_S = 100.0;

    /**
     * CPU seconds so far, from /proc/self: {the whole process (user + system, threads that
     * ended included), its system (kernel) part, the collector threads' (user + system)}.
     * A JVM's pause share misses the work a concurrent collector does beside the application;
     * its collector threads' CPU does not. {-1, -1, -1} where /proc cannot be read.
     */
    static double[] cpu() {
        try {
            long[] self = statTimes(read("/proc/self/stat"));
            long gc = 0;
            java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
            for (java.io.File t : tasks == null ? new java.io.File[0] : tasks) {
                String comm;
                long[] times;
                try {
                    comm = read(t.getPath() + "/comm").trim();
                    times = statTimes(read(t.getPath() + "/stat"));
                } catch (java.io.IOException gone) {
                    continue; // the thread ended while we looked
                }
                for (String prefix : GC_THREADS) {
                    if (comm.startsWith(prefix)) {
                        gc += times[0] + times[1];
                        break;
                    }
                }
            }
            return new double[] {(self[0] + self[1]) / TICKS_PER_S, self[1] / TICKS_PER_S,
                gc / TICKS_PER_S};
        } catch (java.io.IOException | RuntimeException e) {
            return new double[] {-1, -1, -1};
        }
    }

    /** utime and stime (fields 14 and 15) of a /proc stat line; the name may hold spaces. */
    static long[] statTimes(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    static String read(String path) throws java.io.IOException {
        return new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(path)),
            java.nio.charset.StandardCharsets.US_ASCII);
    }

    static long uptimeMs() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    static String collectors() {
        StringBuilder s = new StringBuilder();
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (s.length() > 0) s.append('+');
            s.append(b.getName());
        }
        return s.toString();
    }

    static Map<String, Object> base(String workload) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", workload);
        m.put("java", System.getProperty("java.version"));
        m.put("collectors", collectors());
        m.put("max_heap", Runtime.getRuntime().maxMemory());
        m.put("pid", ProcessHandle.current().pid());
        return m;
    }

    static void gcFields(Map<String, Object> m) {
        long[] g = gc();
        long up = uptimeMs();
        m.put("uptime_ms", up);
        m.put("gc_count", g[0]);
        m.put("gc_ms", g[1]);
        m.put("gc_share", up > 0 ? Math.round(1000.0 * g[1] / up) / 1000.0 : 0.0);
        m.put("heap_used", Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        double[] c = cpu();
        m.put("cpu_s", c[0]);
        m.put("sys_s", c[1]);
        m.put("gc_cpu_s", c[2]);
    }

    /** One JSON object, no nesting: numbers, booleans and strings. */
    static String json(Map<String, Object> m) {
        StringBuilder s = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (s.length() > 1) s.append(',');
            s.append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            if (v instanceof Number || v instanceof Boolean) s.append(v);
            else s.append('"').append(String.valueOf(v).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return s.append('}').toString();
    }

    /** The machine-readable line: `RESULT {json}` on stdout, flushed. */
    static void result(Map<String, Object> m) {
        System.out.println("RESULT " + json(m));
        System.out.flush();
    }

    /** An error the harness must see: a RESULT line with "error", then exit 1. */
    static void fail(String workload, Throwable t) {
        Map<String, Object> m = base(workload);
        m.put("error", t.getClass().getName() + ": " + t.getMessage());
        result(m);
        Runtime.getRuntime().halt(1);
    }
}
