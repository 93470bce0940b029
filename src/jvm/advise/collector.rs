//! The collector: the profile's goal against what the JVM would pick by itself, never a
//! collector when the user touched collector selection (two selected collectors stop the JVM),
//! and the pause goal for G1.

use super::{heap::Heap, Cx, Draft};
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

/// How eagerly G1 grows a heap the budget sized. After young collections G1 expands the heap
/// when they took more than `1 / (1 + GCTimeRatio)` of the time ([`JavaVersion::g1_time_ratio`]:
/// 7.7 % from JDK 9), and while the heap is under half its maximum it scales that target down
/// in proportion, to 1 % at the least (`G1HeapSizingPolicy::scale_with_heap`; JDK 8's
/// `G1CollectorPolicy::expansion_amount` did the same). The budget's heap is three to four
/// times the JVM's own quarter of the limit, so at the same size G1 wants as many times less GC
/// and grows toward half the larger maximum, touching memory an allocation-heavy job never
/// needed. Each fresh page costs a fault, and where the hypervisor backs guest memory lazily
/// (Firecracker, as on the machine measured) a host fault too: 1.8 to 9.4 s for 2 GiB there,
/// from one day to the next.
///
/// Measured (issue 20, JDK 17, 2 CPUs, 5 to 7 runs each; `benches/advice`, `--try` and
/// profiles of this flag alone):
/// - a 4 GiB batch allocating 2 GiB at a 10 % live set, `-Xmx3634m`: peak 56 % of the limit at
///   the default ratio, 40 to 43 % at 7 and 32 % at 4, against 25 % under the JVM's own 1 GiB
///   heap. In three runs it took 9.6, 2.8 and 2.8 s at the default ratio, 1.8, 2.5 and 2.5 s
///   at 7, and 1.7, 2.2 and 2.1 s under the JVM's own heap;
/// - the 2 GiB service at 35 % live: 12,207 and 9,550 req/s at 7 against 12,650 and 10,124 at
///   the default ratio, within those runs' noise;
/// - `--matrix large --only 2cpu` (13 cells: services and batches at 2 and 4 GiB, 10, 35 and
///   60 % live; `benches/advice/results/large-2cpu-r7/`): level on the services and the 2 GiB
///   batches, faster on three of the four 4 GiB batches, a lower peak at 10 % live (24 % of
///   4 GiB against 41 %). Again with 7 shipped (`large-2cpu-r4/`): no cell fails (9 pass, 4
///   within noise);
/// - why not lower: past half its maximum, G1 grows the heap after young collections only while
///   they take more than `1 / (1 + ratio)` of the time, so a low ratio leaves a service on a
///   heap that collects more often for as long as it runs (Remark's resize to
///   `MinHeapFreeRatio` still grows it where the live set needs it). At 4 the 2 GiB service
///   spent 3.7 % of its CPU collecting against 2.4 % at 7 and 1.4 % under
///   `MaxRAMPercentage=75` (`large-2cpu-r4/`), and in another run served 10,421 req/s at a
///   p99 of 16 ms against 11 ms, though it brought the 4 GiB batch level with the JVM's own
///   heap (1.7 and 1.8 s, peak 24 to 32 %).
pub(super) fn heap_growth(cx: &Cx, gc: Gc, heap: &Heap, d: &mut Draft) {
    let (ratio, jvms) = (cx.profile.gc.g1_time_ratio, cx.v.g1_time_ratio());
    if gc != Gc::G1
        || ratio == 0
        || ratio == jvms
        || !heap.budgeted
        || heap.max_heap <= cx.view.max_heap_bytes
        || cx.user.sets_xx("GCTimeRatio")
    {
        return;
    }
    let share = |r: u32| 100.0 / (1.0 + r as f64);
    let why = if ratio < jvms {
        format!(
            "the heap ({} MiB) is {:.1}x the JVM's own ({} MiB), and G1 grows a heap under half its maximum that many times as eagerly: letting collections take up to {:.1} % of the time before it grows (the JVM's {:.1} %) keeps a short job from touching memory it does not need",
            heap.max_heap / MIB,
            heap.max_heap as f64 / cx.view.max_heap_bytes as f64,
            cx.view.max_heap_bytes / MIB,
            share(ratio),
            share(jvms)
        )
    } else {
        format!(
            "the profile's gc.g1_time_ratio: G1 grows the heap once collections take more than {:.1} % of the time (the JVM's {:.1} %)",
            share(ratio),
            share(jvms)
        )
    };
    d.add(format!("-XX:GCTimeRatio={ratio}"), why);
}

