//! Checks on the Java found (or assumed with `--assume jdk=`) and the user's own JVM options.
//! The version-dependent ones say nothing when no Java version is known.

use super::{advised, cpus, size, Ctx, Finding, Severity};
use super::{Applies, Family, Rule};
use crate::facts::{CgroupVersion, Limit};
use crate::jvm::ergonomics::{default_max_heap, shares_from_weight, MAX_RAM};
use crate::jvm::options::HeapSetting;
use crate::jvm::version::Gc;

pub(super) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    jvm_blind_to_cgroup(cx, out);
    jvm_without_container_support(cx, out);
    cpu_count_from_shares(cx, out);
    heap_exceeds_memory_limit(cx, out);
    jvm_option_rejected(cx, out);
    initial_heap_exceeds_budget(cx, out);
    heap_option_contradicted(cx, out);
    budget_exceeds_limit(cx, out);
    collector_burns_cpu_limit(cx, out);
}
/// This family's checks, in report order: adding a check here is what puts it in
/// [`super::RULES`] (and so in `--list-checks`, SARIF, JUnit, the man pages and completions).
pub(super) static RULES: &[&Rule] = &[
    &JVM_BLIND_TO_CGROUP,
    &JVM_WITHOUT_CONTAINER_SUPPORT,
    &CPU_COUNT_FROM_SHARES,
    &HEAP_EXCEEDS_MEMORY_LIMIT,
    &JVM_OPTION_REJECTED,
    &INITIAL_HEAP_EXCEEDS_BUDGET,
    &HEAP_OPTION_CONTRADICTED,
    &JVM_BUDGET_EXCEEDS_LIMIT,
    &COLLECTOR_BURNS_CPU_LIMIT,
];

pub static COLLECTOR_BURNS_CPU_LIMIT: Rule = Rule {
    id: "collector-burns-cpu-limit",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Both,
    name: "CollectorBurnsCpuLimit",
    summary: "The user's options pick Parallel, G1, ZGC or Shenandoah under a CPU limit below two cores.",
    description: "These collectors run GC work on several threads or beside the application; under a small quota those threads take the CPU time the application needs, and a collection that uses up the period is throttled until the next one. HotSpot itself picks Serial GC below two processors.",
    help: "Remove the collector option (ctune and the JVM then pick Serial GC), or raise the CPU limit to 2 or more.",
};

/// The user picked a collector with GC worker or concurrent threads for a CPU limit below
/// two cores: HotSpot itself picks Serial below two processors (it is not "server class"),
/// because the extra threads only compete with the application for the same quota.
fn collector_burns_cpu_limit(cx: &Ctx, out: &mut Vec<Finding>) {
    let Limit::Limited { value, source, .. } = &cx.facts.cpu.limit else {
        return;
    };
    let Some(o) = cx
        .user
        .options
        .iter()
        .rev()
        .find(|o| Gc::from_option(&o.option).is_some())
    else {
        return;
    };
    let gc = Gc::from_option(&o.option).unwrap_or(Gc::Serial);
    if *value >= 2.0 || gc == Gc::Serial {
        return;
    }
    let what = match gc {
        Gc::Parallel => "Parallel GC runs its collections on several worker threads at once",
        _ => "this collector runs marking, refinement or relocation on threads beside the application's",
    };
    out.push(Finding {
        rule: &COLLECTOR_BURNS_CPU_LIMIT,
        severity: Severity::Warning,
        title: format!(
            "{} (from {}) under a CPU limit of {}: the collector's threads eat the quota",
            o.option,
            o.source,
            cpus(*value)
        ),
        detail: format!(
            "{what}; under a quota of {} they take CPU time the application then lacks, and a collection that exhausts the period is throttled until the next one (100 ms by default), which shows up as pauses far longer than the collector's own. HotSpot's own ergonomics pick Serial GC below two processors for this reason.",
            cpus(*value)
        ),
        fix: "Drop the collector option and let ctune or the JVM pick Serial GC, or give the container at least 2 CPUs.".into(),
        evidence: vec![
            format!("{} ({})", o.option, o.source),
            // The CPUs the quota gives, not the file's raw microseconds.
            format!("{source}: {}", cpus(*value)),
        ],
        at: cx.option_node(o),
    });
}

/// `-XX` flags a HotSpot version refuses ("Unrecognized VM option", or "must be enabled via
/// -XX:+UnlockExperimentalVMOptions"): (name, accepted from, refused from, why).
const VERSIONED_FLAGS: &[(&str, u32, u32, &str)] = &[
    ("MinHeapSize", 13, u32::MAX, "added in JDK 13"),
    ("UseConcMarkSweepGC", 0, 14, "removed in JDK 14"),
    ("UseCGroupMemoryLimitForHeap", 0, 11, "removed in JDK 11"),
    ("UseContainerCpuShares", 0, 25, "removed in JDK 25"),
    (
        "PreferContainerQuotaForCPUCount",
        0,
        25,
        "removed in JDK 25",
    ),
    ("ZGenerational", 21, u32::MAX, "added in JDK 21"),
    ("UseParallelOldGC", 0, 16, "expired in JDK 16"),
    // Refused by 21.0.8 and 25.0.2, only deprecated on 17.0.2 and 17.0.15: verified. Obsolete
    // in 18 and expired in 19 by HotSpot's own table (JDK-8256425), not run here.
    ("UseBiasedLocking", 0, 19, "expired in JDK 19"),
    // Refused by 25.0.2 ("Unrecognized VM option"), only deprecated on 21.0.8: verified.
    ("MaxRAMFraction", 0, 25, "gone by JDK 25"),
    ("MinRAMFraction", 0, 25, "gone by JDK 25"),
    ("InitialRAMFraction", 0, 25, "gone by JDK 25"),
    ("UseZGC", 11, u32::MAX, "added in JDK 11"),
];

pub static JVM_OPTION_REJECTED: Rule = Rule {
    id: "jvm-option-rejected",
    severity: Severity::Error,
    family: Family::Jvm,
    applies: Applies::Both,
    name: "JvmOptionRejected",
    summary: "The user's own JVM options stop this JVM from starting.",
    description: "HotSpot refuses to start on an initial or minimum heap above the maximum, two selected collectors, an -XX flag this version does not know, a VMOptionsFile in an environment variable, an unmatched quote in JAVA_TOOL_OPTIONS/JDK_JAVA_OPTIONS/_JAVA_OPTIONS, or a reserved code cache below the initial one.",
    help: "Remove or correct the option named in the finding (its source is given); `ctune lint -- java ...` checks a command line before it ships.",
};

