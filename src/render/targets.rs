//! `ctune lint FILE...` output: findings of static targets, each at its file, line and column,
//! in every lint format (text, JSON with `targets`, SARIF with regions and `suppressions`,
//! GitHub annotations, JUnit with one test case per check and target).

use super::lint::github::{gh_escape_data, gh_escape_property};
use super::lint::sarif::{sarif_level, uri_reference};
use crate::findings::{counts, rule, Severity, RULES};
use crate::sources::check::{Analysed, Located, Location};
use serde_json::{json, Value};

/// Where each check is explained: the README's checks table, one anchor per id.
pub const HELP_BASE: &str = "https://github.com/ctune/ctune/blob/main/README.md";

pub fn help_uri(id: &str) -> String {
    format!("{HELP_BASE}#check-{id}")
}

/// Everything a run over files produced.
pub struct Run<'a> {
    pub targets: &'a [Analysed],
    /// (path, position, message): files or values that could not be read.
    pub problems: &'a [(Location, String)],
    /// Kinds that are not workloads, counted.
    pub skipped: &'a [(String, usize)],
    pub fail_on: Option<Severity>,
}

impl Run<'_> {
    fn all(&self) -> impl Iterator<Item = &Located> {
        self.targets.iter().flat_map(|t| t.findings.iter())
    }
    pub fn active(&self) -> impl Iterator<Item = &Located> {
        self.all().filter(|l| l.suppressed.is_none())
    }
    fn suppressed(&self) -> impl Iterator<Item = &Located> {
        self.all().filter(|l| l.suppressed.is_some())
    }
    pub fn fails(&self, s: Severity) -> bool {
        self.fail_on.is_some_and(|t| s >= t)
    }
    pub fn failing(&self) -> bool {
        self.active().any(|l| self.fails(l.finding.severity))
    }
}

fn head(l: &Located) -> String {
    format!(
        "{}:{}:{}: {} {}: {} [{}]",
        l.location.path,
        l.location.line,
        l.location.column,
        l.finding.severity.as_str(),
        l.finding.id,
        l.finding.title,
        l.object.label()
    )
}

/// Compiler style, one line per finding (hadolint's shape), then a summary.
pub fn text(r: &Run) -> String {
    let mut out = String::new();
    for l in r.active() {
        out.push_str(&head(l));
        out.push('\n');
    }
    for (loc, msg) in r.problems {
        out.push_str(&format!(
            "{}:{}:{}: note: {msg}\n",
            loc.path, loc.line, loc.column
        ));
    }
    out.push_str(&summary(r));
    out
}

fn summary(r: &Run) -> String {
    let found: Vec<_> = r.active().map(|l| l.finding.clone()).collect();
    let c = counts(&found);
    let mut s = format!(
        "ctune lint: {} target{}: {} error{}, {} warning{}, {} info",
        r.targets.len(),
        if r.targets.len() == 1 { "" } else { "s" },
        c.error,
        if c.error == 1 { "" } else { "s" },
        c.warning,
        if c.warning == 1 { "" } else { "s" },
        c.info
    );
    let sup = r.suppressed().count();
    if sup > 0 {
        s.push_str(&format!("; {sup} allowed"));
    }
    if !r.skipped.is_empty() {
        let kinds: Vec<String> = r.skipped.iter().map(|(k, n)| format!("{k} x{n}")).collect();
        s.push_str(&format!("; skipped {}", kinds.join(", ")));
    }
    match r.fail_on {
        None => s.push_str("; --fail-on never: passes"),
        Some(t) if r.failing() => s.push_str(&format!("; at or above {}: fails", t.as_str())),
        Some(t) => s.push_str(&format!("; none at or above {}: passes", t.as_str())),
    }
    s.push('\n');
    s
}

