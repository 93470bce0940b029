//! `ctune snapshot DIR` then `ctune --root DIR report` gives the live report, counters aside.

use crate::common::*;
use serde_json::Value;
use std::fs;

/// Fields that move between two reads (usage counters) are blanked; everything else must match.
fn without_counters(mut v: Value) -> Value {
    for k in [
        "usage_bytes",
        "anon_bytes",
        "file_bytes",
        "active_file_bytes",
        "inactive_file_bytes",
        "shmem_bytes",
        "dirty_bytes",
        "writeback_bytes",
        "working_set_bytes",
    ] {
        if let Some(x) = v["memory"].get_mut(k) {
            *x = Value::String("<counter>".into());
        }
    }
    if let Some(x) = v["cpu"].get_mut("throttling") {
        if !x.is_null() {
            *x = Value::String("<counter>".into());
        }
    }
    // Running JVMs move (and come and go) between two reads: tests/integration/running_jvms.rs
    // checks a snapshot of one it controls.
    if let Some(x) = v.get_mut("java_processes") {
        *x = Value::String("<running JVMs>".into());
    }
    if let Some(Value::Array(d)) = v.get_mut("diagnostics") {
        d.retain(|x| {
            !x["field"]
                .as_str()
                .is_some_and(|f| f.starts_with("java_processes"))
        });
    }
    // A snapshot keeps no owner or mode bits: whether the home is writable is judged live only
    // (under --root only a home of `/` is, for a uid other than 0).
    if let Some(x) = v["identity"].get_mut("passwd_home_writable") {
        *x = Value::String("<owner and mode>".into());
    }
    if let Some(Value::Array(d)) = v.get_mut("diagnostics") {
        d.retain(|x| x["field"] != "identity.passwd_home_writable");
    }
    // Pressure averages and totals move too; whether each is known, and where from, must not.
    for scope in ["cgroup", "host"] {
        for res in ["cpu", "memory", "io"] {
            if let Some(x) = v["pressure"][scope].get_mut(res) {
                if !x.is_null() {
                    *x = Value::String("<counter>".into());
                }
            }
        }
    }
    // The diagnostics list follows the fields; a counter that was unknown in one read only.
    v
}

pub fn assert_same_report(live: &Value, back: &Value) {
    let (a, b) = (
        without_counters(live.clone()),
        without_counters(back.clone()),
    );
    if a != b {
        let (sa, sb) = (format!("{a:#}"), format!("{b:#}"));
        let diff: Vec<String> = sa
            .lines()
            .zip(sb.lines())
            .filter(|(x, y)| x != y)
            .take(20)
            .map(|(x, y)| format!("live: {x}\nback: {y}"))
            .collect();
        panic!(
            "snapshot report differs from the live one:\n{}",
            diff.join("\n")
        );
    }
}

#[test]
fn live_snapshot_reads_back_as_the_live_report() {
    let snap = std::env::temp_dir().join(format!("ctune-roundtrip-{}", std::process::id()));
    let _ = fs::remove_dir_all(&snap);
    let live: Value =
        serde_json::from_slice(&run_ok(ctune().args(["report", "--format", "json"])).stdout)
            .unwrap();
    run_ok(ctune().arg("snapshot").arg(&snap));
    assert!(snap.join("ctune-snapshot.json").is_file());
    assert!(snap.join("proc/self/mountinfo").is_file());
    let back = report_json(&snap, &[]);
    let table = run_ok(ctune().arg("--root").arg(&snap).arg("report"));
    fs::remove_dir_all(&snap).unwrap();
    assert_same_report(&live, &back);
    assert!(!table.stdout.is_empty());
}

#[test]
fn snapshot_redacts_secret_values_and_keeps_the_rest() {
    let snap = std::env::temp_dir().join(format!("ctune-redact-{}", std::process::id()));
    let _ = fs::remove_dir_all(&snap);
    run_ok(
        ctune()
            .arg("snapshot")
            .arg(&snap)
            .env("DB_PASSWORD", "hunter2-very-secret")
            .env("MY_API_KEY", "k-123456789")
            .env("PLAIN_SETTING", "visible-value"),
    );
    let environ = fs::read(snap.join("proc/self/environ")).unwrap();
    let text = String::from_utf8_lossy(&environ);
    fs::remove_dir_all(&snap).unwrap();
    assert!(!text.contains("hunter2-very-secret"), "password leaked");
    assert!(!text.contains("k-123456789"), "api key leaked");
    assert!(text.contains("DB_PASSWORD=<redacted by ctune>"));
    assert!(text.contains("PLAIN_SETTING=visible-value"));
}

#[test]
fn snapshot_refuses_a_non_empty_directory() {
    let dir = std::env::temp_dir().join(format!("ctune-nonempty-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("x"), "x").unwrap();
    let out = ctune().arg("snapshot").arg(&dir).output().unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(ctune::exit::USAGE));
}
