//! Checks on the JVMs that are running (`java_processes`), against the container they run in.
//!
//! The other families judge the environment and the Java on disk; these judge what a live JVM
//! actually did with it, from its perf-data counters and `/proc`: the heap it may grow to plus
//! what it already holds outside the heap (the "OOM-killed while the heap was half empty"
//! story), resident memory near the limit with the heap mostly free (native memory), time in
//! GC pauses, a processor count the CPU quota does not give, and flags that differ from the
//! advice. A JVM in another cgroup than the inspected process is not judged against that
//! cgroup's limits.

use super::{cpus, list, pct, size, Ctx, Finding, Severity};
use super::{Applies, Family, Rule};
use crate::facts::{JavaProcess, Limit};
use crate::jvm::{ergonomics, version::JavaVersion};

/// Resident memory at or above this percentage of the limit is near it.
pub const RSS_NEAR_LIMIT_PERCENT: u64 = 85;
/// A heap with less than this percentage of its maximum in use is mostly free.
pub const HEAP_MOSTLY_FREE_PERCENT: u64 = 50;
/// A share of the JVM's lifetime in GC pauses at or above this is notable...
pub const GC_SHARE_PERCENT: f64 = 10.0;
/// ...once it adds up to at least this many seconds (a young JVM's first collections are not).
pub const GC_MIN_SECONDS: f64 = 0.5;

pub(super) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let procs: Vec<&JavaProcess> = cx.facts.java_processes.iter().collect();
    if procs.is_empty() {
        return;
    }
    // Judged against this cgroup's limits: only JVMs known to be in it (a JVM whose cgroup
    // could not be read may be bound by other limits).
    let here: Vec<&JavaProcess> = procs
        .iter()
        .copied()
        .filter(|p| p.same_cgroup == Some(true))
        .collect();
    heap_over_limit(cx, &here, out);
    native_memory(cx, &here, out);
    gc_overhead(cx, &here, out);
    super::pressure::gc_overhead_now(cx, &here, out);
    cpu_count(cx, &here, out);
    flags_differ(cx, &procs, out);
}

fn name(p: &JavaProcess) -> String {
    match p.command.known() {
        Some(c) => format!("JVM {} ({})", p.pid, c.rsplit('/').next().unwrap_or(c)),
        None => format!("JVM {}", p.pid),
    }
}

/// Off-heap memory the JVM already holds: resident memory beyond the committed heap, or at
/// least its committed metaspace.
fn non_heap(p: &JavaProcess) -> Option<(u64, String)> {
    let meta = p.metaspace_committed_bytes.known().copied();
    let beyond = match (p.rss_bytes.known(), p.heap_committed_bytes.known()) {
        (Some(r), Some(h)) => Some(r.saturating_sub(*h)),
        _ => None,
    };
    match (beyond, meta) {
        (Some(b), Some(m)) if m > b => Some((m, "committed metaspace".into())),
        (Some(b), _) => Some((b, "resident memory beyond the committed heap".into())),
        (None, Some(m)) => Some((m, "committed metaspace".into())),
        (None, None) => None,
    }
}

fn limit_evidence(cx: &Ctx) -> Option<(u64, String)> {
    match &cx.facts.memory.limit {
        Limit::Limited { value, source, .. } => {
            Some((*value, format!("{source}: memory limit {}", size(*value))))
        }
        _ => None,
    }
}

pub static RUNNING_HEAP_EXCEEDS_MEMORY_LIMIT: Rule = Rule {
    id: "running-heap-exceeds-memory-limit",
    severity: Severity::Error,
    family: Family::Jvm,
    applies: Applies::Live,
    name: "RunningHeapExceedsMemoryLimit",
    summary: "A running JVM's maximum heap plus what it already holds outside the heap is more than the memory limit.",
    description: "The heap grows towards its maximum while metaspace, the code cache, thread stacks and native buffers stay where they are: when the sum passes the limit the kernel OOM-kills the JVM (exit 137) with no OutOfMemoryError and a heap that may look half empty.",
    help: "Lower -Xmx to what the limit leaves after the off-heap memory the JVM holds (ctune jvm prints a budget), or raise the limit.",
};