/// The contract's findings document plus `targets`, `suppressed`, `skipped`, `problems`.
pub fn json(r: &Run) -> String {
    let found: Vec<_> = r.active().map(|l| l.finding.clone()).collect();
    let doc = json!({
        "schema_version": 1,
        "findings": r.active().collect::<Vec<_>>(),
        "counts": counts(&found),
        "targets": r.targets.iter().map(|t| json!({
            "object": t.object,
            "location": t.location,
            "facts": t.facts,
        })).collect::<Vec<_>>(),
        "suppressed": r.suppressed().map(|l| {
            let mut v = serde_json::to_value(l).unwrap_or(Value::Null);
            v["reason"] = json!(l.suppressed);
            v
        }).collect::<Vec<_>>(),
        "skipped": r.skipped.iter().map(|(k, n)| json!({"kind": k, "count": n})).collect::<Vec<_>>(),
        "problems": r.problems.iter().map(|(l, m)| json!({"location": l, "message": m})).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// SARIF 2.1.0: every result has its file and region; allowed ones carry `suppressions`.
pub fn sarif(r: &Run) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|x| {
            json!({
                "id": x.id,
                "name": x.name,
                "shortDescription": {"text": x.summary},
                "fullDescription": {"text": format!("{} {}", x.summary, x.description)},
                "help": {"text": x.help, "markdown": format!("**Fix:** {}", x.help)},
                "helpUri": help_uri(x.id),
                "defaultConfiguration": {"level": sarif_level(x.severity)},
                "properties": {"precision": "high", "tags": ["container", "kubernetes"]},
            })
        })
        .collect();
    let results: Vec<Value> = r
        .all()
        .map(|l| {
            let f = &l.finding;
            let mut v = json!({
                "ruleId": f.id,
                "ruleIndex": RULES.iter().position(|x| x.id == f.id).unwrap_or(0),
                "level": sarif_level(f.severity),
                "message": {"text": format!("{} [{}]. {} Fix: {}", f.title.trim_end_matches('.'), l.object.label(), f.detail, f.fix)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri_reference(&l.location.path)},
                        "region": {"startLine": l.location.line, "startColumn": l.location.column},
                    },
                    "logicalLocations": [{
                        "name": l.object.container.clone().unwrap_or_else(|| l.object.name.clone().unwrap_or_default()),
                        "fullyQualifiedName": l.object.label(),
                        "kind": "object",
                    }],
                }],
                "partialFingerprints": {"ctune/v1": format!("{}:{}", f.id, l.object.label())},
                "properties": {"evidence": f.evidence, "object": l.object},
            });
            if let Some(why) = &l.suppressed {
                v["suppressions"] = json!([{
                    "kind": if why.starts_with("annotation") { "inSource" } else { "external" },
                    "justification": why,
                }]);
            }
            v
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ctune",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": HELP_BASE,
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// GitHub workflow commands: `::warning file=..,line=..,col=..,title=..::message`.
pub fn github(r: &Run) -> String {
    let mut out = String::new();
    for l in r.active() {
        let cmd = match l.finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        out.push_str(&format!(
            "::{cmd} file={},line={},col={},title={}::{}\n",
            gh_escape_property(&l.location.path),
            l.location.line,
            l.location.column,
            gh_escape_property(&format!("ctune {}", l.finding.id)),
            gh_escape_data(&format!(
                "{} [{}]. Fix: {}",
                l.finding.title,
                l.object.label(),
                l.finding.fix
            ))
        ));
    }
    out.push_str(&summary(r));
    out
}

/// JUnit (quick-junit, as the live lint): one test suite per target, one test case per check a
/// static target can raise. A finding at or above `--fail-on` is a failure, one below passes
/// with the finding as output, an allowed one is skipped: `failures > 0` exactly when lint
/// exits 1.
pub fn junit(r: &Run) -> String {
    use crate::sources::check::STATIC_CHECKS;
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("ctune");
    for t in r.targets {
        let class = format!("{} {}", t.location.path, t.object.label());
        let mut suite = TestSuite::new(class.clone());
        for id in STATIC_CHECKS {
            let found = t.findings.iter().find(|l| l.finding.id == *id);
            let mut case = match found {
                Some(l) if l.suppressed.is_some() => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(l.suppressed.clone().unwrap_or_default());
                    TestCase::new(*id, s)
                }
                Some(l) if r.fails(l.finding.severity) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_type(l.finding.severity.as_str())
                        .set_message(head(l))
                        .set_description(format!(
                            "{}\n\nfix: {}\n",
                            l.finding.detail, l.finding.fix
                        ));
                    TestCase::new(*id, s)
                }
                Some(l) => {
                    let mut c = TestCase::new(*id, TestCaseStatus::success());
                    c.set_system_out(head(l));
                    c
                }
                None => TestCase::new(*id, TestCaseStatus::success()),
            };
            case.set_classname(class.clone());
            case.extra
                .insert("file".into(), t.location.path.clone().into());
            if let Some(l) = found {
                case.extra
                    .insert("line".into(), l.location.line.to_string().into());
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let mut xml = report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- ctune: JUnit XML could not be written: {e} -->"));
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    xml
}

/// `lint --list-checks`: every id with its severity and one line; static ones marked.
pub fn list_checks() -> String {
    use crate::sources::check::STATIC_CHECKS;
    let mut out = String::new();
    for r in RULES {
        out.push_str(&format!(
            "{:<32} {:<8} {}{}\n",
            r.id,
            r.severity.as_str(),
            r.summary,
            if STATIC_CHECKS.contains(&r.id) {
                " [files]"
            } else {
                ""
            }
        ));
    }
    out.push_str(
        "\n[files]: also checked on Kubernetes manifests and Dockerfiles (ctune lint FILE...).\n",
    );
    let _ = rule;
    out
}
