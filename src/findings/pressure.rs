//! Checks on what is happening now: pressure stall information (PSI) of the process's cgroup,
//! and, with `--interval`, the CPU throttling between two readings.
//!
//! A stall is judged on the cgroup's own pressure files, never the host's (other tenants stall
//! a node without this container being short of anything). With `--interval` the share of the
//! interval stalled (from the `total` counters) is judged, else the kernel's 60-second average.

use super::{cpus, pct, size, Ctx, Finding, Severity};
use super::{Applies, Family, Rule};
use crate::facts::{Fact, IntervalJvm, IntervalThrottling, JavaProcess, Pressure};

/// A share of wall time with some task of the cgroup stalled at or above this percentage
/// (over the interval, or the kernel's avg60) is notable.
pub const STALL_PERCENT: f64 = 10.0;
/// Anonymous memory (heap, stacks, malloc) at or below this percentage of the limit is "a small
/// heap": memory stalls then come from reclaiming page cache and tmpfs, not from the JVM.
pub const SMALL_ANON_PERCENT: u64 = 50;
/// Over an interval, throttling is judged from this many CFS periods on (1 s of running time
/// at the default 100 ms period); over the cgroup's life the finding keeps its own minimum.
pub const MIN_INTERVAL_PERIODS: u64 = 10;

pub(super) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    cpu_throttled_now(cx, out);
    memory_stalls(cx, out);
    cpu_stalls(cx, out);
}

/// How much of the time some task of the cgroup stalled on a resource, as a percentage, with
/// the window it was measured over and the evidence line.
struct Stall {
    percent: f64,
    window: String,
    evidence: String,
}

fn stall(cx: &Ctx, resource: &str) -> Option<Stall> {
    let f = cx.facts;
    let set = &f.pressure.cgroup;
    let Fact::Known(p) = set.resources().into_iter().find(|(r, _)| *r == resource)?.1 else {
        return None;
    };
    let dir = set.dir.as_deref().unwrap_or("(cgroup)");
    let mut evidence = format!("{dir}/{resource}.pressure: {}", line("some", p));
    if let Some(i) = &f.interval {
        let Fact::Known(s) = i
            .pressure
            .cgroup
            .resources()
            .into_iter()
            .find(|(r, _)| *r == resource)?
            .1
        else {
            return None;
        };
        evidence.push_str(&format!(
            "; {:.2} s of {:.2} s stalled between two readings",
            s.some.stalled_seconds, i.seconds
        ));
        return Some(Stall {
            percent: 100.0 * s.some.share,
            window: format!("over the last {:.1} s", i.seconds),
            evidence,
        });
    }
    Some(Stall {
        percent: p.some.avg60,
        window: "over the last minute".into(),
        evidence,
    })
}

fn line(kind: &str, p: &Pressure) -> String {
    let l = &p.some;
    format!(
        "{kind} avg10={:.2} avg60={:.2} avg300={:.2} total={}",
        l.avg10, l.avg60, l.avg300, l.total_us
    )
}
/// This family's checks, in report order: adding a check here is what puts it in
/// [`super::RULES`] (and so in `--list-checks`, SARIF, JUnit, the man pages and completions).
pub(super) static RULES: &[&Rule] = &[&MEMORY_PRESSURE_STALLS, &CPU_PRESSURE_STALLS];

pub static MEMORY_PRESSURE_STALLS: Rule = Rule {
    id: "memory-pressure-stalls",
    severity: Severity::Warning,
    family: Family::Resources,
    applies: Applies::Live,
    name: "MemoryPressureStalls",
    summary: "Tasks of the cgroup stall on memory for a notable share of the time (PSI memory.pressure).",
    description: "Every stall is the kernel reclaiming memory to keep the cgroup under its limit: with a small heap it is page cache and tmpfs being squeezed, with a large one the next step is the OOM killer.",
    help: "Keep scratch data off tmpfs and leave room for page cache in the limit (small heap), or give the JVM less or the container more memory (large heap).",
};

