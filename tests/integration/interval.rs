//! `--interval` against the kernel's own counters: a busy loop in a real cgroup v1 with a CPU
//! quota of 0.2 CPU is throttled in nearly every period; `ctune --interval 2 report` run in the
//! same cgroup must report the deltas the kernel's `cpu.stat` shows around it.
//!
//! The test reads `cpu.stat` just before starting ctune and just after it exits, so its window
//! holds ctune's and is longer by ctune's start-up and one reading. Periods accrue once per
//! `cfs_period_us` of wall time while the cgroup has runnable tasks, and throttled time at most
//! once per CPU, so the tolerance follows from that extra time: ctune's counts lie between the
//! kernel's over the longer window minus what the extra time can add, and the kernel's.

use crate::common::*;
use crate::real_kernel::{in_cgroup, v1_writable, Cgroups, V1};
use serde_json::Value;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Kill and reap a child when dropped, so a failed assertion leaves no busy loop behind.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Debug, Clone, Copy)]
struct CpuStat {
    periods: u64,
    throttled: u64,
    throttled_seconds: f64,
}

fn cpu_stat(rel: &str) -> CpuStat {
    let t = std::fs::read_to_string(format!("{V1}/cpu/{rel}/cpu.stat")).unwrap();
    let get = |k: &str| -> u64 {
        t.lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or_else(|| panic!("cpu.stat has no {k}: {t}"))
    };
    CpuStat {
        periods: get("nr_periods"),
        throttled: get("nr_throttled"),
        throttled_seconds: get("throttled_time") as f64 / 1e9,
    }
}

