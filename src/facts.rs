//! What the probe found: plain data, serialisable, no I/O and no policy.
//!
//! The JSON shape of `ctune report --format json` is this module's `Serialize` output (plus
//! `schema_version`), so field names here are the contract's (`../shared/cli-contract.md`).
//! Two value types carry the "never lie" rule:
//! - [`Limit`]: limited (with the file that imposed it), unlimited, or unknown with a reason;
//! - [`Fact`]: a measured value, not applicable, or unknown with a reason. It serialises as the
//!   value or `null`; the reasons are listed in `diagnostics`.

use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// A resource limit. Serialises as the contract's
/// `{"state": "limited", "value": .., "source": ..}`, `{"state": "unlimited"}` or
/// `{"state": "unknown", "reason": ..}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Limit<T> {
    Limited {
        value: T,
        /// The file that imposed the limit, as seen inside the inspected system.
        source: String,
        /// Set on an ancestor of the process's cgroup, not on its own cgroup.
        #[serde(skip)]
        inherited: bool,
        /// Something a reader should know: an unreadable level that may be stricter.
        #[serde(skip)]
        note: Option<String>,
        /// For an inherited limit, the looser one the process's own cgroup sets, if any: what
        /// a JVM that reads only its own cgroup sees.
        #[serde(skip)]
        own: Option<T>,
    },
    Unlimited {
        /// Why this counts as no limit (`max`, the v1 sentinel, at or above host RAM, ...).
        #[serde(skip)]
        why: String,
        /// Set when the levels above the highest one read are not visible (the container's
        /// cgroup mounted as the root of its hierarchy, a cgroup namespace): a limit may be set
        /// there. Serialised as `"ancestors_visible": false, "highest_level": DIR`.
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        hidden: Option<HiddenAncestors>,
    },
    Unknown {
        reason: String,
    },
}

/// What an "unlimited" saw of the hierarchy: the levels above `highest_level` are hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HiddenAncestors {
    /// Always false: present only when they are not visible.
    pub ancestors_visible: bool,
    /// The highest cgroup directory read (inside the inspected system).
    pub highest_level: String,
}

impl<T: Copy> Limit<T> {
    pub fn limited(value: T, source: impl Into<String>) -> Self {
        Limit::Limited {
            value,
            source: source.into(),
            inherited: false,
            note: None,
            own: None,
        }
    }

    pub fn unlimited(why: impl Into<String>) -> Self {
        Limit::Unlimited {
            why: why.into(),
            hidden: None,
        }
    }

    /// The highest level read, when "unlimited" means only "no limit visible": the levels
    /// above it cannot be seen.
    pub fn hidden_above(&self) -> Option<&str> {
        match self {
            Limit::Unlimited {
                hidden: Some(h), ..
            } => Some(&h.highest_level),
            _ => None,
        }
    }