/// The user's own options that stop this JVM from starting.
fn jvm_option_rejected(cx: &Ctx, out: &mut Vec<Finding>) {
    use crate::jvm::options::{parse_jvm_size, split_java_options, xx_name};
    let mut why: Vec<String> = Vec::new();
    let mut evidence = Vec::new();
    // The first option named: where the finding points in a file.
    let mut first: Option<super::Node> = None;
    let mut at = |o: &crate::jvm::options::UserOption| {
        first = first.or(cx.option_node(o));
    };
    let u = &cx.user;
    if let (Some((min, o)), Some(HeapSetting::Bytes(max, m))) = (u.min_heap(), u.max_heap()) {
        if min > max {
            why.push(format!(
                "{} (from {}) is above {} (from {}): \"Initial heap size set to a larger value than the maximum heap size\"",
                o.option, o.source, m.option, m.source
            ));
            evidence.push(format!("{} ({})", o.option, o.source));
            at(o);
        }
    }
    let selected: Vec<&crate::jvm::options::UserOption> = u
        .options
        .iter()
        .filter(|o| Gc::from_option(&o.option).is_some())
        .collect();
    let distinct = |a: &str, b: &str| Gc::from_option(a) != Gc::from_option(b);
    if let Some(pair) = selected.iter().enumerate().find_map(|(i, a)| {
        selected[i + 1..]
            .iter()
            .find(|b| distinct(&a.option, &b.option))
            .map(|b| (a, b))
    }) {
        let (a, b) = pair;
        let off = |g: &str| {
            let name = xx_name(g).unwrap_or("");
            u.xx_bool(name) == Some(false)
        };
        if !off(&a.option) && !off(&b.option) {
            why.push(format!(
                "{} (from {}) and {} (from {}) select two collectors: \"Multiple garbage collectors selected\"",
                a.option, a.source, b.option, b.source
            ));
            evidence.push(format!(
                "{} ({}), {} ({})",
                a.option, a.source, b.option, b.source
            ));
            at(a);
        }
    }
    // The collector the JVM would pick, switched off, and none selected instead: "Garbage
    // collector not selected (default collector explicitly disabled)" (verified on 11-25).
    let default_gc = cx.advice.jvm_view.gc.flag();
    if u.gc().is_none() && xx_name(default_gc).is_some_and(|n| u.xx_bool(n) == Some(false)) {
        let name = xx_name(default_gc).unwrap_or_default();
        why.push(format!(
            "-XX:-{name} switches off the collector this JVM would pick here and no other is selected: \"Garbage collector not selected (default collector explicitly disabled)\""
        ));
        evidence.push(format!("-XX:-{name}"));
    }
    if let Some(v) = cx.java {
        for o in &u.options {
            let Some(name) = xx_name(&o.option) else {
                continue;
            };
            if let Some((_, from, until, what)) = VERSIONED_FLAGS.iter().find(|f| f.0 == name) {
                let experimental = name == "UseZGC"
                    && (11..15).contains(&v.feature)
                    && u.xx_bool("UnlockExperimentalVMOptions") != Some(true);
                if v.feature < *from || v.feature >= *until || experimental {
                    let what = if experimental {
                        "experimental before JDK 15: needs -XX:+UnlockExperimentalVMOptions"
                    } else {
                        what
                    };
                    why.push(format!(
                        "{} (from {}): JDK {v} refuses it ({what})",
                        o.option, o.source
                    ));
                    evidence.push(format!("{} ({})", o.option, o.source));
                    at(o);
                }
            }
        }
    }
    for (var, value) in &cx.facts.env {
        let var = var.as_str();
        if !matches!(
            var,
            "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS" | "_JAVA_OPTIONS"
        ) {
            continue;
        }
        if let Err(e) = split_java_options(value) {
            why.push(format!("{var} has an {e}: \"Unmatched quote in {var}\""));
            evidence.push(format!("{var} (value not shown)"));
        }
        if var != "JDK_JAVA_OPTIONS" && value.contains("-XX:VMOptionsFile=") {
            why.push(format!("-XX:VMOptionsFile in {var}: \"VM options file is only supported on the command line\""));
            evidence.push(format!("{var}: -XX:VMOptionsFile=..."));
        }
    }
    let initial_cc = u.xx_value("InitialCodeCacheSize").and_then(parse_jvm_size);
    let reserved_cc = u.xx_value("ReservedCodeCacheSize").and_then(parse_jvm_size);
    if let (Some(i), Some(r)) = (initial_cc, reserved_cc) {
        if r < i {
            why.push("-XX:ReservedCodeCacheSize is below -XX:InitialCodeCacheSize: \"Invalid ReservedCodeCacheSize\"".into());
            evidence.push(format!(
                "InitialCodeCacheSize {i}, ReservedCodeCacheSize {r}"
            ));
        }
    }
    if why.is_empty() {
        return;
    }
    out.push(Finding {
        rule: &JVM_OPTION_REJECTED,
        severity: Severity::Error,
        title: format!(
            "the JVM will not start with these options ({} problem{})",
            why.len(),
            if why.len() == 1 { "" } else { "s" }
        ),
        detail: format!("{}. HotSpot exits with \"Error: Could not create the Java Virtual Machine\" before the application runs.", why.join("; ")),
        fix: "Remove or correct each option named above; `ctune lint -- java ...` with the same environment checks the result.".into(),
        evidence,
        at: first,
    });
}

pub static INITIAL_HEAP_EXCEEDS_BUDGET: Rule = Rule {
    id: "initial-heap-exceeds-budget",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Both,
    name: "InitialHeapExceedsBudget",
    summary: "The user's -Xms, InitialHeapSize or MinHeapSize is above the heap the memory limit leaves room for.",
    description: "The JVM keeps at least that much heap, so it needs a maximum at least as large: ctune exec raises -Xmx to it rather than stop the JVM, and metaspace, thread stacks and direct buffers get less room than the budget gives them; near the limit the kernel OOM-kills the JVM.",
    help: "Lower -Xms to the budgeted heap (`ctune jvm` shows it) or drop it, or raise the memory limit.",
};

/// The user's -Xms / InitialHeapSize / MinHeapSize above the budgeted heap, with no -Xmx of
/// their own: ctune exec raises -Xmx to it (the JVM would otherwise refuse ctune's).
fn initial_heap_exceeds_budget(cx: &Ctx, out: &mut Vec<Finding>) {
    let Limit::Limited {
        value: limit,
        source,
        ..
    } = &cx.facts.memory.limit
    else {
        return;
    };
    let Some((min, o)) = cx.user.min_heap() else {
        return;
    };
    if matches!(cx.user.max_heap(), Some(HeapSetting::Bytes(..))) {
        return;
    }
    let budget = cx.advice.recommended.budget.heap;
    if min <= budget {
        return;
    }
    // At or above the limit itself it is the error an -Xmx there is: nothing is left for what
    // is not heap, and the kernel kills the JVM as the heap fills.
    if min >= *limit {
        out.push(initial_heap_above_limit(cx, o, min, *limit, source, budget));
        return;
    }
    out.push(Finding {
        rule: &INITIAL_HEAP_EXCEEDS_BUDGET,
        severity: Severity::Warning,
        title: format!(
            "{} keeps a {} heap where the {} limit leaves room for {}",
            o.option,
            size(min),
            size(*limit),
            size(budget)
        ),
        detail: format!(
            "{} (from {}) makes the JVM keep at least {} of heap, so its maximum heap must be at least that: an -Xmx sized for the limit ({}) would stop the JVM (\"Initial heap size set to a larger value than the maximum heap size\"). ctune exec raises -Xmx to {} instead, which leaves {} less than budgeted for metaspace, the code cache, thread stacks and direct buffers.",
            o.option,
            o.source,
            size(min),
            size(budget),
            size(min),
            size(min - budget)
        ),
        fix: format!(
            "Lower {} to at most {} (or drop it: the JVM grows the heap as needed), or raise the memory limit to at least {}.",
            o.option,
            size(budget),
            size(*limit + (min - budget))
        ),
        evidence: vec![format!("{} ({})", o.option, o.source), format!("{source}: {limit}")],
        at: cx.option_node(o),
    });
}

