//! The probe: all I/O of ctune, through one root-relative [`reader::Root`].
//!
//! Each section reads its files and hands the text to the pure parsers in [`crate::parse`];
//! what comes out is [`crate::facts`]. Nothing here fails as a whole: a missing or malformed
//! file makes its value unknown with the reason, and the rest of the report still stands.

pub mod cgroup;
mod container;
mod host;
mod identity;
mod java;
mod java_processes;
mod mounts;
mod pressure;
pub mod reader;
mod security;

use crate::assume::Assumptions;
use crate::facts::*;
use crate::parse::{self, keyed::Keyed};
use reader::Root;

pub use java::at as java_at;
pub use java_processes::{from_perf, parse_command, PerfValues};

/// Why a fact a lean probe (`ctune exec`) does not read is unknown.
const NOT_PROBED: &str = "not probed (lean probe for exec)";

/// What the caller wants looked at beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--path` directories, inspected besides the defaults.
    pub extra_paths: Vec<String>,
    /// The user's own JVM options or command line (after `--`), read like `JAVA_TOOL_OPTIONS`:
    /// a `-Djava.io.tmpdir` there is a data directory.
    pub java_options: Vec<String>,
    pub assume: Assumptions,
    /// Only what the JVM advice needs (cgroup limits, the cpuset, identity, Java): what
    /// `ctune exec` runs on every container start. Mounts, namespaces, container evidence,
    /// security, the hypervisor, usage counters and (when the cpuset is known) the host's CPU
    /// count are left out: empty, or unknown as "not probed".
    pub lean: bool,
    /// Which Java the facts describe.
    pub java: JavaLookup,
    /// The process environment, when the caller already holds it (`ctune exec` on the live
    /// system): `/proc/self/environ` is then not read.
    pub env: Option<Vec<(String, String)>>,
    /// `--pid`: say what there is to say about running JVMs for this process only.
    pub pid: Option<u32>,
    /// Look for running JVMs (every `/proc/PID` and the perf-data files): what `report`,
    /// `doctor`, `lint` and `snapshot` show. `jvm` and `exec` never do (it costs a system
    /// call or more per process, for nothing they show).
    pub running_jvms: bool,
    /// Only what the JVM advice reads (`ctune jvm`): the cgroup limits and shares, CPU
    /// throttling, the cpuset, identity and Java, as a full probe reads them; mounts,
    /// namespaces, container evidence, security, the hypervisor, pressure and the memory
    /// counters are left out as a lean probe leaves them.
    pub advice_only: bool,
}

/// Which Java to look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum JavaLookup {
    /// `$JAVA_HOME/bin/java`, else the first `java` on `PATH` (what start scripts run).
    #[default]
    Default,
    /// The first `java` on `PATH` only, whatever `JAVA_HOME` says: what a bare `java` command
    /// runs, give or take execvp's handling of relative or empty `PATH` entries.
    Path,
    /// This `java` binary or Java home (`ctune exec -- /opt/jdk/bin/java ...`).
    At(String),
}

/// The files several sections share, read and parsed once.
pub(crate) struct Shared {
    /// `/proc/self/status` as `Key: value` pairs, or why it could not be read.
    pub status: Result<StatusFields, String>,
    pub env: Vec<(String, String)>,
    pub mounts: Vec<parse::mountinfo::Mount>,
    pub cgroup_lines: Vec<parse::proc_cgroup::CgroupLine>,
}

/// The text of `/proc/self/status`, looked up by key.
pub(crate) struct StatusFields(String);

impl StatusFields {
    pub fn get(&self, key: &str) -> Option<&str> {
        Keyed::colon_separated(&self.0).get(key)
    }
}

impl Shared {
    pub fn status(&self) -> Option<&StatusFields> {
        self.status.as_ref().ok()
    }
}