#[test]
fn interval_rates_match_the_kernels_cpu_stat_in_a_throttled_cgroup() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    let rel = format!("ctune-interval-{}", std::process::id());
    let cg = Cgroups::new(&rel);
    cg.set("cpu", &rel, "cpu.cfs_period_us", "100000");
    cg.set("cpu", &rel, "cpu.cfs_quota_us", "20000"); // 0.2 CPU
    let busy = Reaped(
        in_cgroup(&rel, &["sh", "-c", "while :; do :; done"])
            .stdin(Stdio::null())
            .spawn()
            .expect("start the busy loop"),
    );
    // Let the totals since the cgroup was created grow past what one interval adds.
    std::thread::sleep(Duration::from_millis(1500));

    let before = cpu_stat(&rel);
    let t0 = Instant::now();
    let bin = bin_path();
    let out = run_ok(&mut in_cgroup(
        &rel,
        &[
            bin.to_str().unwrap(),
            "--interval",
            "2",
            "report",
            "--format",
            "json",
        ],
    ));
    let window = t0.elapsed().as_secs_f64();
    let after = cpu_stat(&rel);
    drop(busy);

    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let i = &d["interval"];
    let secs = i["seconds"].as_f64().unwrap();
    assert!(
        (2.0..window).contains(&secs),
        "interval {secs} s, test window {window:.3} s"
    );
    let t = &i["cpu_throttling"];
    let periods = t["periods"].as_u64().unwrap();
    let throttled = t["throttled_periods"].as_u64().unwrap();
    let throttled_s = t["throttled_seconds"].as_f64().unwrap();
    let share = t["throttled_share"].as_f64().unwrap();

    let k_periods = after.periods - before.periods;
    let k_throttled = after.throttled - before.throttled;
    let k_throttled_s = after.throttled_seconds - before.throttled_seconds;
    // What the test's longer window can add: one period per 100 ms of extra wall time (plus
    // one for the period in progress at each end), throttled time at most per CPU.
    let extra = window - secs;
    let slack_periods = (extra / 0.1).ceil() as u64 + 2;
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get()) as f64;
    // Each period the test's window may add beyond ctune's (the slack above, the ones in
    // progress at either end included) can add up to a whole 100 ms period of throttled time
    // on each CPU: seen in CI, 2 more periods and 0.27 s more over a window 50 ms longer.
    let slack_s = slack_periods as f64 * 0.1 * cpus + 0.05;
    let ctx = format!(
        "ctune: {periods} periods, {throttled} throttled, {throttled_s:.3} s over {secs:.3} s; kernel: {k_periods}, {k_throttled}, {k_throttled_s:.3} s over {window:.3} s"
    );
    eprintln!("{ctx}");
    assert!(
        periods >= 15,
        "a 2 s interval of a busy cgroup spans ~20 periods: {ctx}"
    );
    assert!(
        periods <= k_periods + 1 && periods + slack_periods >= k_periods,
        "periods (tolerance {slack_periods}): {ctx}"
    );
    assert!(
        throttled <= k_throttled + 1 && throttled + slack_periods >= k_throttled,
        "throttled periods (tolerance {slack_periods}): {ctx}"
    );
    assert!(
        throttled_s <= k_throttled_s + 0.05 && throttled_s + slack_s >= k_throttled_s,
        "throttled seconds (tolerance {slack_s:.2} s): {ctx}"
    );
    // The loop was throttled (on a quiet machine in nearly every period; on one loaded by
    // other work it gets less than its quota and fewer), and the share is ctune's own counts'.
    assert!(
        k_throttled >= 3,
        "the busy loop was hardly throttled: {ctx}"
    );
    assert!((share - throttled as f64 / periods as f64).abs() < 1e-9);
    // Over the interval, not since start (the contract): cpu.throttling holds the interval's
    // counts, and the larger totals since the cgroup was created are in a note.
    assert_eq!(d["cpu"]["throttling"]["periods"].as_u64(), Some(periods));
    assert_eq!(
        d["cpu"]["throttling"]["throttled_periods"].as_u64(),
        Some(throttled)
    );
    let note = d["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .find(|n| n.starts_with("cpu.throttling is over the"))
        .unwrap_or_else(|| panic!("no totals note: {}", d["notes"]));
    let total_periods: u64 = note
        .split("throttled, ")
        .next()
        .and_then(|x| x.rsplit(" of ").next())
        .and_then(|x| x.split_whitespace().next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{note}"));
    assert!(
        total_periods >= periods + 10,
        "the totals since creation ({total_periods}) exceed the interval's ({periods}): {note}"
    );
    drop(cg);
}

/// A snapshot does not move: two readings of it give zero rates, every one of them known.
#[test]
fn interval_over_a_fixture_gives_zero_rates_in_json_and_table() {
    let root = repo().join("tests/fixtures/v2-k8s-cgroupns");
    let d = report_json(&root, &["--interval", "0.1"]);
    let i = &d["interval"];
    assert!(i["seconds"].as_f64().unwrap() >= 0.1);
    assert_eq!(i["cpu_throttling"]["periods"], 0);
    assert_eq!(i["memory"]["usage_delta_bytes"], 0);
    assert_eq!(i["pressure"]["cgroup"]["memory"]["some"]["share"], 0.0);
    assert!(
        !d["diagnostics"].to_string().contains("interval."),
        "every interval value is known here: {}",
        d["diagnostics"]
    );
    let out = run_ok(
        ctune()
            .arg("--root")
            .arg(&root)
            .args(["--interval", "0.1", "report"]),
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("[interval]"), "{table}");
    assert!(table.contains("0/0 periods"), "{table}");
    // Without --interval there is no interval object at all.
    assert!(report_json(&root, &[]).get("interval").is_none());
}

#[test]
fn interval_is_refused_where_nothing_is_counted() {
    for cmd in [
        &["jvm"][..],
        &["snapshot", "/nonexistent-ctune-dir"][..],
        &["lint", "Dockerfile"][..],
    ] {
        let out = ctune()
            .arg("--interval")
            .arg("1")
            .args(cmd)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--interval"));
    }
    for bad in ["0", "-1", "abc", "NaN", "inf", "100000"] {
        let out = ctune()
            .args(["--interval", bad, "report"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--interval {bad}");
    }
}
