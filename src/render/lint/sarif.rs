//! `ctune lint --format sarif`: SARIF 2.1.0 as GitHub code scanning takes it.

use crate::findings::{Finding, Severity, RULES};
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
pub fn render(findings: &[Finding], artifact: &str) -> String {
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
    pretty(&SarifLog {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(uri_reference("deploy/my app.yaml"), "deploy/my%20app.yaml");
        assert_eq!(sarif_level(Severity::Info), "note");
    }
}
