//! The command line's outside: exit codes, formats and `--assume`, as the contract fixes them.

use crate::common::*;
use ctune::exit;
use std::fs;
use std::process::Command;

fn code(args: &[&str]) -> i32 {
    ctune()
        .args(args)
        .output()
        .unwrap()
        .status
        .code()
        .unwrap_or(-1)
}

#[test]
fn exit_codes() {
    assert_eq!(
        code(&["--root", "/nonexistent/ctune", "report"]),
        exit::CANNOT_INSPECT
    );
    let empty = std::env::temp_dir().join(format!("ctune-empty-root-{}", std::process::id()));
    fs::create_dir_all(&empty).unwrap();
    assert_eq!(
        code(&["--root", empty.to_str().unwrap(), "report"]),
        exit::CANNOT_INSPECT
    );
    fs::remove_dir_all(&empty).unwrap();
    assert_eq!(code(&["report", "--format", "sarif"]), exit::USAGE);
    assert_eq!(code(&["--assume", "cpus=many", "report"]), exit::USAGE);
    assert_eq!(code(&["--assume", "memory=lots", "report"]), exit::USAGE);
    assert_eq!(code(&["--assume", "jdk=", "report"]), exit::USAGE);
    assert_eq!(code(&["no-such-command"]), exit::USAGE);
    assert_eq!(code(&["--help"]), exit::OK);
    assert_eq!(code(&["--version"]), exit::OK);
    assert_eq!(code(&["report"]), exit::OK);
}

#[test]
fn assumptions_replace_detected_limits() {
    let out = run_ok(ctune().args([
        "report",
        "--format",
        "json",
        "--assume",
        "cpus=1.5",
        "--assume",
        "memory=2GiB",
        "--assume",
        "jdk=11.0.14",
    ]));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["cpu"]["limit"]["value"].as_f64(), Some(1.5));
    assert_eq!(r["cpu"]["limit"]["source"], "--assume cpus");
    let cpuset = r["cpu"]["cpuset_count"].as_u64().unwrap();
    assert_eq!(r["cpu"]["effective_count"].as_u64(), Some(2.min(cpuset)));
    assert_eq!(r["memory"]["limit"]["value"].as_u64(), Some(2 << 30));
    assert_eq!(r["jvm"]["version"], "11.0.14");
}

#[test]
fn global_options_work_after_the_command_too() {
    let a = run_ok(ctune().args(["--format", "json", "report"]));
    let b = run_ok(ctune().args(["report", "--format", "json"]));
    let va: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let vb: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(va["schema_version"], 1);
    assert_eq!(va["cgroup"], vb["cgroup"]);
}

#[test]
fn completions_are_generated() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run_ok(ctune().args(["completions", shell]));
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(
            s.contains("report") && s.contains("snapshot"),
            "{shell}: {s}"
        );
    }
}

const ASSUMED: [&str; 6] = [
    "--assume",
    "memory=2GiB",
    "--assume",
    "cpus=1.5",
    "--assume",
    "jdk=17.0.15",
];

fn jvm(args: &[&str]) -> std::process::Output {
    run_ok(ctune().args(ASSUMED).arg("jvm").args(args))
}

#[test]
fn jvm_json_has_the_contract_fields() {
    let v: serde_json::Value = serde_json::from_slice(&jvm(&["--format", "json"]).stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["profile"], "default");
    assert_eq!(v["java"]["feature"], 17);
    assert_eq!(v["java"]["version"], "17.0.15");
    for k in [
        "container_aware",
        "active_processor_count",
        "max_heap_bytes",
        "gc",
    ] {
        assert!(!v["jvm_view"][k].is_null(), "jvm_view.{k}");
    }
    // The contract's types: a reason or null, and a bool.
    assert_eq!(
        v["jvm_view"].get("blind_reason"),
        Some(&serde_json::Value::Null)
    );
    assert_eq!(v["jvm_view"]["will_not_start"], false);
    let r = &v["recommended"];
    let flags = recommended_flags(&v);
    let xmx = flags
        .iter()
        .find(|f| f.starts_with("-Xmx"))
        .expect("an -Xmx for a 2 GiB limit");
    assert_eq!(
        format!("-Xmx{}m", r["max_heap_bytes"].as_u64().unwrap() >> 20),
        *xmx
    );
    let budget = budget_total(&v);
    assert!(budget <= 2 << 30, "budget {budget} over the 2 GiB limit");
    assert_eq!(r["active_processor_count"], 2);
    assert!(["serial", "parallel", "g1", "zgc", "shenandoah"].contains(&r["gc"].as_str().unwrap()));
    let rationale = v["rationale"].as_array().unwrap();
    assert_eq!(rationale.len(), flags.len(), "one why per flag");
    assert!(rationale
        .iter()
        .all(|x| !x["why"].as_str().unwrap().is_empty()));
}

