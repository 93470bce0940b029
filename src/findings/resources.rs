//! Checks on the cgroup, CPU and memory facts, and on the machine under them.

use super::{cpus, list, pct, plural, size, Ctx, Finding, Severity};
use super::{Applies, Family, Rule};
use crate::facts::{CgroupVersion, Fact, Limit};

/// Page cache (tmpfs included) at or above this percentage of the limit is a large share...
pub const CACHE_PERCENT: u64 = 25;
/// ...when the working set is at or above this percentage of the limit.
pub const WORKING_SET_PERCENT: u64 = 75;

pub(super) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    memory_limit_unset(cx, out);
    cgroup_limit_unknown(cx, out);
    limit_in_parent_cgroup(cx, out);
    memory_high_below_max(cx, out);
    cpu_throttled(cx, out);
    oom_kills_recorded(cx, out);
    page_cache_pressure(cx, out);
    running_under_hypervisor(cx, out);
}

pub static MEMORY_LIMIT_UNSET: Rule = Rule {
    id: "memory-limit-unset",
    severity: Severity::Warning,
    family: Family::Resources,
    applies: Applies::Both,
    name: "MemoryLimitUnset",
    summary: "The process has no memory limit.",
    description: "Without a memory limit the JVM sizes its heap from host RAM, and nothing stops the process from taking the whole node's memory into a system OOM that kills other workloads.",
    help: "Set a memory limit (docker run --memory, Kubernetes resources.limits.memory, systemd MemoryMax=); in CI, lint the target environment with --assume memory=SIZE.",
};

fn memory_limit_unset(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let Limit::Unlimited { why, hidden } = &f.memory.limit else {
        return;
    };
    let host = f.memory.host_total_bytes.known().copied();
    let in_container = f.container.detected;
    let host_txt = host.map_or("the host's RAM".to_owned(), |h| {
        format!("the host's {}", size(h))
    });
    let heap = cx.advice.jvm_view.max_heap_bytes;
    // Only where a JVM is known to run (a Java found or named, or JVM options): an nginx or
    // postgres sidecar gets no heap prose.
    let jvm = cx.java.is_some()
        || !cx.user.options.is_empty()
        || cx.facts.jvm.as_ref().is_some_and(|j| j.path.is_some());
    let mut detail = if jvm {
        format!(
            "Nothing stops this process from using all of {host_txt}. The JVM sizes its default heap from host RAM (about a quarter: {}) instead of what the workload is meant to get, and page cache grows without bound.",
            size(heap)
        )
    } else {
        format!("Nothing stops this process from using all of {host_txt}, and page cache grows without bound.")
    };
    if let Some(h) = hidden {
        detail.push_str(&format!(" (No level read sets one, up to {}; the levels above it are not visible here and may set one the kernel enforces.)", h.highest_level));
    }
    if in_container {
        detail.push_str(" A container without a limit competes with every other one on the node: on Kubernetes it is the first to be evicted and can take the node into a system OOM that kills other pods.");
    } else {
        detail.push_str(
            " No container was detected: on a plain host that may be intended (severity info).",
        );
    }
    out.push(Finding {
        rule: &MEMORY_LIMIT_UNSET,
        severity: if in_container {
            Severity::Warning
        } else {
            Severity::Info
        },
        title: if hidden.is_some() {
            "No memory limit visible".into()
        } else {
            "No memory limit".into()
        },
        detail,
        fix: "Set a memory limit: `docker run --memory 2g`, Kubernetes `resources.limits.memory: 2Gi`, systemd `MemoryMax=2G`. In CI, lint the environment the image will run in with `ctune --assume memory=2GiB lint`.".into(),
        evidence: vec![cx.quote(None, "container without resources.limits.memory", || why.clone())],
        at: None,
    });
}

