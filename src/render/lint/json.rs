//! `ctune lint --format json`: the contract's `{schema_version, findings, counts}`; with files
//! also `targets`, `suppressed`, `skipped` and `problems`, and each finding's `location` and
//! `object`.

use super::Report;
use crate::findings::{counts, Counts, Located};
use crate::render::json::{pretty, SCHEMA_VERSION};
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Serialize)]
struct LintDoc<'a> {
    schema_version: u32,
    findings: Vec<&'a Located>,
    counts: Counts,
    #[serde(skip_serializing_if = "Option::is_none")]
    targets: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<Vec<Value>>,
}

pub fn render(r: &Report) -> String {
    let findings: Vec<&Located> = r.active().collect();
    let found: Vec<_> = findings.iter().map(|l| l.finding.clone()).collect();
    let mut doc = LintDoc {
        schema_version: SCHEMA_VERSION,
        findings,
        counts: counts(&found),
        targets: None,
        suppressed: None,
        skipped: None,
        problems: None,
    };
    if let Some(f) = &r.files {
        doc.targets = Some(
            f.targets
                .iter()
                .map(|t| json!({"object": t.object, "location": t.location, "facts": t.facts}))
                .collect(),
        );
        doc.suppressed = Some(
            r.suppressed()
                .map(|l| {
                    let mut v = serde_json::to_value(l).unwrap_or(Value::Null);
                    v["reason"] = json!(l.suppressed);
                    v
                })
                .collect(),
        );
        doc.skipped = Some(
            f.skipped
                .iter()
                .map(|(k, n)| json!({"kind": k, "count": n}))
                .collect(),
        );
        doc.problems = Some(
            f.problems
                .iter()
                .map(|(l, m)| json!({"location": l, "message": m}))
                .collect(),
        );
    }
    pretty(&doc)
}
