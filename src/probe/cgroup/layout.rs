//! Where the process's cgroups are: which hierarchy holds each controller, and which directory
//! under its mount is the process's own. Pure: it works on parsed `mountinfo` and
//! `/proc/self/cgroup`, so every layout in `../shared/samples` is a unit test.

use crate::facts::CgroupVersion;
use crate::parse::mountinfo::Mount;
use crate::parse::proc_cgroup::CgroupLine;

/// How a cgroup path was mapped onto its mount (domain guide, "Path → directory").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The mount shows the whole hierarchy (ROOT `/`): mount point + path.
    Direct,
    /// The mount shows a subtree (ROOT `/docker/<id>`) that holds the process's cgroup.
    UnderMountRoot,
    /// The cgroup path is not under the mount's ROOT: the mount point is read instead.
    Untranslated,
    /// `..` in ROOT or path: the process is outside the cgroup namespace the file system was
    /// mounted in (or left its namespace root). The mount point is read instead.
    OutsideNamespace,
    /// Bare `unshare --cgroup` on v2: the mount, made outside, shows ROOT `/..` (as many `..`
    /// as the namespace root is deep); the namespace root was found at that depth as the one
    /// directory whose `cgroup.procs` lists this process ([`super::find_namespace_root`]).
    NamespaceRootFound,
}

impl Resolution {
    pub fn describe(self) -> &'static str {
        match self {
            Resolution::Direct => "direct: mount point + cgroup path",
            Resolution::UnderMountRoot => "cgroup path at or below the mount's root (a bind-mounted subtree)",
            Resolution::Untranslated => {
                "untranslated: the cgroup path is not below the mount's root; reading the mount point"
            }
            Resolution::OutsideNamespace => {
                "outside namespace: '..' in the mount root or cgroup path (mounted outside this cgroup namespace); reading the mount point"
            }
            Resolution::NamespaceRootFound => {
                "outside namespace (mount root '/..'): the namespace root found below the mount point as the cgroup whose cgroup.procs lists this process"
            }
        }
    }
}

/// One controller's place: the mount and the process's directory under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub version: CgroupVersion,
    pub mount_point: String,
    pub mount_root: String,
    /// The path `/proc/self/cgroup` gives for this hierarchy, if it has a line.
    pub cgroup_path: Option<String>,
    /// The process's cgroup directory, inside the inspected system.
    pub leaf: String,
    pub resolution: Resolution,
}

impl Hierarchy {
    /// The directories from the process's cgroup up to the mount point, leaf first.
    pub fn levels(&self) -> Vec<String> {
        let mut out = vec![self.leaf.clone()];
        let mut cur = self.leaf.as_str();
        while cur != self.mount_point && cur.starts_with(&self.mount_point) {
            match cur.rfind('/') {
                Some(i) if i >= self.mount_point.len() => {
                    cur = &cur[..i];
                    out.push(cur.to_owned());
                }
                _ => break,
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub cpu: Option<Hierarchy>,
    pub memory: Option<Hierarchy>,
    pub cpuset: Option<Hierarchy>,
    pub version: CgroupVersion,
    pub hybrid: bool,
    pub notes: Vec<String>,
}

fn has_dotdot(p: &str) -> bool {
    p.split('/').any(|c| c == "..")
}

/// `..` as the first component (`/../..`): the kernel's way of showing a cgroup outside the
/// reader's cgroup namespace. A `..` further in (`/a/../b`) is no such marker: a cgroup path
/// the kernel printed cannot contain one, so that path is simply untranslatable.
fn leading_dotdot(p: &str) -> bool {
    p.split('/').find(|c| !c.is_empty()) == Some("..")
}

fn under_sys_fs_cgroup(mp: &str) -> bool {
    mp == "/sys/fs/cgroup" || mp.starts_with("/sys/fs/cgroup/")
}

/// The cgroup2 mount to read: the one at `/sys/fs/cgroup`, else one under it, else any, with
/// a mount root free of `..` preferred and the later line winning ties.
pub fn v2_mount(mounts: &[Mount]) -> Option<&Mount> {
    mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| m.fs_type == "cgroup2")
        .max_by_key(|(i, m)| {
            (
                m.mount_point == "/sys/fs/cgroup",
                under_sys_fs_cgroup(&m.mount_point),
                !has_dotdot(&m.root),
                *i,
            )
        })
        .map(|(_, m)| m)
}

/// The v1 mount carrying `controller`, preferring the copy under `/sys/fs/cgroup`.
pub fn v1_mount<'a>(mounts: &'a [Mount], controller: &str) -> Option<&'a Mount> {
    mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| m.fs_type == "cgroup" && m.super_option_tokens().any(|t| t == controller))
        .max_by_key(|(i, m)| {
            (
                under_sys_fs_cgroup(&m.mount_point),
                !has_dotdot(&m.root),
                *i,
            )
        })
        .map(|(_, m)| m)
}

