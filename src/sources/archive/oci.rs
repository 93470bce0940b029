//! The JSON documents of an image archive and how they chain: `docker save`'s `manifest.json`
//! (a list of `{Config, RepoTags, Layers}`), an OCI layout's `index.json` → manifest (or a
//! nested index) → config and layers, a `docker-dir`'s v2s2 `manifest.json`; and the image
//! config (`config.User`, `Env`, `Entrypoint`, `Cmd`, `Labels`).

use serde::Deserialize;
use std::collections::BTreeMap;

/// One image in an archive: its reference, config and layers, as paths inside the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub reference: Option<String>,
    pub config: String,
    pub layers: Vec<String>,
}

#[derive(Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

#[derive(Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
}

/// `sha256:abc` → the paths it may have: `blobs/sha256/abc` (OCI), `abc` (docker-dir).
pub fn blob_paths(digest: &str) -> Vec<String> {
    match digest.split_once(':') {
        Some((alg, hex))
            if !alg.is_empty()
                && !hex.is_empty()
                && !hex.contains('/')
                && !alg.contains('/')
                && hex != ".."
                && alg != ".." =>
        {
            vec![format!("blobs/{alg}/{hex}"), hex.to_owned()]
        }
        _ => Vec::new(),
    }
}

/// The images the archive's documents describe. `json(path)` gives a document's text.
pub fn plans(
    json: &mut dyn FnMut(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Vec<Plan> {
    if let Some(text) = json("manifest.json") {
        if let Ok(list) = serde_json::from_str::<Vec<DockerEntry>>(&text) {
            return list
                .into_iter()
                .flat_map(|e| {
                    let tags = e.repo_tags.unwrap_or_default();
                    let refs: Vec<Option<String>> = if tags.is_empty() {
                        vec![None]
                    } else {
                        // One image with several tags is one target, named by its first tag.
                        vec![tags.first().cloned()]
                    };
                    refs.into_iter().map(move |r| Plan {
                        reference: r,
                        config: super::tar::normalise(&e.config).unwrap_or_default(),
                        layers: e
                            .layers
                            .iter()
                            .map(|l| super::tar::normalise(l).unwrap_or_default())
                            .collect(),
                    })
                })
                .collect();
        }
        // docker-dir (`podman save --format docker-dir`): one v2s2 manifest.
        if let Ok(m) = serde_json::from_str::<Manifest>(&text) {
            if let Some(p) = manifest_plan(&m, None, json, problems) {
                return vec![p];
            }
        }
        problems.push("manifest.json: neither a docker save list nor an image manifest".into());
    }
    let Some(text) = json("index.json") else {
        problems.push("no manifest.json or index.json: not a docker save or OCI archive".into());
        return Vec::new();
    };
    match serde_json::from_str::<Index>(&text) {
        Ok(ix) => {
            let mut out = Vec::new();
            walk_index(&ix.manifests, json, problems, &mut out, 0);
            out
        }
        Err(e) => {
            problems.push(format!("index.json: {e}"));
            Vec::new()
        }
    }
}

fn fetch(json: &mut dyn FnMut(&str) -> Option<String>, digest: &str) -> Option<(String, String)> {
    blob_paths(digest)
        .into_iter()
        .find_map(|p| json(&p).map(|t| (p, t)))
}

fn reference(d: &Descriptor) -> Option<String> {
    d.annotations
        .get("io.containerd.image.name")
        .or_else(|| d.annotations.get("org.opencontainers.image.ref.name"))
        .cloned()
}

fn walk_index(
    list: &[Descriptor],
    json: &mut dyn FnMut(&str) -> Option<String>,
    problems: &mut Vec<String>,
    out: &mut Vec<Plan>,
    depth: usize,
) {
    if depth > 4 {
        problems.push("index nested more than 4 deep".into());
        return;
    }
    for d in list {
        let Some((path, text)) = fetch(json, &d.digest) else {
            problems.push(format!("manifest {} is not in the archive", d.digest));
            continue;
        };
        let m: Manifest = match serde_json::from_str(&text) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("{path}: {e}"));
                continue;
            }
        };
        let is_index = d
            .media_type
            .as_deref()
            .or(m.media_type.as_deref())
            .is_some_and(|t| t.contains("index") || t.contains("manifest.list"))
            || (m.config.is_none() && m.manifests.is_some());
        if is_index {
            // A multi-platform index: every platform's manifest whose blobs are present.
            let inner = m.manifests.unwrap_or_default();
            let before = out.len();
            walk_index(&inner, json, problems, out, depth + 1);
            for p in &mut out[before..] {
                if p.reference.is_none() {
                    p.reference = reference(d);
                }
            }
            continue;
        }
        if let Some(p) = manifest_plan(&m, reference(d), json, problems) {
            out.push(p);
        }
    }
}

