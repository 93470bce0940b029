//! Checks on the storage under each data directory (the working directory, the temporary
//! directory, `SPARK_LOCAL_DIRS`, `-Djava.io.tmpdir`, `--path`). One finding per id, listing
//! every directory it applies to.

use super::{list, size, Ctx, Finding, Severity};
use super::{Applies, Family, Rule};
use crate::facts::{MountFact, MountKind};

pub(super) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    loop_device(cx, out);
    tmpfs(cx, out);
    overlay(cx, out);
    network(cx, out);
    read_only(cx, out);
}

fn roles(m: &MountFact) -> impl Iterator<Item = &str> {
    m.role.split(", ")
}

/// Directories the user or the workload chose for data (as opposed to wherever the process
/// happened to start, or the system's temporary directory).
fn declared(m: &MountFact) -> bool {
    roles(m).any(|r| matches!(r, "spark-local-dir" | "java.io.tmpdir" | "--path"))
}

/// `/data/spark-local (spark-local-dir)`.
fn named(m: &MountFact) -> String {
    format!("{} ({})", m.path, m.role)
}

/// The mountinfo line that proved the kind, in words.
fn mount_line(m: &MountFact) -> String {
    format!(
        "/proc/self/mountinfo: {} is on {} ({} {} [{}]{})",
        m.path,
        m.mount_point,
        m.fs_type,
        m.source,
        m.device,
        if m.read_only { ", ro" } else { "" }
    )
}

/// Drop repeated lines (two directories on one device prove the same thing once).
fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
}

pub static DATA_DIR_ON_LOOP_DEVICE: Rule = Rule {
    id: "data-dir-on-loop-device",
    severity: Severity::Warning,
    family: Family::Storage,
    applies: Applies::Live,
    name: "DataDirOnLoopDevice",
    summary: "A data directory is on a loop device, or on device-mapper over one.",
    description: "Every write goes through two file systems, fsync is slow, and with direct I/O off every page is cached twice; Docker's devicemapper loop-lvm mode is the known-slow case.",
    help: "Put data on a volume backed by a real block device; switch Docker to overlay2 or direct-lvm; losetup --direct-io=on avoids the double cache.",
};

fn loop_device(cx: &Ctx, out: &mut Vec<Finding>) {
    let hits: Vec<&MountFact> = cx
        .facts
        .mounts
        .iter()
        .filter(|m| matches!(m.kind, MountKind::Loop | MountKind::DeviceMapperOnLoop))
        // A squashfs on loop (snaps, AppImages) is read-only packaging, not a data disk.
        .filter(|m| m.fs_type != "squashfs")
        .collect();
    if hits.is_empty() {
        return;
    }
    let mut evidence = Vec::new();
    let mut double_cache = false;
    let mut dm = false;
    for m in &hits {
        evidence.push(mount_line(m));
        let dev = m.block_device.as_deref().unwrap_or("?");
        if let Some(name) = &m.dm_name {
            evidence.push(format!("/sys/block/{dev}/dm/name: {name}"));
        }
        if let Some(bf) = &m.backing_file {
            if m.kind == MountKind::Loop {
                evidence.push(format!("/sys/block/{dev}/loop/backing_file: {bf}"));
            } else {
                evidence.push(format!(
                    "/sys/block/{dev}/slaves: over a loop device backed by {bf}"
                ));
            }
        }
        if let Some(dio) = m.loop_direct_io {
            evidence.push(format!("/sys/block/{dev}/loop/dio: {}", u8::from(dio)));
            double_cache |= !dio;
        }
        dm |= m.kind == MountKind::DeviceMapperOnLoop;
    }
    dedup(&mut evidence);
    let names: Vec<String> = hits.iter().map(|m| named(m)).collect();
    let mut detail = format!(
        "{} {} on a loop device: a file on another file system posing as a disk. Every write goes through two file systems and two I/O paths, fsync is slow, and throughput is a fraction of the disk underneath",
        list(&names),
        if hits.len() == 1 { "is" } else { "are" }
    );
    if double_cache {
        detail.push_str("; with direct I/O off (dio 0) every page is cached twice, once per file system, and both copies are charged to memory");
    }
    detail.push('.');
    if dm {
        detail.push_str(" Device-mapper over loop devices is Docker's devicemapper storage driver in loop-lvm mode, the known-slow default that `docker info` warns about (\"Usage of loopback devices is strongly discouraged for production use\").");
    }
    let mut fix = "Put the data directory on a volume backed by a real block device (a hostPath or PersistentVolume, `docker run -v /fast/disk:/data`).".to_owned();
    if dm {
        fix.push_str(" Switch Docker's storage driver to overlay2 (devicemapper is deprecated and removed from recent Docker Engine releases) or, if it must stay, to direct-lvm on a dedicated disk.");
    }
    if double_cache {
        fix.push_str(
            " If a loop device must stay, `losetup --direct-io=on` stops the double caching.",
        );
    }
    out.push(Finding {
        rule: &DATA_DIR_ON_LOOP_DEVICE,
        severity: Severity::Warning,
        title: format!(
            "{} on a loop device{}",
            list(&hits.iter().map(|m| m.path.clone()).collect::<Vec<_>>()),
            if dm { " (device-mapper over loop)" } else { "" }
        ),
        detail,
        fix,
        evidence,
        at: None,
    });
}