pub static CGROUP_LIMIT_UNKNOWN: Rule = Rule {
    id: "cgroup-limit-unknown",
    severity: Severity::Warning,
    family: Family::Resources,
    applies: Applies::Live,
    name: "CgroupLimitUnknown",
    summary: "A CPU or memory limit cannot be read from the cgroup file system.",
    description: "The limit still applies in the kernel, but runtimes that read cgroups (the JVM, Go's automaxprocs) fail the same way and size themselves for the host.",
    help: "Give the container its own cgroup namespace (docker --cgroupns=private) so /sys/fs/cgroup shows its own cgroup, or state the limits to the runtime (-XX:ActiveProcessorCount, -Xmx); in CI, --assume cpus=N,memory=SIZE.",
};

fn cgroup_limit_unknown(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let mut what = Vec::new();
    let mut evidence = Vec::new();
    if let Limit::Unknown { reason } = &f.cpu.limit {
        what.push("CPU".to_owned());
        evidence.push(format!("cpu.limit: {reason}"));
    }
    if let Limit::Unknown { reason } = &f.memory.limit {
        what.push("memory".to_owned());
        evidence.push(format!("memory.limit: {reason}"));
    }
    if what.is_empty() {
        return;
    }
    if let Some(r) = &f.cgroup.resolution {
        evidence.push(format!("cgroup path resolution: {r}"));
    }
    out.push(Finding {
        rule: &CGROUP_LIMIT_UNKNOWN,
        severity: Severity::Warning,
        title: format!("The {} limit cannot be read", list(&what)),
        detail: format!(
            "ctune could not read the {} limit from the cgroup file system (the evidence says why). The kernel still enforces whatever limit there is, but runtimes that read cgroups the same way (the JVM, Go's automaxprocs) fail too and fall back to the host's CPUs and RAM. A cgroup file system mounted from outside the process's cgroup namespace, or a path that cannot be translated, hides the process's own cgroup.",
            list(&what)
        ),
        fix: "Give the container its own cgroup namespace (`docker run --cgroupns=private`, the default on cgroup v2) so /sys/fs/cgroup shows its own cgroup, or state the limits to the runtime: `-XX:ActiveProcessorCount=N -Xmx...` (`ctune --assume cpus=N --assume memory=SIZE jvm` computes them). In CI, `--assume cpus=N --assume memory=SIZE`.".into(),
        evidence,
        at: None,
    });
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/')
        .map(|(d, _)| if d.is_empty() { "/" } else { d })
        .unwrap_or(path)
}

pub static LIMIT_IN_PARENT_CGROUP: Rule = Rule {
    id: "limit-in-parent-cgroup",
    severity: Severity::Warning,
    family: Family::Resources,
    applies: Applies::Live,
    name: "LimitInParentCgroup",
    summary: "The effective CPU or memory limit is set on an ancestor cgroup, not the process's own.",
    description: "HotSpot before JDK 24 reads only its own cgroup's CPU quota (and on cgroup v2 its own memory.max); Go, automaxprocs and num_cpus read only their own cgroup too. They size themselves for more than the kernel allows.",
    help: "Set the limit on the container's own cgroup as well, or tell the runtime explicitly (-XX:ActiveProcessorCount=N and -Xmx, GOMAXPROCS=N); JDK 24+ walks the ancestors.",
};

