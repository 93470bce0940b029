//! `ctune lint`: the findings for CI, in a machine format, with an exit code that fails the
//! build at `--fail-on`.

use super::args::*;
use crate::exit;
use crate::findings::{self, Severity};
use crate::render::lint::{self as out, Policy};
use std::io::Write;

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

pub fn run(g: &GlobalArgs, a: &LintArgs) -> anyhow::Result<i32> {
    if a.list_checks {
        let _ = std::io::stdout().write_all(crate::render::targets::list_checks().as_bytes());
        return Ok(exit::OK);
    }
    let format = super::format(g, "lint")?;
    // A misspelt --allow would silently allow nothing: refuse it.
    for id in &a.allow {
        if findings::rule(id).is_none() {
            return Err(super::usage(format!(
                "--allow {id}: no such finding id (ids: {})",
                findings::RULES
                    .iter()
                    .map(|r| r.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if !a.jvm.files.is_empty() {
        if g.interval.is_some() {
            return Err(super::usage(
                "--interval: `ctune lint FILE` judges files, which have no counters to read twice",
            ));
        }
        return files(a, g, format);
    }
    if a.config.is_some() || a.target.is_some() {
        return Err(super::usage(
            "--config and --target apply to files: ctune lint [OPTIONS] FILE|DIR|-...",
        ));
    }
    let (facts, advice) = super::jvm::facts_and_advice(g, &a.jvm, true)?;
    let found: Vec<_> = findings::check(&facts, &advice)
        .into_iter()
        .filter(|f| !a.allow.iter().any(|id| id == f.id))
        .collect();
    let mut allowed = a.allow.clone();
    allowed.sort();
    allowed.dedup();
    let policy = Policy {
        fail_on: threshold(a.fail_on.unwrap_or(FailOn::Warning)),
        allowed,
    };
    let text = match format {
        "json" => out::json::render(&found),
        "sarif" => out::sarif::render(&found, &a.artifact),
        "junit" => out::junit::render(&found, &policy, &a.artifact),
        "github" => out::github::render(&found, &policy, &a.artifact),
        _ => out::text::render(&found, &policy),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    let failing = found.iter().any(|f| policy.fails(f.severity));
    Ok(if failing { exit::FINDINGS } else { exit::OK })
}

/// `ctune lint FILE...`: the workloads the files describe, never this machine.
fn files(a: &LintArgs, g: &GlobalArgs, format: &str) -> anyhow::Result<i32> {
    use crate::render::targets as t;
    let cfg = super::files::load_config(a.config.as_deref())?;
    let mut out = super::files::analyse(g, &a.jvm, a.target.as_deref())?;
    super::files::suppress(&mut out, &a.allow, cfg.as_ref());
    let run = t::Run {
        targets: &out.targets,
        problems: &out.problems,
        skipped: &out.skipped,
        fail_on: super::files::threshold(a.fail_on, cfg.as_ref().map(|(_, c)| c)),
    };
    let text = match format {
        "json" => t::json(&run),
        "sarif" => t::sarif(&run),
        "junit" => t::junit(&run),
        "github" => t::github(&run),
        _ => t::text(&run),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(if run.failing() {
        exit::FINDINGS
    } else {
        exit::OK
    })
}