pub static DATA_DIR_ON_TMPFS: Rule = Rule {
    id: "data-dir-on-tmpfs",
    severity: Severity::Warning,
    family: Family::Storage,
    applies: Applies::Both,
    name: "DataDirOnTmpfs",
    summary: "A data directory is memory-backed, so its files count against the memory limit.",
    description: "tmpfs files are RAM charged to the cgroup as shmem, stay charged until deleted (across restarts for a memory-backed emptyDir) and cannot be reclaimed without swap.",
    help: "Use disk-backed scratch space (a plain emptyDir or a volume); if tmpfs must stay, give it a size and count it in the memory limit.",
};

fn tmpfs(cx: &Ctx, out: &mut Vec<Finding>) {
    let hits: Vec<&MountFact> = cx
        .facts
        .mounts
        .iter()
        .filter(|m| m.kind == MountKind::Tmpfs)
        .collect();
    if hits.is_empty() {
        return;
    }
    let names: Vec<String> = hits.iter().map(|m| named(m)).collect();
    let mut evidence: Vec<String> = match cx.nodes {
        // A file: each memory-backed mount where the file declares it.
        Some(n) => n
            .tmpfs
            .iter()
            .map(|(path, at, limit)| {
                let role = hits
                    .iter()
                    .find(|m| &m.path == path)
                    .map(|m| m.role.clone())
                    .unwrap_or_default();
                let limit = limit
                    .map(|s| format!(", sizeLimit {s} bytes"))
                    .unwrap_or_default();
                format!("{}: {path} is memory-backed ({role}{limit})", n.at(*at))
            })
            .collect(),
        None => hits.iter().map(|m| mount_line(m)).collect(),
    };
    let mut detail = format!(
        "{} {} memory-backed ({}): files written there live in RAM and are charged to this cgroup's memory limit as shmem. They stay charged until deleted (across container restarts for a Kubernetes emptyDir with medium: Memory), cannot be reclaimed without swap, and big temporary files (Spark shuffle and spill, sort runs, uploads) grow straight into an OOM kill.",
        list(&names),
        if hits.len() == 1 { "is" } else { "are" },
        list(
            &hits
                .iter()
                .map(|m| m.fs_type.clone())
                .fold(Vec::new(), |mut v, t| {
                    if !v.contains(&t) {
                        v.push(t)
                    }
                    v
                })
        )
    );
    let m = &cx.facts.memory;
    if let Some(&shm) = m.shmem_bytes.known() {
        if shm > 0 {
            let of = m
                .limit
                .value()
                .map(|l| format!(" of the {} limit", size(l)))
                .unwrap_or_default();
            detail.push_str(&format!(" {} of tmpfs is charged now{of}.", size(shm)));
            if let Some(dir) = &cx.facts.cgroup.memory_dir {
                evidence.push(format!("{dir}/memory.stat: shmem {shm}"));
            }
        }
    }
    let paths = list(&hits.iter().map(|m| m.path.clone()).collect::<Vec<_>>());
    let mut severity = Severity::Warning;
    let mut title = format!("{paths} on tmpfs: its files count against the memory limit");
    if let Some(sized) = cx.nodes.and_then(|n| sized_tmpfs(n, m.limit.value())) {
        (severity, title, detail) = sized;
    }
    out.push(Finding {
        rule: &DATA_DIR_ON_TMPFS,
        severity,
        title,
        detail,
        fix: "Use disk-backed scratch space for big files: a plain emptyDir (no medium: Memory) or a volume, `docker run -v scratch:/tmp` instead of `--tmpfs`, and for Spark on Kubernetes spark.kubernetes.local.dirs.tmpfs=false. If tmpfs must stay, give it a size (sizeLimit, size=) and count that size in the memory limit.".into(),
        evidence,
        at: cx.nodes.and_then(|n| n.tmpfs.first().map(|d| d.1)),
    });
}

