//! `ctune lint --format json`: the contract's `{schema_version, findings, counts}`.

use crate::findings::{counts, Counts, Finding};
use crate::render::json::{pretty, SCHEMA_VERSION};
use serde::Serialize;

#[derive(Serialize)]
struct LintDoc<'a> {
    schema_version: u32,
    findings: &'a [Finding],
    counts: Counts,
}

/// `ctune lint --format json`: the contract's `{schema_version, findings, counts}`.
pub fn render(findings: &[Finding]) -> String {
    pretty(&LintDoc {
        schema_version: SCHEMA_VERSION,
        findings,
        counts: counts(findings),
    })
}
