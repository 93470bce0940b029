//! What a HotSpot JVM picks by itself here, with no tuning flags: processor count, max heap
//! and collector (domain guide, section 5). Pure.

use super::version::{Gc, JavaVersion};
use crate::facts::CgroupVersion;
use crate::parse::proc_cgroups::ControllerLine;

pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;

/// HotSpot's default `MaxHeapSize` on 64-bit: 96 MiB scaled by 1.3 (`ScaleForWordSize`).
pub const DEFAULT_MAX_HEAP: u64 = 96 * MIB * 13 / 10;
/// `MaxRAM` on 64-bit servers: physical memory is capped here before the percentages apply.
pub const MAX_RAM: u64 = 128 * GIB;
/// The largest heap that keeps compressed oops with the default heap base (32 GiB minus the
/// 2 GiB `HeapBaseMinAddress`); HotSpot caps an ergonomic heap here.
pub const COMPRESSED_OOPS_MAX_HEAP: u64 = 30 * GIB;
/// `is_server_class_machine`: 2 GB less 256 MB of slop.
pub const SERVER_CLASS_MEMORY: u64 = 1792 * MIB;

/// The facts the JVM's own ergonomics look at.
#[derive(Debug, Clone, PartialEq)]
pub struct JvmInputs {
    pub cgroup: CgroupVersion,
    pub host_ram: u64,
    /// CPUs in the affinity mask (covers the cpuset).
    pub cpuset_count: u32,
    /// The CPU limit over the cgroup and its ancestors (the kernel's truth).
    pub cpu_limit: Option<f64>,
    /// The CPU limit set on the process's own cgroup only.
    pub cpu_limit_leaf: Option<f64>,
    /// The memory limit over the cgroup and its ancestors.
    pub memory_limit: Option<u64>,
    /// The memory limit set on the process's own cgroup only.
    pub memory_limit_leaf: Option<u64>,
    /// v1 `cpu.shares`.
    pub cpu_shares: Option<u64>,
    /// v2 `cpu.weight`.
    pub cpu_weight: Option<u64>,
    /// `/proc/cgroups` as HotSpot parses it; None when it could not be read (then assumed to
    /// list every controller, as on any kernel with the v1 controllers built in).
    pub proc_cgroups: Option<Vec<ControllerLine>>,
    /// (CPU, memory) limits of the mount point's cgroup when the process's cgroup path could
    /// not be placed under the mount: the limits themselves are unknown (None above), but
    /// HotSpot reads the mount point in that case and sees these.
    pub mount_point_fallback: (Option<f64>, Option<u64>),
}

/// Whether HotSpot's container detection succeeds here (`CgroupSubsystemFactory::create`).
#[derive(Debug, Clone, PartialEq)]
pub enum Detection {
    /// It reads this environment's cgroup limits.
    Aware,
    /// It runs with container support off: host RAM and the host's CPUs. The reason says why.
    Blind(String),
    /// It does not start at all (measured, see [`JavaVersion::crashes_without_v1_cpuset_line`]).
    Crashes(String),
}

/// The controllers HotSpot's `determine_type` requires in `/proc/cgroups` (pids is optional).
pub const REQUIRED_CONTROLLERS: [&str; 4] = ["cpu", "cpuset", "cpuacct", "memory"];