fn limit_in_parent_cgroup(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let cpu = f.cpu.limit.is_inherited().then(|| {
        (
            f.cpu.limit.value().unwrap_or(0.0),
            f.cpu.limit.source().unwrap_or(""),
        )
    });
    let mem = f.memory.limit.is_inherited().then(|| {
        (
            f.memory.limit.value().unwrap_or(0),
            f.memory.limit.source().unwrap_or(""),
        )
    });
    if cpu.is_none() && mem.is_none() {
        return;
    }
    let mut what = Vec::new();
    let mut evidence = Vec::new();
    if let Some((c, src)) = cpu {
        what.push(format!("CPU limit of {}", cpus(c)));
        evidence.push(format!("{src}: {} (an ancestor cgroup)", cpus(c)));
        if let Some(own) = &f.cgroup.cpu_dir {
            evidence.push(format!("{own}: the process's own cgroup sets no CPU quota"));
        }
    }
    if let Some((m, src)) = mem {
        what.push(format!("memory limit of {}", size(m)));
        evidence.push(format!("{src}: {m} (an ancestor cgroup)"));
        if let Some(own) = &f.cgroup.memory_dir {
            evidence.push(format!(
                "{own}: the process's own cgroup sets no memory limit"
            ));
        }
    }
    let ancestors: Vec<String> = cpu
        .iter()
        .map(|(_, s)| parent_dir(s).to_owned())
        .chain(mem.iter().map(|(_, s)| parent_dir(s).to_owned()))
        .fold(Vec::new(), |mut v, d| {
            if !v.contains(&d) {
                v.push(d);
            }
            v
        });
    let mut detail = format!(
        "The {} {} set on an ancestor cgroup ({}), not on the process's own. The kernel enforces it, but runtimes that read only their own cgroup miss it: HotSpot before JDK 24 takes the CPU quota (and on cgroup v2 memory.max) from its own cgroup only; Go, automaxprocs and num_cpus do the same.",
        list(&what),
        if what.len() == 1 { "is" } else { "are" },
        list(&ancestors)
    );
    // What the Java found makes of it.
    let mut severity = Severity::Warning;
    if let (Some(_), Some(j)) = (cx.java, f.jvm.as_ref()) {
        let view = &cx.advice.jvm_view;
        let mut missed = Vec::new();
        let mut seen = Vec::new();
        if let Some((c, _)) = cpu {
            let n = u64::from(view.active_processor_count);
            if view.cpu_limit_seen.is_some() {
                seen.push(format!("the {} limit", cpus(c)));
            } else if n == cores_ceil(c) {
                // Blind to the limit, but the CPUs it counts come to the same number.
                seen.push(format!(
                    "{} (it counts the CPUs it may run on, which here is what the {} limit gives)",
                    plural_cpus(n),
                    cpus(c)
                ));
            } else {
                missed.push(format!(
                    "sizes itself for {} where the limit gives {}",
                    plural_cpus(n),
                    plural_cpus(cores_ceil(c))
                ));
            }
        }
        if let Some((m, _)) = mem {
            if view.memory_limit_seen == Some(m) {
                seen.push(format!(
                    "the {} limit{}",
                    size(m),
                    if f.cgroup.version == CgroupVersion::V1 {
                        " (through v1's hierarchical_memory_limit)"
                    } else {
                        ""
                    }
                ));
            } else {
                missed.push(format!(
                    "takes {} of memory as its own and picks a {} heap",
                    size(view.physical_memory_bytes),
                    size(view.max_heap_bytes)
                ));
            }
        }
        let name = j.version.as_deref().unwrap_or("?");
        if !view.container_aware {
            detail.push_str(&format!(
                " The Java found ({name}) reads no cgroup limits at all (see jvm-blind-to-cgroup)."
            ));
        } else if missed.is_empty() {
            severity = Severity::Info;
            detail.push_str(&format!(" The Java found ({name}) sees {}.", list(&seen)));
        } else {
            detail.push_str(&format!(" The Java found ({name}) {}", list(&missed)));
            if !seen.is_empty() {
                detail.push_str(&format!("; it does see {}", list(&seen)));
            }
            detail.push('.');
        }
    }
    let n = f.cpu.effective_count.known().copied();
    let mut fix = "Set the limits on the process's own cgroup as well (a container runtime does this; a limit on a systemd slice or a Kubernetes pod level is inherited silently), or tell each runtime".to_owned();
    let flags = super::advised(cx.advice, &["-XX:ActiveProcessorCount", "-Xmx"]);
    if !flags.is_empty() {
        fix.push_str(&format!(": for the JVM `{}` (ctune jvm)", flags.join(" ")));
    } else if cpu.is_some() {
        if let Some(n) = n {
            fix.push_str(&format!(": `-XX:ActiveProcessorCount={n}` for the JVM"));
        }
    }
    if cpu.is_some() {
        if let Some(n) = n {
            fix.push_str(&format!(", `GOMAXPROCS={n}` for Go"));
        }
    }
    fix.push_str(". JDK 24 and later walk the ancestors (JDK-8322420).");
    out.push(Finding {
        rule: &LIMIT_IN_PARENT_CGROUP,
        severity,
        title: format!(
            "The {} {} set on an ancestor cgroup",
            list(&what),
            if what.len() == 1 { "is" } else { "are" }
        ),
        detail,
        fix,
        evidence,
        at: None,
    });
}

