//! Find the Java that would run (`$JAVA_HOME/bin/java`, else the first `java` on `PATH`, or the
//! one [`JavaLookup`] names) and read its version from the home's `release` file, without
//! starting it (a JVM start costs tens of milliseconds; the file costs microseconds).

use super::reader::Root;
use super::JavaLookup;
use crate::facts::{env_lookup, JavaFacts};
use crate::parse::release;

pub(super) fn find(
    root: &Root,
    env: &[(String, String)],
    lookup: &JavaLookup,
    assumed: Option<&str>,
    notes: &mut Vec<String>,
) -> Option<JavaFacts> {
    if let Some(v) = assumed {
        return Some(JavaFacts {
            path: None,
            home: None,
            version: Some(v.to_owned()),
            vendor: None,
            runtime_version: None,
            version_source: "--assume jdk".into(),
        });
    }
    let named = match lookup {
        JavaLookup::Default => return search(root, env, true, notes),
        JavaLookup::Path => search(root, env, false, notes),
        JavaLookup::At(path) => Some(at(root, path).unwrap_or_else(|e| {
            notes.push(format!("Java version unknown: {e}"));
            unknown(path.clone())
        })),
    };
    // The command's own java without a readable version (a wrapper script, an asdf or jenv
    // shim): the Java $JAVA_HOME or PATH gives is a better guess than the newest JDK, whose
    // flags an older JVM would refuse.
    match named {
        Some(f) if f.version.is_none() => {
            let mut more = Vec::new();
            match search(root, env, true, &mut more).filter(|g| g.version.is_some()) {
                Some(g) => {
                    notes.push(format!(
                        "advising for {} (version {}), as the command's {} has no version to read",
                        g.path.as_deref().unwrap_or("?"),
                        g.version.as_deref().unwrap_or("?"),
                        f.path.as_deref().unwrap_or("java"),
                    ));
                    Some(g)
                }
                None => Some(f),
            }
        }
        other => other,
    }
}

fn unknown(path: String) -> JavaFacts {
    JavaFacts {
        path: Some(path),
        home: None,
        version: None,
        vendor: None,
        runtime_version: None,
        version_source: "unknown".into(),
    }
}

/// `$JAVA_HOME/bin/java` (when `java_home`), else the first `java` on `PATH`.
fn search(
    root: &Root,
    env: &[(String, String)],
    java_home: bool,
    notes: &mut Vec<String>,
) -> Option<JavaFacts> {
    let mut candidates = Vec::new();
    if let Some(h) = env_lookup(env, "JAVA_HOME").filter(|h| h.starts_with('/')) {
        if java_home {
            candidates.push(format!("{}/bin/java", h.trim_end_matches('/')));
        }
    }
    let path = env_lookup(env, "PATH")
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for dir in path.split(':').filter(|d| d.starts_with('/')) {
        let c = format!("{}/java", dir.trim_end_matches('/'));
        if !candidates.contains(&c) {
            candidates.push(c);
        }
    }
    let java = candidates.into_iter().find(|c| root.is_file(c))?;
    let real = root.canonicalize(&java).unwrap_or_else(|_| java.clone());
    let home = java_home_of(root, &real);
    let mut facts = JavaFacts {
        path: Some(java.clone()),
        home: home.clone(),
        version: None,
        vendor: None,
        runtime_version: None,
        version_source: "release file".into(),
    };
    match home
        .as_deref()
        .map(|h| (h, root.read_string(&format!("{h}/release"))))
    {
        Some((_, Ok(text))) => {
            facts.version = release::get(&text, "JAVA_VERSION").map(str::to_owned);
            facts.vendor = release::get(&text, "IMPLEMENTOR").map(str::to_owned);
            facts.runtime_version = release::get(&text, "JAVA_RUNTIME_VERSION").map(str::to_owned);
            if facts.version.is_none() {
                notes.push(format!(
                    "{}/release has no JAVA_VERSION",
                    home.as_deref().unwrap_or("")
                ));
            }
        }
        Some((h, Err(e))) => notes.push(format!("Java version unknown: {e} (home {h})")),
        None => notes.push(format!(
            "Java version unknown: {real} is not in a bin/ directory"
        )),
    }
    if facts.version.is_none() {
        facts.version_source = "unknown".into();
    }
    Some(facts)
}

/// `/usr/lib/jvm/x/bin/java` → `/usr/lib/jvm/x`; a JDK 8 `.../jre/bin/java` → the JDK home
/// when it has the `release` file.
fn java_home_of(root: &Root, real: &str) -> Option<String> {
    let bin = real.rsplit_once('/')?.0;
    let (home, last) = bin.rsplit_once('/')?;
    if last != "bin" {
        return None;
    }
    let home = if home.is_empty() { "/" } else { home };
    if let Some(jdk) = home.strip_suffix("/jre") {
        if root.is_file(&format!("{jdk}/release")) {
            return Some(jdk.to_owned());
        }
    }
    Some(home.to_owned())
}

/// The Java at `path` (a `java` binary or a Java home), for `ctune jvm --java`.
pub fn at(root: &Root, path: &str) -> Result<JavaFacts, String> {
    let trimmed = path.trim_end_matches('/');
    // A path named `java` is the binary, not a Java home to look in. A JDK 8 home may have
    // its `java` only under `jre/bin` (Debian's openjdk-8-jre-headless).
    let java = if root.is_file(trimmed) || trimmed.rsplit('/').next() == Some("java") {
        trimmed.to_owned()
    } else {
        ["bin/java", "jre/bin/java"]
            .iter()
            .map(|b| format!("{trimmed}/{b}"))
            .find(|j| root.is_file(j))
            .unwrap_or_else(|| format!("{trimmed}/bin/java"))
    };
    if !root.is_file(&java) {
        return Err(format!("{java}: no such file"));
    }
    let real = root.canonicalize(&java).unwrap_or_else(|_| java.clone());
    let home =
        java_home_of(root, &real).ok_or_else(|| format!("{real} is not in a bin/ directory"))?;
    let text = root
        .read_string(&format!("{home}/release"))
        .map_err(|e| e.to_string())?;
    Ok(JavaFacts {
        path: Some(java),
        home: Some(home),
        version: release::get(&text, "JAVA_VERSION").map(str::to_owned),
        vendor: release::get(&text, "IMPLEMENTOR").map(str::to_owned),
        runtime_version: release::get(&text, "JAVA_RUNTIME_VERSION").map(str::to_owned),
        version_source: "release file".into(),
    })
}