fn memory_stalls(cx: &Ctx, out: &mut Vec<Finding>) {
    let Some(s) = stall(cx, "memory") else {
        return;
    };
    if s.percent < STALL_PERCENT {
        return;
    }
    let m = &cx.facts.memory;
    let known = |f: &Fact<u64>| f.known().copied();
    let (anon, file, shmem, limit) = (
        known(&m.anon_bytes),
        known(&m.file_bytes),
        known(&m.shmem_bytes),
        m.limit.value(),
    );
    let mut evidence = vec![s.evidence];
    let small_anon = match (anon, limit) {
        (Some(a), Some(l)) => {
            evidence.push(format!(
                "{}: {l}; anon {a}, file {}, shmem {}",
                m.limit.source().unwrap_or("memory limit"),
                file.map_or("unknown".into(), |v| v.to_string()),
                shmem.map_or("unknown".into(), |v| v.to_string()),
            ));
            Some(a.saturating_mul(100) <= l.saturating_mul(SMALL_ANON_PERCENT))
        }
        _ => None,
    };
    let pct_of = |v: Option<u64>| match (v, limit) {
        (Some(v), Some(l)) => format!("{} ({}% of the limit)", size(v), pct(v, l)),
        (Some(v), None) => size(v),
        _ => "an unknown amount".into(),
    };
    let (detail, fix) = if small_anon == Some(true) {
        let mut what = format!("page cache ({})", pct_of(file));
        if shmem.is_some_and(|v| v > 0) {
            what.push_str(&format!(", tmpfs included ({})", pct_of(shmem)));
        }
        (
            format!(
                "Tasks of this cgroup waited for memory {:.1}% of the time {}, while anonymous memory (heap, stacks, malloc) is only {}: the stalls are the kernel reclaiming {what} to stay under the limit, and every reclaimed page that is read again is a stall too. tmpfs cannot be reclaimed without swap, so it squeezes the cache the workload reads from.",
                s.percent, s.window, pct_of(anon)
            ),
            "Move scratch files off tmpfs (a disk-backed emptyDir or volume) and delete them when done, leave room for the page cache the workload reads from in the limit (ctune jvm budgets a reserve), or raise the limit.".to_owned(),
        )
    } else {
        (
            format!(
                "Tasks of this cgroup waited for memory {:.1}% of the time {}: the kernel is reclaiming to keep the cgroup under its limit. Anonymous memory (heap, stacks, malloc) is {}, which leaves little page cache to reclaim; next comes the OOM killer.",
                s.percent, s.window, pct_of(anon)
            ),
            "Give the JVM less (a smaller -Xmx, MaxDirectMemorySize, fewer threads) or the container more memory; ctune jvm prints a budget that fits the limit.".to_owned(),
        )
    };
    out.push(Finding {
        rule: &MEMORY_PRESSURE_STALLS,
        severity: Severity::Warning,
        title: format!(
            "Stalled on memory {:.1}% of the time {}",
            s.percent, s.window
        ),
        detail,
        fix,
        evidence,
        at: None,
    });
}

pub static CPU_PRESSURE_STALLS: Rule = Rule {
    id: "cpu-pressure-stalls",
    severity: Severity::Warning,
    family: Family::Resources,
    applies: Applies::Live,
    name: "CpuPressureStalls",
    summary: "Runnable tasks of the cgroup wait for a CPU for a notable share of the time (PSI cpu.pressure).",
    description: "Under a CPU quota the waiting is the quota running out before the period ends; without one it is other work on the machine. Either way requests wait and GC pauses stretch.",
    help: "Raise the CPU limit or request, or have the JVM run fewer threads at once (-XX:ActiveProcessorCount, smaller pools).",
};

