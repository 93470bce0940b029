//! Split a memory limit between the heap and everything a JVM uses besides it.
//!
//! Each part outside the heap is what the JVM will *commit* (what the kernel charges), from
//! the model in [`super::footprint`], fitted to the NMT measurements in
//! `tests/measurements/nmt/`: metaspace from the classes loaded, the compiled code (not the
//! code cache reservation), the stack pages threads touch (not `-Xss`), the direct buffers the
//! application uses, and a headroom made of the collector's structures for this heap, the JVM's
//! runtime, the JIT compilers' peak and a margin for the spread. The heap gets the rest.
//!
//! The Cloud Foundry memory calculator's idea (heap = limit − the rest) without its failure on
//! small containers: when the heap would fall below its share of the limit (75 % while the user
//! has not said how large the application is, else 40 %), the profile's guesses are scaled
//! toward floors in a fixed order (a container that small runs a smaller application), never
//! what the user stated, and each such squeeze is reported; with nothing stated, the heap is
//! never below the JVM's own. Nothing here caps what the JVM may use: the flags that
//! would (direct memory, the code cache) are only ever raised, in `advise::off_heap`.

use super::ergonomics::{default_max_heap, g1_region_size, MIB};
use super::footprint;
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

/// What the headroom is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Headroom {
    /// The collector's structures for the budgeted heap ([`footprint::gc_structures`]).
    pub gc: u64,
    /// The JVM's runtime: library code, symbols, internal tables ([`footprint::runtime`]).
    pub runtime: u64,
    /// The JIT compilers' arenas at their peak ([`footprint::COMPILER_PEAK`]).
    pub compiler: u64,
    /// `memory.headroom_fraction` of every other part outside the heap, at least
    /// `memory.headroom_min_mib`: the measured spread of the model (see [`MARGIN_WHY`]).
    pub margin: u64,
}

impl Headroom {
    pub fn total(&self) -> u64 {
        self.gc + self.runtime + self.compiler + self.margin
    }
}

/// One thing the plan made smaller than the profile asked (or, for the heap, larger), as
/// data: rendered to a sentence only where it is shown (`ctune jvm`, JSON), never on `exec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Squeeze {
    /// A guess cut toward its floor, in bytes.
    Part { part: Part, before: u64, after: u64 },
    /// The heap held at the compressed-oops limit; `unused` bytes of the limit stay unused.
    HeapCapped { unused: u64 },
    /// The heap raised to the JVM's own; the margin paid `paid` bytes, `unpaid` were left over.
    JvmsOwnHeap {
        from: u64,
        to: u64,
        paid: u64,
        unpaid: u64,
    },
}

impl std::fmt::Display for Squeeze {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = |b: u64| b / MIB;
        match *self {
            Squeeze::Part { part, before, after } => write!(
                f,
                "{} {} -> {} MiB: {}",
                part.name(),
                mib(before),
                mib(after),
                part.why()
            ),
            Squeeze::HeapCapped { unused } => write!(
                f,
                "heap capped at {} GiB to keep compressed oops; {} MiB of the limit stays unused by the JVM",
                COMPRESSED_OOPS_LIMIT >> 30,
                mib(unused)
            ),
            Squeeze::JvmsOwnHeap {
                from,
                to,
                paid,
                unpaid: 0,
            } => write!(
                f,
                "heap {} -> {} MiB, the JVM's own for this limit; the margin pays {} MiB",
                mib(from),
                mib(to),
                paid.div_ceil(MIB)
            ),
            Squeeze::JvmsOwnHeap {
                from, to, unpaid, ..
            } => write!(
                f,
                "heap {} -> {} MiB, the JVM's own for this limit: even the smallest guesses outside the heap leave {} MiB too little, so the budget is over the limit unless the application is smaller still",
                mib(from),
                mib(to),
                unpaid.div_ceil(MIB)
            ),
        }
    }
}

