//! The heap: what memory the budget is made for (the limit, else host RAM), the budget, and
//! `-Xmx`/`-Xms` where the JVM would size the heap otherwise; the user's own heap settings are
//! taken as they are and checked against the limit.

use super::{Cx, Draft};
use crate::facts::Limit;
use crate::jvm::budget::{self, Budget, Headroom};
use crate::jvm::ergonomics::MIB;
use crate::jvm::options::HeapSetting;
use crate::jvm::version::Gc;
use crate::units::{self, bytes};

/// The memory the advice is made for.
pub(super) struct Basis {
    /// Bytes: the memory limit, or host RAM when there is none or it is unknown.
    pub bytes: u64,
    /// A memory limit is set and known.
    pub limited: bool,
    /// "memory limit 768 MiB from /sys/...", or "host RAM ... (why)".
    pub text: String,
}

/// The heap decided.
pub(super) struct Heap {
    pub max_heap: u64,
    /// `max_heap` is the budget's (a limit, and no heap or `MaxRAM` of the user's).
    pub budgeted: bool,
    pub budget: Budget,
    pub squeezed: Vec<budget::Squeeze>,
}

/// The `-Xmx` rationale's account of the headroom.
fn headroom_text(h: &Headroom) -> String {
    format!(
        "headroom {} (GC structures {} + JVM runtime {} + JIT compilers' peak {} + margin {})",
        h.total() / MIB,
        h.gc / MIB,
        h.runtime / MIB,
        h.compiler / MIB,
        h.margin / MIB
    )
}

/// The memory basis. Without a limit the JVM shares the host: its own 25 % stays, unbudgeted.
pub(super) fn memory_basis(cx: &Cx, d: &mut Draft) -> Basis {
    match &cx.f.memory.limit {
        Limit::Limited { value, source, .. } => Basis {
            bytes: *value,
            limited: true,
            text: format!("memory limit {} from {source}", bytes(*value)),
        },
        other => {
            let why = match other {
                Limit::Unknown { reason } => format!("the memory limit is unknown ({reason})"),
                _ => "there is no memory limit".to_owned(),
            };
            d.warn(format!(
                "{why}: ctune leaves the heap to the JVM ({}, a quarter of host RAM) and budgets the rest against host RAM ({}); set a memory limit so the JVM and the kernel agree",
                bytes(cx.view.max_heap_bytes),
                bytes(cx.i.host_ram)
            ));
            Basis {
                bytes: cx.i.host_ram,
                limited: false,
                text: format!("host RAM {} ({why})", bytes(cx.i.host_ram)),
            }
        }
    }
}

/// The budget and the heap: the user's setting when there is one (checked against the
/// limit), the JVM's own choice without a limit, else the budgeted heap as `-Xmx`.
pub(super) fn heap(cx: &Cx, basis: &Basis, gc: Gc, d: &mut Draft) -> Heap {
    let plan = budget::plan(basis.bytes, &cx.profile.memory, gc, cx.v.feature);
    let mut b = plan.budget;
    if !basis.limited {
        b.heap = cx.view.max_heap_bytes;
    }
    let (max_heap, budgeted) = match cx.user.max_heap() {
        Some(setting) => (users_heap(cx, basis, &b, setting, d), false),
        None if cx.user.xx_value("MaxRAM").is_some() => (users_max_ram(cx, gc, d), false),
        None if !basis.limited => {
            users_floor_unbudgeted(cx, d);
            (
                cx.view.max_heap_bytes.max(users_floor(cx).unwrap_or(0)),
                false,
            )
        }
        None => (budgeted_heap(cx, basis, &b, &plan.headroom, d), true),
    };
    if plan.over_committed {
        d.warn(format!(
            "{} is too small for the {} profile even after squeezing: the heap gets {} and the rest of the budget needs {}, {} in all, so the JVM may be OOM-killed; raise the limit or lower memory.threads, memory.loaded_classes and memory.direct_mib",
            bytes(basis.bytes),
            cx.profile.name,
            bytes(b.heap),
            bytes(b.non_heap()),
            bytes(b.total())
        ));
    }
    if cx.user.container_support_off() {
        d.warn("-XX:-UseContainerSupport is set: the JVM ignores every container limit");
    }
    Heap {
        max_heap,
        budgeted,
        budget: b,
        squeezed: plan.squeezed,
    }
}

/// The user's own `-Xmx` or `MaxRAMPercentage`: kept, with a warning when it cannot fit.
fn users_heap(cx: &Cx, basis: &Basis, b: &Budget, setting: HeapSetting, d: &mut Draft) -> u64 {
    let limit = basis.bytes;
    match setting {
        HeapSetting::Bytes(bytes, o) => {
            if bytes + b.non_heap().min(limit / 4) > limit {
                d.warn(format!(
                    "{} (from {}) leaves {} of the {} limit for everything that is not heap; the kernel will OOM-kill the JVM before it throws OutOfMemoryError",
                    o.option, o.source, units::bytes(limit.saturating_sub(bytes)), units::bytes(limit)
                ));
            }
            bytes
        }
        HeapSetting::Percent(p, o) => {
            if p > 80.0 {
                d.warn(format!("{} (from {}) gives the heap {p}% of the memory: little room for metaspace, threads and the page cache", o.option, o.source));
            }
            // Without a maximum in bytes the JVM raises its maximum to the user's initial or
            // minimum heap when that is larger.
            ((cx.view.physical_memory_bytes as f64 * p / 100.0) as u64)
                .max(users_floor(cx).unwrap_or(0))
        }
    }
}

