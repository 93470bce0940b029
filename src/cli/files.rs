//! The static-target path of `ctune lint FILE...` and `ctune jvm FILE`: read the files (the
//! only I/O), parse them into targets, analyse each with the live path's advisor and findings,
//! and apply suppressions (`--allow`, the object's annotation, `.ctune.toml`).

use super::args::{GlobalArgs, JvmArgs};
use crate::assume::Assumptions;
use crate::findings::{Located, Place};
use crate::sources::check::{self, Analysed, Location};
use crate::sources::config::{self, Config};
use crate::sources::{self, Kind};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One input: its path as given (`-` for standard input), its kind and its text.
pub struct Input {
    pub path: String,
    pub kind: Kind,
    pub text: String,
}

/// Directories not searched: version control, build output, dependencies.
const SKIP_DIRS: &[&str] = &["node_modules", "target", "vendor"];

fn walk(dir: &Path, shown: &str, out: &mut Vec<(String, PathBuf)>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let p = e.path();
        let shown_p = if shown.is_empty() || shown == "." {
            name.clone()
        } else {
            format!("{}/{name}", shown.trim_end_matches('/'))
        };
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) {
                walk(&p, &shown_p, out, depth + 1);
            }
        } else if sources::kind_of(&name).is_some() {
            out.push((shown_p, p));
        }
    }
}

/// A file that could not be read, at line 1, and why.
pub type Problem = (Location, String);

/// Read every argument: files, directories (searched for manifests and Dockerfiles), `-`.
/// An unreadable file is a problem at line 1, not an error.
pub fn read_inputs(args: &[String]) -> anyhow::Result<(Vec<Input>, Vec<Problem>)> {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let at1 = |p: &str| Location {
        path: p.to_owned(),
        line: 1,
        column: 1,
    };
    for a in args {
        if a == "-" {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                problems.push((at1("-"), format!("cannot read standard input: {e}")));
                continue;
            }
            let kind = sources::sniff(&text);
            inputs.push(Input {
                path: "-".into(),
                kind,
                text,
            });
            continue;
        }
        let p = Path::new(a);
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, a, &mut found, 0);
            if found.is_empty() {
                problems.push((
                    at1(a),
                    "no manifests or Dockerfiles in this directory".into(),
                ));
            }
            for (shown, path) in found {
                match std::fs::read(&path) {
                    Ok(b) => inputs.push(Input {
                        kind: sources::kind_of(&shown).unwrap_or(Kind::Manifest),
                        path: shown,
                        text: String::from_utf8_lossy(&b).into_owned(),
                    }),
                    Err(e) => problems.push((at1(&shown), format!("cannot read: {e}"))),
                }
            }
            continue;
        }
        match std::fs::read(p) {
            Ok(b) => {
                let text = String::from_utf8_lossy(&b).into_owned();
                let kind = sources::kind_of(a).unwrap_or_else(|| sources::sniff(&text));
                inputs.push(Input {
                    path: a.clone(),
                    kind,
                    text,
                });
            }
            Err(e) if !p.exists() => {
                return Err(super::usage(format!(
                    "{a}: no such file or directory ({e})"
                )))
            }
            Err(e) => problems.push((at1(a), format!("cannot read: {e}"))),
        }
    }
    Ok((inputs, problems))
}

/// Every target of every input, analysed.
pub struct Outcome {
    pub targets: Vec<Analysed>,
    /// The paths read, and the findings about each file itself (syntax).
    pub files: Vec<(String, Vec<Located>)>,
    pub problems: Vec<(Location, String)>,
    pub skipped: Vec<(String, usize)>,
    pub objects: usize,
}