/// `initial-heap-exceeds-budget` for an initial heap at or above the memory limit: an error.
fn initial_heap_above_limit(
    cx: &Ctx,
    o: &crate::jvm::options::UserOption,
    min: u64,
    limit: u64,
    source: &str,
    budget: u64,
) -> Finding {
    Finding {
        rule: &INITIAL_HEAP_EXCEEDS_BUDGET,
        severity: Severity::Error,
        title: format!(
            "{} keeps a {} heap under a {} limit",
            o.option,
            size(min),
            size(limit)
        ),
        detail: format!(
            "{} (from {}) makes the JVM keep at least {} of heap, at or above the {} memory limit: nothing is left for metaspace, the code cache, thread stacks and direct buffers. ctune exec raises -Xmx to {} so the JVM starts (a smaller -Xmx would stop it), and the kernel OOM-kills it (exit 137) as the heap fills, before it can throw OutOfMemoryError.",
            o.option,
            o.source,
            size(min),
            size(limit),
            size(min)
        ),
        fix: format!(
            "Lower {} to at most {} (the heap the limit leaves room for; or drop it: the JVM grows the heap as needed), or raise the memory limit to at least {}.",
            o.option,
            size(budget),
            size(limit + (min - budget))
        ),
        evidence: vec![format!("{} ({})", o.option, o.source), format!("{source}: {limit}")],
        at: cx.option_node(o),
    }
}

pub static HEAP_OPTION_CONTRADICTED: Rule = Rule {
    id: "heap-option-contradicted",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Both,
    name: "HeapOptionContradicted",
    summary: "One of the user's heap options is silently overruled by another.",
    description: "For a flag given twice the JVM takes the last one it reads (JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS, the command line, _JAVA_OPTIONS), and -Xmx beats any heap percentage: the overruled option does nothing, which misleads whoever reads it.",
    help: "Keep one heap setting, in one place.",
};

/// A heap option the JVM silently overrules: a different -Xmx/MaxHeapSize later in the order
/// it reads options, or a heap percentage next to a byte size.
fn heap_option_contradicted(cx: &Ctx, out: &mut Vec<Finding>) {
    use crate::jvm::options::parse_jvm_size;
    let u = &cx.user;
    let sized: Vec<(&crate::jvm::options::UserOption, u64)> = u
        .options
        .iter()
        .filter_map(|o| {
            let v = o
                .option
                .strip_prefix("-Xmx")
                .or_else(|| o.option.strip_prefix("-XX:MaxHeapSize="))?;
            Some((o, parse_jvm_size(v)?))
        })
        .collect();
    let mut why = Vec::new();
    let mut evidence = Vec::new();
    let mut first = None;
    if let Some((last, bytes)) = sized.last() {
        for (o, b) in &sized[..sized.len() - 1] {
            if b != bytes {
                why.push(format!(
                    "{} (from {}) is overruled by {} (from {}), which the JVM reads later",
                    o.option, o.source, last.option, last.source
                ));
                evidence.push(format!("{} ({})", o.option, o.source));
                first = first.or(cx.option_node(o));
            }
        }
        for o in u.options.iter().filter(|o| {
            [
                "-XX:MaxRAMPercentage=",
                "-XX:MaxRAMFraction=",
                "-XX:MaxRAM=",
            ]
            .iter()
            .any(|p| o.option.starts_with(p))
        }) {
            why.push(format!(
                "{} (from {}) does nothing: {} (from {}) sets the heap in bytes",
                o.option, o.source, last.option, last.source
            ));
            evidence.push(format!("{} ({})", o.option, o.source));
            first = first.or(cx.option_node(o));
        }
    }
    if why.is_empty() {
        return;
    }
    out.push(Finding {
        rule: &HEAP_OPTION_CONTRADICTED,
        severity: Severity::Warning,
        title: format!(
            "{} of the heap options set{} no effect",
            why.len(),
            if why.len() == 1 { " has" } else { " have" }
        ),
        detail: format!("{}.", why.join("; ")),
        fix: "Keep one heap setting in one place, and remove the overruled ones.".into(),
        evidence,
        at: first,
    });
}

pub static JVM_BUDGET_EXCEEDS_LIMIT: Rule = Rule {
    id: "jvm-budget-exceeds-limit",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Both,
    name: "JvmBudgetExceedsLimit",
    summary: "The memory limit is too small for the profile's JVM even after squeezing every part of the budget to its floor.",
    description: "ctune divides the limit between the heap and what is not heap (metaspace, code cache, thread stacks, direct buffers, page cache reserve, headroom) and squeezes the latter toward floors on small limits; past that, the JVM's memory adds up to more than the limit and the kernel may OOM-kill it under load. The same warning `ctune jvm` prints under its budget.",
    help: "Raise the memory limit to the budget's total, or lower what the profile reserves: --set memory.threads=..., memory.loaded_classes=..., memory.direct_mib=... (ctune jvm shows the budget).",
};

