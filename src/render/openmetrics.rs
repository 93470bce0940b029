//! `report --format openmetrics` and `--format prometheus`: the facts and the findings as
//! metrics, for fleet use without a server of ctune's own (a node exporter's textfile
//! collector, or a sidecar that serves the file).
//!
//! Two flavours of one exposition, because the consumers differ:
//! - [`Flavor::OpenMetrics`]: OpenMetrics 1.0 text (`# UNIT` lines, counter families named
//!   without `_total`, `# EOF` at the end), for a scraper that asks for
//!   `application/openmetrics-text`.
//! - [`Flavor::Prometheus`]: the Prometheus text format 0.0.4 that node exporter's textfile
//!   collector and `promtool check metrics` parse: a counter's `TYPE` names the `_total`
//!   sample, no `UNIT`, no `EOF`. Fed OpenMetrics, those tools drop each counter's type and
//!   help (its `_total` sample no longer matches the family name).
//!
//! A value that is unknown, or a limit that is unlimited, has no sample: absent, not zero.
//! `ctune_limit_state` says which, and `ctune_diagnostic{field}` lists every unknown field.

use crate::facts::*;
use crate::findings::{Finding, Severity};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    OpenMetrics,
    Prometheus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Counter,
}

#[derive(Debug, Clone, Copy)]
enum Num {
    Int(u64),
    Float(f64),
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Num::Int(n) => write!(f, "{n}"),
            Num::Float(x) if x.is_nan() => f.write_str("NaN"),
            Num::Float(x) if x.is_infinite() => f.write_str(if x > 0.0 { "+Inf" } else { "-Inf" }),
            Num::Float(x) => write!(f, "{x}"),
        }
    }
}

