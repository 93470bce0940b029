//! ctune in real OCI containers: podman 4.3 with both crun and runc, a debootstrapped Debian
//! root file system with OpenJDK 17 (`podman run --rootfs DIR:O`; no registry), and the static
//! musl ctune mounted at `/usr/local/bin/ctune`. The oracles are podman's own flags, the host's
//! cgroup files of the container, and the JVM in the same container (HotSpot's flag table, read
//! by `tests/containers/java/Probe.java`, and `-XX:+PrintFlagsFinal`).
//!
//! `tests/containers/setup.sh` does the machine work once (the cgroup layout crun needs, a
//! private `containers.conf`/`storage.conf`, the cached root file system); `.ci/run` runs it
//! after installing podman, crun, runc and debootstrap. Without them, or without root, every test
//! here prints `skipped: <why>` (a failure under `CTUNE_REQUIRE_REAL=1`).
//!
//! Every case runs under crun and under runc. Items 1–7 of issue 19 each have a test here
//! (`item1_…` to `item7_…`).

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const RUNTIMES: [&str; 2] = ["crun", "runc"];
const MIB: u64 = 1 << 20;
/// Where the compiled test programs appear in the container.
const CLASSES: &str = "/opt/ctune-test";

// ------------------------------------------------------------------------------------ kit

/// What every container needs, prepared once per test run.
struct Kit {
    rootfs: PathBuf,
    containers_conf: PathBuf,
    storage_conf: PathBuf,
    /// The static (musl) ctune, the binary that ships.
    ctune: PathBuf,
    /// `tests/containers/java/*.java`, compiled.
    classes: PathBuf,
}

fn kit() -> Option<&'static Kit> {
    static KIT: OnceLock<Result<Kit, (bool, String)>> = OnceLock::new();
    match KIT.get_or_init(make_kit) {
        Ok(k) => Some(k),
        Err((true, why)) => {
            skipped(why);
            None
        }
        Err((false, why)) => panic!("{why}"),
    }
}

/// `Err((true, why))`: this machine cannot run containers (a skip); `Err((false, why))`: broken.
fn make_kit() -> Result<Kit, (bool, String)> {
    let t = Instant::now();
    let mut setup = Command::new("bash");
    setup.arg(repo().join("tests/containers/setup.sh"));
    let vars = setup_script(setup, "tests/containers/setup.sh", "container tests").map_err(
        |e| match e {
            NotRun::Skip(why) => (true, why),
            NotRun::Fail(why) => (false, why),
        },
    )?;
    let var = |k: &str| {
        vars.get(k)
            .map(PathBuf::from)
            .ok_or_else(|| (false, format!("setup.sh printed no {k}=")))
    };
    let ctune = crate::vm::static_ctune().map_err(|e| match e {
        NotRun::Skip(why) => (true, why),
        NotRun::Fail(why) => (false, why),
    })?;
    let classes = compile_java()?;
    let kit = Kit {
        rootfs: var("rootfs")?,
        containers_conf: var("containers_conf")?,
        storage_conf: var("storage_conf")?,
        ctune,
        classes,
    };
    eprintln!(
        "containers: kit ready in {:.1}s: podman {}, crun {}, runc {}, JDK {} in {}",
        t.elapsed().as_secs_f64(),
        vars.get("podman_version").map_or("?", String::as_str),
        vars.get("crun_version").map_or("?", String::as_str),
        vars.get("runc_version").map_or("?", String::as_str),
        vars.get("java_version").map_or("?", String::as_str),
        kit.rootfs.display(),
    );
    Ok(kit)
}

/// `javac --release 17` of the test programs (the container has a JRE only).
fn compile_java() -> Result<PathBuf, (bool, String)> {
    if !have("javac") {
        return Err((true, "javac is not installed".into()));
    }
    let src = repo().join("tests/containers/java");
    let out = scratch_dir("containers-classes");
    let mut sources: Vec<PathBuf> = fs::read_dir(&src)
        .map_err(|e| (false, format!("{}: {e}", src.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "java"))
        .collect();
    sources.sort();
    let r = Command::new("javac")
        .args(["--release", "17", "-d"])
        .arg(&out)
        .args(&sources)
        .output()
        .map_err(|e| (false, format!("cannot run javac: {e}")))?;
    if !r.status.success() {
        return Err((
            false,
            format!("javac failed: {}", String::from_utf8_lossy(&r.stderr)),
        ));
    }
    Ok(out)
}

// --------------------------------------------------------------------------------- podman

fn podman(kit: &Kit) -> Command {
    let mut c = Command::new("podman");
    c.env("CONTAINERS_CONF", &kit.containers_conf)
        .env("CONTAINERS_STORAGE_CONF", &kit.storage_conf);
    c
}

/// What a command in a container did.
#[derive(Debug)]
struct Ran {
    rc: i32,
    stdout: String,
    stderr: String,
    /// Runtime and options, for messages.
    what: String,
}

impl Ran {
    fn from(out: Output, what: String) -> Ran {
        Ran {
            rc: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            what,
        }
    }

    fn ok(self) -> Ran {
        assert_eq!(self.rc, 0, "{self}");
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self}"))
    }

    /// Probe.java's `key=value` lines.
    fn probe(&self) -> BTreeMap<String, String> {
        probe_lines(&self.stdout).unwrap_or_else(|| panic!("no Probe output: {self}"))
    }
}

/// Probe.java's `key=value` lines, if `text` has them.
fn probe_lines(text: &str) -> Option<BTreeMap<String, String>> {
    let m: BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    m.contains_key("flag.MaxHeapSize").then_some(m)
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] exit {}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.what, self.rc, self.stdout, self.stderr
        )
    }
}

/// The options every container gets: no network, the runtime, ctune and the test programs
/// mounted read-only, the cached root file system with an overlay on top.
fn base_args(kit: &Kit, runtime: &str) -> Vec<String> {
    vec![
        "--network=none".into(),
        format!("--runtime={runtime}"),
        "-v".into(),
        format!("{}:/usr/local/bin/ctune:ro", kit.ctune.display()),
        "-v".into(),
        format!("{}:{CLASSES}:ro", kit.classes.display()),
    ]
}

/// `podman run --rm OPTS --rootfs ROOTFS:O CMD...`: the container's one process is CMD (PID 1).
/// `ctune COMMAND --format json` in a fresh container: its document (the run must succeed).
fn ctune_json(kit: &Kit, runtime: &str, opts: &[&str], command: &str) -> Value {
    run(kit, runtime, opts, &["ctune", command, "--format", "json"])
        .ok()
        .json()
}

