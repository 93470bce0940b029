//! cgroup v1 files (Documentation/admin-guide/cgroup-v1/). Same shape as [`super::v2`].

use super::{byte_limit, limit_at, read_at, stat_file, Files, MemoryStats};
use crate::facts::{CgroupVersion, Fact, Limit, Throttling};
use crate::parse::cgroup_values::{cfs_quota, CpuQuota};
use crate::parse::keyed::Keyed;
use crate::probe::reader::Root;

pub struct V1;

/// `cpu.cfs_quota_us` holds a positive quota, so an error from [`cfs_quota`] is the period's.
fn quota_is_positive(quota_text: &str) -> bool {
    quota_text.trim().parse::<i64>().is_ok_and(|q| q > 0)
}

impl Files for V1 {
    const VERSION: CgroupVersion = CgroupVersion::V1;

    fn cpu_limit_at(root: &Root, dir: &str) -> Option<Limit<f64>> {
        limit_at(root, dir, "cpu.cfs_quota_us", |path, text| {
            // The period only matters for a positive quota (most levels have -1: one file less).
            let period = quota_is_positive(text)
                .then(|| read_at(root, dir, "cpu.cfs_period_us"))
                .flatten();
            let period_text = match &period {
                Some(Ok((_, t))) => Some(t.as_str()),
                _ => None,
            };
            match cfs_quota(text, period_text) {
                Ok(CpuQuota::Unlimited) => Limit::unlimited(format!("{path} is -1")),
                Ok(q @ CpuQuota::Limited { .. }) => Limit::limited(q.cores().unwrap_or(0.0), path),
                Err(e) => match &period {
                    // A valid positive quota: what failed is the period, so name its file.
                    Some(Err(pe)) => Limit::unknown(pe.to_string()),
                    Some(Ok((period_path, _))) => Limit::unknown(format!("{period_path}: {e}")),
                    None => Limit::unknown(format!("{path}: {e}")),
                },
            }
        })
    }

    fn memory_limit_at(root: &Root, dir: &str, host_total: Option<u64>) -> Option<Limit<u64>> {
        limit_at(root, dir, "memory.limit_in_bytes", |p, t| {
            byte_limit(p, t, host_total)
        })
    }

    fn memory_high_at(_root: &Root, _dir: &str, _host_total: Option<u64>) -> Option<Limit<u64>> {
        None // v1 has no throttle threshold; see `super::memory`
    }

    fn swap_limit_at(root: &Root, dir: &str, host_total: Option<u64>) -> Option<Limit<u64>> {
        // v1 limits memory + swap together; swap alone is the difference.
        let memsw = match read_at(root, dir, "memory.memsw.limit_in_bytes") {
            None => {
                return Some(Limit::unknown(format!(
                    "{dir}/memory.memsw.limit_in_bytes: no such file (swap accounting is off)"
                )))
            }
            Some(Err(e)) => return Some(Limit::unknown(e.to_string())),
            Some(Ok((path, t))) => byte_limit(&path, &t, None),
        };
        match memsw {
            Limit::Limited { value, source, .. } => {
                let mem = Self::memory_limit_at(root, dir, host_total);
                match mem.as_ref().and_then(Limit::value) {
                    Some(m) => Some(Limit::limited(value.saturating_sub(m), source)),
                    None => Some(Limit::limited(value, source)),
                }
            }
            other => Some(other),
        }
    }

    fn reservation(root: &Root, leaf: &str, host_total: Option<u64>) -> Limit<u64> {
        match read_at(root, leaf, "memory.soft_limit_in_bytes") {
            None => Limit::unknown(format!(
                "{}/memory.soft_limit_in_bytes: no such file",
                leaf.trim_end_matches('/')
            )),
            Some(Err(e)) => Limit::unknown(e.to_string()),
            Some(Ok((path, t))) => byte_limit(&path, &t, host_total),
        }
    }

    fn cpu_share(root: &Root, leaf: &str) -> (Fact<u64>, Fact<u64>) {
        (super::number(root, leaf, "cpu.shares"), Fact::NotApplicable)
    }

    fn throttling(root: &Root, leaf: &str) -> Fact<Throttling> {
        super::throttling(root, leaf, "throttled_time", 1e9)
    }

    fn cpuset_count(root: &Root, leaf: &str) -> Fact<u32> {
        super::cpu_list_count(root, leaf, "cpuset.effective_cpus")
    }

