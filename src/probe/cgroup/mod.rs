//! cgroup limits and counters for CPU and memory.
//!
//! [`layout`] finds the process's directory in each hierarchy; [`v1`] and [`v2`] know the file
//! names and formats of their version and implement the same [`Files`] trait, so they stay
//! parallel; this module walks from the process's cgroup up to the mount point and combines the
//! levels into one [`Limit`], remembering which file imposed it.

pub mod layout;
pub mod v1;
pub mod v2;

use crate::facts::{CgroupVersion, Fact, Limit, Throttling};
use crate::parse::{cpulist, keyed::Keyed, parse_u64};
use crate::probe::reader::{ReadError, Root};
use crate::probe::NOT_PROBED;
pub use layout::{Hierarchy, Layout, Resolution};

/// Memory counters of the process's cgroup (its subtree).
#[derive(Debug, Clone)]
pub struct MemoryStats {
    pub usage: Fact<u64>,
    pub anon: Fact<u64>,
    pub file: Fact<u64>,
    pub active_file: Fact<u64>,
    pub inactive_file: Fact<u64>,
    pub shmem: Fact<u64>,
    pub dirty: Fact<u64>,
    pub writeback: Fact<u64>,
    /// A limit the kernel computed over every ancestor, hidden ones included (v1's
    /// `hierarchical_memory_limit`); `None` where the version has no such thing.
    pub hierarchical_limit: Option<Limit<u64>>,
    /// The same for memory + swap (v1's `hierarchical_memsw_limit`, with swap accounting on).
    pub hierarchical_memsw_limit: Option<Limit<u64>>,
}

impl MemoryStats {
    /// Every counter the same (unknown for a reason, or not applicable), no hierarchical limit.
    fn all(f: impl Fn() -> Fact<u64>) -> MemoryStats {
        MemoryStats {
            usage: f(),
            anon: f(),
            file: f(),
            active_file: f(),
            inactive_file: f(),
            shmem: f(),
            dirty: f(),
            writeback: f(),
            hierarchical_limit: None,
            hierarchical_memsw_limit: None,
        }
    }
}

/// The files of one cgroup version. Each `*_at` reads one level and returns `None` when that
/// level has no such file (a v2 level whose parent did not enable the controller, or the root).
pub trait Files {
    const VERSION: CgroupVersion;
    fn cpu_limit_at(root: &Root, dir: &str) -> Option<Limit<f64>>;
    fn memory_limit_at(root: &Root, dir: &str, host_total: Option<u64>) -> Option<Limit<u64>>;
    fn memory_high_at(root: &Root, dir: &str, host_total: Option<u64>) -> Option<Limit<u64>>;
    fn swap_limit_at(root: &Root, dir: &str, host_total: Option<u64>) -> Option<Limit<u64>>;
    /// The memory reservation of the process's own cgroup (v1 soft limit, v2 `memory.low`).
    fn reservation(root: &Root, leaf: &str, host_total: Option<u64>) -> Limit<u64>;
    /// `(shares, weight)`: v1 has shares, v2 weight; the other is not applicable.
    fn cpu_share(root: &Root, leaf: &str) -> (Fact<u64>, Fact<u64>);
    fn throttling(root: &Root, leaf: &str) -> Fact<Throttling>;
    fn cpuset_count(root: &Root, leaf: &str) -> Fact<u32>;
    fn memory_stats(root: &Root, leaf: &str, host_total: Option<u64>) -> MemoryStats;
    /// The kernel's own minimum of the memory limit over every ancestor, where the version has
    /// one (v1's `hierarchical_memory_limit`): the part of `memory_stats` a lean probe needs.
    fn hierarchical_memory_limit(
        root: &Root,
        leaf: &str,
        host_total: Option<u64>,
    ) -> Option<Limit<u64>>;
    fn oom_kills(root: &Root, leaf: &str) -> Fact<u64>;
}

/// CPU facts from the cgroup.
#[derive(Debug, Clone)]
pub struct CgroupCpu {
    pub limit: Limit<f64>,
    /// The mount point's CPU limit when the process's path could not be placed under the
    /// mount (the limit is then unknown): what HotSpot reads instead.
    pub mount_point_fallback: Option<f64>,
    pub shares: Fact<u64>,
    pub weight: Fact<u64>,
    pub throttling: Fact<Throttling>,
}