fn cpu_stalls(cx: &Ctx, out: &mut Vec<Finding>) {
    let Some(s) = stall(cx, "cpu") else {
        return;
    };
    if s.percent < STALL_PERCENT {
        return;
    }
    let f = cx.facts;
    let mut evidence = vec![s.evidence];
    let (detail, fix) = match f.cpu.limit.value() {
        Some(limit) => {
            evidence.push(format!(
                "{}: {}",
                f.cpu.limit.source().unwrap_or("cpu limit"),
                cpus(limit)
            ));
            let floor = f.cpu.effective_count_floor.known().copied();
            (
                format!(
                    "Runnable tasks of this cgroup waited for a CPU {:.1}% of the time {}. With a quota of {}, that is the quota running out before the period ends (throttling, in cpu.stat) and the JVM running more threads at once than the quota pays for: requests wait, GC pauses stretch.",
                    s.percent, s.window, cpus(limit)
                ),
                format!(
                    "Raise the CPU limit (or drop it and keep the request), or run fewer threads at once{}.",
                    floor.map_or(String::new(), |n| format!(
                        ": -XX:ActiveProcessorCount={n}, smaller thread pools"
                    ))
                ),
            )
        }
        None => (
            format!(
                "Runnable tasks of this cgroup waited for a CPU {:.1}% of the time {}. There is no CPU quota: the CPUs are busy with other work on the machine, and the cgroup's weight (a Kubernetes CPU request) decides who runs.",
                s.percent, s.window
            ),
            "Raise the CPU request (cpu.weight / cpu.shares), or move the workload to a less busy node.".to_owned(),
        ),
    };
    out.push(Finding {
        rule: &CPU_PRESSURE_STALLS,
        severity: Severity::Warning,
        title: format!("Waited for CPU {:.1}% of the time {}", s.percent, s.window),
        detail,
        fix,
        evidence,
        at: None,
    });
}

/// `cpu-throttled` over the interval, when there is one (the lifetime check then stays quiet).
fn cpu_throttled_now(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let Some(i) = &f.interval else {
        return;
    };
    let Fact::Known(t) = &i.cpu_throttling else {
        return;
    };
    if !notable(t) {
        return;
    }
    let quota = f
        .cpu
        .limit
        .value()
        .map(|c| format!(" of {}", cpus(c)))
        .unwrap_or_default();
    let share = format!("{:.1}", 100.0 * t.throttled_share);
    let share = share.strip_suffix(".0").unwrap_or(&share).to_owned();
    let dir = f.cgroup.cpu_dir.as_deref().unwrap_or("(cpu cgroup)");
    let floor = f.cpu.effective_count_floor.known().copied();
    out.push(Finding {
        rule: &super::resources::CPU_THROTTLED,
        severity: Severity::Warning,
        title: format!(
            "Throttled in {share}% of CPU periods over the last {:.1} s ({} of {})",
            i.seconds, t.throttled_periods, t.periods
        ),
        detail: format!(
            "Between two readings {:.1} s apart the cgroup used its whole quota{quota} before the CFS period ended in {} of {} periods ({share}%) and waited {:.2} s in all: this is happening now. GC and JIT bursts run many threads at once and hit the quota first, which shows as latency spikes.",
            i.seconds, t.throttled_periods, t.periods, t.throttled_seconds
        ),
        fix: format!(
            "Raise the CPU limit (or drop it and keep the request), or have the JVM run fewer threads at once{}.",
            floor.map_or(String::new(), |n| format!(
                ": `-XX:ActiveProcessorCount={n}` (the limit rounded down), `-XX:ParallelGCThreads` and `-XX:ConcGCThreads` below the limit"
            ))
        ),
        evidence: vec![format!(
            "{dir}/cpu.stat over {:.2} s: nr_periods +{}, nr_throttled +{} (+{:.2} s throttled)",
            i.seconds, t.periods, t.throttled_periods, t.throttled_seconds
        )],
        at: None,
    });
}

/// Over an interval, GC pauses adding up to this many seconds are enough to judge a share.
pub const GC_MIN_INTERVAL_SECONDS: f64 = 0.1;

/// A JVM's GC counters over `--interval`, when its share is known.
pub fn interval_gc<'a>(cx: &'a Ctx, pid: u32) -> Option<&'a IntervalJvm> {
    let j = cx
        .facts
        .interval
        .as_ref()?
        .java_processes
        .iter()
        .find(|j| j.pid == pid)?;
    j.gc_share.known().is_some().then_some(j)
}