fn run(kit: &Kit, runtime: &str, opts: &[&str], cmd: &[&str]) -> Ran {
    let mut c = podman(kit);
    c.args(["run", "--rm"])
        .args(base_args(kit, runtime))
        .args(opts)
        .arg("--rootfs")
        .arg(format!("{}:O", kit.rootfs.display()))
        .args(cmd);
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("cannot run podman: {e}"));
    Ran::from(
        out,
        format!("{runtime} {}: {}", opts.join(" "), cmd.join(" ")),
    )
}

/// A container left running (`sleep`), commands run in it with `podman exec`; removed on drop.
struct Container<'k> {
    kit: &'k Kit,
    name: String,
    what: String,
}

fn unique_name() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "ctune-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

impl<'k> Container<'k> {
    fn start(kit: &'k Kit, runtime: &str, opts: &[&str]) -> Container<'k> {
        let name = unique_name();
        let out = podman(kit)
            .args(["run", "-d", "--name", &name])
            .args(base_args(kit, runtime))
            .args(opts)
            .arg("--rootfs")
            .arg(format!("{}:O", kit.rootfs.display()))
            .args(["sleep", "600"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run podman: {e}"));
        let what = format!("{runtime} {}", opts.join(" "));
        let b = Container { kit, name, what };
        Ran::from(out, format!("start {}", b.what)).ok();
        b
    }

    /// `podman exec` of CMD, with `env` set.
    fn exec_env(&self, env: &[(&str, &str)], cmd: &[&str]) -> Ran {
        let mut c = podman(self.kit);
        c.arg("exec");
        for (k, v) in env {
            c.arg("-e").arg(format!("{k}={v}"));
        }
        let out = c
            .arg(&self.name)
            .args(cmd)
            .output()
            .unwrap_or_else(|e| panic!("cannot run podman exec: {e}"));
        let envs: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v:?} ")).collect();
        Ran::from(
            out,
            format!("{}: {}{}", self.what, envs.concat(), cmd.join(" ")),
        )
    }

    fn exec(&self, cmd: &[&str]) -> Ran {
        self.exec_env(&[], cmd)
    }

    fn inspect(&self, format: &str) -> String {
        let out = run_ok(podman(self.kit).args(["inspect", "-f", format, &self.name]));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The container's cgroup directory of one v1 controller, on the host.
    fn host_cgroup_dir(&self, controller: &str) -> PathBuf {
        let pid = self.inspect("{{.State.Pid}}");
        let cg = fs::read_to_string(format!("/proc/{pid}/cgroup"))
            .unwrap_or_else(|e| panic!("/proc/{pid}/cgroup: {e}"));
        let path = cg
            .lines()
            .find_map(|l| {
                let mut f = l.splitn(3, ':');
                let (_, ctl, path) = (f.next()?, f.next()?, f.next()?);
                ctl.split(',').any(|c| c == controller).then_some(path)
            })
            .unwrap_or_else(|| panic!("no {controller} line in /proc/{pid}/cgroup:\n{cg}"));
        Path::new("/sys/fs/cgroup")
            .join(controller)
            .join(path.trim_start_matches('/'))
    }
}

impl Drop for Container<'_> {
    /// `podman rm -f`, tried again a few times: once in a full run a container outlived it.
    fn drop(&mut self) {
        for _ in 0..5 {
            let rm = podman(self.kit)
                .args(["rm", "-f", "-t", "0", &self.name])
                .output();
            let gone = podman(self.kit)
                .args(["container", "exists", &self.name])
                .status()
                .is_ok_and(|s| s.code() == Some(1));
            if gone {
                return;
            }
            eprintln!("podman rm {}: {:?}", self.name, rm.map(|o| o.status));
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

fn host_file(dir: &Path, name: &str) -> String {
    let p = dir.join(name);
    fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .trim()
        .to_owned()
}

fn num(v: &str) -> u64 {
    v.parse()
        .unwrap_or_else(|e| panic!("not a number: {v:?}: {e}"))
}

/// The collector a Probe run shows: HotSpot's own `Use*GC` flags.
fn probe_gc(p: &BTreeMap<String, String>) -> &'static str {
    let on = |f: &str| p.get(&format!("flag.{f}")).map(String::as_str) == Some("true");
    match (on("UseSerialGC"), on("UseParallelGC"), on("UseG1GC")) {
        (true, false, false) => "serial",
        (false, true, false) => "parallel",
        (false, false, true) => "g1",
        _ => panic!("no single collector in {p:?}"),
    }
}

fn pu64(p: &BTreeMap<String, String>, k: &str) -> u64 {
    num(p.get(k).unwrap_or_else(|| panic!("no {k} in {p:?}")))
}

/// HotSpot aligns a maximum heap up to the heap alignment: 2 MiB for these collectors and sizes.
fn align_up(bytes: u64) -> u64 {
    bytes.div_ceil(2 * MIB) * 2 * MIB
}

const PROBE: [&str; 4] = ["java", "-cp", CLASSES, "Probe"];

fn probe_cmd(pre: &[&str]) -> Vec<String> {
    pre.iter()
        .chain(PROBE.iter())
        .map(|s| (*s).to_owned())
        .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A finding's id, severity and whole text (title, detail, evidence...) from doctor's JSON.
fn findings(doctor: &Value) -> Vec<(String, String, String)> {
    doctor["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("doctor JSON without findings: {doctor}"))
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap_or("").to_owned(),
                f["severity"].as_str().unwrap_or("").to_owned(),
                f.to_string(),
            )
        })
        .collect()
}

// ------------------------------------------------------------------- limits and the JVM

/// One set of podman limits and what they mean.
struct Limits {
    opts: &'static [&'static str],
    memory: Option<u64>,
    /// quota / period, when podman sets a quota.
    cpu_limit: Option<f64>,
}

const LIMIT_CASES: &[Limits] = &[
    Limits {
        opts: &["--memory=512m", "--cpus=1.5"],
        memory: Some(512 * MIB),
        cpu_limit: Some(1.5),
    },
    Limits {
        opts: &["--memory=1g", "--cpu-quota=50000", "--cpu-period=100000"],
        memory: Some(1024 * MIB),
        cpu_limit: Some(0.5),
    },
    Limits {
        opts: &["--memory=2g", "--cpuset-cpus=0"],
        memory: Some(2048 * MIB),
        cpu_limit: None,
    },
    Limits {
        opts: &["--memory=768m", "--cpu-shares=512"],
        memory: Some(768 * MIB),
        cpu_limit: None,
    },
    Limits {
        opts: &["--cgroupns=private", "--memory=640m", "--cpus=1"],
        memory: Some(640 * MIB),
        cpu_limit: Some(1.0),
    },
    Limits {
        opts: &[
            "--cgroupns=host",
            "--memory=3g",
            "--cpu-quota=150000",
            "--cpu-period=50000",
        ],
        memory: Some(3072 * MIB),
        cpu_limit: Some(3.0),
    },
];

/// `report`'s limits and `jvm`'s "the JVM alone" column, against podman's flags, the host's
/// cgroup files of the container and the JVM run in the same container.
#[test]
fn report_and_jvm_alone_match_podman_the_host_and_the_jvm() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        for case in LIMIT_CASES {
            check_limits(kit, runtime, case);
        }
    }
}

