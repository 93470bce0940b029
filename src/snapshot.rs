//! `ctune snapshot DIR`: write what the probe read into a directory that `--root DIR` reads
//! back. Files byte for byte, links as links (targets unchanged, so relative where the
//! kernel's are), directories as directories. Environment files have the values of
//! secret-looking variables replaced before they touch the disk, and command lines and JVM
//! perf-data files the values of secret-looking `-D` properties.

use crate::probe::reader::Recorded;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

/// The file at the top of a snapshot that says what it is.
pub const MANIFEST: &str = "ctune-snapshot.json";

/// The path that could not be written; the OS error is its `source` (shown once, after it).
#[derive(Debug, thiserror::Error)]
#[error("{}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub source: io::Error,
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError {
        path: path.to_owned(),
        source,
    }
}

/// A command line (NUL-separated) with secret-looking `-Dname=value` values replaced.
fn redact_cmdline(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, arg) in bytes.split(|&b| b == 0).enumerate() {
        if i > 0 {
            out.push(0);
        }
        match crate::secrets::secret_property_value(arg) {
            Some(r) => {
                out.extend_from_slice(&arg[..r.start]);
                out.extend_from_slice(b"***");
            }
            None => out.extend_from_slice(arg),
        }
    }
    out
}

/// Write every recorded path under `dir`. Returns the number of entries written.
pub fn write(dir: &Path, recorded: &BTreeMap<String, Recorded>) -> Result<usize, WriteError> {
    fs::create_dir_all(dir).map_err(at(dir))?;
    let mut n = 0;
    // BTreeMap order puts a directory before what is inside it.
    for (inside, what) in recorded {
        let rel = inside.trim_start_matches('/');
        if rel.is_empty() {
            continue;
        }
        let host = dir.join(rel);
        if let Some(parent) = host.parent() {
            fs::create_dir_all(parent).map_err(at(parent))?;
        }
        if fs::symlink_metadata(&host).is_ok() {
            continue; // already there (a directory made for a child, say)
        }
        match what {
            Recorded::Dir => fs::create_dir(&host).map_err(at(&host))?,
            Recorded::File(bytes) => {
                let bytes = if inside.ends_with("/environ") {
                    crate::parse::environ::redact(bytes)
                } else if inside.ends_with("/cmdline") {
                    redact_cmdline(bytes)
                } else if inside.contains("/hsperfdata_") {
                    // Only what parses as perf data, redacted; anything else stays out.
                    if crate::parse::perfdata::parse(bytes).is_err() {
                        continue;
                    }
                    crate::parse::perfdata::redact(
                        bytes,
                        crate::secrets::secret_property_value,
                        crate::jvm::options::starts_like_option,
                    )
                } else {
                    bytes.clone()
                };
                fs::write(&host, bytes).map_err(at(&host))?;
            }
            Recorded::Present => {
                fs::write(&host, b"").map_err(at(&host))?;
                fs::set_permissions(&host, fs::Permissions::from_mode(0o755)).map_err(at(&host))?;
            }
            Recorded::Symlink(target) => symlink(target, &host).map_err(at(&host))?,
        }
        n += 1;
    }
    let manifest = serde_json::json!({
        "schema_version": 1,
        "created_by": format!("ctune {}", env!("CARGO_PKG_VERSION")),
        "entries": n,
        "note": "Files the ctune probe read, for `ctune --root DIR`. Values of secret-looking environment variables and -D properties are replaced; java binaries are empty placeholders.",
    });
    let mpath = dir.join(MANIFEST);
    fs::write(&mpath, format!("{manifest:#}\n")).map_err(at(&mpath))?;
    Ok(n)
}
