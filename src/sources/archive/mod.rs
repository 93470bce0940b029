//! Built images as static targets: `docker save` archives, OCI archives
//! (`podman save --format oci-archive`), OCI image layout directories and `docker-dir`s, from a
//! file, a directory or standard input (`docker save app | ctune lint -`).
//!
//! Streamed, never extracted: the outer tar is read once, in order. A `docker save` archive may
//! list its layers before `manifest.json`, and standard input cannot be read twice, so each
//! entry is handled as it comes: a small JSON document is kept whole, a layer is read on the
//! spot into a [`layer::Summary`] (the `release`, `passwd` and `group` files, the names that
//! matter, the whiteouts; see [`layer`]) and the order is resolved once the manifest is known
//! ([`oci::plans`]). Memory is bounded by the number of kept entries, never by layer sizes;
//! nothing is written anywhere.
//!
//! Readers take `impl Read` (or, for a directory, a function that opens one of its files); the
//! caller does the file-system I/O.

pub mod layer;
pub mod oci;
pub mod tar;
pub mod target;
pub mod view;

#[cfg(test)]
mod props;

use layer::{Compression, Summary};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};
use view::{JavaHome, View};

/// The largest JSON document kept (manifests and configs are a few KiB).
pub const MAX_JSON: u64 = 16 << 20;
/// The most JSON documents and layers kept from one archive (Docker allows 127 layers per
/// image); past them, an archive is refused rather than held in memory.
pub const MAX_BLOBS: usize = 4096;
/// The most JSON text kept from one archive.
pub const MAX_JSON_TOTAL: usize = 64 << 20;

/// A configured user and the uid it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageUser {
    /// `config.User` as written (empty: root).
    pub value: String,
    pub uid: Option<u32>,
    /// `config.User`, or `config.User app → /etc/passwd`.
    pub source: String,
    /// The uid has an entry in the image's `/etc/passwd` (None: no passwd file).
    pub passwd_entry: Option<bool>,
}

/// The JDK chosen for the image and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChosenJdk {
    #[serde(flatten)]
    pub home: JavaHome,
    /// `JAVA_HOME`, `PATH (/usr/bin/java)`, `the command line`, `the only Java home`, ...
    pub chosen_by: String,
}

/// One image of an archive: what its config says and what its layers hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// The archive as given on the command line (`-` for standard input).
    pub archive: String,
    /// `localhost/app:1` (the first tag), or null for an untagged image.
    pub reference: Option<String>,
    /// The config blob's path inside the archive.
    pub config: String,
    pub platform: Option<String>,
    pub user: ImageUser,
    pub env: Vec<(String, String)>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub labels: BTreeMap<String, String>,
    pub jdk: Option<ChosenJdk>,
    /// Every Java home in the layers (whiteouts applied).
    pub java_homes: Vec<JavaHome>,
    /// The `libnss_wrapper` library, when the image has one.
    pub nss_wrapper: Option<String>,
    /// A `ctune` binary in the image.
    pub ctune_binary: Option<String>,
    pub layers: usize,
    pub notes: Vec<String>,
}

impl Image {
    /// `app.tar [localhost/app:1]`: how findings name the image.
    pub fn label(&self) -> String {
        match &self.reference {
            Some(r) => format!("{} [{r}]", self.archive),
            None => format!("{} [{}]", self.archive, self.config),
        }
    }
}

/// What a reader saw: the kept JSON documents and the layer summaries, by path.
#[derive(Default)]
struct Collected {
    json: HashMap<String, String>,
    layers: HashMap<String, Result<Summary, String>>,
}

