//! Namespaces (`/proc/self/ns/*`) and whether this is a container, with the evidence, checked
//! in systemd-detect-virt's order and recorded hit by hit.

use super::reader::Root;
use super::Shared;
use crate::facts::{env_lookup, ContainerFacts, Fact, NamespaceFact, Runtime};
use std::collections::BTreeMap;

pub const NAMESPACE_TYPES: [&str; 8] =
    ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];

/// `pid:[4026531836]` → 4026531836.
fn inode(link: &str) -> Option<u64> {
    link.split_once(":[")?.1.strip_suffix(']')?.parse().ok()
}

pub(super) fn namespaces(root: &Root) -> BTreeMap<String, NamespaceFact> {
    let mut out = BTreeMap::new();
    for t in NAMESPACE_TYPES {
        let own = match root.read_link(&format!("/proc/self/ns/{t}")) {
            Err(e) if e.is_not_found() => continue, // the kernel has no such namespace type
            Err(e) => Fact::Unknown(e.to_string()),
            Ok(l) => inode(&l).map(Fact::Known).unwrap_or_else(|| {
                Fact::Unknown(format!("/proc/self/ns/{t}: unexpected link {l:?}"))
            }),
        };
        let init = root
            .read_link(&format!("/proc/1/ns/{t}"))
            .ok()
            .and_then(|l| inode(&l));
        let shared_with_init = match (&own, init) {
            (Fact::Known(a), Some(b)) => Some(*a == b),
            _ => None,
        };
        out.insert(
            t.to_owned(),
            NamespaceFact {
                inode: own,
                shared_with_init,
            },
        );
    }
    out
}

/// A runtime named by `container=`, `/run/host/container-manager` or `/run/systemd/container`.
fn runtime_named(v: &str) -> Option<Runtime> {
    match v.trim() {
        "docker" => Some(Runtime::Docker),
        "podman" => Some(Runtime::Podman),
        "lxc" | "lxc-libvirt" => Some(Runtime::Lxc),
        "systemd-nspawn" => Some(Runtime::SystemdNspawn),
        "crio" | "cri-o" => Some(Runtime::CriO),
        "containerd" => Some(Runtime::Containerd),
        _ => None,
    }
}

/// A runtime recognised from a cgroup path.
pub fn runtime_from_cgroup_path(p: &str) -> Option<Runtime> {
    if p.contains("kubepods") {
        Some(Runtime::Kubernetes)
    } else if p.contains("/docker/") || p.contains("/docker-") || p.starts_with("/docker") {
        Some(Runtime::Docker)
    } else if p.contains("cri-containerd-") {
        Some(Runtime::Containerd)
    } else if p.contains("crio-") {
        Some(Runtime::CriO)
    } else if p.contains("libpod-") || p.contains("/libpod_parent/") {
        Some(Runtime::Podman)
    } else if p.contains("/lxc/") || p.contains("lxc.payload") {
        Some(Runtime::Lxc)
    } else {
        None
    }
}

pub(super) fn detect(root: &Root, shared: &Shared) -> ContainerFacts {
    let mut evidence: Vec<(String, Option<Runtime>)> = Vec::new();
    let file_says = |path: &str, ev: &mut Vec<(String, Option<Runtime>)>| {
        if let Ok(t) = root.read_string(path) {
            let v = t.trim().to_owned();
            ev.push((format!("{path}: {v}"), runtime_named(&v)));
        }
    };
    file_says("/run/host/container-manager", &mut evidence);
    if let Ok(b) = root.read_bytes("/proc/1/environ") {
        if let Some((_, v)) = crate::parse::environ::parse(&b)
            .into_iter()
            .find(|(k, _)| k == "container")
        {
            evidence.push((format!("/proc/1/environ: container={v}"), runtime_named(&v)));
        }
    }
    file_says("/run/systemd/container", &mut evidence);
    if root.exists("/run/.containerenv") {
        evidence.push(("/run/.containerenv exists".into(), Some(Runtime::Podman)));
    }
    for l in &shared.cgroup_lines {
        if let Some(r) = runtime_from_cgroup_path(&l.path) {
            evidence.push((
                format!(
                    "/proc/self/cgroup: {}:{}:{}",
                    l.hierarchy_id,
                    l.controllers.join(","),
                    l.path
                ),
                Some(r),
            ));
            break;
        }
    }
    if let Some(h) = env_lookup(&shared.env, "KUBERNETES_SERVICE_HOST") {
        evidence.push((
            format!("KUBERNETES_SERVICE_HOST={h} in the environment"),
            Some(Runtime::Kubernetes),
        ));
    }
    if root.exists("/var/run/secrets/kubernetes.io/serviceaccount") {
        evidence.push((
            "/var/run/secrets/kubernetes.io/serviceaccount exists".into(),
            Some(Runtime::Kubernetes),
        ));
    }
    if root.exists("/.dockerenv") {
        evidence.push((
            "/.dockerenv exists (weak: it can leak into images)".into(),
            Some(Runtime::Docker),
        ));
    }
    // Kubernetes is what the user deals with, whatever runtime it drives; otherwise the first
    // (strongest) named runtime.
    let runtime = if evidence
        .iter()
        .any(|(_, r)| *r == Some(Runtime::Kubernetes))
    {
        Some(Runtime::Kubernetes)
    } else {
        evidence.iter().find_map(|(_, r)| *r)
    };
    ContainerFacts {
        detected: !evidence.is_empty(),
        runtime,
        evidence: evidence.into_iter().map(|(e, _)| e).collect(),
    }
}
