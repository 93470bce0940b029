//! `ctune doctor`: the findings for a person at a terminal.

use super::args::*;
use crate::{exit, findings, render};

pub fn run(g: &GlobalArgs, a: &JvmArgs) -> anyhow::Result<i32> {
    let format = super::format(g, "doctor")?;
    if !a.files.is_empty() {
        return Err(super::usage(
            "doctor inspects this machine; for manifests and Dockerfiles use ctune lint FILE... or ctune jvm FILE",
        ));
    }
    let (facts, advice) = super::jvm::facts_and_advice(g, a, true)?;
    let found = findings::check(&facts, &advice);
    let term = super::term::stdout(g.color);
    let out = match format {
        "json" => render::doctor::json(&facts, &advice, &found),
        _ => render::doctor::table(&facts, &advice, &found, term.color, term.width),
    };
    super::term::print(term, &out);
    Ok(exit::OK)
}
