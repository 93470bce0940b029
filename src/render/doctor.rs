//! `ctune doctor`: a short summary of the environment, then the findings grouped by severity
//! with why, the fix and the evidence, for a person at a terminal (table) or a script (JSON).
//! Pure: facts and findings in, a string out; the command edge decides on colour and width.

use super::json::{pretty, SCHEMA_VERSION};
use super::text::{paint, plural, severity_style, wrap};
use super::{bytes, cores};
use crate::facts::{Fact, Facts, Limit};
use crate::findings::{counts, Counts, Finding, Severity};
use crate::jvm::advise::Advice;
use crate::jvm::ergonomics::JvmView;
use serde::Serialize;

// ---- doctor: summary --------------------------------------------------------------------

#[derive(Serialize)]
struct CpuSummary<'a> {
    limit: &'a Limit<f64>,
    effective_count: &'a Fact<u32>,
    host_count: &'a Fact<u32>,
}

#[derive(Serialize)]
struct MemorySummary<'a> {
    limit: &'a Limit<u64>,
    high: &'a Limit<u64>,
    usage_bytes: &'a Fact<u64>,
    working_set_bytes: &'a Fact<u64>,
    host_total_bytes: &'a Fact<u64>,
}

#[derive(Serialize)]
struct IdentitySummary<'a> {
    uid: &'a Fact<u32>,
    user: &'a Option<String>,
    passwd_entry: &'a Fact<bool>,
    user_namespace: &'a Fact<bool>,
    host_uid: &'a Fact<u32>,
}

#[derive(Serialize)]
struct JavaSummary<'a> {
    path: &'a Option<String>,
    version: &'a Option<String>,
    /// What this JVM picks by itself here (absent when the version is unknown).
    jvm_view: Option<&'a JvmView>,
}

#[derive(Serialize)]
struct DataDir<'a> {
    path: &'a str,
    role: &'a str,
    kind: &'a str,
    fs_type: &'a str,
}

/// `summary` in `doctor --format json`: the few facts a person reads first.
#[derive(Serialize)]
struct Summary<'a> {
    container: bool,
    runtime: Option<&'a str>,
    cgroup: &'a str,
    cpu: CpuSummary<'a>,
    memory: MemorySummary<'a>,
    identity: IdentitySummary<'a>,
    java: Option<JavaSummary<'a>>,
    data_dirs: Vec<DataDir<'a>>,
}

fn java_known(f: &Facts) -> bool {
    f.jvm
        .as_ref()
        .and_then(|j| j.version.as_deref())
        .and_then(crate::jvm::version::JavaVersion::parse)
        .is_some()
}

fn summary<'a>(f: &'a Facts, a: &'a Advice) -> Summary<'a> {
    Summary {
        container: f.container.detected,
        runtime: f.container.runtime.map(|r| r.as_str()),
        cgroup: f.cgroup.version.as_str(),
        cpu: CpuSummary {
            limit: &f.cpu.limit,
            effective_count: &f.cpu.effective_count,
            host_count: &f.cpu.host_count,
        },
        memory: MemorySummary {
            limit: &f.memory.limit,
            high: &f.memory.high,
            usage_bytes: &f.memory.usage_bytes,
            working_set_bytes: &f.memory.working_set_bytes,
            host_total_bytes: &f.memory.host_total_bytes,
        },
        identity: IdentitySummary {
            uid: &f.identity.uid,
            user: &f.identity.user,
            passwd_entry: &f.identity.passwd_entry,
            user_namespace: &f.identity.user_namespace,
            host_uid: &f.identity.host_uid,
        },
        java: f.jvm.as_ref().map(|j| JavaSummary {
            path: &j.path,
            version: &j.version,
            jvm_view: java_known(f).then_some(&a.jvm_view),
        }),
        data_dirs: f
            .mounts
            .iter()
            .map(|m| DataDir {
                path: &m.path,
                role: &m.role,
                kind: m.kind.as_str(),
                fs_type: &m.fs_type,
            })
            .collect(),
    }
}

