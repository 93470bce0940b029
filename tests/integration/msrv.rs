//! The `rust-version` in Cargo.toml is honest: at least the `rust-version` of every dependency
//! locked in Cargo.lock, read from the registry sources cargo unpacked (a toolchain older than
//! that cannot build the locked tree, whatever the manifest claims).

use crate::common::{repo, skipped};
use std::path::PathBuf;

/// `1.89` as `[1, 89, 0]`, so that it compares equal to `1.89.0`.
fn version(s: &str) -> [u64; 3] {
    let mut v = [0; 3];
    for (slot, part) in v.iter_mut().zip(s.split('.')) {
        *slot = part.trim().parse().unwrap_or(0);
    }
    v
}

fn registry_sources() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        return Vec::new();
    };
    std::fs::read_dir(src)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn table(text: &str, what: &str) -> toml::Table {
    text.parse()
        .unwrap_or_else(|e| panic!("{what}: not TOML: {e}"))
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let manifest = table(
        &std::fs::read_to_string(repo().join("Cargo.toml")).unwrap(),
        "Cargo.toml",
    );
    let ours = manifest["package"]["rust-version"]
        .as_str()
        .expect("Cargo.toml has a rust-version")
        .to_owned();
    let lock = table(
        &std::fs::read_to_string(repo().join("Cargo.lock")).unwrap(),
        "Cargo.lock",
    );
    let sources = registry_sources();
    if sources.is_empty() {
        return skipped("no cargo registry sources under $CARGO_HOME/registry/src");
    }
    let mut checked = 0;
    let mut absent = Vec::new();
    let mut too_new = Vec::new();
    for p in lock["package"].as_array().unwrap() {
        if p.get("source")
            .and_then(|s| s.as_str())
            .is_none_or(|s| !s.starts_with("registry+"))
        {
            continue;
        }
        let (name, ver) = (p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
        let Some(text) = sources
            .iter()
            .find_map(|s| std::fs::read_to_string(s.join(format!("{name}-{ver}/Cargo.toml"))).ok())
        else {
            // Not unpacked: a crate for another platform (Windows, wasm) that cargo never
            // fetched for this one.
            absent.push(format!("{name} {ver}"));
            continue;
        };
        checked += 1;
        let theirs = table(&text, name);
        if let Some(rv) = theirs
            .get("package")
            .and_then(|p| p.get("rust-version"))
            .and_then(|v| v.as_str())
        {
            if version(rv) > version(&ours) {
                too_new.push(format!("{name} {ver} needs {rv}"));
            }
        }
    }
    assert!(
        too_new.is_empty(),
        "Cargo.toml says rust-version = {ours}, but {too_new:?}"
    );
    // Everything this platform builds was unpacked by the build that runs this test; what is
    // absent must be for other platforms.
    let built: Vec<&String> = absent.iter().filter(|a| built_here(a)).collect();
    assert!(
        built.is_empty(),
        "built here but their sources are not unpacked: {built:?}"
    );
    assert!(
        checked > 50,
        "only {checked} locked crates found in the registry"
    );
    eprintln!("rust-version {ours} >= {checked} locked crates (not unpacked: {absent:?})");
}

/// Whether `cargo tree` (offline) lists the crate for this platform's build.
fn built_here(name_version: &str) -> bool {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--prefix",
            "none",
            "-e",
            "normal,build,dev",
            "--manifest-path",
        ])
        .arg(repo().join("Cargo.toml"))
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let (name, ver) = name_version.split_once(' ').unwrap_or((name_version, ""));
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with(&format!("{name} v{ver}")))
        }
        _ => false,
    }
}
