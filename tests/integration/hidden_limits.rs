//! A limit set above what the process can see (issue 19, item 6): a parent v1 cgroup with a CPU
//! quota and a memory limit, the process in a child, in a cgroup namespace of its own with the
//! hierarchies mounted afresh (as a container with a private cgroup namespace sees them). The
//! kernel still enforces the parent's limits; ctune must say "no limit visible" for the CPU and
//! take the memory limit from `memory.stat`'s `hierarchical_memory_limit`.

use crate::common::*;
use crate::real_kernel::{in_cgroup, v1_writable, Cgroups, V1};

#[test]
fn a_hidden_parent_limit_is_no_limit_visible_and_the_hierarchical_memory_limit() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    if !have("unshare") {
        return skipped("no unshare");
    }
    let base = format!("ctune-hidden-{}", std::process::id());
    let leaf = format!("{base}/C");
    let cg = Cgroups::new(&leaf);
    cg.set("cpu", &base, "cpu.cfs_quota_us", "50000");
    cg.set("memory", &base, "memory.limit_in_bytes", "805306368");
    let bin = bin_path();
    let script = format!(
        "umount -l {V1}/cpu && umount -l {V1}/memory && mount -t cgroup -o cpu cgroup {V1}/cpu && mount -t cgroup -o memory cgroup {V1}/memory && {b} report --format json && {b} doctor --format json && {b} --color never doctor >&2",
        b = bin.display()
    );
    let out = run_ok(&mut in_cgroup(
        &leaf,
        &[
            "unshare",
            "-C",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
        ],
    ));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut docs = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    let report = docs.next().expect("report").expect("report JSON");
    let doctor = docs.next().expect("doctor").expect("doctor JSON");
    let ctx = format!("{report:#}");
    assert_eq!(
        report["cpu"]["limit"],
        serde_json::json!({"state": "unlimited", "ancestors_visible": false, "highest_level": format!("{V1}/cpu")}),
        "{ctx}"
    );
    assert_eq!(report["memory"]["limit"]["value"], 805306368u64, "{ctx}");
    assert_eq!(
        report["memory"]["limit"]["source"],
        format!("{V1}/memory/memory.stat (hierarchical_memory_limit)"),
        "{ctx}"
    );
    assert_eq!(
        doctor["summary"]["cpu"]["limit"]["ancestors_visible"], false,
        "{doctor:#}"
    );
    let table = String::from_utf8_lossy(&out.stderr);
    assert!(table.contains("no CPU limit visible"), "{table}");
}