/// Look at everything `ctune report` shows.
pub fn collect(root: &Root, opts: &Options) -> Facts {
    let mut notes = Vec::new();
    let shared = read_shared(root, opts.env.as_ref(), &mut notes);
    let (host_total, host_swap) = host_memory(root, &shared.mounts, opts.lean || opts.advice_only);
    let (mut cgroup_facts, layout) = cgroup_section(root, &shared, opts.lean, &mut notes);
    let (cpu, cpu_fallback) = cpu_section(root, &shared, &layout, opts);
    // What the advice does not read: left out by exec's lean probe and by `ctune jvm`.
    let skip = opts.lean || opts.advice_only;
    let (memory, memory_fallback) =
        memory_section(root, &layout, (host_total, host_swap), opts, &mut notes);
    cgroup_facts.mount_point_fallback = (cpu_fallback, memory_fallback);
    let identity = identity::collect(root, &shared, opts.lean);
    let (namespaces, container, mounts, security, host) = if skip {
        (
            Default::default(),
            ContainerFacts {
                detected: false,
                runtime: None,
                evidence: Vec::new(),
            },
            Vec::new(),
            SecurityFacts {
                capabilities: Fact::Unknown(NOT_PROBED.into()),
                seccomp: None,
                no_new_privs: None,
                lsm: None,
            },
            HostFacts {
                hypervisor: Fact::Unknown(NOT_PROBED.into()),
            },
        )
    } else {
        (
            container::namespaces(root),
            container::detect(root, &shared),
            mounts::collect(root, &shared, opts, &mut notes),
            security::collect(root, &shared),
            host::collect(root),
        )
    };
    let pressure = pressure::collect(root, &shared, &layout, skip);
    let jvm = java::find(
        root,
        &shared.env,
        &opts.java,
        opts.assume.jdk.as_deref(),
        &mut notes,
    );
    // Never on the lean path: exec must not scan /proc.
    let java_processes = if opts.lean || !opts.running_jvms {
        Vec::new()
    } else {
        java_processes::collect(root, opts.pid, &mut notes)
    };
    if let Some(c) = opts.assume.cpus {
        notes.push(format!("cpu.limit assumed: {c} cores (--assume cpus)"));
    }
    if let Some(m) = opts.assume.memory {
        notes.push(format!("memory.limit assumed: {m} bytes (--assume memory)"));
    }
    // `--assume cgroup=` and `uid=` replace the detected facts outright.
    match opts.assume.cgroup.as_deref() {
        Some("v1") => cgroup_facts.version = crate::facts::CgroupVersion::V1,
        Some("v2") => cgroup_facts.version = crate::facts::CgroupVersion::V2,
        _ => {}
    }
    if let Some(v) = &opts.assume.cgroup {
        notes.push(format!("cgroup.version assumed: {v} (--assume cgroup)"));
    }
    let mut identity = identity;
    if let Some(u) = opts.assume.uid {
        identity.uid = Fact::Known(u);
        identity.host_uid = Fact::Known(u);
        identity.user_namespace = Fact::Known(false);
        if identity.uid != Fact::Known(u) {
            // Looked up for the real uid, not this one.
            identity.passwd_entry =
                Fact::Unknown(format!("uid {u} assumed (--assume uid): not looked up"));
        }
        notes.push(format!("identity.uid assumed: {u} (--assume uid)"));
    }
    Facts {
        cgroup: cgroup_facts,
        cpu,
        memory,
        identity,
        namespaces,
        container,
        mounts,
        security,
        host,
        jvm,
        java_processes,
        pressure,
        interval: None,
        notes,
        env: shared.env,
    }
}

fn read_shared(
    root: &Root,
    env: Option<&Vec<(String, String)>>,
    notes: &mut Vec<String>,
) -> Shared {
    let env = match env {
        Some(e) => e.clone(),
        None => match root.read_bytes("/proc/self/environ") {
            Ok(b) => parse::environ::parse(&b),
            Err(e) => {
                notes.push(format!("environment unknown: {e}"));
                Vec::new()
            }
        },
    };
    let mounts = match root.read_string("/proc/self/mountinfo") {
        Ok(t) => {
            let (m, bad) = parse::mountinfo::parse(&t);
            for b in bad.iter().take(5) {
                notes.push(format!(
                    "/proc/self/mountinfo line {} skipped: {}",
                    b.line, b.error
                ));
            }
            if bad.len() > 5 {
                notes.push(format!(
                    "/proc/self/mountinfo: {} more lines skipped",
                    bad.len() - 5
                ));
            }
            m
        }
        Err(e) => {
            notes.push(format!("mounts unknown: {e}"));
            Vec::new()
        }
    };
    let cgroup_lines = match root.read_string("/proc/self/cgroup") {
        Ok(t) => parse::proc_cgroup::parse(&t).unwrap_or_else(|e| {
            notes.push(format!("/proc/self/cgroup: {e}"));
            Vec::new()
        }),
        Err(e) => {
            if !e.is_not_found() || root.exists("/sys/fs/cgroup") {
                notes.push(format!("cgroup membership unknown: {e}"));
            }
            Vec::new()
        }
    };
    let status = root
        .read_string("/proc/self/status")
        .map_err(|e| e.to_string())
        .map(StatusFields);
    Shared {
        status,
        env,
        mounts,
        cgroup_lines,
    }
}

