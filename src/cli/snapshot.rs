//! `ctune snapshot DIR`.

use super::args::GlobalArgs;
use crate::{exit, probe, snapshot};
use anyhow::Context;
use std::path::Path;

pub fn run(g: &GlobalArgs, dir: &Path) -> anyhow::Result<i32> {
    super::no_interval(g, "snapshot")?;
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(super::usage(format!(
            "{}: not an empty directory",
            dir.display()
        )));
    }
    let opts = super::probe_options(g)?;
    let root = super::open_root(g)?.recording();
    let _ = probe::collect(&root, &opts);
    let recorded = root.take_recording();
    let n = snapshot::write(dir, &recorded).context("writing the snapshot")?;
    eprintln!(
        "ctune: wrote {n} entries to {}; read it back with `ctune --root {} report`",
        dir.display(),
        dir.display()
    );
    Ok(exit::OK)
}
