//! Workload profiles: TOML files in `profiles/`, embedded in the binary, also loadable from a
//! path; `extends` another profile; `--set section.key=value` overrides one setting.
//!
//! Each file is checked alone first, so a bad key or value is reported with its file and line;
//! then the chain is merged (child over parent) and the overrides applied.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The profiles shipped in the binary, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../profiles/default.toml")),
    ("throughput", include_str!("../../profiles/throughput.toml")),
    ("latency", include_str!("../../profiles/latency.toml")),
    (
        "spark-executor",
        include_str!("../../profiles/spark-executor.toml"),
    ),
    (
        "spark-driver",
        include_str!("../../profiles/spark-driver.toml"),
    ),
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("unknown profile {0:?} (built in: {list}; or give a path to a .toml file)", list = builtin_names().join(", "))]
    Unknown(String),
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("--set {0}")]
    BadSet(String),
    #[error("profile {0:?} extends itself (through {1})")]
    Cycle(String, String),
}

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Memory {
    pub headroom_fraction: f64,
    pub headroom_min_mib: u64,
    pub page_cache_fraction: f64,
    pub loaded_classes: u64,
    pub threads: u64,
    pub stack_kib: u64,
    pub stack_touched_kib: u64,
    pub direct_mib: u64,
    pub code_cache_mib: u64,
    pub min_heap_mib: u64,
    pub min_heap_fraction: f64,
    pub untold_min_heap_fraction: f64,
    pub fixed_heap: bool,
    /// The `memory` keys the user stated (`--set memory.KEY=...`, or a profile file of their
    /// own), not the built-in profiles' guesses: the budget never squeezes what it was told.
    #[serde(skip)]
    pub told: Vec<String>,
}

/// The settings that say how large the application is (not what it does with memory).
const SIZE_KEYS: &[&str] = &["loaded_classes", "threads"];

/// The settings that describe what the application holds outside the heap.
const NON_HEAP_KEYS: &[&str] = &[
    "loaded_classes",
    "threads",
    "stack_touched_kib",
    "direct_mib",
    "code_cache_mib",
    "page_cache_fraction",
];

impl Memory {
    /// The user stated `key` (a `memory` setting's name).
    pub fn is_told(&self, key: &str) -> bool {
        self.told.iter().any(|k| k == key)
    }

    /// The user stated something about what the application holds outside the heap.
    pub fn told_non_heap(&self) -> bool {
        NON_HEAP_KEYS.iter().any(|k| self.is_told(k))
    }

    /// The user stated how large the application is: its loaded classes or its threads.
    pub fn told_size(&self) -> bool {
        SIZE_KEYS.iter().any(|k| self.is_told(k))
    }