/// The least maximum heap the user's own `-Xms`, `-XX:InitialHeapSize` or `-XX:MinHeapSize`
/// (wherever the JVM reads them) allows, in whole MiB: a smaller `-Xmx` stops the JVM.
fn users_floor(cx: &Cx) -> Option<u64> {
    cx.user.min_heap().map(|(b, _)| b.div_ceil(MIB) * MIB)
}

/// Without a limit the JVM's own maximum stays, and the JVM itself raises it to the user's
/// initial heap: only say so when that happens.
fn users_floor_unbudgeted(cx: &Cx, d: &mut Draft) {
    if let Some((min, o)) = cx.user.min_heap() {
        if min > cx.view.max_heap_bytes {
            d.warn(format!(
                "{} (from {}) is above the {} MiB heap the JVM would pick: the JVM raises its maximum heap to it",
                o.option, o.source, cx.view.max_heap_bytes / MIB
            ));
        }
    }
}

/// The user's `-XX:MaxRAM` without a maximum heap: the JVM sizes the heap from it, so ctune
/// leaves the heap alone (an `-Xmx` would silently overrule it) and says so.
fn users_max_ram(cx: &Cx, gc: Gc, d: &mut Draft) -> u64 {
    let max_ram = cx
        .user
        .xx_value("MaxRAM")
        .and_then(crate::jvm::options::parse_jvm_size);
    let phys = max_ram.map_or(cx.view.physical_memory_bytes, |m| {
        m.min(cx.view.physical_memory_bytes)
    });
    d.warn(format!(
        "-XX:MaxRAM is set: ctune leaves the heap to the JVM ({} MiB from it) rather than overrule it with -Xmx",
        crate::jvm::ergonomics::default_max_heap(phys, gc) / MIB
    ));
    crate::jvm::ergonomics::default_max_heap(phys, gc).max(users_floor(cx).unwrap_or(0))
}

/// What raising `-Xmx` to the user's initial heap costs, in true numbers: what is left of the
/// limit for what is not heap against what the budget gives it, or that nothing is left.
fn raised_heap_warning(
    option: &str,
    source: &str,
    heap: u64,
    floor: u64,
    basis: &Basis,
    b: &Budget,
) -> String {
    let raised = format!(
        "{option} (from {source}) is above the {} MiB heap the limit leaves room for: -Xmx raised to {} MiB so the JVM starts",
        heap / MIB,
        floor / MIB
    );
    if !basis.limited {
        return raised;
    }
    let limit = basis.bytes;
    if floor >= limit {
        format!(
            "{raised}, but a {} MiB heap under a {} MiB memory limit leaves nothing for metaspace, threads, the code cache and direct memory: the kernel will OOM-kill the JVM (exit 137) as the heap fills",
            floor / MIB,
            limit / MIB
        )
    } else {
        format!(
            "{raised}; that leaves {} MiB of the {} MiB limit for metaspace, threads, the code cache and direct memory, which were budgeted {} MiB",
            (limit - floor) / MIB,
            limit / MIB,
            b.non_heap() / MIB
        )
    }
}

/// The budgeted heap as `-Xmx` (unless the JVM would pick it anyway), and `-Xms` for a fixed
/// heap profile.
///
/// The user's initial or minimum heap above the budget: the policy is to raise `-Xmx` to it
/// and warn, not to leave the heap alone. The JVM itself does the same when no maximum is
/// given (its ergonomic maximum grows to `InitialHeapSize`), so the app gets the heap it would
/// have had without ctune and starts; the other bounds ctune sets (direct memory, code cache)
/// still apply, and the warning says the non-heap parts now have less room than budgeted.
fn budgeted_heap(cx: &Cx, basis: &Basis, b: &Budget, h: &Headroom, d: &mut Draft) -> u64 {
    let mut heap = b.heap;
    let mut raised = None;
    if let (Some(floor), Some((_, o))) = (users_floor(cx), cx.user.min_heap()) {
        if floor > heap {
            d.warn(raised_heap_warning(
                &o.option, &o.source, heap, floor, basis, b,
            ));
            raised = Some(format!(
                "raised to the user's {} (from {})",
                o.option, o.source
            ));
            heap = floor;
        }
    }
    if let Some(why) = raised {
        d.add(format!("-Xmx{}m", heap / MIB), why);
    } else if heap != cx.view.max_heap_bytes || !cx.view.container_aware {
        d.add(
            format!("-Xmx{}m", heap / MIB),
            format!(
                "{}: heap = limit − metaspace {} − code cache {} − stacks {} − direct {} − page cache {} − {} (MiB), each what the JVM commits (measured with NMT); the JVM alone would take {} MiB",
                basis.text,
                b.metaspace / MIB,
                b.code_cache / MIB,
                b.thread_stacks / MIB,
                b.direct / MIB,
                b.page_cache_reserve / MIB,
                headroom_text(h),
                cx.view.max_heap_bytes / MIB
            ),
        );
    }
    if cx.profile.memory.fixed_heap && cx.user.min_heap().is_none() {
        d.add(
            format!("-Xms{}m", heap / MIB),
            "fixed heap: no resizing pauses, memory committed up front",
        );
    }
    heap
}
