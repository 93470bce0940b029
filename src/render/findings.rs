//! Findings for people (`ctune doctor`: a short summary of the environment, then the findings
//! grouped by severity, for an 80-column terminal) and for CI (`ctune lint`: text, the
//! contract's JSON, SARIF 2.1.0 for GitHub code scanning, JUnit XML, GitHub workflow
//! annotations). Pure: strings in, strings out; the command edge decides on colour and width.

use super::json::SCHEMA_VERSION;
use super::{bytes, cores};
use crate::facts::{Fact, Facts, Limit};
use crate::findings::{counts, Counts, Finding, Severity, RULES};
use crate::jvm::advise::Advice;
use crate::jvm::ergonomics::JvmView;
use comfy_table::{presets::UTF8_BORDERS_ONLY, ColumnConstraint, ContentArrangement, Table, Width};
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
    passwd_entry: bool,
    user_namespace: bool,
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
            passwd_entry: f.identity.passwd_entry,
            user_namespace: f.identity.user_namespace,
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
    let hv = match &f.host.hypervisor {
        Fact::Known(h) if h == "unknown" => ", in a VM",
        Fact::Known(_) => ", in a VM",
        _ => "",
    };
    let hv_name = match &f.host.hypervisor {
        Fact::Known(h) if h != "unknown" => format!(" ({h})"),
        _ => String::new(),
    };
    rows.push(("where", format!("{place}, {cg}{hv}{hv_name}")));

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
        Limit::Unlimited { .. } => format!(
            "no CPU limit, {} usable, {host}",
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
        Limit::Unlimited { .. } => format!("no limit, {host_ram}{used}"),
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
        (Fact::Known(u), None) => format!("uid {u} (no passwd entry)"),
        _ => "uid unknown".into(),
    };
    let ns = if id.user_namespace {
        match id.host_uid.known() {
            Some(h) => format!(", host uid {h} (user namespace)"),
            None => ", in a user namespace".into(),
        }
    } else if id.uid.known() == Some(&0) {
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

    let dirs: Vec<String> = f
        .mounts
        .iter()
        .map(|m| format!("{} {} {}", m.path, m.kind.as_str(), m.fs_type))
        .collect();
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

// ---- doctor: table ----------------------------------------------------------------------

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";

fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Error => "\x1b[1;31m",
        Severity::Warning => "\x1b[1;33m",
        Severity::Info => "\x1b[1;36m",
    }
}