fn check_limits(kit: &Kit, runtime: &str, case: &Limits) {
    let b = Container::start(kit, runtime, case.opts);
    let report = b.exec(&["ctune", "report", "--format", "json"]).ok();
    let r = report.json();
    let jvm = b.exec(&["ctune", "jvm", "--format", "json"]).ok().json();
    let java = b
        .exec(&["java", "-XX:+PrintFlagsFinal", "-cp", CLASSES, "Probe"])
        .ok();
    let p = java.probe();
    let ctx = format!("{} ({})", b.what, report.what);

    // Memory: podman's flag = the host's file = ctune's limit.
    let mem_dir = b.host_cgroup_dir("memory");
    let host_mem = num(&host_file(&mem_dir, "memory.limit_in_bytes"));
    let want = case.memory.expect("every case sets --memory");
    assert_eq!(host_mem, want, "{ctx}: host memory.limit_in_bytes");
    assert_eq!(
        r["memory"]["limit"]["state"], "limited",
        "{ctx}: {}",
        r["memory"]
    );
    assert_eq!(
        r["memory"]["limit"]["value"].as_u64(),
        Some(want),
        "{ctx}: {}",
        r["memory"]
    );

    // CPU: quota / period from the host's files; cpuset; shares.
    let cpu_dir = b.host_cgroup_dir("cpu");
    let quota: i64 = host_file(&cpu_dir, "cpu.cfs_quota_us").parse().unwrap();
    let period = num(&host_file(&cpu_dir, "cpu.cfs_period_us"));
    let shares = num(&host_file(&cpu_dir, "cpu.shares"));
    let cpuset = host_file(&b.host_cgroup_dir("cpuset"), "cpuset.cpus");
    let cpuset_count = cpuset_count(&cpuset);
    match case.cpu_limit {
        Some(l) => {
            assert!(quota > 0, "{ctx}: host quota {quota}");
            let host_limit = quota as f64 / period as f64;
            assert!(
                (host_limit - l).abs() < 1e-9,
                "{ctx}: host {quota}/{period}"
            );
            assert_eq!(r["cpu"]["limit"]["state"], "limited", "{ctx}: {}", r["cpu"]);
            let got = r["cpu"]["limit"]["value"]
                .as_f64()
                .expect("cpu.limit.value");
            assert!((got - l).abs() < 1e-6, "{ctx}: cpu.limit {got}, podman {l}");
        }
        None => {
            assert_eq!(quota, -1, "{ctx}: host quota");
            assert_ne!(r["cpu"]["limit"]["state"], "limited", "{ctx}: {}", r["cpu"]);
        }
    }
    assert_eq!(
        r["cpu"]["shares"].as_u64(),
        Some(shares),
        "{ctx}: shares {}",
        r["cpu"]
    );
    assert_eq!(
        r["cpu"]["cpuset_count"].as_u64(),
        Some(cpuset_count),
        "{ctx}: cpuset {cpuset}: {}",
        r["cpu"]
    );
    let host_cpus = r["cpu"]["host_count"].as_u64().expect("host_count");
    let expect_cpus = match case.cpu_limit {
        Some(l) => (l.ceil() as u64).min(cpuset_count).min(host_cpus),
        None => cpuset_count.min(host_cpus),
    };
    assert_eq!(
        r["cpu"]["effective_count"].as_u64(),
        Some(expect_cpus),
        "{ctx}: {}",
        r["cpu"]
    );

    // The JVM alone: ctune's prediction against HotSpot in the same container.
    let view = &jvm["jvm_view"];
    let max_heap = final_flag(&java.stdout, "MaxHeapSize").map(|v| num(&v));
    assert_eq!(
        max_heap,
        Some(pu64(&p, "flag.MaxHeapSize")),
        "{ctx}: PrintFlagsFinal vs Probe"
    );
    assert_eq!(
        view["max_heap_bytes"].as_u64(),
        max_heap,
        "{ctx}: jvm_view {view}\n{java}"
    );
    assert_eq!(
        view["active_processor_count"].as_u64(),
        Some(pu64(&p, "cpus")),
        "{ctx}: jvm_view {view}\n{java}"
    );
    assert_eq!(view["gc"], probe_gc(&p), "{ctx}: jvm_view {view}\n{java}");
    assert_eq!(
        view["memory_limit_seen"].as_u64(),
        Some(want),
        "{ctx}: {view}"
    );
    // And the table says the same in its "the JVM alone" column.
    let table = b.exec(&["ctune", "--color", "never", "jvm"]).ok();
    let row = table
        .stdout
        .lines()
        .find(|l| l.contains("processors"))
        .unwrap_or_else(|| panic!("{ctx}: no processors row: {table}"));
    let first = row
        .split_whitespace()
        .find_map(|w| w.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("{ctx}: {row}"));
    assert_eq!(first, pu64(&p, "cpus"), "{ctx}: table row {row:?}");
}

/// The number of CPUs in a cpu list (`0-3,8`).
fn cpuset_count(list: &str) -> u64 {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|r| match r.split_once('-') {
            Some((a, b)) => num(b) - num(a) + 1,
            None => 1,
        })
        .sum()
}

// ------------------------------------------------------------------------- ctune exec

/// `ctune jvm --format json` in a container: what exec will apply there.
fn advice(b: &Container, profile: &str) -> Value {
    b.exec(&["ctune", "jvm", "--format", "json", "--profile", profile])
        .ok()
        .json()
}

