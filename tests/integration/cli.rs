//! The command line's outside: exit codes, formats and `--assume`, as the contract fixes them.

use crate::common::*;
use ctune::exit;
use std::fs;

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
