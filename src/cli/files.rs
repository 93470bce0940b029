//! The static-target path of `ctune lint FILE...` and `ctune jvm FILE`: read the files (the
//! only I/O), parse them into targets, analyse each with the live path's advisor and findings,
//! and apply suppressions (`--allow`, the object's annotation, `.ctune.toml`).

use super::args::{GlobalArgs, JvmArgs};
use crate::assume::Assumptions;
use crate::findings::{Located, Place};
use crate::sources::archive::{self, Image};
use crate::sources::check::{self, Analysed, Location};
use crate::sources::config::{self, Config};
use crate::sources::Target;
use crate::sources::{self, Kind};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One input: its path as given (`-` for standard input), its kind and its text.
pub struct Input {
    pub path: String,
    pub kind: Kind,
    pub text: String,
}

/// An image archive or layout directory given as an argument, read.
pub struct ImageInput {
    pub path: String,
    pub images: Result<Vec<Image>, String>,
}

/// What the arguments held.
#[derive(Default)]
pub struct Inputs {
    pub files: Vec<Input>,
    pub images: Vec<ImageInput>,
    pub problems: Vec<Problem>,
}

/// An OCI image layout (`index.json`) or a `docker-dir` (`manifest.json` + `version`).
fn is_layout(dir: &Path) -> bool {
    dir.join("index.json").is_file()
        || (dir.join("manifest.json").is_file() && dir.join("version").is_file())
}

