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

/// The parts of an image reference: the repository (with its registry and path) and the tag.
fn split(reference: &str) -> (&str, Option<&str>) {
    let r = reference.trim();
    let r = r.split('@').next().unwrap_or(r);
    let last_slash = r.rfind('/').map_or(0, |i| i + 1);
    match r[last_slash..].find(':') {
        Some(i) => (&r[..last_slash + i], Some(&r[last_slash + i + 1..])),
        None => (r, None),
    }
}

/// The repository without a Docker Hub prefix: `docker.io/library/openjdk` → `openjdk`.
fn hub_name(repo: &str) -> &str {
    let r = repo
        .strip_prefix("docker.io/")
        .or_else(|| repo.strip_prefix("index.docker.io/"))
        .unwrap_or(repo);
    r.strip_prefix("library/").unwrap_or(r)
}

/// The user an image runs as when the Dockerfile built on it sets no `USER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseUser {
    pub uid: u32,
    /// Where the fact comes from.
    pub source: &'static str,
}

/// Images whose own Dockerfile sets no `USER`, so they run as root (uid 0). Each entry's
/// source is the repository its official Dockerfiles live in; none of them has a `USER`
/// instruction (checked in those repositories, for every variant the tag families cover).
const ROOT_IMAGES: &[(&str, &str)] = &[
    ("eclipse-temurin", "github.com/adoptium/containers: no USER"),
    ("openjdk", "github.com/docker-library/openjdk: no USER"),
    (
        "java",
        "github.com/docker-library/java (deprecated in 2016 for openjdk): no USER",
    ),
    (
        "amazoncorretto",
        "github.com/corretto/corretto-docker: no USER",
    ),
    (
        "ibm-semeru-runtimes",
        "github.com/ibmruntimes/semeru-containers: no USER",
    ),
    (
        "sapmachine",
        "github.com/SAP/SapMachine-infrastructure (dockerfiles): no USER",
    ),
    (
        "azul/zulu-openjdk",
        "github.com/zulu-openjdk/zulu-openjdk: no USER",
    ),
    (
        "azul/zulu-openjdk-alpine",
        "github.com/zulu-openjdk/zulu-openjdk: no USER",
    ),
    (
        "azul/zulu-openjdk-debian",
        "github.com/zulu-openjdk/zulu-openjdk: no USER",
    ),
    (
        "bellsoft/liberica-openjdk-alpine",
        "github.com/bell-sw/Liberica (docker): no USER",
    ),
    (
        "bellsoft/liberica-openjre-alpine",
        "github.com/bell-sw/Liberica (docker): no USER",
    ),
    (
        "bellsoft/liberica-openjdk-debian",
        "github.com/bell-sw/Liberica (docker): no USER",
    ),
    (
        "bellsoft/liberica-openjre-debian",
        "github.com/bell-sw/Liberica (docker): no USER",
    ),
    (
        "bellsoft/liberica-openjdk-centos",
        "github.com/bell-sw/Liberica (docker): no USER",
    ),
    (
        "bellsoft/liberica-runtime-container",
        "github.com/bell-sw/Liberica (docker): no USER",
    ),
    ("maven", "github.com/carlossg/docker-maven: no USER"),
    (
        "gradle",
        "github.com/keeganwitt/docker-gradle: creates a gradle user but sets no USER",
    ),
    ("tomcat", "github.com/docker-library/tomcat: no USER"),
];

/// The user an image runs as by default, where it is known: root for the official JDK images
/// (their Dockerfiles set no `USER`), 65532 for distroless `nonroot` tags and root for the
/// other distroless tags (github.com/GoogleContainerTools/distroless, README: "nonroot"
/// images run as uid 65532), 185 for Red Hat's UBI OpenJDK images (their Containerfiles end
/// with `USER 185`, github.com/jboss-container-images/openjdk). Anything else is unknown.
pub fn default_user(reference: &str) -> Option<BaseUser> {
    let (repo, tag) = split(reference);
    let name = hub_name(repo);
    if name.starts_with("gcr.io/distroless/") {
        return Some(if tag.is_some_and(|t| t.contains("nonroot")) {
            BaseUser {
                uid: 65532,
                source:
                    "distroless `nonroot` tags run as uid 65532 (GoogleContainerTools/distroless)",
            }
        } else {
            BaseUser {
                uid: 0,
                source: "distroless images run as root unless the tag says nonroot (GoogleContainerTools/distroless)",
            }
        });
    }
    let last = name.rsplit('/').next().unwrap_or(name);
    if (name.contains("ubi8/") || name.contains("ubi9/") || name.contains("ubi10/"))
        && last.starts_with("openjdk-")
    {
        return Some(BaseUser {
            uid: 185,
            source: "Red Hat UBI OpenJDK images end with USER 185 (jboss-container-images/openjdk)",
        });
    }
    ROOT_IMAGES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, source)| BaseUser { uid: 0, source })
}