fn manifest_plan(
    m: &Manifest,
    reference: Option<String>,
    json: &mut dyn FnMut(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<Plan> {
    let c = m.config.as_ref()?;
    let paths = blob_paths(&c.digest);
    let Some(config) = paths.iter().find(|p| json(p).is_some()).cloned() else {
        problems.push(format!("config {} is not in the archive", c.digest));
        return None;
    };
    Some(Plan {
        reference,
        config,
        layers: m
            .layers
            .iter()
            .map(|l| blob_paths(&l.digest).join("|"))
            .collect(),
    })
}

/// The image config's fields that matter.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ImageConfig {
    #[serde(rename = "User", default)]
    pub user: Option<String>,
    #[serde(rename = "Env", default)]
    pub env: Option<Vec<String>>,
    #[serde(rename = "Entrypoint", default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd", default)]
    pub cmd: Option<Vec<String>>,
    #[serde(rename = "Labels", default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "WorkingDir", default)]
    pub working_dir: Option<String>,
}

#[derive(Deserialize)]
struct ConfigDoc {
    #[serde(default)]
    config: Option<ImageConfig>,
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
}

/// The `config` object of an image config document, with `os/architecture`.
pub fn parse_config(text: &str) -> Result<(ImageConfig, Option<String>), String> {
    let d: ConfigDoc = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let platform = match (d.os, d.architecture) {
        (Some(o), Some(a)) => Some(format!("{o}/{a}")),
        _ => None,
    };
    Ok((d.config.unwrap_or_default(), platform))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn docker_save_and_oci_chains() {
        let docs: HashMap<&str, &str> = [(
            "manifest.json",
            r#"[{"Config":"c.json","RepoTags":["app:1","app:latest"],"Layers":["l1/layer.tar"]}]"#,
        )]
        .into();
        let mut probs = Vec::new();
        let p = plans(&mut |k| docs.get(k).map(|s| s.to_string()), &mut probs);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].reference.as_deref(), Some("app:1"));
        assert_eq!(p[0].layers, ["l1/layer.tar"]);

        let docs: HashMap<&str, &str> = [
            (
                "index.json",
                r#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:m1","annotations":{"org.opencontainers.image.ref.name":"localhost/app:2"}}]}"#,
            ),
            (
                "blobs/sha256/m1",
                r#"{"config":{"digest":"sha256:c1"},"layers":[{"digest":"sha256:l1"}]}"#,
            ),
            ("blobs/sha256/c1", r#"{"config":{"User":"app"}}"#),
        ]
        .into();
        let p = plans(&mut |k| docs.get(k).map(|s| s.to_string()), &mut probs);
        assert_eq!(p[0].reference.as_deref(), Some("localhost/app:2"));
        assert_eq!(p[0].config, "blobs/sha256/c1");
        assert_eq!(p[0].layers, ["blobs/sha256/l1|l1"]);
        assert!(
            blob_paths("sha256:../../etc").is_empty()
                || !blob_paths("sha256:../../etc")[0].contains("..")
        );
        let (c, _) = parse_config(docs["blobs/sha256/c1"]).unwrap();
        assert_eq!(c.user.as_deref(), Some("app"));
    }
}
