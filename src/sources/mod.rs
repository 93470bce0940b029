//! Static sources: the workloads that Kubernetes manifests and Dockerfiles describe, for
//! `ctune lint FILE...` and `ctune jvm FILE`. CI does not run inside the pod it deploys, so
//! every fact of a static target comes from the file (or `--assume`), never from the runner.
//!
//! Parsers here take `&str` and never touch the file system: [`yaml`] (a positioned tree),
//! [`quantity`] (Kubernetes quantities), [`image`] (the JDK an image names), [`k8s`] and
//! [`dockerfile`] (targets with the position of every value that matters). [`check`] turns a
//! target into [`crate::facts::Facts`], runs the same advisor and findings as the live path
//! and places each finding at the node that causes it.

pub mod archive;
pub mod check;
pub mod config;
pub mod dockerfile;
pub mod heap;
pub mod image;
pub mod k8s;
pub mod operators;
pub mod quantity;
pub mod yaml;

#[cfg(test)]
mod props;

pub use yaml::Pos;

pub use crate::findings::Object;

/// A value from the file and where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    pub value: T,
    pub pos: Pos,
}

impl<T> At<T> {
    pub fn new(value: T, pos: Pos) -> Self {
        At { value, pos }
    }
}

/// A quantity field: absent, read, or present but unreadable (with the reason).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Field<T> {
    #[default]
    Absent,
    Known(At<T>),
    Invalid(At<String>),
}

impl<T: Copy> Field<T> {
    pub fn known(&self) -> Option<T> {
        match self {
            Field::Known(a) => Some(a.value),
            _ => None,
        }
    }
    pub fn pos(&self) -> Option<Pos> {
        match self {
            Field::Known(a) => Some(a.pos),
            Field::Invalid(a) => Some(a.pos),
            Field::Absent => None,
        }
    }
}

/// One environment variable of a target.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub name: String,
    /// The literal value, None for `valueFrom` (or an unreadable value).
    pub value: Option<String>,
    pub name_pos: Pos,
    pub value_pos: Pos,
}

/// A word of the command line, or of an option-carrying value, with where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// `JAVA_TOOL_OPTIONS`, `command line`, ...: the `UserOption::source` it feeds.
    pub source: String,
    pub text: String,
    pub pos: Pos,
}

/// A memory-backed directory of the target (`emptyDir: {medium: Memory}`, Spark's tmpfs
/// local dirs).
#[derive(Debug, Clone, PartialEq)]
pub struct TmpfsDir {
    pub path: String,
    pub size_limit: Option<u64>,
    /// What makes it data: `/tmp`, `SPARK_LOCAL_DIRS`, `java.io.tmpdir`, or `emptyDir`.
    pub role: String,
    /// The `medium: Memory` (or the Spark setting) that makes it tmpfs.
    pub pos: Pos,
}

/// One workload container (or Spark driver/executor, or Dockerfile stage) and every fact the
/// file gives about it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Target {
    pub object: Object,
    /// The container's `name:` (Dockerfile: the target stage's `FROM`).
    pub pos: Pos,
    pub memory_limit: Field<u64>,
    pub cpu_limit: Field<f64>,
    pub cpu_request: Field<f64>,
    /// Millicores of the request as the kubelet rounds them (for shares).
    pub cpu_request_milli: Option<i128>,
    pub image: Option<At<String>>,
    /// The JDK the image names.
    pub jdk: Option<String>,
    /// Where `jdk` came from when not the image tag: `image archive: /opt/java/openjdk/release`,
    /// `.ctune.toml`, the `ctune.dev/jdk` annotation.
    pub jdk_source: Option<String>,
    /// The image archive this target was read from (image targets only).
    pub image_archive: Option<Box<archive::Image>>,
    pub env: Vec<EnvVar>,
    /// The effective command line, when it runs `java` (directly, in `sh -c`, or after
    /// `ctune exec`), from `java` on.
    pub java_command: Vec<String>,
    /// Every word that may carry a JVM option, with its position.
    pub sites: Vec<Site>,
    /// The entrypoint is `ctune exec`: the JVM is tuned at start.
    pub ctune_exec: Option<Pos>,
    pub uid: Option<At<u32>>,
    /// Where the uid comes from when no `USER`/`runAsUser` sets it: the base image's default
    /// user ([`image::default_user`]).
    pub uid_from_image: Option<String>,
    /// Dockerfile `USER name` (non-root, uid unknown).
    pub user_name: Option<At<String>>,
    pub run_as_non_root: Option<At<bool>>,
    /// `hostUsers: false`: a user namespace maps root to an unprivileged host uid.
    pub host_users_false: bool,
    /// An ephemeral (debug) container: Kubernetes forbids it resources, so a missing limit
    /// is no omission; it runs within the pod's.
    pub ephemeral: bool,
    pub tmpfs: Vec<TmpfsDir>,
    pub privileged: Option<Pos>,
    pub caps_add: Vec<At<String>>,
    /// Env (or ARG) names with a literal value that look secret.
    pub secrets: Vec<At<String>>,
    /// Check ids the object's annotations allow.
    pub annotation_allows: Vec<String>,
    /// The `# Source:` template of `helm template` output, if any.
    pub helm_source: Option<String>,
    /// Things the reader should know: defaults applied, values it could not read.
    pub notes: Vec<String>,
    /// The heap an operator or product gives this JVM by a rule of its own (custom resources).
    pub heap_rule: Option<operators::HeapRule>,
}