/// Memory facts from the cgroup.
#[derive(Debug, Clone)]
pub struct CgroupMemory {
    pub limit: Limit<u64>,
    /// As [`CgroupCpu::mount_point_fallback`], for memory.
    pub mount_point_fallback: Option<u64>,
    pub high: Limit<u64>,
    pub swap_limit: Limit<u64>,
    pub reservation: Limit<u64>,
    pub stats: MemoryStats,
    pub oom_kills: Fact<u64>,
    /// The ancestor whose counters `stats` and `oom_kills` are, when the process's own cgroup
    /// has none (a v2 cgroup whose parent did not enable the memory controller for it).
    pub counters_from: Option<String>,
}

/// CPU limit, shares/weight and (unless `lean`) throttling counters.
pub fn read_cpu(root: &Root, h: &Hierarchy, lean: bool) -> CgroupCpu {
    match h.version {
        CgroupVersion::V1 => cpu::<v1::V1>(root, h, lean),
        _ => cpu::<v2::V2>(root, h, lean),
    }
}

/// Memory limit and (unless `lean`) `memory.high`, swap, usage counters and OOM kills.
pub fn read_memory(
    root: &Root,
    h: &Hierarchy,
    host_total: Option<u64>,
    lean: bool,
) -> CgroupMemory {
    match h.version {
        CgroupVersion::V1 => memory::<v1::V1>(root, h, host_total, lean),
        _ => memory::<v2::V2>(root, h, host_total, lean),
    }
}

pub fn read_cpuset_count(root: &Root, h: &Hierarchy) -> Fact<u32> {
    match h.version {
        CgroupVersion::V1 => v1::V1::cpuset_count(root, &h.leaf),
        _ => v2::V2::cpuset_count(root, &h.leaf),
    }
}

/// The leaf directory must exist, or every "no such file" below would read as "no limit".
fn missing_leaf(root: &Root, h: &Hierarchy) -> Option<String> {
    (!root.exists(&h.leaf)).then(|| {
        format!(
            "{}: cgroup directory does not exist (cgroup path {})",
            h.leaf,
            h.cgroup_path.as_deref().unwrap_or("unknown")
        )
    })
}

fn cpu<F: Files>(root: &Root, h: &Hierarchy, lean: bool) -> CgroupCpu {
    if let Some(r) = missing_leaf(root, h) {
        return CgroupCpu {
            limit: Limit::unknown(r.clone()),
            mount_point_fallback: None,
            shares: Fact::Unknown(r.clone()),
            weight: Fact::Unknown(r.clone()),
            throttling: Fact::Unknown(r),
        };
    }
    let levels = h.levels();
    let (limit, mount_point_fallback) =
        walk_with_fallback(&levels, |d| F::cpu_limit_at(root, d), h, "cpu", "CPU quota");
    let limit = mark_hidden(limit, root, h, &levels);
    let (shares, weight) = F::cpu_share(root, &h.leaf);
    CgroupCpu {
        limit,
        mount_point_fallback,
        shares,
        weight,
        throttling: if lean {
            Fact::Unknown(NOT_PROBED.into())
        } else {
            F::throttling(root, &h.leaf)
        },
    }
}

