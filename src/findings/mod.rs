//! Findings: what will hurt in this environment, each with why, a concrete fix and the
//! evidence that proved it.
//!
//! One engine ([`check`]) over the facts and the JVM advice, with two front doors: `ctune
//! doctor` (a person at a terminal) and `ctune lint` (CI). Every check is a pure function of
//! its inputs: no I/O happens here. The ids, and the severities of `no-lsm-confinement` and
//! `running-under-hypervisor`, are fixed by the interface contract; the catalogue in [`RULES`]
//! lists every id this engine can produce, in the order reports show them.
//!
//! Families, each a file holding its checks, their [`Rule`]s and its own `RULES` list:
//! [`syntax`] (files that do not parse), [`resources`] (cgroup, CPU, memory, host), [`pressure`]
//! (stall information), [`jvm`] (the Java found or assumed, and the user's options),
//! [`operators`] (the JVM operators' resources), [`running`] (the JVMs that are running, from
//! their perf-data counters), [`storage`] (data directories), [`identity`] (identity and
//! security).

pub mod identity;
pub mod jvm;
pub mod located;
pub mod operators;
pub mod pressure;
pub mod resources;
pub mod running;
pub mod storage;
pub mod syntax;

use crate::facts::Facts;
use crate::jvm::advise::Advice;
use crate::jvm::options::UserOptions;
use crate::jvm::version::JavaVersion;
use serde::Serialize;
use std::sync::LazyLock;

pub use located::{Located, Location, Object, Place};

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix in the container itself, or a mild risk.
    Info,
    /// Hurts performance or safety, or will under load.
    Warning,
    /// Breaks the workload (OOM kills, a JVM sized for the wrong machine).
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding. Serialises as the contract's `{"id", "severity", "title", "detail", "fix",
/// "evidence"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The check that raised it; serialises as its stable kebab-case `id`.
    #[serde(rename = "id", serialize_with = "rule_id")]
    pub rule: &'static Rule,
    pub severity: Severity,
    /// One line: what is wrong, with the numbers.
    pub title: String,
    /// The mechanism in a sentence or a few: why it hurts.
    pub detail: String,
    /// What to do: a flag, a volume, a securityContext line, a recipe.
    pub fix: String,
    /// The files and values that proved it, as seen inside the inspected system.
    pub evidence: Vec<String>,
    /// For a file target, the node that causes it (set by the check from [`Ctx::nodes`]);
    /// `None` on a live system, or when the cause is something missing (the target's own
    /// node is meant then).
    #[serde(skip)]
    pub at: Option<Node>,
}

impl Finding {
    pub fn id(&self) -> &'static str {
        self.rule.id
    }
    /// Whether this finding was raised by `rule`.
    pub fn is(&self, rule: &Rule) -> bool {
        self.rule.id == rule.id
    }
}

fn rule_id<S: serde::Serializer>(r: &&'static Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.id)
}

/// A check's family: its SARIF tag and its place in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// cgroup, CPU, memory, host.
    Resources,
    /// The Java found or assumed, its options, the running JVMs.
    Jvm,
    /// Data directories.
    Storage,
    /// Identity and confinement.
    Security,
    /// The file itself: syntax a cluster's client refuses.
    Syntax,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Resources => "resources",
            Family::Jvm => "jvm",
            Family::Storage => "storage",
            Family::Security => "security",
            Family::Syntax => "syntax",
        }
    }
}

/// Where a check can be raised: on a live system (`doctor`, `lint`), on files (`lint FILE`),
/// or both. A check whose facts a file cannot give (throttling, OOM kills, page cache, the
/// hypervisor, the LSM, seccomp, passwd) is `Live`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Live,
    Files,
    Both,
}

impl Applies {
    /// For people: `live system`, `files`, `live system and files`.
    pub fn as_str(self) -> &'static str {
        match self {
            Applies::Live => "live system",
            Applies::Files => "files",
            Applies::Both => "live system and files",
        }
    }
    pub fn live(self) -> bool {
        matches!(self, Applies::Live | Applies::Both)
    }
    pub fn files(self) -> bool {
        matches!(self, Applies::Files | Applies::Both)
    }
}

/// A check's definition, next to its function: what `--list-checks`, the man page, the
/// completions, SARIF's rules and JUnit's test cases are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// The severity a finding of this id usually has (some vary with the case: root in a user
    /// namespace is `info`, host root `warning`).
    pub severity: Severity,
    pub family: Family,
    pub applies: Applies,
    /// PascalCase name (SARIF `name`).
    pub name: &'static str,
    /// One sentence: when it fires.
    pub summary: &'static str,
    /// Why it matters.
    pub description: &'static str,
    /// The usual fix.
    pub help: &'static str,
}