#[test]
fn jvm_other_formats() {
    let flags = String::from_utf8(jvm(&["--format", "flags"]).stdout).unwrap();
    assert_eq!(flags.lines().count(), 1);
    assert!(
        flags.contains("-Xmx") && flags.contains("-XX:+ExitOnOutOfMemoryError"),
        "{flags}"
    );
    let env = String::from_utf8(jvm(&["--format", "env"]).stdout).unwrap();
    assert!(
        env.starts_with("export JAVA_TOOL_OPTIONS=\"${JAVA_TOOL_OPTIONS:+$JAVA_TOOL_OPTIONS }-")
            && env.contains("-Xmx"),
        "{env}"
    );
    // eval'd by a shell, it keeps what was there and adds ours.
    let out = run_ok(
        Command::new("sh")
            .args(["-c", &format!("{env}\nprintf %s \"$JAVA_TOOL_OPTIONS\"")])
            .env("JAVA_TOOL_OPTIONS", "-Dkeep=1"),
    );
    let v = String::from_utf8(out.stdout).unwrap();
    assert!(v.starts_with("-Dkeep=1 -") && v.contains("-Xmx"), "{v}");
    let spark =
        String::from_utf8(jvm(&["--profile", "spark-executor", "--format", "spark-conf"]).stdout)
            .unwrap();
    let get = |k: &str| -> u64 {
        spark
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k} ")))
            .unwrap_or_else(|| panic!("no {k}:\n{spark}"))
            .trim_end_matches('m')
            .parse()
            .unwrap()
    };
    assert_eq!(
        get("spark.executor.memory") + get("spark.executor.memoryOverhead"),
        2048,
        "{spark}"
    );
    assert!(get("spark.executor.memoryOverhead") >= 384);
    assert_eq!(
        get("spark.executor.cores"),
        1,
        "spark-executor rounds 1.5 CPUs down"
    );
    assert!(spark.contains("spark.driver.memory "));
    assert!(
        !spark
            .lines()
            .any(|l| l.contains("extraJavaOptions") && l.contains("-Xmx")),
        "Spark rejects -Xmx there"
    );
    let table = String::from_utf8(jvm(&[]).stdout).unwrap();
    assert!(
        table.contains("memory budget") && table.contains("the JVM alone"),
        "{table}"
    );
}

#[test]
fn jvm_respects_options_after_the_separator() {
    let v: serde_json::Value = serde_json::from_slice(
        &jvm(&[
            "--format",
            "json",
            "--",
            "java",
            "-Xmx1900m",
            "-XX:+UseParallelGC",
            "-jar",
            "app.jar",
        ])
        .stdout,
    )
    .unwrap();
    let flags = v["recommended"]["flags"].as_array().unwrap();
    assert!(!flags.iter().any(|f| f.as_str().unwrap().starts_with("-Xmx") || f.as_str().unwrap().ends_with("GC")), "{flags:?}");
    assert_eq!(v["recommended"]["max_heap_bytes"], 1900u64 << 20);
    assert_eq!(v["recommended"]["gc"], "parallel");
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("-Xmx1900m")));
}

