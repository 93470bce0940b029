//! `ctune lint`: the findings for CI, one writer per format (text for a log, the contract's
//! JSON, SARIF 2.1.0 for code scanning, JUnit XML for test reports, GitHub workflow
//! annotations) for the live system and for files alike, and the one policy that decides which
//! findings fail the build.

pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

use super::text::plural;
use crate::findings::{counts, Family, Located, Rule, Severity, RULES};
use crate::sources::check::Analysed;
use crate::sources::check::Location;

/// `--fail-on` (and `.ctune.toml`'s `fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// The lowest failing severity; `None` never fails.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }

    /// A config file's spelling (`error`, `warning`, `info`, `never`).
    pub fn parse(s: &str) -> Option<FailOn> {
        <FailOn as clap::ValueEnum>::from_str(s, false).ok()
    }
}

/// How `lint` was asked to judge: the lowest failing severity (None = never fail) and the ids
/// allowed with `--allow`.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub fail_on: Option<Severity>,
    pub allowed: Vec<String>,
}

impl Policy {
    /// `--fail-on`, else the config's `fail-on`, else warning.
    pub fn new(cli: Option<FailOn>, config: Option<&str>, allowed: &[String]) -> Self {
        let f = cli
            .or_else(|| config.and_then(FailOn::parse))
            .unwrap_or(FailOn::Warning);
        let mut allowed = allowed.to_vec();
        allowed.sort();
        allowed.dedup();
        Policy {
            fail_on: f.threshold(),
            allowed,
        }
    }

    pub fn fails(&self, s: Severity) -> bool {
        self.fail_on.is_some_and(|t| s >= t)
    }

    pub fn allows(&self, r: &Rule) -> bool {
        self.allowed.iter().any(|a| a == r.id)
    }
}

/// What the files said besides their findings.
pub struct Files<'a> {
    pub targets: &'a [Analysed],
    /// Each file read, with the findings about the file itself.
    pub files: &'a [(String, Vec<Located>)],
    /// Files or values that could not be read, and why.
    pub problems: &'a [(Location, String)],
    /// Kinds that are not workloads, counted.
    pub skipped: &'a [(String, usize)],
}

/// One `lint` run: every writer takes this.
pub struct Report<'a> {
    /// Every finding, allowed ones included, most severe first.
    pub findings: Vec<&'a Located>,
    /// `Some` for `lint FILE...`.
    pub files: Option<Files<'a>>,
    /// Where a finding without a file of its own points (`--artifact`).
    pub artifact: &'a str,
    pub policy: &'a Policy,
}

/// A group of findings checked against the same rules: JUnit's test suite.
pub struct Group<'a> {
    pub name: String,
    pub file: &'a str,
    pub findings: Vec<&'a Located>,
    pub rules: Vec<&'static Rule>,
}

impl<'a> Report<'a> {
    /// The live system's findings.
    pub fn live(found: &'a [Located], artifact: &'a str, policy: &'a Policy) -> Self {
        Report {
            findings: found.iter().collect(),
            files: None,
            artifact,
            policy,
        }
    }

    /// The findings of file targets.
    pub fn files(files: Files<'a>, policy: &'a Policy) -> Self {
        Report {
            findings: files
                .files
                .iter()
                .flat_map(|(_, f)| f.iter())
                .chain(files.targets.iter().flat_map(|t| t.findings.iter()))
                .collect(),
            files: Some(files),
            artifact: "",
            policy,
        }
    }

    pub fn active(&self) -> impl Iterator<Item = &'a Located> + '_ {
        self.findings
            .iter()
            .copied()
            .filter(|l| l.suppressed.is_none())
    }

    pub fn suppressed(&self) -> impl Iterator<Item = &'a Located> + '_ {
        self.findings
            .iter()
            .copied()
            .filter(|l| l.suppressed.is_some())
    }

    pub fn failing(&self) -> bool {
        self.active().any(|l| self.policy.fails(l.finding.severity))
    }

