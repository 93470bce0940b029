//! `ctune report`.

use super::args::GlobalArgs;
use crate::{exit, render};
use std::io::Write;

pub fn run(g: &GlobalArgs) -> anyhow::Result<i32> {
    let format = super::format(g, &["table", "json"], "report")?;
    let opts = super::probe_options(g)?;
    let root = super::open_root(g)?;
    let facts = super::observe(g, &root, &opts);
    let out = match format {
        "json" => render::json::report(&facts),
        _ => render::table::report(&facts),
    };
    // A closed pipe (`ctune report | head`) is not an error worth a message.
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(exit::OK)
}
