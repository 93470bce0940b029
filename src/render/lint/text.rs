//! `ctune lint --format text`: compiler-style blocks for a CI log.

use super::{verdict, Policy};
use crate::findings::Finding;

/// `ctune lint --format text`: one block per finding, compiler style, then a verdict line.
pub fn render(findings: &[Finding], policy: &Policy) -> String {
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