fn summary_rows(f: &Facts, a: &Advice) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    let place = match (f.container.detected, f.container.runtime) {
        (true, Some(r)) => format!("{} container", r.as_str()),
        (true, None) => "a container (runtime unknown)".into(),
        (false, _) => "no container detected".into(),
    };
    let cg = match f.cgroup.version.as_str() {
        "none" => "no cgroup file system".to_owned(),
        v if f.cgroup.hybrid => format!("cgroup {v} (hybrid)"),
        v => format!("cgroup {v}"),
    };
    // The contract's "unknown" hypervisor is a known fact: virtualised, by one not named.
    let hv = match &f.host.hypervisor {
        Fact::Known(h) if h == "unknown" => ", in a VM (hypervisor not named)".to_owned(),
        Fact::Known(h) => format!(", in a VM ({h})"),
        _ => String::new(),
    };
    rows.push(("where", format!("{place}, {cg}{hv}")));

    let host = f
        .cpu
        .host_count
        .known()
        .map(|n| format!("{n} on the host"))
        .unwrap_or_else(|| "host CPUs unknown".into());
    let usable = f.cpu.effective_count.known().copied();
    let mut cpu = match &f.cpu.limit {
        Limit::Limited { value, .. } => format!(
            "{} CPU limit, {} usable, {host}",
            cores(*value),
            usable.map_or("?".into(), |n| n.to_string())
        ),
        l @ Limit::Unlimited { .. } => format!(
            "no CPU limit{}, {} usable, {host}",
            if l.hidden_above().is_some() {
                " visible"
            } else {
                ""
            },
            usable.map_or("?".into(), |n| n.to_string())
        ),
        Limit::Unknown { .. } => format!("CPU limit unknown, {host}"),
    };
    if let Fact::Known(t) = &f.cpu.throttling {
        if t.periods > 0 {
            cpu.push_str(&format!(
                "; throttled in {} of periods",
                crate::findings::pct(t.throttled_periods, t.periods) + "%"
            ));
        }
    }
    rows.push(("cpu", cpu));

    let m = &f.memory;
    let used = m
        .usage_bytes
        .known()
        .map(|u| format!(", {} used", bytes(*u)))
        .unwrap_or_default();
    let ws = m
        .working_set_bytes
        .known()
        .map(|w| format!(" (working set {})", bytes(*w)))
        .unwrap_or_default();
    let host_ram = m
        .host_total_bytes
        .known()
        .map(|h| format!("host RAM {}", bytes(*h)))
        .unwrap_or_else(|| "host RAM unknown".into());
    let mut mem = match &m.limit {
        Limit::Limited { value, .. } => format!("{} limit{used}{ws}", bytes(*value)),
        l @ Limit::Unlimited { .. } => format!("{}, {host_ram}{used}", l.no_limit_words()),
        Limit::Unknown { .. } => format!("limit unknown, {host_ram}{used}"),
    };
    if let Some(h) = m.high.value() {
        mem.push_str(&format!("; memory.high {}", bytes(h)));
    }
    if let Some(&n) = m.oom_kills.known() {
        if n > 0 {
            mem.push_str(&format!("; {n} OOM kills"));
        }
    }
    rows.push(("memory", mem));

    let id = &f.identity;
    let user = match (&id.uid, &id.user) {
        (Fact::Known(u), Some(name)) => format!("uid {u} ({name})"),
        (Fact::Known(u), None) if id.lacks_passwd_entry() => format!("uid {u} (no passwd entry)"),
        (Fact::Known(u), None) => format!("uid {u} (passwd entry unknown)"),
        _ => "uid unknown".into(),
    };
    let ns = if id.in_user_namespace() {
        match id.host_uid.known() {
            Some(h) => format!(", host uid {h} (user namespace)"),
            None => ", in a user namespace".into(),
        }
    } else if id.uid.known() == Some(&0) && id.user_namespace == Fact::Known(false) {
        ", host root".into()
    } else {
        String::new()
    };
    rows.push(("user", format!("{user}{ns}")));

    let java = match &f.jvm {
        Some(j) => {
            let v = j.version.as_deref().unwrap_or("version unknown");
            let at = j
                .path
                .as_deref()
                .map(|p| format!(" at {p}"))
                .unwrap_or_else(|| format!(" ({})", j.version_source));
            if java_known(f) {
                let view = &a.jvm_view;
                // The user's own heap setting, if any (only that option: other options may
                // carry secrets in system properties).
                let user_heap = crate::findings::user_options(a).max_heap().map(|h| {
                    let o = match &h {
                        crate::jvm::options::HeapSetting::Bytes(_, o)
                        | crate::jvm::options::HeapSetting::Percent(_, o) => o,
                    };
                    format!(
                        "; with {} ({}) a {} heap",
                        o.option,
                        o.source,
                        bytes(a.recommended.max_heap_bytes)
                    )
                });
                format!(
                    "{v}{at}: by itself it would use {} CPU{}, a {} heap, {} GC{}",
                    view.active_processor_count,
                    if view.active_processor_count == 1 {
                        ""
                    } else {
                        "s"
                    },
                    bytes(view.max_heap_bytes),
                    view.gc.as_str(),
                    if view.container_aware {
                        ""
                    } else {
                        " (blind to the cgroup)"
                    }
                ) + &user_heap.unwrap_or_default()
            } else {
                format!("{v}{at}: JVM checks skipped (--assume jdk=VERSION)")
            }
        }
        None => "none found: JVM checks skipped (--java PATH or --assume jdk=VERSION)".into(),
    };
    rows.push(("java", java));
    for p in &f.java_processes {
        rows.push(("running", running_line(p)));
    }

    let mut dirs: Vec<String> = f
        .mounts
        .iter()
        .map(|m| format!("{} {} {}", m.path, m.kind.as_str(), m.fs_type))
        .collect();
    // A directory asked for with --path that could not be inspected says why, here too.
    dirs.extend(
        f.notes
            .iter()
            .filter(|n| n.starts_with("--path "))
            .map(|n| n.trim_start_matches("--path ").to_owned()),
    );
    rows.push((
        "data dirs",
        if dirs.is_empty() {
            "none could be inspected".into()
        } else {
            dirs.join("; ")
        },
    ));
    rows
}

