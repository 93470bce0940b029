//! The image's file system as the container will see it, limited to the kept entries: layers
//! applied in order, each one's whiteouts (`.wh.NAME`, opaque directories) removing what the
//! layers below gave, then its own entries added. Symbolic links resolve inside the image.

use super::layer::{Kept, Summary};
use super::tar::{normalise, EntryKind};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct View {
    nodes: BTreeMap<String, Kept>,
}

fn remove_tree(nodes: &mut BTreeMap<String, Kept>, path: &str, keep_self: bool) {
    if !keep_self {
        nodes.remove(path);
    }
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let under: Vec<String> = nodes
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    for k in under {
        nodes.remove(&k);
    }
}

/// A JDK found in the image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JavaHome {
    /// `/opt/java/openjdk`.
    pub home: String,
    /// `/opt/java/openjdk/release`.
    pub release: String,
    pub version: Option<String>,
    pub implementor: Option<String>,
}

impl View {
    pub fn apply(&mut self, layer: &Summary) {
        for d in &layer.opaque {
            remove_tree(&mut self.nodes, d, true);
        }
        for w in &layer.whiteouts {
            remove_tree(&mut self.nodes, w, false);
        }
        for k in &layer.kept {
            // A file or link replaces a directory of the same name and all under it.
            if k.kind != EntryKind::Dir {
                remove_tree(&mut self.nodes, &k.path, true);
            }
            self.nodes.insert(k.path.clone(), k.clone());
        }
    }

    /// Resolve symbolic links in every component (at most 40 hops, as the kernel).
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut todo: Vec<String> = normalise(path)?
            .split('/')
            .filter(|s| !s.is_empty())
            .rev()
            .map(str::to_owned)
            .collect();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(c) = todo.pop() {
            match c.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(c);
            let cur = done.join("/");
            if let Some(n) = self.nodes.get(&cur) {
                if n.kind == EntryKind::Symlink {
                    hops += 1;
                    if hops > 40 {
                        return None;
                    }
                    let target = n.link.clone().unwrap_or_default();
                    done.pop();
                    if target.starts_with('/') {
                        done.clear();
                    }
                    for t in target.split('/').filter(|s| !s.is_empty()).rev() {
                        todo.push(t.to_owned());
                    }
                }
            }
        }
        Some(done.join("/"))
    }

    /// The entry at a path after resolving links (a hard link to its target's data).
    pub fn get(&self, path: &str) -> Option<&Kept> {
        let p = self.resolve(path)?;
        let n = self.nodes.get(&p)?;
        if n.kind == EntryKind::HardLink && n.data.is_none() {
            if let Some(t) = n.link.as_deref().and_then(|l| self.nodes.get(l)) {
                return Some(t);
            }
        }
        Some(n)
    }

    pub fn text(&self, path: &str) -> Option<String> {
        self.get(path)?
            .data
            .as_ref()
            .map(|d| String::from_utf8_lossy(d).into_owned())
    }

    pub fn exists(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Every Java home: a `release` file with a `JAVA_VERSION`, in path order.
    pub fn java_homes(&self) -> Vec<JavaHome> {
        self.nodes
            .iter()
            .filter(|(p, k)| {
                (p.ends_with("/release") || p.as_str() == "release") && k.data.is_some()
            })
            .filter_map(|(p, k)| {
                let text = String::from_utf8_lossy(k.data.as_deref()?);
                let version = crate::parse::release::get(&text, "JAVA_VERSION")?.to_owned();
                let home = p
                    .strip_suffix("release")
                    .unwrap_or("")
                    .trim_end_matches('/');
                Some(JavaHome {
                    home: format!("/{home}"),
                    release: format!("/{p}"),
                    version: Some(version),
                    implementor: crate::parse::release::get(&text, "IMPLEMENTOR")
                        .map(str::to_owned),
                })
            })
            .collect()
    }

    /// The first kept path whose last component starts with `prefix` (`libnss_wrapper`).
    pub fn find_named(&self, pred: impl Fn(&str) -> bool) -> Option<String> {
        self.nodes
            .iter()
            .find(|(p, k)| k.kind != EntryKind::Dir && pred(p.rsplit('/').next().unwrap_or(p)))
            .map(|(p, _)| format!("/{p}"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::layer::summarise_tar;
    use super::super::tar::build::tar;
    use super::*;

    #[test]
    fn whiteouts_and_links_across_layers() {
        let l1 = summarise_tar(
            &tar(&[
                (
                    "opt/jdk8/release",
                    b'0',
                    b"JAVA_VERSION=\"1.8.0_181\"\n",
                    "",
                ),
                ("opt/jdk17/release", b'0', b"JAVA_VERSION=\"17.0.2\"\n", ""),
                ("usr/lib/jvm/default", b'2', b"", "/opt/jdk17"),
                ("bin", b'2', b"", "usr/bin"),
                ("usr/bin/java", b'2', b"", "../lib/jvm/default/bin/java"),
                ("etc/passwd", b'0', b"root:x:0:0::/root:/bin/sh\n", ""),
            ])[..],
        )
        .unwrap();
        let l2 = summarise_tar(
            &tar(&[
                ("opt/.wh.jdk8", b'0', b"", ""),
                ("etc/passwd", b'0', b"app:x:1000:1000::/:/bin/sh\n", ""),
            ])[..],
        )
        .unwrap();
        let mut v = View::default();
        v.apply(&l1);
        assert_eq!(v.java_homes().len(), 2);
        v.apply(&l2);
        let homes = v.java_homes();
        assert_eq!(homes.len(), 1);
        assert_eq!(homes[0].home, "/opt/jdk17");
        assert_eq!(
            v.resolve("/bin/java").as_deref(),
            Some("opt/jdk17/bin/java")
        );
        assert!(v.text("/etc/passwd").unwrap().starts_with("app:"));
        // Opaque directory.
        let l3 = summarise_tar(&tar(&[("opt/.wh..wh..opq", b'0', b"", "")])[..]).unwrap();
        v.apply(&l3);
        assert!(v.java_homes().is_empty());
    }

    #[test]
    fn link_loops_end() {
        let l = summarise_tar(
            &tar(&[
                ("usr/lib/jvm/a", b'2', b"", "b"),
                ("usr/lib/jvm/b", b'2', b"", "a"),
            ])[..],
        )
        .unwrap();
        let mut v = View::default();
        v.apply(&l);
        assert_eq!(v.resolve("usr/lib/jvm/a/release"), None);
        // Links never climb out of the root.
        let l = summarise_tar(&tar(&[("usr/lib/jvm/up", b'2', b"", "../../../../../etc")])[..])
            .unwrap();
        v.apply(&l);
        assert_eq!(
            v.resolve("usr/lib/jvm/up/passwd").as_deref(),
            Some("etc/passwd")
        );
    }
}