    /// `(path, line, column)` a finding points at: its node, else the artifact's first line.
    pub fn position<'b>(&'b self, l: &'b Located) -> (&'b str, u32, Option<u32>) {
        match &l.place {
            Some(p) => (&p.location.path, p.location.line, Some(p.location.column)),
            None => (self.artifact, 1, None),
        }
    }

    /// The test suites: one per file with the checks on the file itself and one per file
    /// target with the checks on workloads, or one for the live system with the checks it can
    /// raise.
    pub fn groups(&self) -> Vec<Group<'a>> {
        let rules = |syntax: bool| -> Vec<&'static Rule> {
            RULES
                .iter()
                .copied()
                .filter(|r| r.applies.files() && (r.family == Family::Syntax) == syntax)
                .collect()
        };
        match &self.files {
            Some(f) => f
                .files
                .iter()
                .map(|(path, found)| Group {
                    name: path.clone(),
                    file: path,
                    findings: found.iter().collect(),
                    rules: rules(true),
                })
                .chain(f.targets.iter().map(|t| Group {
                    name: format!("{} {}", t.location.path, t.object.label()),
                    file: &t.location.path,
                    findings: t.findings.iter().collect(),
                    rules: rules(false),
                }))
                .collect(),
            None => vec![Group {
                name: "ctune".into(),
                file: self.artifact,
                findings: self.findings.clone(),
                rules: RULES.iter().copied().filter(|r| r.applies.live()).collect(),
            }],
        }
    }
}

/// One line for a finding: `PATH:LINE:COL: SEVERITY ID: title [object]` in a file, the title
/// on the live system.
pub fn headline(l: &Located) -> String {
    let f = &l.finding;
    match &l.place {
        Some(p) => format!(
            "{}:{}:{}: {} {}: {} [{}]",
            p.location.path,
            p.location.line,
            p.location.column,
            f.severity.as_str(),
            f.id(),
            f.title,
            p.object.label()
        ),
        None => f.title.clone(),
    }
}

/// `ctune lint: [N targets: ]1 error, 2 warnings, 0 info; ...: fails`.
pub(crate) fn verdict(r: &Report) -> String {
    let found: Vec<_> = r.active().map(|l| l.finding.clone()).collect();
    let c = counts(&found);
    let failing = found.iter().filter(|x| r.policy.fails(x.severity)).count();
    let mut s = String::from("ctune lint: ");
    if let Some(f) = &r.files {
        s.push_str(&format!(
            "{}: ",
            plural(f.targets.len(), "target", "targets")
        ));
    }
    s.push_str(&format!(
        "{}, {}, {}",
        plural(c.error, "error", "errors"),
        plural(c.warning, "warning", "warnings"),
        plural(c.info, "info", "info")
    ));
    if !r.policy.allowed.is_empty() {
        s.push_str(&format!("; allowed: {}", r.policy.allowed.join(", ")));
    }
    let sup = r.suppressed().count();
    if sup > 0 && r.files.is_some() {
        s.push_str(&format!("; {sup} allowed"));
    }
    if let Some(f) = r.files.as_ref().filter(|f| !f.skipped.is_empty()) {
        let kinds: Vec<String> = f.skipped.iter().map(|(k, n)| format!("{k} x{n}")).collect();
        s.push_str(&format!("; skipped {}", kinds.join(", ")));
    }
    match r.policy.fail_on {
        None => s.push_str("; --fail-on never: passes"),
        Some(t) if failing > 0 => {
            s.push_str(&format!("; {failing} at or above {}: fails", t.as_str()))
        }
        Some(t) => s.push_str(&format!("; none at or above {}: passes", t.as_str())),
    }
    s.push('\n');
    s
}

/// `lint --list-checks`: every id with its severity and one line; those files can raise
/// marked.
pub fn list_checks() -> String {
    let mut out = String::new();
    for r in RULES {
        out.push_str(&format!(
            "{:<32} {:<8} {}{}\n",
            r.id,
            r.severity.as_str(),
            r.summary,
            if r.applies.files() { " [files]" } else { "" }
        ));
    }
    out.push_str(
        "\n[files]: also checked on Kubernetes manifests and Dockerfiles (ctune lint FILE...).\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_thresholds() {
        let p = |t| Policy::new(t, None, &[]);
        assert!(p(Some(FailOn::Warning)).fails(Severity::Error));
        assert!(!p(Some(FailOn::Warning)).fails(Severity::Info));
        assert!(p(Some(FailOn::Info)).fails(Severity::Info));
        assert!(!p(Some(FailOn::Never)).fails(Severity::Error));
        // The command line wins over the config; the config over the default.
        assert!(!Policy::new(None, Some("error"), &[]).fails(Severity::Warning));
        assert!(Policy::new(Some(FailOn::Info), Some("error"), &[]).fails(Severity::Info));
        assert!(Policy::new(None, None, &[]).fails(Severity::Warning));
        assert_eq!(FailOn::parse("sometimes"), None);
    }
}