fn heap_over_limit(cx: &Ctx, procs: &[&JavaProcess], out: &mut Vec<Finding>) {
    let Some((limit, limit_ev)) = limit_evidence(cx) else {
        return;
    };
    for p in procs {
        // Without perf data, the -Xmx on its command line says the same.
        let flags = p.flags.known().map(Vec::as_slice).unwrap_or(&[]);
        let (max, max_src) = match p.max_heap_bytes.known() {
            Some(&m) => (m, p.source.clone().unwrap_or_else(|| "perf data".into())),
            None => match flags
                .iter()
                .rev()
                .find_map(|f| f.strip_prefix("-Xmx"))
                .and_then(crate::jvm::options::parse_jvm_size)
            {
                Some(m) => (m, format!("-Xmx on the command line of process {}", p.pid)),
                None => continue,
            },
        };
        let (off, how) = non_heap(p).unwrap_or((0, "not known".into()));
        let need = max.saturating_add(off);
        if need <= limit {
            continue;
        }
        let mut evidence = vec![
            limit_ev.clone(),
            format!("{max_src}: max heap {}", size(max)),
        ];
        if let Some(c) = p.heap_committed_bytes.known() {
            evidence.push(format!("heap committed {}", size(*c)));
        }
        if let Some(u) = p.heap_used_bytes.known() {
            evidence.push(format!("heap used {}", size(*u)));
        }
        if let Some(r) = p.rss_bytes.known() {
            evidence.push(format!("/proc/{}/status VmRSS {}", p.pid, size(*r)));
        }
        if let Some(m) = p.metaspace_committed_bytes.known() {
            evidence.push(format!("metaspace committed {}", size(*m)));
        }
        if let Some(t) = p.threads.known() {
            evidence.push(format!("{t} live Java threads"));
        }
        out.push(Finding {
            rule: &RUNNING_HEAP_EXCEEDS_MEMORY_LIMIT,
            severity: Severity::Error,
            title: format!(
                "{} may grow its heap to {} and holds at least {} outside it: {} against a {} limit",
                name(p),
                size(max),
                size(off),
                size(need),
                size(limit)
            ),
            detail: format!(
                "The heap grows towards its maximum before the collector works hard to stay small, and the kernel counts every page the JVM touches: the heap, and off it metaspace, the code cache, thread stacks, GC structures and native buffers (at least {} now: {how}, a lower bound, since committed heap pages are not all resident yet). Together they pass the memory limit, so the kernel's OOM killer ends the process (exit 137, no OutOfMemoryError, no heap dump) while the heap may still look half empty.",
                size(off)
            ),
            fix: format!(
                "Cap the heap: -Xmx{}m is ctune's budget for this limit (`ctune jvm` shows the rest of it; `ctune exec` applies it), or raise the limit to at least {}.",
                cx.advice.recommended.max_heap_bytes >> 20,
                size(need + need / 10)
            ),
            evidence,
            at: None,
        });
        return;
    }
}

pub static RUNNING_NATIVE_MEMORY_NEAR_LIMIT: Rule = Rule {
    id: "running-native-memory-near-limit",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Live,
    name: "RunningNativeMemoryNearLimit",
    summary: "A running JVM's resident memory is near the memory limit while its heap is mostly free.",
    description: "Memory outside the heap (direct buffers, thread stacks, glibc malloc arenas, JNI libraries) is not limited by -Xmx; when it grows the kernel kills the JVM with a mostly free heap.",
    help: "Measure with -XX:NativeMemoryTracking=summary and jcmd VM.native_memory; set MALLOC_ARENA_MAX=2, cap -XX:MaxDirectMemorySize, run fewer threads or smaller stacks (-Xss).",
};

