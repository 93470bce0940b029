//! The collector: the profile's goal against what the JVM would pick by itself, never a
//! collector when the user touched collector selection (two selected collectors stop the JVM),
//! and the pause goal for G1.

use super::{Cx, Draft};
use crate::jvm::ergonomics::{MIB, SERVER_CLASS_MEMORY};
use crate::jvm::profile::Goal;
use crate::jvm::version::{Gc, JavaVersion};

/// The collector a profile goal wants for this many CPUs and this heap, and why.
fn choose_gc(goal: Goal, v: JavaVersion, cpus: u32, heap: u64) -> (Gc, &'static str) {
    match goal {
        Goal::Throughput if cpus >= 2 => (Gc::Parallel, "throughput profile: Parallel GC spends every CPU while it runs and none in between"),
        Goal::Throughput => (Gc::Serial, "one CPU: Serial GC has no thread coordination to pay for"),
        Goal::Latency if v.feature >= 21 && cpus >= 4 && heap >= 8 << 30 => {
            (Gc::Zgc, "latency profile, large heap, 4+ CPUs and JDK 21+: generational ZGC keeps pauses under a millisecond")
        }
        Goal::Latency if v.feature >= 9 => (Gc::G1, "latency profile: G1 with a pause-time goal"),
        Goal::Balanced if cpus >= 2 && heap >= 512 * MIB && v.feature >= 9 => {
            (Gc::G1, "2+ CPUs and a heap of 512 MiB or more: G1's short pauses suit a service")
        }
        _ => (Gc::Serial, "small heap or a single CPU: Serial GC costs the least CPU and memory"),
    }
}

/// What the JVM picks after our processor count, with no collector flag.
fn jvm_gc_pick(v: JavaVersion, cpus: u32, phys: u64) -> Gc {
    if cpus >= 2 && phys >= SERVER_CLASS_MEMORY {
        v.server_gc()
    } else {
        Gc::Serial
    }
}

/// The collector that will run, adding its flag when the JVM would pick another. `memory` is
/// the memory the budget is made for (the limit, else host RAM).
pub(super) fn collector(cx: &Cx, cpus: u32, memory: u64, d: &mut Draft) -> Gc {
    let v = cx.v;
    let (wanted, why) = choose_gc(cx.profile.gc.goal, v, cpus, memory / 2);
    if let Some(g) = cx.user.gc() {
        return g;
    }
    if cx.user.touches_gc() {
        return cx.view.gc;
    }
    let jvm_pick = jvm_gc_pick(v, cpus, cx.view.physical_memory_bytes);
    if wanted != jvm_pick {
        d.add(
            wanted.flag(),
            format!("{why} (the JVM would pick {})", jvm_pick.as_str()),
        );
        if wanted == Gc::Zgc && (21..23).contains(&v.feature) {
            d.add(
                "-XX:+ZGenerational",
                "generational mode is not the default before JDK 23",
            );
        }
    }
    wanted
}

/// G1's pause-time goal from the profile.
pub(super) fn pause_goal(cx: &Cx, gc: Gc, d: &mut Draft) {
    let ms = cx.profile.gc.max_pause_ms;
    if gc == Gc::G1 && ms > 0 && !cx.user.sets_xx("MaxGCPauseMillis") {
        d.add(
            format!("-XX:MaxGCPauseMillis={ms}"),
            format!("{} profile pause target", cx.profile.name),
        );
    }
}