/// The host's RAM and swap (`MemTotal`, `SwapTotal`), from `/proc/meminfo`, unless something
/// is mounted over that file: LXCFS (LXD, Incus, some Kubernetes set-ups) puts the container's
/// own limit there, and a limit compared with itself would read as "at or above host RAM",
/// that is unlimited.
/// A lean probe (exec) looks up no swap: the advice does not use it.
fn host_memory(
    root: &Root,
    mounts: &[parse::mountinfo::Mount],
    lean: bool,
) -> (Fact<u64>, Fact<u64>) {
    if let Some(m) = mounts.iter().find(|m| m.mount_point == "/proc/meminfo") {
        let why = format!(
            "/proc/meminfo is a {} mount (from {}), which shows the container's view rather than the host's RAM",
            m.fs_type, m.source
        );
        return (Fact::Unknown(why.clone()), Fact::Unknown(why));
    }
    match root.read_string("/proc/meminfo") {
        Err(e) => (Fact::Unknown(e.to_string()), Fact::Unknown(e.to_string())),
        Ok(t) => {
            let k = Keyed::colon_separated(&t);
            let key = |name: &str| -> Fact<u64> {
                k.kib_as_bytes(name)
                    .map_err(|e| format!("/proc/meminfo: {e}"))
                    .into()
            };
            let swap = if lean {
                Fact::Unknown(NOT_PROBED.into())
            } else {
                key("SwapTotal")
            };
            (key("MemTotal"), swap)
        }
    }
}

fn cgroup_section(
    root: &Root,
    shared: &Shared,
    lean: bool,
    notes: &mut Vec<String>,
) -> (CgroupFacts, cgroup::Layout) {
    let needed = cgroup::layout::needs_v2_controllers(&shared.mounts);
    let v2_controllers = needed
        .then(|| cgroup::layout::v2_mount(&shared.mounts))
        .flatten()
        .and_then(|m| {
            root.read_string(&format!(
                "{}/cgroup.controllers",
                m.mount_point.trim_end_matches('/')
            ))
            .ok()
        });
    let mut layout = cgroup::layout::layout(
        &shared.mounts,
        &shared.cgroup_lines,
        v2_controllers.as_deref(),
    );
    // Bare `unshare --cgroup` on v2: find the namespace root by the process's pid.
    let pid = shared
        .status()
        .and_then(|s| s.get("Pid"))
        .and_then(|p| p.trim().parse().ok());
    for h in [&mut layout.cpu, &mut layout.memory, &mut layout.cpuset]
        .into_iter()
        .flatten()
    {
        let limit = if lean {
            cgroup::LEAN_NS_SEARCH_LIMIT
        } else {
            cgroup::NS_SEARCH_LIMIT
        };
        cgroup::find_namespace_root(root, h, pid, limit);
    }
    for (name, h) in [("cpu", &layout.cpu), ("memory", &layout.memory)] {
        if let Some(h) = h
            .as_ref()
            .filter(|h| h.resolution == cgroup::Resolution::NamespaceRootFound)
        {
            let stale = format!("{name} cgroup ");
            layout.notes.retain(|n| !n.starts_with(&stale));
            layout.notes.push(format!(
                "{name} cgroup {}: the cgroup2 mount's root is {} (mounted outside this cgroup namespace); the namespace root is {}, whose cgroup.procs lists this process",
                h.cgroup_path.as_deref().unwrap_or("?"),
                h.mount_root,
                h.leaf
            ));
        }
    }
    notes.extend(layout.notes.iter().cloned());
    let main = layout.memory.as_ref().or(layout.cpu.as_ref());
    let path = match main {
        Some(h) => match &h.cgroup_path {
            Some(p) => Fact::Known(p.clone()),
            None => Fact::Unknown(format!(
                "/proc/self/cgroup has no line for the {} hierarchy",
                h.version.as_str()
            )),
        },
        None if shared.mounts.is_empty() => {
            Fact::Unknown("no mount table to find cgroups in".into())
        }
        None => Fact::NotApplicable,
    };
    let facts = CgroupFacts {
        version: layout.version,
        hybrid: layout.hybrid,
        path,
        cpu_dir: layout.cpu.as_ref().map(|h| h.leaf.clone()),
        memory_dir: layout.memory.as_ref().map(|h| h.leaf.clone()),
        resolution: main.map(|h| h.resolution.describe().to_owned()),
        mount_point_fallback: (None, None),
        proc_cgroups: match root.read_string("/proc/cgroups") {
            Ok(t) => Fact::Known(parse::proc_cgroups::parse(&t)),
            Err(e) => Fact::Unknown(e.to_string()),
        },
    };
    (facts, layout)
}