/// What a file gave: targets, the kinds skipped, and problems (with positions).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub targets: Vec<Target>,
    /// Kinds that are not workloads, with how many of each were skipped.
    pub skipped: Vec<(String, usize)>,
    /// Workload objects read (a Deployment is one, however many containers).
    pub objects: usize,
    pub problems: Vec<(Pos, String)>,
    /// A Dockerfile without the stage `--target` names, and the stages it has: a usage error,
    /// as `docker build` makes it, never a pass with nothing checked.
    pub missing_stage: Option<(String, Vec<String>)>,
    /// Findings about the file itself (syntax), at their node, in the object they are in.
    pub findings: Vec<(Pos, Object, crate::findings::Finding)>,
}

impl Parsed {
    pub(crate) fn skip(&mut self, kind: &str) {
        // Few kinds in practice; past 64 distinct ones the rest count together (linear time
        // whatever the input).
        let kind = if self.skipped.len() >= 64 && !self.skipped.iter().any(|(k, _)| k == kind) {
            "(other kinds)"
        } else {
            kind
        };
        match self.skipped.iter_mut().find(|(k, _)| k == kind) {
            Some((_, n)) => *n += 1,
            None => self.skipped.push((kind.to_owned(), 1)),
        }
    }
}

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Manifest,
    Dockerfile,
}

/// The kind of file a name says: `Dockerfile`, `Containerfile`, `*.Dockerfile`,
/// `*.containerfile`, `Dockerfile.*` are Dockerfiles; `.yaml`, `.yml`, `.json` manifests.
pub fn kind_of(name: &str) -> Option<Kind> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    // `Dockerfile.md`, `Dockerfile.expect`, editor backups: notes about a Dockerfile, not one.
    const NOT_DOCKERFILE: &[&str] = &[
        ".md",
        ".txt",
        ".expect",
        ".orig",
        ".rej",
        ".bak",
        ".swp",
        ".sh",
        ".dockerignore",
    ];
    let not_docker = NOT_DOCKERFILE.iter().any(|x| lower.ends_with(x));
    if !not_docker
        && (lower == "dockerfile"
            || lower == "containerfile"
            || lower.ends_with(".dockerfile")
            || lower.ends_with(".containerfile")
            || lower.starts_with("dockerfile.")
            || lower.starts_with("containerfile."))
    {
        return Some(Kind::Dockerfile);
    }
    if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json") {
        return Some(Kind::Manifest);
    }
    None
}

/// Standard input, or a name that says nothing: a Dockerfile when its first instruction is
/// `FROM` (or a parser directive / `ARG` before it), else a manifest.
pub fn sniff(text: &str) -> Kind {
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let word = t
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        return if word == "FROM" || word == "ARG" {
            Kind::Dockerfile
        } else {
            Kind::Manifest
        };
    }
    Kind::Manifest
}

/// Read one file's text.
pub fn parse(kind: Kind, text: &str, docker_target: Option<&str>) -> Parsed {
    match kind {
        Kind::Manifest => k8s::parse(text),
        Kind::Dockerfile => dockerfile::parse(text, docker_target),
    }
}

/// Secret-looking names, as the live check judges them.
pub(crate) fn secret_name(name: &str) -> bool {
    crate::secrets::is_secret_name(name)
}