fn memory<F: Files>(
    root: &Root,
    h: &Hierarchy,
    host_total: Option<u64>,
    lean: bool,
) -> CgroupMemory {
    if let Some(r) = missing_leaf(root, h) {
        return CgroupMemory {
            limit: Limit::unknown(r.clone()),
            mount_point_fallback: None,
            high: Limit::unknown(r.clone()),
            swap_limit: Limit::unknown(r.clone()),
            reservation: Limit::unknown(r.clone()),
            stats: MemoryStats::all(|| Fact::Unknown(r.clone())),
            oom_kills: Fact::Unknown(r),
            counters_from: None,
        };
    }
    let levels = h.levels();
    // A lean probe still reads v1's hierarchical_memory_limit: the kernel's minimum over
    // ancestors the walk cannot see.
    let stats = if lean {
        MemoryStats {
            hierarchical_limit: F::hierarchical_memory_limit(root, &h.leaf, host_total),
            ..MemoryStats::all(|| Fact::Unknown(NOT_PROBED.into()))
        }
    } else {
        F::memory_stats(root, &h.leaf, host_total)
    };
    // Only a v2 leaf without counters costs the look upwards.
    let undelegated = match (&stats.usage, F::VERSION, lean) {
        (Fact::Unknown(_), CgroupVersion::V2, false) => undelegated_counters(root, &levels),
        _ => None,
    };
    let (stats, counters_from) = match undelegated {
        Some(dir) => (F::memory_stats(root, &dir, host_total), Some(dir)),
        None => (stats, None),
    };
    let (mut limit, mount_point_fallback) = walk_with_fallback(
        &levels,
        |d| F::memory_limit_at(root, d, host_total),
        h,
        "memory",
        "memory limit",
    );
    if let Some(hidden @ Limit::Limited { value, .. }) = &stats.hierarchical_limit {
        // The kernel's own minimum over all ancestors, including levels above the mount.
        // Only a strictly lower value says something the walk did not: it was set above the
        // levels visible here.
        if limit.value().is_none_or(|v| *value < v) && !matches!(limit, Limit::Unknown { .. }) {
            limit = match hidden.clone() {
                Limit::Limited { value, source, .. } => Limit::Limited {
                    value,
                    source,
                    inherited: true,
                    own: limit.own_value(),
                    note: Some("set on an ancestor cgroup that is not visible here; the kernel reports it as hierarchical_memory_limit".into()),
                },
                other => other,
            };
        }
    }
    // v1's hierarchical_memory_limit covers every ancestor: "unlimited" there is the truth.
    if !matches!(stats.hierarchical_limit, Some(Limit::Unlimited { .. })) {
        limit = mark_hidden(limit, root, h, &levels);
    }
    if lean {
        return CgroupMemory {
            mount_point_fallback,
            high: Limit::unknown(NOT_PROBED),
            swap_limit: Limit::unknown(NOT_PROBED),
            reservation: Limit::unknown(NOT_PROBED),
            limit,
            oom_kills: Fact::Unknown(NOT_PROBED.into()),
            stats,
            counters_from,
        };
    }
    CgroupMemory {
        mount_point_fallback,
        high: if F::VERSION == CgroupVersion::V1 {
            Limit::unlimited("cgroup v1 has no memory.high")
        } else {
            let walked = walk(
                &levels,
                |d| F::memory_high_at(root, d, host_total),
                h,
                "memory",
                "memory.high",
            );
            // v2 has no hierarchical counterpart: a hidden ancestor may throttle at its high.
            mark_hidden(walked, root, h, &levels)
        },
        swap_limit: swap_limit::<F>(root, h, &levels, host_total, &limit, &stats),
        reservation: F::reservation(root, &h.leaf, host_total),
        limit,
        // An ancestor's OOM kills may be a sibling's: not this process's cgroup's to claim.
        oom_kills: match &counters_from {
            None => F::oom_kills(root, &h.leaf),
            Some(dir) => Fact::Unknown(format!(
                "{} has no memory.events (the memory controller is not enabled for it); {dir}'s counts kills in every cgroup below it",
                h.leaf
            )),
        },
        stats,
        counters_from,
    }
}

/// The swap limit over the levels visible, or v1's `hierarchical_memsw_limit` (memory + swap
/// over every ancestor, hidden ones included) less the memory limit when that is lower.
fn swap_limit<F: Files>(
    root: &Root,
    h: &Hierarchy,
    levels: &[String],
    host_total: Option<u64>,
    memory: &Limit<u64>,
    stats: &MemoryStats,
) -> Limit<u64> {
    let walked = walk(
        levels,
        |d| F::swap_limit_at(root, d, host_total),
        h,
        "memory",
        "swap limit",
    );
    let hidden_memsw = match (&stats.hierarchical_memsw_limit, memory.value()) {
        (Some(Limit::Limited { value, source, .. }), Some(m)) => {
            Some((value.saturating_sub(m), source.clone()))
        }
        _ => None,
    };
    match (hidden_memsw, &walked) {
        (Some((swap, source)), Limit::Limited { value, .. }) if swap < *value => Limit::Limited {
            value: swap,
            source,
            inherited: true,
            own: None,
            note: Some("memory + swap is limited on an ancestor cgroup that is not visible here; the kernel reports it as hierarchical_memsw_limit".into()),
        },
        (Some((swap, source)), Limit::Unlimited { .. }) => Limit::Limited {
            value: swap,
            source,
            inherited: true,
            own: None,
            note: Some("memory + swap is limited on an ancestor cgroup that is not visible here; the kernel reports it as hierarchical_memsw_limit".into()),
        },
        (None, Limit::Unlimited { .. })
            if !matches!(stats.hierarchical_memsw_limit, Some(Limit::Unlimited { .. })) =>
        {
            mark_hidden(walked, root, h, levels)
        }
        _ => walked,
    }
}