fn native_memory(cx: &Ctx, procs: &[&JavaProcess], out: &mut Vec<Finding>) {
    let Some((limit, limit_ev)) = limit_evidence(cx) else {
        return;
    };
    for p in procs {
        let (Some(&rss), Some(&used), Some(&max)) = (
            p.rss_bytes.known(),
            p.heap_used_bytes.known(),
            p.max_heap_bytes.known(),
        ) else {
            continue;
        };
        if rss.saturating_mul(100) < limit.saturating_mul(RSS_NEAR_LIMIT_PERCENT)
            || used.saturating_mul(100) >= max.saturating_mul(HEAP_MOSTLY_FREE_PERCENT)
        {
            continue;
        }
        let committed = p.heap_committed_bytes.known().copied().unwrap_or(used);
        let native = rss.saturating_sub(committed);
        let threads = p.threads.known().copied();
        let mut evidence = vec![
            limit_ev.clone(),
            format!("/proc/{}/status VmRSS {}", p.pid, size(rss)),
            format!(
                "heap used {} of {} (committed {})",
                size(used),
                size(max),
                size(committed)
            ),
        ];
        if let Some(t) = threads {
            evidence.push(format!("{t} live Java threads"));
        }
        out.push(Finding {
            rule: &RUNNING_NATIVE_MEMORY_NEAR_LIMIT,
            severity: Severity::Warning,
            title: format!(
                "{} holds {} resident ({}% of the {} limit) while its heap is only {}% used: {} is outside the heap",
                name(p),
                size(rss),
                pct(rss, limit),
                size(limit),
                pct(used, max),
                size(native)
            ),
            detail: format!(
                "Memory outside the heap is not governed by -Xmx: direct and mapped byte buffers, thread stacks ({}), glibc malloc arenas (up to 8 per CPU, 64 MiB each on 64-bit), JNI libraries, metaspace and the code cache. When it grows, the kernel OOM-kills the JVM with a heap that is mostly free.",
                threads.map_or("one per thread".to_owned(), |t| format!("{t} threads, up to 1 MiB each by default"))
            ),
            fix: "Find what holds it: start with -XX:NativeMemoryTracking=summary and run `jcmd PID VM.native_memory summary` (a JDK is needed for that), or compare `pmap -x PID` snapshots. Common fixes: MALLOC_ARENA_MAX=2 in the environment, -XX:MaxDirectMemorySize for NIO and Netty buffers, fewer or smaller threads (-Xss512k, smaller pools), and a lower -Xmx so the limit leaves room.".into(),
            evidence,
            at: None,
        });
        return;
    }
}

pub static RUNNING_GC_OVERHEAD: Rule = Rule {
    id: "running-gc-overhead",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Live,
    name: "RunningGcOverhead",
    summary: "A running JVM spends a notable share of its time in GC pauses.",
    description: "Pauses stop the application; a heap too small for its live data, or a collector starved by the CPU quota, collects over and over.",
    help: "Give the heap room for the live set within the limit, or more CPU; with a small quota prefer the Serial or Parallel collector.",
};