    /// The heap's share of the limit below which the budget squeezes its guesses: the larger
    /// `untold_min_heap_fraction` until the user states how large the application is. (A
    /// thread or class count says the application is that large; direct buffers or a page
    /// cache say what it does with memory, and a small application may hold many: those
    /// are kept as stated and the other guesses still squeezed.)
    pub fn squeeze_target_fraction(&self) -> f64 {
        if self.told_size() {
            self.min_heap_fraction
        } else {
            self.min_heap_fraction.max(self.untold_min_heap_fraction)
        }
    }
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            headroom_fraction: 0.10,
            headroom_min_mib: 16,
            page_cache_fraction: 0.0,
            loaded_classes: 12_000,
            threads: 150,
            stack_kib: 1024,
            stack_touched_kib: 256,
            direct_mib: 16,
            code_cache_mib: 32,
            min_heap_mib: 64,
            min_heap_fraction: 0.40,
            untold_min_heap_fraction: 0.75,
            fixed_heap: false,
            told: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rounding {
    Ceil,
    Floor,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cpu {
    pub rounding: Rounding,
}

impl Default for Cpu {
    fn default() -> Self {
        Cpu {
            rounding: Rounding::Ceil,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Goal {
    Balanced,
    Throughput,
    Latency,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GcSettings {
    pub goal: Goal,
    pub max_pause_ms: u64,
    /// G1's `-XX:GCTimeRatio` where ctune sized the heap; 0 = the JVM's own (12, 9 on JDK 8).
    pub g1_time_ratio: u32,
    /// Parallel's initial heap, as a share of the memory limit, where ctune sized the heap;
    /// 0 = the JVM's own (1/64).
    pub parallel_initial_fraction: f64,
}

impl Default for GcSettings {
    fn default() -> Self {
        GcSettings {
            goal: Goal::Balanced,
            max_pause_ms: 0,
            g1_time_ratio: 7,
            parallel_initial_fraction: 0.125,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JvmSettings {
    pub exit_on_oom: bool,
    pub heap_dump_on_oom: bool,
    pub extra: Vec<String>,
}

impl Default for JvmSettings {
    fn default() -> Self {
        JvmSettings {
            exit_on_oom: true,
            heap_dump_on_oom: false,
            extra: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ExecSettings {
    /// `ctune exec`: without a passwd entry for the uid, generate one and preload nss_wrapper.
    pub nss_wrapper: bool,
}

/// A resolved profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// Set from the file name or built-in name, not from the file.
    #[serde(skip)]
    pub name: String,
    pub description: String,
    #[serde(skip_serializing)]
    pub extends: Option<String>,
    pub memory: Memory,
    pub cpu: Cpu,
    pub gc: GcSettings,
    pub jvm: JvmSettings,
    pub exec: ExecSettings,
}

/// Find a profile's text: a built-in name, or a path to a TOML file.
fn source(name: &str) -> Result<(String, String), ProfileError> {
    if let Some((n, t)) = BUILTIN.iter().find(|(n, _)| *n == name) {
        return Ok((format!("profiles/{n}.toml (built in)"), (*t).to_owned()));
    }
    let looks_like_path = name.contains('/') || name.ends_with(".toml");
    if looks_like_path {
        return std::fs::read_to_string(Path::new(name))
            .map(|t| (name.to_owned(), t))
            .map_err(|e| ProfileError::Invalid {
                file: name.to_owned(),
                message: e.to_string(),
            });
    }
    Err(ProfileError::Unknown(name.to_owned()))
}

/// Parse one file and check it on its own (unknown keys, wrong types, with the line). The
/// built-in files are checked by the unit tests, so `ctune exec` does not pay for it twice.
fn check_file(file: &str, text: &str, builtin: bool) -> Result<toml::Table, ProfileError> {
    let invalid = |e: toml::de::Error| ProfileError::Invalid {
        file: file.to_owned(),
        message: one_line(&e.to_string()),
    };
    let table: toml::Table = toml::from_str(text).map_err(invalid)?;
    if !builtin {
        let _: Profile = toml::from_str(text).map_err(invalid)?;
    }
    Ok(table)
}

/// toml's messages span lines (with a caret picture); keep the facts on one line:
/// `line 4, column 11: invalid type: string "many", expected u64 (in `threads = "many"`)`.
fn one_line(msg: &str) -> String {
    let mut head = String::new();
    let mut source = None;
    let mut rest = Vec::new();
    for l in msg.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(h) = l.strip_prefix("TOML parse error at ") {
            head = h.to_owned();
        } else if let Some((num, text)) = l.split_once(" | ") {
            if num.trim().chars().all(|c| c.is_ascii_digit()) {
                source = Some(text.trim().to_owned());
            }
        } else if !(l.starts_with('|') || l.chars().all(|c| c == '^' || c == ' ' || c == '|')) {
            rest.push(l);
        }
    }
    let mut out = if head.is_empty() {
        rest.join("; ")
    } else {
        format!("{head}: {}", rest.join("; "))
    };
    if let Some(src) = source {
        out.push_str(&format!(" (in `{src}`)"));
    }
    out
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Apply one `section.key=value`; the value is read as TOML, else taken as a string. Returns
/// the dotted key it set.
fn apply_set<'a>(table: &mut toml::Table, item: &'a str) -> Result<&'a str, ProfileError> {
    let (key, raw) = item
        .split_once('=')
        .ok_or_else(|| ProfileError::BadSet(format!("{item:?}: expected section.key=value")))?;
    let key = key.trim();
    let path: Vec<&str> = key.split('.').collect();
    let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()));
    let (last, parents) = path
        .split_last()
        .ok_or_else(|| ProfileError::BadSet(format!("{item:?}: empty key")))?;
    let mut cur = table;
    for p in parents {
        cur = match cur
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(Default::default()))
        {
            toml::Value::Table(t) => t,
            _ => {
                return Err(ProfileError::BadSet(format!(
                    "{item:?}: {p} is not a section"
                )))
            }
        };
    }
    cur.insert(last.to_string(), value);
    Ok(key)
}

/// Load a profile by name or path, with its `extends` chain and the `--set` overrides.
pub fn load(name: &str, sets: &[String]) -> Result<Profile, ProfileError> {
    if name == "default" && sets.is_empty() {
        // What `ctune exec` uses on every container start: no TOML to parse. The unit test
        // `the_default_fast_path_is_default_toml` keeps it equal to profiles/default.toml.
        return Ok(builtin_default());
    }
    load_toml(name, sets)
}

/// The built-in `default` profile: the `Default` values of every section.
fn builtin_default() -> Profile {
    Profile {
        name: "default".into(),
        description: DEFAULT_DESCRIPTION.into(),
        ..Profile::default()
    }
}

const DEFAULT_DESCRIPTION: &str = "A long-running service: a heap that fits the limit with room for off-heap memory, G1 when there are CPUs for it, exit on OutOfMemoryError";

fn load_toml(name: &str, sets: &[String]) -> Result<Profile, ProfileError> {
    let mut chain = Vec::new();
    let mut cur = name.to_owned();
    loop {
        if chain.iter().any(|(n, _): &(String, toml::Table)| *n == cur) {
            return Err(ProfileError::Cycle(name.to_owned(), cur));
        }
        let (file, text) = source(&cur)?;
        let builtin = BUILTIN.iter().any(|(n, _)| *n == cur);
        let table = check_file(&file, &text, builtin)?;
        let next = table
            .get("extends")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        chain.push((cur.clone(), table));
        match next {
            Some(n) => cur = n,
            None => break,
        }
    }
    let mut told = Vec::new();
    let mut merged = toml::Table::new();
    for (n, t) in chain.into_iter().rev() {
        if !BUILTIN.iter().any(|(b, _)| *b == n) {
            told.extend(memory_keys(&t));
        }
        merge(&mut merged, t);
    }
    for s in sets {
        if let Some(key) = apply_set(&mut merged, s)?.strip_prefix("memory.") {
            told.push(key.to_owned());
        }
    }
    merged.remove("extends");
    let mut p: Profile = toml::Value::Table(merged)
        .try_into()
        .map_err(|e: toml::de::Error| ProfileError::BadSet(one_line(&e.to_string())))?;
    told.sort();
    told.dedup();
    p.memory.told = told;
    p.name = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_owned());
    validate(&p)?;
    Ok(p)
}

/// The keys of a profile file's `[memory]` table.
fn memory_keys(t: &toml::Table) -> Vec<String> {
    match t.get("memory") {
        Some(toml::Value::Table(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

fn validate(p: &Profile) -> Result<(), ProfileError> {
    let bad = |key: &str, why: &str| {
        Err(ProfileError::Invalid {
            file: format!("profile {}", p.name),
            message: format!("{key}: {why}"),
        })
    };
    let m = &p.memory;
    for (k, v) in [
        ("memory.headroom_fraction", m.headroom_fraction),
        ("memory.page_cache_fraction", m.page_cache_fraction),
        ("memory.min_heap_fraction", m.min_heap_fraction),
        (
            "memory.untold_min_heap_fraction",
            m.untold_min_heap_fraction,
        ),
    ] {
        if !(0.0..=0.9).contains(&v) {
            return bad(k, "must be between 0 and 0.9");
        }
    }
    if !(0.0..=0.9).contains(&p.gc.parallel_initial_fraction) {
        return bad("gc.parallel_initial_fraction", "must be between 0 and 0.9");
    }
    if m.stack_kib < 128 {
        return bad("memory.stack_kib", "must be at least 128");
    }
    if m.stack_touched_kib < 16 {
        return bad("memory.stack_touched_kib", "must be at least 16");
    }
    if m.code_cache_mib > 2048 {
        return bad(
            "memory.code_cache_mib",
            "must be at most 2048 (HotSpot's limit)",
        );
    }
    if let Some(x) = p.jvm.extra.iter().find(|x| !x.starts_with('-')) {
        return bad("jvm.extra", &format!("{x:?} is not a JVM option"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads() {
        for n in builtin_names() {
            let p = load(n, &[]).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(p.name, n);
            assert!(!p.description.is_empty());
        }
        let se = load("spark-executor", &[]).unwrap();
        assert_eq!(se.gc.goal, Goal::Throughput, "inherited from throughput");
        assert_eq!(se.memory.page_cache_fraction, 0.20);
        assert_eq!(se.memory.loaded_classes, 12000, "inherited from default");
    }

    #[test]
    fn the_default_fast_path_is_default_toml() {
        assert_eq!(
            load("default", &[]).unwrap(),
            load_toml("default", &[]).unwrap()
        );
        // And it is really the fast path (a --set goes through TOML), where a stated value
        // is told, not guessed.
        let told = load("default", &["memory.threads=150".into()]).unwrap();
        assert_eq!(told.memory.told, ["threads"]);
        assert!(told.memory.told_non_heap());
        assert_eq!(
            Profile {
                memory: Memory {
                    told: Vec::new(),
                    ..told.memory
                },
                ..told
            },
            builtin_default()
        );
    }

    #[test]
    fn set_overrides() {
        let p = load(
            "default",
            &[
                "memory.threads=400".into(),
                "gc.goal=latency".into(),
                "jvm.extra=[\"-Xlog:gc\"]".into(),
            ],
        )
        .unwrap();
        assert_eq!(p.memory.threads, 400);
        assert_eq!(p.gc.goal, Goal::Latency);
        assert_eq!(p.jvm.extra, ["-Xlog:gc"]);
        assert!(
            matches!(load("default", &["memory.nope=1".into()]), Err(ProfileError::BadSet(m)) if m.contains("nope"))
        );
        assert!(load("default", &["gc.goal=fast".into()]).is_err());
        assert!(load("default", &["memory.headroom_fraction=2".into()]).is_err());
        assert!(matches!(load("nope", &[]), Err(ProfileError::Unknown(_))));
    }

    /// What the user states is told; what a built-in profile says is a guess.
    #[test]
    fn told_keys_come_from_the_user_only() {
        // throughput.toml sets memory.threads: a built-in guess.
        let p = load("throughput", &[]).unwrap();
        assert!(p.memory.told.is_empty() && !p.memory.told_non_heap());
        assert_eq!(p.memory.squeeze_target_fraction(), 0.75);
        let p = load("throughput", &["memory.headroom_fraction=0.2".into()]).unwrap();
        assert_eq!(p.memory.told, ["headroom_fraction"]);
        assert!(
            !p.memory.told_non_heap(),
            "the margin says nothing of the app"
        );
        let dir = std::env::temp_dir().join(format!("ctune-told-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("mine.toml");
        std::fs::write(&f, "extends = \"latency\"\n[memory]\ndirect_mib = 240\n").unwrap();
        let p = load(f.to_str().unwrap(), &["memory.threads=900".into()]).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(p.memory.told, ["direct_mib", "threads"]);
        assert!(p.memory.told_non_heap() && p.memory.told_size());
        assert_eq!(p.memory.squeeze_target_fraction(), 0.40);
        // Direct buffers alone do not say the application is large.
        let p = load("default", &["memory.direct_mib=240".into()]).unwrap();
        assert!(p.memory.told_non_heap() && !p.memory.told_size());
        assert_eq!(p.memory.squeeze_target_fraction(), 0.75);
    }

    #[test]
    fn bad_files_say_file_key_and_line() {
        let dir = std::env::temp_dir().join(format!("ctune-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("bad.toml");
        std::fs::write(
            &f,
            "extends = \"default\"\n\n[memory]\nthreads = \"many\"\n",
        )
        .unwrap();
        let e = load(f.to_str().unwrap(), &[]).unwrap_err().to_string();
        assert!(
            e.contains("bad.toml") && e.contains("line 4") && e.contains("threads"),
            "{e}"
        );
        std::fs::write(&f, "[memory]\nthredas = 5\n").unwrap();
        let e = load(f.to_str().unwrap(), &[]).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("thredas"), "{e}");
        std::fs::write(&f, "extends = \"bad.toml\"\n").unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
