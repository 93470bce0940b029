//! Pressure stall information: the cgroup's `cpu.pressure`, `memory.pressure`, `io.pressure`
//! (cgroup v2, or the cgroup2 hierarchy of a hybrid host when it groups the process as the v1
//! controllers do) and the host's `/proc/pressure/*`.
//!
//! Unavailable is never zero: a missing file (kernel before 4.20, `CONFIG_PSI` off, `psi=0`,
//! `cgroup.pressure` set to 0) or one that answers `EOPNOTSUPP` is unknown with the reason.
//! Not read by the lean probe (`ctune exec`).

use super::{cgroup, Shared, NOT_PROBED};
use crate::facts::{CgroupVersion, Fact, Pressure, PressureFacts, PressureLine, PressureSet};
use crate::parse::psi::{self, PsiLine};
use crate::probe::reader::{ReadError, Root};

const FILES: [&str; 3] = ["cpu", "memory", "io"];

pub(super) fn collect(
    root: &Root,
    shared: &Shared,
    layout: &cgroup::Layout,
    lean: bool,
) -> PressureFacts {
    if lean {
        return PressureFacts {
            cgroup: PressureSet::unknown(NOT_PROBED),
            host: PressureSet::unknown(NOT_PROBED),
        };
    }
    let cgroup = match cgroup_dir(shared, layout) {
        Ok(dir) => read_set(root, &dir, |f| format!("{f}.pressure")),
        Err(why) => PressureSet::unknown(&why),
    };
    PressureFacts {
        cgroup,
        host: read_set(root, "/proc/pressure", |f| f.to_owned()),
    }
}

/// The cgroup2 directory whose pressure files describe the process's cgroup, or why none does.
fn cgroup_dir(shared: &Shared, layout: &cgroup::Layout) -> Result<String, String> {
    let v2 = [&layout.memory, &layout.cpu]
        .into_iter()
        .flatten()
        .find(|h| h.version == CgroupVersion::V2);
    if let Some(h) = v2 {
        return Ok(h.leaf.clone());
    }
    let Some(mount) = cgroup::layout::v2_mount(&shared.mounts) else {
        return Err("cgroup v1 keeps no pressure stall information per cgroup (cpu.pressure, memory.pressure and io.pressure are cgroup v2 files) and no cgroup2 hierarchy is mounted; see pressure.host".into());
    };
    // Hybrid: the cgroup2 hierarchy tracks pressure too, but only for how it groups processes.
    let line = shared.cgroup_lines.iter().find(|l| l.is_v2());
    let v1 = layout.memory.as_ref().or(layout.cpu.as_ref());
    let v1_path = v1.and_then(|h| h.cgroup_path.as_deref());
    match (line, v1_path) {
        (Some(l), Some(p)) if l.path == p && !l.path.contains("..") => {
            let (dir, res) = cgroup::layout::translate(&mount.root, &mount.mount_point, &l.path);
            match res {
                cgroup::Resolution::Direct | cgroup::Resolution::UnderMountRoot => Ok(dir),
                _ => Err(format!(
                    "hybrid host: the cgroup2 path {} is not visible under {}",
                    l.path, mount.mount_point
                )),
            }
        }
        (Some(l), Some(p)) => Err(format!(
            "hybrid host: the process's cgroup2 group ({}) is not its v1 memory/cpu cgroup ({p}), so the cgroup2 hierarchy's pressure files describe other processes; see pressure.host",
            l.path
        )),
        _ => Err(
            "hybrid host: /proc/self/cgroup places the process in no cgroup2 group and no v1 cpu/memory cgroup to match it with".into(),
        ),
    }
}

fn read_set(root: &Root, dir: &str, name: impl Fn(&str) -> String) -> PressureSet {
    let [cpu, memory, io] = FILES.map(|f| read_one(root, &format!("{dir}/{}", name(f))));
    PressureSet {
        dir: Some(dir.to_owned()),
        cpu,
        memory,
        io,
    }
}

fn read_one(root: &Root, path: &str) -> Fact<Pressure> {
    match root.read_string(path) {
        Ok(text) => match psi::parse(&text) {
            Ok(p) => Fact::Known(Pressure {
                some: line(p.some),
                full: match p.full {
                    Some(f) => Fact::Known(line(f)),
                    None => Fact::Unknown(format!(
                        "{path} has no 'full' line (the kernel prints none for cpu before Linux 5.13)"
                    )),
                },
            }),
            Err(e) => Fact::Unknown(format!("{path}: {e}")),
        },
        Err(e) => Fact::Unknown(unavailable(path, &e)),
    }
}

fn unavailable(path: &str, e: &ReadError) -> String {
    match e {
        ReadError::NotFound { .. } => format!(
            "{path}: no such file: pressure stall information is unavailable (kernel before 4.20, CONFIG_PSI off, or booted with psi=0{})",
            if path.starts_with("/proc/") { "" } else { "; or cgroup.pressure set to 0" }
        ),
        ReadError::Io { source, .. } if source.raw_os_error() == Some(libc::EOPNOTSUPP) => {
            format!("{path}: operation not supported: pressure stall information is disabled (booted with psi=0, or CONFIG_PSI_DEFAULT_DISABLED without psi=1)")
        }
        other => other.to_string(),
    }
}

fn line(l: PsiLine) -> PressureLine {
    PressureLine {
        avg10: l.avg10,
        avg60: l.avg60,
        avg300: l.avg300,
        total_us: l.total_us,
    }
}

#[cfg(test)]
mod tests {
    use crate::probe::{collect, reader::Root, Options};
    use std::path::Path;

    fn fixture(name: &str) -> Root {
        Root::at(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
        )
    }

    /// `ctune exec`'s lean probe must not pay for PSI: it opens no pressure file.
    #[test]
    fn the_lean_probe_reads_no_pressure_file() {
        for lean in [false, true] {
            let root = fixture("v2-k8s-cgroupns").recording();
            let opts = Options {
                lean,
                ..Options::default()
            };
            let facts = collect(&root, &opts);
            let read: Vec<String> = root
                .take_recording()
                .into_keys()
                .filter(|p| p.contains("pressure"))
                .collect();
            if lean {
                assert_eq!(read, Vec::<String>::new());
                assert!(facts
                    .pressure
                    .cgroup
                    .cpu
                    .unknown_reason()
                    .unwrap()
                    .contains("lean"));
            } else {
                assert_eq!(read.len(), 7, "the six files and /proc/pressure: {read:?}");
                assert!(facts.pressure.host.memory.known().is_some());
            }
        }
    }
}
