//! The processor count: `-XX:ActiveProcessorCount` where the JVM would count CPUs other than
//! the ones the profile wants (a parent's quota it does not read, a cgroup version it cannot
//! read, shares, rounding), and the throttling warning.

use super::{legacy, wanted_cpus, Cx, Draft};
use crate::facts::Fact;
use crate::jvm::profile::Rounding;

/// The processor count advised for, adding the flag when the JVM would pick another.
pub(super) fn processors(cx: &Cx, d: &mut Draft) -> u32 {
    let (i, view, v) = (&cx.i, &cx.view, cx.v);
    let user_count = cx.user.active_processor_count();
    let cpus = user_count
        .unwrap_or_else(|| wanted_cpus(i.cpu_limit, i.cpuset_count, cx.profile.cpu.rounding));
    if user_count.is_some() || cpus == view.active_processor_count {
        return cpus;
    }
    let why = match (i.cpu_limit, view.cpu_limit_seen) {
        (Some(l), None) if view.container_aware => format!(
            "the {l} CPU limit is set on a parent cgroup this JDK does not read; it would size itself for {} CPUs",
            view.active_processor_count
        ),
        (Some(l), _) if !view.container_aware => format!(
            "JDK {v} does not read {}; it would size GC and JIT threads for {} CPUs, not the {l} it gets",
            match (&view.blind_reason, v.reads_cgroup_v1()) {
                // The version is one it reads: its detection gave up (/proc/cgroups).
                (Some(r), true) if v.reads_cgroup_v2() || cx.f.cgroup.version != crate::facts::CgroupVersion::V2 =>
                    format!("the cgroup here ({r})"),
                _ => format!("cgroup {} limits", cx.f.cgroup.version.as_str()),
            },
            view.active_processor_count
        ),
        (Some(l), _) => format!(
            "{} profile rounds the {l} CPU limit {} to {cpus}; the JVM would use {} threads' worth and be throttled in bursts",
            cx.profile.name,
            if cx.profile.cpu.rounding == Rounding::Floor { "down" } else { "up" },
            view.active_processor_count
        ),
        (None, _) => format!(
            "the JVM would use {} CPUs (from cpu shares); {cpus} are available",
            view.active_processor_count
        ),
    };
    if v.has_active_processor_count() {
        d.add(format!("-XX:ActiveProcessorCount={cpus}"), why);
    } else {
        legacy::thread_flags(cpus, &why, d);
    }
    cpus
}

/// Warn when the cgroup has been throttled notably (the same threshold as `cpu-throttled`).
pub(super) fn throttling(cx: &Cx, d: &mut Draft) {
    if let Fact::Known(t) = &cx.f.cpu.throttling {
        if t.is_notable() {
            d.warn(format!(
                "the cgroup was throttled in {} of {} CPU periods: GC and JIT bursts hit the quota",
                t.throttled_periods, t.periods
            ));
        }
    }
}
