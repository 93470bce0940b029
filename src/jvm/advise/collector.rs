//! The collector: the profile's goal against what the JVM would pick by itself, never a
//! collector when the user touched collector selection (two selected collectors stop the JVM),
//! and the pause goal for G1.

use super::{Cx, Draft};
use crate::jvm::ergonomics::{MIB, SERVER_CLASS_MEMORY};
use crate::jvm::profile::Goal;
use crate::jvm::version::{Gc, JavaVersion};

/// The collector a profile goal wants for this many CPUs (the CPU limit itself when there is
/// one, else the processors) and this heap, and why. Below 2 CPUs every goal gets Serial: the
/// collectors with worker or concurrent threads take the quota the application needs (the
/// finding `collector-burns-cpu-limit` says the same of a user's choice), and issue 20 measured
/// G1 on one CPU at 10 % fewer requests a second than the defaults, with no better p99.
fn choose_gc(goal: Goal, v: JavaVersion, cpus: f64, heap: u64) -> (Gc, &'static str) {
    match goal {
        _ if cpus < 2.0 => (Gc::Serial, "under 2 CPUs: Serial GC has no GC threads competing with the application for the quota"),
        Goal::Throughput => (Gc::Parallel, "throughput profile (batch): Parallel GC spends every CPU while it runs and none in between"),
        Goal::Latency if v.feature >= 21 && cpus >= 4.0 && heap >= 8 << 30 => {
            (Gc::Zgc, "latency profile, large heap, 4+ CPUs and JDK 21+: generational ZGC keeps pauses under a millisecond")
        }
        Goal::Latency if v.feature >= 9 => (Gc::G1, "latency profile, 2+ CPUs: G1 with a pause-time goal"),
        Goal::Balanced if heap >= 512 * MIB && v.feature >= 9 => {
            (Gc::G1, "2+ CPUs and a heap of 512 MiB or more: G1's short pauses suit a service")
        }
        _ => (Gc::Serial, "small heap: Serial GC costs the least CPU and memory"),
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
    // The CPU limit as the kernel enforces it (1.5, not the 2 processors it rounds up to).
    let cpu_limit =
        cx.f.cpu
            .limit
            .value()
            .unwrap_or(cpus as f64)
            .min(cpus as f64);
    let (wanted, why) = choose_gc(cx.profile.gc.goal, v, cpu_limit, memory / 2);
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