/// The advisor's "too small even after squeezing" warning, as a finding: the budget's parts
/// at their floors still add up to more than the limit. Said only where a Java is known (the
/// other JVM checks are skipped too) and the user has not set the heap (then
/// heap-exceeds-memory-limit speaks about their own setting).
fn budget_exceeds_limit(cx: &Ctx, out: &mut Vec<Finding>) {
    let Limit::Limited { value, source, .. } = &cx.facts.memory.limit else {
        return;
    };
    if cx.java.is_none() || cx.user.max_heap().is_some() {
        return;
    }
    let b = &cx.advice.recommended.budget;
    let (limit, total) = (*value, b.total());
    if total <= limit {
        return;
    }
    out.push(Finding {
        rule: &JVM_BUDGET_EXCEEDS_LIMIT,
        severity: Severity::Warning,
        title: format!(
            "The {} limit is too small for the {} profile: its JVM needs {}",
            size(limit),
            cx.advice.profile,
            size(total)
        ),
        detail: format!(
            "Even with every part squeezed to its floor, the heap ({}) and what is not heap (metaspace {}, code cache {}, thread stacks {}, direct buffers {}, page cache reserve {}, headroom {}) add up to {}, {} over the limit. Under load the JVM's memory grows toward that total and the kernel OOM-kills it (exit 137).",
            size(b.heap),
            size(b.metaspace),
            size(b.code_cache),
            size(b.thread_stacks),
            size(b.direct),
            size(b.page_cache_reserve),
            size(b.headroom),
            size(total),
            size(total - limit)
        ),
        fix: format!(
            "Raise the memory limit to at least {}, or give the profile less to reserve: fewer threads (--set memory.threads=...), fewer classes (memory.loaded_classes), smaller direct buffers (memory.direct_mib); `ctune jvm` shows the budget.",
            size(total)
        ),
        evidence: vec![
            format!("{source}: {limit}"),
            format!("ctune jvm --profile {}: budget total {total}", cx.advice.profile),
        ],
        at: cx.nodes.and_then(|n| n.memory_limit),
    });
}

/// Where the version came from, for the evidence.
fn java_evidence(cx: &Ctx) -> String {
    match cx.facts.jvm.as_ref() {
        Some(j) => {
            let v = j.version.as_deref().unwrap_or("?");
            match (&j.home, j.version_source.as_str()) {
                (Some(home), "release file") => format!("{home}/release: JAVA_VERSION=\"{v}\""),
                (_, src) => format!("Java {v} ({src})"),
            }
        }
        None => "no Java".into(),
    }
}

/// The first version of this feature line that reads this cgroup version.
fn upgrade_for(cg: CgroupVersion) -> &'static str {
    match cg {
        CgroupVersion::V2 => "8u372, 11.0.16, or 15 and later (cgroup v2 support, JDK-8230305)",
        _ => "8u191, or 10 and later (UseContainerSupport, JDK-8146115)",
    }
}

/// Where a JDK finding points in a file: the `-XX:-UseContainerSupport` that switches it off,
/// else the image that names the JDK.
fn jdk_node(cx: &Ctx) -> Option<super::Node> {
    let off = cx
        .user
        .options
        .iter()
        .rev()
        .find(|o| o.option == "-XX:-UseContainerSupport");
    off.and_then(|o| cx.option_node(o))
        .or(cx.nodes.and_then(|n| n.image))
}

fn has_limit(cx: &Ctx) -> bool {
    matches!(cx.facts.memory.limit, Limit::Limited { .. })
        || matches!(cx.facts.cpu.limit, Limit::Limited { .. })
}

pub static JVM_BLIND_TO_CGROUP: Rule = Rule {
    id: "jvm-blind-to-cgroup",
    severity: Severity::Error,
    family: Family::Jvm,
    applies: Applies::Both,
    name: "JvmBlindToCgroup",
    summary: "The Java found (or assumed) does not read this cgroup version's limits.",
    description: "Such a JVM sizes its heap from host RAM and its GC and JIT threads from the host's CPUs: the kernel OOM-kills it and the CPU quota throttles it.",
    help: "Upgrade the JDK (cgroup v1: 8u191, 10; cgroup v2: 8u372, 11.0.16, 15), or state the limits with flags (ctune jvm prints them, ctune exec applies them).",
};

fn jvm_blind_to_cgroup(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let Some(v) = cx.java else { return };
    let cg = f.cgroup.version;
    if cg == CgroupVersion::None || !has_limit(cx) {
        return;
    }
    let off = cx.user.container_support_off();
    let aware = cx.advice.jvm_view.container_aware && !off;
    if aware {
        return;
    }
    let host_ram = *f.memory.host_total_bytes.known().unwrap_or(&0);
    let host_cpus = f
        .cpu
        .cpuset_count
        .known()
        .or(f.cpu.host_count.known())
        .copied();
    // What a blind JVM picks: a quarter of host RAM, every CPU it may run on.
    let blind_heap = if off {
        default_max_heap(host_ram.min(MAX_RAM), Gc::Serial)
    } else {
        cx.advice.jvm_view.max_heap_bytes
    };
    let mut effects = Vec::new();
    let mut severity = Severity::Warning;
    let mut evidence = vec![java_evidence(cx)];
    if let Limit::Limited { value, source, .. } = &f.memory.limit {
        severity = Severity::Error;
        // A file does not say how much RAM the node has (the facts hold a stand-in above the
        // limit): no number for it, nor for the heap it gives.
        effects.push(if cx.nodes.is_some() {
            format!(
                "sizes its heap from the node's RAM (a quarter of it), not from the {} limit, so the kernel OOM-kills it instead of the GC collecting",
                size(*value)
            )
        } else {
            format!(
                "sizes its heap from host RAM ({}), a {} default heap under a {} limit, so the kernel OOM-kills it instead of the GC collecting",
                size(host_ram),
                size(blind_heap),
                size(*value)
            )
        });
        evidence.push(format!("{source}: {value}"));
    }
    if let Limit::Limited { value, source, .. } = &f.cpu.limit {
        if let Some(n) = host_cpus {
            effects.push(format!(
                "runs GC and JIT threads for {n} CPUs under a {} quota, so it is throttled in bursts",
                cpus(*value)
            ));
        }
        evidence.push(format!("{source}: {}", cpus(*value)));
    }
    // The JDK reads this cgroup version, but its detection failed on /proc/cgroups.
    let reads_version = match cg {
        CgroupVersion::V1 => v.reads_cgroup_v1(),
        _ => v.reads_cgroup_v2(),
    };
    let proc_cgroups_cause = (!off && reads_version)
        .then(|| cx.advice.jvm_view.blind_reason.clone())
        .flatten();
    let view = &cx.advice.jvm_view;
    if let (true, Some(r)) = (view.will_not_start, &view.blind_reason) {
        severity = Severity::Error;
        effects.insert(0, format!("does not start at all ({r})"));
    }
    if proc_cgroups_cause.is_some() {
        if let Some(lines) = f.cgroup.proc_cgroups.known() {
            let listed: Vec<String> = lines
                .iter()
                .filter(|l| crate::jvm::ergonomics::REQUIRED_CONTROLLERS.contains(&l.name.as_str()))
                .map(|l| {
                    format!(
                        "{} (hierarchy {}, enabled {})",
                        l.name,
                        l.hierarchy,
                        u8::from(l.enabled)
                    )
                })
                .collect();
            evidence.push(format!("/proc/cgroups lists: {}", listed.join(", ")));
        }
    }
    let why = if let Some(cause) = &proc_cgroups_cause {
        format!("its container detection gave up: {cause}")
    } else if off {
        let o = cx
            .user
            .options
            .iter()
            .rev()
            .find(|o| o.option == "-XX:-UseContainerSupport");
        if let Some(o) = o {
            evidence.push(format!("{} ({})", o.option, o.source));
        }
        "-XX:-UseContainerSupport switches its container support off".to_owned()
    } else if !v.reads_cgroup_v1() {
        "it predates container support".to_owned()
    } else {
        format!("it reads cgroup v1 only and this is cgroup {}", cg.as_str())
    };
    let flags = advised(
        cx.advice,
        &[
            "-XX:-UseContainerSupport",
            "-Xmx",
            "-XX:ActiveProcessorCount",
            "-XX:ParallelGCThreads",
            "-XX:CICompilerCount",
        ],
    );
    let mut fix = if proc_cgroups_cause.is_some() {
        match cg {
            CgroupVersion::V2 => "Upgrade to a JDK with JDK-8349988 (25; 11.0.32), which finds cgroup v2 without /proc/cgroups".to_owned(),
            _ => "Run on a kernel that lists (and enables) the cpu, cpuset, cpuacct and memory v1 controllers in /proc/cgroups, or move to cgroup v2 with JDK 25".to_owned(),
        }
    } else if off {
        "Remove -XX:-UseContainerSupport from the options".to_owned()
    } else {
        format!("Upgrade the JDK to {}", upgrade_for(cg))
    };
    if flags.is_empty() {
        fix.push_str(", or state the limits with flags (`ctune jvm` prints them for this JDK).");
    } else {
        fix.push_str(&format!(
            ". Until then state the limits: `{}` (`ctune jvm` prints them, `ctune exec` applies them).",
            flags.join(" ")
        ));
    }
    out.push(Finding {
        rule: &JVM_BLIND_TO_CGROUP,
        severity,
        title: if proc_cgroups_cause.is_some() {
            format!("JDK {v} does not read the cgroup {} limits: /proc/cgroups lacks a controller it requires", cg.as_str())
        } else {
            format!("JDK {v} does not read the cgroup {} limits", cg.as_str())
        },
        detail: format!(
            "JDK {v} sees the host, not the container: {why}. It {}.",
            super::list(&effects)
        ),
        fix,
        evidence,
        at: jdk_node(cx),
    });
}

