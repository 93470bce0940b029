//! `ctune report`.

use super::args::{GlobalArgs, JvmArgs};
use crate::render::openmetrics::Flavor;
use crate::{exit, findings, render};
use std::io::Write;

pub fn run(g: &GlobalArgs) -> anyhow::Result<i32> {
    let format = super::format(g, "report")?;
    if let Some(flavor) = metrics_flavor(format) {
        return metrics(g, flavor);
    }
    let opts = super::probe_options(g)?;
    let root = super::open_root(g)?;
    let facts = super::observe(g, &root, &opts);
    let term = super::term::stdout(g.color);
    let out = match format {
        "json" => render::json::report(&facts),
        _ => render::table::report(&facts, term.width),
    };
    super::term::print(term, &out);
    Ok(exit::OK)
}

fn metrics_flavor(format: &str) -> Option<Flavor> {
    match format {
        "openmetrics" => Some(Flavor::OpenMetrics),
        "prometheus" => Some(Flavor::Prometheus),
        _ => None,
    }
}

/// The metrics carry the findings too: the facts, the default profile's advice, the checks.
fn metrics(g: &GlobalArgs, flavor: Flavor) -> anyhow::Result<i32> {
    let args = JvmArgs {
        profile: "default".into(),
        sets: Vec::new(),
        java: None,
        command: Vec::new(),
        files: Vec::new(),
    };
    let (facts, advice) = super::jvm::facts_and_advice(g, &args, true)?;
    let found = findings::check(&facts, &advice);
    let out = render::openmetrics::report(&facts, &found, flavor);
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(exit::OK)
}
