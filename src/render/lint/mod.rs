//! `ctune lint`: the findings for CI, one module per format (text for a log, the contract's
//! JSON, SARIF 2.1.0 for code scanning, JUnit XML for test reports, GitHub workflow
//! annotations), and the policy that decides which findings fail the build.

pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

use super::text::plural;
use crate::findings::{counts, Finding, Severity};

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

/// `ctune lint: 1 error, 2 warnings, 0 info; ...: fails`.
pub(crate) fn verdict(findings: &[Finding], policy: &Policy) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
