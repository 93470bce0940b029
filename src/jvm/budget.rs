//! Split a memory limit between the heap and everything a JVM uses besides it.
//!
//! The Cloud Foundry memory calculator's idea (heap = limit − metaspace − code cache − thread
//! stacks − direct memory − headroom) without its failure on small containers: its fixed
//! reservations (≈ 580 MiB at 12 000 classes) leave a 512 MiB container no heap at all. Here,
//! when the heap would fall below its floor, the other parts are squeezed toward their own
//! floors in a fixed order, and each squeeze is reported.

use super::ergonomics::{g1_region_size, MIB};
use super::profile::Memory;
use super::version::Gc;
use serde::Serialize;

/// The contract's `recommended.budget`: byte amounts that together fit the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Budget {
    pub heap: u64,
    pub metaspace: u64,
    pub code_cache: u64,
    pub thread_stacks: u64,
    pub direct: u64,
    pub page_cache_reserve: u64,
    pub headroom: u64,
}

impl Budget {
    pub fn total(&self) -> u64 {
        self.heap + self.non_heap()
    }

    pub fn non_heap(&self) -> u64 {
        self.metaspace
            + self.code_cache
            + self.thread_stacks
            + self.direct
            + self.page_cache_reserve
            + self.headroom
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetPlan {
    pub limit: u64,
    pub budget: Budget,
    /// What was made smaller than the profile asked, and why.
    pub squeezed: Vec<String>,
    /// The limit is too small for the profile even after squeezing.
    pub over_committed: bool,
}

/// The smallest non-heap the JVM can run with under `limit`: every part of the profile's
/// budget squeezed to its floor (what [`plan`] reaches when the heap asks for everything).
pub fn non_heap_floor(limit: u64, m: &Memory, gc: Gc) -> u64 {
    let all = Memory {
        min_heap_fraction: 1.0,
        ..m.clone()
    };
    plan(limit, &all, gc).budget.non_heap()
}

/// The largest heap that keeps compressed oops (object pointers stay 32-bit below 32 GiB).
pub const COMPRESSED_OOPS_LIMIT: u64 = 31 << 30;

/// Metaspace for a number of loaded classes: 14 MB + 5.8 KB per class (CF memory calculator).
pub fn metaspace_for(classes: u64) -> u64 {
    round_up_mib(14_000_000 + 5_800 * classes)
}

fn round_up_mib(b: u64) -> u64 {
    b.div_ceil(MIB) * MIB
}

/// Round a heap down to what `-Xmx` gives exactly: HotSpot aligns the heap up to 2 MiB (the
/// card table's constraint with 4 KiB pages) or to G1's region size, so a multiple of that
/// alignment is reported back unchanged.
pub fn align_heap(heap: u64, gc: Gc) -> u64 {
    let a = match gc {
        Gc::G1 => g1_region_size(heap).max(2 * MIB),
        _ => 2 * MIB,
    };
    heap / a * a
}

/// Plan the budget for `limit` bytes under a profile's memory settings. `gc` decides the heap
/// alignment.
pub fn plan(limit: u64, m: &Memory, gc: Gc) -> BudgetPlan {
    let frac = |f: f64| (limit as f64 * f) as u64;
    let mut b = Budget {
        heap: 0,
        metaspace: metaspace_for(m.loaded_classes),
        code_cache: m.code_cache_mib * MIB,
        thread_stacks: m.threads * m.stack_kib * 1024,
        direct: m.direct_mib * MIB,
        page_cache_reserve: frac(m.page_cache_fraction),
        headroom: frac(m.headroom_fraction).max(m.headroom_min_mib * MIB),
    };
    let target = (m.min_heap_mib * MIB).max(frac(m.min_heap_fraction));
    let mut squeezed = Vec::new();
    // Squeeze order: what costs least to shrink first. Floors keep the JVM able to run.
    let floors: [(&str, u64, &str); 6] = [
        // (part, floor, what squeezing it costs)
        (
            "code_cache",
            32 * MIB,
            "-XX:ReservedCodeCacheSize lowered; less room for JIT-compiled code",
        ),
        (
            "thread_stacks",
            m.threads * 256 * 1024,
            "counted at 256 KiB a thread: stacks are reserved at -Xss but committed as used",
        ),
        (
            "direct",
            16 * MIB,
            "-XX:MaxDirectMemorySize lowered; NIO-heavy code may hit it",
        ),
        (
            "page_cache_reserve",
            frac(m.page_cache_fraction) / 2,
            "less page cache kept for written files; clean pages are reclaimed first anyway",
        ),
        (
            "headroom",
            (16 * MIB).max(frac(0.05)),
            "less room for native memory no flag bounds",
        ),
        (
            "metaspace",
            32 * MIB,
            "fewer classes fit; metaspace is not capped, so this is accounting only",
        ),
    ];
    for (name, floor, why) in floors {
        // How far the heap is below its target (the non-heap parts may exceed the limit).
        let deficit = (b.non_heap() + target).saturating_sub(limit);
        if deficit == 0 {
            break;
        }
        let part = match name {
            "code_cache" => &mut b.code_cache,
            "thread_stacks" => &mut b.thread_stacks,
            "direct" => &mut b.direct,
            "page_cache_reserve" => &mut b.page_cache_reserve,
            "headroom" => &mut b.headroom,
            _ => &mut b.metaspace,
        };
        let can_give = part.saturating_sub(floor);
        if can_give == 0 {
            continue;
        }
        let give = round_up_mib(deficit).min(can_give);
        let before = *part;
        *part -= give;
        squeezed.push(format!(
            "{name} {} -> {} MiB: {why}",
            before / MIB,
            *part / MIB
        ));
    }
    let room = limit.saturating_sub(b.non_heap());
    let over_committed = room < m.min_heap_mib * MIB;
    let heap = if over_committed {
        // Give the heap its minimum anyway (or half the limit, if smaller) and say so.
        (m.min_heap_mib * MIB).min(limit / 2)
    } else {
        room.min(COMPRESSED_OOPS_LIMIT)
    };
    if !over_committed && room > COMPRESSED_OOPS_LIMIT {
        squeezed.push(format!(
            "heap capped at {} GiB to keep compressed oops; {} MiB of the limit stays unused by the JVM",
            COMPRESSED_OOPS_LIMIT >> 30,
            (room - COMPRESSED_OOPS_LIMIT) / MIB
        ));
    }
    b.heap = align_heap(heap, gc);
    BudgetPlan {
        limit,
        budget: b,
        squeezed,
        over_committed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jvm::ergonomics::GIB;
    use crate::jvm::profile::load;

    fn mem(name: &str) -> Memory {
        load(name, &[]).unwrap().memory
    }

    /// Table-driven over tiny, small, medium and huge limits.
    #[test]
    fn budgets_fit_the_limit_and_degrade_gracefully() {
        for limit_mib in [
            128u64, 256, 512, 650, 1024, 2048, 4096, 16384, 65536, 262144,
        ] {
            for profile in [
                "default",
                "throughput",
                "latency",
                "spark-executor",
                "spark-driver",
            ] {
                let limit = limit_mib * MIB;
                let p = plan(limit, &mem(profile), Gc::G1);
                let ctx = format!("{profile} at {limit_mib} MiB: {p:#?}");
                let m = mem(profile);
                if !p.over_committed {
                    assert!(p.budget.total() <= limit, "{ctx}");
                    assert!(p.budget.heap >= m.min_heap_mib * MIB, "{ctx}");
                    // The heap reaches its target share unless every other part is at its floor.
                    let target =
                        (m.min_heap_mib * MIB).max((limit as f64 * m.min_heap_fraction) as u64);
                    let fully_squeezed =
                        p.budget.code_cache == 32 * MIB && p.budget.direct <= 16 * MIB;
                    assert!(
                        p.budget.heap + 2 * MIB >= target.min(COMPRESSED_OOPS_LIMIT)
                            || fully_squeezed,
                        "{ctx}"
                    );
                }
                assert!(p.budget.heap > 0, "{ctx}");
                assert!(p.budget.heap <= COMPRESSED_OOPS_LIMIT, "{ctx}");
                if limit_mib >= 4096 {
                    assert!(
                        p.squeezed.iter().all(|s| s.starts_with("heap capped")),
                        "no squeeze needed: {ctx}"
                    );
                    assert!(
                        p.budget.heap >= limit / 2 || p.budget.heap == COMPRESSED_OOPS_LIMIT,
                        "{ctx}"
                    );
                }
            }
        }
    }

    #[test]
    fn small_containers_squeeze_instead_of_failing() {
        // CF's calculator gives a 512 MiB container no heap (exit 2); here the heap gets its
        // 40 % share and the squeeze is reported.
        let p = plan(512 * MIB, &mem("default"), Gc::Serial);
        assert!(p.budget.heap >= 204 * MIB, "{p:#?}");
        assert!(
            p.squeezed.iter().any(|s| s.starts_with("code_cache")),
            "{p:#?}"
        );
        assert!(!p.over_committed);
        // 128 MiB: still runs, flagged.
        let p = plan(128 * MIB, &mem("default"), Gc::Serial);
        assert!(
            p.budget.heap >= 50 * MIB && p.budget.heap <= 64 * MIB,
            "{p:#?}"
        );
    }

    #[test]
    fn large_limits_keep_compressed_oops() {
        let p = plan(64 * GIB, &mem("default"), Gc::G1);
        assert_eq!(p.budget.heap, COMPRESSED_OOPS_LIMIT);
        assert!(p.squeezed[0].starts_with("heap capped"));
    }

    #[test]
    fn heap_is_what_xmx_reports() {
        assert_eq!(align_heap(437 * MIB, Gc::Serial), 436 * MIB);
        assert_eq!(align_heap(9 * GIB + 3 * MIB, Gc::G1), 9 * GIB);
        assert_eq!(metaspace_for(12_000), 80 * MIB);
    }
}