impl Serialize for Squeeze {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetPlan {
    pub limit: u64,
    pub budget: Budget,
    pub headroom: Headroom,
    /// What was made smaller than the profile asked, and why.
    pub squeezed: Vec<Squeeze>,
    /// The limit is too small for the profile even after squeezing.
    pub over_committed: bool,
}

/// The smallest non-heap the JVM can run with under `limit`: every part of the profile's
/// budget squeezed to its floor (what [`plan`] reaches when the heap asks for everything),
/// what the user stated included, so that a heap graded as killed by it is killed whatever
/// the application holds.
pub fn non_heap_floor(limit: u64, m: &Memory, gc: Gc, jdk: u32) -> u64 {
    let all = Memory {
        min_heap_fraction: 1.0,
        told: Vec::new(),
        ..m.clone()
    };
    plan(limit, &all, gc, jdk).budget.non_heap()
}

/// Why the margin is what it is (shown with the headroom).
pub const MARGIN_WHY: &str = "the model predicts each part within 25 % of what NMT measured on every recorded run (tests/measurements/nmt/)";

/// The largest heap that keeps compressed oops (object pointers stay 32-bit below 32 GiB).
pub const COMPRESSED_OOPS_LIMIT: u64 = 31 << 30;

/// Metaspace for a number of loaded classes, none assumed from a CDS archive.
pub fn metaspace_for(classes: u64) -> u64 {
    round_up_mib(footprint::metaspace(classes, 0))
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

/// The parts the profile states (and a small limit may squeeze), before the headroom.
#[derive(Debug, Clone, Copy)]
struct Stated {
    metaspace: u64,
    code_cache: u64,
    thread_stacks: u64,
    direct: u64,
    page_cache_reserve: u64,
}

impl Stated {
    fn sum(&self) -> u64 {
        self.metaspace
            + self.code_cache
            + self.thread_stacks
            + self.direct
            + self.page_cache_reserve
    }
}

fn stated(limit: u64, m: &Memory) -> Stated {
    // A thread cannot touch more stack than -Xss reserves.
    let touched = m.stack_touched_kib.min(m.stack_kib) * 1024;
    Stated {
        metaspace: metaspace_for(m.loaded_classes),
        code_cache: round_up_mib(footprint::code_cache(0).max(m.code_cache_mib * MIB)),
        thread_stacks: round_up_mib(footprint::thread_stacks(m.threads, touched)),
        direct: m.direct_mib * MIB,
        page_cache_reserve: (limit as f64 * m.page_cache_fraction) as u64,
    }
}

/// How far a squeeze has cut the headroom's guessed parts.
#[derive(Debug, Clone, Copy)]
struct Caps {
    margin: u64,
    compiler: u64,
}

const UNCAPPED: Caps = Caps {
    margin: u64::MAX,
    compiler: u64::MAX,
};

/// The headroom when the heap is `heap`: the collector's part grows with it, the margin is a
/// share of everything else outside the heap (at least `memory.headroom_min_mib`), each at
/// most what a squeeze left it (`caps`).
fn headroom(s: &Stated, m: &Memory, gc: Gc, jdk: u32, heap: u64, caps: Caps) -> Headroom {
    let mut h = Headroom {
        gc: round_up_mib(footprint::gc_structures(gc, jdk, heap)),
        // The classes the (maybe squeezed) metaspace part assumes.
        runtime: round_up_mib(footprint::runtime(footprint::classes_in(s.metaspace))),
        compiler: footprint::COMPILER_PEAK.min(caps.compiler),
        margin: 0,
    };
    let rest = s.sum() - s.page_cache_reserve + h.gc + h.runtime + h.compiler;
    h.margin = round_up_mib((rest as f64 * m.headroom_fraction) as u64)
        .max(m.headroom_min_mib * MIB)
        .min(caps.margin);
    h
}

/// The largest heap `room` holds beside the collector's structures for it (which grow with
/// the heap) and the margin on them.
fn heap_for(room: u64, s: &Stated, m: &Memory, gc: Gc, jdk: u32, caps: Caps) -> u64 {
    // The headroom shrinks as the heap does: a few rounds settle it, then step down until the
    // whole fits (the rounding to MiB can leave it a MiB over).
    let mut heap = room;
    for _ in 0..4 {
        let h = headroom(s, m, gc, jdk, heap, caps);
        heap = room.saturating_sub(h.total());
    }
    while heap > 0 && heap + headroom(s, m, gc, jdk, heap, caps).total() > room {
        heap = heap.saturating_sub(MIB);
    }
    heap
}

/// A part of the budget a squeeze can make smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    CodeCache,
    ThreadStacks,
    Direct,
    PageCacheReserve,
    Margin,
    Metaspace,
    Compiler,
}

impl Part {
    /// As the `squeezed` lines name it.
    fn name(self) -> &'static str {
        match self {
            Part::CodeCache => "code_cache",
            Part::ThreadStacks => "thread_stacks",
            Part::Direct => "direct",
            Part::PageCacheReserve => "page_cache_reserve",
            Part::Margin => "headroom",
            Part::Metaspace => "metaspace",
            Part::Compiler => "compiler",
        }
    }