/// "Unlimited" as far as the levels read go, marked when the levels above the highest one read
/// are not visible (see [`ancestors_hidden`]).
fn mark_hidden<T: Copy>(
    limit: Limit<T>,
    root: &Root,
    h: &Hierarchy,
    levels: &[String],
) -> Limit<T> {
    match limit {
        Limit::Unlimited { why, hidden: None } if ancestors_hidden(root, h) => Limit::Unlimited {
            why,
            hidden: Some(crate::facts::HiddenAncestors {
                ancestors_visible: false,
                highest_level: levels.last().cloned().unwrap_or_else(|| h.leaf.clone()),
            }),
        },
        other => other,
    }
}

/// The kernel's fixed inode of the initial cgroup namespace (`PROC_CGROUP_INIT_INO`).
const INITIAL_CGROUP_NS: &str = "cgroup:[4026531835]";

/// Whether the levels above the mount point are hidden from this process: the mount shows a
/// cgroup below its hierarchy's root (v1 without a cgroup namespace: ROOT `/docker/<id>`), the
/// process is in a cgroup namespace of its own (its root is all the mount shows), or (v2) the
/// mount point has `cgroup.events`, which only a non-root cgroup has. Read only for a limit that
/// is otherwise unlimited.
fn ancestors_hidden(root: &Root, h: &Hierarchy) -> bool {
    if h.mount_root != "/" {
        return true;
    }
    let top = h.mount_point.trim_end_matches('/');
    if h.version == CgroupVersion::V2 && root.exists(&format!("{top}/cgroup.events")) {
        return true;
    }
    root.read_link("/proc/self/ns/cgroup")
        .is_ok_and(|l| l.starts_with("cgroup:[") && l != INITIAL_CGROUP_NS)
}

/// Where the memory counters are when the process's own cgroup has none: the nearest
/// ancestor that has `memory.current`. On v2 a cgroup whose parent did not enable the memory
/// controller in `cgroup.subtree_control` has no memory files; its pages are charged to that
/// nearest ancestor, whose counters then include the process's (and its siblings'). `None`
/// when the leaf has the file (its counters are unknown for another reason), or no level does.
fn undelegated_counters(root: &Root, levels: &[String]) -> Option<String> {
    let (leaf, ancestors) = levels.split_first()?;
    if read_at(root, leaf, "memory.current").is_some() {
        return None;
    }
    ancestors
        .iter()
        .find(|d| read_at(root, d, "memory.current").is_some())
        .cloned()
}

/// Combine the levels from leaf to mount point: the lowest limit wins and keeps its file; an
/// unreadable level with no limit elsewhere makes the result unknown (never unlimited).
///
/// Where the process's path could not be placed under the mount's root (above it, a sibling,
/// elsewhere), the mount point's cgroup does not bind the process: its limit is not the
/// process's, so the result is unknown, and that limit comes back separately as the value
/// HotSpot falls back to (it reads the mount point in that case).
fn walk<T: Copy + PartialOrd + std::fmt::Display>(
    levels: &[String],
    at: impl FnMut(&str) -> Option<Limit<T>>,
    h: &Hierarchy,
    controller: &str,
    what: &str,
) -> Limit<T> {
    walk_with_fallback(levels, at, h, controller, what).0
}