    /// "no limit", or "no limit visible" when the levels above could not be seen.
    pub fn no_limit_words(&self) -> &'static str {
        if self.hidden_above().is_some() {
            "no limit visible"
        } else {
            "no limit"
        }
    }

    pub fn unknown(reason: impl Into<String>) -> Self {
        Limit::Unknown {
            reason: reason.into(),
        }
    }

    pub fn value(&self) -> Option<T> {
        match self {
            Limit::Limited { value, .. } => Some(*value),
            _ => None,
        }
    }

    pub fn source(&self) -> Option<&str> {
        match self {
            Limit::Limited { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The limit the process's own cgroup sets: the limit itself unless it is inherited,
    /// else the own cgroup's looser one, if any.
    pub fn own_value(&self) -> Option<T> {
        match self {
            Limit::Limited {
                inherited: false,
                value,
                ..
            } => Some(*value),
            Limit::Limited { own, .. } => *own,
            _ => None,
        }
    }

    pub fn is_inherited(&self) -> bool {
        matches!(
            self,
            Limit::Limited {
                inherited: true,
                ..
            }
        )
    }
}

/// A measured value that may be missing for a good reason (not applicable on this cgroup
/// version) or for a bad one (unknown, with the file and what was wrong).
#[derive(Debug, Clone, PartialEq)]
pub enum Fact<T> {
    Known(T),
    NotApplicable,
    Unknown(String),
}

impl<T> Fact<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known(v) => Some(v),
            _ => None,
        }
    }

    pub fn unknown_reason(&self) -> Option<&str> {
        match self {
            Fact::Unknown(r) => Some(r),
            _ => None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fact<U> {
        match self {
            Fact::Known(v) => Fact::Known(f(v)),
            Fact::NotApplicable => Fact::NotApplicable,
            Fact::Unknown(r) => Fact::Unknown(r),
        }
    }
}

impl<T, E: std::fmt::Display> From<Result<T, E>> for Fact<T> {
    fn from(r: Result<T, E>) -> Self {
        match r {
            Ok(v) => Fact::Known(v),
            Err(e) => Fact::Unknown(e.to_string()),
        }
    }
}

impl<T: Serialize> Serialize for Fact<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Fact::Known(v) => v.serialize(s),
            _ => s.serialize_none(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupVersion {
    V1,
    V2,
    None,
}

impl CgroupVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            CgroupVersion::V1 => "v1",
            CgroupVersion::V2 => "v2",
            CgroupVersion::None => "none",
        }
    }
}

/// Everything `ctune report` knows.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub cgroup: CgroupFacts,
    pub cpu: CpuFacts,
    pub memory: MemoryFacts,
    pub identity: IdentityFacts,
    pub namespaces: BTreeMap<String, NamespaceFact>,
    pub container: ContainerFacts,
    pub mounts: Vec<MountFact>,
    pub security: SecurityFacts,
    pub host: HostFacts,
    pub jvm: Option<JavaFacts>,
    /// The JVMs running in this pid namespace, read from their perf-data files and `/proc`.
    pub java_processes: Vec<JavaProcess>,
    /// Pressure stall information of the cgroup and of the host.
    pub pressure: PressureFacts,
    /// Rates between two readings (`--interval`); absent for a single reading.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<IntervalFacts>,
    /// Things the probe noticed that are not one field's value: lines it skipped, paths it
    /// could not translate, options it assumed. Unknown fields add theirs at render time.
    pub notes: Vec<String>,
    /// The environment of the inspected process. Never serialised: it may hold secrets.
    #[serde(skip)]
    pub env: Vec<(String, String)>,
}

impl Facts {
    pub fn env_var(&self, name: &str) -> Option<&str> {
        env_lookup(&self.env, name)
    }