#[test]
fn profile_errors_and_listing() {
    assert_eq!(code(&["jvm", "--profile", "no-such-profile"]), exit::USAGE);
    assert_eq!(code(&["jvm", "--set", "memory.threads=lots"]), exit::USAGE);
    assert_eq!(code(&["jvm", "--format", "sarif"]), exit::USAGE);
    assert_eq!(code(&["profiles", "show", "nope"]), exit::USAGE);
    let list = String::from_utf8(run_ok(ctune().arg("profiles")).stdout).unwrap();
    for p in [
        "default",
        "throughput",
        "latency",
        "spark-executor",
        "spark-driver",
    ] {
        assert!(
            list.lines().any(|l| l.starts_with(p)),
            "{p} missing:\n{list}"
        );
    }
    // `profiles show` output loads back as a profile file.
    let shown = run_ok(ctune().args([
        "profiles",
        "show",
        "spark-executor",
        "--set",
        "memory.threads=300",
    ]))
    .stdout;
    let f = std::env::temp_dir().join(format!("ctune-shown-{}.toml", std::process::id()));
    fs::write(&f, shown).unwrap();
    let v: serde_json::Value =
        // 8 GiB (the later --assume wins) so nothing is squeezed and the 300 threads show.
        serde_json::from_slice(&jvm(&["--assume", "memory=8GiB", "--profile", f.to_str().unwrap(), "--format", "json"]).stdout)
            .unwrap();
    fs::remove_file(&f).unwrap();
    // 300 threads × (256 + 32) KiB of touched stack = 84.4 MiB, rounded up.
    assert_eq!(v["recommended"]["budget"]["thread_stacks"], 85u64 << 20);
}

#[test]
fn jvm_never_prints_secret_property_values() {
    for format in ["table", "json", "flags", "env", "spark-conf"] {
        let out = run_ok(
            ctune()
                .args(ASSUMED)
                .args([
                    "jvm",
                    "--format",
                    format,
                    "--",
                    "java",
                    "-Dapi.token=tok-999",
                    "-jar",
                    "a.jar",
                ])
                .env("JAVA_TOOL_OPTIONS", "-Ddb.password=hunter2-secret"),
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains("hunter2-secret") && !text.contains("tok-999"),
            "{format}: {text}"
        );
    }
}

/// `--java` takes a `java` binary or a Java home; a missing binary is named as given.
#[test]
fn a_missing_java_is_named_as_given() {
    for (arg, named) in [
        (
            "/nonexistent/jdk/bin/java",
            "/nonexistent/jdk/bin/java: no such file",
        ),
        (
            "/nonexistent/jdk",
            "/nonexistent/jdk/bin/java: no such file",
        ),
    ] {
        let out = ctune().args(["jvm", "--java", arg]).output().unwrap();
        assert_eq!(out.status.code(), Some(exit::USAGE));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(named) && !err.contains("java/bin/java"),
            "{err}"
        );
    }
}