    /// What squeezing it means.
    fn why(self) -> &'static str {
        match self {
            Part::CodeCache => "assumes less JIT-compiled code; the code cache itself is not limited",
            Part::ThreadStacks => "assumes shallower stacks (64 KiB touched a thread)",
            Part::Direct => "assumes fewer direct buffers; the JVM's own limit (the heap size) still applies",
            Part::PageCacheReserve => "less page cache kept for written files; clean pages are reclaimed first anyway",
            Part::Margin => "a smaller margin for the spread of what the JVM uses",
            Part::Metaspace => "assumes fewer classes (set memory.loaded_classes if the application loads more); metaspace is not capped, so this is accounting only",
            Part::Compiler => "assumes a JIT peak like the services measured, not a JIT-heavy application's",
        }
    }
}

/// One guess the budget may make smaller on a small limit: the budget part, the `memory`
/// settings that state it (a stated part is never squeezed) and its floor.
struct Squeezable {
    part: Part,
    told_by: &'static [&'static str],
    floor: u64,
}

/// The squeeze order: the assumptions least likely to hold in a small container first. The
/// floors are a small application's (measured: an idle JVM's code cache, shallow stacks, the
/// metaspace of ~2,900 classes, the JIT peak of the services measured).
fn squeezables(s: &Stated, m: &Memory) -> [Squeezable; 7] {
    [
        Squeezable {
            part: Part::CodeCache,
            told_by: &["code_cache_mib"],
            floor: round_up_mib(footprint::code_cache(8 * MIB)),
        },
        Squeezable {
            part: Part::ThreadStacks,
            told_by: &["threads", "stack_touched_kib"],
            floor: round_up_mib(footprint::thread_stacks(
                m.threads,
                footprint::SHALLOW_STACK,
            )),
        },
        Squeezable {
            part: Part::Direct,
            told_by: &["direct_mib"],
            floor: (16 * MIB).min(s.direct),
        },
        Squeezable {
            part: Part::PageCacheReserve,
            told_by: &["page_cache_fraction"],
            floor: s.page_cache_reserve / 2,
        },
        Squeezable {
            part: Part::Margin,
            told_by: &["headroom_fraction", "headroom_min_mib"],
            floor: 8 * MIB,
        },
        Squeezable {
            part: Part::Metaspace,
            told_by: &["loaded_classes"],
            floor: METASPACE_FLOOR,
        },
        Squeezable {
            part: Part::Compiler,
            told_by: &[],
            floor: COMPILER_FLOOR,
        },
    ]
}

/// The metaspace of a small application: 1.5 MiB + 5 KiB × ~2,900 classes beyond the CDS
/// archive. The HTTP service measured (`jdk17-serial-http-35.json`, 1,657 classes) committed
/// 4 MiB of metaspace and class space.
const METASPACE_FLOOR: u64 = 16 * MIB;

/// The JIT compilers' peak of an application that is not JIT-heavy: the largest measured
/// outside the `jit-2000` and `classes-30k` runs was 27 MiB (NMT's Arena Chunk peak,
/// `jdk17-serial-jdkclasses-15k.json`); the HTTP services peaked at 13-22 MiB.
const COMPILER_FLOOR: u64 = 28 * MIB;