/// `JVM 7 (java Hold): heap 20 MiB used of 64 MiB, 80 MiB resident, 5% in GC`.
fn running_line(p: &crate::facts::JavaProcess) -> String {
    let cmd = p
        .command
        .known()
        .map(|c| format!(" ({})", c.rsplit('/').next().unwrap_or(c)))
        .unwrap_or_default();
    let mut parts = Vec::new();
    match (p.heap_used_bytes.known(), p.max_heap_bytes.known()) {
        (Some(u), Some(m)) => parts.push(format!(
            "heap {} used of {}",
            crate::units::bytes(*u),
            crate::units::bytes(*m)
        )),
        _ => parts.push("no perf data".to_owned()),
    }
    if let Some(r) = p.rss_bytes.known() {
        parts.push(format!("{} resident", crate::units::bytes(*r)));
    }
    if let (Some(g), Some(u)) = (p.gc_time_seconds.known(), p.uptime_seconds.known()) {
        if *u > 0.0 {
            parts.push(format!("{:.0}% of {u:.0} s in GC", 100.0 * g / u));
        }
    }
    format!("JVM {}{cmd}: {}", p.pid, parts.join(", "))
}

// ---- doctor: table ----------------------------------------------------------------------

fn counts_line(c: &Counts) -> String {
    format!(
        "{}, {}, {}",
        plural(c.error, "error", "errors"),
        plural(c.warning, "warning", "warnings"),
        plural(c.info, "note", "notes")
    )
}