/// CPUs the process may run on: its affinity (`Cpus_allowed_list`, which covers the cpuset),
/// else the cgroup's effective cpuset.
fn cpuset_count(root: &Root, shared: &Shared, layout: &cgroup::Layout) -> Fact<u32> {
    let from_status = shared
        .status()
        .and_then(|k| k.get("Cpus_allowed_list").map(parse::cpulist::count));
    match from_status {
        Some(Ok(n)) if n > 0 => Fact::Known(n),
        other => match &layout.cpuset {
            Some(h) => cgroup::read_cpuset_count(root, h),
            None => match other {
                Some(Err(e)) => Fact::Unknown(format!("/proc/self/status Cpus_allowed_list: {e}")),
                _ => Fact::Unknown(
                    "/proc/self/status: no Cpus_allowed_list, and no cpuset cgroup".into(),
                ),
            },
        },
    }
}

/// The CPU facts, and the mount point's limit where the process's path was untranslatable.
fn cpu_section(
    root: &Root,
    shared: &Shared,
    layout: &cgroup::Layout,
    opts: &Options,
) -> (CpuFacts, Option<f64>) {
    let mut cpuset = cpuset_count(root, shared, layout);
    // A lean probe needs the host's count only as the fallback for an unknown cpuset.
    let host_count: Fact<u32> = if opts.lean && cpuset.known().is_some() {
        Fact::Unknown(NOT_PROBED.into())
    } else {
        match root.read_string("/sys/devices/system/cpu/online") {
            Err(e) => Fact::Unknown(e.to_string()),
            Ok(t) => parse::cpulist::count(&t)
                .map_err(|e| format!("/sys/devices/system/cpu/online: {e}"))
                .into(),
        }
    };
    if let (Fact::Unknown(_), Fact::Known(h)) = (&cpuset, &host_count) {
        cpuset = Fact::Known(*h);
    }
    let cg = match &layout.cpu {
        Some(h) => cgroup::read_cpu(root, h, opts.lean),
        None => cgroup::CgroupCpu {
            limit: Limit::unknown(not_visible("cpu", layout)),
            mount_point_fallback: None,
            shares: Fact::NotApplicable,
            weight: Fact::NotApplicable,
            throttling: if layout.version == CgroupVersion::None {
                Fact::NotApplicable
            } else {
                Fact::Unknown(not_visible("cpu", layout))
            },
        },
    };
    let limit = match opts.assume.cpus {
        Some(c) => Limit::limited(c, "--assume cpus"),
        None => cg.limit,
    };
    // An assumed CPU limit describes the target, not this machine: `cpus=8` on a 2-CPU
    // runner is 8, so the runner's cpuset must not cap it.
    if let (Some(c), Fact::Known(n)) = (opts.assume.cpus, &cpuset) {
        let need = c.ceil().max(1.0) as u32;
        if need > *n {
            cpuset = Fact::Known(need);
        }
    }
    let (effective_count, effective_count_floor) = effective_counts(&limit, &cpuset);
    let facts = CpuFacts {
        limit,
        host_count,
        cpuset_count: cpuset,
        effective_count,
        effective_count_floor,
        shares: cg.shares,
        weight: cg.weight,
        throttling: cg.throttling,
    };
    (facts, cg.mount_point_fallback)
}

