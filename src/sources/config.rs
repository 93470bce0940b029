//! `.ctune.toml`: what a repository allows once instead of on every command line.
//!
//! ```toml
//! allow = ["secret-in-environment"]        # ids allowed everywhere
//! fail-on = "error"                        # error | warning | info | never
//!
//! [[ignore]]                               # per-path ignores
//! path = "charts/legacy/**"                # glob: * within a segment, ** across, ?
//! checks = ["heap-exceeds-memory-limit"]   # omitted: every check
//! ```
//!
//! Paths match the path as given on the command line (without a leading `./`) and that path
//! relative to the directory holding the config file. Parsed from `&str`; the CLI finds the
//! file (upwards from the working directory, or `--config FILE`).

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default, rename = "fail-on")]
    pub fail_on: Option<String>,
    #[serde(default)]
    pub ignore: Vec<Ignore>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    pub path: String,
    #[serde(default)]
    pub checks: Vec<String>,
}

pub fn parse(text: &str) -> Result<Config, String> {
    let c: Config = toml::from_str(text).map_err(|e| e.to_string())?;
    for id in c
        .allow
        .iter()
        .chain(c.ignore.iter().flat_map(|i| i.checks.iter()))
    {
        if crate::findings::rule(id).is_none() {
            return Err(format!("no such check id {id:?}"));
        }
    }
    if let Some(f) = &c.fail_on {
        if crate::render::lint::FailOn::parse(f).is_none() {
            return Err(format!(
                "fail-on = {f:?}: expected error, warning, info or never"
            ));
        }
    }
    Ok(c)
}

impl Config {
    /// The ignore entry that covers `id` at `path` (one of its spellings), if any.
    pub fn ignored(&self, paths: &[&str], id: &str) -> Option<&Ignore> {
        self.ignore.iter().find(|i| {
            (i.checks.is_empty() || i.checks.iter().any(|c| c == id))
                && paths.iter().any(|p| glob(&i.path, p))
        })
    }
}

/// Glob match: `*` and `?` within one path segment, `**` across segments; a pattern that
/// names a directory matches everything under it.
pub fn glob(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./");
    let path = path.trim_start_matches("./");
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let s: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Iterative matching over segments with backtracking on the last `**` (linear-ish).
    fn seg(p: &str, s: &str) -> bool {
        let (p, s): (Vec<char>, Vec<char>) = (p.chars().collect(), s.chars().collect());
        let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
        while j < s.len() {
            if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
                i += 1;
                j += 1;
            } else if i < p.len() && p[i] == '*' {
                star = Some(i);
                mark = j;
                i += 1;
            } else if let Some(st) = star {
                i = st + 1;
                mark += 1;
                j = mark;
            } else {
                return false;
            }
        }
        while i < p.len() && p[i] == '*' {
            i += 1;
        }
        i == p.len()
    }
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < s.len() {
        if i < p.len() && p[i] == "**" {
            star = Some(i);
            mark = j;
            i += 1;
        } else if i < p.len() && seg(p[i], s[j]) {
            i += 1;
            j += 1;
        } else if i == p.len() && star.is_none() && i > 0 {
            // The pattern named a directory: everything under it.
            return true;
        } else if let Some(st) = star {
            i = st + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == "**" {
        i += 1;
    }
    i == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("charts/legacy/**", "charts/legacy/a/b.yaml"));
        assert!(glob("charts/legacy", "charts/legacy/x.yaml"));
        assert!(glob("**/*.Dockerfile", "a/b/api.Dockerfile"));
        assert!(glob("k8s/*.yaml", "./k8s/app.yaml"));
        assert!(!glob("k8s/*.yaml", "k8s/sub/app.yaml"));
        assert!(!glob("other/**", "k8s/app.yaml"));
        assert!(glob("k8s/app-?.yml", "k8s/app-1.yml"));
    }

    #[test]
    fn config() {
        let c = parse("allow = [\"running-as-root\"]\nfail-on = \"error\"\n[[ignore]]\npath = \"legacy/**\"\nchecks = [\"heap-exceeds-memory-limit\"]\n").unwrap();
        assert_eq!(c.allow, vec!["running-as-root"]);
        assert!(c
            .ignored(&["legacy/a.yaml"], "heap-exceeds-memory-limit")
            .is_some());
        assert!(c.ignored(&["legacy/a.yaml"], "running-as-root").is_none());
        assert!(parse("allow = [\"nope\"]").is_err());
        assert!(parse("fail-on = \"sometimes\"").is_err());
        assert!(parse("alow = []").is_err());
    }
}