pub static JVM_WITHOUT_CONTAINER_SUPPORT: Rule = Rule {
    id: "jvm-without-container-support",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Both,
    name: "JvmWithoutContainerSupport",
    summary: "The Java has no container support at all (before 8u191), or it is switched off.",
    description: "Without UseContainerSupport the JVM has no -XX:ActiveProcessorCount or -XX:MaxRAMPercentage either: every thread pool and the heap must be sized by hand and re-sized whenever the limits change.",
    help: "Upgrade to 8u372, 11.0.16, 17 or later, and remove -XX:-UseContainerSupport from the options.",
};

fn jvm_without_container_support(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let Some(v) = cx.java else { return };
    let off = cx.user.container_support_off();
    if v.reads_cgroup_v1() && !off {
        return;
    }
    if !f.container.detected && !has_limit(cx) {
        return;
    }
    let mut evidence = vec![java_evidence(cx)];
    let (title, detail, fix) = if !v.reads_cgroup_v1() {
        (
            format!("JDK {v} has no container support at all"),
            format!(
                "JDK {v} predates UseContainerSupport (8u191): it reads no cgroup limit in any cgroup version, and it lacks the flags that correct it simply (-XX:ActiveProcessorCount, -XX:MaxRAMPercentage). Heap and every thread pool (ParallelGCThreads, CICompilerCount, the ForkJoin common pool) must be sized by hand and re-sized whenever the limits change{}.",
                if v.has_cgroup_memory_limit_for_heap() {
                    "; the experimental -XX:+UseCGroupMemoryLimitForHeap reads only the v1 memory limit"
                } else {
                    ""
                }
            ),
            "Upgrade to 8u372, 11.0.16, 17 or later: they read cgroup v1 and v2. Until then `ctune jvm` prints explicit heap and thread flags for this JDK.".to_owned(),
        )
    } else {
        if let Some(o) = cx
            .user
            .options
            .iter()
            .rev()
            .find(|o| o.option == "-XX:-UseContainerSupport")
        {
            evidence.push(format!("{} ({})", o.option, o.source));
        }
        (
            "Container support is switched off (-XX:-UseContainerSupport)".to_owned(),
            format!(
                "JDK {v} could read the cgroup limits, but -XX:-UseContainerSupport tells it to ignore them: it sizes heap and threads from the host, and -XX:ActiveProcessorCount and the RAM percentages are all that is left to correct it."
            ),
            "Remove -XX:-UseContainerSupport from the JVM options.".to_owned(),
        )
    };
    out.push(Finding {
        rule: &JVM_WITHOUT_CONTAINER_SUPPORT,
        severity: Severity::Warning,
        title,
        detail,
        fix,
        evidence,
        at: jdk_node(cx),
    });
}

pub static CPU_COUNT_FROM_SHARES: Rule = Rule {
    id: "cpu-count-from-shares",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Both,
    name: "CpuCountFromShares",
    summary: "The JVM will size itself from cpu shares or weight instead of a quota.",
    description: "JDKs before 17.0.5, 18.0.2 and 19 (JDK-8281181) take ceil(shares/1024) as their CPU count when no quota is set, but shares are a relative weight (a Kubernetes CPU request), not a limit: a small request gives one GC and JIT thread on a machine with many free CPUs.",
    help: "Pass -XX:ActiveProcessorCount=N, set a CPU limit, or upgrade to 17.0.5+ / 19+.",
};