/// Map a cgroup path onto a mount (domain guide, cases 1–5).
pub fn translate(mount_root: &str, mount_point: &str, path: &str) -> (String, Resolution) {
    let join = |rest: &str| {
        let rest = rest.trim_matches('/');
        if rest.is_empty() {
            mount_point.to_owned()
        } else {
            format!("{}/{}", mount_point.trim_end_matches('/'), rest)
        }
    };
    if leading_dotdot(mount_root) || leading_dotdot(path) {
        return (mount_point.to_owned(), Resolution::OutsideNamespace);
    }
    if has_dotdot(mount_root) || has_dotdot(path) {
        return (mount_point.to_owned(), Resolution::Untranslated);
    }
    let root = mount_root.trim_end_matches('/');
    if root.is_empty() {
        return (join(path), Resolution::Direct);
    }
    let p = path.trim_end_matches('/');
    if p == root {
        return (mount_point.to_owned(), Resolution::UnderMountRoot);
    }
    match p.strip_prefix(root) {
        Some(rest) if rest.starts_with('/') => (join(rest), Resolution::UnderMountRoot),
        _ => (mount_point.to_owned(), Resolution::Untranslated),
    }
}

/// The controllers [`layout`] places: a controller added here is looked for in both versions.
const CONTROLLERS: [&str; 3] = ["cpu", "memory", "cpuset"];

/// Whether [`layout`] needs the cgroup2 mount's `cgroup.controllers`: only when a controller
/// ctune reads is not on a v1 hierarchy (on a hybrid host they usually all are).
pub fn needs_v2_controllers(mounts: &[Mount]) -> bool {
    v2_mount(mounts).is_some() && CONTROLLERS.iter().any(|c| v1_mount(mounts, c).is_none())
}

/// Work out the layout. `v2_root_controllers` is the content of `cgroup.controllers` at the
/// cgroup2 mount (None when there is no such mount or it could not be read).
pub fn layout(mounts: &[Mount], lines: &[CgroupLine], v2_root_controllers: Option<&str>) -> Layout {
    let mut notes = Vec::new();
    let v2 = v2_mount(mounts);
    let find = |controller: &str| -> Option<Hierarchy> {
        if let Some(m) = v1_mount(mounts, controller) {
            let line = lines.iter().find(|l| l.has_controller(controller));
            return Some(hierarchy(
                CgroupVersion::V1,
                m,
                line.map(|l| l.path.as_str()),
            ));
        }
        let m = v2?;
        if let Some(c) = v2_root_controllers {
            if !c.split_ascii_whitespace().any(|t| t == controller) {
                return None;
            }
        }
        let line = lines.iter().find(|l| l.is_v2());
        Some(hierarchy(
            CgroupVersion::V2,
            m,
            line.map(|l| l.path.as_str()),
        ))
    };
    let [cpu, memory, cpuset] = CONTROLLERS.map(find);
    if v2.is_some()
        && v2_root_controllers.is_none()
        && (cpu.as_ref().map(|h| h.version) == Some(CgroupVersion::V2))
    {
        notes.push("cgroup.controllers at the cgroup2 mount could not be read; assuming the v2 hierarchy holds the controllers".to_owned());
    }
    for (name, h) in [("cpu", &cpu), ("memory", &memory)] {
        if let Some(h) = h {
            if h.cgroup_path.is_none() {
                notes.push(format!(
                    "/proc/self/cgroup has no line for the {name} controller; reading {}",
                    h.mount_point
                ));
            } else if h.resolution == Resolution::Untranslated
                || h.resolution == Resolution::OutsideNamespace
            {
                notes.push(format!(
                    "{name} cgroup {}: {}",
                    h.cgroup_path.as_deref().unwrap_or("?"),
                    h.resolution.describe()
                ));
            }
        }
    }
    let version = memory
        .as_ref()
        .or(cpu.as_ref())
        .map(|h| h.version)
        .unwrap_or(CgroupVersion::None);
    let hybrid = version == CgroupVersion::V1 && v2.is_some();
    Layout {
        cpu,
        memory,
        cpuset,
        version,
        hybrid,
        notes,
    }
}