/// [`walk`], and the mount point's limit when the path was untranslatable.
fn walk_with_fallback<T: Copy + PartialOrd + std::fmt::Display>(
    levels: &[String],
    mut at: impl FnMut(&str) -> Option<Limit<T>>,
    h: &Hierarchy,
    controller: &str,
    what: &str,
) -> (Limit<T>, Option<T>) {
    let mut best: Option<(T, String, bool)> = None;
    // The process's own level's limit, kept when an ancestor's is stricter.
    let mut own: Option<T> = None;
    let mut unknown: Option<String> = None;
    let mut unlimited: Option<String> = None;
    let mut any_file = false;
    for (i, dir) in levels.iter().enumerate() {
        match at(dir) {
            None => {}
            Some(Limit::Limited { value, source, .. }) => {
                any_file = true;
                if i == 0 {
                    own = Some(value);
                }
                if best.as_ref().is_none_or(|b| value < b.0) {
                    best = Some((value, source, i > 0));
                }
            }
            Some(Limit::Unlimited { why, .. }) => {
                any_file = true;
                unlimited.get_or_insert(why);
            }
            Some(Limit::Unknown { reason }) => {
                any_file = true;
                unknown.get_or_insert(reason);
            }
        }
    }
    let top = levels.last().map(String::as_str).unwrap_or("");
    // The process's own directory could not be located (domain guide, path cases 4 and 5):
    // the levels read are the mount point's, so "no limit there" says nothing about the
    // process's cgroup, which may set one.
    let not_visible = match h.resolution {
        Resolution::OutsideNamespace => Some(
            "the cgroup file system was mounted outside this cgroup namespace ('..' in its root or the cgroup path)",
        ),
        Resolution::Untranslated if h.cgroup_path.is_none() => {
            Some("/proc/self/cgroup has no line for it")
        }
        Resolution::Untranslated => Some("the cgroup path is not below the mount's root"),
        Resolution::Direct | Resolution::UnderMountRoot | Resolution::NamespaceRootFound => None,
    };
    if let (Resolution::Untranslated, Some((value, source, _))) = (h.resolution, &best) {
        if h.cgroup_path.is_some() {
            return (
                Limit::unknown(format!(
                    "the cgroup path {} is not below the mount's root {}, so the process's own {controller} cgroup is not visible; {source} ({value}) belongs to another cgroup and does not bind this process",
                    h.cgroup_path.as_deref().unwrap_or(""),
                    h.mount_root
                )),
                Some(*value),
            );
        }
    }
    let limit = match (best, unknown, unlimited) {
        (Some((value, source, inherited)), unknown, _) => Limit::Limited {
            value,
            source,
            inherited,
            own: own.filter(|_| inherited),
            note: unknown
                .map(|r| format!("another level could not be read and may be stricter: {r}"))
                .or_else(|| {
                    not_visible.map(|why| {
                        format!("the process's own {controller} cgroup is not visible ({why}); it may be stricter")
                    })
                }),
        },
        (None, Some(reason), _) => Limit::Unknown { reason },
        (None, None, _) if not_visible.is_some() => Limit::unknown(format!(
            "the process's own {controller} cgroup is not visible: {}; {top}, read instead, sets no {what}",
            not_visible.unwrap_or("")
        )),
        (None, None, Some(why)) => {
            let above = if h.mount_root != "/" || h.resolution == Resolution::OutsideNamespace {
                format!("; levels above {top} are not visible from here")
            } else {
                String::new()
            };
            Limit::unlimited(format!("{why} at every level up to {top}{above}"))
        }
        (None, None, None) if h.version == CgroupVersion::V2 || !any_file => {
            if h.version == CgroupVersion::V2 {
                Limit::unlimited(format!("the {controller} controller is not enabled for this cgroup (no {what} file from {} to {top})", levels[0]))
            } else {
                Limit::unknown(format!("no {what} file in {} or its parents", levels[0]))
            }
        }
        (None, None, None) => Limit::unknown(format!("no {what} could be read")),
    };
    (limit, None)
}