/// Read an image layout directory: only the files its documents name, inside it.
pub fn read_layout(shown: &str, dir: &Path) -> Result<Vec<Image>, String> {
    let mut open = |rel: &str| -> std::io::Result<Option<(Box<dyn Read>, u64)>> {
        // Paths come from digests and fixed names: never absolute, never `..`.
        if rel.starts_with('/') || rel.split('/').any(|c| c == "..") {
            return Ok(None);
        }
        match std::fs::File::open(dir.join(rel)) {
            Ok(f) => {
                let size = f.metadata()?.len();
                Ok(Some((Box::new(f), size)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    };
    archive::read_layout(shown, &mut open)
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

/// Read every argument: files, directories (searched for manifests and Dockerfiles; an image
/// layout directory is an image), image archives, `-` (a manifest, a Dockerfile or an image
/// archive: the first bytes tell). An unreadable file is a problem at line 1, not an error.
pub fn read_inputs(args: &[String]) -> anyhow::Result<Inputs> {
    let mut out = Inputs::default();
    let at1 = |p: &str| Location {
        path: p.to_owned(),
        line: 1,
        column: 1,
    };
    for a in args {
        if a == "-" {
            let (head, rest) = match archive::layer::peek(std::io::stdin().lock()) {
                Ok(x) => x,
                Err(e) => {
                    out.problems
                        .push((at1("-"), format!("cannot read standard input: {e}")));
                    continue;
                }
            };
            if archive::looks_like_archive(&head) {
                out.images.push(ImageInput {
                    path: "-".into(),
                    images: archive::read_stream("-", rest, None),
                });
                continue;
            }
            let mut bytes = Vec::new();
            let mut rest = rest;
            if let Err(e) = rest.read_to_end(&mut bytes) {
                out.problems
                    .push((at1("-"), format!("cannot read standard input: {e}")));
                continue;
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let kind = sources::sniff(&text);
            out.files.push(Input {
                path: "-".into(),
                kind,
                text,
            });
            continue;
        }
        let p = Path::new(a);
        if p.is_dir() {
            if is_layout(p) {
                out.images.push(ImageInput {
                    path: a.clone(),
                    images: read_layout(a, p),
                });
                continue;
            }
            let mut found = Vec::new();
            walk(p, a, &mut found, 0);
            if found.is_empty() {
                out.problems.push((
                    at1(a),
                    "no manifests, Dockerfiles or image layout in this directory".into(),
                ));
            }
            for (shown, path) in found {
                match std::fs::read(&path) {
                    Ok(b) => out.files.push(Input {
                        kind: sources::kind_of(&shown).unwrap_or(Kind::Manifest),
                        path: shown,
                        text: String::from_utf8_lossy(&b).into_owned(),
                    }),
                    Err(e) => out
                        .problems
                        .push((at1(&shown), format!("cannot read: {e}"))),
                }
            }
            continue;
        }
        let f = match std::fs::File::open(p) {
            Ok(f) => f,
            Err(e) if !p.exists() => {
                return Err(super::usage(format!(
                    "{a}: no such file or directory ({e})"
                )))
            }
            Err(e) => {
                out.problems.push((at1(a), format!("cannot read: {e}")));
                continue;
            }
        };
        let size = f.metadata().ok().map(|m| m.len());
        let read = archive::layer::peek(f).and_then(|(head, mut rest)| {
            if archive::looks_like_archive(&head) {
                return Ok(Err(rest));
            }
            let mut b = Vec::new();
            rest.read_to_end(&mut b)?;
            Ok(Ok(b))
        });
        match read {
            Ok(Ok(b)) => {
                let text = String::from_utf8_lossy(&b).into_owned();
                let kind = sources::kind_of(a).unwrap_or_else(|| sources::sniff(&text));
                out.files.push(Input {
                    path: a.clone(),
                    kind,
                    text,
                });
            }
            Ok(Err(stream)) => out.images.push(ImageInput {
                path: a.clone(),
                images: archive::read_stream(a, stream, size),
            }),
            Err(e) => out.problems.push((at1(a), format!("cannot read: {e}"))),
        }
    }
    Ok(out)
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
    cfg: Option<&(PathBuf, Config)>,
) -> anyhow::Result<Outcome> {
    let assume = Assumptions::parse(&g.assume).map_err(|e| super::usage(e.to_string()))?;
    let profile =
        crate::jvm::profile::load(&a.profile, &a.sets).map_err(|e| super::usage(e.to_string()))?;
    if a.java.is_some() {
        return Err(super::usage(
            "--java names a JVM on this machine; with files the JDK comes from the image (or --assume jdk=...)",
        ));
    }
    let Inputs {
        files: inputs,
        images,
        mut problems,
    } = read_inputs(&a.files)?;
    let mut out = Outcome {
        targets: Vec::new(),
        files: Vec::new(),
        problems: Vec::new(),
        skipped: Vec::new(),
        objects: 0,
    };
    let mut archives = HashMap::new();
    let push = |mut t: Target, path: &str, out: &mut Outcome| {
        if t.java_command.is_empty() && !a.command.is_empty() {
            t.java_command = a.command.clone();
        }
        let mut analysed = check::analyse(&t, path, &assume, &profile);
        if let Some(img) = &t.image_archive {
            for l in &mut analysed.findings {
                l.finding
                    .evidence
                    .insert(0, archive::target::evidence(img, l.finding.id()));
            }
        }
        // Annotations travel with the analysed target's findings.
        for l in &mut analysed.findings {
            if t.annotation_allows.iter().any(|id| id == l.finding.id()) {
                l.suppressed = Some(format!(
                    "annotation {}{}",
                    sources::k8s::IGNORE_ANNOTATION,
                    l.finding.id()
                ));
            }
        }
        out.targets.push(analysed);
    };
    for input in &inputs {
        let parsed = sources::parse(input.kind, &input.text, docker_target);
        if let Some((stage, named)) = &parsed.missing_stage {
            return Err(super::usage(format!(
                "{}: --target {stage}: no such stage (named stages: {}; an index from 0 also works)",
                input.path,
                if named.is_empty() { "none".to_owned() } else { named.join(", ") }
            )));
        }
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
            if let Some(c) = cfg {
                map_image(&mut t, c, &mut archives);
            }
            push(t, &input.path, &mut out);
        }
    }
    for ii in images {
        let picked = pick_images(ii.images, &ii.path, a.image.as_deref(), &mut problems);
        out.objects += picked.len();
        for img in &picked {
            push(archive::target::to_target(img), &ii.path, &mut out);
        }
    }
    out.problems = problems;
    Ok(out)
}

/// The images of one archive argument that are targets: all, or those `--image` names; an
/// unreadable archive, or one where nothing matches, is a problem at its line 1.
fn pick_images(
    read: Result<Vec<Image>, String>,
    path: &str,
    want: Option<&str>,
    problems: &mut Vec<Problem>,
) -> Vec<Image> {
    let at1 = Location {
        path: path.to_owned(),
        line: 1,
        column: 1,
    };
    let list = match read {
        Ok(l) => l,
        Err(e) => {
            problems.push((at1, format!("image archive: {e}")));
            return Vec::new();
        }
    };
    let refs: Vec<String> = list.iter().map(Image::label).collect();
    let picked: Vec<Image> = match want {
        Some(w) => list
            .into_iter()
            .filter(|i| archive::matches(i.reference.as_deref(), w))
            .collect(),
        None => list,
    };
    if picked.is_empty() {
        let msg = match want {
            Some(w) if refs.is_empty() => {
                format!("no image matches --image {w} (the archive holds none)")
            }
            Some(w) => format!(
                "no image matches --image {w} (the archive holds: {})",
                refs.join(", ")
            ),
            None => "image archive: no image in it".into(),
        };
        problems.push((at1, msg));
    }
    picked
}

/// An image archive named by `.ctune.toml`, read once per run.
type ArchiveCache = HashMap<PathBuf, Result<Vec<Image>, String>>;

/// Read an image archive file or layout directory by path.
pub fn read_image_path(shown: &str, path: &Path) -> Result<Vec<Image>, String> {
    if path.is_dir() {
        return read_layout(shown, path);
    }
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let size = f.metadata().ok().map(|m| m.len());
    archive::read_stream(shown, f, size)
}

/// `.ctune.toml` `[[image]]`: the JDK (unless an annotation stated it), the uid (unless the
/// manifest sets one) and, from an archive, the image's `Env` under the container's own.
fn map_image(t: &mut Target, (cpath, c): &(PathBuf, Config), cache: &mut ArchiveCache) {
    let Some(reference) = t.image.as_ref().map(|i| i.value.clone()) else {
        return;
    };
    let Some(m) = c.image_mapping(&reference) else {
        return;
    };
    let why = format!("{} [[image]] match = {:?}", cpath.display(), m.pattern);
    let jdk_free = t.jdk_source.is_none();
    if let (Some(j), true) = (&m.jdk, jdk_free) {
        t.jdk = Some(j.clone());
        t.jdk_source = Some(".ctune.toml".into());
        t.notes.push(format!("JDK {j} from {why}"));
    }
    if let (Some(u), None) = (m.uid, &t.uid) {
        t.uid = Some(sources::At::new(u, t.pos));
        t.user_name = None;
        t.notes.push(format!("uid {u} from {why}"));
    }
    let Some(arch) = &m.archive else { return };
    let base = cpath.parent().unwrap_or(Path::new("."));
    let full = base.join(arch);
    let imgs = cache
        .entry(full.clone())
        .or_insert_with(|| read_image_path(arch, &full));
    let list = match imgs {
        Ok(l) => l,
        Err(e) => {
            t.notes.push(format!("{arch} ({why}): {e}"));
            return;
        }
    };
    let img = list
        .iter()
        .find(|i| archive::matches(i.reference.as_deref(), &reference))
        .or(if list.len() == 1 { list.first() } else { None });
    let Some(img) = img else {
        t.notes.push(format!(
            "{arch} ({why}) holds no image {reference} (it has: {})",
            list.iter().map(Image::label).collect::<Vec<_>>().join(", ")
        ));
        return;
    };
    if let (Some(j), true) = (&img.jdk, jdk_free) {
        t.jdk = j.home.version.clone();
        t.jdk_source = Some(format!("image archive: {}", j.home.release));
        t.notes.push(format!(
            "JDK from {} in {} ({why})",
            j.home.release,
            img.label()
        ));
    }
    if let (Some(u), None) = (img.user.uid, &t.uid) {
        t.uid = Some(sources::At::new(u, t.pos));
        t.user_name = None;
        t.notes.push(format!(
            "uid {u} from {} in {}",
            img.user.source,
            img.label()
        ));
    }
    // The image's Env, under the container's own (Kubernetes merges them that way).
    for (k, v) in &img.env {
        if t.env.iter().any(|e| &e.name == k) {
            continue;
        }
        if crate::jvm::options::ENV_SOURCES.contains(&k.as_str()) || k == "_JAVA_OPTIONS" {
            for w in crate::jvm::options::split_options(v) {
                t.sites.push(sources::Site {
                    source: k.clone(),
                    text: w,
                    pos: t.pos,
                });
            }
        }
        t.env.push(sources::EnvVar {
            name: k.clone(),
            value: Some(v.clone()),
            name_pos: t.pos,
            value_pos: t.pos,
        });
    }
}

/// `lint --artifact FILE` with image targets: their findings point at the Dockerfile that
/// built the image (the `USER`, `ENV` or final `FROM` line), for SARIF and annotations.
pub fn point_at_artifact(out: &mut Outcome, artifact: &str, docker_target: Option<&str>) {
    let df = std::fs::read(artifact)
        .ok()
        .map(|b| sources::dockerfile::parse(&String::from_utf8_lossy(&b), docker_target))
        .and_then(|p| p.targets.into_iter().next());
    for t in out.targets.iter_mut().filter(|t| t.object.kind == "Image") {
        for l in &mut t.findings {
            let pos = df.as_ref().map(|d| artifact_pos(d, &l.finding));
            let (line, column) = pos.map_or((1, 1), |p| (p.line.max(1), p.column.max(1)));
            l.finding
                .evidence
                .push(format!("{}: built by {artifact}:{line}", t.location.path));
            if let Some(p) = &mut l.place {
                p.location = Location {
                    path: artifact.to_owned(),
                    line,
                    column,
                };
            }
        }
    }
}

fn artifact_pos(d: &Target, f: &crate::findings::Finding) -> sources::Pos {
    match f.id() {
        "running-as-root" => d
            .uid
            .as_ref()
            .map(|u| u.pos)
            .or(d.user_name.as_ref().map(|u| u.pos))
            .unwrap_or(d.pos),
        "secret-in-environment" => d.secrets.first().map_or(d.pos, |s| s.pos),
        _ => d
            .sites
            .iter()
            .find(|s| f.evidence.iter().any(|e| e.contains(&s.text)))
            .map_or(d.pos, |s| s.pos),
    }
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