fn cpu_count_from_shares(cx: &Ctx, out: &mut Vec<Finding>) {
    if let Some(n) = cx.nodes {
        return file_shares(cx, n, out);
    }
    let f = cx.facts;
    let Some(v) = cx.java else { return };
    let view = &cx.advice.jvm_view;
    if !view.container_aware
        || cx.user.container_support_off()
        || !v.counts_cpu_shares()
        || view.cpu_limit_seen.is_some()
        || cx.user.active_processor_count().is_some()
    {
        return;
    }
    let (shares, evidence_line) = match f.cgroup.version {
        CgroupVersion::V1 => match f.cpu.shares.known() {
            Some(&s) if s != 1024 => (
                s,
                format!(
                    "{}/cpu.shares: {s}",
                    f.cgroup.cpu_dir.as_deref().unwrap_or("(cpu cgroup)")
                ),
            ),
            _ => return,
        },
        CgroupVersion::V2 => match f
            .cpu
            .weight
            .known()
            .and_then(|&w| shares_from_weight(w).map(|s| (w, s)))
        {
            Some((w, s)) => (
                s,
                format!(
                    "{}/cpu.weight: {w} (HotSpot maps it to {s} shares)",
                    f.cgroup.cpu_dir.as_deref().unwrap_or("(cpu cgroup)")
                ),
            ),
            None => return,
        },
        CgroupVersion::None => return,
    };
    let allowed = f
        .cpu
        .cpuset_count
        .known()
        .or(f.cpu.host_count.known())
        .copied()
        .unwrap_or(1);
    let jvm_cpus = view.active_processor_count;
    if jvm_cpus == allowed {
        return;
    }
    let n = cx.advice.recommended.active_processor_count;
    out.push(Finding {
        rule: &CPU_COUNT_FROM_SHARES,
        severity: Severity::Warning,
        title: format!(
            "JDK {v} will use {jvm_cpus} CPU{} from cpu shares {shares}, not the {allowed} it may run on",
            if jvm_cpus == 1 { "" } else { "s" }
        ),
        detail: format!(
            "With no CPU quota, JDK {v} takes ceil(shares / 1024) = {jvm_cpus} as its processor count (fixed in 17.0.5, 18.0.2 and 19 by JDK-8281181). Shares are a relative weight (Kubernetes derives them from the CPU request), not a limit: the process may use {allowed} CPUs, yet the JVM sizes GC threads, JIT compiler threads and the ForkJoin common pool for {jvm_cpus}, which slows start-up and collections."
        ),
        fix: format!(
            "Pass `-XX:ActiveProcessorCount={n}`, or set a CPU limit so the JVM sizes itself from the quota, or upgrade to 17.0.5 / 19 or later."
        ),
        evidence: vec![
            evidence_line,
            match &f.cpu.limit {
                Limit::Unlimited { why, .. } => why.clone(),
                _ => "no CPU quota".to_owned(),
            },
            java_evidence(cx),
        ],
        at: None,
    });
}

/// `cpu-count-from-shares` for a file target: the node's CPU count is unknown, so the finding
/// says what the JVM will use (ceil(shares/1024)) against "whatever the node has". Only when
/// the shares are known (a manifest's request, or `--assume cpus=` for a Dockerfile).
fn file_shares(cx: &Ctx, n: &super::Nodes, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let Some(v) = cx.java else { return };
    let Some(shares) = n.shares else { return };
    let view = &cx.advice.jvm_view;
    let user = &cx.user;
    if !v.counts_cpu_shares()
        || !view.container_aware
        || user.container_support_off()
        || f.cpu.limit.value().is_some()
        || user.active_processor_count().is_some()
    {
        return;
    }
    if f.cgroup.version == CgroupVersion::V1 && shares == 1024 {
        // 1024 shares is "no shares" to HotSpot on v1.
        return;
    }
    let jvm_cpus = shares.div_ceil(1024).max(1);
    let req_txt = n
        .cpu_request_value
        .map_or("no CPU request".to_owned(), |r| {
            format!("a CPU request of {}", cpus(r))
        });
    let evidence = match n.cpu_request_value {
        Some(r) => cx.quote(n.cpu_request, &format!("CPU request {r}"), String::new),
        None => cx.quote(None, "no CPU request or limit (2 shares)", String::new),
    };
    out.push(Finding {
        rule: &CPU_COUNT_FROM_SHARES,
        severity: Severity::Warning,
        title: format!(
            "JDK {v} will size itself for {jvm_cpus} CPU{} from cpu shares {shares} ({req_txt}), not the CPUs of the node",
            if jvm_cpus == 1 { "" } else { "s" }
        ),
        detail: format!(
            "With no CPU limit, JDK {v} takes ceil(shares / 1024) = {jvm_cpus} as its processor count (fixed in 17.0.5, 18.0.2 and 19 by JDK-8281181). The kubelet derives the shares from the CPU request ({shares} = request in millicores x 1024 / 1000); they are a relative weight, not a limit: the container may use every idle CPU of the node, yet the JVM sizes GC threads, JIT compiler threads and the ForkJoin common pool for {jvm_cpus}."
        ),
        fix: "Pass `-XX:ActiveProcessorCount=N` for the CPUs it should use, or set `resources.limits.cpu` so the JVM sizes itself from the quota, or upgrade to 17.0.5 / 19 or later.".into(),
        evidence: vec![evidence],
        at: n.cpu_request,
    });
}

pub static HEAP_EXCEEDS_MEMORY_LIMIT: Rule = Rule {
    id: "heap-exceeds-memory-limit",
    severity: Severity::Error,
    family: Family::Jvm,
    applies: Applies::Both,
    name: "HeapExceedsMemoryLimit",
    summary: "An -Xmx (or a heap percentage) in the user's own options leaves no room under the memory limit.",
    description: "Metaspace, the code cache, thread stacks, direct buffers and GC structures live outside the heap: a heap this close to the limit gets the JVM OOM-killed before it ever throws OutOfMemoryError.",
    help: "Lower -Xmx to what the limit leaves after off-heap memory (ctune jvm computes it), or raise the limit.",
};

fn heap_exceeds_memory_limit(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let Limit::Limited {
        value: limit,
        source,
        ..
    } = &f.memory.limit
    else {
        return;
    };
    let limit = *limit;
    let Some(setting) = cx.user.max_heap() else {
        return;
    };
    let view = &cx.advice.jvm_view;
    let (heap, opt, how) = match &setting {
        HeapSetting::Bytes(b, o) => (*b, o, String::new()),
        HeapSetting::Percent(p, o) => {
            let phys = if cx.user.container_support_off() {
                f.memory
                    .host_total_bytes
                    .known()
                    .copied()
                    .unwrap_or(view.physical_memory_bytes)
            } else {
                view.physical_memory_bytes
            };
            let heap = (phys as f64 * p / 100.0) as u64;
            (
                heap,
                o,
                format!(" ({p}% of the {} the JVM sizes itself from)", size(phys)),
            )
        }
    };
    let b = &cx.advice.recommended.budget;
    let needed = b.non_heap().min(limit / 4);
    // Graded: below the smallest non-heap the JVM can run with (every part at its floor) it
    // will be killed; below only the profile's estimate it may be, under load.
    let floor = cx.advice.non_heap_floor.unwrap_or(needed);
    let severity = if heap.saturating_add(floor) > limit {
        Severity::Error
    } else if heap.saturating_add(needed) > limit {
        Severity::Warning
    } else {
        return;
    };
    let left = limit.saturating_sub(heap);
    let verdict = if severity == Severity::Error {
        format!(
            "That is less than even the smallest non-heap this JVM runs with, every part squeezed to its floor ({}): the kernel OOM-kills the JVM (exit 137) before the heap fills and before it can throw OutOfMemoryError.",
            size(floor)
        )
    } else {
        format!(
            "That is more than the {} the JVM needs at the least (every part squeezed to its floor), so it may run, but less than the profile's estimate: under load (more threads, classes, direct buffers) the kernel OOM-kills it (exit 137) before the heap fills.",
            size(floor)
        )
    };
    let budget_heap = b.heap;
    out.push(Finding {
        rule: &HEAP_EXCEEDS_MEMORY_LIMIT,
        severity,
        title: format!(
            "{} asks for a {} heap under a {} limit",
            opt.option,
            size(heap),
            size(limit)
        ),
        detail: format!(
            "{} (from {}) gives the heap {}{how}, which leaves {} of the {} limit for everything that is not heap. The budget for this profile puts that at {} (metaspace {}, code cache {}, thread stacks {}, direct buffers {}, page cache reserve {}, headroom {}); less than {} left is a finding here (the budget, or a quarter of the limit if that is less). {verdict}",
            opt.option,
            opt.source,
            size(heap),
            size(left),
            size(limit),
            size(b.non_heap()),
            size(b.metaspace),
            size(b.code_cache),
            size(b.thread_stacks),
            size(b.direct),
            size(b.page_cache_reserve),
            size(b.headroom),
            size(needed)
        ),
        fix: format!(
            "Lower the heap to what the budget leaves: `-Xmx{}m` is the {} limit less the {} the budget keeps for what is not heap (`ctune jvm` shows each part). Or raise the memory limit to at least {}.",
            budget_heap >> 20,
            size(limit),
            size(limit.saturating_sub(budget_heap)),
            size(heap + needed)
        ),
        evidence: vec![
            format!("{} ({})", opt.option, opt.source),
            format!("{source}: {limit}"),
        ],
        at: cx
            .option_node(opt)
            .or(cx.nodes.and_then(|n| n.memory_limit)),
    });
}

