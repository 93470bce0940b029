//! `ctune snapshot DIR`.

use super::args::GlobalArgs;
use crate::{exit, probe, snapshot};
use std::path::Path;

pub fn run(g: &GlobalArgs, dir: &Path) -> anyhow::Result<i32> {
    super::no_interval(g, "snapshot")?;
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(super::usage(format!(
                    "{}: the directory is not empty (give a new or empty directory)",
                    dir.display()
                )));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(_) if dir.exists() && !dir.is_dir() => {
            return Err(super::usage(format!(
                "{}: a file, not a directory (give a new or empty directory)",
                dir.display()
            )));
        }
        Err(e) => {
            return Err(super::usage(format!(
                "{}: cannot read the directory: {}",
                dir.display(),
                super::os_error(&e)
            )));
        }
    }
    let opts = super::probe_options(g)?;
    let root = super::open_root(g)?.recording();
    let _ = probe::collect(&root, &opts);
    let recorded = root.take_recording();
    let n = snapshot::write(dir, &recorded).map_err(|e| {
        super::cannot_inspect(format!(
            "cannot write the snapshot: {}: {}",
            e.path.display(),
            super::os_error(&e.source)
        ))
    })?;
    eprintln!(
        "ctune: wrote {n} entries to {}; read it back with `ctune --root {} report`",
        dir.display(),
        dir.display()
    );
    Ok(exit::OK)
}