/// Bare `unshare --cgroup` on v2 (domain guide, path case 5): `/proc/self/cgroup` says `0::/`
/// (or a path below the namespace root), the cgroup2 mount made outside the namespace shows
/// ROOT `/..` with one `..` per level the namespace root lies below the mount point. Look at
/// the directories that deep for the one where the process's cgroup (the path under the
/// namespace root) lists `pid` in `cgroup.procs`; when exactly one does, that is the process's
/// cgroup and every level above it up to the mount point is an ancestor that binds it.
/// Only v2 and only a ROOT made of `..` alone; at most `limit` directories looked at
/// ([`NS_SEARCH_LIMIT`], or [`LEAN_NS_SEARCH_LIMIT`] on exec's start-up path).
pub fn find_namespace_root(root: &Root, h: &mut Hierarchy, pid: Option<u32>, limit: usize) {
    if h.version != CgroupVersion::V2 || h.resolution != Resolution::OutsideNamespace {
        return;
    }
    let ups: Vec<&str> = h.mount_root.split('/').filter(|c| !c.is_empty()).collect();
    let (Some(path), Some(pid)) = (h.cgroup_path.as_deref(), pid) else {
        return;
    };
    if ups.is_empty() || ups.iter().any(|c| *c != "..") || path.split('/').any(|c| c == "..") {
        return;
    }
    let mount = h.mount_point.trim_end_matches('/').to_owned();
    let mut frontier = vec![mount];
    let mut looked = 0;
    for _ in 0..ups.len() {
        let mut next = Vec::new();
        for d in &frontier {
            for name in root.read_dir(d).unwrap_or_default() {
                let child = format!("{d}/{name}");
                looked += 1;
                if looked > limit {
                    return;
                }
                if root.is_file(&format!("{child}/cgroup.procs")) {
                    next.push(child);
                }
            }
        }
        frontier = next;
    }
    let rest = path.trim_matches('/');
    let pid = pid.to_string();
    let found: Vec<String> = frontier
        .into_iter()
        .map(|d| {
            if rest.is_empty() {
                d
            } else {
                format!("{d}/{rest}")
            }
        })
        .filter(|leaf| {
            root.read_string(&format!("{leaf}/cgroup.procs"))
                .is_ok_and(|t| t.lines().any(|l| l.trim() == pid))
        })
        .collect();
    if let [leaf] = found.as_slice() {
        h.leaf = leaf.clone();
        h.resolution = Resolution::NamespaceRootFound;
    }
}

/// How many directories [`find_namespace_root`] looks at before it gives up.
pub const NS_SEARCH_LIMIT: usize = 4096;

/// The same for `ctune exec`, which runs at every container start: a few directories cost
/// microseconds; past them the limit stays unknown and the command runs untuned.
pub const LEAN_NS_SEARCH_LIMIT: usize = 64;

/// Read a file at one level: `None` when it does not exist, `Some(Err)` when it cannot be read.
pub(crate) fn read_at(
    root: &Root,
    dir: &str,
    file: &str,
) -> Option<Result<(String, String), ReadError>> {
    let path = format!("{}/{}", dir.trim_end_matches('/'), file);
    match root.read_string(&path) {
        Ok(t) => Some(Ok((path, t))),
        Err(e) if e.is_not_found() => None,
        Err(e) => Some(Err(e)),
    }
}

/// Read one level's file and turn it into a limit with `parse`.
pub(crate) fn limit_at<T: Copy>(
    root: &Root,
    dir: &str,
    file: &str,
    parse: impl FnOnce(&str, &str) -> Limit<T>,
) -> Option<Limit<T>> {
    Some(match read_at(root, dir, file)? {
        Ok((path, text)) => parse(&path, &text),
        Err(e) => Limit::unknown(e.to_string()),
    })
}

/// A byte limit: `max`, the v1 sentinel and anything at or above host RAM mean no limit.
pub(crate) fn byte_limit(path: &str, text: &str, host_total: Option<u64>) -> Limit<u64> {
    use crate::parse::cgroup_values::{u64_or_max, MaxValue, V1_UNLIMITED_MIN};
    match u64_or_max(text) {
        Err(e) => Limit::unknown(format!("{path}: {e}")),
        Ok(MaxValue::Max) => Limit::unlimited(format!("{path} is 'max'")),
        Ok(MaxValue::Value(v)) if v >= V1_UNLIMITED_MIN => {
            Limit::unlimited(format!("{path} holds the v1 'no limit' value {v}"))
        }
        Ok(MaxValue::Value(v)) => match host_total {
            Some(ram) if v >= ram => Limit::unlimited(format!(
                "{path} = {v} is at or above host RAM ({ram} bytes)"
            )),
            _ => Limit::limited(v, path),
        },
    }
}

/// Read a keyed stat file of the leaf; the error says which file.
pub(crate) fn stat_file(root: &Root, leaf: &str, file: &str) -> Result<(String, String), String> {
    let path = format!("{}/{}", leaf.trim_end_matches('/'), file);
    root.read_string(&path)
        .map(|t| (path, t))
        .map_err(|e| e.to_string())
}