    fn memory_stats(root: &Root, leaf: &str, host_total: Option<u64>) -> MemoryStats {
        let usage = super::number(root, leaf, "memory.usage_in_bytes");
        let stat = stat_file(root, leaf, "memory.stat");
        let parsed = stat
            .as_ref()
            .map(|(path, t)| (path, Keyed::space_separated(t)));
        // `total_*` counts the whole subtree; a leaf's own counter is the fallback.
        let key = |k: &str| -> Fact<u64> {
            match &parsed {
                Err(e) => Fact::Unknown((*e).clone()),
                Ok((path, s)) => {
                    let total = format!("total_{k}");
                    match s.u64(&total) {
                        Ok(Some(v)) => Fact::Known(v),
                        Err(e) => Fact::Unknown(format!("{path}: {e}")),
                        Ok(None) => match s.u64(k) {
                            Ok(Some(v)) => Fact::Known(v),
                            Ok(None) => {
                                Fact::Unknown(format!("{path}: no '{total}' or '{k}' line"))
                            }
                            Err(e) => Fact::Unknown(format!("{path}: {e}")),
                        },
                    }
                }
            }
        };
        let hierarchical_limit = parsed
            .as_ref()
            .ok()
            .and_then(|(path, s)| hierarchical(path, s, "hierarchical_memory_limit", host_total));
        // Memory + swap: no yardstick in host RAM (the sentinel is still unlimited).
        let hierarchical_memsw_limit = parsed
            .as_ref()
            .ok()
            .and_then(|(path, s)| hierarchical(path, s, "hierarchical_memsw_limit", None));
        MemoryStats {
            usage,
            anon: key("rss"),
            file: key("cache"),
            active_file: key("active_file"),
            inactive_file: key("inactive_file"),
            shmem: key("shmem"),
            dirty: key("dirty"),
            writeback: key("writeback"),
            hierarchical_limit,
            hierarchical_memsw_limit,
        }
    }

    fn hierarchical_memory_limit(
        root: &Root,
        leaf: &str,
        host_total: Option<u64>,
    ) -> Option<Limit<u64>> {
        let (path, text) = stat_file(root, leaf, "memory.stat").ok()?;
        hierarchical(
            &path,
            &Keyed::space_separated(&text),
            "hierarchical_memory_limit",
            host_total,
        )
    }

    fn oom_kills(root: &Root, leaf: &str) -> Fact<u64> {
        match stat_file(root, leaf, "memory.oom_control") {
            Err(e) => Fact::Unknown(e),
            Ok((path, t)) => match Keyed::space_separated(&t).u64("oom_kill") {
                Ok(Some(v)) => Fact::Known(v),
                Ok(None) => {
                    Fact::Unknown(format!("{path}: no 'oom_kill' line (kernel before 4.13)"))
                }
                Err(e) => Fact::Unknown(format!("{path}: {e}")),
            },
        }
    }
}

/// `hierarchical_memory_limit` (or `hierarchical_memsw_limit`) from a parsed `memory.stat` at
/// `path`.
fn hierarchical(
    path: &str,
    stat: &Keyed,
    key: &str,
    host_total: Option<u64>,
) -> Option<Limit<u64>> {
    stat.get(key)
        .map(|v| byte_limit(&format!("{path} ({key})"), v, host_total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_bad_period_is_blamed_on_the_period_file() {
        let d = std::env::temp_dir().join(format!("ctune-v1-period-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("cg")).unwrap();
        fs::write(d.join("cg/cpu.cfs_quota_us"), "50000\n").unwrap();
        fs::write(d.join("cg/cpu.cfs_period_us"), "1e5\n").unwrap();
        let root = Root::at(&d);
        let reason = |l: Option<Limit<f64>>| match l {
            Some(Limit::Unknown { reason }) => reason,
            other => panic!("expected unknown, got {other:?}"),
        };
        let r = reason(V1::cpu_limit_at(&root, "/cg"));
        assert!(r.starts_with("/cg/cpu.cfs_period_us: "), "{r}");
        assert!(r.contains("'1e5'"), "{r}");

        // A bad quota is the quota file's fault, whatever the period holds.
        fs::write(d.join("cg/cpu.cfs_quota_us"), "lots\n").unwrap();
        let r = reason(V1::cpu_limit_at(&root, "/cg"));
        assert!(r.starts_with("/cg/cpu.cfs_quota_us: "), "{r}");
        assert!(r.contains("'lots'"), "{r}");

        fs::write(d.join("cg/cpu.cfs_quota_us"), "50000\n").unwrap();
        fs::write(d.join("cg/cpu.cfs_period_us"), "100000\n").unwrap();
        assert_eq!(
            V1::cpu_limit_at(&root, "/cg").and_then(|l| l.value()),
            Some(0.5)
        );
        fs::remove_dir_all(&d).unwrap();
    }
}