fn gc_overhead(cx: &Ctx, procs: &[&JavaProcess], out: &mut Vec<Finding>) {
    for p in procs {
        // With --interval, the share now decides (super::pressure::gc_overhead_now).
        if super::pressure::interval_gc(cx, p.pid).is_some() {
            continue;
        }
        let (Some(&gc), Some(&up)) = (p.gc_time_seconds.known(), p.uptime_seconds.known()) else {
            continue;
        };
        if up <= 0.0 || gc < GC_MIN_SECONDS || 100.0 * gc / up < GC_SHARE_PERCENT {
            continue;
        }
        let share = 100.0 * gc / up;
        let cpu = cx.facts.cpu.limit.value();
        let mut evidence = vec![format!(
            "{}: {:.2} s in GC pauses over {} collections in {:.1} s",
            p.source.as_deref().unwrap_or("perf data"),
            gc,
            p.gc_count.known().map_or("?".into(), |c| c.to_string()),
            up
        )];
        if let Some(c) = cpu {
            evidence.push(format!(
                "{}: CPU limit {}",
                cx.facts.cpu.limit.source().unwrap_or("cpu.limit"),
                cpus(c)
            ));
        }
        if let (Some(u), Some(m)) = (p.heap_used_bytes.known(), p.max_heap_bytes.known()) {
            evidence.push(format!("heap used {} of {}", size(*u), size(*m)));
        }
        let quota = match cpu {
            Some(c) => format!(" Under a CPU limit of {} the collector's threads share the quota with the application, and a throttled period stretches every pause.", cpus(c)),
            None => String::new(),
        };
        out.push(Finding {
            rule: &RUNNING_GC_OVERHEAD,
            severity: Severity::Warning,
            title: format!(
                "{} spent {:.0}% of its {:.0} s in GC pauses",
                name(p),
                share,
                up
            ),
            detail: format!(
                "Time in stop-the-world pauses is time the application does not run: a heap too small for the live data, or a collector starved of CPU, collects over and over.{quota}"
            ),
            fix: "Give the heap room for the live set (a larger -Xmx, within the limit), or give the JVM more CPU; with a small quota prefer -XX:+UseSerialGC or -XX:+UseParallelGC over concurrent collectors that need spare cores.".into(),
            evidence,
            at: None,
        });
        return;
    }
}

/// `-XX:Name=value` in a JVM's flags (the last one wins, as in the JVM).
fn flag_value<'a>(flags: &'a [String], name: &str) -> Option<&'a str> {
    let prefix = format!("-XX:{name}=");
    flags
        .iter()
        .rev()
        .find_map(|f| f.strip_prefix(prefix.as_str()))
}

pub static RUNNING_CPU_COUNT_EXCEEDS_QUOTA: Rule = Rule {
    id: "running-cpu-count-exceeds-quota",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Live,
    name: "RunningCpuCountExceedsQuota",
    summary: "A running JVM sizes its thread pools for more processors than the CPU quota gives.",
    description: "GC workers, JIT compiler threads and the common fork-join pool are sized from the processor count: more runnable threads than the quota exhaust it early in each period and the cgroup is throttled.",
    help: "Start the JVM with -XX:ActiveProcessorCount=N for the quota (ctune exec adds it), or raise the CPU limit.",
};

fn cpu_count(cx: &Ctx, procs: &[&JavaProcess], out: &mut Vec<Finding>) {
    let Some(&effective) = cx.facts.cpu.effective_count.known() else {
        return;
    };
    let Some(limit) = cx.facts.cpu.limit.value() else {
        return;
    };
    let inputs = crate::jvm::advise::inputs(cx.facts);
    for p in procs {
        let flags = p.flags.known().map(Vec::as_slice).unwrap_or(&[]);
        let (count, how) =
            match flag_value(flags, "ActiveProcessorCount").and_then(|v| v.parse::<u32>().ok()) {
                Some(n) => (n, format!("-XX:ActiveProcessorCount={n}")),
                None => {
                    let Some(v) = p.version.known().and_then(|v| JavaVersion::parse(v)) else {
                        continue;
                    };
                    (
                        ergonomics::active_processor_count(v, &inputs),
                        format!(
                            "what JDK {} derives from this cgroup",
                            p.version.known().map_or("", |s| s.as_str())
                        ),
                    )
                }
            };
        let gc_threads = flag_value(flags, "ParallelGCThreads").and_then(|v| v.parse::<u32>().ok());
        let over = count > effective || gc_threads.is_some_and(|g| g > effective);
        if !over {
            continue;
        }
        let mut what = vec![format!("{count} processors ({how})")];
        if let Some(g) = gc_threads.filter(|&g| g > effective) {
            what.push(format!("{g} parallel GC threads"));
        }
        out.push(Finding {
            rule: &RUNNING_CPU_COUNT_EXCEEDS_QUOTA,
            severity: Severity::Warning,
            title: format!(
                "{} sizes itself for {} but the CPU limit gives {}",
                name(p),
                list(&what),
                cpus(limit)
            ),
            detail: "The JVM sizes its GC worker, JIT compiler and common fork-join pools from its processor count. More threads than the quota runs use up the quota early in each period and wait out the rest throttled: pauses and latency grow.".into(),
            fix: format!("Start it with -XX:ActiveProcessorCount={effective} (ctune exec adds it), or raise the CPU limit."),
            evidence: vec![
                format!(
                    "{}: CPU limit {}",
                    cx.facts.cpu.limit.source().unwrap_or("cpu.limit"),
                    cpus(limit)
                ),
                format!("JVM {} flags: {}", p.pid, flags.join(" ")),
            ],
            at: None,
        });
        return;
    }
}