type Labels = Vec<(&'static str, String)>;

/// One metric family: name (for a counter, without `_total`), kind, unit, help and samples.
struct Family {
    name: &'static str,
    kind: Kind,
    unit: Option<&'static str>,
    help: &'static str,
    samples: Vec<(Labels, Num)>,
}

impl Family {
    fn new(name: &'static str, kind: Kind, help: &'static str) -> Self {
        Family {
            name,
            kind,
            unit: None,
            help,
            samples: Vec::new(),
        }
    }

    fn unit(mut self, unit: &'static str) -> Self {
        self.unit = Some(unit);
        self
    }

    fn add(&mut self, labels: Labels, n: Num) {
        self.samples.push((labels, n));
    }

    fn with(mut self, labels: Labels, n: Option<Num>) -> Self {
        if let Some(n) = n {
            self.add(labels, n);
        }
        self
    }
}

/// Escape a label value: backslash, double quote and line feed (both formats).
pub fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

fn escape_help(v: &str, flavor: Flavor) -> String {
    match flavor {
        Flavor::OpenMetrics => escape_label(v),
        // The 0.0.4 format escapes only backslash and line feed in HELP.
        Flavor::Prometheus => v.replace('\\', "\\\\").replace('\n', "\\n"),
    }
}

fn write_family(out: &mut String, fam: &Family, flavor: Flavor) {
    if fam.samples.is_empty() {
        return;
    }
    let sample_name = match fam.kind {
        Kind::Counter => format!("{}_total", fam.name),
        Kind::Gauge => fam.name.to_owned(),
    };
    let (type_name, kind) = match (flavor, fam.kind) {
        (Flavor::OpenMetrics, Kind::Counter) => (fam.name.to_owned(), "counter"),
        (Flavor::Prometheus, Kind::Counter) => (sample_name.clone(), "counter"),
        (_, Kind::Gauge) => (fam.name.to_owned(), "gauge"),
    };
    let _ = writeln!(out, "# TYPE {type_name} {kind}");
    if let (Flavor::OpenMetrics, Some(u)) = (flavor, fam.unit) {
        let _ = writeln!(out, "# UNIT {type_name} {u}");
    }
    let _ = writeln!(out, "# HELP {type_name} {}", escape_help(fam.help, flavor));
    for (labels, n) in &fam.samples {
        out.push_str(&sample_name);
        if !labels.is_empty() {
            let body: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                .collect();
            let _ = write!(out, "{{{}}}", body.join(","));
        }
        let _ = writeln!(out, " {n}");
    }
}

/// The exposition of the facts and findings.
pub fn report(facts: &Facts, findings: &[Finding], flavor: Flavor) -> String {
    let mut families = Vec::new();
    families.push(info(facts));
    families.extend(limit_states(facts));
    families.extend(cpu(facts));
    families.extend(memory(facts));
    families.extend(pressure(&facts.pressure));
    families.extend(jvms(&facts.java_processes));
    if let Some(i) = &facts.interval {
        families.extend(interval(i));
        families.push(interval_jvms(&facts.java_processes, i));
    }
    families.extend(finding_families(findings));
    let mut diag = Family::new(
        "ctune_diagnostic",
        Kind::Gauge,
        "1 for each report field that is unknown (null in --format json; the reason is in its diagnostics).",
    );
    for (field, _) in facts.unknowns() {
        diag.add(vec![("field", field)], Num::Int(1));
    }
    families.push(diag);
    let mut out = String::new();
    for f in &families {
        write_family(&mut out, f, flavor);
    }
    if flavor == Flavor::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

fn known_u64(f: &Fact<u64>) -> Option<Num> {
    f.known().map(|v| Num::Int(*v))
}

fn known_u32(f: &Fact<u32>) -> Option<Num> {
    f.known().map(|v| Num::Int(u64::from(*v)))
}

fn info(f: &Facts) -> Family {
    let labels = vec![
        ("cgroup_version", f.cgroup.version.as_str().to_owned()),
        ("hybrid", f.cgroup.hybrid.to_string()),
        (
            "container_runtime",
            f.container
                .runtime
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
        ),
        (
            "java_version",
            f.jvm
                .as_ref()
                .and_then(|j| j.version.clone())
                .unwrap_or_default(),
        ),
        ("ctune_version", env!("CARGO_PKG_VERSION").to_owned()),
    ];
    Family::new(
        "ctune_info",
        Kind::Gauge,
        "Always 1: what ctune inspected (an empty label is unknown or none).",
    )
    .with(labels, Some(Num::Int(1)))
}

fn state<T>(l: &Limit<T>) -> &'static str {
    match l {
        Limit::Limited { .. } => "limited",
        Limit::Unlimited { .. } => "unlimited",
        Limit::Unknown { .. } => "unknown",
    }
}

fn limit_states(f: &Facts) -> Vec<Family> {
    let mut fam = Family::new(
        "ctune_limit_state",
        Kind::Gauge,
        "1 for the state of each limit (limited, unlimited or unknown): a limit without a value metric is one of the last two.",
    );
    for (name, s) in [
        ("cpu", state(&f.cpu.limit)),
        ("memory", state(&f.memory.limit)),
        ("memory_high", state(&f.memory.high)),
        ("swap", state(&f.memory.swap_limit)),
        ("memory_reservation", state(&f.memory.reservation)),
    ] {
        fam.add(
            vec![("limit", name.to_owned()), ("state", s.to_owned())],
            Num::Int(1),
        );
    }
    let mut visible = Family::new(
        "ctune_limit_ancestors_visible",
        Kind::Gauge,
        "For an unlimited CPU or memory limit: 1 when every level above the process's cgroup was read, 0 when the levels above the highest one read are hidden (a cgroup namespace, the container's cgroup mounted as the root), so a limit may be set there.",
    );
    for (name, unlimited, hidden) in [
        (
            "cpu",
            matches!(f.cpu.limit, Limit::Unlimited { .. }),
            f.cpu.limit.hidden_above(),
        ),
        (
            "memory",
            matches!(f.memory.limit, Limit::Unlimited { .. }),
            f.memory.limit.hidden_above(),
        ),
    ] {
        if unlimited {
            visible.add(
                vec![("limit", name.to_owned())],
                Num::Int(u64::from(hidden.is_none())),
            );
        }
    }
    vec![fam, visible]
}

fn cpu(f: &Facts) -> Vec<Family> {
    let c = &f.cpu;
    let t = c.throttling.known();
    vec![
        Family::new(
            "ctune_cpu_limit_cores",
            Kind::Gauge,
            "CPU limit in cores (quota / period, the lowest over the cgroup and its ancestors).",
        )
        .with(vec![], c.limit.value().map(Num::Float)),
        Family::new(
            "ctune_cpu_host_cpus",
            Kind::Gauge,
            "Online CPUs of the host.",
        )
        .with(vec![], known_u32(&c.host_count)),
        Family::new(
            "ctune_cpu_allowed_cpus",
            Kind::Gauge,
            "CPUs this process may run on (affinity / cpuset).",
        )
        .with(vec![], known_u32(&c.cpuset_count)),
        Family::new(
            "ctune_cpu_effective_cpus",
            Kind::Gauge,
            "min(allowed, ceil(limit)): the CPU count HotSpot, Go and num_cpus use.",
        )
        .with(vec![], known_u32(&c.effective_count)),
        Family::new(
            "ctune_cpu_periods",
            Kind::Counter,
            "CFS periods with runnable tasks since the cgroup was created (cpu.stat nr_periods).",
        )
        .with(vec![], t.map(|t| Num::Int(t.periods))),
        Family::new(
            "ctune_cpu_throttled_periods",
            Kind::Counter,
            "CFS periods in which the cgroup was throttled (cpu.stat nr_throttled).",
        )
        .with(vec![], t.map(|t| Num::Int(t.throttled_periods))),
        Family::new(
            "ctune_cpu_throttled_seconds",
            Kind::Counter,
            "Time the cgroup's tasks were throttled (cpu.stat throttled_time / throttled_usec).",
        )
        .unit("seconds")
        .with(vec![], t.map(|t| Num::Float(t.throttled_seconds))),
    ]
}

fn memory(f: &Facts) -> Vec<Family> {
    let m = &f.memory;
    let mut out = vec![
        Family::new(
            "ctune_memory_limit_bytes",
            Kind::Gauge,
            "Memory limit (the lowest over the cgroup and its ancestors).",
        )
        .unit("bytes")
        .with(vec![], m.limit.value().map(Num::Int)),
        Family::new(
            "ctune_memory_high_bytes",
            Kind::Gauge,
            "memory.high: where the kernel starts to throttle and reclaim.",
        )
        .unit("bytes")
        .with(vec![], m.high.value().map(Num::Int)),
        Family::new("ctune_memory_swap_limit_bytes", Kind::Gauge, "Swap limit.")
            .unit("bytes")
            .with(vec![], m.swap_limit.value().map(Num::Int)),
        Family::new(
            "ctune_memory_reservation_bytes",
            Kind::Gauge,
            "Memory reservation of the cgroup (v1 memory.soft_limit_in_bytes, v2 memory.low).",
        )
        .unit("bytes")
        .with(vec![], m.reservation.value().map(Num::Int)),
        Family::new(
            "ctune_memory_host_swap_bytes",
            Kind::Gauge,
            "Host swap (SwapTotal).",
        )
        .unit("bytes")
        .with(vec![], known_u64(&m.host_swap_bytes)),
        Family::new(
            "ctune_memory_host_total_bytes",
            Kind::Gauge,
            "Host RAM (MemTotal).",
        )
        .unit("bytes")
        .with(vec![], known_u64(&m.host_total_bytes)),
    ];
    const USAGE: [(&str, &str); 9] = [
        (
            "ctune_memory_usage_bytes",
            "Memory charged to the cgroup, page cache included.",
        ),
        (
            "ctune_memory_anon_bytes",
            "Anonymous memory: heap, stacks, malloc.",
        ),
        ("ctune_memory_file_bytes", "Page cache, tmpfs included."),
        (
            "ctune_memory_active_file_bytes",
            "Recently used page cache (counts in the working set).",
        ),
        (
            "ctune_memory_inactive_file_bytes",
            "Page cache the kernel reclaims first.",
        ),
        ("ctune_memory_shmem_bytes", "tmpfs and shared memory."),
        (
            "ctune_memory_dirty_bytes",
            "Page cache written, not yet on disk.",
        ),
        (
            "ctune_memory_writeback_bytes",
            "Page cache being written to disk.",
        ),
        (
            "ctune_memory_working_set_bytes",
            "usage - inactive_file: what the kubelet evicts on.",
        ),
    ];
    for ((name, help), (_, fact)) in USAGE.into_iter().zip(m.usage_fields()) {
        out.push(
            Family::new(name, Kind::Gauge, help)
                .unit("bytes")
                .with(vec![], known_u64(fact)),
        );
    }
    out.push(
        Family::new(
            "ctune_memory_oom_kills",
            Kind::Counter,
            "Processes the OOM killer ended in this cgroup since it was created.",
        )
        .with(vec![], known_u64(&m.oom_kills)),
    );
    out
}

fn scope_labels(scope: &str, res: &str, kind: &str) -> Labels {
    vec![
        ("scope", scope.to_owned()),
        ("resource", res.to_owned()),
        ("kind", kind.to_owned()),
    ]
}

fn pressure(p: &PressureFacts) -> Vec<Family> {
    let mut total = Family::new(
        "ctune_pressure_stalled_seconds",
        Kind::Counter,
        "PSI total: time some (or, kind=full, all non-idle) tasks stalled on the resource.",
    )
    .unit("seconds");
    let mut ratio = Family::new(
        "ctune_pressure_stall_ratio",
        Kind::Gauge,
        "PSI avg10/avg60/avg300 as a ratio (0-1) of wall time stalled over the window.",
    );
    for (scope, set) in [("cgroup", &p.cgroup), ("host", &p.host)] {
        for (res, f) in set.resources() {
            let Fact::Known(pr) = f else { continue };
            let lines =
                std::iter::once(("some", &pr.some)).chain(pr.full.known().map(|l| ("full", l)));
            for (kind, l) in lines {
                total.add(
                    scope_labels(scope, res, kind),
                    Num::Float(l.total_us as f64 / 1e6),
                );
                for (w, v) in [("10s", l.avg10), ("60s", l.avg60), ("300s", l.avg300)] {
                    let mut labels = scope_labels(scope, res, kind);
                    labels.push(("window", w.to_owned()));
                    ratio.add(labels, Num::Float(v / 100.0));
                }
            }
        }
    }
    vec![total, ratio]
}

fn interval(i: &IntervalFacts) -> Vec<Family> {
    let t = i.cpu_throttling.known();
    let mut stall = Family::new(
        "ctune_interval_pressure_stall_ratio",
        Kind::Gauge,
        "Share (0-1) of the --interval stalled on the resource, from the PSI totals.",
    );
    for (scope, set) in [("cgroup", &i.pressure.cgroup), ("host", &i.pressure.host)] {
        for (res, f) in set.resources() {
            let Fact::Known(s) = f else { continue };
            stall.add(scope_labels(scope, res, "some"), Num::Float(s.some.share));
            if let Fact::Known(full) = &s.full {
                stall.add(scope_labels(scope, res, "full"), Num::Float(full.share));
            }
        }
    }
    vec![
        Family::new(
            "ctune_interval_seconds",
            Kind::Gauge,
            "Time between the two readings of --interval.",
        )
        .unit("seconds")
        .with(vec![], Some(Num::Float(i.seconds))),
        Family::new(
            "ctune_interval_cpu_periods",
            Kind::Gauge,
            "CFS periods during the interval.",
        )
        .with(vec![], t.map(|t| Num::Int(t.periods))),
        Family::new(
            "ctune_interval_cpu_throttled_periods",
            Kind::Gauge,
            "Throttled CFS periods during the interval.",
        )
        .with(vec![], t.map(|t| Num::Int(t.throttled_periods))),
        Family::new(
            "ctune_interval_cpu_throttled_seconds",
            Kind::Gauge,
            "Time throttled during the interval.",
        )
        .unit("seconds")
        .with(vec![], t.map(|t| Num::Float(t.throttled_seconds))),
        Family::new(
            "ctune_interval_cpu_throttled_ratio",
            Kind::Gauge,
            "Throttled periods / periods during the interval (0-1).",
        )
        .with(vec![], t.map(|t| Num::Float(t.throttled_share))),
        Family::new(
            "ctune_interval_memory_growth_bytes_per_second",
            Kind::Gauge,
            "Change of memory usage per second over the interval (negative when it shrank).",
        )
        .with(
            vec![],
            i.memory
                .usage_bytes_per_second
                .known()
                .map(|v| Num::Float(*v)),
        ),
        stall,
    ]
}

/// `pid` and `command` (empty when unknown): the labels of every per-JVM sample.
fn jvm_labels(p: &JavaProcess) -> Labels {
    vec![
        ("pid", p.pid.to_string()),
        ("command", p.command.known().cloned().unwrap_or_default()),
    ]
}

/// The running JVMs (`java_processes`), one sample per JVM and value it could read.
fn jvms(procs: &[JavaProcess]) -> Vec<Family> {
    let mut info = Family::new(
        "ctune_jvm_info",
        Kind::Gauge,
        "Always 1 per running JVM: its version and collector (empty when unknown).",
    );
    type Get = fn(&JavaProcess) -> Option<Num>;
    let table: [(&'static str, Kind, Option<&'static str>, &'static str, Get); 10] = [
        (
            "ctune_jvm_heap_max_bytes",
            Kind::Gauge,
            Some("bytes"),
            "The heap the JVM may grow to.",
            |p| known_u64(&p.max_heap_bytes),
        ),
        (
            "ctune_jvm_heap_committed_bytes",
            Kind::Gauge,
            Some("bytes"),
            "Heap committed.",
            |p| known_u64(&p.heap_committed_bytes),
        ),
        (
            "ctune_jvm_heap_used_bytes",
            Kind::Gauge,
            Some("bytes"),
            "Heap in use.",
            |p| known_u64(&p.heap_used_bytes),
        ),
        (
            "ctune_jvm_metaspace_used_bytes",
            Kind::Gauge,
            Some("bytes"),
            "Metaspace in use.",
            |p| known_u64(&p.metaspace_used_bytes),
        ),
        (
            "ctune_jvm_metaspace_committed_bytes",
            Kind::Gauge,
            Some("bytes"),
            "Metaspace committed.",
            |p| known_u64(&p.metaspace_committed_bytes),
        ),
        (
            "ctune_jvm_threads",
            Kind::Gauge,
            None,
            "Live Java threads.",
            |p| known_u64(&p.threads),
        ),
        (
            "ctune_jvm_rss_bytes",
            Kind::Gauge,
            Some("bytes"),
            "Resident memory of the process (VmRSS).",
            |p| known_u64(&p.rss_bytes),
        ),
        (
            "ctune_jvm_uptime_seconds",
            Kind::Gauge,
            Some("seconds"),
            "Time since the JVM started.",
            |p| p.uptime_seconds.known().map(|v| Num::Float(*v)),
        ),
        (
            "ctune_jvm_gc_collections",
            Kind::Counter,
            None,
            "GC collections (pauses) since the JVM started.",
            |p| known_u64(&p.gc_count),
        ),
        (
            "ctune_jvm_gc_pause_seconds",
            Kind::Counter,
            Some("seconds"),
            "Time in GC pauses since the JVM started.",
            |p| p.gc_time_seconds.known().map(|v| Num::Float(*v)),
        ),
    ];
    for p in procs {
        let mut l = jvm_labels(p);
        l.push(("version", p.version.known().cloned().unwrap_or_default()));
        l.push((
            "gc",
            p.gc.known()
                .map(|g| g.as_str().to_owned())
                .unwrap_or_default(),
        ));
        info.add(l, Num::Int(1));
    }
    let mut out = vec![info];
    for (name, kind, unit, help, get) in table {
        let mut fam = Family::new(name, kind, help);
        fam.unit = unit;
        for p in procs {
            if let Some(n) = get(p) {
                fam.add(jvm_labels(p), n);
            }
        }
        out.push(fam);
    }
    out
}

fn interval_jvms(procs: &[JavaProcess], i: &IntervalFacts) -> Family {
    let mut fam = Family::new(
        "ctune_interval_jvm_gc_ratio",
        Kind::Gauge,
        "Share (0-1) of the --interval a JVM spent in GC pauses.",
    );
    for j in &i.java_processes {
        let (Some(p), Some(share)) = (procs.iter().find(|p| p.pid == j.pid), j.gc_share.known())
        else {
            continue;
        };
        fam.add(jvm_labels(p), Num::Float(*share));
    }
    fam
}

fn finding_families(findings: &[Finding]) -> Vec<Family> {
    let mut each = Family::new(
        "ctune_finding",
        Kind::Gauge,
        "1 for each finding of ctune doctor (id and severity as in ctune lint).",
    );
    for f in findings {
        each.add(
            vec![
                ("id", f.id().to_owned()),
                ("severity", f.severity.as_str().to_owned()),
            ],
            Num::Int(1),
        );
    }
    let mut counts = Family::new("ctune_findings", Kind::Gauge, "Findings per severity.");
    for s in [Severity::Error, Severity::Warning, Severity::Info] {
        let n = findings.iter().filter(|f| f.severity == s).count() as u64;
        counts.add(vec![("severity", s.as_str().to_owned())], Num::Int(n));
    }
    vec![each, counts]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::test_facts::container;

    fn finding(id: &'static str, severity: Severity) -> Finding {
        Finding {
            rule: crate::findings::RULES
                .iter()
                .copied()
                .find(|r| r.id == id)
                .expect("a catalogue id"),
            severity,
            title: String::new(),
            detail: String::new(),
            fix: String::new(),
            evidence: vec![],
            at: None,
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        let mut f = container();
        if let Some(j) = f.jvm.as_mut() {
            j.version = Some("17\"x\\\ny".into());
        }
        let out = report(&f, &[], Flavor::OpenMetrics);
        assert!(out.contains("java_version=\"17\\\"x\\\\\\ny\""), "{out}");
    }

    #[test]
    fn counters_follow_each_format() {
        let f = container();
        let om = report(&f, &[], Flavor::OpenMetrics);
        assert!(om.contains("# TYPE ctune_cpu_throttled_seconds counter\n# UNIT ctune_cpu_throttled_seconds seconds\n"));
        assert!(
            om.contains("\nctune_cpu_throttled_seconds_total 0.5\n"),
            "{om}"
        );
        assert!(om.ends_with("# EOF\n"));
        let prom = report(&f, &[], Flavor::Prometheus);
        assert!(prom.contains("# TYPE ctune_cpu_throttled_seconds_total counter\n# HELP ctune_cpu_throttled_seconds_total "));
        assert!(!prom.contains("# UNIT") && !prom.contains("# EOF"));
    }

    #[test]
    fn running_jvms_and_their_gc_share() {
        let mut p = JavaProcess::unread(42, "test");
        p.command = Fact::Known("java -jar \"odd\".jar".into());
        p.max_heap_bytes = Fact::Known(512 << 20);
        p.gc_time_seconds = Fact::Known(3.5);
        let mut a = container();
        a.java_processes = vec![p.clone()];
        let mut b = container();
        p.gc_time_seconds = Fact::Known(4.5);
        b.java_processes = vec![p];
        let f = crate::interval::attach(&a, b, 2.0);
        let out = report(&f, &[], Flavor::OpenMetrics);
        let l = "{pid=\"42\",command=\"java -jar \\\"odd\\\".jar\"}";
        assert!(
            out.contains(&format!("ctune_jvm_heap_max_bytes{l} 536870912\n")),
            "{out}"
        );
        assert!(out.contains(&format!("ctune_jvm_gc_pause_seconds_total{l} 4.5\n")));
        assert!(out.contains(&format!("ctune_interval_jvm_gc_ratio{l} 0.5\n")));
        // Unknown values have no sample.
        assert!(!out.contains("ctune_jvm_threads{"));
    }

    #[test]
    fn findings_and_counts() {
        let f = container();
        let out = report(
            &f,
            &[
                finding("cpu-throttled", Severity::Warning),
                finding("running-as-root", Severity::Warning),
            ],
            Flavor::OpenMetrics,
        );
        assert!(out.contains("ctune_finding{id=\"cpu-throttled\",severity=\"warning\"} 1\n"));
        assert!(out.contains("ctune_findings{severity=\"warning\"} 2\n"));
        assert!(out.contains("ctune_findings{severity=\"error\"} 0\n"));
    }

    #[test]
    fn unknown_and_unlimited_have_no_sample() {
        let mut f = container();
        f.memory.limit = Limit::unlimited("max");
        f.memory.usage_bytes = Fact::Unknown("memory.current: gone".into());
        let out = report(&f, &[], Flavor::Prometheus);
        assert!(!out.contains("ctune_memory_limit_bytes "), "{out}");
        assert!(!out.contains("ctune_memory_usage_bytes "));
        assert!(out.contains("ctune_limit_state{limit=\"memory\",state=\"unlimited\"} 1"));
        assert!(out.contains("ctune_diagnostic{field=\"memory.usage_bytes\"} 1"));
        // Big integers are printed exactly, not through a float.
        f.memory.host_total_bytes = Fact::Known(u64::MAX);
        let out = report(&f, &[], Flavor::Prometheus);
        assert!(out.contains(&format!("ctune_memory_host_total_bytes {}\n", u64::MAX)));
    }
}
