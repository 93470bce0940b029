//! `ctune lint --format github`: GitHub Actions workflow commands (annotations).

use super::{verdict, Policy};
use crate::findings::{Finding, Severity};

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
pub fn render(findings: &[Finding], policy: &Policy, artifact: &str) -> String {
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
    fn escapes() {
        assert_eq!(gh_escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(gh_escape_property("a: b, c"), "a%3A b%2C c");
    }
}