/// `1 CPU`, `2 CPUs`.
fn plural_cpus(n: u64) -> String {
    format!("{n} CPU{}", if n == 1 { "" } else { "s" })
}

fn cores_ceil(c: f64) -> u64 {
    c.ceil().max(1.0) as u64
}

pub static MEMORY_HIGH_BELOW_MAX: Rule = Rule {
    id: "memory-high-below-max",
    severity: Severity::Warning,
    family: Family::Resources,
    applies: Applies::Live,
    name: "MemoryHighBelowMax",
    summary: "memory.high throttles the process below memory.max.",
    description: "Past memory.high the kernel reclaims and stalls the process instead of killing it; a JVM sized from memory.max slows to a crawl (the memory.high livelock) rather than failing fast.",
    help: "Size the JVM from memory.high (ctune --assume memory=HIGH jvm), or set memory.high to max / turn off Kubernetes MemoryQoS for this workload.",
};

fn memory_high_below_max(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let Limit::Limited {
        value: high,
        source: high_src,
        ..
    } = &f.memory.high
    else {
        return;
    };
    let (max_txt, max_ev) = match &f.memory.limit {
        Limit::Limited { value, source, .. } if value > high => {
            (size(*value), format!("{source}: {value}"))
        }
        Limit::Limited { .. } => return,
        l @ Limit::Unlimited { why, .. } => (l.no_limit_words().to_owned(), why.clone()),
        Limit::Unknown { reason } => ("unknown".to_owned(), format!("memory.max: {reason}")),
    };
    let high_mib = high >> 20;
    out.push(Finding {
        rule: &MEMORY_HIGH_BELOW_MAX,
        severity: Severity::Warning,
        title: format!(
            "memory.high ({}) throttles the process below memory.max ({max_txt})",
            size(*high)
        ),
        detail: format!(
            "Past memory.high the kernel does not kill: it reclaims page cache and stalls every allocation of the cgroup. A JVM whose heap was sized from memory.max grows past {} and slows to a crawl (allocation stalls, back-to-back GCs) instead of failing fast, a livelock that health checks may not catch. Kubernetes MemoryQoS sets memory.high from the request and the limit; kernels before 5.9 handle it worse.",
            size(*high)
        ),
        fix: format!(
            "Size the JVM from memory.high: `ctune --assume memory={high_mib}Mi jvm` prints the flags. Or raise memory.high to max (turn off the MemoryQoS feature gate, or set the request equal to the limit)."
        ),
        evidence: vec![format!("{high_src}: {high}"), max_ev],
        at: None,
    });
}

pub static CPU_THROTTLED: Rule = Rule {
    id: "cpu-throttled",
    severity: Severity::Warning,
    family: Family::Resources,
    applies: Applies::Live,
    name: "CpuThrottled",
    summary: "The cgroup has been throttled by its CPU quota in a notable share of periods.",
    description: "A throttled cgroup used its whole quota before the CFS period ended and waited for the next one: GC and JIT bursts run many threads at once and turn into latency spikes.",
    help: "Raise the CPU limit (or drop it and keep the request), or have the JVM run fewer threads at once (-XX:ActiveProcessorCount, fewer GC threads).",
};