/// One line on what `/proc/cgroups` says of the controllers HotSpot requires:
/// `cpu 1, cpuset 3, cpuacct 2, memory 4` (hierarchy ids), with `no line` or `disabled`.
#[allow(clippy::ptr_arg)] // the table renders a `Fact<Vec<_>>` through `Fn(&T)`
pub fn proc_cgroups_summary(lines: &Vec<ControllerLine>) -> String {
    REQUIRED_CONTROLLERS
        .iter()
        .map(|name| match lines.iter().find(|l| l.name == *name) {
            None => format!("{name}: no line"),
            Some(l) if !l.enabled => format!("{name} {} disabled", l.hierarchy),
            Some(l) => format!("{name} {}", l.hierarchy),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `/proc/cgroups` lacks for HotSpot: the first required controller with no line or with
/// `enabled` other than 1, and which of the two.
fn missing_controller(lines: &[ControllerLine]) -> Option<(&'static str, bool)> {
    REQUIRED_CONTROLLERS
        .iter()
        .find_map(|name| match lines.iter().find(|l| l.name == *name) {
            None => Some((*name, true)),
            Some(l) if !l.enabled => Some((*name, false)),
            Some(_) => None,
        })
}

/// HotSpot's container detection, as its source does it per version:
/// - no container support at all (before 10 and 8u191), or no cgroup v2 code (before 15,
///   11.0.16, 8u372) on v2: blind;
/// - the cgroupSubsystem code (15, 11.0.16, 8u372 on) reads `/proc/cgroups` first and gives up
///   when `cpu`, `cpuset`, `cpuacct` or `memory` has no line or is not enabled; with
///   JDK-8349988 (25) it reads `/proc/cgroups` on v1 only and, on v2, the root's
///   `cgroup.controllers` (ctune assumes that lists `cpu` and `memory`, as every v2 root whose
///   limits it can read does);
/// - the older v1-only code (10 to 11.0.15) never reads `/proc/cgroups`.
pub fn detection(v: JavaVersion, i: &JvmInputs) -> Detection {
    let version = match i.cgroup {
        CgroupVersion::None => {
            return Detection::Blind(
                "no cgroup hierarchy holds the cpu and memory controllers".into(),
            )
        }
        CgroupVersion::V1 if !v.reads_cgroup_v1() => {
            return Detection::Blind(format!(
                "JDK {v} predates container support (JDK 10, 8u191)"
            ))
        }
        CgroupVersion::V2 if !v.reads_cgroup_v2() => {
            return Detection::Blind(format!(
                "JDK {v} does not read cgroup v2 (JDK 15, 11.0.16, 8u372)"
            ))
        }
        c => c,
    };
    let reads_file = v.reads_proc_cgroups()
        && (version == CgroupVersion::V1 || !v.detects_v2_without_proc_cgroups());
    let Some(lines) = i.proc_cgroups.as_deref().filter(|_| reads_file) else {
        return Detection::Aware;
    };
    let Some((name, no_line)) = missing_controller(lines) else {
        return Detection::Aware;
    };
    let what = if no_line {
        format!("/proc/cgroups has no '{name}' line")
    } else {
        format!("/proc/cgroups says the '{name}' controller is not enabled (enabled != 1)")
    };
    if version == CgroupVersion::V1
        && name == "cpuset"
        && no_line
        && v.crashes_without_v1_cpuset_line()
    {
        return Detection::Crashes(format!(
            "{what}: JDK {v} segfaults at start on cgroup v1 (measured on 21.0.8); -XX:-UseContainerSupport lets it start"
        ));
    }
    Detection::Blind(format!(
        "{what}: JDK {v} requires cpu, cpuset, cpuacct and memory there{} and turns container support off (\"One or more required controllers disabled at kernel level\"): host RAM and CPUs",
        if version == CgroupVersion::V2 { " even on cgroup v2 (no JDK-8349988)" } else { "" }
    ))
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JvmView {
    /// The JVM reads this environment's cgroup limits at all.
    pub container_aware: bool,
    /// Why it does not (a JDK too old for this cgroup version, `/proc/cgroups` lacking a
    /// controller HotSpot requires, ...); null when it does.
    pub blind_reason: Option<String>,
    /// This JVM crashes in its container detection here and does not start without
    /// `-XX:-UseContainerSupport` (`blind_reason` says why).
    pub will_not_start: bool,
    pub active_processor_count: u32,
    pub max_heap_bytes: u64,
    pub gc: Gc,
    /// The memory the JVM sizes itself from (min of host RAM and the limit it sees).
    pub physical_memory_bytes: u64,
    /// The CPU limit the JVM sees (None = none).
    pub cpu_limit_seen: Option<f64>,
    /// The memory limit the JVM sees (None = none).
    pub memory_limit_seen: Option<u64>,
}

/// HotSpot's v2 weight → shares (cgroupV2Subsystem): weight 100 means unset; otherwise the
/// linear inverse of the OCI mapping, rounded to the nearest multiple of 1024.
pub fn shares_from_weight(weight: u64) -> Option<u64> {
    if weight == 100 || weight == 0 {
        return None;
    }
    let x = ((262_142 * weight).saturating_sub(1) as f64 / 9999.0) as u64 + 2;
    if x <= 1024 {
        return Some(x);
    }
    let lower = x / 1024 * 1024;
    let upper = lower + 1024;
    Some(if x - lower <= upper - x { lower } else { upper })
}

/// What the JVM sees of the limits: nothing when it is blind to this cgroup version; the
/// process's own cgroup before JDK 24 (v1 memory falls back to the kernel's hierarchical
/// limit when the leaf has none); everything from 24.
pub fn limits_seen(v: JavaVersion, i: &JvmInputs) -> (bool, Option<f64>, Option<u64>) {
    if detection(v, i) != Detection::Aware {
        return (false, None, None);
    }
    let (cpu_fallback, mem_fallback) = i.mount_point_fallback;
    if v.walks_ancestors() {
        return (
            true,
            i.cpu_limit.or(cpu_fallback),
            i.memory_limit.or(mem_fallback),
        );
    }
    let mem = match i.cgroup {
        CgroupVersion::V1 => i.memory_limit_leaf.or(i.memory_limit),
        _ => i.memory_limit_leaf,
    };
    (
        true,
        i.cpu_limit_leaf.or(cpu_fallback),
        mem.or(mem_fallback),
    )
}

/// The processor count HotSpot derives from a CPU limit, shares and the affinity mask.
pub fn active_processor_count(v: JavaVersion, i: &JvmInputs) -> u32 {
    let host = i.cpuset_count.max(1);
    let (aware, cpu, _) = limits_seen(v, i);
    if !aware {
        return host;
    }
    let quota = cpu.map(|l| l.ceil().max(1.0) as u32);
    let shares = if v.counts_cpu_shares() {
        match i.cgroup {
            CgroupVersion::V1 => i.cpu_shares.filter(|&s| s != 1024),
            _ => i.cpu_weight.and_then(shares_from_weight),
        }
        .map(|s| (s as f64 / 1024.0).ceil().max(1.0) as u32)
    } else {
        None
    };
    // PreferContainerQuotaForCPUCount (true): the quota wins when both are set.
    quota.or(shares).unwrap_or(host).min(host)
}

fn align_up(v: u64, a: u64) -> u64 {
    v.div_ceil(a) * a
}

/// G1's region size for a heap: heap / 2048 rounded down to a power of two, 1 to 32 MiB.
pub fn g1_region_size(heap: u64) -> u64 {
    let target = (heap / 2048).clamp(MIB, 32 * MIB);
    1u64 << (63 - target.leading_zeros())
}

/// The heap HotSpot picks with no heap flags, for `phys` bytes of (visible) memory.
/// (JDK 8 before 8u191 has `MaxRAMFraction=4` and `MinRAMFraction=2`: the same 25 % and 50 %.)
pub fn default_max_heap(phys: u64, gc: Gc) -> u64 {
    percent_max_heap(phys, 25.0, gc)
}

/// The heap HotSpot picks for `-XX:MaxRAMPercentage=max_pct` (and the default
/// MinRAMPercentage of 50) with `phys` bytes of (visible) memory.
pub fn percent_max_heap(phys: u64, max_pct: f64, gc: Gc) -> u64 {
    let phys = phys.min(MAX_RAM);
    let min_pct = 50.0;
    let reasonable_max = (phys as f64 * max_pct / 100.0) as u64;
    let reasonable_min = (phys as f64 * min_pct / 100.0) as u64;
    let heap = if reasonable_min < DEFAULT_MAX_HEAP {
        reasonable_min
    } else {
        reasonable_max.max(DEFAULT_MAX_HEAP)
    };
    let heap = heap.min(COMPRESSED_OOPS_MAX_HEAP);
    // The heap is aligned up to the card table's constraint (2 MiB with 4 KiB pages), or to
    // G1's region size when that is larger.
    let align = match gc {
        Gc::G1 => g1_region_size(heap).max(2 * MIB),
        _ => 2 * MIB,
    };
    align_up(heap, align)
}

/// The JVM's own choice: processor count, collector, heap.
pub fn jvm_view(v: JavaVersion, i: &JvmInputs) -> JvmView {
    let (aware, cpu_seen, mem_seen) = limits_seen(v, i);
    let active = active_processor_count(v, i);
    let mut phys = i.host_ram;
    if let Some(m) = mem_seen {
        // A limit at or above RAM is no limit (JDK-8292083); below it, it is the memory.
        phys = phys.min(m);
    }
    // The server-class test uses the container-aware processor count and memory.
    let server = active >= 2 && phys >= SERVER_CLASS_MEMORY;
    let gc = if server { v.server_gc() } else { Gc::Serial };
    let (blind_reason, will_not_start) = match detection(v, i) {
        Detection::Aware => (None, false),
        Detection::Blind(r) => (Some(r), false),
        Detection::Crashes(r) => (Some(r), true),
    };
    JvmView {
        container_aware: aware,
        blind_reason,
        will_not_start,
        active_processor_count: active,
        max_heap_bytes: default_max_heap(phys, gc),
        gc,
        physical_memory_bytes: phys,
        cpu_limit_seen: cpu_seen,
        memory_limit_seen: mem_seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(mem: Option<u64>, cpu: Option<f64>) -> JvmInputs {
        JvmInputs {
            cgroup: CgroupVersion::V1,
            host_ram: 24 * GIB,
            cpuset_count: 2,
            cpu_limit: cpu,
            cpu_limit_leaf: cpu,
            memory_limit: mem,
            memory_limit_leaf: mem,
            cpu_shares: Some(1024),
            cpu_weight: None,
            proc_cgroups: None,
            mount_point_fallback: (None, None),
        }
    }

    /// This host's `/proc/cgroups` (v1), less the lines `drop`, with `memory` set to `mem_on`.
    fn v1_lines(drop: &str, mem_on: bool) -> Option<Vec<ControllerLine>> {
        let t = format!("#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\ncpu\t1\t1\t1\ncpuacct\t2\t1\t1\nmemory\t4\t34\t{}\npids\t8\t1\t1\n", u8::from(mem_on));
        let t: String = t
            .lines()
            .filter(|l| l.split('\t').next() != Some(drop))
            .map(|l| format!("{l}\n"))
            .collect();
        Some(crate::parse::proc_cgroups::parse(&t))
    }

    /// Measured on this v1 host with a rewritten /proc/cgroups, 1 GiB / 0.5 CPU (tests
    /// `real_kernel::proc_cgroups_variants`): 11.0.13 (old v1 code) always sees the limit;
    /// 17.0.2, 17.0.15, 21.0.8 and 25 go blind without memory, cpu or cpuset, or with memory
    /// disabled; 21.0.8 crashes without a cpuset line.
    #[test]
    fn proc_cgroups_variants_on_v1() {
        let base = inputs(Some(GIB), Some(0.5));
        let cases: [(&str, bool); 5] = [
            ("", true),
            ("memory", true),
            ("cpu", true),
            ("cpuset", true),
            ("", false),
        ];
        for (drop, mem_on) in cases {
            let i = JvmInputs {
                proc_cgroups: v1_lines(drop, mem_on),
                ..base.clone()
            };
            let full = drop.is_empty() && mem_on;
            let old = jvm_view(JavaVersion::new(11, 13), &i);
            assert!(
                old.container_aware && old.max_heap_bytes == 256 * MIB,
                "{drop} {mem_on}"
            );
            for v in [(17, 2), (17, 15), (21, 8), (25, 2)] {
                let view = jvm_view(JavaVersion::new(v.0, v.1), &i);
                assert_eq!(view.container_aware, full, "{v:?} {drop} {mem_on}");
                let heap = if full { 256 * MIB } else { 6 * GIB };
                assert_eq!(view.max_heap_bytes, heap, "{v:?} {drop} {mem_on}");
                assert_eq!(view.active_processor_count, if full { 1 } else { 2 });
                let crash = v == (21, 8) && drop == "cpuset";
                assert_eq!(view.will_not_start, crash, "{v:?} {drop}");
                assert_eq!(view.blind_reason.is_some(), !full, "{v:?} {drop}");
            }
        }
    }

    /// Debian's 7.3.4 (no CONFIG_MEMCG_V1, CONFIG_CPUSETS_V1) on pure v2: no memory and no
    /// cpuset line. Only JDK-8349988 (25) still sees the limit.
    #[test]
    fn v2_kernel_without_v1_controllers() {
        let t = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t5\t1\ncpuacct\t0\t5\t1\nio\t0\t5\t1\npids\t0\t5\t1\n";
        let i = JvmInputs {
            cgroup: CgroupVersion::V2,
            host_ram: GIB,
            proc_cgroups: Some(crate::parse::proc_cgroups::parse(t)),
            ..inputs(Some(512 * MIB), Some(1.5))
        };
        for v in [(11, 13), (17, 2), (17, 15), (21, 8)] {
            let view = jvm_view(JavaVersion::new(v.0, v.1), &i);
            assert!(!view.container_aware && !view.will_not_start, "{v:?}");
            assert_eq!(
                view.max_heap_bytes,
                256 * MIB,
                "{v:?}: a quarter of 1 GiB, aligned"
            );
        }
        let v25 = jvm_view(JavaVersion::new(25, 2), &i);
        assert!(v25.container_aware);
        assert_eq!(v25.max_heap_bytes, 128 * MIB);
    }

    /// The table measured on 17.0.15 with v1 limits and 2 CPUs (domain guide, section 5).
    #[test]
    fn matches_the_measured_jdk17_table() {
        let j17 = JavaVersion::new(17, 15);
        let rows: [(u64, f64, u32, u64, Gc); 8] = [
            (256, 0.5, 1, 126, Gc::Serial),
            (512, 1.0, 1, 128, Gc::Serial),
            (1024, 2.0, 2, 256, Gc::Serial),
            (1792, 0.5, 1, 448, Gc::Serial),
            (4096, 1.0, 1, 1024, Gc::Serial),
            (1792, 1.5, 2, 448, Gc::G1),
            (2048, 2.0, 2, 512, Gc::G1),
            (4096, 1.5, 2, 1024, Gc::G1),
        ];
        for (mib, cpus, count, heap_mib, gc) in rows {
            let v = jvm_view(j17, &inputs(Some(mib * MIB), Some(cpus)));
            assert_eq!(v.active_processor_count, count, "{mib}M {cpus}");
            assert_eq!(v.gc, gc, "{mib}M {cpus}");
            assert_eq!(v.max_heap_bytes, heap_mib * MIB, "{mib}M {cpus}");
        }
    }

    #[test]
    fn shares_count_only_on_old_jdks() {
        let mut i = inputs(Some(GIB), None);
        i.cpu_shares = Some(512);
        assert_eq!(active_processor_count(JavaVersion::new(11, 13), &i), 1);
        assert_eq!(active_processor_count(JavaVersion::new(17, 15), &i), 2);
    }

    #[test]
    fn parent_limits_are_missed_before_24() {
        let mut i = inputs(Some(768 * MIB), Some(1.0));
        i.cpu_limit_leaf = None;
        i.memory_limit_leaf = None;
        // v1: memory through hierarchical_memory_limit, CPU from the leaf only.
        let v = jvm_view(JavaVersion::new(17, 15), &i);
        assert_eq!(
            (v.active_processor_count, v.memory_limit_seen),
            (2, Some(768 * MIB))
        );
        i.cgroup = CgroupVersion::V2;
        let v = jvm_view(JavaVersion::new(21, 0), &i);
        assert_eq!((v.active_processor_count, v.memory_limit_seen), (2, None));
        let v = jvm_view(JavaVersion::new(25, 3), &i);
        assert_eq!(
            (v.active_processor_count, v.memory_limit_seen),
            (1, Some(768 * MIB))
        );
    }

    #[test]
    fn blind_jvms_see_the_host() {
        let mut i = inputs(Some(512 * MIB), Some(1.0));
        i.cgroup = CgroupVersion::V2;
        let v = jvm_view(JavaVersion::new(11, 13), &i);
        assert!(!v.container_aware);
        assert_eq!(v.active_processor_count, 2);
        assert_eq!(v.max_heap_bytes, 6 * GIB);
        assert_eq!(v.gc, Gc::G1);
    }

    #[test]
    fn huge_heaps_stop_below_compressed_oops() {
        let v = jvm_view(
            JavaVersion::new(17, 15),
            &JvmInputs {
                host_ram: 512 * GIB,
                cpuset_count: 64,
                ..inputs(None, None)
            },
        );
        assert_eq!(v.max_heap_bytes, COMPRESSED_OOPS_MAX_HEAP);
    }

    #[test]
    fn weight_to_shares() {
        assert_eq!(shares_from_weight(100), None);
        assert_eq!(shares_from_weight(39), Some(1024));
        assert_eq!(shares_from_weight(10000), Some(262144));
    }
}
