//! `--format json`: the contract's document, `schema_version` first.

use crate::facts::Facts;
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Diagnostic {
    field: String,
    reason: String,
}

#[derive(Serialize)]
struct ReportDoc<'a> {
    schema_version: u32,
    #[serde(flatten)]
    facts: &'a Facts,
    /// Every field that is unknown, with why (null fields in the document above).
    diagnostics: Vec<Diagnostic>,
}

pub fn report(facts: &Facts) -> String {
    let doc = ReportDoc {
        schema_version: SCHEMA_VERSION,
        facts,
        diagnostics: facts
            .unknowns()
            .into_iter()
            .map(|(field, reason)| Diagnostic { field, reason })
            .collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail; NaN is never produced.
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Any document as pretty JSON with a final newline. Serialising plain structs of strings and
/// numbers cannot fail; the fallback only keeps the function total.
pub(crate) fn pretty<T: Serialize>(doc: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
