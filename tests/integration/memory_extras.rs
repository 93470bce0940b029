//! `--memory-reservation` and a swap limit on a host without swap (issue 19, item 7), in a real
//! v1 memory cgroup: what podman's `--memory 512m --memory-swap 1g --memory-reservation 256m`
//! writes (`memory.limit_in_bytes`, `memory.memsw.limit_in_bytes`,
//! `memory.soft_limit_in_bytes`).

use crate::common::*;
use crate::real_kernel::{in_cgroup, v1_writable, Cgroups, V1};

#[test]
fn reservation_and_a_moot_swap_limit_in_a_real_cgroup() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    let memsw = format!("{V1}/memory/memory.memsw.limit_in_bytes");
    if std::fs::metadata(&memsw).is_err() {
        return skipped("no swap accounting (memory.memsw.limit_in_bytes)");
    }
    let base = format!("ctune-reservation-{}", std::process::id());
    let cg = Cgroups::new(&base);
    let mib = 1u64 << 20;
    cg.set(
        "memory",
        &base,
        "memory.limit_in_bytes",
        &(512 * mib).to_string(),
    );
    cg.set(
        "memory",
        &base,
        "memory.memsw.limit_in_bytes",
        &(1024 * mib).to_string(),
    );
    cg.set(
        "memory",
        &base,
        "memory.soft_limit_in_bytes",
        &(256 * mib).to_string(),
    );
    let bin = bin_path();
    let bin = bin.to_str().unwrap();
    let json: serde_json::Value = serde_json::from_slice(
        &run_ok(&mut in_cgroup(&base, &[bin, "report", "--format", "json"])).stdout,
    )
    .unwrap();
    let m = &json["memory"];
    assert_eq!(m["reservation"]["state"], "limited", "{m:#}");
    assert_eq!(m["reservation"]["value"], 256 * mib, "{m:#}");
    assert_eq!(
        m["reservation"]["source"],
        format!("{V1}/memory/{base}/memory.soft_limit_in_bytes")
    );
    assert_eq!(m["swap_limit"]["value"], 512 * mib, "{m:#}");
    let swap_total = std::fs::read_to_string("/proc/meminfo")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("SwapTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("SwapTotal");
    assert_eq!(m["host_swap_bytes"], swap_total * 1024, "{m:#}");
    let table = String::from_utf8_lossy(
        &run_ok(in_cgroup(&base, &[bin, "--color", "never", "report"]).env("COLUMNS", "200"))
            .stdout,
    )
    .into_owned();
    assert!(
        table
            .lines()
            .any(|l| l.contains("reservation") && l.contains("256 MiB")),
        "{table}"
    );
    // The "from / why" column wraps: compare the words.
    let words = table
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let moot = words
        .contains("the host has no swap (SwapTotal 0 in /proc/meminfo), so this limit is moot");
    assert_eq!(moot, swap_total == 0, "{table}");
    let metrics = String::from_utf8_lossy(
        &run_ok(&mut in_cgroup(
            &base,
            &[bin, "report", "--format", "prometheus"],
        ))
        .stdout,
    )
    .into_owned();
    assert!(
        metrics.contains(&format!("ctune_memory_reservation_bytes {}", 256 * mib)),
        "{metrics}"
    );
    assert!(
        metrics.contains("ctune_limit_state{limit=\"memory_reservation\",state=\"limited\"} 1"),
        "{metrics}"
    );
}