    /// Every field whose value is unknown, as `(json path, reason)`: the `diagnostics` list.
    pub fn unknowns(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut lim = |name: &str, reason: Option<&str>| {
            if let Some(r) = reason {
                out.push((name.to_owned(), r.to_owned()));
            }
        };
        fn lr<T>(l: &Limit<T>) -> Option<&str> {
            match l {
                Limit::Unknown { reason } => Some(reason),
                _ => None,
            }
        }
        lim("cgroup.path", self.cgroup.path.unknown_reason());
        // A directory is null when no hierarchy holds its controller: its limit says why.
        if self.cgroup.version != CgroupVersion::None {
            if self.cgroup.cpu_dir.is_none() {
                lim("cgroup.cpu_dir", lr(&self.cpu.limit));
            }
            if self.cgroup.memory_dir.is_none() {
                lim("cgroup.memory_dir", lr(&self.memory.limit));
            }
        }
        lim(
            "cgroup.proc_cgroups",
            self.cgroup.proc_cgroups.unknown_reason(),
        );
        lim("cpu.limit", lr(&self.cpu.limit));
        lim("cpu.host_count", self.cpu.host_count.unknown_reason());
        lim("cpu.cpuset_count", self.cpu.cpuset_count.unknown_reason());
        lim(
            "cpu.effective_count",
            self.cpu.effective_count.unknown_reason(),
        );
        lim(
            "cpu.effective_count_floor",
            self.cpu.effective_count_floor.unknown_reason(),
        );
        lim("cpu.shares", self.cpu.shares.unknown_reason());
        lim("cpu.weight", self.cpu.weight.unknown_reason());
        lim("cpu.throttling", self.cpu.throttling.unknown_reason());
        let m = &self.memory;
        lim("memory.limit", lr(&m.limit));
        lim("memory.high", lr(&m.high));
        lim("memory.swap_limit", lr(&m.swap_limit));
        lim("memory.reservation", lr(&m.reservation));
        lim("memory.host_swap_bytes", m.host_swap_bytes.unknown_reason());
        lim(
            "memory.host_total_bytes",
            m.host_total_bytes.unknown_reason(),
        );
        for (name, f) in m.usage_fields() {
            lim(&format!("memory.{name}"), f.unknown_reason());
        }
        lim("memory.oom_kills", m.oom_kills.unknown_reason());
        lim("identity.uid", self.identity.uid.unknown_reason());
        lim("identity.gid", self.identity.gid.unknown_reason());
        lim("identity.host_uid", self.identity.host_uid.unknown_reason());
        lim(
            "identity.passwd_entry",
            self.identity.passwd_entry.unknown_reason(),
        );
        lim(
            "identity.user_namespace",
            self.identity.user_namespace.unknown_reason(),
        );
        lim(
            "identity.passwd_home_writable",
            self.identity.passwd_home_writable.unknown_reason(),
        );
        for (t, n) in &self.namespaces {
            lim(&format!("namespaces.{t}.inode"), n.inode.unknown_reason());
            lim(
                &format!("namespaces.{t}.shared_with_init"),
                n.shared_with_init.unknown_reason(),
            );
        }
        lim(
            "security.capabilities",
            self.security.capabilities.unknown_reason(),
        );
        lim("host.hypervisor", self.host.hypervisor.unknown_reason());
        // Seccomp and NoNewPrivs come from /proc/self/status, as the uid does: null for the
        // same reason when that file could not be read, else because the kernel has no such
        // line (NoNewPrivs: 4.10, Seccomp: 3.8) or it is not understood.
        let status = self.identity.uid.unknown_reason();
        for (field, line, missing) in [
            (
                "security.seccomp",
                "Seccomp",
                self.security.seccomp.is_none(),
            ),
            (
                "security.no_new_privs",
                "NoNewPrivs",
                self.security.no_new_privs.is_none(),
            ),
        ] {
            if missing && !matches!(self.identity.uid, Fact::NotApplicable) {
                let why = status.map(str::to_owned).unwrap_or_else(|| {
                    format!("/proc/self/status has no usable {line}: line (older kernel)")
                });
                out.push((field.to_owned(), why));
            }
        }
        for (i, p) in self.java_processes.iter().enumerate() {
            for (name, reason) in p.unknowns() {
                out.push((format!("java_processes[{i}].{name}"), reason));
            }
        }
        out.extend(self.pressure.unknowns());
        if let Some(i) = &self.interval {
            out.extend(i.unknowns());
        }
        out
    }
}

pub fn env_lookup<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[derive(Debug, Clone, Serialize)]
pub struct CgroupFacts {
    pub version: CgroupVersion,
    pub hybrid: bool,
    /// The process's cgroup path as `/proc/self/cgroup` shows it (memory controller on v1).
    pub path: Fact<String>,
    /// Directory read for the CPU controller (inside the inspected system), if any.
    pub cpu_dir: Option<String>,
    /// Directory read for the memory controller, if any.
    pub memory_dir: Option<String>,
    /// How the cgroup path was mapped onto the mounted hierarchy.
    pub resolution: Option<String>,
    /// `/proc/cgroups`, the controller lines HotSpot reads before anything else (a kernel
    /// without the v1 memory or cpuset controllers lists no line for them).
    pub proc_cgroups: Fact<Vec<crate::parse::proc_cgroups::ControllerLine>>,
    /// (CPU, memory) limits of the mount point's cgroup where the process's cgroup path could
    /// not be placed under the mount (those limits are then unknown): what HotSpot falls back
    /// to reading. Not serialised: it is not the process's limit.
    #[serde(skip)]
    pub mount_point_fallback: (Option<f64>, Option<u64>),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Throttling {
    pub periods: u64,
    pub throttled_periods: u64,
    pub throttled_seconds: f64,
}

impl Throttling {
    /// Throttling is judged only over this many CFS periods (10 s of running time at the
    /// default 100 ms period): fewer make a share too noisy to mean anything.
    pub const MIN_PERIODS: u64 = 100;
    /// A throttled share of periods at or above this percentage is notable.
    pub const NOTABLE_PERCENT: u64 = 10;