/// Find a `java` invocation in a command line: `java ...`, `/opt/java/bin/java ...`,
/// `exec java`, `sh -c "... java ..."`, `ctune exec [OPTIONS] [--] java ...`. Returns the words
/// from `java` on, whether `ctune exec` wraps it, and for a shell script, its words.
pub fn find_java(words: &[String]) -> (Vec<String>, bool) {
    let mut ctune = false;
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let base = w.rsplit('/').next().unwrap_or(w);
        if crate::jvm::options::is_java_command(w) {
            return (words[i..].to_vec(), ctune);
        }
        if base == "ctune" && words.get(i + 1).map(String::as_str) == Some("exec") {
            ctune = true;
            i += 2;
            // Skip ctune's own options (with their values) up to the command.
            while i < words.len() {
                let o = &words[i];
                if o == "--" {
                    i += 1;
                    break;
                }
                if ["--profile", "--set", "--inject"].contains(&o.as_str()) {
                    i += 2;
                } else if o.starts_with('-') {
                    i += 1;
                } else {
                    break;
                }
            }
            continue;
        }
        if matches!(base, "sh" | "bash" | "ash" | "dash" | "zsh") {
            if let Some(c) = words[i + 1..]
                .iter()
                .position(|a| a == "-c" || a == "-ec" || a == "-xc" || a == "-lc")
            {
                if let Some(script) = words.get(i + 2 + c) {
                    let inner: Vec<String> = shell_words(script);
                    let (j, c2) = find_java(&inner);
                    return (j, ctune || c2);
                }
            }
            return (Vec::new(), ctune);
        }
        if matches!(
            base,
            "exec" | "env" | "tini" | "dumb-init" | "gosu" | "su-exec" | "--"
        ) || w.contains('=') && !w.starts_with('-')
        {
            i += 1;
            continue;
        }
        if base == "tini" || base == "dumb-init" {
            i += 1;
            continue;
        }
        return (Vec::new(), ctune);
    }
    (Vec::new(), ctune)
}

/// Split a shell script into words, the first simple command's that runs java: `;`, `&&`,
/// `||`, `|` and newlines end a command; quotes group; `$VAR` stays as written.
pub fn shell_words(script: &str) -> Vec<String> {
    let mut commands: Vec<Vec<String>> = vec![Vec::new()];
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            Some(_) => cur.push(c),
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    in_word = true;
                }
                '\\' => {
                    if let Some(n) = chars.next() {
                        if n != '\n' {
                            cur.push(n);
                            in_word = true;
                        }
                    }
                }
                ' ' | '\t' => {
                    if in_word {
                        commands.last_mut().unwrap().push(std::mem::take(&mut cur));
                        in_word = false;
                    }
                }
                ';' | '\n' | '&' | '|' => {
                    if in_word {
                        commands.last_mut().unwrap().push(std::mem::take(&mut cur));
                        in_word = false;
                    }
                    if commands.last().is_some_and(|c| !c.is_empty()) {
                        commands.push(Vec::new());
                    }
                }
                _ => {
                    cur.push(c);
                    in_word = true;
                }
            },
        }
    }
    if in_word {
        commands.last_mut().unwrap().push(cur);
    }
    commands
        .into_iter()
        .find(|c| !find_java(c).0.is_empty() || c.iter().any(|w| w.ends_with("ctune")))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn java_is_found_where_entrypoints_put_it() {
        assert_eq!(
            find_java(&w(&["java", "-Xmx1g", "-jar", "a.jar"])).0[1],
            "-Xmx1g"
        );
        let (j, c) = find_java(&w(&[
            "/usr/bin/ctune",
            "exec",
            "--profile",
            "web",
            "--",
            "java",
            "-jar",
            "x",
        ]));
        assert!(c);
        assert_eq!(j[0], "java");
        let (j, _) = find_java(&w(&[
            "sh",
            "-c",
            "cd /app && exec java -Xmx2g -jar app.jar",
        ]));
        assert_eq!(j, w(&["java", "-Xmx2g", "-jar", "app.jar"]));
        assert!(find_java(&w(&["python", "app.py"])).0.is_empty());
        assert!(find_java(&w(&["sh", "-c", "java"])).0.len() == 1);
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_of("a/Dockerfile"), Some(Kind::Dockerfile));
        assert_eq!(kind_of("api.Dockerfile"), Some(Kind::Dockerfile));
        assert_eq!(kind_of("Dockerfile.prod"), Some(Kind::Dockerfile));
        assert_eq!(kind_of("x.containerfile"), Some(Kind::Dockerfile));
        assert_eq!(kind_of("k8s/app.yml"), Some(Kind::Manifest));
        assert_eq!(kind_of("README.md"), None);
        assert_eq!(kind_of("Dockerfile.expect"), None);
        assert_eq!(kind_of("Dockerfile.md"), None);
        assert_eq!(sniff("# c\nFROM x\n"), Kind::Dockerfile);
        assert_eq!(sniff("kind: Pod\n"), Kind::Manifest);
    }
}