/// The discontinued images whose tags name only a feature release but still name one build:
/// nothing was published under them after their last update. (repository, feature, tag
/// variant test, the last build, source.)
type Discontinued = (
    &'static str,
    &'static str,
    fn(&str) -> bool,
    &'static str,
    &'static str,
);
// Each version was checked (2026-12-07) against the images' own build histories, as
// docker-library/repo-info records them: `ENV JAVA_DEBIAN_VERSION 8u111-b14-2~bpo8+1` (java:8),
// `ENV JAVA_ALPINE_VERSION=8.212.04-r0` (openjdk:8u212-jre-alpine, May 2019), and
// `ENV JAVA_VERSION=8u342` / `11.0.16` (the openjdk 8 and 11 images of 2 and 10 August 2022)
// and `17.0.2` (the 17 images of 2022).
const DISCONTINUED: &[Discontinued] = &[
    // The `java` image was deprecated for `openjdk` at the end of 2016; `java:8` last pointed
    // at Debian's openjdk-8 8u111 (github.com/docker-library/docs, java/README.md).
    ("java", "8", |_| true, "1.8.0_111", "the `java` image, deprecated in 2016: its last 8 build was 8u111"),
    // Alpine 3.9 was the last Alpine with an OpenJDK 8 the image took; the 8 Alpine
    // variants stopped at 8u212-b04 (docker-library/openjdk, removed in 2019).
    ("openjdk", "8", |v| v.contains("alpine"), "1.8.0_212", "openjdk:8 Alpine variants stopped at 8u212 (docker-library/openjdk, 2019)"),
    // docker-library/openjdk was deprecated in July 2022 (its README: "This image is
    // officially deprecated ... only receives early-access updates"): the 8 and 11 tags
    // stopped at 8u342 and 11.0.16, the 17 tags at 17.0.2 (the last GA build jdk.java.net
    // published for 17).
    ("openjdk", "8", |_| true, "1.8.0_342", "openjdk:8 stopped at 8u342 when the image was deprecated (docker-library/openjdk, July 2022)"),
    ("openjdk", "11", |v| !v.contains("alpine"), "11.0.16", "openjdk:11 stopped at 11.0.16 when the image was deprecated (docker-library/openjdk, July 2022)"),
    ("openjdk", "17", |v| !v.contains("alpine"), "17.0.2", "openjdk:17 stopped at 17.0.2, the last GA build of jdk.java.net for 17 (docker-library/openjdk)"),
];

/// For a discontinued image whose tag names only a feature release (`java:8`,
/// `openjdk:8-jdk-alpine`, `openjdk:11-jre-slim`), its last build and where that is known
/// from.
pub fn discontinued(reference: &str) -> Option<(&'static str, &'static str)> {
    let (repo, tag) = split(reference);
    let name = hub_name(repo);
    let tag = tag?;
    let feature: String = tag.chars().take_while(|c| c.is_ascii_digit()).collect();
    let variant = &tag[feature.len()..];
    // `8u181`, `11.0.2`: a tag that names the update is read as it is.
    if !(variant.is_empty() || variant.starts_with('-')) {
        return None;
    }
    DISCONTINUED
        .iter()
        .find(|(n, f, test, _, _)| *n == name && *f == feature && test(variant))
        .map(|(_, _, _, last, why)| (*last, *why))
}

/// What a static target's notes say about an image whose facts come from these tables.
pub fn notes(reference: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((last, why)) = discontinued(reference) {
        out.push(format!("{reference}: JDK {last} assumed: {why}"));
    }
    out
}

/// A JDK version string `JavaVersion::parse` reads (`17.0.9`, `21`, `1.8.0_181`), or None.
pub fn jdk_of(reference: &str) -> Option<String> {
    if let Some((last, _)) = discontinued(reference) {
        return Some(last.to_owned());
    }
    // Drop a digest; split the tag from the repository (a ':' after the last '/').
    let (repo, tag) = split(reference);
    let last_slash = repo.rfind('/').map_or(0, |i| i + 1);
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
    fn default_users() {
        let uid = |r: &str| default_user(r).map(|b| b.uid);
        for root in [
            "eclipse-temurin:17",
            "eclipse-temurin:25-jre-noble",
            "openjdk:8-jdk-slim",
            "docker.io/library/amazoncorretto:21",
            "ibm-semeru-runtimes:open-17-jre",
            "sapmachine:21",
            "bellsoft/liberica-openjre-alpine:21",
            "java:8",
            "maven:3.9-eclipse-temurin-17",
            "gradle:8-jdk17",
            "tomcat:10-jdk17",
            "gcr.io/distroless/java17-debian12",
        ] {
            assert_eq!(uid(root), Some(0), "{root}");
        }
        assert_eq!(
            uid("gcr.io/distroless/java17-debian12:nonroot"),
            Some(65532)
        );
        assert_eq!(
            uid("gcr.io/distroless/java21-debian12:debug-nonroot"),
            Some(65532)
        );
        assert_eq!(
            uid("registry.access.redhat.com/ubi9/openjdk-17-runtime:1.20"),
            Some(185)
        );
        for unknown in [
            "nginx:1.25",
            "myregistry:5000/team/app:1.2.3",
            "apache/spark:3.5.1",
            "scratch",
        ] {
            assert_eq!(uid(unknown), None, "{unknown}");
        }
    }

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
            // Discontinued: the feature release names the last build.
            ("openjdk:17-jdk-slim", Some("17.0.2")),
            ("openjdk:8-jdk-slim", Some("1.8.0_342")),
            ("openjdk:8", Some("1.8.0_342")),
            ("openjdk:8-jre", Some("1.8.0_342")),
            ("openjdk:8-jdk-alpine", Some("1.8.0_212")),
            ("docker.io/library/openjdk:8-jre-alpine", Some("1.8.0_212")),
            ("openjdk:11-jre-slim", Some("11.0.16")),
            ("openjdk:11", Some("11.0.16")),
            ("java:8", Some("1.8.0_111")),
            ("java:8-jdk", Some("1.8.0_111")),
            ("openjdk:21-jdk", Some("21")),
            ("openjdk:8u302-jdk", Some("1.8.0_302")),
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