/// Where Parallel starts a heap ctune sized: the profile's `gc.parallel_initial_fraction` of
/// the limit (an eighth), as `-XX:InitialHeapSize`, not the JVM's 1/64. Parallel grows its old
/// generation only in full collections ("Pause Full (Ergonomics)", when the promotions it
/// expects no longer fit), each by about half again, so a live set built at start costs a
/// string of full collections that each mark and compact all of it: 7 for a 410 MiB live set,
/// the heap growing from 119 to 606 MiB over them. Not `-Xms`, which from JDK 13 is also the
/// least heap (`MinHeapSize`): Parallel may still shrink a heap that collects cheaply. An
/// eighth is Red Hat's UBI images' `-Xms` beside Parallel (java-default-options, before 2022).
///
/// Measured (issue 20, JDK 17.0.15, the 4 GiB / 2 CPU batch: a 10 % live set, 2 GiB allocated;
/// `-XX:+UseParallelGC -Xmx3700m`, 4 interleaved runs each; GC threads' share of the CPU, wall):
///
/// | initial heap | collector's CPU | wall s | peak MiB |
/// |---|---|---|---|
/// | the JVM's 64 MiB | 40-46 % | 1.29-1.47 | 647-658 |
/// | 512 MiB (an eighth) | 34-35 % | 1.26-1.39 | 906-923 |
/// | 1 GiB (a quarter) | 32-33 % | 1.59-1.69 | 1,417-1,439 |
/// | the JVM's defaults (G1, 1 GiB heap) | 34-37 % | 1.39-1.59 | 930-983 |
///
/// With 8 GiB allocated: 35-39 % at 64 MiB, 25-26 % at 512 MiB, 26-32 % under the defaults, in
/// 2.09-2.25, 2.20-2.31 and 2.21-2.34 s. A quarter costs the first touches of a young generation
/// twice as large, dear on the machine measured (see [`heap_growth`]). With 512 MiB, 3 runs
/// each: JDK 11.0.13 28-33 % against 44-46 % (the defaults 27-30 %), JDK 21.0.8 28-31 % against
/// 41-44 % (the defaults 21-24 %, though in 1.96-2.19 s against 1.65-1.71 s). The 2 GiB
/// service at 35 % live (`run.py --only http-2g --try`, 5 runs): 5 % of the CPU with 256 MiB,
/// 6 % without, 3 % with 512 MiB, at 21,551-23,866 req/s against `MaxRAMPercentage=75`'s
/// 17,715.
///
/// With this rule (`benches/advice/results/`, the default matrix on JDK 17, 7 runs): the
/// `throughput` profile's 4 GiB batch passes, 1.1x the defaults' speed with 36 % of the CPU in
/// the collector against 31 % (39.5 % against 32.7 % before), and its 2 GiB service is within
/// noise (4.5 % against 2.4 %, p = 0.08). `--only 2cpu`, 5 runs (`results/parallel-start-*`):
/// JDK 21 passes both (29 % against 26 %, a fail at 41 % before); JDK 25's batch still fails,
/// 28.4 % against 19.6 % (38.6 % before); JDK 11's batch was 0.89x the defaults' speed at a load
/// of 6.3 and 0.98x of the old flags' in a quiet 7-run check, at 30-31 % against 43-46 %.
pub(super) fn parallel_start(cx: &Cx, gc: Gc, limit: u64, heap: &Heap, d: &mut Draft) {
    let share = cx.profile.gc.parallel_initial_fraction;
    // The user's young or old generation size sets the JVM's start too (HotSpot starts at
    // least at NewSize + OldSize): a smaller start would shrink what they chose.
    let users_start = cx.user.min_heap().is_some()
        || [
            "InitialRAMPercentage",
            "InitialRAMFraction",
            "NewSize",
            "OldSize",
        ]
        .iter()
        .any(|f| cx.user.sets_xx(f))
        || cx.user.has_prefix("-Xmn");
    if gc != Gc::Parallel || share <= 0.0 || !heap.budgeted || users_start || d.has("-Xms") {
        return;
    }
    let start = ((limit as f64 * share) as u64 / MIB * MIB).min(heap.max_heap);
    // HotSpot's own initial heap: InitialRAMPercentage 1.5625, or InitialRAMFraction 64.
    let jvms = cx.view.physical_memory_bytes / 64;
    if start <= jvms {
        return;
    }
    d.add(
        format!("-XX:InitialHeapSize={}m", start / MIB),
        format!(
            "Parallel grows its old generation only in full collections: starting at {:.1} % of the limit ({} MiB) rather than the JVM's {} MiB spares a live set built at start most of them (profile key gc.parallel_initial_fraction)",
            share * 100.0,
            start / MIB,
            jvms / MIB
        ),
    );
}

