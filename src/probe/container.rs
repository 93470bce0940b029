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

/// The inodes the kernel gives the initial namespaces (`PROC_*_INIT_INO`, fixed since 3.8 and
/// 5.6 for time); net and mnt have none.
const INITIAL_INODES: [(&str, u64); 6] = [
    ("ipc", 4026531839),
    ("uts", 4026531838),
    ("user", 4026531837),
    ("pid", 4026531836),
    ("cgroup", 4026531835),
    ("time", 4026531834),
];

pub(super) fn namespaces(root: &Root) -> BTreeMap<String, NamespaceFact> {
    let mut own: BTreeMap<&str, Fact<u64>> = BTreeMap::new();
    for t in NAMESPACE_TYPES {
        let f = match root.read_link(&format!("/proc/self/ns/{t}")) {
            Err(e) if e.is_not_found() => continue, // the kernel has no such namespace type
            Err(e) => Fact::Unknown(e.to_string()),
            Ok(l) => inode(&l).map(Fact::Known).unwrap_or_else(|| {
                Fact::Unknown(format!("/proc/self/ns/{t}: unexpected link {l:?}"))
            }),
        };
        own.insert(t, f);
    }
    // Every kernel ctune reads has the pid, mnt, net, ipc, uts and user links: with none at
    // all, /proc/self/ns itself is missing, and each namespace is unknown rather than absent.
    if own.is_empty() {
        for t in NAMESPACE_TYPES {
            own.insert(
                t,
                Fact::Unknown("/proc/self/ns: no such directory".to_owned()),
            );
        }
    }
    let pid = own.get("pid").cloned();
    own.into_iter()
        .map(|(t, inode)| {
            let shared_with_init = is_initial(root, t, &inode, pid.as_ref());
            (
                t.to_owned(),
                NamespaceFact {
                    inode,
                    shared_with_init,
                },
            )
        })
        .collect()
}

/// Whether this is the host's initial namespace of type `t` (the contract's
/// `shared_with_init`). The fixed initial inodes tell for six types, as systemd does; net and
/// mnt are compared with pid 1's only when the pid namespace is the initial one (inside a
/// container pid 1 is the container's own init, whose namespaces prove nothing).
fn is_initial(root: &Root, t: &str, own: &Fact<u64>, pid: Option<&Fact<u64>>) -> Fact<bool> {
    let own = match own {
        Fact::Known(i) => *i,
        Fact::Unknown(r) => return Fact::Unknown(r.clone()),
        Fact::NotApplicable => return Fact::NotApplicable,
    };
    if let Some((_, init)) = INITIAL_INODES.iter().find(|(n, _)| *n == t) {
        return Fact::Known(own == *init);
    }
    const PID_INIT: u64 = 4026531836;
    match pid {
        Some(Fact::Known(PID_INIT)) => {}
        Some(Fact::Known(_)) => {
            return Fact::Unknown(format!(
                "{t} namespaces have no fixed initial inode, and pid 1 here is not the host's init (a private pid namespace), so its {t} namespace proves nothing"
            ))
        }
        Some(Fact::Unknown(r)) => {
            return Fact::Unknown(format!(
                "{t} namespaces have no fixed initial inode and the pid namespace is unknown: {r}"
            ))
        }
        _ => {
            return Fact::Unknown(format!(
                "{t} namespaces have no fixed initial inode and /proc/self/ns/pid is missing"
            ))
        }
    }
    match root.read_link(&format!("/proc/1/ns/{t}")) {
        // The error's kind is left out: a snapshot has no /proc/1/ns where the live system
        // refused it (permission), and both must give the same report.
        Err(_) => Fact::Unknown(format!(
            "{t} namespaces have no fixed initial inode, and the host's init's (/proc/1/ns/{t}) cannot be read"
        )),
        Ok(l) => match inode(&l) {
            Some(i) => Fact::Known(own == i),
            None => Fact::Unknown(format!("/proc/1/ns/{t}: unexpected link {l:?}")),
        },
    }
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