fn cpu_throttled(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    // With --interval the rates decide (super::pressure), not the totals since creation.
    if let Some(Fact::Known(_)) = f.interval.as_ref().map(|i| &i.cpu_throttling) {
        return;
    }
    let Fact::Known(t) = &f.cpu.throttling else {
        return;
    };
    if !t.is_notable() {
        return;
    }
    let share = pct(t.throttled_periods, t.periods);
    let quota = f
        .cpu
        .limit
        .value()
        .map(|c| format!(" of {}", cpus(c)))
        .unwrap_or_default();
    let dir = f.cgroup.cpu_dir.as_deref().unwrap_or("(cpu cgroup)");
    let floor = f.cpu.effective_count_floor.known().copied();
    let mut fix = "Raise the CPU limit (or drop it and keep the request), or have the JVM run fewer threads at once".to_owned();
    match floor {
        Some(n) => fix.push_str(&format!(
            ": `-XX:ActiveProcessorCount={n}` (the limit rounded down), `-XX:ParallelGCThreads` and `-XX:ConcGCThreads` below the limit."
        )),
        None => fix.push('.'),
    }
    fix.push_str(" Watch the share now by reading cpu.stat twice and dividing the differences.");
    out.push(Finding {
        rule: &CPU_THROTTLED,
        severity: Severity::Warning,
        title: format!(
            "Throttled in {share}% of CPU periods ({} of {})",
            t.throttled_periods, t.periods
        ),
        detail: format!(
            "The cgroup used its whole quota{quota} before the CFS period ended and waited for the next one in {} of {} periods ({share}%), {:.2} s in all. GC and JIT bursts run many threads at once and hit the quota first, which shows as latency spikes. These counters add up since the cgroup was created, so one read gives the share over the cgroup's whole life; the share between two reads says whether it is happening now.",
            t.throttled_periods, t.periods, t.throttled_seconds
        ),
        fix,
        evidence: vec![format!(
            "{dir}/cpu.stat: nr_periods {}, nr_throttled {} ({:.2} s throttled)",
            t.periods, t.throttled_periods, t.throttled_seconds
        )],
        at: None,
    });
}

pub static OOM_KILLS_RECORDED: Rule = Rule {
    id: "oom-kills-recorded",
    severity: Severity::Warning,
    family: Family::Resources,
    applies: Applies::Live,
    name: "OomKillsRecorded",
    summary: "The cgroup records OOM kills.",
    description: "The kernel's OOM killer ended a process in this cgroup: a JVM killed this way leaves no OutOfMemoryError and no heap dump, only exit code 137.",
    help: "Fit heap plus off-heap plus page cache into the limit (ctune jvm prints a budget), keep tmpfs use small, or raise the limit.",
};

fn oom_kills_recorded(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    let Fact::Known(n) = f.memory.oom_kills else {
        return;
    };
    if n == 0 {
        return;
    }
    let dir = f.cgroup.memory_dir.as_deref().unwrap_or("(memory cgroup)");
    let file = match f.cgroup.version {
        CgroupVersion::V1 => "memory.oom_control",
        _ => "memory.events",
    };
    let limit = f
        .memory
        .limit
        .value()
        .map(|l| format!("the {} limit", size(l)))
        .unwrap_or_else(|| "the limit".into());
    let mut detail = format!(
        "The kernel's OOM killer has ended {} in this cgroup since it was created: the cgroup needed more than {limit} and nothing could be reclaimed. A JVM killed this way leaves no OutOfMemoryError and no heap dump, only exit code 137 (OOMKilled). On Kubernetes a restarted container gets a new cgroup, so kills of earlier containers show at the pod level.",
        plural(n, "process", "processes")
    );
    let mut evidence = vec![format!("{dir}/{file}: oom_kill {n}")];
    if let Some(&shm) = f.memory.shmem_bytes.known() {
        if shm > 0 {
            detail.push_str(&format!(
                " {} of tmpfs is charged now: tmpfs files stay charged until deleted, also across restarts of a container whose emptyDir has medium: Memory.",
                size(shm)
            ));
            evidence.push(format!("{dir}/memory.stat: shmem {shm}"));
        }
    }
    let heap = super::advised(cx.advice, &["-Xmx"]);
    let fix = format!(
        "Fit heap, off-heap and page cache into the limit{}, keep tmpfs use small, or raise the limit. `dmesg` or `kubectl describe pod` (Last State: OOMKilled) names the process that died.",
        if heap.is_empty() {
            " (`ctune jvm` prints a budget)".to_owned()
        } else {
            format!(" (`ctune jvm` budgets `{}`)", heap.join(" "))
        }
    );
    out.push(Finding {
        rule: &OOM_KILLS_RECORDED,
        severity: Severity::Warning,
        title: format!("The cgroup records {}", plural(n, "OOM kill", "OOM kills")),
        detail,
        fix,
        evidence,
        at: None,
    });
}

