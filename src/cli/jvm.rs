//! `ctune jvm` and `ctune profiles`.

use super::args::{GlobalArgs, JvmArgs, ProfilesAction};
use crate::facts::Facts;
use crate::jvm::{advise, options::UserOptions, profile};
use crate::{exit, probe, render};
use std::io::Write;

fn load_profile(name: &str, sets: &[String]) -> anyhow::Result<profile::Profile> {
    profile::load(name, sets).map_err(|e| super::usage(e.to_string()))
}

/// Probe, load the profile, read the user's options, advise: what `jvm`, `doctor` and `lint`
/// all start from.
/// `full`: every fact and the running JVMs, for the findings (`doctor`, `lint`, `report`'s
/// metrics). `jvm` shows only the advice and probes only what it reads: no scan of `/proc`
/// for running JVMs, no mounts, namespaces, security or pressure.
pub(super) fn facts_and_advice(
    g: &GlobalArgs,
    a: &JvmArgs,
    full: bool,
) -> anyhow::Result<(Facts, advise::Advice)> {
    let profile = load_profile(&a.profile, &a.sets)?;
    let opts = crate::probe::Options {
        running_jvms: full,
        advice_only: !full,
        java_options: a.command.clone(),
        ..super::probe_options(g)?
    };
    let root = super::open_root(g)?;
    let mut facts = super::observe(g, &root, &opts);
    if let Some(java) = &a.java {
        if opts.assume.jdk.is_some() {
            return Err(super::usage(
                "--java and --assume jdk=... name two different JVMs; give one",
            ));
        }
        facts.jvm = Some(
            probe::java_at(&root, java).map_err(|e| super::usage(format!("--java {java}: {e}")))?,
        );
    }
    let user = UserOptions::gather_with_argfiles(&facts.env, &a.command, &mut super::read_argfile);
    let advice = advise::advise(&facts, &profile, &user);
    Ok((facts, advice))
}

pub fn run(g: &GlobalArgs, a: &JvmArgs) -> anyhow::Result<i32> {
    if !a.files.is_empty() {
        return files(g, a);
    }
    let format = super::format(g, "jvm")?;
    super::no_interval(g, "jvm")?;
    let (facts, advice) = facts_and_advice(g, a, false)?;
    let out = match format {
        "json" => render::jvm::json(&advice),
        "flags" => render::jvm::flags(&advice),
        "env" => render::jvm::env(&advice),
        "spark-conf" => render::jvm::spark_conf(&advice, facts.memory.limit.value()),
        _ => {
            let term = super::term::stdout(g.color);
            let text =
                render::jvm::table(&advice, facts.memory.limit.value(), term.width, term.color);
            super::term::print(term, &text);
            return Ok(exit::OK);
        }
    };
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(exit::OK)
}

/// `ctune jvm FILE...`: the flags each target of the files should get.
fn files(g: &GlobalArgs, a: &JvmArgs) -> anyhow::Result<i32> {
    let format = super::format(g, "jvm")?;
    if !["table", "json", "flags"].contains(&format) {
        return Err(super::usage(format!(
            "--format {format}: `ctune jvm FILE` takes table, json or flags"
        )));
    }
    let cfg = super::files::load_config(None)?;
    let out = super::files::analyse(g, a, None, cfg.as_ref())?;
    let term = super::term::stdout(g.color);
    let mut s = String::new();
    match format {
        "json" => {
            let docs: Vec<serde_json::Value> = out
                .targets
                .iter()
                .map(|t| {
                    let mut v = serde_json::to_value(&t.advice).unwrap_or_default();
                    v["schema_version"] = serde_json::json!(1);
                    v["object"] = serde_json::json!(t.object);
                    v["location"] = serde_json::json!(t.location);
                    v["facts"] = serde_json::json!(t.facts);
                    if let Some(r) = render::operators::resource_terms(t) {
                        v["resource_terms"] = serde_json::json!(r);
                    }
                    v
                })
                .collect();
            s = serde_json::to_string_pretty(&docs).unwrap_or_default();
            s.push('\n');
        }
        _ => {
            for t in &out.targets {
                let head = format!(
                    "{}:{}:{}: {}",
                    t.location.path,
                    t.location.line,
                    t.location.column,
                    t.object.label()
                );
                let native = render::operators::resource_terms(t).unwrap_or_default();
                if format == "flags" {
                    s.push_str(&format!("# {head}\n{}", render::jvm::flags(&t.advice)));
                    s.push_str(&native);
                } else {
                    s.push_str(&format!(
                        "== {head}\n{}\n",
                        render::jvm::table(
                            &t.advice,
                            t.facts.memory_limit_bytes,
                            term.width,
                            term.color
                        )
                    ));
                    if !native.is_empty() {
                        s.push_str(&format!("in the resource's own terms:\n{native}\n"));
                    }
                }
            }
        }
    }
    for (l, m) in &out.problems {
        eprintln!("{}:{}:{}: note: {m}", l.path, l.line, l.column);
    }
    // A file that does not parse, or that kubectl refuses: `lint` fails on it; here it is
    // said on standard error, as the notes are.
    for l in out.files.iter().flat_map(|(_, f)| f) {
        eprintln!("{}", crate::render::lint::headline(l));
    }
    super::term::print(term, &s);
    Ok(exit::OK)
}

pub fn profiles(g: &GlobalArgs, action: Option<ProfilesAction>) -> anyhow::Result<i32> {
    let term = super::term::stdout(g.color);
    let out = match action {
        None => {
            let format = super::format(g, "profiles")?;
            let list = profile::builtin_names()
                .into_iter()
                .map(|name| {
                    let mut p = load_profile(name, &[])?;
                    p.name = name.to_owned();
                    Ok(p)
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            match format {
                "json" => render::profiles::list_json(&list),
                _ => render::profiles::list(&list, term.width),
            }
        }
        Some(ProfilesAction::Show { name, sets }) => {
            let format = super::format(g, "profiles show")?;
            let p = load_profile(&name, &sets)?;
            match format {
                "json" => render::profiles::show_json(&p),
                _ => render::profiles::show_toml(&p, term.width)
                    .map_err(|e| anyhow::anyhow!("cannot print profile {name}: {e}"))?,
            }
        }
    };
    super::term::print(term, &out);
    Ok(exit::OK)
}