/// The old generation `-XX:MaxRAMPercentage=75` gives under Serial and Parallel (two thirds of
/// its heap at the default `NewRatio=2`): half the limit. Where the budget gives a smaller heap
/// (the user told ctune of memory outside it), a live set that held there should still hold.
fn old_generation_target(limit: u64) -> u64 {
    limit / 2
}

/// The young generation, under Serial and Parallel, when ctune shrank the heap for memory the
/// user told it of (`memory.direct_mib`, `memory.threads`, ...) below what keeps the old
/// generation at [`old_generation_target`]. (Untold, the budget squeezes its own guesses until
/// the heap is MaxRAMPercentage=75's, or the JVM's own on a small limit, and the JVM's split
/// stays.) Serial gets a fixed young generation ([`fixed_young_for`]); Parallel the smallest
/// `-XX:NewRatio` of 3 or 4 that reaches the target ([`new_ratio_for`]), or the JVM's split,
/// since its fixed size was not measured and `-Xmn` would stop its adaptive sizing of the young
/// generation. G1 sizes its young generation itself.
pub(super) fn young_generation(cx: &Cx, gc: Gc, limit: u64, heap: &Heap, d: &mut Draft) {
    let user_split = ["NewRatio", "NewSize", "MaxNewSize", "OldSize"]
        .iter()
        .any(|f| cx.user.sets_xx(f))
        || cx.user.has_prefix("-Xmn");
    if !heap.budgeted || user_split || !cx.profile.memory.told_non_heap() {
        return;
    }
    let heap = heap.max_heap;
    let made_room = format!(
        "the heap ({} MiB) makes room for the memory outside it that the profile was told of",
        heap / MIB
    );
    match gc {
        Gc::Serial => {
            if let Some(young) = fixed_young_for(heap, limit) {
                d.add(
                    format!("-Xmn{}m", young / MIB),
                    format!(
                        "{made_room}: a fixed {} MiB young generation (at most a fifth of the heap) leaves the old generation {} MiB (at least half the limit where the heap allows it, what MaxRAMPercentage=75 gives it), so a live set that fits there still fits; unlike a NewRatio it is that size from the start (JDK 25's Serial can keep a young generation at its initial few MiB)",
                        young / MIB,
                        (heap - young) / MIB
                    ),
                );
            }
        }
        Gc::Parallel => {
            if let Some(ratio) = new_ratio_for(heap, limit) {
                d.add(
                    format!("-XX:NewRatio={ratio}"),
                    format!(
                        "{made_room}: a smaller young generation keeps the old generation at {} MiB (at least half the limit, what MaxRAMPercentage=75 gives it), so a live set that fits there still fits",
                        old_at(heap, ratio) / MIB
                    ),
                );
            }
        }
        _ => {}
    }
}

/// The `NewRatio` that keeps the old generation of `heap` at [`old_generation_target`]: none
/// when the default (2) already does, none when 4 does not. Measured under Serial (issue 20,
/// 1 GiB / 1 CPU, 240 MiB of direct buffers, a 358 MiB live set, JDK 17, single runs): a
/// 512 MiB heap ran at 23 % GC share and a p99 of 81 ms under the default split and 14 %
/// (65 ms) with `NewRatio=4`; 526 MiB with `NewRatio=4` at 1 % (42 ms), and so did 600 MiB
/// with `NewRatio=4` and 632 MiB with `NewRatio=3`, level with `MaxRAMPercentage=75`'s
/// 768 MiB. Serial has since moved to [`fixed_young_for`], which did as well on JDK 17 and
/// better on JDK 25; Parallel keeps the ratio. Where not even 4 reaches the target, Parallel
/// gets none: on that service with `-XX:+UseParallelGC -Xmx636m` (JDK 17, 5 interleaved runs,
/// `benches/advice/results/direct240-parallel/`) `NewRatio=4` gave 6,648 req/s, p99 44 ms and
/// 3 % GC share against 7,281, 43 ms and 4 % without it: no gain to justify the flag.
fn new_ratio_for(heap: u64, limit: u64) -> Option<u64> {
    let target = old_generation_target(limit);
    if old_at(heap, JVM_NEW_RATIO) >= target {
        return None;
    }
    (JVM_NEW_RATIO + 1..=MAX_NEW_RATIO).find(|&r| old_at(heap, r) >= target)
}