pub static PAGE_CACHE_PRESSURE: Rule = Rule {
    id: "page-cache-pressure",
    severity: Severity::Warning,
    family: Family::Resources,
    applies: Applies::Live,
    name: "PageCachePressure",
    summary: "Page cache and tmpfs take a large share of the limit while the working set is near it.",
    description: "Active file pages and tmpfs count in the working set that the kubelet evicts on; tmpfs cannot be reclaimed and dirty pages only after writeback, so a process with a modest heap is evicted or OOM-killed.",
    help: "Keep scratch data off tmpfs, delete temporary files, leave a page-cache reserve in the limit, and flush writers so dirty pages do not pile up.",
};

fn page_cache_pressure(cx: &Ctx, out: &mut Vec<Finding>) {
    let m = &cx.facts.memory;
    let (Some(limit), Some(&file), Some(&ws)) = (
        m.limit.value(),
        m.file_bytes.known(),
        m.working_set_bytes.known(),
    ) else {
        return;
    };
    if limit == 0 || file * 100 < limit * CACHE_PERCENT || ws * 100 < limit * WORKING_SET_PERCENT {
        return;
    }
    let inactive = m.inactive_file_bytes.known().copied();
    let shmem = m.shmem_bytes.known().copied().unwrap_or(0);
    let dirty = m.dirty_bytes.known().copied().unwrap_or(0)
        + m.writeback_bytes.known().copied().unwrap_or(0);
    let mut detail = format!(
        "Page cache, tmpfs included, holds {} ({}% of the {} limit) while the working set (usage minus inactive file pages: what the kubelet evicts on and `kubectl top` shows) is {} ({}%).",
        size(file),
        pct(file, limit),
        size(limit),
        size(ws),
        pct(ws, limit)
    );
    let mut parts = Vec::new();
    if let Some(i) = inactive {
        parts.push(format!("{} of active cache", size(file.saturating_sub(i))));
    }
    if shmem > 0 {
        parts.push(format!("{} of tmpfs", size(shmem)));
    }
    if !parts.is_empty() {
        detail.push_str(&format!(" It counts {} in.", list(&parts)));
    }
    detail.push_str(" The kernel reclaims clean cache first, but tmpfs is not reclaimable without swap and dirty pages only after writeback");
    if dirty > 0 {
        detail.push_str(&format!(" ({} dirty or under writeback now)", size(dirty)));
    }
    detail.push_str(
        ": eviction or an OOM kill can hit a process whose heap is well below the limit.",
    );
    let mut evidence = vec![format!(
        "{}: {limit}",
        m.limit.source().unwrap_or("memory limit")
    )];
    let dir = cx
        .facts
        .cgroup
        .memory_dir
        .as_deref()
        .unwrap_or("(memory cgroup)");
    let mut stat = format!("{dir}/memory.stat: file {file}");
    if let Some(i) = inactive {
        stat.push_str(&format!(", inactive_file {i}"));
    }
    stat.push_str(&format!(", shmem {shmem}"));
    if dirty > 0 {
        stat.push_str(&format!(", dirty+writeback {dirty}"));
    }
    evidence.push(stat);
    evidence.push(format!("working set: {ws} (usage - inactive_file)"));
    out.push(Finding {
        rule: &PAGE_CACHE_PRESSURE,
        severity: Severity::Warning,
        title: format!(
            "Page cache is {}% of the limit and the working set {}%",
            pct(file, limit),
            pct(ws, limit)
        ),
        detail,
        fix: "Keep scratch data off tmpfs (a disk-backed emptyDir or volume), delete temporary files when done, leave a page-cache reserve in the limit (ctune jvm budgets one), and flush big writers (fsync, smaller batches) so dirty pages do not pile up.".into(),
        evidence,
        at: None,
    });
}