/// A file's memory-backed volumes against the container's memory limit, when every one has a
/// `sizeLimit`: above the limit, filling it OOM-kills the container before the kubelet evicts
/// the pod for the volume; a small bound (an eighth of the limit at most, together) is worth
/// knowing, not a risk, and so is any bound without a limit to compare it with. `None` when a
/// volume is unbounded (the general finding holds).
fn sized_tmpfs(n: &super::Nodes, limit: Option<u64>) -> Option<(Severity, String, String)> {
    let sizes: Vec<(&str, u64)> = n
        .tmpfs
        .iter()
        .map(|(p, _, s)| s.map(|s| (p.as_str(), s)))
        .collect::<Option<_>>()?;
    let total: u64 = sizes.iter().map(|s| s.1).sum();
    let named = list(
        &sizes
            .iter()
            .map(|(p, s)| format!("{p} ({})", size(*s)))
            .collect::<Vec<_>>(),
    );
    let over = limit.and_then(|l| sizes.iter().find(|(_, s)| *s > l).map(|x| (x, l)));
    if let Some(((p, s), limit)) = over {
        return Some((
            Severity::Warning,
            format!(
                "tmpfs {p} may hold {}, more than the {} memory limit",
                size(*s),
                size(limit)
            ),
            format!(
                "{named} {} memory-backed: files written there are RAM charged to the container's memory limit. A sizeLimit of {} is above the {} limit, so it never applies: the container is OOM-killed (exit 137) when its files and the process together reach the limit, long before the kubelet would evict the pod for a full volume.",
                if sizes.len() == 1 { "is" } else { "are" },
                size(*s),
                size(limit)
            ),
        ));
    }
    let of = limit.map_or("no memory limit to compare with".to_owned(), |l| {
        format!("{} of the {} memory limit", size(total), size(l))
    });
    if limit.is_none_or(|l| total.saturating_mul(8) <= l) {
        return Some((
            Severity::Info,
            format!(
                "{} on tmpfs, bounded at {} ({of})",
                list(&sizes.iter().map(|(p, _)| p.to_string()).collect::<Vec<_>>()),
                size(total)
            ),
            format!(
                "{named} {} memory-backed: files there count against the container's memory, but the sizeLimit keeps them to {} in all ({of}), so they cannot push the container to an OOM kill on their own. Keep that room in the memory budget.",
                if sizes.len() == 1 { "is" } else { "are" },
                size(total)
            ),
        ));
    }
    None
}

pub static DATA_DIR_ON_OVERLAY: Rule = Rule {
    id: "data-dir-on-overlay",
    severity: Severity::Info,
    family: Family::Storage,
    applies: Applies::Live,
    name: "DataDirOnOverlay",
    summary: "A data directory is in the container's writable layer.",
    description: "Writes to the overlay layer are copy-on-write and slower than a volume, count as ephemeral storage, and are lost when the container is removed.",
    help: "Mount a volume at the data directory and point the workload there (SPARK_LOCAL_DIRS, -Djava.io.tmpdir).",
};