/// `cpu.stat` throttling counters of the leaf. The period keys are the same on v1 and v2; the
/// time is `throttled_time` in nanoseconds on v1 and `throttled_usec` in microseconds on v2.
pub(crate) fn throttling(
    root: &Root,
    leaf: &str,
    time_key: &str,
    per_second: f64,
) -> Fact<Throttling> {
    let (path, text) = match stat_file(root, leaf, "cpu.stat") {
        Ok(x) => x,
        Err(e) => return Fact::Unknown(e),
    };
    let k = Keyed::space_separated(&text);
    let r = (|| {
        Ok::<_, crate::parse::ParseError>(Throttling {
            periods: k.require_u64("nr_periods")?,
            throttled_periods: k.require_u64("nr_throttled")?,
            throttled_seconds: k.require_u64(time_key)? as f64 / per_second,
        })
    })();
    r.map_err(|e| format!("{path}: {e}")).into()
}

/// The number of CPUs in a CPU-list file of the leaf.
pub(crate) fn cpu_list_count(root: &Root, leaf: &str, file: &str) -> Fact<u32> {
    match stat_file(root, leaf, file) {
        Err(e) => Fact::Unknown(e),
        Ok((path, t)) => cpulist::count(&t)
            .map_err(|e| format!("{path}: {e}"))
            .into(),
    }
}

/// A file of the leaf that holds one number (`memory.current`, `cpu.shares`, ...).
pub(crate) fn number(root: &Root, leaf: &str, file: &str) -> Fact<u64> {
    match stat_file(root, leaf, file) {
        Err(e) => Fact::Unknown(e),
        Ok((path, t)) => parse_u64(&t).map_err(|e| format!("{path}: {e}")).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hierarchy(resolution: Resolution, mount_root: &str, path: Option<&str>) -> Hierarchy {
        Hierarchy {
            version: CgroupVersion::V2,
            mount_point: "/sys/fs/cgroup".into(),
            mount_root: mount_root.into(),
            cgroup_path: path.map(str::to_owned),
            leaf: "/sys/fs/cgroup".into(),
            resolution,
        }
    }

    #[test]
    fn mount_point_read_instead_of_the_process_cgroup_never_gives_unlimited() {
        // Podman's `/../../../../../..` root: the mount point is the host's root cgroup,
        // which has no cpu.max or memory.max; the process's own cgroup is somewhere below.
        let h = hierarchy(
            Resolution::OutsideNamespace,
            "/../../../../../..",
            Some("/"),
        );
        let levels = h.levels();
        let cpu: Limit<f64> = walk(&levels, |_| None, &h, "cpu", "CPU quota");
        match &cpu {
            Limit::Unknown { reason } => {
                assert!(reason.contains("not visible"), "{reason}");
                assert!(reason.contains("outside this cgroup namespace"), "{reason}");
            }
            other => panic!("expected unknown, got {other:?}"),
        }
        let mem: Limit<u64> = walk(
            &levels,
            |_| Some(Limit::unlimited("memory.max is 'max'")),
            &h,
            "memory",
            "memory limit",
        );
        assert!(matches!(mem, Limit::Unknown { .. }), "{mem:?}");

        // No /proc/self/cgroup line: the same.
        let h = hierarchy(Resolution::Untranslated, "/", None);
        let mem: Limit<u64> = walk(&h.levels(), |_| None, &h, "memory", "memory limit");
        assert!(
            matches!(&mem, Limit::Unknown { reason } if reason.contains("no line")),
            "{mem:?}"
        );

        // A limit at the mount point still binds (it is an ancestor), with a note.
        let h = hierarchy(Resolution::OutsideNamespace, "/../..", Some("/"));
        let mem: Limit<u64> = walk(
            &h.levels(),
            |d| Some(Limit::limited(536870912, format!("{d}/memory.max"))),
            &h,
            "memory",
            "memory limit",
        );
        match mem {
            Limit::Limited { value, note, .. } => {
                assert_eq!(value, 536870912);
                assert!(note.is_some_and(|n| n.contains("not visible")));
            }
            other => panic!("expected limited, got {other:?}"),
        }

        // Resolved normally, a v2 cgroup without the files is still unlimited (controller off).
        let h = hierarchy(Resolution::Direct, "/", Some("/"));
        let cpu: Limit<f64> = walk(&h.levels(), |_| None, &h, "cpu", "CPU quota");
        assert!(matches!(cpu, Limit::Unlimited { .. }), "{cpu:?}");
    }
}