/// Plan the budget for `limit` bytes under a profile's memory settings, for collector `gc` on
/// JDK `jdk` (the collector's structures and the heap alignment depend on both).
///
/// On a small limit the profile's guesses are squeezed toward their floors until the heap has
/// `memory.squeeze_target_fraction()` of the limit (what the user stated stays), and while
/// nothing outside the heap is stated, the heap is never below what the JVM takes by itself.
pub fn plan(limit: u64, m: &Memory, gc: Gc, jdk: u32) -> BudgetPlan {
    let frac = |f: f64| (limit as f64 * f) as u64;
    let mut s = stated(limit, m);
    let mut caps = UNCAPPED;
    let target = (m.min_heap_mib * MIB).max(frac(m.squeeze_target_fraction()));
    let mut squeezed = Vec::new();
    for q in squeezables(&s, m) {
        // How far the heap is below its target (the non-heap parts may exceed the limit).
        let need = s.sum() + target + headroom(&s, m, gc, jdk, target, caps).total();
        let deficit = need.saturating_sub(limit);
        if deficit == 0 {
            break;
        }
        if q.told_by.iter().any(|k| m.is_told(k)) {
            continue;
        }
        let (before, after) = squeeze(&mut s, &mut caps, &q, deficit, m, gc, jdk, target);
        if after < before {
            squeezed.push(Squeeze::Part {
                part: q.part,
                before,
                after,
            });
        }
    }
    let room = limit.saturating_sub(s.sum());
    let heap = heap_for(room, &s, m, gc, jdk, caps);
    let over_committed = heap < m.min_heap_mib * MIB;
    let heap = if over_committed {
        // Give the heap its minimum anyway (or half the limit, if smaller) and say so.
        (m.min_heap_mib * MIB).min(limit / 2)
    } else if heap > COMPRESSED_OOPS_LIMIT {
        squeezed.push(Squeeze::HeapCapped {
            unused: heap - COMPRESSED_OOPS_LIMIT,
        });
        COMPRESSED_OOPS_LIMIT
    } else {
        heap
    };
    let mut heap = align_heap(heap, gc);
    let mut over_committed = over_committed;
    if !m.told_non_heap() {
        let (kept, unpaid) =
            keep_jvms_own_heap(limit, heap, &s, m, gc, jdk, &mut caps, &mut squeezed);
        heap = kept;
        over_committed |= unpaid;
    }
    let h = headroom(&s, m, gc, jdk, heap, caps);
    BudgetPlan {
        limit,
        budget: Budget {
            heap,
            metaspace: s.metaspace,
            code_cache: s.code_cache,
            thread_stacks: s.thread_stacks,
            direct: s.direct,
            page_cache_reserve: s.page_cache_reserve,
            headroom: h.total(),
        },
        headroom: h,
        squeezed,
        over_committed,
    }
}

/// Squeeze one guess by up to `deficit`, not below its floor: (before, after).
#[allow(clippy::too_many_arguments)]
fn squeeze(
    s: &mut Stated,
    caps: &mut Caps,
    q: &Squeezable,
    deficit: u64,
    m: &Memory,
    gc: Gc,
    jdk: u32,
    target: u64,
) -> (u64, u64) {
    let cut = |before: u64| {
        before
            .saturating_sub(round_up_mib(deficit))
            .max(q.floor.min(before))
    };
    let slot = match q.part {
        Part::Margin | Part::Compiler => {
            let h = headroom(s, m, gc, jdk, target, *caps);
            let (before, cap) = match q.part {
                Part::Margin => (h.margin, &mut caps.margin),
                _ => (h.compiler, &mut caps.compiler),
            };
            *cap = cut(before);
            return (before, *cap);
        }
        Part::CodeCache => &mut s.code_cache,
        Part::ThreadStacks => &mut s.thread_stacks,
        Part::Direct => &mut s.direct,
        Part::PageCacheReserve => &mut s.page_cache_reserve,
        Part::Metaspace => &mut s.metaspace,
    };
    let before = *slot;
    *slot = cut(before);
    (before, *slot)
}

/// "No flag may take away what the JVM would have given by itself unless a measurement shows
/// why" (issue 20): with nothing stated outside the heap, the heap is at least the JVM's own
/// (half the limit up to 250 MiB, 126 MiB up to 500). The margin pays for it first; what it
/// cannot pay for shows as a budget over the limit (`true`: over-committed), and says so.
#[allow(clippy::too_many_arguments)]
fn keep_jvms_own_heap(
    limit: u64,
    heap: u64,
    s: &Stated,
    m: &Memory,
    gc: Gc,
    jdk: u32,
    caps: &mut Caps,
    squeezed: &mut Vec<Squeeze>,
) -> (u64, bool) {
    let own = default_max_heap(limit, gc);
    if heap >= own {
        return (heap, false);
    }
    // What the whole budget is over the limit with the JVM's heap (the collector's part grows
    // with it too), paid from the margin as far as it goes.
    let h = headroom(s, m, gc, jdk, own, *caps);
    let over = (s.sum() + own + h.total()).saturating_sub(limit);
    caps.margin = h.margin.saturating_sub(over);
    let unpaid = over.saturating_sub(h.margin);
    squeezed.push(Squeeze::JvmsOwnHeap {
        from: heap,
        to: own,
        paid: over.min(h.margin),
        unpaid,
    });
    (own, unpaid > 0)
}