/// `running-gc-overhead` judged on the interval: the share of wall time in GC pauses now.
pub(super) fn gc_overhead_now(cx: &Ctx, procs: &[&JavaProcess], out: &mut Vec<Finding>) {
    let Some(i) = &cx.facts.interval else {
        return;
    };
    for p in procs {
        let Some(j) = interval_gc(cx, p.pid) else {
            continue;
        };
        let (Some(&share), Some(&gc)) = (j.gc_share.known(), j.gc_time_seconds.known()) else {
            continue;
        };
        if gc < GC_MIN_INTERVAL_SECONDS || 100.0 * share < super::running::GC_SHARE_PERCENT {
            continue;
        }
        let name = match p.command.known() {
            Some(c) => format!("JVM {} ({})", p.pid, c.rsplit('/').next().unwrap_or(c)),
            None => format!("JVM {}", p.pid),
        };
        let cpu = cx.facts.cpu.limit.value();
        let mut evidence = vec![format!(
            "{}: {:.2} s in GC pauses over {} collections in {:.2} s between two readings",
            p.source.as_deref().unwrap_or("perf data"),
            gc,
            j.gc_count.known().map_or("?".into(), |c| c.to_string()),
            i.seconds
        )];
        if let Some(c) = cpu {
            evidence.push(format!(
                "{}: CPU limit {}",
                cx.facts.cpu.limit.source().unwrap_or("cpu.limit"),
                cpus(c)
            ));
        }
        out.push(Finding {
            rule: &super::running::RUNNING_GC_OVERHEAD,
            severity: Severity::Warning,
            title: format!(
                "{name} spent {:.0}% of the last {:.1} s in GC pauses",
                100.0 * share,
                i.seconds
            ),
            detail: format!(
                "Between two readings {:.1} s apart the JVM was stopped for garbage collection {:.2} s: time the application does not run. A heap too small for the live data, or a collector starved of CPU, collects over and over.{}",
                i.seconds,
                gc,
                cpu.map_or(String::new(), |c| format!(" Under a CPU limit of {} the collector's threads share the quota with the application, and a throttled period stretches every pause.", cpus(c)))
            ),
            fix: "Give the heap room for the live set (a larger -Xmx, within the limit), or give the JVM more CPU; with a small quota prefer -XX:+UseSerialGC or -XX:+UseParallelGC over concurrent collectors that need spare cores.".into(),
            evidence,
            at: None,
        });
        return;
    }
}

/// The same share as the lifetime check, over fewer periods.
pub fn notable(t: &IntervalThrottling) -> bool {
    t.periods >= MIN_INTERVAL_PERIODS
        && t.throttled_periods.saturating_mul(100)
            >= t.periods
                .saturating_mul(crate::facts::Throttling::NOTABLE_PERCENT)
}

#[cfg(test)]
mod tests {
    use super::super::test_facts::*;
    use crate::facts::*;

    fn set_stall(set: &mut PressureSet, resource: &str, avg60: f64) {
        let f = match resource {
            "cpu" => &mut set.cpu,
            "memory" => &mut set.memory,
            _ => &mut set.io,
        };
        if let Fact::Known(p) = f {
            p.some.avg60 = avg60;
        }
    }

    #[test]
    fn gc_overhead_over_the_interval_replaces_the_lifetime_share() {
        let mut p = JavaProcess::unread(7, "test");
        p.command = Fact::Known("/usr/bin/java -jar app.jar".into());
        p.same_cgroup = Some(true);
        p.gc_time_seconds = Fact::Known(1.0);
        p.uptime_seconds = Fact::Known(1000.0);
        p.gc_count = Fact::Known(10);
        let mut before = container();
        before.java_processes = vec![p.clone()];
        // 0.1% of its life in GC, but 1.2 s of the last 2 s.
        p.gc_time_seconds = Fact::Known(2.2);
        p.uptime_seconds = Fact::Known(1002.0);
        p.gc_count = Fact::Known(50);
        let mut after = container();
        after.java_processes = vec![p];
        assert!(!ids(&after, &[]).contains(&"running-gc-overhead"));
        let f = crate::interval::attach(&before, after, 2.0);
        let x = finding(&f, &[], "running-gc-overhead");
        assert!(x.title.contains("60% of the last 2.0 s"), "{}", x.title);
        assert!(x.evidence[0].contains("40 collections"), "{:?}", x.evidence);
        assert_eq!(
            crate::findings::check(&f, &advice(&f, &[]))
                .iter()
                .filter(|x| x.is(&super::super::running::RUNNING_GC_OVERHEAD))
                .count(),
            1
        );
    }