/// Each profile at several limits, `ctune exec` running java directly and through a start
/// script (`sh -c 'exec java …'`), against the JVM's own flags in the same container.
#[test]
fn exec_profiles_at_several_limits_match_the_jvms_own_flags() {
    let Some(kit) = kit() else { return };
    let limits: [&[&str]; 3] = [
        &["--memory=512m", "--cpus=1"],
        &["--memory=1g", "--cpus=1.5"],
        &["--memory=2g", "--cpus=2"],
    ];
    for runtime in RUNTIMES {
        for opts in limits {
            let b = Container::start(kit, runtime, opts);
            for profile in ctune::jvm::profile::builtin_names() {
                let a = advice(&b, profile);
                let rec = &a["recommended"];
                let heap = rec["max_heap_bytes"].as_u64().expect("max_heap_bytes");
                let cpus = rec["active_processor_count"].as_u64().expect("cpus");
                let ctx = format!("{} profile {profile}: {rec}", b.what);

                let direct = b.exec(&strs(&probe_cmd(&[
                    "ctune",
                    "exec",
                    "--profile",
                    profile,
                    "--",
                ])));
                let p = direct.ok().probe();
                assert_eq!(pu64(&p, "flag.MaxHeapSize"), align_up(heap), "{ctx}");
                assert_eq!(pu64(&p, "cpus"), cpus, "{ctx}");
                assert_eq!(probe_gc(&p), rec["gc"], "{ctx}");

                // A start script: the heap goes as a percentage, the same heap within 1 %.
                let script = b
                    .exec(&[
                        "ctune",
                        "exec",
                        "--profile",
                        profile,
                        "--",
                        "sh",
                        "-c",
                        &format!("exec java -cp {CLASSES} Probe"),
                    ])
                    .ok();
                let p = script.probe();
                let got = pu64(&p, "flag.MaxHeapSize");
                assert!(
                    got.abs_diff(heap) <= heap / 100 + 2 * MIB,
                    "{ctx}: start script got {got}, budget {heap}\n{script}"
                );
                assert_eq!(pu64(&p, "cpus"), cpus, "{ctx}\n{script}");
            }
        }
    }
}

/// What the JVM must show for a user's option to have won.
type Holds<'a> = dyn Fn(&BTreeMap<String, String>) -> bool + 'a;
/// Where an option goes: a name, the environment, the command.
type Placement<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<String>);

/// The user's own options, in every place the JVM reads them, win over ctune's and the JVM
/// starts: argv, `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, and a start script's own line.
#[test]
fn exec_user_options_win_in_every_place() {
    let Some(kit) = kit() else { return };
    let limit = 512 * MIB;
    for runtime in RUNTIMES {
        let b = Container::start(kit, runtime, &["--memory=512m", "--cpus=1"]);
        let a = advice(&b, "default");
        let cpus = a["recommended"]["active_processor_count"].as_u64().unwrap();
        // (option, what the JVM must show)
        let cases: [(&str, &Holds<'_>); 4] = [
            ("-Xmx100m", &|p| pu64(p, "flag.MaxHeapSize") == 100 * MIB),
            ("-XX:+UseParallelGC", &|p| probe_gc(p) == "parallel"),
            ("-XX:+UseG1GC", &|p| probe_gc(p) == "g1"),
            ("-XX:MaxRAMPercentage=50", &|p| {
                pu64(p, "flag.MaxHeapSize") == align_up(limit / 2)
            }),
        ];
        for (opt, holds) in cases {
            let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
            let script = |line: &str| owned(&["ctune", "exec", "--", "sh", "-c", line]);
            let placements: [Placement; 5] = [
                (
                    "argv",
                    vec![],
                    owned(&["ctune", "exec", "--", "java", opt, "-cp", CLASSES, "Probe"]),
                ),
                (
                    "JAVA_TOOL_OPTIONS",
                    vec![("JAVA_TOOL_OPTIONS", opt)],
                    probe_cmd(&["ctune", "exec", "--"]),
                ),
                (
                    "JDK_JAVA_OPTIONS",
                    vec![("JDK_JAVA_OPTIONS", opt)],
                    probe_cmd(&["ctune", "exec", "--"]),
                ),
                (
                    "a start script's line",
                    vec![],
                    script(&format!("exec java {opt} -cp {CLASSES} Probe")),
                ),
                (
                    "JAVA_TOOL_OPTIONS of a start script",
                    vec![("JAVA_TOOL_OPTIONS", opt)],
                    script(&format!("exec java -cp {CLASSES} Probe")),
                ),
            ];
            for (place, env, cmd) in placements {
                let ran = b.exec_env(&env, &strs(&cmd)).ok();
                let p = ran.probe();
                assert!(holds(&p), "{opt} in {place} did not win:\n{ran}");
                assert_eq!(pu64(&p, "cpus"), cpus, "{opt} in {place}:\n{ran}");
            }
        }
    }
}

/// `ctune exec` as the container's entrypoint: it becomes the JVM (PID 1), with and without
/// `--`, and the JVM gets exactly the advice of `ctune jvm` in the same limits.
#[test]
fn exec_as_entrypoint_is_pid_1_with_and_without_dashes() {
    let Some(kit) = kit() else { return };
    let limits = ["--memory=768m", "--cpus=1"];
    for runtime in RUNTIMES {
        let a = ctune_json(kit, runtime, &limits, "jvm");
        let heap = a["recommended"]["max_heap_bytes"].as_u64().unwrap();
        let cpus = a["recommended"]["active_processor_count"].as_u64().unwrap();
        for pre in [&["ctune", "exec", "--"][..], &["ctune", "exec"][..]] {
            let ran = run(kit, runtime, &limits, &strs(&probe_cmd(pre))).ok();
            let p = ran.probe();
            assert_eq!(p["pid"], "1", "{ran}");
            assert_eq!(pu64(&p, "flag.MaxHeapSize"), align_up(heap), "{ran}");
            assert_eq!(pu64(&p, "cpus"), cpus, "{ran}");
            assert_eq!(probe_gc(&p), a["recommended"]["gc"], "{ran}");
            assert_eq!(p["flag.ExitOnOutOfMemoryError"], "true", "{ran}");
            // One line on stderr says what was applied.
            assert_eq!(ran.stderr.lines().count(), 1, "{ran}");
        }
    }
}

/// `podman stop` sends SIGTERM to PID 1: with `ctune exec` as PID 1 that is the JVM itself,
/// whose shutdown hook runs; the exit status is the JVM's (143 = killed by SIGTERM, as Java
/// reports it).
#[test]
fn podman_stop_reaches_the_jvms_shutdown_hook() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        let name = unique_name();
        let out = podman(kit)
            .args(["run", "-d", "--name", &name])
            .args(base_args(kit, runtime))
            .args(["--memory=512m", "--rootfs"])
            .arg(format!("{}:O", kit.rootfs.display()))
            .args(["ctune", "exec", "--", "java", "-cp", CLASSES, "Hook"])
            .output()
            .unwrap();
        let guard = Container {
            kit,
            name: name.clone(),
            what: format!("{runtime} Hook"),
        };
        Ran::from(out, guard.what.clone()).ok();
        let logs = || {
            let o = podman(kit).args(["logs", &name]).output().unwrap();
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
        };
        let t = Instant::now();
        while !logs().contains("started") {
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "{runtime}: Hook never started: {}",
                logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(logs().contains("started pid=1"), "{runtime}: {}", logs());
        let t = Instant::now();
        run_ok(podman(kit).args(["stop", "-t", "20", &name]));
        let took = t.elapsed();
        let log = logs();
        assert!(
            log.contains("hook ran"),
            "{runtime}: no shutdown hook:\n{log}"
        );
        assert_eq!(
            guard.inspect("{{.State.ExitCode}}"),
            "143",
            "{runtime}:\n{log}"
        );
        assert!(
            took < Duration::from_secs(15),
            "{runtime}: stop took {took:?} (SIGKILL after 20 s?)"
        );
    }
}

