//! Facts for unit tests: a well-configured container that no check fires on. Each test
//! changes the one thing it is about.

use crate::facts::*;
use crate::jvm::advise::{advise, Advice};
use crate::jvm::options::UserOptions;
use crate::jvm::profile::load;
use std::collections::BTreeMap;

pub const GIB: u64 = 1 << 30;
pub const MIB: u64 = 1 << 20;

/// A Docker container on cgroup v2: 2 CPUs, 2 GiB, uid 1000 `app`, JDK 21, data on a block
/// device, Docker's default capabilities, seccomp and AppArmor on, bare metal.
pub fn container() -> Facts {
    Facts {
        cgroup: CgroupFacts {
            version: CgroupVersion::V2,
            hybrid: false,
            path: Fact::Known("/".into()),
            cpu_dir: Some("/sys/fs/cgroup".into()),
            memory_dir: Some("/sys/fs/cgroup".into()),
            resolution: None,
            proc_cgroups: Fact::NotApplicable,
            mount_point_fallback: (None, None),
        },
        cpu: CpuFacts {
            limit: Limit::limited(2.0, "/sys/fs/cgroup/cpu.max"),
            host_count: Fact::Known(8),
            cpuset_count: Fact::Known(8),
            effective_count: Fact::Known(2),
            effective_count_floor: Fact::Known(2),
            shares: Fact::NotApplicable,
            weight: Fact::Known(100),
            throttling: Fact::Known(Throttling {
                periods: 1000,
                throttled_periods: 10,
                throttled_seconds: 0.5,
            }),
        },
        memory: MemoryFacts {
            limit: Limit::limited(2 * GIB, "/sys/fs/cgroup/memory.max"),
            high: Limit::unlimited("/sys/fs/cgroup/memory.high is 'max'"),
            swap_limit: Limit::limited(0, "/sys/fs/cgroup/memory.swap.max"),
            reservation: Limit::unlimited("test"),
            host_swap_bytes: Fact::NotApplicable,
            host_total_bytes: Fact::Known(32 * GIB),
            usage_bytes: Fact::Known(600 * MIB),
            anon_bytes: Fact::Known(400 * MIB),
            file_bytes: Fact::Known(200 * MIB),
            active_file_bytes: Fact::Known(50 * MIB),
            inactive_file_bytes: Fact::Known(150 * MIB),
            shmem_bytes: Fact::Known(0),
            dirty_bytes: Fact::Known(0),
            writeback_bytes: Fact::Known(0),
            working_set_bytes: Fact::Known(450 * MIB),
            oom_kills: Fact::Known(0),
        },
        identity: IdentityFacts {
            uid: Fact::Known(1000),
            gid: Fact::Known(1000),
            user: Some("app".into()),
            group: Some("app".into()),
            passwd_entry: Fact::Known(true),
            passwd_source: Some("/etc/passwd".into()),
            passwd_home: None,
            passwd_home_writable: Fact::NotApplicable,
            home: Some("/home/app".into()),
            user_namespace: Fact::Known(false),
            host_uid: Fact::Known(1000),
        },
        namespaces: BTreeMap::new(),
        container: ContainerFacts {
            detected: true,
            runtime: Some(Runtime::Docker),
            evidence: vec!["/.dockerenv exists".into()],
        },
        mounts: vec![MountFact {
            path: "/data".into(),
            role: "cwd".into(),
            mount_point: "/data".into(),
            fs_type: "ext4".into(),
            source: "/dev/nvme0n1p1".into(),
            device: "259:1".into(),
            kind: MountKind::Block,
            backing_file: None,
            read_only: false,
            block_device: Some("nvme0n1p1".into()),
            dm_name: None,
            loop_direct_io: None,
        }],
        security: SecurityFacts {
            capabilities: Fact::Known(
                super::identity::RUNTIME_DEFAULT_CAPS
                    .map(String::from)
                    .to_vec(),
            ),
            seccomp: Some(Seccomp::Filter),
            no_new_privs: Some(true),
            lsm: Some("docker-default (enforce)".into()),
        },
        host: HostFacts {
            hypervisor: Fact::NotApplicable,
        },
        jvm: Some(JavaFacts {
            path: Some("/opt/java/bin/java".into()),
            home: Some("/opt/java".into()),
            version: Some("21.0.4".into()),
            vendor: None,
            runtime_version: None,
            version_source: "release file".into(),
        }),
        java_processes: Vec::new(),
        pressure: PressureFacts {
            cgroup: calm_pressure(Some("/sys/fs/cgroup")),
            host: calm_pressure(Some("/proc/pressure")),
        },
        interval: None,
        notes: vec![],
        env: vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("HOME".into(), "/home/app".into()),
        ],
    }
}

/// The default profile's advice for these facts and a command line.
pub fn advice(f: &Facts, command: &[&str]) -> Advice {
    let cmd: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    let user = UserOptions::gather(&f.env, &cmd);
    advise(f, &load("default", &[]).unwrap(), &user)
}

/// The ids that fire.
pub fn ids(f: &Facts, command: &[&str]) -> Vec<&'static str> {
    super::check(f, &advice(f, command))
        .into_iter()
        .map(|x| x.id())
        .collect()
}

/// The finding of one id, panicking when it does not fire.
pub fn finding(f: &Facts, command: &[&str], id: &str) -> super::Finding {
    super::check(f, &advice(f, command))
        .into_iter()
        .find(|x| x.id() == id)
        .unwrap_or_else(|| panic!("{id} did not fire: {:?}", ids(f, command)))
}

pub fn set_java(f: &mut Facts, version: &str) {
    if let Some(j) = f.jvm.as_mut() {
        j.version = Some(version.into());
    }
}

/// Pressure files of a scope where nothing waits (0.5% of the time).
pub fn calm_pressure(dir: Option<&str>) -> PressureSet {
    let line = PressureLine {
        avg10: 0.5,
        avg60: 0.5,
        avg300: 0.5,
        total_us: 1_000_000,
    };
    let p = || {
        Fact::Known(Pressure {
            some: line,
            full: Fact::Known(line),
        })
    };
    PressureSet {
        dir: dir.map(str::to_owned),
        cpu: p(),
        memory: p(),
        io: p(),
    }
}
