//! A start script's heap goes to the JVM as `-XX:MaxRAMPercentage` (ctune cannot see the
//! script's own `java` line). The percentage must never give more than the budgeted `-Xmx`:
//! checked against the real JVM's `MaxHeapSize`, in real v1 memory cgroups over a sweep of
//! limits, for the collector the JVM picks itself and for each one a script may pick.

use crate::common::*;
use crate::real_kernel::{in_cgroup, v1_writable, Cgroups};

/// The `-XmxNNNm` ctune budgeted, from its stderr line (`-Xmx204m as -XX:MaxRAMPercentage=…`).
fn budgeted_heap(line: &str) -> Option<u64> {
    let at = line.find("-Xmx")?;
    let rest = &line[at + 4..];
    let end = rest.find(|c: char| !c.is_ascii_alphanumeric())?;
    let (num, unit) = rest[..end].split_at(end - 1);
    let n: u64 = num.parse().ok()?;
    let shift = match unit {
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        _ => return None,
    };
    rest[end..]
        .starts_with(" as -XX:MaxRAMPercentage=")
        .then_some(n << shift)
}

#[test]
fn start_script_heap_percentages_never_exceed_the_budget() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    if !have("java") {
        return skipped("no java on PATH");
    }
    let base = format!("ctune-pct-{}", std::process::id());
    let cg = Cgroups::new(&base);
    let bin = bin_path();
    let bin = bin.to_str().unwrap();
    let mib = 1u64 << 20;
    let collectors = [
        "",
        "-XX:+UseSerialGC",
        "-XX:+UseParallelGC",
        "-XX:+UseG1GC",
        "-XX:+UseZGC",
        "-XX:+UseShenandoahGC",
    ];
    let mut checked = 0;
    for limit_mib in [256u64, 384, 512, 1000, 1536, 2048, 3000, 4096] {
        cg.set(
            "memory",
            &base,
            "memory.limit_in_bytes",
            &(limit_mib * mib).to_string(),
        );
        for gc in collectors {
            let script = format!("exec java {gc} -XX:+PrintFlagsFinal -version");
            let mut c = in_cgroup(&base, &[bin, "exec", "--", "sh", "-c", &script]);
            c.env_remove("JAVA_TOOL_OPTIONS")
                .env_remove("JDK_JAVA_OPTIONS")
                .env_remove("_JAVA_OPTIONS");
            let out = c.output().expect("run");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let ctx = format!("limit {limit_mib} MiB, `{script}`:\n{stderr}");
            if !out.status.success() && stderr.contains("Unrecognized VM option") {
                eprintln!("skipped {gc}: this JDK does not have it");
                continue;
            }
            assert!(out.status.success(), "{ctx}");
            let line = stderr.lines().next().unwrap_or("");
            let Some(budget) = budgeted_heap(line) else {
                // A small limit where the budget keeps the JVM's own heap: nothing to convert,
                // and nothing heap-related added.
                assert!(
                    !line.contains("-Xmx") && !line.contains("MaxRAMPercentage"),
                    "no -Xmx… as -XX:MaxRAMPercentage= said: {ctx}"
                );
                assert!(
                    limit_mib <= 384,
                    "a heap flag is expected above 384 MiB: {ctx}"
                );
                eprintln!("limit {limit_mib} MiB {gc:<22} the JVM's own heap");
                continue;
            };
            let heap: u64 = final_flag(&stdout, "MaxHeapSize")
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no MaxHeapSize: {ctx}"));
            assert!(
                heap <= budget,
                "the JVM got {heap} bytes, above the {budget} budgeted: {ctx}"
            );
            // Not needlessly small either: within one alignment unit (at most 32 MiB).
            let align = ctune::exec::heap_alignment_bound(budget);
            assert!(
                heap + align >= budget,
                "the JVM got {heap} bytes, more than {align} below the {budget} budgeted: {ctx}"
            );
            checked += 1;
            eprintln!("limit {limit_mib} MiB {gc:<22} budget {budget} heap {heap}");
        }
    }
    assert!(checked >= 8 * 4, "only {checked} runs checked");
}