    #[test]
    fn calm_pressure_raises_nothing() {
        let got = ids(&container(), &[]);
        assert!(!got.contains(&"memory-pressure-stalls"), "{got:?}");
        assert!(!got.contains(&"cpu-pressure-stalls"), "{got:?}");
    }

    #[test]
    fn memory_stalls_with_a_small_heap_blame_page_cache_and_tmpfs() {
        let mut f = container();
        set_stall(&mut f.pressure.cgroup, "memory", 9.9);
        assert!(!ids(&f, &[]).contains(&"memory-pressure-stalls"));
        set_stall(&mut f.pressure.cgroup, "memory", 12.5);
        f.memory.shmem_bytes = Fact::Known(300 * MIB);
        let x = finding(&f, &[], "memory-pressure-stalls");
        assert!(
            x.title.contains("12.5%") && x.title.contains("last minute"),
            "{}",
            x.title
        );
        assert!(x.detail.contains("tmpfs included (300 MiB"), "{}", x.detail);
        assert!(
            x.detail.contains("400 MiB (19.5% of the limit)"),
            "{}",
            x.detail
        );
        assert!(x.fix.contains("off tmpfs"));
        assert!(x.evidence[0].starts_with("/sys/fs/cgroup/memory.pressure: some avg10="));
        // The host's stalls are not this container's.
        let mut g = container();
        set_stall(&mut g.pressure.host, "memory", 50.0);
        assert!(!ids(&g, &[]).contains(&"memory-pressure-stalls"));
    }

    #[test]
    fn memory_stalls_with_a_big_heap_say_the_jvm_takes_it() {
        let mut f = container();
        set_stall(&mut f.pressure.cgroup, "memory", 30.0);
        f.memory.anon_bytes = Fact::Known(1800 * MIB);
        let x = finding(&f, &[], "memory-pressure-stalls");
        assert!(x.detail.contains("OOM killer"), "{}", x.detail);
        assert!(x.fix.contains("-Xmx"));
    }

    #[test]
    fn cpu_stalls_under_a_quota_blame_the_quota() {
        let mut f = container();
        set_stall(&mut f.pressure.cgroup, "cpu", 25.0);
        let x = finding(&f, &[], "cpu-pressure-stalls");
        assert!(x.detail.contains("quota of 2 CPUs"), "{}", x.detail);
        assert!(x.fix.contains("-XX:ActiveProcessorCount=2"), "{}", x.fix);
        f.cpu.limit = Limit::unlimited("cpu.max is max");
        let x = finding(&f, &[], "cpu-pressure-stalls");
        assert!(x.detail.contains("no CPU quota"), "{}", x.detail);
    }

    #[test]
    fn with_an_interval_the_interval_decides() {
        let before = container();
        let mut after = container();
        // avg60 calm, but 1.2 s of the 2 s interval stalled on CPU.
        if let Fact::Known(p) = &mut after.pressure.cgroup.cpu {
            p.some.total_us += 1_200_000;
        }
        after.cpu.throttling = Fact::Known(Throttling {
            periods: 1020,
            throttled_periods: 29,
            throttled_seconds: 2.0,
        });
        let f = crate::interval::attach(&before, after, 2.0);
        let x = finding(&f, &[], "cpu-pressure-stalls");
        assert!(
            x.title.contains("60.0%") && x.title.contains("last 2.0 s"),
            "{}",
            x.title
        );
        // 19 of 20 periods throttled now, though 29 of 1020 over the cgroup's life is not notable.
        let x = finding(&f, &[], "cpu-throttled");
        assert!(
            x.title
                .contains("95% of CPU periods over the last 2.0 s (19 of 20)"),
            "{}",
            x.title
        );
        assert!(x.evidence[0].contains("nr_periods +20"), "{:?}", x.evidence);
        // Too few periods over a short interval say nothing.
        let mut short = f.clone();
        if let Some(i) = &mut short.interval {
            i.cpu_throttling = Fact::Known(IntervalThrottling {
                periods: 5,
                throttled_periods: 5,
                throttled_seconds: 0.4,
                throttled_share: 1.0,
            });
        }
        assert!(!ids(&short, &[]).contains(&"cpu-throttled"));
    }
}