fn overlay(cx: &Ctx, out: &mut Vec<Finding>) {
    let hits: Vec<&MountFact> = cx
        .facts
        .mounts
        .iter()
        // A read-only overlay (`--read-only`, readOnlyRootFilesystem) is no writable layer:
        // nothing is written there (data-dir-read-only speaks about that).
        .filter(|m| m.kind == MountKind::Overlay && !m.read_only)
        .collect();
    if hits.is_empty() {
        return;
    }
    let heavy = hits.iter().any(|m| declared(m));
    let names: Vec<String> = hits.iter().map(|m| named(m)).collect();
    let mut detail = format!(
        "{} {} in the container's writable layer ({}): the first write to a file from the image copies it whole (copy-up), writes are slower than on a volume, the data is lost when the container is removed, and the runtime counts it as ephemeral storage (Kubernetes evicts the pod when the node runs short).",
        list(&names),
        if hits.len() == 1 { "is" } else { "are" },
        hits[0].fs_type
    );
    if heavy {
        detail.push_str(" A data directory chosen for heavy I/O (Spark local dirs, java.io.tmpdir, --path) belongs on a volume.");
    } else {
        detail.push_str(" For a working directory or a small /tmp that is usual (severity info).");
    }
    out.push(Finding {
        rule: &DATA_DIR_ON_OVERLAY,
        severity: if heavy {
            Severity::Warning
        } else {
            Severity::Info
        },
        title: format!(
            "{} in the container's writable layer",
            list(&hits.iter().map(|m| m.path.clone()).collect::<Vec<_>>())
        ),
        detail,
        fix: "Mount a volume at the data directory (`docker run -v data:/data`, a Kubernetes emptyDir or PersistentVolume) and point the workload there (SPARK_LOCAL_DIRS, TMPDIR, -Djava.io.tmpdir).".into(),
        evidence: hits.iter().map(|m| mount_line(m)).collect(),
        at: None,
    });
}

pub static DATA_DIR_ON_NETWORK_FS: Rule = Rule {
    id: "data-dir-on-network-fs",
    severity: Severity::Warning,
    family: Family::Storage,
    applies: Applies::Live,
    name: "DataDirOnNetworkFs",
    summary: "A data directory is on a network file system.",
    description: "Every write and fsync is a network round trip, locking and rename semantics differ from a local disk, and a server hiccup blocks the process in uninterruptible I/O.",
    help: "Keep scratch, shuffle and index data on local disk; use the share for input and output only.",
};

fn network(cx: &Ctx, out: &mut Vec<Finding>) {
    let hits: Vec<&MountFact> = cx
        .facts
        .mounts
        .iter()
        .filter(|m| m.kind == MountKind::Network)
        .collect();
    if hits.is_empty() {
        return;
    }
    let heavy = hits.iter().any(|m| roles(m).any(|r| r != "cwd"));
    let names: Vec<String> = hits
        .iter()
        .map(|m| format!("{} on {} {}", named(m), m.fs_type, m.source))
        .collect();
    out.push(Finding {
        rule: &DATA_DIR_ON_NETWORK_FS,
        severity: if heavy {
            Severity::Warning
        } else {
            Severity::Info
        },
        title: format!(
            "{} on a network file system",
            list(&hits.iter().map(|m| m.path.clone()).collect::<Vec<_>>())
        ),
        detail: format!(
            "{}: every write and fsync is a network round trip, file locking and rename semantics differ from a local disk (Spark shuffle files, Lucene indexes, RocksDB and SQLite can stall or corrupt), and a server hiccup blocks the process in uninterruptible I/O.",
            list(&names)
        ),
        fix: "Keep scratch, shuffle and index data on local disk (an emptyDir or a local PersistentVolume, SPARK_LOCAL_DIRS pointing there); use the share for input and output only.".into(),
        evidence: hits.iter().map(|m| mount_line(m)).collect(),
        at: None,
    });
}

pub static DATA_DIR_READ_ONLY: Rule = Rule {
    id: "data-dir-read-only",
    severity: Severity::Warning,
    family: Family::Storage,
    applies: Applies::Live,
    name: "DataDirReadOnly",
    summary: "A temporary or data directory is on a read-only mount.",
    description: "The JVM cannot write its perf data or extract native libraries there, createTempFile fails and Spark cannot spill.",
    help: "Mount a writable volume there (an emptyDir at /tmp next to readOnlyRootFilesystem: true, or docker run --tmpfs /tmp:size=...).",
};

fn read_only(cx: &Ctx, out: &mut Vec<Finding>) {
    // A read-only working directory is good practice (readOnlyRootFilesystem); a read-only
    // place for temporary or data files is a failure waiting for the first write.
    let hits: Vec<&MountFact> = cx
        .facts
        .mounts
        .iter()
        .filter(|m| m.read_only && roles(m).any(|r| r != "cwd"))
        .collect();
    if hits.is_empty() {
        return;
    }
    let names: Vec<String> = hits.iter().map(|m| named(m)).collect();
    out.push(Finding {
        rule: &DATA_DIR_READ_ONLY,
        severity: Severity::Warning,
        title: format!(
            "{} is read-only",
            list(&hits.iter().map(|m| m.path.clone()).collect::<Vec<_>>())
        ),
        detail: format!(
            "{} {} on a read-only mount: the JVM cannot write its perf data (hsperfdata, so jcmd and jstat do not see it) or extract native libraries (Netty, Snappy, RocksDB) there, File.createTempFile fails, and Spark cannot spill.",
            list(&names),
            if hits.len() == 1 { "is" } else { "are" }
        ),
        fix: "Mount a writable volume there: a Kubernetes emptyDir at /tmp (the usual companion of readOnlyRootFilesystem: true), `docker run --tmpfs /tmp:size=256m`, or point TMPDIR and -Djava.io.tmpdir at a writable volume.".into(),
        evidence: hits.iter().map(|m| mount_line(m)).collect(),
        at: None,
    });
}