fn is_json(head: &[u8]) -> bool {
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[')
}

fn read_json<R: Read>(r: R, what: &str) -> Result<String, String> {
    let mut s = String::new();
    r.take(MAX_JSON + 1)
        .read_to_string(&mut s)
        .map_err(|e| format!("{what}: {e}"))?;
    if s.len() as u64 > MAX_JSON {
        return Err(format!("{what}: larger than {MAX_JSON} bytes"));
    }
    Ok(s)
}

/// Does this start like an image archive (a tar, or gzip/zstd data)? For sniffing standard
/// input and files without a telling name.
pub fn looks_like_archive(head: &[u8]) -> bool {
    Compression::sniff(head).is_some()
}

/// Read an archive (`docker save`, OCI archive; plain, gzip or zstd) from a stream.
/// `size` is the compressed size when known (the bomb guard's ratio). Errors name the inner
/// file; the caller names the archive.
pub fn read_stream<R: Read>(name: &str, r: R, size: Option<u64>) -> Result<Vec<Image>, String> {
    let (head, r) = layer::peek(r).map_err(|e| format!("read error: {e}"))?;
    let c = Compression::sniff(&head)
        .ok_or("not an image archive: neither a tar nor gzip or zstd data")?;
    let plain = layer::decompress(c, r, size)?;
    let mut t = tar::TarReader::new(io::BufReader::with_capacity(1 << 16, plain));
    let mut got = Collected::default();
    let mut entries = 0u64;
    let mut json_total = 0usize;
    loop {
        let h = match t.next() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => return Err(format!("{e} (after {entries} entries)")),
        };
        entries += 1;
        if h.kind != tar::EntryKind::File {
            continue;
        }
        let Some(path) = tar::normalise(&h.path) else {
            continue;
        };
        let size = h.size;
        if got.json.len() + got.layers.len() >= MAX_BLOBS {
            return Err(format!(
                "more than {MAX_BLOBS} documents and layers: not read further"
            ));
        }
        let mut body = t.body();
        let (head, rest) = layer::peek(&mut body).map_err(|e| format!("{path}: {e}"))?;
        if is_json(&head) && size <= MAX_JSON {
            let text = read_json(rest, &path)?;
            json_total += text.len();
            if json_total > MAX_JSON_TOTAL {
                return Err(format!(
                    "more than {MAX_JSON_TOTAL} bytes of JSON documents: not read further"
                ));
            }
            got.json.insert(path.clone(), text);
        } else if looks_like_archive(&head) {
            got.layers.insert(
                path.clone(),
                layer::summarise(rest, Some(size)).map_err(|e| format!("{path}: {e}")),
            );
        }
    }
    Ok(build(name, &mut got))
}

/// Open one file of a layout directory by its relative path: its reader and size, or None.
pub type Open<'a> = dyn FnMut(&str) -> io::Result<Option<(Box<dyn Read>, u64)>> + 'a;

/// Read an OCI image layout directory (`index.json`, `blobs/sha256/...`) or a `docker-dir`
/// (`manifest.json` and blobs named by digest). Only the documents and layers the images
/// reference are opened.
pub fn read_layout(name: &str, open: &mut Open) -> Result<Vec<Image>, String> {
    let mut got = Collected::default();
    let mut problems = Vec::new();
    let mut json_cache: HashMap<String, Option<String>> = HashMap::new();
    let mut read_doc = |p: &str, open: &mut Open| -> Option<String> {
        if let Some(v) = json_cache.get(p) {
            return v.clone();
        }
        let v = match open(p) {
            Ok(Some((r, size))) if size <= MAX_JSON => read_json(r, p).ok(),
            _ => None,
        };
        json_cache.insert(p.to_owned(), v.clone());
        v
    };
    let plans = oci::plans(&mut |p| read_doc(p, open), &mut problems);
    for p in &plans {
        if let Some(t) = read_doc(&p.config, open) {
            got.json.insert(p.config.clone(), t);
        }
        for l in &p.layers {
            for alt in l.split('|') {
                if got.layers.contains_key(alt) {
                    break;
                }
                match open(alt) {
                    Ok(Some((r, size))) => {
                        got.layers.insert(
                            alt.to_owned(),
                            layer::summarise(r, Some(size)).map_err(|e| format!("{alt}: {e}")),
                        );
                        break;
                    }
                    Ok(None) => continue,
                    Err(e) => {
                        got.layers
                            .insert(alt.to_owned(), Err(format!("{alt}: {e}")));
                        break;
                    }
                }
            }
        }
    }
    // Documents read while planning (manifests, index) are looked up again by `build`.
    for (k, v) in json_cache {
        if let Some(v) = v {
            got.json.entry(k).or_insert(v);
        }
    }
    let mut images = build(name, &mut got);
    if images.is_empty() && !problems.is_empty() {
        return Err(problems.join("; "));
    }
    for i in &mut images {
        i.notes.extend(problems.iter().cloned());
    }
    Ok(images)
}

fn build(name: &str, got: &mut Collected) -> Vec<Image> {
    let mut problems = Vec::new();
    let json = &got.json;
    let plans = oci::plans(&mut |p| json.get(p).cloned(), &mut problems);
    plans
        .into_iter()
        .map(|p| image_of(name, &p, got, &problems))
        .collect()
}