/// Each command takes its own formats, before or after the command, and its help lists only
/// those; commands that print no document refuse `--format` instead of ignoring it.
#[test]
fn each_command_takes_only_its_own_formats() {
    let out = |args: &[&str]| ctune().args(args).output().unwrap();
    for (args, ok) in [
        (&["profiles", "--format", "json"][..], true),
        (&["--format", "json", "profiles"], true),
        (&["profiles", "show", "default", "--format", "json"], true),
        (&["profiles", "show", "default", "--format", "toml"], true),
        (&["profiles", "--format", "toml"], false),
        (&["--format", "toml", "profiles"], false),
        (&["profiles", "show", "default", "--format", "table"], false),
        (&["doctor", "--format", "sarif"], false),
        (&["--format", "sarif", "doctor"], false),
        (&["lint", "--format", "sarif", "--fail-on", "never"], true),
        (&["snapshot", "--format", "json", "/nonexistent/x"], false),
        (&["--format", "json", "snapshot", "/nonexistent/x"], false),
        (&["completions", "bash", "--format", "json"], false),
        (&["--format", "json", "completions", "bash"], false),
        (
            &["exec", "--strict", "--format", "json", "--", "true"],
            false,
        ),
        (
            &["--format", "json", "exec", "--strict", "--", "true"],
            false,
        ),
    ] {
        let o = out(args);
        let code = o.status.code();
        let err = String::from_utf8_lossy(&o.stderr);
        if ok {
            assert_eq!(code, Some(exit::OK), "{args:?}: {err}");
        } else {
            assert_eq!(code, Some(exit::USAGE), "{args:?}: {err}");
            assert!(err.contains("--format"), "{args:?}: {err}");
        }
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out(&["profiles", "--format", "json"]).stdout).unwrap();
    assert_eq!(v["profiles"][0]["name"], "default");
    let v: serde_json::Value = serde_json::from_slice(
        &out(&["profiles", "show", "spark-executor", "--format", "json"]).stdout,
    )
    .unwrap();
    assert_eq!(v["name"], "spark-executor");
    assert_eq!(v["cpu"]["rounding"], "floor");
    // Without --strict, exec still runs the command (and says why it did not tune it).
    let o = out(&["exec", "--format", "json", "--", "true"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("running the command unchanged"));
    // Help: only the command's own formats.
    let help = |args: &[&str]| String::from_utf8(out(args).stdout).unwrap();
    let doctor = help(&["doctor", "--help"]);
    assert!(
        doctor.contains("[possible values: table, json]"),
        "{doctor}"
    );
    assert!(
        !doctor.contains("sarif") && !doctor.contains("spark-conf"),
        "{doctor}"
    );
    let lint = help(&["lint", "--help"]);
    assert!(
        lint.contains("[possible values: text, json, sarif,"),
        "{lint}"
    );
    for cmd in ["exec", "snapshot", "completions"] {
        let h = help(&[cmd, "--help"]);
        assert!(!h.contains("--format"), "{cmd}: {h}");
    }
    assert!(help(&["profiles", "show", "--help"]).contains("toml, json"));
}

/// Every message a mistaken path gets, as a person reads it (one style: `ctune: ...`, the
/// path, what is wrong, what to give instead; the OS error once, without "(os error N)").
#[test]
fn messages_for_mistaken_paths() {
    let dir = scratch_dir("messages");
    let file = dir.join("a-file");
    fs::write(&file, "x").unwrap();
    let full = dir.join("full");
    fs::create_dir_all(full.join("something")).unwrap();
    let d = dir.display().to_string();
    let stderr = |args: &[&std::ffi::OsStr]| {
        let o = ctune().args(args).env("COLUMNS", "80").output().unwrap();
        format!(
            "exit {}\n{}",
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).replace(&d, "[DIR]")
        )
    };
    fn s<'a>(v: &[&'a str]) -> Vec<&'a std::ffi::OsStr> {
        v.iter().map(|x| std::ffi::OsStr::new(*x)).collect()
    }
    let f = file.to_str().unwrap();
    let full_s = full.to_str().unwrap();
    insta::assert_snapshot!(
        "root_nonexistent",
        stderr(&s(&["--root", "/nonexistent", "report"]))
    );
    insta::assert_snapshot!("root_file", stderr(&s(&["--root", f, "report"])));
    insta::assert_snapshot!("snapshot_file", stderr(&s(&["snapshot", f])));
    insta::assert_snapshot!("snapshot_not_empty", stderr(&s(&["snapshot", full_s])));
    insta::assert_snapshot!(
        "snapshot_write_error",
        stderr(&s(&["snapshot", "/proc/ctune-cannot-write-here"]))
    );
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"/tmp/caf\xe9");
    insta::assert_snapshot!(
        "path_not_utf8",
        stderr(&[
            std::ffi::OsStr::new("--path"),
            bad,
            std::ffi::OsStr::new("report")
        ])
    );
    // doctor names the directories it was asked for and could not inspect.
    let o = ctune()
        .args(["--path", "/nonexistent", "--path", f, "doctor"])
        .env("COLUMNS", "80")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).replace(&d, "[DIR]");
    let rows: String = out
        .lines()
        .skip_while(|l| !l.contains("data dirs"))
        .take_while(|l| !l.starts_with('└'))
        .map(|l| l.split_once("data dirs").map_or(l, |(_, r)| r))
        .map(|l| l.trim_matches(|c| c == '│' || c == ' ').to_owned() + " ")
        .collect();
    assert!(
        rows.contains("/nonexistent: no such file"),
        "doctor --path /nonexistent says why: {out}"
    );
    assert!(
        rows.contains("[DIR]/a-file: a regular file, not a directory"),
        "a regular file is no data directory: {out}"
    );
    fs::remove_dir_all(&dir).unwrap();
}
