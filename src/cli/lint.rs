//! `ctune lint`: the findings for CI, in a machine format, with an exit code that fails the
//! build at `--fail-on`.

use super::args::*;
use crate::exit;
use crate::findings::{self, Located};
use crate::render::lint::{self as out, Policy};
use std::io::Write;

pub fn run(g: &GlobalArgs, a: &LintArgs) -> anyhow::Result<i32> {
    if a.list_checks {
        let _ = std::io::stdout().write_all(out::list_checks().as_bytes());
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
    let policy = Policy::new(a.fail_on, None, &a.allow);
    let found: Vec<Located> = findings::check(&facts, &advice)
        .into_iter()
        .map(|f| {
            let mut l = Located::live(f);
            if policy.allows(l.finding.rule) {
                l.suppressed = Some(format!("--allow {}", l.finding.id()));
            }
            l
        })
        .collect();
    emit(format, &out::Report::live(&found, &a.artifact, &policy))
}

/// Write the report in its format; the exit code says whether it fails the build.
fn emit(format: &str, r: &out::Report) -> anyhow::Result<i32> {
    let text = match format {
        "json" => out::json::render(r),
        "sarif" => out::sarif::render(r),
        "junit" => out::junit::render(r),
        "github" => out::github::render(r),
        _ => out::text::render(r),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(if r.failing() {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

/// `ctune lint FILE...`: the workloads the files describe, never this machine.
fn files(a: &LintArgs, g: &GlobalArgs, format: &str) -> anyhow::Result<i32> {
    let cfg = super::files::load_config(a.config.as_deref())?;
    let mut found = super::files::analyse(g, &a.jvm, a.target.as_deref())?;
    super::files::suppress(&mut found, &a.allow, cfg.as_ref());
    let policy = Policy::new(
        a.fail_on,
        cfg.as_ref().and_then(|(_, c)| c.fail_on.as_deref()),
        &a.allow,
    );
    let files = out::Files {
        targets: &found.targets,
        files: &found.files,
        problems: &found.problems,
        skipped: &found.skipped,
    };
    emit(format, &out::Report::files(files, &policy))
}
