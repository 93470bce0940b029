//! `ctune lint --format sarif`: SARIF 2.1.0 as GitHub code scanning takes it.

use super::Report;
use crate::findings::{Located, Object, Rule, Severity, HELP_BASE, RULES};
use crate::render::json::pretty;
use serde::Serialize;

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
    help_uri: String,
    default_configuration: DefaultConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 2],
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
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "ctune/v2")]
    id: String,
}

#[derive(Serialize)]
struct ResultProperties {
    title: String,
    fix: String,
    evidence: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<Object>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
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

fn rule(r: &Rule) -> SarifRule {
    SarifRule {
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
        help_uri: r.help_uri(),
        default_configuration: DefaultConfiguration {
            level: sarif_level(r.severity),
        },
        properties: RuleProperties {
            tags: r.tags(),
            precision: "high",
        },
    }
}

fn result(r: &Report, l: &Located) -> SarifResult {
    let x = &l.finding;
    let (path, line, column) = r.position(l);
    let object = l
        .place
        .as_ref()
        .map(|p| format!(" [{}]", p.object.label()))
        .unwrap_or_default();
    let mut text = format!(
        "{}{object}. {} Fix: {}",
        x.title.trim_end_matches('.'),
        x.detail,
        x.fix
    );
    if !x.evidence.is_empty() {
        text.push_str(&format!(" Evidence: {}.", x.evidence.join("; ")));
    }
    let logical_locations = l
        .place
        .iter()
        .map(|p| LogicalLocation {
            name: p
                .object
                .container
                .clone()
                .unwrap_or_else(|| p.object.name.clone().unwrap_or_default()),
            fully_qualified_name: p.object.label(),
            kind: "object",
        })
        .collect();
    let suppressions = l
        .suppressed
        .iter()
        .map(|why| Suppression {
            kind: if why.starts_with("annotation") {
                "inSource"
            } else {
                "external"
            },
            justification: why.clone(),
        })
        .collect();
    SarifResult {
        rule_id: x.id(),
        rule_index: x.rule.index(),
        level: sarif_level(x.severity),
        message: Text { text },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri_reference(path),
                },
                region: Region {
                    start_line: line,
                    start_column: column,
                },
            },
            logical_locations,
        }],
        partial_fingerprints: Fingerprints {
            id: l.fingerprint(),
        },
        properties: ResultProperties {
            title: x.title.clone(),
            fix: x.fix.clone(),
            evidence: x.evidence.clone(),
            object: l.place.as_ref().map(|p| p.object.clone()),
        },
        suppressions,
    }
}

/// SARIF 2.1.0 as GitHub code scanning takes it. Every rule in the catalogue is listed (with
/// the fix as help text); a finding in a file points at its node, one of the live system at
/// `--artifact`, line 1; allowed ones carry `suppressions`.
pub fn render(r: &Report) -> String {
    pretty(&SarifLog {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "ctune",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: HELP_BASE,
                    rules: RULES.iter().map(|x| rule(x)).collect(),
                },
            },
            results: r.findings.iter().map(|l| result(r, l)).collect(),
            column_kind: "unicodeCodePoints",
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(uri_reference("deploy/my app.yaml"), "deploy/my%20app.yaml");
        assert_eq!(sarif_level(Severity::Info), "note");
    }
}
