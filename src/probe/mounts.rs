//! The storage under each data directory: the mount that holds it (longest mount point by
//! components, later line winning) and the block device behind that mount, followed through
//! `/sys/dev/block` to a loop device's backing file or a device-mapper target's slaves.

use super::reader::Root;
use super::Shared;
use crate::facts::{env_lookup, MountFact, MountKind};
use crate::parse::mountinfo::Mount;

/// Directories inspected by default, with why: the working directory, `$TMPDIR` or `/tmp`,
/// `$SPARK_LOCAL_DIRS`, and `-Djava.io.tmpdir` from the JVM option variables (split as the JVM
/// splits them, quotes and all) and from the user's own options after `--`.
fn default_paths(
    root: &Root,
    env: &[(String, String)],
    java_options: &[String],
    notes: &mut Vec<String>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match root.read_link("/proc/self/cwd") {
        Ok(cwd) => out.push((cwd, "cwd".to_owned())),
        Err(e) => notes.push(format!("working directory unknown: {e}")),
    }
    let tmp = env_lookup(env, "TMPDIR")
        .filter(|t| !t.is_empty())
        .unwrap_or("/tmp");
    out.push((tmp.to_owned(), "tmpdir".to_owned()));
    if let Some(dirs) = env_lookup(env, "SPARK_LOCAL_DIRS") {
        for d in dirs.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            out.push((d.to_owned(), "spark-local-dir".to_owned()));
        }
    }
    for var in [
        "JAVA_TOOL_OPTIONS",
        "JDK_JAVA_OPTIONS",
        "JAVA_OPTS",
        "_JAVA_OPTIONS",
    ] {
        let value = env_lookup(env, var).unwrap_or("");
        let opts = crate::jvm::options::split_java_options(value).unwrap_or_default();
        tmpdirs(&opts, &mut out);
    }
    tmpdirs(java_options, &mut out);
    out
}

/// Each `-Djava.io.tmpdir=DIR` among `options`, once.
fn tmpdirs(options: &[String], out: &mut Vec<(String, String)>) {
    for opt in options {
        if let Some(d) = opt.strip_prefix("-Djava.io.tmpdir=") {
            let d = (d.to_owned(), "java.io.tmpdir".to_owned());
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
}

pub(super) fn collect(
    root: &Root,
    shared: &Shared,
    opts: &super::Options,
    notes: &mut Vec<String>,
) -> Vec<MountFact> {
    let mut wanted = default_paths(root, &shared.env, &opts.java_options, notes);
    wanted.extend(
        opts.extra_paths
            .iter()
            .map(|p| (p.clone(), "--path".to_owned())),
    );
    let mut out: Vec<(String, MountFact)> = Vec::new();
    for (path, role) in wanted {
        if !path.starts_with('/') {
            notes.push(format!("{role} {path:?} is not an absolute path; skipped"));
            continue;
        }
        if root.is_file(&path) {
            notes.push(format!(
                "{role} {path}: a regular file, not a directory; skipped"
            ));
            continue;
        }
        let canonical = match root.canonicalize(&path) {
            Ok(c) => c,
            Err(e) => {
                // The error names the path already.
                notes.push(format!("{role} {e}"));
                continue;
            }
        };
        if let Some((_, f)) = out.iter_mut().find(|(c, _)| *c == canonical) {
            if !f.role.split(", ").any(|r| r == role) {
                f.role = format!("{}, {role}", f.role);
            }
            continue;
        }
        match containing_mount(&shared.mounts, &canonical) {
            Some(m) => out.push((canonical, describe(root, &path, &role, m))),
            None => notes.push(format!(
                "{role} {path}: no mount in /proc/self/mountinfo holds it"
            )),
        }
    }
    out.into_iter().map(|(_, f)| f).collect()
}

fn components(p: &str) -> Vec<&str> {
    p.split('/').filter(|c| !c.is_empty()).collect()
}

/// The mount whose mount point is the longest component prefix of `path`; at equal length the
/// later line (the mount on top) wins.
pub fn containing_mount<'a>(mounts: &'a [Mount], path: &str) -> Option<&'a Mount> {
    let p = components(path);
    mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            let mp = components(&m.mount_point);
            mp.len() <= p.len() && mp.iter().zip(&p).all(|(a, b)| a == b)
        })
        .max_by_key(|(i, m)| (components(&m.mount_point).len(), *i))
        .map(|(_, m)| m)
}

/// The kind of an anonymous (major 0) file system, by type. Rootless Podman and Buildah run
/// containers on `fuse-overlayfs`: the same copy-on-write layer, in user space.
pub fn kind_of_fs_type(fs_type: &str) -> MountKind {
    match fs_type {
        "overlay" | "overlayfs" | "aufs" | "fuse.fuse-overlayfs" | "fuse-overlayfs" => {
            MountKind::Overlay
        }
        "tmpfs" | "ramfs" => MountKind::Tmpfs,
        t if t.starts_with("nfs")
            || matches!(
                t,
                "cifs"
                    | "smb3"
                    | "smbfs"
                    | "ceph"
                    | "glusterfs"
                    | "fuse.glusterfs"
                    | "fuse.sshfs"
                    | "afs"
                    | "lustre"
                    | "fuse.s3fs"
                    | "gcsfuse"
                    | "fuse.gcsfuse"
            ) =>
        {
            MountKind::Network
        }
        _ => MountKind::Other,
    }
}