pub static RUNNING_UNDER_HYPERVISOR: Rule = Rule {
    id: "running-under-hypervisor",
    severity: Severity::Info,
    family: Family::Resources,
    applies: Applies::Live,
    name: "RunningUnderHypervisor",
    summary: "The container runs inside a virtual machine.",
    description: "A hypervisor costs on the order of 10% of CPU and more for I/O, and vCPUs may be overcommitted (steal time).",
    help: "Nothing to fix in the container; for latency-critical work prefer bare-metal or dedicated vCPUs and watch steal time.",
};

fn running_under_hypervisor(cx: &Ctx, out: &mut Vec<Finding>) {
    let Fact::Known(name) = &cx.facts.host.hypervisor else {
        return;
    };
    let named = name != "unknown";
    let mut evidence = vec!["/proc/cpuinfo: the 'hypervisor' CPU flag is set".to_owned()];
    if named {
        evidence.push(format!(
            "hypervisor: {name} (/sys/class/dmi/id, /sys/hypervisor)"
        ));
    } else {
        evidence.push("no DMI vendor or /sys/hypervisor/type names it (as in a microVM)".into());
    }
    out.push(Finding {
        rule: &RUNNING_UNDER_HYPERVISOR,
        severity: Severity::Info,
        title: if named {
            format!("Running inside a virtual machine ({name})")
        } else {
            "Running inside a virtual machine (hypervisor not named)".into()
        },
        detail: "This machine is virtualised: every container on it pays the hypervisor's cost, on the order of 10% of CPU for exits and more for I/O, and its CPUs are vCPUs that the host may overcommit (steal time).".into(),
        fix: "Nothing to change in the container. For latency-critical work prefer bare-metal nodes or dedicated, pinned vCPUs, and watch steal time (the 8th number of the cpu lines in /proc/stat).".into(),
        evidence,
        at: None,
    });
}

#[cfg(test)]
mod tests {
    use super::super::test_facts::*;
    use super::super::Severity;
    use crate::facts::*;

    #[test]
    fn the_clean_container_has_no_findings() {
        assert_eq!(ids(&container(), &[]), Vec::<&str>::new());
    }

    #[test]
    fn memory_limit_unset_in_and_out_of_a_container() {
        let mut f = container();
        f.memory.limit = Limit::unlimited("/sys/fs/cgroup/memory.max is 'max'");
        let x = finding(&f, &[], "memory-limit-unset");
        assert_eq!(x.severity, Severity::Warning);
        assert_eq!(x.evidence, ["/sys/fs/cgroup/memory.max is 'max'"]);
        f.container.detected = false;
        assert_eq!(
            finding(&f, &[], "memory-limit-unset").severity,
            Severity::Info
        );
        // Unknown is not unset.
        f.memory.limit = Limit::unknown("memory.max: garbage");
        let got = ids(&f, &[]);
        assert!(!got.contains(&"memory-limit-unset"), "{got:?}");
        assert!(got.contains(&"cgroup-limit-unknown"), "{got:?}");
    }

    #[test]
    fn throttling_needs_enough_periods_and_a_notable_share() {
        let mut f = container();
        let set = |f: &mut Facts, p, t| {
            f.cpu.throttling = Fact::Known(Throttling {
                periods: p,
                throttled_periods: t,
                throttled_seconds: 1.0,
            })
        };
        set(&mut f, 99, 99);
        assert!(!ids(&f, &[]).contains(&"cpu-throttled"));
        set(&mut f, 1000, 99);
        assert!(!ids(&f, &[]).contains(&"cpu-throttled"));
        set(&mut f, 1000, 100);
        let x = finding(&f, &[], "cpu-throttled");
        assert!(x.title.contains("10%"), "{}", x.title);
        assert!(x.detail.contains("since the cgroup was created"));
        assert!(x.fix.contains("-XX:ActiveProcessorCount=2"), "{}", x.fix);
    }