/// Greedy word wrap: the first line indented by `first`, the others by `rest`, no line longer
/// than `width` characters. A word longer than any line (a long path) is split, after a `/`
/// where it can be.
pub fn wrap(text: &str, width: usize, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = " ".repeat(first);
    let mut len = first;
    let mut empty = true;
    let full = width.saturating_sub(rest).max(1);
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while !word.is_empty() {
            let sep = usize::from(!empty);
            let room = width.saturating_sub(len + sep);
            if word.len() <= room {
                if !empty {
                    line.push(' ');
                }
                line.extend(word.iter());
                len += sep + word.len();
                empty = false;
                break;
            }
            if word.len() <= full || room < 8 {
                // Fits on a fresh line (or too little room here to bother): break the line.
                if empty && room == 0 {
                    // Nothing fits even on an empty line: cut hard.
                    let (head, tail) = word.split_at(word.len().min(full));
                    line.extend(head.iter());
                    word = tail.to_vec();
                }
                lines.push(std::mem::take(&mut line));
                line = " ".repeat(rest);
                len = rest;
                empty = true;
                continue;
            }
            // Too long for any line: fill this one, cutting after the last `/` that fits.
            let cut = word[..room]
                .iter()
                .rposition(|&c| c == '/')
                .filter(|&i| i > 0)
                .map_or(room, |i| i + 1);
            if !empty {
                line.push(' ');
            }
            line.extend(word[..cut].iter());
            word = word[cut..].to_vec();
            lines.push(std::mem::take(&mut line));
            line = " ".repeat(rest);
            len = rest;
            empty = true;
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

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
pub fn doctor_table(
    f: &Facts,
    a: &Advice,
    findings: &[Finding],
    color: bool,
    width: usize,
) -> String {
    let width = width.max(60);
    let paint = |code: &str, s: &str| {
        if color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width as u16);
    t.set_constraints(vec![ColumnConstraint::Absolute(Width::Fixed(11))]);
    for (k, v) in summary_rows(f, a) {
        t.add_row(vec![k.to_owned(), v]);
    }
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
        out.push_str(&format!("── {} {rule}\n", paint(colour(sev), &head)));
        for x in group {
            let title_lines = wrap(&format!("{}: {}", x.id, x.title), width, 0, 4);
            for (i, l) in title_lines.iter().enumerate() {
                if i == 0 && color {
                    let l = l.replacen(x.id, &format!("{BOLD}{}{RESET}", x.id), 1);
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
                    out.push_str(&l.replacen("Fix:", &paint(BOLD, "Fix:"), 1));
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
pub fn doctor_json(f: &Facts, a: &Advice, findings: &[Finding]) -> String {
    to_json(&DoctorDoc {
        schema_version: SCHEMA_VERSION,
        summary: summary(f, a),
        findings,
        counts: counts(findings),
    })
}

fn to_json<T: Serialize>(doc: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

// ---- lint ---------------------------------------------------------------------------------

/// How `lint` was asked to judge: the lowest failing severity (None = never fail) and the ids
/// suppressed with `--allow`.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub fail_on: Option<Severity>,
    pub allowed: Vec<String>,
}

impl Policy {
    pub fn fails(&self, s: Severity) -> bool {
        self.fail_on.is_some_and(|t| s >= t)
    }
}

/// `ctune lint --format text`: one block per finding, compiler style, then a verdict line.
pub fn lint_text(findings: &[Finding], policy: &Policy) -> String {
    let mut out = String::new();
    for x in findings {
        out.push_str(&format!("{}[{}]: {}\n", x.severity.as_str(), x.id, x.title));
        out.push_str(&format!("  {}\n", x.detail));
        out.push_str(&format!("  fix: {}\n", x.fix));
        for e in &x.evidence {
            out.push_str(&format!("  evidence: {e}\n"));
        }
        out.push('\n');
    }
    out.push_str(&verdict(findings, policy));
    out
}

/// `ctune lint: 1 error, 2 warnings, 0 info; ...: fails`.
fn verdict(findings: &[Finding], policy: &Policy) -> String {
    let c = counts(findings);
    let failing = findings.iter().filter(|x| policy.fails(x.severity)).count();
    let mut verdict = format!(
        "ctune lint: {}, {}, {}",
        plural(c.error, "error", "errors"),
        plural(c.warning, "warning", "warnings"),
        plural(c.info, "info", "info")
    );
    if !policy.allowed.is_empty() {
        verdict.push_str(&format!("; allowed: {}", policy.allowed.join(", ")));
    }
    match policy.fail_on {
        None => verdict.push_str("; --fail-on never: passes"),
        Some(t) if failing > 0 => {
            verdict.push_str(&format!("; {failing} at or above {}: fails", t.as_str()))
        }
        Some(t) => verdict.push_str(&format!("; none at or above {}: passes", t.as_str())),
    }
    verdict.push('\n');
    verdict
}

#[derive(Serialize)]
struct LintDoc<'a> {
    schema_version: u32,
    findings: &'a [Finding],
    counts: Counts,
}

/// `ctune lint --format json`: the contract's `{schema_version, findings, counts}`.
pub fn lint_json(findings: &[Finding]) -> String {
    to_json(&LintDoc {
        schema_version: SCHEMA_VERSION,
        findings,
        counts: counts(findings),
    })
}

// ---- SARIF --------------------------------------------------------------------------------

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct HelpText {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: HelpText,
    default_configuration: DefaultConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "ctuneFindingId/v1")]
    id: &'static str,
}

#[derive(Serialize)]
struct ResultProperties {
    title: String,
    fix: String,
    evidence: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<SarifRule>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

/// SARIF's `level` for a severity (`info` is `note`).
pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a URI reference: unreserved characters and `/` stay, everything else is
/// percent-encoded (a space in a file name would make the URI invalid).
pub fn uri_reference(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rule_tags(id: &str) -> Vec<&'static str> {
    let family = if id.starts_with("data-dir") {
        "storage"
    } else if id.starts_with("jvm")
        || id == "cpu-count-from-shares"
        || id == "heap-exceeds-memory-limit"
    {
        "jvm"
    } else if matches!(
        id,
        "running-as-root"
            | "uid-without-passwd-entry"
            | "home-unset-for-arbitrary-uid"
            | "secret-in-environment"
            | "dangerous-capabilities"
            | "no-lsm-confinement"
            | "seccomp-unconfined"
    ) {
        "security"
    } else {
        "resources"
    };
    vec!["container", family]
}

/// `ctune lint --format sarif`: SARIF 2.1.0 as GitHub code scanning takes it. Every rule in
/// the catalogue is listed (with the fix as help text); every result points at `artifact`,
/// line 1, since a runtime finding has no line of its own.
pub fn sarif(findings: &[Finding], artifact: &str) -> String {
    let rules = RULES
        .iter()
        .map(|r| SarifRule {
            id: r.id,
            name: r.name,
            short_description: Text {
                text: r.summary.to_owned(),
            },
            full_description: Text {
                text: format!("{} {}", r.summary, r.description),
            },
            help: HelpText {
                text: r.help.to_owned(),
                markdown: format!("**Fix:** {}", r.help),
            },
            default_configuration: DefaultConfiguration {
                level: sarif_level(r.severity),
            },
            properties: RuleProperties {
                tags: rule_tags(r.id),
                precision: "high",
            },
        })
        .collect();
    let uri = uri_reference(artifact);
    let results = findings
        .iter()
        .map(|x| SarifResult {
            rule_id: x.id,
            rule_index: RULES.iter().position(|r| r.id == x.id).unwrap_or(0),
            level: sarif_level(x.severity),
            message: Text {
                text: format!(
                    "{}. {} Fix: {} Evidence: {}.",
                    x.title.trim_end_matches('.'),
                    x.detail,
                    x.fix,
                    x.evidence.join("; ")
                ),
            },
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri.clone() },
                    region: Region { start_line: 1 },
                },
            }],
            partial_fingerprints: Fingerprints { id: x.id },
            properties: ResultProperties {
                title: x.title.clone(),
                fix: x.fix.clone(),
                evidence: x.evidence.clone(),
            },
        })
        .collect();
    to_json(&SarifLog {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "ctune",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
        }],
    })
}

