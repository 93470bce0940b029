//! The JDK version an image reference names, for a static target: `eclipse-temurin:17.0.9_9-jre`
//! is 17.0.9, `amazoncorretto:21` is 21, `openjdk:8u181-jre` is 1.8.0_181,
//! `registry.access.redhat.com/ubi9/openjdk-17:1.20` is 17, `gcr.io/distroless/java17-debian12`
//! is 17. Only images whose name says they carry a JDK are read; a tag that names no version
//! (`latest`, a digest) gives the feature release when the repository names one, else nothing.

/// Repository names (last path component, or a known path) of JDK images whose tag is the
/// Java version.
const VERSION_TAGGED: &[&str] = &[
    "eclipse-temurin",
    "temurin",
    "amazoncorretto",
    "openjdk",
    "adoptopenjdk",
    "ibm-semeru-runtimes",
    "sapmachine",
    "azul/zulu-openjdk",
    "zulu-openjdk",
    "zulu-openjdk-alpine",
    "zulu-openjdk-debian",
    "liberica-openjdk-alpine",
    "liberica-openjdk-debian",
    "liberica-openjre-alpine",
    "liberica-openjdk-centos",
    "bellsoft/liberica-openjdk-alpine",
    "bellsoft/liberica-openjre-alpine",
    "bellsoft/liberica-openjdk-debian",
    "bellsoft/liberica-runtime-container",
    "jdk",
    "java",
    "graalvm-ce",
    "graalvm-community",
    "jre",
    "openjdk-runtime",
    "maven",
    "gradle",
];

/// A JDK version string `JavaVersion::parse` reads (`17.0.9`, `21`, `1.8.0_181`), or None.
pub fn jdk_of(reference: &str) -> Option<String> {
    let r = reference.trim();
    // Drop a digest; split the tag from the repository (a ':' after the last '/').
    let r = r.split('@').next().unwrap_or(r);
    let last_slash = r.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match r[last_slash..].find(':') {
        Some(i) => (&r[..last_slash + i], Some(&r[last_slash + i + 1..])),
        None => (r, None),
    };
    let name = &repo[last_slash..];
    // `…/openjdk-17`, `…/openjdk-17-runtime`, `java17-debian12`, `jdk-21`, `sapmachine:21`.
    let from_name = feature_in_name(name);
    let tagged = VERSION_TAGGED
        .iter()
        .any(|k| *k == name || repo.ends_with(&format!("/{k}")) || repo == *k);
    if tagged && from_name.is_none() {
        if let Some(v) = tag.and_then(version_in_tag) {
            return Some(v);
        }
        return None;
    }
    // A repository that names the feature release (`ubi9/openjdk-17:1.20`: the tag is the
    // image's own version, not Java's); else a tag part that does (`apache/spark:3.5.1-java17`).
    from_name
        .or_else(|| tag?.split('-').find_map(feature_in_name))
        .map(|f| f.to_string())
}

/// `openjdk-17`, `java17-debian12`, `jdk-21`, `openjdk-11-runtime`, `java-17-openjdk`: the
/// feature release named in a repository name.
fn feature_in_name(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    for key in [
        "openjdk", "java", "jdk", "jre", "temurin", "corretto", "zulu",
    ] {
        let Some(i) = lower.find(key) else { continue };
        let rest = &lower[i + key.len()..];
        let rest = rest.strip_prefix(['-', '_']).unwrap_or(rest);
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(f) = digits.parse::<u32>() {
            if (6..=40).contains(&f) {
                return Some(f);
            }
        }
    }
    None
}

/// The Java version at the start of a tag: `17.0.9_9-jre` → `17.0.9`, `8u181-jre` →
/// `1.8.0_181`, `21-jdk-alpine` → `21`, `11.0.14.1_1-jdk` → `11.0.14.1`, `jdk-17.0.2` →
/// `17.0.2`, `17-jdk` → `17`. `latest`, `alpine`, `lts` give None.
pub fn version_in_tag(tag: &str) -> Option<String> {
    let t = tag
        .strip_prefix("jdk-")
        .or_else(|| tag.strip_prefix("jdk"))
        .or_else(|| tag.strip_prefix("jre-"))
        .or_else(|| tag.strip_prefix("openjdk-"))
        .unwrap_or(tag);
    let first: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    if first.is_empty() {
        return None;
    }
    let rest = &t[first.len()..];
    // 8u181
    if let Some(u) = rest.strip_prefix('u') {
        let upd: String = u.chars().take_while(|c| c.is_ascii_digit()).collect();
        if first == "8" || first == "7" {
            return Some(if upd.is_empty() {
                format!("1.{first}.0")
            } else {
                format!("1.{first}.0_{upd}")
            });
        }
    }
    // 1.8.0_372
    if first == "1" {
        let v: String = t
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '_')
            .collect();
        return Some(v.trim_end_matches(['.', '_']).to_owned());
    }
    let v: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.');
    let feature: u32 = first.parse().ok()?;
    (6..=40).contains(&feature).then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jvm::version::JavaVersion;

    #[test]
    fn images() {
        let cases = [
            ("eclipse-temurin:17.0.9_9-jre", Some("17.0.9")),
            ("eclipse-temurin:21", Some("21")),
            (
                "docker.io/library/eclipse-temurin:11.0.14.1_1-jdk",
                Some("11.0.14.1"),
            ),
            ("amazoncorretto:21", Some("21")),
            ("amazoncorretto:8u372-al2", Some("1.8.0_372")),
            ("openjdk:8u181-jre", Some("1.8.0_181")),
            ("openjdk:11.0.2-jre-slim", Some("11.0.2")),
            ("openjdk:17-jdk-slim", Some("17")),
            ("openjdk:latest", None),
            ("openjdk", None),
            (
                "registry.access.redhat.com/ubi9/openjdk-17:1.20",
                Some("17"),
            ),
            (
                "registry.access.redhat.com/ubi8/openjdk-11-runtime:1.18-2",
                Some("11"),
            ),
            ("gcr.io/distroless/java17-debian12", Some("17")),
            ("gcr.io/distroless/java17-debian12:nonroot", Some("17")),
            ("gcr.io/distroless/java:11", Some("11")),
            ("azul/zulu-openjdk:17.0.10", Some("17.0.10")),
            ("bellsoft/liberica-openjre-alpine:21.0.2", Some("21.0.2")),
            ("ibm-semeru-runtimes:open-17-jre", None),
            ("sapmachine:21", Some("21")),
            ("maven:3.9-eclipse-temurin-17", None),
            ("nginx:1.25", None),
            ("eclipse-temurin:17@sha256:abcd", Some("17")),
            ("myregistry:5000/team/app:1.2.3", None),
            ("apache/spark:3.5.1-java17", Some("17")),
            (
                "apache/spark:3.5.0-scala2.12-java11-python3-ubuntu",
                Some("11"),
            ),
        ];
        for (img, want) in cases {
            assert_eq!(jdk_of(img).as_deref(), want, "{img}");
            if let Some(v) = want {
                assert!(JavaVersion::parse(v).is_some(), "{v} must parse");
            }
        }
    }
}