/// A heap-filling JVM under `ctune exec` ends in OutOfMemoryError (exit 3 with the advice's
/// `-XX:+ExitOnOutOfMemoryError`), never in a kernel OOM kill: the cgroup's `oom_kill` counter
/// stays 0. (podman's `OOMKilled` is no witness here: it stays false on kernel kills on this
/// machine, so the exit status and the counter are.)
#[test]
fn heap_fill_ends_in_out_of_memory_error_not_a_kernel_kill() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        for limit in ["256m", "768m"] {
            let ran = run(
                kit,
                runtime,
                &[&format!("--memory={limit}"), "--cpus=1"],
                &[
                    "sh",
                    "-c",
                    &format!(
                        "ctune exec -- java -cp {CLASSES} Fill; echo rc=$?; \
                         cat /sys/fs/cgroup/memory/memory.oom_control; \
                         echo @@REPORT; ctune report --format json"
                    ),
                ],
            )
            .ok();
            assert!(ran.stdout.contains("rc=3\n"), "not exit 3: {ran}");
            assert!(
                ran.stdout
                    .contains("Terminating due to java.lang.OutOfMemoryError"),
                "{ran}"
            );
            assert!(
                ran.stdout.contains("oom_kill 0\n"),
                "kernel OOM kill: {ran}"
            );
            let (_, report) = ran.stdout.split_once("@@REPORT\n").expect("report");
            let r: Value = serde_json::from_str(report).expect("report JSON");
            assert_eq!(r["memory"]["oom_kills"], 0, "{ran}");
        }
        // The witnesses work: a heap the limit cannot hold (-Xmx1g under 256 MiB, no ctune)
        // ends in a kernel kill, exit 137, counted by the kernel and by ctune.
        let ran = run(
            kit,
            runtime,
            &["--memory=256m", "--cpus=1"],
            &[
                "sh",
                "-c",
                &format!(
                    "java -Xmx1g -cp {CLASSES} Fill; echo rc=$?; \
                     cat /sys/fs/cgroup/memory/memory.oom_control; \
                     echo @@REPORT; ctune report --format json"
                ),
            ],
        )
        .ok();
        assert!(ran.stdout.contains("rc=137\n"), "not a kernel kill: {ran}");
        assert!(!ran.stdout.contains("oom_kill 0\n"), "{ran}");
        let (_, report) = ran.stdout.split_once("@@REPORT\n").expect("report");
        let r: Value = serde_json::from_str(report).expect("report JSON");
        assert!(r["memory"]["oom_kills"].as_u64() >= Some(1), "{ran}");
    }
}

// ------------------------------------------------------------------------------ identity

/// `--user 4242 --passwd=false`: a uid without a passwd entry (OpenShift's arbitrary uids).
/// ctune says so; `exec --nss-wrapper` gives the JVM a user and a usable home; `exec` alone
/// still gives it a usable `user.home`.
#[test]
fn user_without_a_passwd_entry() {
    let Some(kit) = kit() else { return };
    let opts = ["--user=4242", "--passwd=false", "--memory=512m"];
    for runtime in RUNTIMES {
        let r = ctune_json(kit, runtime, &opts, "report");
        let id = &r["identity"];
        assert_eq!(id["uid"], 4242, "{runtime}: {id}");
        assert_eq!(id["passwd_entry"], false, "{runtime}: {id}");
        // The JVM without ctune: user.name '?', as the domain guide says.
        let bare = run(kit, runtime, &opts, &PROBE).ok().probe();
        assert_eq!(bare["user.name"], "?", "{runtime}: {bare:?}");
        for pre in [
            &["ctune", "exec", "--nss-wrapper", "--"][..],
            &["ctune", "exec", "--"],
        ] {
            let ran = run(kit, runtime, &opts, &strs(&probe_cmd(pre))).ok();
            let p = ran.probe();
            assert_eq!(p["user.home.writable"], "true", "{runtime}: {ran}");
            assert_ne!(p["user.home"], "/", "{runtime}: {ran}");
            if pre.contains(&"--nss-wrapper") {
                assert_ne!(p["user.name"], "?", "{runtime}: {ran}");
            }
        }
        let d = ctune_json(kit, runtime, &opts, "doctor");
        let ids: Vec<String> = findings(&d).into_iter().map(|f| f.0).collect();
        assert!(
            ids.iter().any(|i| i == "uid-without-passwd-entry"),
            "{runtime}: {ids:?}"
        );
    }
}

