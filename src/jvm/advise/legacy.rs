//! JDK 8 builds from before container support (8u191): thread pools sized directly where
//! `-XX:ActiveProcessorCount` does not exist, and the experimental v1 memory-limit flag of
//! 8u131–8u190.

use super::{Cx, Draft};
use crate::facts::CgroupVersion;

/// GC, JIT and common-pool threads for `cpus`, for a JDK without `-XX:ActiveProcessorCount`.
pub(super) fn thread_flags(cpus: u32, why: &str, d: &mut Draft) {
    let par = if cpus <= 8 {
        cpus
    } else {
        8 + (cpus - 8) * 5 / 8
    };
    d.add(
        format!("-XX:ParallelGCThreads={par}"),
        format!("{why} (no -XX:ActiveProcessorCount before 8u191)"),
    );
    d.add(
        format!("-XX:CICompilerCount={}", 2.max(cpus.min(4))),
        "JIT threads for the CPUs available",
    );
    d.add(
        format!(
            "-Djava.util.concurrent.ForkJoinPool.common.parallelism={}",
            cpus.saturating_sub(1).max(1)
        ),
        "the common pool sizes itself from the host's CPUs on this JDK",
    );
}

/// 8u131–8u190 on v1 read the limit only with the experimental flag, when no `-Xmx` is given.
pub(super) fn cgroup_memory_limit_for_heap(cx: &Cx, d: &mut Draft) {
    let v = cx.v;
    if cx.f.cgroup.version == CgroupVersion::V1
        && !v.reads_cgroup_v1()
        && v.has_cgroup_memory_limit_for_heap()
        && !d.has("-Xmx")
        && !cx.user.has_prefix("-Xmx")
    {
        d.add(
            "-XX:+UnlockExperimentalVMOptions",
            "needed by the next flag on this JDK 8 build",
        );
        d.add(
            "-XX:+UseCGroupMemoryLimitForHeap",
            format!("JDK {v} reads the v1 memory limit only with this experimental flag"),
        );
    }
}