/// `ctune doctor`: the environment in a few lines, then every finding with why, the fix and
/// the evidence, grouped by severity. `width` is the terminal's (80 is the design target).
pub fn table(f: &Facts, a: &Advice, findings: &[Finding], color: bool, width: usize) -> String {
    let bold = anstyle::Style::new().bold();
    let mut out = String::new();
    let rows = summary_rows(f, a)
        .into_iter()
        .map(|(k, v)| vec![k.to_owned(), v])
        .collect();
    let t = super::table::fit(None, rows, width, &[9]);
    out.push_str(&t.to_string());
    out.push('\n');
    let c = counts(findings);
    out.push('\n');
    if findings.is_empty() {
        out.push_str("No findings: nothing here is known to hurt.\n");
        return out;
    }
    out.push_str(&format!("{}\n\n", counts_line(&c)));
    for (sev, heading) in [
        (Severity::Error, "Errors"),
        (Severity::Warning, "Warnings"),
        (Severity::Info, "Notes"),
    ] {
        let group: Vec<&Finding> = findings.iter().filter(|x| x.severity == sev).collect();
        if group.is_empty() {
            continue;
        }
        let head = format!("{heading} ({})", group.len());
        let rule = "─".repeat(width.saturating_sub(head.chars().count() + 4));
        out.push_str(&format!(
            "── {} {rule}\n",
            paint(severity_style(sev), &head, color)
        ));
        for x in group {
            let title_lines = wrap(&format!("{}: {}", x.id(), x.title), width, 0, 4);
            for (i, l) in title_lines.iter().enumerate() {
                if i == 0 && color {
                    let l = l.replacen(x.id(), &paint(bold, x.id(), true), 1);
                    out.push_str(&l);
                } else {
                    out.push_str(l);
                }
                out.push('\n');
            }
            for l in wrap(&x.detail, width, 4, 4) {
                out.push_str(&l);
                out.push('\n');
            }
            for (i, l) in wrap(&format!("Fix: {}", x.fix), width, 4, 9)
                .into_iter()
                .enumerate()
            {
                if i == 0 && color {
                    out.push_str(&l.replacen("Fix:", &paint(bold, "Fix:", true), 1));
                } else {
                    out.push_str(&l);
                }
                out.push('\n');
            }
            for (i, e) in x.evidence.iter().enumerate() {
                let lines = if i == 0 {
                    wrap(&format!("Evidence: {e}"), width, 4, 14)
                } else {
                    wrap(e, width, 14, 14)
                };
                for l in lines {
                    out.push_str(&l);
                    out.push('\n');
                }
            }
            out.push('\n');
        }
    }
    for l in wrap(
        "`ctune jvm` prints the JVM flags for this environment; `ctune lint` runs these checks in CI.",
        width,
        0,
        0,
    ) {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct DoctorDoc<'a> {
    schema_version: u32,
    summary: Summary<'a>,
    findings: &'a [Finding],
    counts: Counts,
}

/// `ctune doctor --format json`.
pub fn json(f: &Facts, a: &Advice, findings: &[Finding]) -> String {
    pretty(&DoctorDoc {
        schema_version: SCHEMA_VERSION,
        summary: summary(f, a),
        findings,
        counts: counts(findings),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_when_asked_and_80_columns() {
        use crate::findings::test_facts::{advice, container};
        let mut f = container();
        f.identity.uid = Fact::Known(0);
        f.identity.host_uid = Fact::Known(0);
        let a = advice(&f, &[]);
        let found = crate::findings::check(&f, &a);
        let plain = table(&f, &a, &found, false, 80);
        assert!(!plain.contains('\x1b'));
        assert!(plain.contains("── Warnings (1)"), "{plain}");
        for l in plain.lines() {
            assert!(l.chars().count() <= 80, "{l}");
        }
        let coloured = table(&f, &a, &found, true, 80);
        assert!(
            coloured.contains("\x1b[1m\x1b[33mWarnings (1)\x1b[0m"),
            "{coloured}"
        );
        assert!(table(&container(), &a, &[], false, 80).contains("No findings"));
    }
}
