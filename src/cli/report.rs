//! `ctune report`.

use super::args::GlobalArgs;
use crate::{exit, probe, render};

pub fn run(g: &GlobalArgs) -> anyhow::Result<i32> {
    let format = super::format(g, "report")?;
    let opts = super::probe_options(g)?;
    let root = super::open_root(g)?;
    let facts = probe::collect(&root, &opts);
    let term = super::term::stdout(g.color);
    let out = match format {
        "json" => render::json::report(&facts),
        _ => render::table::report(&facts, term.width),
    };
    super::term::print(term, &out);
    Ok(exit::OK)
}