/// The largest heap that fits `limit` beside what a running JVM was seen to hold outside its
/// heap: `observed` bytes (resident memory beyond the committed heap) with `committed_heap`
/// committed. As the heap grows to the answer, the collector's structures grow with it; a
/// margin (the profile's `headroom_fraction` of what was observed, at least
/// `headroom_min_mib`) covers what grows later. None when nothing is left for a heap.
pub fn heap_for_observed(
    limit: u64,
    observed: u64,
    committed_heap: u64,
    gc: Gc,
    jdk: u32,
    m: &Memory,
) -> Option<u64> {
    let margin =
        round_up_mib((observed as f64 * m.headroom_fraction) as u64).max(m.headroom_min_mib * MIB);
    let room = limit.checked_sub(observed + margin)?;
    let grown = |h: u64| {
        footprint::gc_structures(gc, jdk, h).saturating_sub(footprint::gc_structures(
            gc,
            jdk,
            committed_heap,
        ))
    };
    let mut heap = room;
    for _ in 0..4 {
        heap = room.saturating_sub(grown(heap));
    }
    let heap = align_heap(heap.min(COMPRESSED_OOPS_LIMIT), gc);
    (heap >= 16 * MIB).then_some(heap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jvm::ergonomics::GIB;
    use crate::jvm::profile::load;

    fn mem(name: &str) -> Memory {
        load(name, &[]).unwrap().memory
    }

    fn squeezed(p: &BudgetPlan, part: Part) -> bool {
        p.squeezed
            .iter()
            .any(|s| matches!(s, Squeeze::Part { part: x, .. } if *x == part))
    }

    /// The sentences `ctune jvm` shows, from the data the plan keeps.
    #[test]
    fn squeezes_read_as_sentences() {
        let s = Squeeze::Part {
            part: Part::Metaspace,
            before: 61 * MIB,
            after: 16 * MIB,
        };
        assert!(s
            .to_string()
            .starts_with("metaspace 61 -> 16 MiB: assumes fewer classes"));
        let own = |unpaid| Squeeze::JvmsOwnHeap {
            from: 120 * MIB,
            to: 128 * MIB,
            paid: 8 * MIB,
            unpaid,
        };
        assert_eq!(
            own(0).to_string(),
            "heap 120 -> 128 MiB, the JVM's own for this limit; the margin pays 8 MiB"
        );
        assert!(own(6 * MIB).to_string().contains("leave 6 MiB too little"));
        assert_eq!(
            serde_json::to_value(own(0)).unwrap(),
            serde_json::Value::String(own(0).to_string())
        );
    }

    /// Table-driven over tiny, small, medium and huge limits, every collector and JDK.
    #[test]
    fn budgets_fit_the_limit_and_degrade_gracefully() {
        for limit_mib in [
            128u64, 256, 512, 650, 1024, 2048, 4096, 16384, 65536, 262144,
        ] {
            for profile in crate::jvm::profile::builtin_names() {
                for gc in [Gc::Serial, Gc::Parallel, Gc::G1, Gc::Zgc] {
                    for jdk in [11, 17, 21, 25] {
                        let limit = limit_mib * MIB;
                        let m = mem(profile);
                        let p = plan(limit, &m, gc, jdk);
                        let ctx = format!("{profile} {gc:?} JDK {jdk} at {limit_mib} MiB: {p:#?}");
                        assert_eq!(p.budget.headroom, p.headroom.total(), "{ctx}");
                        if !p.over_committed {
                            assert!(p.budget.total() <= limit, "{ctx}");
                            assert!(p.budget.heap >= m.min_heap_mib * MIB, "{ctx}");
                            // The collector's part is the one for the heap it got.
                            assert_eq!(
                                p.headroom.gc,
                                round_up_mib(footprint::gc_structures(gc, jdk, p.budget.heap)),
                                "{ctx}"
                            );
                        }
                        assert!(p.budget.heap > 0, "{ctx}");
                        assert!(p.budget.heap <= COMPRESSED_OOPS_LIMIT, "{ctx}");
                        if limit_mib >= 4096 {
                            assert!(
                                p.squeezed
                                    .iter()
                                    .all(|s| matches!(s, Squeeze::HeapCapped { .. })),
                                "no squeeze needed: {ctx}"
                            );
                            assert!(
                                p.budget.heap >= limit / 2
                                    || p.budget.heap == COMPRESSED_OOPS_LIMIT,
                                "{ctx}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The heap is the limit less every other part, to the MiB (the alignment aside).
    #[test]
    fn the_heap_is_what_the_rest_leaves() {
        let m = mem("default");
        // 2 GiB: the profile's guesses leave the heap more than its 75 %, so nothing is squeezed.
        let p = plan(2 * GIB, &m, Gc::Serial, 17);
        let b = p.budget;
        assert!(p.squeezed.is_empty(), "{p:#?}");
        assert!(2 * GIB - b.total() < 4 * MIB, "{p:#?}");
        // Each part from the model: 12 000 classes, 150 threads × (256 + 32) KiB, 32 MiB of
        // compiled code, 16 MiB of direct buffers.
        assert_eq!(b.metaspace, 61 * MIB);
        assert_eq!(b.thread_stacks, 43 * MIB);
        assert_eq!(b.code_cache, 32 * MIB);
        assert_eq!(b.direct, 16 * MIB);
        let h = p.headroom;
        assert_eq!(h.compiler, footprint::COMPILER_PEAK);
        let rest =
            b.metaspace + b.code_cache + b.thread_stacks + b.direct + h.gc + h.runtime + h.compiler;
        assert_eq!(
            h.margin,
            round_up_mib((rest as f64 * m.headroom_fraction) as u64)
        );
        // G1's structures are larger than Serial's card table: a smaller heap.
        let g1 = plan(2 * GIB, &m, Gc::G1, 17);
        assert!(g1.headroom.gc > p.headroom.gc + 30 * MIB, "{g1:#?}");
        assert!(g1.budget.heap < b.heap, "{g1:#?}");
    }

    /// Told 900 threads, the budget counts their touched stacks and the heap shrinks by them.
    #[test]
    fn thread_count_moves_the_heap() {
        let base = plan(GIB, &mem("default"), Gc::Serial, 17);
        let m = load("default", &["memory.threads=900".into()])
            .unwrap()
            .memory;
        let p = plan(GIB, &m, Gc::Serial, 17);
        // 900 × (256 + 32) KiB = 253.1 MiB, rounded up.
        assert_eq!(p.budget.thread_stacks, 254 * MIB);
        assert!(
            base.budget.heap - p.budget.heap >= 750 * 288 * 1024,
            "{p:#?}"
        );
        assert!(p.budget.total() <= GIB, "{p:#?}");
        // -Xss bounds what a thread can touch.
        let m = load("default", &["memory.stack_kib=128".into()])
            .unwrap()
            .memory;
        // 150 × (128 + 32) KiB = 23.4 MiB.
        assert_eq!(plan(GIB, &m, Gc::Serial, 17).budget.thread_stacks, 24 * MIB);
    }

    /// Untold, a small container is taken to run a small application: the guesses squeeze
    /// until the heap is MaxRAMPercentage=75's (the floors permitting), and never below the
    /// JVM's own heap.
    #[test]
    fn untold_small_limits_get_the_one_line_advices_heap() {
        let m = mem("default");
        for limit in [512 * MIB, 768 * MIB, GIB] {
            let p = plan(limit, &m, Gc::Serial, 17);
            assert!(p.budget.heap as f64 >= 0.74 * limit as f64, "{p:#?}");
            assert!(p.budget.total() <= limit && !p.over_committed, "{p:#?}");
        }
        let p = plan(512 * MIB, &m, Gc::Serial, 17);
        for part in [
            Part::Metaspace,
            Part::Compiler,
            Part::CodeCache,
            Part::ThreadStacks,
        ] {
            assert!(squeezed(&p, part), "{part:?}: {p:#?}");
        }
        // 256 MiB: the floors leave less than the JVM's own half of the limit; the margin
        // pays the difference.
        let p = plan(256 * MIB, &m, Gc::Serial, 17);
        assert_eq!(
            p.budget.heap,
            default_max_heap(256 * MIB, Gc::Serial),
            "{p:#?}"
        );
        assert!(p.budget.total() <= 256 * MIB && !p.over_committed, "{p:#?}");
        assert!(
            matches!(
                p.squeezed.last(),
                Some(Squeeze::JvmsOwnHeap { unpaid: 0, .. })
            ),
            "{p:#?}"
        );
    }

    /// What the user states is never squeezed; a stated size (threads, classes) stops the
    /// squeeze toward 75 %, a stated use of memory (direct buffers) does not.
    #[test]
    fn told_parts_stay_as_told() {
        let told = |sets: &[&str]| {
            load(
                "default",
                &sets.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
            .unwrap()
            .memory
        };
        let m = told(&["memory.direct_mib=240"]);
        let p = plan(GIB, &m, Gc::Serial, 17);
        assert_eq!(p.budget.direct, 240 * MIB, "{p:#?}");
        assert!(!squeezed(&p, Part::Direct), "{p:#?}");
        // The guesses squeezed to their floors: 1024 − 240 − 16 − 16 − 15 − 70 of headroom.
        assert!(
            p.budget.heap >= 660 * MIB && p.budget.total() <= GIB,
            "{p:#?}"
        );
        // 900 threads: the guesses stay whole (40 % is reached), as before issue 20's squeeze.
        let m = told(&["memory.threads=900"]);
        let p = plan(GIB, &m, Gc::Serial, 17);
        assert!(p.squeezed.is_empty(), "{p:#?}");
        assert_eq!(p.budget.metaspace, 61 * MIB);
        // Told, the heap may go below the JVM's own: the user said what is outside it.
        let m = told(&["memory.direct_mib=200"]);
        let p = plan(256 * MIB, &m, Gc::Serial, 17);
        assert!(
            p.budget.heap < default_max_heap(256 * MIB, Gc::Serial),
            "{p:#?}"
        );
        assert_eq!(p.budget.direct, 200 * MIB, "{p:#?}");
    }

    #[test]
    fn small_containers_squeeze_instead_of_failing() {
        // CF's calculator gives a 512 MiB container no heap (exit 2); here the profile's
        // assumptions shrink (reported), and the heap stays above the JVM's own 64 MiB.
        let p = plan(256 * MIB, &mem("default"), Gc::Serial, 17);
        assert!(p.budget.heap >= 90 * MIB, "{p:#?}");
        assert!(squeezed(&p, Part::CodeCache), "{p:#?}");
        assert!(!p.over_committed);
        // 128 MiB: still runs, flagged.
        let p = plan(128 * MIB, &mem("default"), Gc::Serial, 17);
        assert!(
            p.budget.heap >= 50 * MIB && p.budget.heap <= 64 * MIB,
            "{p:#?}"
        );
    }

    /// A running JVM seen holding 300 MiB outside a 500 MiB committed heap in a 1 GiB limit.
    #[test]
    fn observed_non_heap_leaves_room_for() {
        let m = mem("default");
        let h = heap_for_observed(GIB, 300 * MIB, 500 * MIB, Gc::Serial, 17, &m).unwrap();
        // 1024 − 300 − 30 (10 % margin) − Serial's card table growing by < 1 MiB.
        assert!((690 * MIB..=694 * MIB).contains(&h), "{}", h / MIB);
        // G1's structures grow 41 MiB a GiB of heap: a smaller answer.
        let g1 = heap_for_observed(GIB, 300 * MIB, 100 * MIB, Gc::G1, 17, &m).unwrap();
        assert!(g1 + 20 * MIB < h, "{}", g1 / MIB);
        assert_eq!(heap_for_observed(GIB, GIB, 0, Gc::Serial, 17, &m), None);
    }

    #[test]
    fn large_limits_keep_compressed_oops() {
        let p = plan(64 * GIB, &mem("default"), Gc::G1, 17);
        assert_eq!(p.budget.heap, COMPRESSED_OOPS_LIMIT);
        assert!(matches!(p.squeezed[0], Squeeze::HeapCapped { .. }));
    }

    #[test]
    fn heap_is_what_xmx_reports() {
        assert_eq!(align_heap(437 * MIB, Gc::Serial), 436 * MIB);
        assert_eq!(align_heap(9 * GIB + 3 * MIB, Gc::G1), 9 * GIB);
        // 1.5 MiB + 12 000 × 5 KiB = 60.1 MiB, rounded up.
        assert_eq!(metaspace_for(12_000), 61 * MIB);
    }
}