    #[test]
    fn page_cache_pressure_needs_cache_and_a_full_working_set() {
        let mut f = container();
        f.memory.file_bytes = Fact::Known(GIB);
        f.memory.inactive_file_bytes = Fact::Known(100 * MIB);
        f.memory.working_set_bytes = Fact::Known(GIB);
        assert!(!ids(&f, &[]).contains(&"page-cache-pressure"), "50% only");
        f.memory.working_set_bytes = Fact::Known(1600 * MIB);
        f.memory.shmem_bytes = Fact::Known(300 * MIB);
        let x = finding(&f, &[], "page-cache-pressure");
        assert!(x.detail.contains("300 MiB of tmpfs"), "{}", x.detail);
        assert!(x.detail.contains("924 MiB of active cache"), "{}", x.detail);
    }

    #[test]
    fn memory_high_only_below_max() {
        let mut f = container();
        f.memory.high = Limit::limited(GIB, "/sys/fs/cgroup/memory.high");
        let x = finding(&f, &[], "memory-high-below-max");
        assert!(x.fix.contains("--assume memory=1024Mi"), "{}", x.fix);
        f.memory.high = Limit::limited(2 * GIB, "/sys/fs/cgroup/memory.high");
        assert!(!ids(&f, &[]).contains(&"memory-high-below-max"));
    }

    #[test]
    fn parent_limits_and_what_the_jvm_sees() {
        let mut f = container();
        f.cgroup.cpu_dir = Some("/sys/fs/cgroup/p/c".into());
        f.cpu.limit = Limit::Limited {
            value: 1.0,
            source: "/sys/fs/cgroup/p/cpu.max".into(),
            inherited: true,
            note: None,
            own: None,
        };
        set_java(&mut f, "21.0.4");
        let x = finding(&f, &[], "limit-in-parent-cgroup");
        assert_eq!(x.severity, Severity::Warning);
        assert!(
            x.detail
                .contains("sizes itself for 8 CPUs where the limit gives 1 CPU"),
            "{}",
            x.detail
        );
        assert!(x.detail.contains("(/sys/fs/cgroup/p)"), "{}", x.detail);
        // Blind to the limit, but it may run on only as many CPUs as the limit gives: the
        // JVM ends up with the same count, so nothing to warn about, and no "2 instead of 2".
        let mut same = f.clone();
        same.cpu.cpuset_count = Fact::Known(1);
        same.cpu.host_count = Fact::Known(1);
        let x = finding(&same, &[], "limit-in-parent-cgroup");
        assert_eq!(x.severity, Severity::Info, "{}", x.detail);
        assert!(!x.detail.contains("where the limit gives"), "{}", x.detail);
        assert!(x.detail.contains("sees 1 CPU (it counts"), "{}", x.detail);
        set_java(&mut f, "24.0.1");
        assert_eq!(
            finding(&f, &[], "limit-in-parent-cgroup").severity,
            Severity::Info
        );
        f.jvm = None;
        assert_eq!(
            finding(&f, &[], "limit-in-parent-cgroup").severity,
            Severity::Warning
        );
    }

    #[test]
    fn oom_kills_and_hypervisor() {
        let mut f = container();
        f.memory.oom_kills = Fact::Known(2);
        f.memory.shmem_bytes = Fact::Known(64 * MIB);
        let x = finding(&f, &[], "oom-kills-recorded");
        assert_eq!(x.evidence[0], "/sys/fs/cgroup/memory.events: oom_kill 2");
        assert!(x.detail.contains("64 MiB of tmpfs"));
        f.host.hypervisor = Fact::Known("kvm".into());
        let x = finding(&f, &[], "running-under-hypervisor");
        assert_eq!(x.severity, Severity::Info);
        assert!(x.title.contains("kvm"));
    }
}