#[cfg(test)]
mod tests {
    use super::super::test_facts::*;
    use super::super::Severity;
    use crate::facts::*;

    /// Each way the user's own options stop the JVM (each verified on the real JVMs in
    /// tests/integration/exec_differential.rs), and the heap findings beside them.
    #[test]
    fn options_the_jvm_refuses() {
        let mut f = container();
        set_java(&mut f, "17.0.15");
        let rejected = |f: &Facts, cmd: &[&str]| ids(f, cmd).contains(&"jvm-option-rejected");
        assert!(!rejected(&f, &["-Xms1g", "-Xmx2g", "-XX:+UseSerialGC"]));
        assert!(rejected(&f, &["-Xms2g", "-Xmx1g"]));
        assert!(rejected(&f, &["-XX:+UseSerialGC", "-XX:+UseG1GC"]));
        assert!(!rejected(
            &f,
            &["-XX:+UseSerialGC", "-XX:-UseSerialGC", "-XX:+UseG1GC"]
        ));
        // 2 CPUs and 2 GiB: the JVM would pick G1.
        assert!(rejected(&f, &["-XX:-UseG1GC"]));
        assert!(!rejected(&f, &["-XX:-UseG1GC", "-XX:+UseParallelGC"]));
        assert!(rejected(
            &f,
            &[
                "-XX:InitialCodeCacheSize=64m",
                "-XX:ReservedCodeCacheSize=32m"
            ]
        ));
        assert!(rejected(&f, &["-XX:+UseParallelOldGC"]));
        assert!(
            !rejected(&f, &["-XX:-UseBiasedLocking"]),
            "deprecated on 17"
        );
        set_java(&mut f, "25.0.2");
        assert!(rejected(&f, &["-XX:MaxRAMFraction=2"]));
        assert!(rejected(&f, &["-XX:-UseBiasedLocking"]));
        set_java(&mut f, "11.0.13");
        assert!(!rejected(&f, &["-XX:-UseBiasedLocking"]));
        assert!(rejected(&f, &["-XX:MinHeapSize=100m"]));
        assert!(rejected(&f, &["-XX:+UseZGC"]));
        assert!(!rejected(
            &f,
            &["-XX:+UnlockExperimentalVMOptions", "-XX:+UseZGC"]
        ));
        f.env = vec![("JAVA_TOOL_OPTIONS".into(), "-Dx='unterminated".into())];
        assert!(rejected(&f, &[]));
        f.env = vec![("_JAVA_OPTIONS".into(), "-XX:VMOptionsFile=/x".into())];
        assert!(rejected(&f, &[]));
        f.env.clear();
        let x = finding(
            &f,
            &["java", "-Xms1900m", "-jar", "a.jar"],
            "initial-heap-exceeds-budget",
        );
        assert!(x.detail.contains("raises -Xmx"), "{}", x.detail);
        assert_eq!(x.severity, Severity::Warning);
        assert!(!ids(&f, &["-Xms100m"]).contains(&"initial-heap-exceeds-budget"));
        // At or above the 2 GiB limit it is the error -Xmx there is, in true numbers.
        for cmd in [
            &["java", "-Xms3g", "-jar", "a.jar"][..],
            &["java", "-XX:InitialHeapSize=2g", "-jar", "a.jar"],
            &["java", "-XX:MinHeapSize=2100m", "-jar", "a.jar"],
        ] {
            let x = finding(&f, cmd, "initial-heap-exceeds-budget");
            assert_eq!(x.severity, Severity::Error, "{cmd:?}");
            assert!(x.title.contains("under a 2048 MiB limit"), "{}", x.title);
            assert!(x.detail.contains("nothing is left"), "{}", x.detail);
        }
        let x = finding(
            &f,
            &["java", "-Xmx3g", "-jar", "a.jar"],
            "heap-exceeds-memory-limit",
        );
        assert_eq!(x.severity, Severity::Error);
        let x = finding(
            &f,
            &["-Xmx1g", "-XX:MaxRAMPercentage=50"],
            "heap-option-contradicted",
        );
        assert!(x.detail.contains("MaxRAMPercentage=50"), "{}", x.detail);
        f.env = vec![("JAVA_TOOL_OPTIONS".into(), "-Xmx512m".into())];
        assert!(ids(&f, &["-Xmx1g"]).contains(&"heap-option-contradicted"));
        assert!(!ids(&f, &["-Xmx512m"]).contains(&"heap-option-contradicted"));
    }

    #[test]
    fn blind_jvms_by_cgroup_version() {
        let mut f = container();
        set_java(&mut f, "11.0.13");
        let x = finding(&f, &[], "jvm-blind-to-cgroup");
        assert_eq!(x.severity, Severity::Error);
        assert!(x.title.contains("cgroup v2"), "{}", x.title);
        assert!(x.fix.contains("11.0.16"), "{}", x.fix);
        assert!(x.fix.contains("-Xmx"), "{}", x.fix);
        assert!(!ids(&f, &[]).contains(&"jvm-without-container-support"));
        f.cgroup.version = CgroupVersion::V1;
        assert!(!ids(&f, &[]).contains(&"jvm-blind-to-cgroup"));
        // JDK 8 before 8u191: blind on v1 too, and without container support at all.
        set_java(&mut f, "1.8.0_121");
        let got = ids(&f, &[]);
        assert!(got.contains(&"jvm-blind-to-cgroup"), "{got:?}");
        assert!(got.contains(&"jvm-without-container-support"), "{got:?}");
        // No Java: nothing version-dependent.
        f.jvm = None;
        let got = ids(&f, &[]);
        assert!(!got.contains(&"jvm-blind-to-cgroup"), "{got:?}");
    }