#[cfg(test)]
mod tests {
    use super::super::test_facts::*;
    use super::super::Severity;
    use crate::facts::*;

    fn mount(path: &str, role: &str, kind: MountKind, fs: &str) -> MountFact {
        MountFact {
            path: path.into(),
            role: role.into(),
            mount_point: path.into(),
            fs_type: fs.into(),
            source: "src".into(),
            device: "0:42".into(),
            kind,
            backing_file: None,
            read_only: false,
            block_device: None,
            dm_name: None,
            loop_direct_io: None,
        }
    }

    #[test]
    fn loop_tmpfs_overlay_network() {
        let mut f = container();
        let mut l = mount("/data", "spark-local-dir", MountKind::Loop, "ext4");
        l.block_device = Some("loop3".into());
        l.backing_file = Some("/var/lib/images/data.img".into());
        l.loop_direct_io = Some(false);
        f.mounts = vec![
            l,
            mount("/snap/x", "--path", MountKind::Loop, "squashfs"),
            mount("/tmp", "tmpdir", MountKind::Tmpfs, "tmpfs"),
            mount("/app", "cwd", MountKind::Overlay, "overlay"),
            mount("/nfs", "cwd", MountKind::Network, "nfs4"),
        ];
        let x = finding(&f, &[], "data-dir-on-loop-device");
        assert!(x.title.starts_with("/data on a loop device"), "{}", x.title);
        assert!(!x.title.contains("/snap"));
        assert!(x
            .evidence
            .contains(&"/sys/block/loop3/loop/backing_file: /var/lib/images/data.img".into()));
        assert!(x.fix.contains("--direct-io=on"));
        assert_eq!(
            finding(&f, &[], "data-dir-on-tmpfs").severity,
            Severity::Warning
        );
        assert_eq!(
            finding(&f, &[], "data-dir-on-overlay").severity,
            Severity::Info
        );
        assert_eq!(
            finding(&f, &[], "data-dir-on-network-fs").severity,
            Severity::Info
        );
        f.mounts[3].role = "cwd, --path".into();
        f.mounts[4].role = "tmpdir".into();
        assert_eq!(
            finding(&f, &[], "data-dir-on-overlay").severity,
            Severity::Warning
        );
        assert_eq!(
            finding(&f, &[], "data-dir-on-network-fs").severity,
            Severity::Warning
        );
    }

    /// `--read-only --tmpfs /tmp`: the working directory `/` on a read-only overlay is not in
    /// a writable layer.
    #[test]
    fn a_read_only_overlay_is_not_a_writable_layer() {
        let mut f = container();
        f.mounts = vec![
            mount("/", "cwd", MountKind::Overlay, "overlay"),
            mount("/tmp", "tmpdir", MountKind::Tmpfs, "tmpfs"),
        ];
        assert!(ids(&f, &[]).contains(&"data-dir-on-overlay"));
        f.mounts[0].read_only = true;
        assert!(!ids(&f, &[]).contains(&"data-dir-on-overlay"));
        // A read-only overlay holding a data directory is said by data-dir-read-only.
        f.mounts[0].role = "cwd, --path".into();
        assert!(!ids(&f, &[]).contains(&"data-dir-on-overlay"));
        assert!(ids(&f, &[]).contains(&"data-dir-read-only"));
    }

    #[test]
    fn read_only_matters_except_for_the_working_directory() {
        let mut f = container();
        f.mounts[0].read_only = true;
        assert!(!ids(&f, &[]).contains(&"data-dir-read-only"));
        f.mounts[0].role = "cwd, tmpdir".into();
        let x = finding(&f, &[], "data-dir-read-only");
        assert!(x.evidence[0].ends_with(", ro)"), "{:?}", x.evidence);
    }
}