pub fn analyse(
    g: &GlobalArgs,
    a: &JvmArgs,
    docker_target: Option<&str>,
) -> anyhow::Result<Outcome> {
    let assume = Assumptions::parse(&g.assume).map_err(|e| super::usage(e.to_string()))?;
    let profile =
        crate::jvm::profile::load(&a.profile, &a.sets).map_err(|e| super::usage(e.to_string()))?;
    if a.java.is_some() {
        return Err(super::usage(
            "--java names a JVM on this machine; with files the JDK comes from the image (or --assume jdk=...)",
        ));
    }
    let (inputs, mut problems) = read_inputs(&a.files)?;
    let mut out = Outcome {
        targets: Vec::new(),
        files: Vec::new(),
        problems: Vec::new(),
        skipped: Vec::new(),
        objects: 0,
    };
    for input in &inputs {
        let parsed = sources::parse(input.kind, &input.text, docker_target);
        out.objects += parsed.objects;
        for (k, n) in parsed.skipped {
            match out.skipped.iter_mut().find(|(x, _)| *x == k) {
                Some((_, m)) => *m += n,
                None => out.skipped.push((k, n)),
            }
        }
        let own = parsed
            .findings
            .into_iter()
            .map(|(pos, object, f)| Located {
                finding: f,
                place: Some(Place {
                    location: Location {
                        path: input.path.clone(),
                        line: pos.line.max(1),
                        column: pos.column.max(1),
                    },
                    object,
                }),
                suppressed: None,
            })
            .collect();
        out.files.push((input.path.clone(), own));
        for (pos, msg) in parsed.problems {
            problems.push((
                Location {
                    path: input.path.clone(),
                    line: pos.line.max(1),
                    column: pos.column.max(1),
                },
                msg,
            ));
        }
        for mut t in parsed.targets {
            if t.java_command.is_empty() && !a.command.is_empty() {
                t.java_command = a.command.clone();
            }
            out.targets
                .push(check::analyse(&t, &input.path, &assume, &profile));
            // Annotations travel with the analysed target's findings below.
            let last = out.targets.last_mut().expect("just pushed");
            for l in &mut last.findings {
                if t.annotation_allows.iter().any(|id| id == l.finding.id()) {
                    l.suppressed = Some(format!(
                        "annotation {}{}",
                        sources::k8s::IGNORE_ANNOTATION,
                        l.finding.id()
                    ));
                }
            }
        }
    }
    out.problems = problems;
    Ok(out)
}

/// `.ctune.toml` from `--config`, or found upwards from the working directory.
pub fn load_config(explicit: Option<&Path>) -> anyhow::Result<Option<(PathBuf, Config)>> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => {
            let mut dir = std::env::current_dir().ok();
            let mut found = None;
            while let Some(d) = dir {
                let c = d.join(".ctune.toml");
                if c.is_file() {
                    found = Some(c);
                    break;
                }
                dir = d.parent().map(Path::to_path_buf);
            }
            found
        }
    };
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| super::usage(format!("{}: {e}", path.display())))?;
    let c = config::parse(&text).map_err(|e| super::usage(format!("{}: {e}", path.display())))?;
    Ok(Some((path, c)))
}

/// Mark allowed findings: `--allow`, then the config's `allow` and path ignores.
pub fn suppress(out: &mut Outcome, allow: &[String], cfg: Option<&(PathBuf, Config)>) {
    let cwd = std::env::current_dir().ok();
    let groups = out
        .targets
        .iter_mut()
        .map(|t| (t.location.path.clone(), &mut t.findings))
        .chain(out.files.iter_mut().map(|(p, f)| (p.clone(), f)));
    for (path, findings) in groups {
        // The path as given, and relative to the config's directory.
        let given = path.trim_start_matches("./").to_owned();
        let rel = cfg.and_then(|(p, _)| {
            let base = p.parent()?;
            let abs = if Path::new(&given).is_absolute() {
                PathBuf::from(&given)
            } else {
                cwd.as_ref()?.join(&given)
            };
            abs.strip_prefix(base)
                .ok()
                .map(|r| r.to_string_lossy().into_owned())
        });
        for l in findings.iter_mut() {
            if l.suppressed.is_some() {
                continue;
            }
            if allow.iter().any(|a| a == l.finding.id()) {
                l.suppressed = Some(format!("--allow {}", l.finding.id()));
                continue;
            }
            let Some((cpath, c)) = cfg else { continue };
            if c.allow.iter().any(|a| a == l.finding.id()) {
                l.suppressed = Some(format!("{}: allow", cpath.display()));
                continue;
            }
            let mut paths = vec![given.as_str()];
            if let Some(r) = &rel {
                paths.push(r);
            }
            if let Some(i) = c.ignored(&paths, l.finding.id()) {
                l.suppressed = Some(format!("{}: ignore {}", cpath.display(), i.path));
            }
        }
    }
}