/// HotSpot's default `NewRatio` for Serial and Parallel: the old generation two thirds.
const JVM_NEW_RATIO: u64 = 2;

/// The largest ratio ctune gives, and the young generation's share it caps a fixed size at.
const MAX_NEW_RATIO: u64 = 4;

/// The old generation of `heap` at `NewRatio=ratio`.
fn old_at(heap: u64, ratio: u64) -> u64 {
    heap * ratio / (ratio + 1)
}

/// The smallest young generation measured to keep a squeezed Serial heap working.
const MIN_FIXED_YOUNG: u64 = 32 * MIB;

/// Serial's young generation (`-Xmn`) where the JVM's split (old generation two thirds of the
/// heap) falls short of [`old_generation_target`]: what is left of the heap once the old
/// generation has the target, at most a fifth of the heap (`NewRatio=4`'s share) and at least
/// [`MIN_FIXED_YOUNG`]. None where the default split reaches the target, or where the heap is
/// too small to leave the old generation more than the default split does.
///
/// The fifth is measured, not derived (JDK 17, 240 MiB of direct buffers, 6 interleaved runs
/// each, `benches/advice/results/direct240-young/`): at 676 MiB of heap, `-Xmn164m` (what the
/// old generation's target leaves) spent 1.5-2.6 % of the time in pauses, `-Xmn154m` 0.7-1.8 %
/// and `-Xmn135m` 0.7-1.0 %; at 666 MiB, `-Xmn133m` 0.8-1.0 % (`MaxRAMPercentage=75`:
/// 0.5-0.6 %). Why the larger young generation collects more here is not known.
///
/// A fixed size, not a ratio: in these runs JDK 25.0.2's Serial kept its young generation at
/// its initial size, `-Xms / (NewRatio + 1)`, a few MiB (its `DefNewGeneration::compute_new_size`
/// returns early unless both survivor spaces are empty, and it ran few or no full collections;
/// 17 and 21 grew the young generation to 158 MiB and kept part of the live set there). With
/// 240 MiB of direct buffers (1 GiB / 1 CPU, a 358 MiB live set, `-Xmx666m`; 5 interleaved
/// runs each, `run.py --only direct240 --try`), `-Xmn154m` spent 1.5 % of the CPU in the
/// collector on JDK 25 against 9.2 % with `NewRatio=4` and 6-7 % under `MaxRAMPercentage=75`
/// (6,179 req/s against 5,036 and 4,942; peak 80 % of the limit against 66 and 65), and on
/// JDK 17 served as `NewRatio=4` did (6,400 req/s against 6,309, GC 1 %, peak 80 % against 76).
/// With the cap (`-Xmx666m -Xmn133m`), the default matrix: on JDK 25 1 % of the CPU in the
/// collector against `MaxRAMPercentage=75`'s 7 % and 1.16-1.34x its requests, every profile
/// (`results/jdk25-young/`, 5 runs); on JDK 17 0.98-1.02x (`results/3dfdf24/`, 7 runs) and
/// 0.97-1.06x in the rerun (`results/`, 7 runs). On JDK 17, `NewRatio=3` and `4` at 512 and
/// 526 MiB thrashed as the default split did (77 % GC) and peaked up to 28 MiB higher.
///
/// Measured (issue 20, the 900-thread job: 1 GiB / 1 CPU, 900 threads touching 300 KiB of
/// stack, a 461 MiB live set, ctune's `-Xmx526m`; single runs, wall seconds):
///
/// | young | JDK 25.0.2 | JDK 21.0.8 | JDK 17.0.15 |
/// |---|---|---|---|
/// | JVM's split (old 351 MiB) | OutOfMemoryError | 9.7 | 12.5 (peak 964 MiB) |
/// | `NewRatio=8` / `12` | 61.5 / 91.3 | | |
/// | `-Xmn16m` | 11.1 | | 19.1 |
/// | `-Xmn32m` | 6.6 (peak 893 MiB) | 7.6 | 11.2 (peak 972 MiB) |
/// | `-Xmn64m` | 6.4 | | 10.6 (peak 990 MiB) |
///
/// `MaxRAMPercentage=75` took 26.7 s on JDK 25 (5 runs) and was killed by the kernel on 17.
/// JDK 11.0.13 was killed by the kernel with `-Xmx526m`, with or without `-Xmn32m`, and not for
/// its heap: Serial's first full collection, at 15 MiB of heap, took the cgroup's resident
/// memory from 367 MiB to 2,023 MiB in 1.5 s (in a 2 GiB cgroup; killed there too), walking
/// 900 stacks of some 3,000 frames; G1 completed in 14.4 s (peak 971 MiB). That walk is biased
/// locking's, which JDKs before 15 now get turned off (`locking.rs`): 14.8 to 16.1 s on 11.0.13
/// (`benches/advice/results/jdk11/`, 5 runs, every alternative killed by the kernel). With this
/// rule, interleaved runs (`benches/advice/results/900threads-xmn-jdk25/`, `-jdk17/`): 7.2 to
/// 7.5 s on JDK 25 against `MaxRAMPercentage=75`'s 26.0 s, 11.5 to 13.0 s on 17 (peak 94 to
/// 99 %), every profile. The 30 000-class service (`results/30kclasses-xmn/`, JDK 17,
/// `-Xmx564m -Xmn52m`): 6,040 req/s, p99 45 ms, 3 % GC, against 4,216 req/s, 159 ms, 26 %
/// under the default split.
fn fixed_young_for(heap: u64, limit: u64) -> Option<u64> {
    let target = old_generation_target(limit);
    let default_old = old_at(heap, JVM_NEW_RATIO);
    if default_old >= target {
        return None;
    }
    let young = heap
        .saturating_sub(target)
        .min(heap / (MAX_NEW_RATIO + 1))
        .max(MIN_FIXED_YOUNG);
    // Only where the old generation ends up larger than the default split's.
    (heap.saturating_sub(young) > default_old).then_some(young)
}