fn image_of(name: &str, p: &oci::Plan, got: &Collected, problems: &[String]) -> Image {
    let mut notes: Vec<String> = problems.to_vec();
    let (cfg, platform) = match got.json.get(&p.config).map(|t| oci::parse_config(t)) {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            notes.push(format!("{}: {e}", p.config));
            Default::default()
        }
        None => {
            notes.push(format!("{}: the config is not in the archive", p.config));
            Default::default()
        }
    };
    let mut v = View::default();
    for l in &p.layers {
        let found = l
            .split('|')
            .find_map(|alt| got.layers.get(alt).map(|s| (alt, s)));
        match found {
            Some((_, Ok(s))) => {
                if s.hostile > 0 {
                    notes.push(format!(
                        "{l}: {} entries with paths leaving the root were ignored",
                        s.hostile
                    ));
                }
                if s.overflow {
                    notes.push(format!(
                        "{l}: more than {} entries or {} bytes of files of interest; the rest were not read",
                        layer::MAX_KEPT,
                        layer::MAX_LAYER_DATA
                    ));
                }
                v.apply(s);
            }
            Some((_, Err(e))) => notes.push(format!("layer {e}: its files are unknown")),
            None => notes.push(format!(
                "layer {} is not in the archive: its files are unknown",
                l.split('|').next().unwrap_or(l)
            )),
        }
    }
    let env: Vec<(String, String)> = cfg
        .env
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (kv.clone(), String::new()),
        })
        .collect();
    let command: Vec<String> = cfg
        .entrypoint
        .clone()
        .unwrap_or_default()
        .into_iter()
        .chain(cfg.cmd.clone().unwrap_or_default())
        .collect();
    let java_homes = v.java_homes();
    let jdk = target::choose_jdk(&v, &java_homes, &env, &command, &mut notes);
    let user = target::user_of(&v, cfg.user.as_deref().unwrap_or(""), &mut notes);
    Image {
        archive: name.to_owned(),
        reference: p.reference.clone(),
        config: p.config.clone(),
        platform,
        user,
        env,
        entrypoint: cfg.entrypoint,
        cmd: cfg.cmd,
        labels: cfg.labels.unwrap_or_default(),
        jdk,
        java_homes,
        nss_wrapper: v.find_named(|b| b.starts_with("libnss_wrapper")),
        ctune_binary: v.find_named(|b| b == "ctune"),
        layers: p.layers.len(),
        notes,
    }
}

/// The images `--image REF` picks: the same reference, or one that ends in `/REF`
/// (`app:1` picks `localhost/app:1`); a REF without a tag picks `:latest`.
pub fn matches(reference: Option<&str>, want: &str) -> bool {
    let Some(r) = reference else { return false };
    let tagged = want.rsplit('/').next().is_some_and(|l| l.contains(':'));
    let alts = if tagged {
        vec![want.to_owned()]
    } else {
        vec![want.to_owned(), format!("{want}:latest")]
    };
    alts.iter().any(|w| r == w || r.ends_with(&format!("/{w}")))
}

#[cfg(test)]
mod tests {
    use super::tar::build::tar;
    use super::*;

    fn layer() -> Vec<u8> {
        tar(&[
            (
                "etc/passwd",
                b'0',
                b"root:x:0:0::/root:/bin/sh\napp:x:1001:1001::/home/app:/bin/sh\n",
                "",
            ),
            (
                "opt/java/openjdk/release",
                b'0',
                b"IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"17.0.9\"\n",
                "",
            ),
            ("opt/java/openjdk/bin/java", b'0', b"", ""),
        ])
    }

    /// A `docker save` archive with the manifest after the layers (as stdin may give it).
    fn docker_save(user: &str) -> Vec<u8> {
        let cfg = format!(
            r#"{{"os":"linux","architecture":"amd64","config":{{"User":"{user}","Env":["PATH=/usr/bin","JAVA_HOME=/opt/java/openjdk","JAVA_TOOL_OPTIONS=-Xmx300m"],"Entrypoint":["java","-jar","/app.jar"]}}}}"#
        );
        let l = layer();
        tar(&[
            ("abc/layer.tar", b'0', &l, ""),
            ("c.json", b'0', cfg.as_bytes(), ""),
            (
                "manifest.json",
                b'0',
                br#"[{"Config":"c.json","RepoTags":["localhost/app:1"],"Layers":["abc/layer.tar"]}]"#,
                "",
            ),
        ])
    }

    #[test]
    fn docker_save_stream_gives_the_facts() {
        let a = docker_save("app");
        let imgs = read_stream("app.tar", &a[..], Some(a.len() as u64)).unwrap();
        assert_eq!(imgs.len(), 1);
        let i = &imgs[0];
        assert_eq!(i.reference.as_deref(), Some("localhost/app:1"));
        assert_eq!(i.user.uid, Some(1001));
        assert_eq!(i.user.passwd_entry, Some(true));
        let j = i.jdk.as_ref().unwrap();
        assert_eq!(j.home.version.as_deref(), Some("17.0.9"));
        assert_eq!(j.home.release, "/opt/java/openjdk/release");
        assert_eq!(j.chosen_by, "JAVA_HOME");
        assert!(matches(i.reference.as_deref(), "app:1"));
        assert!(!matches(i.reference.as_deref(), "app"));
        assert!(!matches(i.reference.as_deref(), "pp:1"));
    }

    #[test]
    fn truncated_archive_names_where() {
        let a = docker_save("");
        for cut in [10, 600, 1500, a.len() - 1100] {
            let e = read_stream("app.tar", &a[..cut], None);
            assert!(
                e.is_err()
                    || e.as_ref().unwrap().is_empty()
                    || !e.as_ref().unwrap()[0].notes.is_empty(),
                "cut {cut}: {e:?}"
            );
        }
    }
}