/// The option a flag sets, for comparing values: `-XX:+UseG1GC` → the collector,
/// `-XX:Name=v` / `-XX:±Name` → `Name`, `-Xmx1g` → `-Xmx`.
fn key(flag: &str) -> String {
    if crate::jvm::version::Gc::from_option(flag).is_some() {
        return "gc".into();
    }
    if let Some(r) = flag.strip_prefix("-XX:") {
        let r = r.trim_start_matches(['+', '-']);
        return r.split('=').next().unwrap_or(r).to_owned();
    }
    for p in ["-Xmx", "-Xms", "-Xss", "-Xmn"] {
        if flag.starts_with(p) {
            return p.into();
        }
    }
    flag.split('=').next().unwrap_or(flag).to_owned()
}

pub static RUNNING_FLAGS_DIFFER_FROM_ADVICE: Rule = Rule {
    id: "running-flags-differ-from-advice",
    severity: Severity::Info,
    family: Family::Jvm,
    applies: Applies::Live,
    name: "RunningFlagsDifferFromAdvice",
    summary: "A running JVM was started with heap, collector or processor flags that differ from ctune's advice.",
    description: "ctune's advice sizes the JVM for this container's limits; a JVM started otherwise may be sized for another machine (or deliberately tuned).",
    help: "Start the JVM with the advised flags (ctune jvm --format flags, or ctune exec), or allow this id where the difference is intended.",
};

fn flags_differ(cx: &Ctx, procs: &[&JavaProcess], out: &mut Vec<Finding>) {
    let advised = &cx.advice.recommended.flags;
    if advised.is_empty() {
        return;
    }
    for p in procs {
        let Some(flags) = p.flags.known() else {
            continue;
        };
        let mut diffs = Vec::new();
        for a in advised {
            let k = key(a);
            let running = flags.iter().rev().find(|f| key(f) == k);
            match running {
                Some(r) if r == a => {}
                Some(r) => diffs.push(format!("{r} (advised {a})")),
                None if k == "gc" => {
                    let gc = crate::jvm::version::Gc::from_option(a).map(|g| g.as_str());
                    if p.gc.known().map(|g| g.as_str()) != gc {
                        diffs.push(format!(
                            "{} collector (advised {a})",
                            p.gc.known().map_or("unknown", |g| g.as_str())
                        ));
                    }
                }
                None => diffs.push(format!("no {k} (advised {a})")),
            }
        }
        if diffs.is_empty() {
            continue;
        }
        out.push(Finding {
            rule: &RUNNING_FLAGS_DIFFER_FROM_ADVICE,
            severity: Severity::Info,
            title: format!("{} runs with flags that differ from ctune's advice: {}", name(p), list(&diffs)),
            detail: format!(
                "ctune's advice for this container (profile {}) sizes the heap, collector and processor count for its limits; the running JVM was started otherwise. That may be deliberate.",
                cx.advice.profile
            ),
            fix: format!(
                "Start it with {} (ctune exec does it at each start), or keep your flags and `--allow running-flags-differ-from-advice`.",
                advised.join(" ")
            ),
            evidence: vec![format!("JVM {} flags: {}", p.pid, flags.join(" "))],
            at: None,
        });
        return;
    }
}