/// podman's default entry for `--user 4242` (issue 19, item 5): its home is the working
/// directory (`/` by default) and `HOME` too, not writable for the uid in an image. (With
/// `--rootfs DIR:O` podman hands the overlay's root to the `--user` uid, so `/` is writable
/// here, unlike an image's; a root-owned WORKDIR, usual in images, is the same case, so the
/// test takes `--workdir /srv`.) `exec -- sh` gets a usable `HOME`, `exec -- java` a usable
/// `user.home`, and `doctor` says the home is not writable.
#[test]
fn item5_podman_default_user_gets_a_usable_home() {
    let Some(kit) = kit() else { return };
    let opts = ["--user=4242", "--workdir=/srv", "--memory=512m"];
    for runtime in RUNTIMES {
        let r = ctune_json(kit, runtime, &opts, "report");
        assert_eq!(
            r["identity"]["passwd_entry"], true,
            "{runtime}: {}",
            r["identity"]
        );
        // podman's entry really is that: the JVM alone gets user.home=/srv, not writable.
        let bare = run(kit, runtime, &opts, &PROBE).ok().probe();
        assert_eq!(bare["user.home"], "/srv", "{runtime}: {bare:?}");
        assert_eq!(bare["env.HOME"], "/srv", "{runtime}: {bare:?}");
        assert_eq!(bare["user.home.writable"], "false", "{runtime}: {bare:?}");

        let sh = run(
            kit,
            runtime,
            &opts,
            &[
                "ctune",
                "exec",
                "--",
                "sh",
                "-c",
                "echo HOME=$HOME; touch \"$HOME/.probe\" && echo writable",
            ],
        )
        .ok();
        assert!(!sh.stdout.contains("HOME=/srv\n"), "{runtime}: {sh}");
        assert!(sh.stdout.contains("writable"), "{runtime}: {sh}");

        let java = run(
            kit,
            runtime,
            &opts,
            &strs(&probe_cmd(&["ctune", "exec", "--"])),
        )
        .ok();
        let p = java.probe();
        assert_ne!(p["user.home"], "/srv", "{runtime}: {java}");
        assert_eq!(p["user.home.writable"], "true", "{runtime}: {java}");

        let d = ctune_json(kit, runtime, &opts, "doctor");
        let f = findings(&d);
        assert!(
            f.iter().any(|(_, sev, text)| sev != "info"
                && text.contains("user.home")
                && text.contains("4242")),
            "{runtime}: doctor is silent about user.home=/: {f:?}"
        );
    }
}

// ----------------------------------------------------------------------- read-only root

/// `--read-only`, with and without `--tmpfs /tmp`: the JVM starts under `ctune exec`
/// (with `--nss-wrapper` too, which needs a writable directory for its files), and ctune sees
/// the read-only root.
#[test]
fn read_only_root_with_and_without_tmpfs() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        for opts in [
            &["--read-only", "--read-only-tmpfs=false", "--memory=512m"][..],
            &[
                "--read-only",
                "--read-only-tmpfs=false",
                "--tmpfs=/tmp",
                "--memory=512m",
            ],
            &["--read-only", "--memory=512m"],
        ] {
            let r = ctune_json(kit, runtime, opts, "report");
            let root = r["mounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["mount_point"] == "/")
                .unwrap_or_else(|| panic!("{runtime} {opts:?}: no / in {}", r["mounts"]));
            assert_eq!(root["read_only"], true, "{runtime} {opts:?}: {root}");
            for pre in [
                &["ctune", "exec", "--"][..],
                &["ctune", "exec", "--nss-wrapper", "--"],
            ] {
                let ran = run(kit, runtime, opts, &strs(&probe_cmd(pre))).ok();
                ran.probe();
            }
            let mut user = vec!["--user=4242", "--passwd=false"];
            user.extend_from_slice(opts);
            let ran = run(
                kit,
                runtime,
                &user,
                &strs(&probe_cmd(&["ctune", "exec", "--nss-wrapper", "--"])),
            )
            .ok();
            ran.probe();
        }
    }
}

/// Item 4: with `--read-only --tmpfs /tmp`, doctor does not call the read-only root "the
/// container's writable layer".
#[test]
fn item4_read_only_root_is_not_the_writable_layer() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        let opts = ["--read-only", "--tmpfs=/tmp", "--memory=512m"];
        let d = ctune_json(kit, runtime, &opts, "doctor");
        for (id, _, text) in findings(&d) {
            assert!(
                !(id == "data-dir-on-overlay" || text.contains("writable layer")),
                "{runtime}: a read-only root called the writable layer: {text}"
            );
        }
        // Without --read-only the same root is the writable layer, and said.
        let d = ctune_json(kit, runtime, &["--memory=512m"], "doctor");
        assert!(
            findings(&d)
                .iter()
                .any(|(id, _, _)| id == "data-dir-on-overlay"),
            "{runtime}: {d}"
        );
    }
}

// ------------------------------------------------------------------ issue 19, items 1-3, 6, 7

/// Item 1: a start script's heap (a percentage in `JAVA_TOOL_OPTIONS`) never gives the real
/// JVM more than ctune's budgeted heap, over a sweep of limits (Serial's 2 MiB alignment and
/// G1's regions).
#[test]
fn item1_start_script_heap_never_exceeds_the_budget() {
    let Some(kit) = kit() else { return };
    let script = format!(
        "ctune jvm --format json; echo @@; \
         ctune exec -- sh -c 'exec java -cp {CLASSES} Probe'"
    );
    for runtime in RUNTIMES {
        for mem in ["300m", "512m", "700m", "1000m", "1900m", "2500m"] {
            let ran = run(
                kit,
                runtime,
                &[&format!("--memory={mem}")],
                &["sh", "-c", &script],
            )
            .ok();
            let (advice, probe) = ran.stdout.split_once("@@\n").expect("two parts");
            let a: Value = serde_json::from_str(advice).expect("jvm JSON");
            let budget = a["recommended"]["max_heap_bytes"].as_u64().unwrap();
            let p = probe_lines(probe).unwrap_or_else(|| panic!("no Probe output: {ran}"));
            let real = pu64(&p, "flag.MaxHeapSize");
            assert!(
                real <= budget,
                "{runtime} --memory={mem}: the JVM took {real} ({:.1} MiB, {}), the budget is {budget} ({:.1} MiB)\n{ran}",
                real as f64 / MIB as f64,
                probe_gc(&p),
                budget as f64 / MIB as f64
            );
            // ... and not much less: the percentage means that heap.
            assert!(
                real + 34 * MIB > budget,
                "{runtime} --memory={mem}: {real} for {budget}"
            );
        }
    }
}