    /// Whether the share of throttled periods is notable: the one threshold the JVM advice's
    /// warning and the `cpu-throttled` finding share.
    pub fn is_notable(&self) -> bool {
        self.periods >= Self::MIN_PERIODS
            && self.throttled_periods.saturating_mul(100)
                >= self.periods.saturating_mul(Self::NOTABLE_PERCENT)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CpuFacts {
    /// Cores: quota / period, the lowest over the cgroup and its ancestors.
    pub limit: Limit<f64>,
    pub host_count: Fact<u32>,
    pub cpuset_count: Fact<u32>,
    /// `min(cpuset_count, ceil(limit))`, as HotSpot, Go and num_cpus round.
    pub effective_count: Fact<u32>,
    /// `min(cpuset_count, floor(limit))`, at least 1, as automaxprocs and Rust's std round.
    pub effective_count_floor: Fact<u32>,
    pub shares: Fact<u64>,
    pub weight: Fact<u64>,
    pub throttling: Fact<Throttling>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemoryFacts {
    pub limit: Limit<u64>,
    pub high: Limit<u64>,
    pub swap_limit: Limit<u64>,
    /// The memory the kernel keeps for the cgroup under pressure (`--memory-reservation`,
    /// Kubernetes MemoryQoS): v1 `memory.soft_limit_in_bytes`, v2 `memory.low`, the process's
    /// own cgroup; unlimited = none set.
    pub reservation: Limit<u64>,
    pub host_total_bytes: Fact<u64>,
    /// The host's swap (`SwapTotal` in `/proc/meminfo`): with none, a swap limit is moot.
    pub host_swap_bytes: Fact<u64>,
    pub usage_bytes: Fact<u64>,
    pub anon_bytes: Fact<u64>,
    pub file_bytes: Fact<u64>,
    pub active_file_bytes: Fact<u64>,
    pub inactive_file_bytes: Fact<u64>,
    pub shmem_bytes: Fact<u64>,
    pub dirty_bytes: Fact<u64>,
    pub writeback_bytes: Fact<u64>,
    /// usage − inactive_file, floor 0: what the kubelet and `kubectl top` call working set.
    pub working_set_bytes: Fact<u64>,
    pub oom_kills: Fact<u64>,
}

impl MemoryFacts {
    /// The usage breakdown fields with their JSON names, in contract order.
    pub fn usage_fields(&self) -> [(&'static str, &Fact<u64>); 9] {
        [
            ("usage_bytes", &self.usage_bytes),
            ("anon_bytes", &self.anon_bytes),
            ("file_bytes", &self.file_bytes),
            ("active_file_bytes", &self.active_file_bytes),
            ("inactive_file_bytes", &self.inactive_file_bytes),
            ("shmem_bytes", &self.shmem_bytes),
            ("dirty_bytes", &self.dirty_bytes),
            ("writeback_bytes", &self.writeback_bytes),
            ("working_set_bytes", &self.working_set_bytes),
        ]
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IdentityFacts {
    pub uid: Fact<u32>,
    pub gid: Fact<u32>,
    pub user: Option<String>,
    pub group: Option<String>,
    /// The uid has a passwd entry (`/etc/passwd`, or nss_wrapper's file); unknown without a
    /// uid or a passwd file to read.
    pub passwd_entry: Fact<bool>,
    /// Where the entry came from: `/etc/passwd`, or the nss_wrapper file, or null.
    pub passwd_source: Option<String>,
    /// The home directory of the passwd entry (what the JVM's `user.home` is), or null.
    pub passwd_home: Option<String>,
    /// Whether the uid may write to that directory (owner and mode bits; a missing one is not
    /// writable); null without an entry.
    pub passwd_home_writable: Fact<bool>,
    pub home: Option<String>,
    /// The uid map is not the identity map; unknown when `/proc/self/uid_map` is unreadable.
    pub user_namespace: Fact<bool>,
    /// The uid outside the user namespace that this uid maps to (equal to `uid` without one).
    pub host_uid: Fact<u32>,
}

impl IdentityFacts {
    /// The uid is known to have a passwd entry.
    pub fn has_passwd_entry(&self) -> bool {
        self.passwd_entry == Fact::Known(true)
    }

    /// The uid is known to have no passwd entry (a passwd file was read).
    pub fn lacks_passwd_entry(&self) -> bool {
        self.passwd_entry == Fact::Known(false)
    }

    /// The process is known to be in a user namespace.
    pub fn in_user_namespace(&self) -> bool {
        self.user_namespace == Fact::Known(true)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NamespaceFact {
    pub inode: Fact<u64>,
    /// This is the host's initial namespace of its type (contract), or why that is unknown.
    pub shared_with_init: Fact<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    Docker,
    Podman,
    Kubernetes,
    Containerd,
    CriO,
    Lxc,
    SystemdNspawn,
}

impl Runtime {
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Docker => "docker",
            Runtime::Podman => "podman",
            Runtime::Kubernetes => "kubernetes",
            Runtime::Containerd => "containerd",
            Runtime::CriO => "cri-o",
            Runtime::Lxc => "lxc",
            Runtime::SystemdNspawn => "systemd-nspawn",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ContainerFacts {
    pub detected: bool,
    pub runtime: Option<Runtime>,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MountKind {
    Loop,
    DeviceMapperOnLoop,
    DeviceMapper,
    Block,
    Tmpfs,
    Overlay,
    Network,
    Other,
}

impl MountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Loop => "loop",
            MountKind::DeviceMapperOnLoop => "device-mapper-on-loop",
            MountKind::DeviceMapper => "device-mapper",
            MountKind::Block => "block",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Overlay => "overlay",
            MountKind::Network => "network",
            MountKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MountFact {
    /// The data directory as given (before symbolic links were resolved).
    pub path: String,
    /// Why it was inspected: `cwd`, `tmpdir`, `spark-local-dir`, `java.io.tmpdir`, `--path`.
    pub role: String,
    pub mount_point: String,
    pub fs_type: String,
    pub source: String,
    pub device: String,
    pub kind: MountKind,
    pub backing_file: Option<String>,
    pub read_only: bool,
    /// The block device under the mount (`loop0`, `dm-3`, `nvme0n1p2`), when there is one.
    pub block_device: Option<String>,
    /// Device-mapper name (`docker-253:0-...-pool`), for `dm-N` devices.
    pub dm_name: Option<String>,
    /// Loop devices only: direct I/O on (`false` = every page is cached twice).
    pub loop_direct_io: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Seccomp {
    Disabled,
    Strict,
    Filter,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityFacts {
    pub capabilities: Fact<Vec<String>>,
    pub seccomp: Option<Seccomp>,
    pub no_new_privs: Option<bool>,
    pub lsm: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostFacts {
    /// The hypervisor's name, `"unknown"` when virtualised by an unnamed one, null on bare metal.
    pub hypervisor: Fact<String>,
}

/// Pressure stall information (PSI): how much of the time tasks waited for CPU, memory or I/O.
#[derive(Debug, Clone, Serialize)]
pub struct PressureFacts {
    /// The process's cgroup (cgroup v2 `cpu.pressure`, `memory.pressure`, `io.pressure`).
    pub cgroup: PressureSet,
    /// The whole machine (`/proc/pressure/*`).
    pub host: PressureSet,
}

impl PressureFacts {
    /// `(json path, reason)` for every pressure value that is null.
    pub fn unknowns(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (scope, set) in [("cgroup", &self.cgroup), ("host", &self.host)] {
            for (res, f) in set.resources() {
                match f {
                    Fact::Known(p) => {
                        if let Some(r) = p.full.unknown_reason() {
                            out.push((format!("pressure.{scope}.{res}.full"), r.to_owned()));
                        }
                    }
                    Fact::Unknown(r) => out.push((format!("pressure.{scope}.{res}"), r.clone())),
                    Fact::NotApplicable => {}
                }
            }
        }
        out
    }
}

/// The three pressure files of one scope.
#[derive(Debug, Clone, Serialize)]
pub struct PressureSet {
    /// The directory the files were read from, or null when there is none.
    pub dir: Option<String>,
    pub cpu: Fact<Pressure>,
    pub memory: Fact<Pressure>,
    pub io: Fact<Pressure>,
}

impl PressureSet {
    /// All three not applicable (a workload described by a file has no counters).
    pub fn not_applicable() -> Self {
        PressureSet {
            dir: None,
            cpu: Fact::NotApplicable,
            memory: Fact::NotApplicable,
            io: Fact::NotApplicable,
        }
    }

    /// All three unknown for one reason.
    pub fn unknown(reason: &str) -> Self {
        PressureSet {
            dir: None,
            cpu: Fact::Unknown(reason.to_owned()),
            memory: Fact::Unknown(reason.to_owned()),
            io: Fact::Unknown(reason.to_owned()),
        }
    }

    pub fn resources(&self) -> [(&'static str, &Fact<Pressure>); 3] {
        [
            ("cpu", &self.cpu),
            ("memory", &self.memory),
            ("io", &self.io),
        ]
    }
}

/// One pressure file: `some` (at least one task stalled) and `full` (all non-idle tasks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pressure {
    pub some: PressureLine,
    /// Unknown for cpu on kernels before 5.13, which print no `full` line.
    pub full: Fact<PressureLine>,
}

/// Percentages of wall time stalled over 10, 60 and 300 s, and the stalled time since the
/// cgroup was created (or the machine booted) in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PressureLine {
    pub avg10: f64,
    pub avg60: f64,
    pub avg300: f64,
    pub total_us: u64,
}

/// What changed between two readings `seconds` apart (`--interval`): rates now, not totals
/// since the cgroup was created. Computed by [`crate::interval::rates`].
#[derive(Debug, Clone, Serialize)]
pub struct IntervalFacts {
    /// Wall time between the two readings.
    pub seconds: f64,
    pub cpu_throttling: Fact<IntervalThrottling>,
    pub memory: IntervalMemory,
    pub pressure: IntervalPressure,
    /// One entry per JVM of the second reading (`java_processes`), by pid.
    pub java_processes: Vec<IntervalJvm>,
}

/// A running JVM's counters over the interval.
#[derive(Debug, Clone, Serialize)]
pub struct IntervalJvm {
    pub pid: u32,
    /// Collections during the interval.
    pub gc_count: Fact<u64>,
    /// Time in GC pauses during the interval.
    pub gc_time_seconds: Fact<f64>,
    /// gc_time_seconds / the interval, 0 to 1: the share of wall time in GC pauses now.
    pub gc_share: Fact<f64>,
    /// Resident memory at the second reading minus the first.
    pub rss_delta_bytes: Fact<i64>,
}

impl IntervalFacts {
    pub fn unknowns(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut push = |name: String, r: Option<&str>| {
            if let Some(r) = r {
                out.push((format!("interval.{name}"), r.to_owned()));
            }
        };
        push(
            "cpu_throttling".into(),
            self.cpu_throttling.unknown_reason(),
        );
        let m = &self.memory;
        push(
            "memory.usage_delta_bytes".into(),
            m.usage_delta_bytes.unknown_reason(),
        );
        push(
            "memory.usage_bytes_per_second".into(),
            m.usage_bytes_per_second.unknown_reason(),
        );
        push(
            "memory.working_set_delta_bytes".into(),
            m.working_set_delta_bytes.unknown_reason(),
        );
        push("memory.oom_kills".into(), m.oom_kills.unknown_reason());
        for (i, j) in self.java_processes.iter().enumerate() {
            let p = format!("java_processes[{i}]");
            push(format!("{p}.gc_count"), j.gc_count.unknown_reason());
            push(
                format!("{p}.gc_time_seconds"),
                j.gc_time_seconds.unknown_reason(),
            );
            push(format!("{p}.gc_share"), j.gc_share.unknown_reason());
            push(
                format!("{p}.rss_delta_bytes"),
                j.rss_delta_bytes.unknown_reason(),
            );
        }
        for (scope, set) in [
            ("cgroup", &self.pressure.cgroup),
            ("host", &self.pressure.host),
        ] {
            for (res, f) in set.resources() {
                match f {
                    Fact::Known(s) => push(
                        format!("pressure.{scope}.{res}.full"),
                        s.full.unknown_reason(),
                    ),
                    _ => push(format!("pressure.{scope}.{res}"), f.unknown_reason()),
                }
            }
        }
        out
    }
}

/// `cpu.stat` deltas over the interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntervalThrottling {
    pub periods: u64,
    pub throttled_periods: u64,
    pub throttled_seconds: f64,
    /// throttled_periods / periods, 0 to 1 (0 when no period elapsed).
    pub throttled_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntervalMemory {
    /// Usage at the second reading minus usage at the first (negative when it shrank).
    pub usage_delta_bytes: Fact<i64>,
    pub usage_bytes_per_second: Fact<f64>,
    pub working_set_delta_bytes: Fact<i64>,
    /// OOM kills during the interval.
    pub oom_kills: Fact<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntervalPressure {
    pub cgroup: IntervalPressureSet,
    pub host: IntervalPressureSet,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntervalPressureSet {
    pub cpu: Fact<IntervalStall>,
    pub memory: Fact<IntervalStall>,
    pub io: Fact<IntervalStall>,
}

impl IntervalPressureSet {
    pub fn resources(&self) -> [(&'static str, &Fact<IntervalStall>); 3] {
        [
            ("cpu", &self.cpu),
            ("memory", &self.memory),
            ("io", &self.io),
        ]
    }
}

/// Stalled time over the interval, from the `total` counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalStall {
    pub some: StallDelta,
    pub full: Fact<StallDelta>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StallDelta {
    pub stalled_seconds: f64,
    /// stalled_seconds / the interval, 0 to 1: the exact average over the interval.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct JavaFacts {
    /// The `java` found (`$JAVA_HOME/bin/java` or the first on `PATH`), or null when assumed.
    pub path: Option<String>,
    pub home: Option<String>,
    pub version: Option<String>,
    pub vendor: Option<String>,
    pub runtime_version: Option<String>,
    /// How the version was learned: `release file`, `--assume jdk=...`.
    pub version_source: String,
}

/// One running JVM (contract: "Running JVMs"). Counters are as the JVM last published them;
/// a value that cannot be read is unknown with the reason (listed in `diagnostics`).
#[derive(Debug, Clone, Serialize)]
pub struct JavaProcess {
    /// The process id in the pid namespace ctune looks from.
    pub pid: u32,
    pub uid: Fact<u32>,
    /// The launcher and the main class or jar (no other arguments).
    pub command: Fact<String>,
    pub version: Fact<String>,
    /// The JVM's own arguments (secret-looking `-D` values redacted).
    pub flags: Fact<Vec<String>>,
    pub max_heap_bytes: Fact<u64>,
    pub heap_committed_bytes: Fact<u64>,
    pub heap_used_bytes: Fact<u64>,
    pub metaspace_used_bytes: Fact<u64>,
    pub metaspace_committed_bytes: Fact<u64>,
    /// Live Java threads.
    pub threads: Fact<u64>,
    pub gc: Fact<crate::jvm::version::Gc>,
    /// Collections (pauses) since start, over all collectors.
    pub gc_count: Fact<u64>,
    /// Time in collection pauses since start.
    pub gc_time_seconds: Fact<f64>,
    pub uptime_seconds: Fact<f64>,
    /// Resident memory (`VmRSS`).
    pub rss_bytes: Fact<u64>,
    /// The perf-data file read, as seen inside the inspected system.
    pub source: Option<String>,
    /// The process id inside its own pid namespace (the perf-data file's name).
    #[serde(skip)]
    pub ns_pid: Option<u32>,
    /// Whether the process is in the same cgroup as the inspected process (`/proc/PID/cgroup`
    /// equals `/proc/self/cgroup`), whose limits the findings judge it against. None: unknown.
    #[serde(skip)]
    pub same_cgroup: Option<bool>,
}

impl JavaProcess {
    /// A process with nothing read yet: every value unknown for `reason`.
    pub fn unread(pid: u32, reason: &str) -> JavaProcess {
        fn u<T>(r: &str) -> Fact<T> {
            Fact::Unknown(r.to_owned())
        }
        JavaProcess {
            pid,
            uid: u(reason),
            command: u(reason),
            version: u(reason),
            flags: u(reason),
            max_heap_bytes: u(reason),
            heap_committed_bytes: u(reason),
            heap_used_bytes: u(reason),
            metaspace_used_bytes: u(reason),
            metaspace_committed_bytes: u(reason),
            threads: u(reason),
            gc: u(reason),
            gc_count: u(reason),
            gc_time_seconds: u(reason),
            uptime_seconds: u(reason),
            rss_bytes: u(reason),
            source: None,
            ns_pid: None,
            same_cgroup: None,
        }
    }

    /// `(field, reason)` for every unknown value.
    pub fn unknowns(&self) -> Vec<(&'static str, String)> {
        let fields: [(&'static str, Option<&str>); 16] = [
            ("uid", self.uid.unknown_reason()),
            ("command", self.command.unknown_reason()),
            ("version", self.version.unknown_reason()),
            ("flags", self.flags.unknown_reason()),
            ("max_heap_bytes", self.max_heap_bytes.unknown_reason()),
            (
                "heap_committed_bytes",
                self.heap_committed_bytes.unknown_reason(),
            ),
            ("heap_used_bytes", self.heap_used_bytes.unknown_reason()),
            (
                "metaspace_used_bytes",
                self.metaspace_used_bytes.unknown_reason(),
            ),
            (
                "metaspace_committed_bytes",
                self.metaspace_committed_bytes.unknown_reason(),
            ),
            ("threads", self.threads.unknown_reason()),
            ("gc", self.gc.unknown_reason()),
            ("gc_count", self.gc_count.unknown_reason()),
            ("gc_time_seconds", self.gc_time_seconds.unknown_reason()),
            ("uptime_seconds", self.uptime_seconds.unknown_reason()),
            ("rss_bytes", self.rss_bytes.unknown_reason()),
            ("source", None),
        ];
        fields
            .into_iter()
            .filter_map(|(f, r)| r.map(|r| (f, r.to_owned())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::probe::{collect, reader::Root, Options};
    use std::fs;
    use std::os::unix::fs::symlink;

    #[test]
    fn every_null_identity_and_namespace_value_has_a_diagnostic() {
        let d = std::env::temp_dir().join(format!("ctune-facts-diag-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("proc/self/ns")).unwrap();
        fs::write(
            d.join("proc/self/status"),
            "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
        )
        .unwrap();
        fs::write(d.join("proc/self/uid_map"), "0 0 4294967295x\n").unwrap();
        symlink("pid:garbage", d.join("proc/self/ns/pid")).unwrap();
        let facts = collect(&Root::at(&d), &Options::default());
        let diag = facts.unknowns();
        let reason = |field: &str| {
            diag.iter()
                .find(|(f, _)| f == field)
                .map(|(_, r)| r.clone())
                .unwrap_or_else(|| panic!("no diagnostic for {field}: {diag:?}"))
        };
        assert!(reason("identity.host_uid").contains("uid_map"));
        assert!(reason("namespaces.pid.inode").contains("pid:garbage"));
        fs::remove_dir_all(&d).unwrap();
    }
}