/// Where each check is explained: the README's checks table, one anchor per id.
pub const HELP_BASE: &str = "https://github.com/ctune/ctune/blob/main/README.md";

impl Rule {
    /// SARIF `helpUri`: the README's entry for this check.
    pub fn help_uri(&self) -> String {
        format!("{HELP_BASE}#check-{}", self.id)
    }
    /// SARIF `properties.tags`.
    pub fn tags(&self) -> [&'static str; 2] {
        ["container", self.family.as_str()]
    }
    /// Position in [`RULES`] (report order; SARIF `ruleIndex`).
    pub fn index(&self) -> usize {
        RULES
            .iter()
            .position(|r| r.id == self.id)
            .unwrap_or(RULES.len())
    }
}

/// A position in a file (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Node {
    pub line: u32,
    pub column: u32,
}

/// Where a file target's facts were read, for the checks to point their findings at (the
/// live system has none). `options` are the user's JVM options as (source, option, node).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nodes {
    pub path: String,
    /// The target itself: the container's `name:` line, the Dockerfile stage's `FROM`.
    pub target: Node,
    pub memory_limit: Option<Node>,
    pub cpu_request: Option<Node>,
    /// The CPU request the file states, and the cpu shares the kubelet derives from it (`None`
    /// when the file cannot say: a Dockerfile without `--assume cpus=`).
    pub cpu_request_value: Option<f64>,
    pub shares: Option<u64>,
    pub uid: Option<Node>,
    /// Set when the uid is the base image's default user (no `USER`): where that is known from.
    pub uid_source: Option<String>,
    pub image: Option<Node>,
    pub privileged: Option<Node>,
    pub caps: Vec<(String, Node)>,
    pub secrets: Vec<(String, Node)>,
    /// Memory-backed mounts: (mount path, node, sizeLimit).
    pub tmpfs: Vec<(String, Node, Option<u64>)>,
    pub options: Vec<(String, String, Node)>,
}

impl Nodes {
    /// `path:line:col` of a node.
    pub fn at(&self, n: Node) -> String {
        format!("{}:{}:{}", self.path, n.line, n.column)
    }
    /// The node of a user option: its source's, else any with that text.
    pub fn option(&self, source: &str, option: &str) -> Option<Node> {
        self.options
            .iter()
            .find(|(s, t, _)| s == source && t == option)
            .or_else(|| self.options.iter().find(|(_, t, _)| t == option))
            .map(|x| x.2)
    }
}

/// Every check, in report order (cgroup/CPU/memory, JVM, storage, identity/security, host).
pub static RULES: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
    [
        syntax::RULES,
        resources::RULES,
        pressure::RULES,
        jvm::RULES,
        operators::RULES,
        running::RULES,
        storage::RULES,
        identity::RULES,
    ]
    .concat()
});

/// The catalogue entry for an id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// What every check reads: the facts, the JVM advice, the user's own JVM options and the
/// version of the Java found or assumed (None when there is none or it is unreadable: the
/// version-dependent JVM checks then say nothing).
pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub advice: &'a Advice,
    pub user: UserOptions,
    pub java: Option<JavaVersion>,
    /// For a file target, where its facts were read; `None` on a live system.
    pub nodes: Option<&'a Nodes>,
}

impl<'a> Ctx<'a> {
    /// `path:line:col: what` for a file's node, else the live system's evidence.
    pub fn quote(&self, node: Option<Node>, what: &str, live: impl FnOnce() -> String) -> String {
        match (self.nodes, node) {
            (Some(n), Some(at)) => format!("{}: {what}", n.at(at)),
            (Some(n), None) => format!("{}: {what}", n.at(n.target)),
            (None, _) => live(),
        }
    }

    /// The node of the user's option, in a file.
    pub fn option_node(&self, o: &crate::jvm::options::UserOption) -> Option<Node> {
        self.nodes?.option(&o.source, &o.option)
    }

    pub fn new(facts: &'a Facts, advice: &'a Advice) -> Self {
        let java = facts
            .jvm
            .as_ref()
            .and_then(|j| j.version.as_deref())
            .and_then(JavaVersion::parse);
        Ctx {
            facts,
            advice,
            user: user_options(advice),
            java,
            nodes: None,
        }
    }
}

/// The user's options as the advisor took them, in the JVM's order.
pub fn user_options(advice: &Advice) -> UserOptions {
    advice.user_options.clone()
}

/// Run every check. Findings come out most severe first, then in [`RULES`] order, at most one
/// per id.
pub fn check(facts: &Facts, advice: &Advice) -> Vec<Finding> {
    let mut out = run(&Ctx::new(facts, advice));
    out.retain(|f| f.rule.applies.live());
    out
}