/// Why a controller's limits cannot be read when no hierarchy holds it. Never "unlimited": a
/// limit may be set where this process cannot see it.
fn not_visible(controller: &str, layout: &cgroup::Layout) -> String {
    if layout.version == CgroupVersion::None && layout.cpu.is_none() && layout.memory.is_none() {
        "no cgroup file system is mounted here (or /proc/self/mountinfo could not be read): a limit cannot be seen".to_owned()
    } else {
        format!("the {controller} controller is in no cgroup hierarchy visible here (not enabled, or not delegated to this cgroup): a limit set above cannot be seen")
    }
}

/// `min(cpuset, ceil(limit))` (HotSpot, Go, num_cpus) and `min(cpuset, max(1, floor(limit)))`
/// (automaxprocs, Rust's std). The cpuset count alone when there is no limit.
pub fn effective_counts(limit: &Limit<f64>, cpuset: &Fact<u32>) -> (Fact<u32>, Fact<u32>) {
    let Fact::Known(c) = cpuset else {
        let r = cpuset
            .unknown_reason()
            .unwrap_or("cpuset unknown")
            .to_owned();
        return (Fact::Unknown(r.clone()), Fact::Unknown(r));
    };
    if let Limit::Unknown { reason } = limit {
        let r = format!("the CPU limit is unknown ({reason}); at most {c}, the CPUs allowed");
        return (Fact::Unknown(r.clone()), Fact::Unknown(r));
    }
    match limit.value() {
        Some(l) => {
            let ceil = (l.ceil().max(1.0) as u32).min(*c);
            let floor = (l.floor().max(1.0) as u32).min(*c);
            (Fact::Known(ceil), Fact::Known(floor))
        }
        None => (Fact::Known(*c), Fact::Known(*c)),
    }
}

fn memory_section(
    root: &Root,
    layout: &cgroup::Layout,
    (host_total, host_swap_bytes): (Fact<u64>, Fact<u64>),
    opts: &Options,
    notes: &mut Vec<String>,
) -> (MemoryFacts, Option<u64>) {
    let ram = host_total.known().copied();
    let cg = layout
        .memory
        .as_ref()
        .map(|h| cgroup::read_memory(root, h, ram, opts.lean || opts.advice_only));
    let na = || Fact::NotApplicable;
    let fallback = cg.as_ref().and_then(|c| c.mount_point_fallback);
    if let (Some(c), Some(h)) = (&cg, &layout.memory) {
        if let Some(dir) = &c.counters_from {
            notes.push(format!(
                "memory usage counters read at {dir}: {} has none (the memory controller is not enabled for it in its parent's cgroup.subtree_control), so they include every cgroup below {dir}",
                h.leaf
            ));
        }
    }
    let (mut limit, high, swap_limit, reservation, stats, oom_kills) = match cg {
        Some(c) => (
            c.limit,
            c.high,
            c.swap_limit,
            c.reservation,
            Some(c.stats),
            c.oom_kills,
        ),
        None => (
            Limit::unknown(not_visible("memory", layout)),
            Limit::unknown(not_visible("memory", layout)),
            Limit::unknown(not_visible("memory", layout)),
            Limit::unknown(not_visible("memory", layout)),
            None,
            na(),
        ),
    };
    if let Some(m) = opts.assume.memory {
        limit = Limit::limited(m, "--assume memory");
    }
    let s = stats.unwrap_or(cgroup::MemoryStats {
        usage: na(),
        anon: na(),
        file: na(),
        active_file: na(),
        inactive_file: na(),
        shmem: na(),
        dirty: na(),
        writeback: na(),
        hierarchical_limit: None,
        hierarchical_memsw_limit: None,
    });
    let working_set = match (&s.usage, &s.inactive_file) {
        (Fact::Known(u), Fact::Known(i)) => Fact::Known(u.saturating_sub(*i)),
        (Fact::Unknown(r), _) | (_, Fact::Unknown(r)) => Fact::Unknown(r.clone()),
        _ => Fact::NotApplicable,
    };
    let facts = MemoryFacts {
        limit,
        high,
        swap_limit,
        reservation,
        host_total_bytes: host_total,
        host_swap_bytes,
        usage_bytes: s.usage,
        anon_bytes: s.anon,
        file_bytes: s.file,
        active_file_bytes: s.active_file,
        inactive_file_bytes: s.inactive_file,
        shmem_bytes: s.shmem,
        dirty_bytes: s.dirty,
        writeback_bytes: s.writeback,
        working_set_bytes: working_set,
        oom_kills,
    };
    (facts, fallback)
}