// ---- JUnit --------------------------------------------------------------------------------

/// Escape text for XML (attribute or element content); characters XML 1.0 cannot carry are
/// dropped.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

fn finding_body(x: &Finding) -> String {
    let mut body = format!("{}\n\nfix: {}\n", x.detail, x.fix);
    for e in &x.evidence {
        body.push_str(&format!("evidence: {e}\n"));
    }
    body
}

/// `ctune lint --format junit`: one test case per check in the catalogue. A finding at or
/// above `--fail-on` is a `<failure>`; one below it passes with the finding as `<system-out>`;
/// an `--allow`ed check is `<skipped>`. So `failures > 0` exactly when lint exits 1.
pub fn junit(findings: &[Finding], policy: &Policy, artifact: &str) -> String {
    let tests = RULES.len();
    let failures = findings.iter().filter(|x| policy.fails(x.severity)).count();
    let skipped = RULES
        .iter()
        .filter(|r| policy.allowed.iter().any(|a| a == r.id))
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"ctune\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"ctune\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    ));
    let file = xml_escape(artifact);
    for r in RULES {
        let open = format!(
            "    <testcase classname=\"ctune\" name=\"{}\" file=\"{file}\"",
            r.id
        );
        if policy.allowed.iter().any(|a| a == r.id) {
            out.push_str(&format!(
                "{open}>\n      <skipped message=\"allowed with --allow {}\"/>\n    </testcase>\n",
                r.id
            ));
            continue;
        }
        match findings.iter().find(|x| x.id == r.id) {
            None => out.push_str(&format!("{open}/>\n")),
            Some(x) if policy.fails(x.severity) => out.push_str(&format!(
                "{open}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                x.severity.as_str(),
                xml_escape(&x.title),
                xml_escape(&finding_body(x))
            )),
            Some(x) => out.push_str(&format!(
                "{open}>\n      <system-out>{}: {}\n{}</system-out>\n    </testcase>\n",
                x.severity.as_str(),
                xml_escape(&x.title),
                xml_escape(&finding_body(x))
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

// ---- GitHub annotations -------------------------------------------------------------------

/// Escape an annotation's message (`%`, CR, LF).
pub fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape an annotation property (`file`, `title`): the message's escapes plus `:` and `,`.
pub fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `ctune lint --format github`: one workflow command per finding
/// (`::warning file=Dockerfile,line=1,title=...::message`), `info` as `::notice`, then a plain
/// verdict line for the log.
pub fn github(findings: &[Finding], policy: &Policy, artifact: &str) -> String {
    let mut out = String::new();
    let file = gh_escape_property(artifact);
    for x in findings {
        let cmd = match x.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let title = gh_escape_property(&format!("ctune {}: {}", x.id, x.title));
        let mut msg = format!("{}\n\nFix: {}", x.detail, x.fix);
        for e in &x.evidence {
            msg.push_str(&format!("\nEvidence: {e}"));
        }
        out.push_str(&format!(
            "::{cmd} file={file},line=1,title={title}::{}\n",
            gh_escape_data(&msg)
        ));
    }
    // The verdict, as a plain log line (not a workflow command).
    out.push_str(&verdict(findings, policy));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_lines_short() {
        let text = "a b c /a/very/long/path/that/does/not/fit/anywhere/at/all/in/twenty word";
        for l in wrap(text, 20, 4, 6) {
            assert!(l.chars().count() <= 20, "{l:?}");
        }
        assert_eq!(wrap("one two three", 9, 0, 2), ["one two", "  three"]);
        assert_eq!(wrap("", 9, 2, 2), ["  "]);
        assert_eq!(
            wrap(
                "Evidence: /sys/fs/cgroup/memory/a/b/memory.limit_in_bytes x",
                30,
                0,
                4
            ),
            [
                "Evidence: /sys/fs/cgroup/",
                "    memory/a/b/",
                "    memory.limit_in_bytes x"
            ]
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(gh_escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(gh_escape_property("a: b, c"), "a%3A b%2C c");
        assert_eq!(
            xml_escape("<a & 'b'>\u{1}"),
            "&lt;a &amp; &apos;b&apos;&gt;"
        );
        assert_eq!(uri_reference("deploy/my app.yaml"), "deploy/my%20app.yaml");
        assert_eq!(sarif_level(Severity::Info), "note");
    }

    #[test]
    fn colour_only_when_asked_and_80_columns() {
        use crate::findings::test_facts::{advice, container};
        let mut f = container();
        f.identity.uid = Fact::Known(0);
        f.identity.host_uid = Fact::Known(0);
        let a = advice(&f, &[]);
        let found = crate::findings::check(&f, &a);
        let plain = doctor_table(&f, &a, &found, false, 80);
        assert!(!plain.contains('\x1b'));
        assert!(plain.contains("── Warnings (1)"), "{plain}");
        for l in plain.lines() {
            assert!(l.chars().count() <= 80, "{l}");
        }
        let coloured = doctor_table(&f, &a, &found, true, 80);
        assert!(
            coloured.contains("\x1b[1;33mWarnings (1)\x1b[0m"),
            "{coloured}"
        );
        assert!(doctor_table(&container(), &a, &[], false, 80).contains("No findings"));
    }

    #[test]
    fn policy_thresholds() {
        let p = |t| Policy {
            fail_on: t,
            allowed: vec![],
        };
        assert!(p(Some(Severity::Warning)).fails(Severity::Error));
        assert!(!p(Some(Severity::Warning)).fails(Severity::Info));
        assert!(p(Some(Severity::Info)).fails(Severity::Info));
        assert!(!p(None).fails(Severity::Error));
    }
}