/// Item 2: `-Xms` above the limit is an error, in true numbers, in `doctor` (as `-Xmx1g` is)
/// and on exec's stderr line; the app still starts, with the heap it asked for.
#[test]
fn item2_initial_heap_above_the_limit_is_an_error() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        let b = Container::start(kit, runtime, &["--memory=512m", "--cpus=1"]);
        let sev = |opt: &str| -> Vec<(String, String, String)> {
            let d = b
                .exec_env(
                    &[("JAVA_TOOL_OPTIONS", opt)],
                    &["ctune", "doctor", "--format", "json"],
                )
                .ok()
                .json();
            findings(&d)
                .into_iter()
                .filter(|(_, _, text)| text.contains(opt))
                .collect()
        };
        let xmx = sev("-Xmx1g");
        assert!(
            xmx.iter().any(|f| f.1 == "error"),
            "{runtime}: -Xmx1g: {xmx:?}"
        );
        let xms = sev("-Xms600m");
        let err = xms
            .iter()
            .find(|f| f.1 == "error")
            .unwrap_or_else(|| panic!("{runtime}: -Xms600m above 512 MiB is no error: {xms:?}"));
        assert!(
            err.2.contains("600 MiB") && err.2.contains("512 MiB"),
            "{runtime}: {err:?}"
        );

        let ran = b
            .exec_env(
                &[("JAVA_TOOL_OPTIONS", "-Xms600m")],
                &strs(&probe_cmd(&["ctune", "exec", "--"])),
            )
            .ok();
        assert!(pu64(&ran.probe(), "flag.MaxHeapSize") >= 600 * MIB, "{ran}");
        let line = ran
            .stderr
            .lines()
            .find(|l| l.contains("ctune"))
            .unwrap_or("");
        assert!(
            line.contains("600 MiB") && line.contains("512 MiB"),
            "{runtime}: {ran}"
        );
        assert!(!line.contains("less than budgeted"), "{runtime}: {ran}");
    }
}

/// Item 3: the variables ctune itself sets for nss_wrapper (file paths) are not called secrets;
/// a real secret-looking variable still is.
#[test]
fn item3_nss_wrapper_variables_are_not_secrets() {
    let Some(kit) = kit() else { return };
    let opts = [
        "--user=4242",
        "--passwd=false",
        "--memory=512m",
        "-e",
        "DB_PASSWORD=hunter2",
    ];
    for runtime in RUNTIMES {
        let ran = run(
            kit,
            runtime,
            &opts,
            &[
                "ctune",
                "exec",
                "--nss-wrapper",
                "--",
                "ctune",
                "doctor",
                "--format",
                "json",
            ],
        )
        .ok();
        let f = findings(&ran.json());
        let secrets: Vec<&String> = f
            .iter()
            .filter(|(id, _, _)| id == "secret-in-environment")
            .map(|(_, _, t)| t)
            .collect();
        assert!(
            secrets.iter().any(|t| t.contains("DB_PASSWORD")),
            "{runtime}: {f:?}"
        );
        assert!(
            !secrets.iter().any(|t| t.contains("hunter2")),
            "{runtime}: value shown"
        );
        assert!(
            !secrets.iter().any(|t| t.contains("NSS_WRAPPER")),
            "{runtime}: ctune's own nss_wrapper files called secrets: {secrets:?}"
        );
    }
}

/// A parent cgroup with limits, removed on drop (after the containers in it).
struct ParentCgroup {
    name: String,
}

impl ParentCgroup {
    fn new(quota: i64, memory: u64) -> ParentCgroup {
        let name = format!("ctune-test-parent-{}", unique_name());
        for ctl in ["cpu", "memory"] {
            fs::create_dir_all(format!("/sys/fs/cgroup/{ctl}/{name}")).unwrap();
        }
        fs::write(
            format!("/sys/fs/cgroup/cpu/{name}/cpu.cfs_quota_us"),
            quota.to_string(),
        )
        .unwrap();
        fs::write(
            format!("/sys/fs/cgroup/memory/{name}/memory.limit_in_bytes"),
            memory.to_string(),
        )
        .unwrap();
        ParentCgroup { name }
    }
}

impl Drop for ParentCgroup {
    /// Removes the parent in every hierarchy podman used (it adds `conmon/` beside the
    /// containers, in cgroup2 too), waiting a little for conmon to leave.
    fn drop(&mut self) {
        let dirs: Vec<PathBuf> = fs::read_dir("/sys/fs/cgroup")
            .map(|rd| rd.flatten().map(|e| e.path().join(&self.name)).collect())
            .unwrap_or_default();
        let t = Instant::now();
        loop {
            for dir in dirs.iter().filter(|d| d.exists()) {
                if let Ok(rd) = fs::read_dir(dir) {
                    for e in rd.flatten().filter(|e| e.path().is_dir()) {
                        let _ = fs::remove_dir(e.path());
                    }
                }
                let _ = fs::remove_dir(dir);
            }
            let left: Vec<&PathBuf> = dirs.iter().filter(|d| d.exists()).collect();
            if left.is_empty() {
                return;
            }
            if t.elapsed() > Duration::from_secs(10) {
                eprintln!("warning: cannot remove {left:?}");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Item 6: `--cgroup-parent` with a CPU quota and a memory limit on the parent, the container's
/// own cgroup unlimited. The parent is not visible in the container: the CPU limit is "none
/// visible" (with the highest level read), never a plain "unlimited"; the memory limit is the
/// real one (v1's `hierarchical_memory_limit`), as the JVM sees it too.
#[test]
fn item6_hidden_parent_limit_is_not_called_unlimited() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        let parent = ParentCgroup::new(50_000, 768 * MIB);
        let opts = [format!("--cgroup-parent=/{}", parent.name)];
        let b = Container::start(kit, runtime, &strs(&opts));
        let host = host_file(&b.host_cgroup_dir("cpu").join(".."), "cpu.cfs_quota_us");
        assert_eq!(host, "50000", "{runtime}: the parent's quota");
        let r = b.exec(&["ctune", "report", "--format", "json"]).ok().json();
        let cpu = &r["cpu"]["limit"];
        match cpu["state"].as_str() {
            Some("limited") => assert_eq!(cpu["value"].as_f64(), Some(0.5), "{runtime}: {cpu}"),
            Some("unlimited") => {
                assert_eq!(
                    cpu["ancestors_visible"], false,
                    "{runtime}: plain 'unlimited': {cpu}"
                );
                assert!(cpu["highest_level"].is_string(), "{runtime}: {cpu}");
            }
            _ => panic!("{runtime}: {cpu}"),
        }
        assert_eq!(
            r["memory"]["limit"]["value"].as_u64(),
            Some(768 * MIB),
            "{runtime}: {}",
            r["memory"]
        );
        let p = b.exec(&PROBE).ok().probe();
        let jvm = b.exec(&["ctune", "jvm", "--format", "json"]).ok().json();
        assert_eq!(
            jvm["jvm_view"]["max_heap_bytes"].as_u64(),
            Some(pu64(&p, "flag.MaxHeapSize"))
        );
        assert_eq!(
            jvm["jvm_view"]["active_processor_count"].as_u64(),
            Some(pu64(&p, "cpus"))
        );
        // The prose agrees: no "no CPU limit" where one may be hidden.
        let doctor = b.exec(&["ctune", "--color", "never", "doctor"]).ok();
        assert!(
            !doctor.stdout.contains("no CPU limit,"),
            "{runtime}: {doctor}"
        );
        let table = b.exec(&["ctune", "--color", "never", "report"]).ok();
        let row = table
            .stdout
            .lines()
            .find(|l| l.trim_start_matches(['│', ' ']).starts_with("limit"))
            .unwrap_or("");
        assert!(!row.contains("unlimited"), "{runtime}: {row}\n{table}");
        drop(b);
    }
}

/// Item 7, under one CPU: exec's stderr line names a user's `-XX:+UseParallelGC` (left alone,
/// and said, as the README promises), and the JVM runs it.
#[test]
fn item7_users_collector_under_one_cpu_is_said() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        let ran = run(
            kit,
            runtime,
            &["--memory=1g", "--cpus=1"],
            &[
                "ctune",
                "exec",
                "--",
                "java",
                "-XX:+UseParallelGC",
                "-cp",
                CLASSES,
                "Probe",
            ],
        )
        .ok();
        assert_eq!(probe_gc(&ran.probe()), "parallel", "{ran}");
        assert!(
            ran.stderr.contains("ParallelGC"),
            "{runtime}: the user's collector not named: {ran}"
        );
    }
}

