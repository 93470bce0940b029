//! From facts, a profile and the user's own options to recommended JVM flags, each with why.
//!
//! Rules: emit a flag only where this JVM would get it wrong by itself; never one the user set
//! (in any source); never a collector when the user touched collector selection (two selected
//! collectors stop the JVM); every flag gated on the version that has it.

use super::budget::{self, BudgetPlan};
use super::ergonomics::{jvm_view, JvmInputs, JvmView, MIB, SERVER_CLASS_MEMORY};
use super::options::{HeapSetting, UserOptions};
use super::profile::{Goal, Profile, Rounding};
use super::version::{Gc, JavaVersion};
use crate::facts::{Fact, Facts, Limit};
use serde::Serialize;

/// The JDK assumed when none is found or its version cannot be read.
pub const ASSUMED_JDK: JavaVersion = JavaVersion::new(17, 0);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JavaInfo {
    pub path: Option<String>,
    pub version: String,
    pub feature: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rationale {
    pub flag: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommended {
    pub flags: Vec<String>,
    pub max_heap_bytes: u64,
    pub active_processor_count: u32,
    pub gc: Gc,
    pub budget: budget::Budget,
}

/// The contract's `ctune jvm --format json` document (less `schema_version`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub profile: String,
    pub java: Option<JavaInfo>,
    pub jvm_view: JvmView,
    pub recommended: Recommended,
    pub rationale: Vec<Rationale>,
    /// The memory the budget was made for, and from where.
    pub memory_basis: String,
    /// Parts of the budget made smaller than the profile asked.
    pub squeezed: Vec<String>,
    /// Conflicts and risks: a user heap above the limit, an unknown JDK, no limit.
    pub warnings: Vec<String>,
    /// The user's own options that were taken into account, with where they came from
    /// (secret-looking property values hidden when shown).
    pub user_options: UserOptions,
}

/// The facts the JVM's ergonomics look at. A limit set on an ancestor only is not seen by a
/// JVM that reads its own cgroup alone.
pub fn inputs(f: &Facts) -> JvmInputs {
    let host_ram = *f.memory.host_total_bytes.known().unwrap_or(&(4 << 30));
    JvmInputs {
        cgroup: f.cgroup.version,
        host_ram,
        cpuset_count: *f
            .cpu
            .cpuset_count
            .known()
            .or(f.cpu.host_count.known())
            .unwrap_or(&1),
        cpu_limit: f.cpu.limit.value(),
        cpu_limit_leaf: f.cpu.limit.own_value(),
        memory_limit: f.memory.limit.value(),
        memory_limit_leaf: f.memory.limit.own_value(),
        cpu_shares: f.cpu.shares.known().copied(),
        cpu_weight: f.cpu.weight.known().copied(),
    }
}

/// The processor count a profile wants for a CPU limit.
pub fn wanted_cpus(limit: Option<f64>, cpuset: u32, rounding: Rounding) -> u32 {
    let n = match limit {
        Some(l) => match rounding {
            Rounding::Ceil => l.ceil(),
            Rounding::Floor => l.floor(),
        },
        None => cpuset as f64,
    };
    (n.max(1.0) as u32).min(cpuset.max(1))
}

fn choose_gc(goal: Goal, v: JavaVersion, cpus: u32, heap: u64) -> (Gc, &'static str) {
    match goal {
        Goal::Throughput if cpus >= 2 => (Gc::Parallel, "throughput profile: Parallel GC spends every CPU while it runs and none in between"),
        Goal::Throughput => (Gc::Serial, "one CPU: Serial GC has no thread coordination to pay for"),
        Goal::Latency if v.feature >= 21 && cpus >= 4 && heap >= 8 << 30 => {
            (Gc::Zgc, "latency profile, large heap, 4+ CPUs and JDK 21+: generational ZGC keeps pauses under a millisecond")
        }
        Goal::Latency if v.feature >= 9 => (Gc::G1, "latency profile: G1 with a pause-time goal"),
        Goal::Balanced if cpus >= 2 && heap >= 512 * MIB && v.feature >= 9 => {
            (Gc::G1, "2+ CPUs and a heap of 512 MiB or more: G1's short pauses suit a service")
        }
        _ => (Gc::Serial, "small heap or a single CPU: Serial GC costs the least CPU and memory"),
    }
}

/// What the JVM picks after our processor count, with no collector flag.
fn jvm_gc_pick(v: JavaVersion, cpus: u32, phys: u64) -> Gc {
    if cpus >= 2 && phys >= SERVER_CLASS_MEMORY {
        v.server_gc()
    } else {
        Gc::Serial
    }
}

pub fn advise(f: &Facts, profile: &Profile, user: &UserOptions) -> Advice {
    let mut warnings = Vec::new();
    let java = f.jvm.as_ref();
    let parsed = java
        .and_then(|j| j.version.as_deref())
        .and_then(JavaVersion::parse);
    let v = parsed.unwrap_or_else(|| {
        warnings.push(match java {
            None => format!("no Java found ($JAVA_HOME, PATH); advising for JDK {} (use --java or --assume jdk=...)", ASSUMED_JDK.feature),
            Some(_) => format!("the Java version is unknown; advising for JDK {}", ASSUMED_JDK.feature),
        });
        ASSUMED_JDK
    });
    let java_info = java.map(|j| JavaInfo {
        path: j.path.clone(),
        version: j.version.clone().unwrap_or_else(|| "unknown".into()),
        feature: v.feature,
    });
    let i = inputs(f);
    let view = jvm_view(v, &i);
    let mut flags: Vec<String> = Vec::new();
    let mut rationale = Vec::new();
    let mut add = |flag: String, why: String, flags: &mut Vec<String>| {
        rationale.push(Rationale {
            flag: flag.clone(),
            why,
        });
        flags.push(flag);
    };

    // Memory basis. Without a limit the JVM shares the host: its own 25 % stays, unbudgeted.
    let limited = matches!(f.memory.limit, Limit::Limited { .. });
    let (limit, memory_basis) = match &f.memory.limit {
        Limit::Limited { value, source, .. } => (
            *value,
            format!("memory limit {} MiB from {source}", value / MIB),
        ),
        other => {
            let why = match other {
                Limit::Unknown { reason } => format!("the memory limit is unknown ({reason})"),
                _ => "there is no memory limit".to_owned(),
            };
            warnings.push(format!(
                "{why}: ctune leaves the heap to the JVM ({} MiB, a quarter of host RAM) and budgets the rest against host RAM ({} MiB); set a memory limit so the JVM and the kernel agree",
                view.max_heap_bytes / MIB,
                i.host_ram / MIB
            ));
            (
                i.host_ram,
                format!("host RAM {} MiB ({why})", i.host_ram / MIB),
            )
        }
    };

    // CPUs.
    let cpus = user
        .active_processor_count()
        .unwrap_or_else(|| wanted_cpus(i.cpu_limit, i.cpuset_count, profile.cpu.rounding));
    if user.active_processor_count().is_none() && cpus != view.active_processor_count {
        let why = match (i.cpu_limit, view.cpu_limit_seen) {
            (Some(l), None) if view.container_aware => format!(
                "the {l} CPU limit is set on a parent cgroup this JDK does not read; it would size itself for {} CPUs",
                view.active_processor_count
            ),
            (Some(l), _) if !view.container_aware => format!(
                "JDK {v} does not read cgroup {} limits; it would size GC and JIT threads for {} CPUs, not the {l} it gets",
                f.cgroup.version.as_str(),
                view.active_processor_count
            ),
            (Some(l), _) => format!(
                "{} profile rounds the {l} CPU limit {} to {cpus}; the JVM would use {} threads' worth and be throttled in bursts",
                profile.name,
                if profile.cpu.rounding == Rounding::Floor { "down" } else { "up" },
                view.active_processor_count
            ),
            (None, _) => format!("the JVM would use {} CPUs (from cpu shares); {cpus} are available", view.active_processor_count),
        };
        if v.has_active_processor_count() {
            add(format!("-XX:ActiveProcessorCount={cpus}"), why, &mut flags);
        } else {
            // JDK 8 before 8u191 has no such flag: size the thread pools directly.
            let par = if cpus <= 8 {
                cpus
            } else {
                8 + (cpus - 8) * 5 / 8
            };
            add(
                format!("-XX:ParallelGCThreads={par}"),
                format!("{why} (no -XX:ActiveProcessorCount before 8u191)"),
                &mut flags,
            );
            add(
                format!("-XX:CICompilerCount={}", 2.max(cpus.min(4))),
                "JIT threads for the CPUs available".into(),
                &mut flags,
            );
            add(
                format!(
                    "-Djava.util.concurrent.ForkJoinPool.common.parallelism={}",
                    cpus.saturating_sub(1).max(1)
                ),
                "the common pool sizes itself from the host's CPUs on this JDK".into(),
                &mut flags,
            );
        }
    }

    // Collector.
    let (wanted_gc, gc_why) = choose_gc(profile.gc.goal, v, cpus, limit / 2);
    let gc = match user.gc() {
        Some(g) => g,
        None if user.touches_gc() => view.gc,
        None => {
            let jvm_pick = jvm_gc_pick(v, cpus, view.physical_memory_bytes);
            if wanted_gc != jvm_pick {
                add(
                    wanted_gc.flag().to_owned(),
                    format!("{gc_why} (the JVM would pick {})", jvm_pick.as_str()),
                    &mut flags,
                );
                if wanted_gc == Gc::Zgc && (21..23).contains(&v.feature) {
                    add(
                        "-XX:+ZGenerational".into(),
                        "generational mode is not the default before JDK 23".into(),
                        &mut flags,
                    );
                }
            }
            wanted_gc
        }
    };

    // Budget and heap.
    let plan: BudgetPlan = budget::plan(limit, &profile.memory, gc);
    let mut b = plan.budget;
    if !limited {
        b.heap = view.max_heap_bytes;
    }
    let max_heap = match user.max_heap() {
        Some(HeapSetting::Bytes(bytes, o)) => {
            if bytes + b.non_heap().min(limit / 4) > limit {
                warnings.push(format!(
                    "{} (from {}) leaves {} MiB of the {} MiB limit for everything that is not heap; the kernel will OOM-kill the JVM before it throws OutOfMemoryError",
                    o.option, o.source, limit.saturating_sub(bytes) / MIB, limit / MIB
                ));
            }
            bytes
        }
        Some(HeapSetting::Percent(p, o)) => {
            let bytes = (view.physical_memory_bytes as f64 * p / 100.0) as u64;
            if p > 80.0 {
                warnings.push(format!("{} (from {}) gives the heap {p}% of the memory: little room for metaspace, threads and the page cache", o.option, o.source));
            }
            bytes
        }
        None if !limited => view.max_heap_bytes,
        None => {
            let heap = b.heap;
            if heap != view.max_heap_bytes || !view.container_aware {
                add(
                    format!("-Xmx{}m", heap / MIB),
                    format!(
                        "{}: heap = limit − metaspace {} − code cache {} − stacks {} − direct {} − page cache {} − headroom {} (MiB); the JVM alone would take {} MiB",
                        memory_basis,
                        b.metaspace / MIB,
                        b.code_cache / MIB,
                        b.thread_stacks / MIB,
                        b.direct / MIB,
                        b.page_cache_reserve / MIB,
                        b.headroom / MIB,
                        view.max_heap_bytes / MIB
                    ),
                    &mut flags,
                );
            }
            if profile.memory.fixed_heap
                && !user.has_prefix("-Xms")
                && !user.sets_xx("InitialHeapSize")
            {
                add(
                    format!("-Xms{}m", heap / MIB),
                    "fixed heap: no resizing pauses, memory committed up front".into(),
                    &mut flags,
                );
            }
            heap
        }
    };
    if plan.over_committed {
        warnings.push(format!(
            "{} MiB is too small for the {} profile even after squeezing: the heap gets {} MiB",
            limit / MIB,
            profile.name,
            b.heap / MIB
        ));
    }
    if user.container_support_off() {
        warnings
            .push("-XX:-UseContainerSupport is set: the JVM ignores every container limit".into());
    }

    // Off-heap bounds.
    if profile.memory.direct_mib > 0 && !user.sets_xx("MaxDirectMemorySize") {
        add(
            format!("-XX:MaxDirectMemorySize={}m", b.direct / MIB),
            "bound NIO direct buffers (by default as large as the heap, and outside it)".into(),
            &mut flags,
        );
    }
    if b.code_cache != 240 * MIB && !user.sets_xx("ReservedCodeCacheSize") {
        add(
            format!("-XX:ReservedCodeCacheSize={}m", b.code_cache / MIB),
            "the code cache squeezed to fit a small limit".into(),
            &mut flags,
        );
    }
    if gc == Gc::G1 && profile.gc.max_pause_ms > 0 && !user.sets_xx("MaxGCPauseMillis") {
        add(
            format!("-XX:MaxGCPauseMillis={}", profile.gc.max_pause_ms),
            format!("{} profile pause target", profile.name),
            &mut flags,
        );
    }
    if profile.jvm.exit_on_oom
        && v.has_exit_on_oom()
        && !user.sets_xx("ExitOnOutOfMemoryError")
        && !user.sets_xx("CrashOnOutOfMemoryError")
    {
        add(
            "-XX:+ExitOnOutOfMemoryError".into(),
            "a JVM past OutOfMemoryError is in an unknown state: exit and let the orchestrator restart it".into(),
            &mut flags,
        );
    }
    if profile.jvm.heap_dump_on_oom && !user.sets_xx("HeapDumpOnOutOfMemoryError") {
        add(
            "-XX:+HeapDumpOnOutOfMemoryError".into(),
            "keep the evidence of an OutOfMemoryError".into(),
            &mut flags,
        );
    }
    // 8u131–8u190 on v1 only read the limit with the experimental flag, when no -Xmx is given.
    if f.cgroup.version == crate::facts::CgroupVersion::V1
        && !v.reads_cgroup_v1()
        && v.has_cgroup_memory_limit_for_heap()
        && !flags.iter().any(|x| x.starts_with("-Xmx"))
        && !user.has_prefix("-Xmx")
    {
        add(
            "-XX:+UnlockExperimentalVMOptions".into(),
            "needed by the next flag on this JDK 8 build".into(),
            &mut flags,
        );
        add(
            "-XX:+UseCGroupMemoryLimitForHeap".into(),
            format!("JDK {v} reads the v1 memory limit only with this experimental flag"),
            &mut flags,
        );
    }
    for x in &profile.jvm.extra {
        let name = x
            .split('=')
            .next()
            .unwrap_or(x)
            .trim_start_matches("-XX:")
            .trim_start_matches(['+', '-']);
        if !user.options.iter().any(|o| o.option.contains(name)) {
            add(x.clone(), format!("{} profile", profile.name), &mut flags);
        }
    }
    if let Fact::Known(t) = &f.cpu.throttling {
        if t.is_notable() {
            warnings.push(format!(
                "the cgroup was throttled in {} of {} CPU periods: GC and JIT bursts hit the quota",
                t.throttled_periods, t.periods
            ));
        }
    }
    Advice {
        profile: profile.name.clone(),
        java: java_info,
        recommended: Recommended {
            flags,
            max_heap_bytes: max_heap,
            active_processor_count: cpus,
            gc,
            budget: b,
        },
        jvm_view: view,
        rationale,
        memory_basis,
        squeezed: plan.squeezed,
        warnings,
        user_options: user.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::*;
    use crate::jvm::ergonomics::GIB;
    use crate::jvm::profile::load;
    use std::collections::BTreeMap;

    /// Facts for a v1 container with the given limits and Java version.
    fn facts(mem: Option<u64>, cpu: Option<f64>, jdk: &str, env: &[(&str, &str)]) -> Facts {
        let lim_u = |v: Option<u64>| {
            v.map_or(Limit::unlimited("test"), |v| {
                Limit::limited(v, "/sys/fs/cgroup/memory/memory.limit_in_bytes")
            })
        };
        Facts {
            cgroup: CgroupFacts {
                version: CgroupVersion::V1,
                hybrid: false,
                path: Fact::Known("/".into()),
                cpu_dir: None,
                memory_dir: None,
                resolution: None,
            },
            cpu: CpuFacts {
                limit: cpu.map_or(Limit::unlimited("test"), |c| {
                    Limit::limited(c, "/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
                }),
                host_count: Fact::Known(8),
                cpuset_count: Fact::Known(8),
                effective_count: Fact::NotApplicable,
                effective_count_floor: Fact::NotApplicable,
                shares: Fact::Known(1024),
                weight: Fact::NotApplicable,
                throttling: Fact::NotApplicable,
            },
            memory: MemoryFacts {
                limit: lim_u(mem),
                high: Limit::unlimited("test"),
                swap_limit: Limit::unlimited("test"),
                host_total_bytes: Fact::Known(64 * GIB),
                usage_bytes: Fact::NotApplicable,
                anon_bytes: Fact::NotApplicable,
                file_bytes: Fact::NotApplicable,
                active_file_bytes: Fact::NotApplicable,
                inactive_file_bytes: Fact::NotApplicable,
                shmem_bytes: Fact::NotApplicable,
                dirty_bytes: Fact::NotApplicable,
                writeback_bytes: Fact::NotApplicable,
                working_set_bytes: Fact::NotApplicable,
                oom_kills: Fact::NotApplicable,
            },
            identity: IdentityFacts {
                uid: Fact::Known(1000),
                gid: Fact::Known(1000),
                user: None,
                group: None,
                passwd_entry: false,
                passwd_source: None,
                home: None,
                user_namespace: false,
                host_uid: Fact::Known(1000),
            },
            namespaces: BTreeMap::new(),
            container: ContainerFacts {
                detected: true,
                runtime: None,
                evidence: vec![],
            },
            mounts: vec![],
            security: SecurityFacts {
                capabilities: Fact::Known(vec![]),
                seccomp: None,
                no_new_privs: None,
                lsm: None,
            },
            host: HostFacts {
                hypervisor: Fact::NotApplicable,
            },
            jvm: Some(JavaFacts {
                path: Some("/usr/bin/java".into()),
                home: None,
                version: Some(jdk.into()),
                vendor: None,
                runtime_version: None,
                version_source: "test".into(),
            }),
            pressure: PressureFacts {
                cgroup: PressureSet::unknown("not in this test"),
                host: PressureSet::unknown("not in this test"),
            },
            interval: None,
            notes: vec![],
            env: env
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    fn run(f: &Facts, profile: &str, cmd: &[&str]) -> Advice {
        let user = UserOptions::gather(
            &f.env,
            &cmd.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        );
        advise(f, &load(profile, &[]).unwrap(), &user)
    }

    fn has(a: &Advice, prefix: &str) -> bool {
        a.recommended.flags.iter().any(|f| f.starts_with(prefix))
    }

    /// The advice warns about throttling exactly when the `cpu-throttled` finding fires.
    #[test]
    fn throttling_warning_uses_the_findings_threshold() {
        let warned = |periods: u64, throttled: u64| {
            let mut f = facts(Some(4 * GIB), Some(2.0), "17.0.15", &[]);
            f.cpu.throttling = Fact::Known(Throttling {
                periods,
                throttled_periods: throttled,
                throttled_seconds: 1.0,
            });
            run(&f, "default", &[])
                .warnings
                .iter()
                .any(|w| w.contains("throttled in"))
        };
        assert!(warned(1000, 100), "10% is notable");
        assert!(!warned(1000, 99));
        assert!(!warned(99, 99), "too few periods to judge");
        assert!(warned(u64::MAX, u64::MAX), "no overflow");
    }

    #[test]
    fn fractional_cpus_round_by_profile() {
        let f = facts(Some(4 * GIB), Some(2.5), "17.0.15", &[]);
        let a = run(&f, "default", &[]);
        assert_eq!(
            (
                a.jvm_view.active_processor_count,
                a.recommended.active_processor_count
            ),
            (3, 3)
        );
        assert!(
            !has(&a, "-XX:ActiveProcessorCount"),
            "the JVM already gets 3: {:?}",
            a.recommended.flags
        );
        let a = run(&f, "latency", &[]);
        assert_eq!(a.recommended.active_processor_count, 2);
        assert!(a
            .recommended
            .flags
            .contains(&"-XX:ActiveProcessorCount=2".to_owned()));
    }

    #[test]
    fn no_limits_leave_the_heap_to_the_jvm_and_warn() {
        let a = run(&facts(None, None, "17.0.15", &[]), "default", &[]);
        assert!(!has(&a, "-Xmx"), "{:?}", a.recommended.flags);
        assert_eq!(a.recommended.max_heap_bytes, a.jvm_view.max_heap_bytes);
        assert!(
            a.warnings.iter().any(|w| w.contains("no memory limit")),
            "{:?}",
            a.warnings
        );
        assert_eq!(a.recommended.active_processor_count, 8);
    }

    #[test]
    fn the_users_flags_win_and_conflicts_are_reported() {
        let f = facts(
            Some(GIB),
            Some(2.0),
            "17.0.15",
            &[(
                "JAVA_TOOL_OPTIONS",
                "-XX:+UseSerialGC -XX:MaxDirectMemorySize=10m",
            )],
        );
        let a = run(&f, "throughput", &["java", "-Xmx1g", "-jar", "app.jar"]);
        assert!(
            !has(&a, "-Xmx")
                && !has(&a, "-XX:+UseParallelGC")
                && !has(&a, "-XX:MaxDirectMemorySize"),
            "{:?}",
            a.recommended.flags
        );
        assert_eq!(a.recommended.gc, Gc::Serial);
        assert_eq!(a.recommended.max_heap_bytes, GIB);
        assert!(
            a.warnings
                .iter()
                .any(|w| w.contains("-Xmx1g") && w.contains("OOM-kill")),
            "{:?}",
            a.warnings
        );
        // A GC switched off counts as touching GC selection: no collector is added.
        let a = run(&f, "latency", &["-XX:-UseSerialGC"]);
        assert!(
            !a.recommended.flags.iter().any(|x| x.ends_with("GC")),
            "{:?}",
            a.recommended.flags
        );
    }

    #[test]
    fn old_jdk8_gets_thread_flags_and_a_heap() {
        let a = run(
            &facts(Some(2 * GIB), Some(1.0), "1.8.0_121", &[]),
            "default",
            &[],
        );
        assert!(!a.jvm_view.container_aware);
        assert_eq!(a.jvm_view.active_processor_count, 8);
        assert!(!has(&a, "-XX:ActiveProcessorCount"), "not before 8u191");
        assert!(
            has(&a, "-XX:ParallelGCThreads=1") && has(&a, "-Xmx"),
            "{:?}",
            a.recommended.flags
        );
        // 8u191 has ActiveProcessorCount and reads v1.
        let a = run(
            &facts(Some(2 * GIB), Some(1.0), "1.8.0_191", &[]),
            "default",
            &[],
        );
        assert!(
            a.jvm_view.container_aware && !has(&a, "-XX:ActiveProcessorCount"),
            "{:?}",
            a.recommended.flags
        );
        // 8u131 with a user heap fraction: the experimental flags make the fraction see the limit.
        let a = run(
            &facts(Some(2 * GIB), Some(1.0), "1.8.0_131", &[]),
            "default",
            &["-XX:MaxRAMFraction=2"],
        );
        assert!(
            a.recommended
                .flags
                .contains(&"-XX:+UseCGroupMemoryLimitForHeap".to_owned()),
            "{:?}",
            a.recommended.flags
        );
    }

    #[test]
    fn huge_and_tiny_limits() {
        let a = run(
            &facts(Some(128 * GIB), Some(16.0), "21.0.2", &[]),
            "latency",
            &[],
        );
        assert_eq!(a.recommended.gc, Gc::Zgc);
        assert!(a
            .recommended
            .flags
            .contains(&"-XX:+ZGenerational".to_owned()));
        assert!(a.recommended.max_heap_bytes <= 31 * GIB);
        let a = run(
            &facts(Some(128 << 20), Some(0.5), "17.0.15", &[]),
            "default",
            &[],
        );
        assert!(
            a.warnings.iter().any(|w| w.contains("too small")),
            "{:?}",
            a.warnings
        );
        assert!(a.recommended.max_heap_bytes >= 48 << 20);
    }
}
