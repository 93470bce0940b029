//! cgroup v2 files (Documentation/admin-guide/cgroup-v2.rst). Same shape as [`super::v1`].

use super::{byte_limit, limit_at, stat_file, Files, MemoryStats};
use crate::facts::{CgroupVersion, Fact, Limit, Throttling};
use crate::parse::cgroup_values::{cpu_max, CpuQuota};
use crate::parse::keyed::Keyed;
use crate::probe::reader::Root;

pub struct V2;

/// A limit file missing where a sibling of the same controller is present (`memory.max` gone
/// while `memory.high` is there): the controller is on for this cgroup, so the file's absence
/// is not "controller not enabled" and not "no limit", but something unknown (a file system
/// that hides files, a snapshot that lost one). Both files are absent on the root and where the
/// parent did not enable the controller; only then does a missing file mean "not enabled".
fn missing_beside<T: Copy>(root: &Root, dir: &str, file: &str, sibling: &str) -> Option<Limit<T>> {
    let dir = dir.trim_end_matches('/');
    root.exists(&format!("{dir}/{sibling}")).then(|| {
        Limit::unknown(format!(
            "{dir}/{file} is missing although {dir}/{sibling} is there: the controller is on for this cgroup, so its limit cannot be told"
        ))
    })
}

impl Files for V2 {
    const VERSION: CgroupVersion = CgroupVersion::V2;

    fn cpu_limit_at(root: &Root, dir: &str) -> Option<Limit<f64>> {
        limit_at(root, dir, "cpu.max", |path, text| match cpu_max(text) {
            Ok(CpuQuota::Unlimited) => Limit::unlimited(format!("{path} has no quota ('max')")),
            Ok(q @ CpuQuota::Limited { .. }) => Limit::limited(q.cores().unwrap_or(0.0), path),
            Err(e) => Limit::unknown(format!("{path}: {e}")),
        })
        .or_else(|| missing_beside(root, dir, "cpu.max", "cpu.weight"))
    }

    fn memory_limit_at(root: &Root, dir: &str, host_total: Option<u64>) -> Option<Limit<u64>> {
        limit_at(root, dir, "memory.max", |p, t| byte_limit(p, t, host_total))
            .or_else(|| missing_beside(root, dir, "memory.max", "memory.high"))
    }

    fn memory_high_at(root: &Root, dir: &str, host_total: Option<u64>) -> Option<Limit<u64>> {
        limit_at(root, dir, "memory.high", |p, t| {
            byte_limit(p, t, host_total)
        })
    }

    fn swap_limit_at(root: &Root, dir: &str, _host_total: Option<u64>) -> Option<Limit<u64>> {
        // Swap only, `0` = no swap at all; host RAM is no yardstick for swap.
        limit_at(root, dir, "memory.swap.max", |p, t| byte_limit(p, t, None))
    }

    fn reservation(root: &Root, leaf: &str, host_total: Option<u64>) -> Limit<u64> {
        // `0` (the default) protects nothing: no reservation.
        match limit_at(root, leaf, "memory.low", |p, t| match t.trim() {
            "0" => Limit::unlimited(format!("{p} is 0 (no reservation)")),
            _ => byte_limit(p, t, host_total),
        }) {
            Some(l) => l,
            None => Limit::unlimited(format!(
                "{}/memory.low: no such file (the root cgroup, or the memory controller is not enabled here)",
                leaf.trim_end_matches('/')
            )),
        }
    }

    fn cpu_share(root: &Root, leaf: &str) -> (Fact<u64>, Fact<u64>) {
        (Fact::NotApplicable, super::number(root, leaf, "cpu.weight"))
    }

    fn throttling(root: &Root, leaf: &str) -> Fact<Throttling> {
        super::throttling(root, leaf, "throttled_usec", 1e6)
    }

    fn cpuset_count(root: &Root, leaf: &str) -> Fact<u32> {
        super::cpu_list_count(root, leaf, "cpuset.cpus.effective")
    }

    fn memory_stats(root: &Root, leaf: &str, _host_total: Option<u64>) -> MemoryStats {
        let usage = super::number(root, leaf, "memory.current");
        let stat = stat_file(root, leaf, "memory.stat");
        let parsed = stat
            .as_ref()
            .map(|(path, t)| (path, Keyed::space_separated(t)));
        let key = |k: &str| -> Fact<u64> {
            match &parsed {
                Err(e) => Fact::Unknown((*e).clone()),
                Ok((path, s)) => match s.u64(k) {
                    Ok(Some(v)) => Fact::Known(v),
                    Ok(None) => Fact::Unknown(format!("{path}: no '{k}' line")),
                    Err(e) => Fact::Unknown(format!("{path}: {e}")),
                },
            }
        };
        MemoryStats {
            usage,
            anon: key("anon"),
            file: key("file"),
            active_file: key("active_file"),
            inactive_file: key("inactive_file"),
            shmem: key("shmem"),
            dirty: key("file_dirty"),
            writeback: key("file_writeback"),
            hierarchical_limit: None,
            hierarchical_memsw_limit: None,
        }
    }

    fn hierarchical_memory_limit(
        _root: &Root,
        _leaf: &str,
        _host_total: Option<u64>,
    ) -> Option<Limit<u64>> {
        None // v2 has no such file: every level on the way up is walked instead
    }

    fn oom_kills(root: &Root, leaf: &str) -> Fact<u64> {
        match stat_file(root, leaf, "memory.events") {
            Err(e) => Fact::Unknown(e),
            Ok((path, t)) => Keyed::space_separated(&t)
                .require_u64("oom_kill")
                .map_err(|e| format!("{path}: {e}"))
                .into(),
        }
    }
}