struct Block {
    name: String,
    kind: MountKind,
    backing_file: Option<String>,
    dm_name: Option<String>,
    dio: Option<bool>,
}

fn describe(root: &Root, path: &str, role: &str, m: &Mount) -> MountFact {
    let mut f = MountFact {
        path: path.to_owned(),
        role: role.to_owned(),
        mount_point: m.mount_point.clone(),
        fs_type: m.fs_type.clone(),
        source: m.source.clone(),
        device: m.device(),
        kind: kind_of_fs_type(&m.fs_type),
        backing_file: None,
        read_only: m.read_only(),
        block_device: None,
        dm_name: None,
        loop_direct_io: None,
    };
    // btrfs and friends show an anonymous device per subvolume; the disk is in SOURCE.
    let devno = if m.major == 0 {
        match m.source.strip_prefix("/dev/") {
            Some(name) if f.kind == MountKind::Other => {
                let name = name.rsplit('/').next().unwrap_or(name);
                root.read_string(&format!("/sys/class/block/{name}/dev"))
                    .ok()
                    .map(|d| d.trim().to_owned())
            }
            _ => None,
        }
    } else {
        Some(m.device())
    };
    if let Some(devno) = devno {
        let b = block(root, &devno).unwrap_or_else(|| block_from_source(&m.source));
        f.kind = b.kind;
        f.block_device = Some(b.name).filter(|n| !n.is_empty());
        f.backing_file = b.backing_file;
        f.dm_name = b.dm_name;
        f.loop_direct_io = b.dio;
    }
    f
}

/// When `/sys` cannot tell, the source's name still can.
fn block_from_source(source: &str) -> Block {
    let name = source.rsplit('/').next().unwrap_or("").to_owned();
    let kind = if name.starts_with("loop") {
        MountKind::Loop
    } else if source.starts_with("/dev/mapper/") || name.starts_with("dm-") {
        MountKind::DeviceMapper
    } else {
        MountKind::Block
    };
    Block {
        name: String::new(),
        kind,
        backing_file: None,
        dm_name: None,
        dio: None,
    }
}

fn trimmed(root: &Root, p: &str) -> Option<String> {
    root.read_string(p)
        .ok()
        .map(|s| s.trim_end_matches('\n').to_owned())
        .filter(|s| !s.is_empty())
}

/// Follow `/sys/dev/block/MAJ:MIN` to the device and classify it.
fn block(root: &Root, devno: &str) -> Option<Block> {
    let dir = root.canonicalize(&format!("/sys/dev/block/{devno}")).ok()?;
    let name = dir.rsplit('/').next()?.to_owned();
    if name.starts_with("loop") {
        return Some(Block {
            backing_file: trimmed(root, &format!("{dir}/loop/backing_file")),
            dio: trimmed(root, &format!("{dir}/loop/dio")).map(|d| d == "1"),
            name,
            kind: MountKind::Loop,
            dm_name: None,
        });
    }
    if name.starts_with("dm-") {
        let dm_name = trimmed(root, &format!("{dir}/dm/name"));
        let lo = loop_below(root, &dir, 0);
        return Some(Block {
            kind: if lo.is_some() {
                MountKind::DeviceMapperOnLoop
            } else {
                MountKind::DeviceMapper
            },
            backing_file: lo.flatten(),
            name,
            dm_name,
            dio: None,
        });
    }
    Some(Block {
        name,
        kind: MountKind::Block,
        backing_file: None,
        dm_name: None,
        dio: None,
    })
}

/// A loop device somewhere under a device-mapper device (thin → pool → loop): `Some(backing
/// file if readable)`.
fn loop_below(root: &Root, dir: &str, depth: usize) -> Option<Option<String>> {
    if depth > 8 {
        return None;
    }
    let slaves = root.read_dir(&format!("{dir}/slaves")).ok()?;
    for s in slaves {
        let Ok(sdir) = root.canonicalize(&format!("{dir}/slaves/{s}")) else {
            continue;
        };
        if s.starts_with("loop") {
            return Some(trimmed(root, &format!("{sdir}/loop/backing_file")));
        }
        if let Some(found) = loop_below(root, &sdir, depth + 1) {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::mountinfo;

    #[test]
    fn longest_prefix_by_components_later_wins() {
        let (m, _) = mountinfo::parse(
            "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 0:5 / /data rw - tmpfs tmpfs rw\n3 1 0:6 / /data rw - overlay overlay rw\n4 1 0:7 / /dat rw - tmpfs tmpfs rw\n",
        );
        assert_eq!(containing_mount(&m, "/data/x").unwrap().id, 3);
        assert_eq!(containing_mount(&m, "/datax").unwrap().id, 1);
        assert_eq!(containing_mount(&m, "/").unwrap().id, 1);
    }

    #[test]
    fn kinds_by_file_system_type() {
        for (t, k) in [
            ("overlay", MountKind::Overlay),
            ("fuse.fuse-overlayfs", MountKind::Overlay),
            ("tmpfs", MountKind::Tmpfs),
            ("nfs4", MountKind::Network),
            ("fuse.sshfs", MountKind::Network),
            ("fuse.lxcfs", MountKind::Other),
            ("9p", MountKind::Other),
        ] {
            assert_eq!(kind_of_fs_type(t), k, "{t}");
        }
    }
}