fn hierarchy(version: CgroupVersion, m: &Mount, path: Option<&str>) -> Hierarchy {
    let (leaf, resolution) = match path {
        Some(p) => translate(&m.root, &m.mount_point, p),
        None => (m.mount_point.clone(), Resolution::Untranslated),
    };
    Hierarchy {
        version,
        mount_point: m.mount_point.clone(),
        mount_root: m.root.clone(),
        cgroup_path: path.map(str::to_owned),
        leaf,
        resolution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_cases() {
        use Resolution::*;
        let t = |r, m, p| translate(r, m, p);
        assert_eq!(
            t("/", "/sys/fs/cgroup", "/a/b"),
            ("/sys/fs/cgroup/a/b".into(), Direct)
        );
        assert_eq!(
            t("/", "/sys/fs/cgroup", "/"),
            ("/sys/fs/cgroup".into(), Direct)
        );
        assert_eq!(
            t("/docker/x", "/sys/fs/cgroup/memory", "/docker/x"),
            ("/sys/fs/cgroup/memory".into(), UnderMountRoot)
        );
        assert_eq!(
            t("/docker", "/m", "/docker/large"),
            ("/m/large".into(), UnderMountRoot)
        );
        assert_eq!(t("/docker", "/m", "/dockerx"), ("/m".into(), Untranslated));
        assert_eq!(t("/../..", "/m", "/"), ("/m".into(), OutsideNamespace));
        assert_eq!(t("/", "/m", "/../../x"), ("/m".into(), OutsideNamespace));
    }

    /// The inputs automaxprocs (`TestMountPointTranslateError`) and num_cpus
    /// (`test_cgroup_mount`) refuse: a path above the mount root, a sibling, a name that only
    /// shares a prefix. Each is untranslatable, never a directory under the mount. A `..`
    /// inside a path is not the namespace marker (that one leads the path).
    #[test]
    fn untranslatable_like_automaxprocs_and_num_cpus() {
        use Resolution::*;
        let m = "/sys/fs/cgroup/cpu,cpuacct";
        for (root, path) in [
            ("/docker/abc", "/"),
            ("/docker/abc", "/docker"),
            ("/docker/abc", "/docker/abd"),
            ("/docker/abc", "/docker/abcd/x"),
            ("/kubepods/pod1", "/system.slice"),
            ("/", "/a/../b"),
            ("/a/../b", "/a/../b/c"),
        ] {
            assert_eq!(
                t_(root, m, path),
                (m.to_owned(), Untranslated),
                "{root} {path}"
            );
        }
        assert_eq!(
            t_("/docker/abc", m, "/docker/abc/x/.."),
            (m.into(), Untranslated)
        );
    }

    fn t_(r: &str, m: &str, p: &str) -> (String, Resolution) {
        translate(r, m, p)
    }

    #[test]
    fn levels_walk_to_the_mount_point() {
        let h = Hierarchy {
            version: CgroupVersion::V2,
            mount_point: "/sys/fs/cgroup".into(),
            mount_root: "/".into(),
            cgroup_path: Some("/a/b".into()),
            leaf: "/sys/fs/cgroup/a/b".into(),
            resolution: Resolution::Direct,
        };
        assert_eq!(
            h.levels(),
            ["/sys/fs/cgroup/a/b", "/sys/fs/cgroup/a", "/sys/fs/cgroup"]
        );
    }
}