    /// A JDK that reads the cgroup version but whose detection gives up on /proc/cgroups: the
    /// finding names that cause, and the crash when there is one.
    #[test]
    fn blind_because_of_proc_cgroups() {
        let mut f = container();
        f.cgroup.version = CgroupVersion::V1;
        set_java(&mut f, "17.0.15");
        assert!(!ids(&f, &[]).contains(&"jvm-blind-to-cgroup"));
        f.cgroup.proc_cgroups = crate::facts::Fact::Known(crate::parse::proc_cgroups::parse(
            "cpu 1 1 1\ncpuacct 2 1 1\nmemory 4 3 1\n",
        ));
        let x = finding(&f, &[], "jvm-blind-to-cgroup");
        assert!(x.title.contains("/proc/cgroups"), "{}", x.title);
        assert!(x.detail.contains("'cpuset'"), "{}", x.detail);
        assert!(
            x.evidence
                .iter()
                .any(|e| e.starts_with("/proc/cgroups lists: cpu (hierarchy 1")),
            "{:?}",
            x.evidence
        );
        set_java(&mut f, "21.0.8");
        let x = finding(&f, &[], "jvm-blind-to-cgroup");
        assert_eq!(x.severity, Severity::Error);
        assert!(x.detail.contains("does not start"), "{}", x.detail);
        assert!(x.fix.contains("-XX:-UseContainerSupport"), "{}", x.fix);
    }

    #[test]
    fn container_support_switched_off() {
        let mut f = container();
        f.env.push((
            "JAVA_TOOL_OPTIONS".into(),
            "-XX:-UseContainerSupport".into(),
        ));
        let x = finding(&f, &[], "jvm-without-container-support");
        assert!(x
            .evidence
            .contains(&"-XX:-UseContainerSupport (JAVA_TOOL_OPTIONS)".to_owned()));
        let x = finding(&f, &[], "jvm-blind-to-cgroup");
        assert!(
            x.fix.starts_with("Remove -XX:-UseContainerSupport"),
            "{}",
            x.fix
        );
    }

    #[test]
    fn shares_only_count_on_old_jdks_without_a_quota() {
        let mut f = container();
        f.cgroup.version = CgroupVersion::V1;
        f.cpu.limit = Limit::unlimited("no quota");
        f.cpu.shares = Fact::Known(256);
        f.cpu.weight = Fact::NotApplicable;
        set_java(&mut f, "11.0.13");
        let x = finding(&f, &[], "cpu-count-from-shares");
        assert!(x.title.contains("1 CPU from cpu shares 256"), "{}", x.title);
        assert!(x.fix.contains("-XX:ActiveProcessorCount=8"), "{}", x.fix);
        // The user already set the count.
        assert!(!ids(&f, &["-XX:ActiveProcessorCount=8"]).contains(&"cpu-count-from-shares"));
        // 17.0.5 ignores shares.
        set_java(&mut f, "17.0.5");
        assert!(!ids(&f, &[]).contains(&"cpu-count-from-shares"));
        // A quota wins over shares.
        set_java(&mut f, "11.0.13");
        f.cpu.limit = Limit::limited(2.0, "/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
        assert!(!ids(&f, &[]).contains(&"cpu-count-from-shares"));
        // v2 weight 39 (shares 1024 through the old OCI mapping) is not "unset" to HotSpot.
        let mut f = container();
        f.cpu.limit = Limit::unlimited("max");
        f.cpu.weight = Fact::Known(10);
        set_java(&mut f, "11.0.16");
        assert!(ids(&f, &[]).contains(&"cpu-count-from-shares"));
    }

    #[test]
    fn heap_against_the_limit() {
        let f = container();
        let x = finding(
            &f,
            &["java", "-Xmx2g", "-jar", "a.jar"],
            "heap-exceeds-memory-limit",
        );
        assert_eq!(x.severity, Severity::Error);
        assert_eq!(x.evidence[0], "-Xmx2g (command line)");
        assert!(x.detail.contains("leaves 0 MiB"), "{}", x.detail);
        // The numbers it names add up: what is left, the budget for what is not heap, the
        // threshold, and a fix whose -Xmx leaves exactly what it says.
        let b = advice(&f, &[]).recommended.budget;
        let threshold = b.non_heap().min(512 << 20) >> 20;
        assert!(
            x.detail
                .contains(&format!("less than {threshold} MiB left")),
            "{}",
            x.detail
        );
        assert!(
            x.fix.contains(&format!(
                "`-Xmx{}m` is the 2048 MiB limit less the {}",
                b.heap >> 20,
                crate::units::bytes((2048 << 20) - b.heap)
            )),
            "{}",
            x.fix
        );
        assert!(!ids(&f, &["-Xmx1g"]).contains(&"heap-exceeds-memory-limit"));
        assert!(ids(&f, &["-XX:MaxRAMPercentage=95"]).contains(&"heap-exceeds-memory-limit"));
        assert!(!ids(&f, &["-XX:MaxRAMPercentage=70"]).contains(&"heap-exceeds-memory-limit"));
        // No limit: nothing to exceed (memory-limit-unset says the rest).
        let mut f = container();
        f.memory.limit = Limit::unlimited("max");
        assert!(!ids(&f, &["-Xmx64g"]).contains(&"heap-exceeds-memory-limit"));
    }

    #[test]
    fn a_limit_too_small_for_the_profile_is_a_finding() {
        let mut f = container();
        f.memory.limit = Limit::Limited {
            value: 128 << 20,
            source: "/sys/fs/cgroup/memory.max".into(),
            inherited: false,
            note: None,
            own: None,
        };
        let x = finding(&f, &[], "jvm-budget-exceeds-limit");
        let total = advice(&f, &[]).recommended.budget.total();
        assert!(total > 128 << 20);
        assert_eq!(x.severity, Severity::Warning);
        assert!(
            x.title
                .contains(&format!("needs {}", crate::units::bytes(total))),
            "{}",
            x.title
        );
        // The advisor says the same under `ctune jvm`.
        assert!(advice(&f, &[])
            .warnings
            .iter()
            .any(|w| w.contains("too small for the default profile even after squeezing")));
        // The user's own heap: heap-exceeds-memory-limit speaks instead.
        assert!(!ids(&f, &["-Xmx100m"]).contains(&"jvm-budget-exceeds-limit"));
        // 2 GiB fits; no Java known, no JVM finding.
        assert!(!ids(&container(), &[]).contains(&"jvm-budget-exceeds-limit"));
        f.jvm = None;
        assert!(!ids(&f, &[]).contains(&"jvm-budget-exceeds-limit"));
    }
}