/// Run the checks that apply to files on a file target's facts; each finding points at the
/// node of `nodes` that causes it.
pub fn check_file(facts: &Facts, advice: &Advice, nodes: &Nodes) -> Vec<Finding> {
    let mut cx = Ctx::new(facts, advice);
    cx.nodes = Some(nodes);
    let mut out = run(&cx);
    out.retain(|f| f.rule.applies.files());
    out
}

fn run(cx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    resources::check(cx, &mut out);
    pressure::check(cx, &mut out);
    jvm::check(cx, &mut out);
    running::check(cx, &mut out);
    storage::check(cx, &mut out);
    identity::check(cx, &mut out);
    sort(&mut out);
    out
}

/// Most severe first, then catalogue order.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.index().cmp(&b.rule.index()))
    });
}

/// `{"error": n, "warning": n, "info": n}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

pub fn counts(findings: &[Finding]) -> Counts {
    let mut c = Counts::default();
    for f in findings {
        match f.severity {
            Severity::Error => c.error += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
        }
    }
    c
}

// ---- small helpers shared by the families -------------------------------------------------

/// Percentage of `part` in `whole`, one decimal.
pub(crate) fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0".into();
    }
    let p = 100.0 * part as f64 / whole as f64;
    let s = format!("{p:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// `a, b and c`.
pub(crate) fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Sizes for people: [`crate::units::bytes`]'s one policy (MiB below 10 GiB, GiB above).
pub(crate) use crate::units::bytes as size;

/// A number of cores without trailing zeros: `1.5`, `2`, `0.333`.
pub(crate) fn cores(c: f64) -> String {
    let s = format!("{c:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `1 CPU` / `2.5 CPUs`.
pub(crate) fn cpus(c: f64) -> String {
    format!("{} {}", cores(c), if c == 1.0 { "CPU" } else { "CPUs" })
}

/// The flags `ctune jvm` recommends that start with one of the prefixes, space-separated.
pub(crate) fn advised(advice: &Advice, prefixes: &[&str]) -> Vec<String> {
    advice
        .recommended
        .flags
        .iter()
        .filter(|f| prefixes.iter().any(|p| f.starts_with(p)))
        .cloned()
        .collect()
}

/// `1 process` / `3 processes`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
pub(crate) mod test_facts;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rules_are_unique_kebab_case_and_complete() {
        let mut seen = HashSet::new();
        for r in RULES.iter() {
            assert!(seen.insert(r.id), "duplicate id {}", r.id);
            assert!(
                r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    && !r.id.starts_with('-')
                    && !r.id.ends_with('-'),
                "{} is not kebab-case",
                r.id
            );
            assert!(
                r.name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase()),
                "{}",
                r.name
            );
            for text in [r.summary, r.description, r.help] {
                assert!(
                    text.ends_with('.') || text.ends_with(')'),
                    "{}: {text}",
                    r.id
                );
            }
        }
        // The contract's ids are all here.
        for id in [
            "running-as-root",
            "uid-without-passwd-entry",
            "data-dir-on-loop-device",
            "data-dir-on-tmpfs",
            "data-dir-on-overlay",
            "jvm-blind-to-cgroup",
            "cpu-count-from-shares",
            "heap-exceeds-memory-limit",
            "memory-limit-unset",
            "cpu-throttled",
            "oom-kills-recorded",
            "page-cache-pressure",
            "memory-high-below-max",
            "limit-in-parent-cgroup",
            "secret-in-environment",
            "dangerous-capabilities",
            "no-lsm-confinement",
            "running-under-hypervisor",
        ] {
            assert!(rule(id).is_some(), "{id} missing from RULES");
        }
        assert_eq!(rule("no-lsm-confinement").unwrap().severity, Severity::Info);
        assert_eq!(
            rule("running-under-hypervisor").unwrap().severity,
            Severity::Info
        );
    }

    #[test]
    fn user_options_round_trip_through_the_advice() {
        let f = test_facts::container();
        let user = UserOptions::gather(
            &[("JAVA_TOOL_OPTIONS".into(), "-Xmx1g '-Dx=(a b)'".into())],
            &[
                "java".into(),
                "-XX:+UseG1GC".into(),
                "-jar".into(),
                "a.jar".into(),
            ],
        );
        let advice = crate::jvm::advise::advise(
            &f,
            &crate::jvm::profile::load("default", &[]).unwrap(),
            &user,
        );
        assert_eq!(user_options(&advice), user);
    }

    #[test]
    fn helpers() {
        assert_eq!(pct(1, 4), "25");
        assert_eq!(pct(1, 3), "33.3");
        assert_eq!(pct(1, 0), "0");
        assert_eq!(list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(plural(1, "kill", "kills"), "1 kill");
    }
}