/// Item 7, under one CPU: the `throughput` and `latency` profiles' own advice (`jvm --format
/// flags`, as a user would paste it into `JAVA_TOOL_OPTIONS`) raises no
/// `collector-burns-cpu-limit` in `doctor`: ctune does not warn against what it recommends.
#[test]
fn item7_profiles_and_doctor_agree_under_one_cpu() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        let b = Container::start(kit, runtime, &["--memory=1g", "--cpus=1"]);
        for profile in ["throughput", "latency"] {
            let ran = b
                .exec(&[
                    "sh",
                    "-c",
                    &format!(
                        "JAVA_TOOL_OPTIONS=\"$(ctune jvm --profile {profile} --format flags)\" \
                         ctune doctor --format json"
                    ),
                ])
                .ok();
            let f = findings(&ran.json());
            assert!(
                !f.iter().any(|(id, _, _)| id == "collector-burns-cpu-limit"),
                "{runtime}: profile {profile}'s own flags raise collector-burns-cpu-limit: {f:?}"
            );
        }
    }
}

/// Item 7: `identity.group` under nss_wrapper is the group `id -gn` names (a gid with no
/// `/etc/group` entry, which the wrapper's group file gives).
#[test]
fn item7_group_under_nss_wrapper() {
    let Some(kit) = kit() else { return };
    for runtime in RUNTIMES {
        let ran = run(
            kit,
            runtime,
            &["--user=4242:4242", "--passwd=false"],
            &[
                "ctune",
                "exec",
                "--nss-wrapper",
                "--",
                "sh",
                "-c",
                "id -gn; ctune report --format json",
            ],
        )
        .ok();
        let (group, json) = ran.stdout.split_once('\n').expect("two parts");
        let r: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {ran}"));
        assert!(
            !group.is_empty() && group.parse::<u32>().is_err(),
            "{runtime}: id -gn: {ran}"
        );
        assert_eq!(
            r["identity"]["group"], group,
            "{runtime}: {}",
            r["identity"]
        );
    }
}

/// Item 7: on a host without swap the swap row says so; `--memory-reservation` (v1
/// `memory.soft_limit_in_bytes`) is shown.
#[test]
fn item7_swap_remark_and_memory_reservation() {
    let Some(kit) = kit() else { return };
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap();
    let no_swap = meminfo
        .lines()
        .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["SwapTotal:", "0", "kB"]);
    for runtime in RUNTIMES {
        let b = Container::start(
            kit,
            runtime,
            &["--memory=512m", "--memory-reservation=256m"],
        );
        let soft = host_file(&b.host_cgroup_dir("memory"), "memory.soft_limit_in_bytes");
        assert_eq!(num(&soft), 256 * MIB, "{runtime}");
        let r = b.exec(&["ctune", "report", "--format", "json"]).ok().json();
        let shown = json_numbers(&r["memory"]).contains(&(256 * MIB));
        assert!(
            shown,
            "{runtime}: no 256 MiB reservation in {}",
            r["memory"]
        );
        let table = b.exec(&["ctune", "--color", "never", "report"]).ok();
        assert!(table.stdout.contains("256 MiB"), "{runtime}: {table}");
        if no_swap {
            let swap = table_row(&table.stdout, "swap");
            assert!(
                swap.contains("no swap") || swap.contains("SwapTotal"),
                "{runtime}: the swap row on a host without swap has no remark: {swap}"
            );
        }
    }
}

/// Every number in a JSON value, recursively.
fn json_numbers(v: &Value) -> Vec<u64> {
    match v {
        Value::Number(n) => n.as_u64().into_iter().collect(),
        Value::Array(a) => a.iter().flat_map(json_numbers).collect(),
        Value::Object(o) => o.values().flat_map(json_numbers).collect(),
        _ => vec![],
    }
}

/// A table row whose name starts with `name`, with its continuation lines (rows with no name).
fn table_row(table: &str, name: &str) -> String {
    let cells = |l: &str| l.trim_start_matches(['│', ' ']).to_owned();
    let mut out = String::new();
    let mut inside = false;
    for l in table.lines() {
        let c = cells(l);
        let named = l.starts_with("│   ") && !l.starts_with("│    ") || l.starts_with("│ [");
        if c.starts_with(name) {
            inside = true;
        } else if named {
            inside = false;
        }
        if inside {
            out.push_str(&c);
            out.push('\n');
        }
    }
    out
}