#[cfg(test)]
mod young_tests {
    use super::*;

    #[test]
    fn new_ratio_only_where_it_reaches_the_old_generation_target() {
        let gib = 1024 * MIB;
        // MaxRAMPercentage=75's heap itself: the default split.
        assert_eq!(new_ratio_for(768 * MIB, gib), None);
        // 240 MiB of direct buffers told: 668 MiB -> old 534 MiB at NewRatio=4 (501 at 3).
        assert_eq!(new_ratio_for(668 * MIB, gib), Some(4));
        assert_eq!(new_ratio_for(700 * MIB, gib), Some(3));
        // 900 threads told: 526 MiB cannot hold 512 MiB of old generation at any ratio tried.
        assert_eq!(new_ratio_for(526 * MIB, gib), None);
    }

    #[test]
    fn fixed_young_only_where_the_default_split_falls_short() {
        let gib = 1024 * MIB;
        // The 900-thread job's heap: 32 MiB young, 494 MiB old (the target, 512, is out of reach).
        assert_eq!(fixed_young_for(526 * MIB, gib), Some(32 * MIB));
        // Close to the target: the young generation is what the old generation leaves.
        assert_eq!(fixed_young_for(620 * MIB, gib), Some(108 * MIB));
        // 240 MiB of direct buffers told: the target would leave 154 MiB, a fifth is 133.2.
        assert_eq!(fixed_young_for(666 * MIB, gib), Some(666 * MIB / 5));
        assert_eq!(fixed_young_for(640 * MIB, gib), Some(128 * MIB));
        // Just short of the default split's reach: still capped at a fifth. At 768 MiB two
        // thirds are 512, the target, and there is no fixed size.
        assert_eq!(fixed_young_for(767 * MIB, gib), Some(767 * MIB / 5));
        assert_eq!(fixed_young_for(768 * MIB, gib), None);
        assert_eq!(fixed_young_for(1024 * MIB, gib), None);
        // Too small a heap for 32 MiB to leave the old generation more than two thirds.
        assert_eq!(fixed_young_for(90 * MIB, gib), None);
        assert_eq!(fixed_young_for(96 * MIB, gib), None);
        assert_eq!(fixed_young_for(100 * MIB, gib), Some(32 * MIB));
    }
}
