import java.util.Map;

/**
 * A batch job: fixed work over a live set. Builds the live set, then runs `work.mib` MiB of
 * allocation in tasks of `task.kib` KiB, each task touching the live set and replacing an
 * entry with probability `churn`. Prints its wall time (JVM start to the end of the work).
 *
 *   -Dlive.share=0.35 [-Dlive.of=1g]  or -Dlive.bytes=358m   (default: 10 % of the limit)
 *   -Dentry.bytes=2048 -Dwork.mib=8192 -Dtask.kib=64 -Dchurn=0.2
 *   plus NativeLoad's properties (threads, stack.kib, direct.mib, classes, jit.methods)
 */
public final class Batch {
    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> Util.fail("batch", e));
        try {
            run();
        } catch (Throwable e) {
            Util.fail("batch", e);
        }
    }

    static void run() throws Exception {
        NativeLoad.Report nat = NativeLoad.apply();
        long t0 = System.nanoTime();
        LiveSet live = new LiveSet(Util.liveBytes(), (int) Util.size("entry.bytes", 2048));
        long setup = System.nanoTime() - t0;
        long work = Util.size("work.mib", 8192);
        long task = Util.size("task.kib", 64);
        double churn = Util.frac("churn", 0.2);
        long tasks = work * 1024 / Math.max(1, task);
        long sum = 0;
        for (long i = 0; i < tasks; i++) {
            sum += LiveSet.garbage(task);
            for (int j = 0; j < 4; j++) sum += live.touch(churn / 4);
        }
        long t1 = System.nanoTime();
        Map<String, Object> m = Util.base("batch");
        m.put("live_bytes", live.bytes);
        m.put("work_mib", work);
        m.put("tasks", tasks);
        m.put("setup_s", setup / 1e9);
        m.put("work_s", (t1 - t0 - setup) / 1e9);
        m.put("wall_s", Util.uptimeMs() / 1000.0);
        m.put("checksum", sum);
        nat.into(m);
        Util.gcFields(m);
        Util.result(m);
        long hold = Util.num("hold.s", 0);
        if (hold > 0) Thread.sleep(hold * 1000);
    }
}
