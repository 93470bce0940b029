//! The advisor's tests: whole-advice cases over hand-built facts.

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
            proc_cgroups: Fact::NotApplicable,
            mount_point_fallback: (None, None),
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
            reservation: Limit::unlimited("test"),
            host_swap_bytes: Fact::NotApplicable,
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
            passwd_entry: Fact::Known(false),
            passwd_source: None,
            passwd_home: None,
            passwd_home_writable: Fact::NotApplicable,
            home: None,
            user_namespace: Fact::Known(false),
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
        java_processes: Vec::new(),
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

/// No flag with this prefix, and why not in the message.
fn lacks(a: &Advice, prefix: &str, what: &str) {
    assert!(!has(a, prefix), "{what}: {:?}", a.recommended.flags)
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
        !has(&a, "-Xmx") && !has(&a, "-XX:+UseParallelGC") && !has(&a, "-XX:MaxDirectMemorySize"),
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

/// A JVM that `/proc/cgroups` blinds gets every flag explicitly, even a processor count equal
/// to the host's; one that would crash also gets `-XX:-UseContainerSupport`.
#[test]
fn blind_and_crashing_jvms_get_every_flag() {
    let no = |line: &str| {
        let t = "cpuset 3 1 1\ncpu 1 1 1\ncpuacct 2 1 1\nmemory 4 3 1\n";
        crate::parse::proc_cgroups::parse(
            &t.lines()
                .filter(|l| !l.starts_with(&format!("{line} ")))
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        )
    };
    // 8 host CPUs, an 8-CPU quota: a container-aware JVM needs no processor flag.
    let mut f = facts(Some(GIB), Some(8.0), "17.0.15", &[]);
    f.cgroup.proc_cgroups = Fact::Known(no("none"));
    let a = run(&f, "default", &[]);
    assert!(a.jvm_view.container_aware && !has(&a, "-XX:ActiveProcessorCount"));
    f.cgroup.proc_cgroups = Fact::Known(no("memory"));
    let a = run(&f, "default", &[]);
    assert!(!a.jvm_view.container_aware, "{a:#?}");
    assert!(a
        .jvm_view
        .blind_reason
        .as_deref()
        .unwrap()
        .contains("'memory'"));
    assert!(
        has(&a, "-XX:ActiveProcessorCount=8") && has(&a, "-Xmx"),
        "{a:#?}"
    );
    assert!(!has(&a, "-XX:-UseContainerSupport"));
    let mut f = facts(Some(GIB), Some(0.5), "21.0.8", &[]);
    f.cgroup.proc_cgroups = Fact::Known(no("cpuset"));
    let a = run(&f, "default", &[]);
    assert!(a.jvm_view.will_not_start);
    for flag in [
        "-XX:-UseContainerSupport",
        "-XX:ActiveProcessorCount=1",
        "-Xmx",
    ] {
        assert!(has(&a, flag), "{flag}: {a:#?}");
    }
    // The user's own choice about container support is left alone.
    let a = run(&f, "default", &["-XX:+UseContainerSupport"]);
    assert!(!has(&a, "-XX:-UseContainerSupport"));
}

/// G1's GC-time target comes with the heap ctune sized, and only then: not under Parallel or
/// Serial, not for a heap or a ratio of the user's, not where the profile asks for none.
#[test]
fn g1_time_ratio_only_with_a_budgeted_g1_heap() {
    let ratio = load("default", &[]).unwrap().gc.g1_time_ratio;
    assert!(ratio > 0, "the default profile sets one");
    let flag = format!("-XX:GCTimeRatio={ratio}");
    let big = facts(Some(4 * GIB), Some(2.0), "17.0.15", &[]);
    let a = run(&big, "default", &[]);
    assert_eq!(a.recommended.gc, Gc::G1);
    assert!(
        a.recommended.flags.contains(&flag),
        "{:?}",
        a.recommended.flags
    );
    let why = &a.rationale.iter().find(|r| r.flag == flag).unwrap().why;
    assert!(why.contains("1024 MiB"), "names the JVM's own heap: {why}");
    assert!(
        has(&run(&big, "latency", &[]), "-XX:GCTimeRatio="),
        "latency extends default"
    );
    let none = |a: &Advice, what: &str| lacks(a, "-XX:GCTimeRatio", what);
    none(
        &run(&big, "throughput", &[]),
        "Parallel sizes by its own ratio",
    );
    none(
        &run(
            &facts(Some(4 * GIB), Some(1.0), "17.0.15", &[]),
            "default",
            &[],
        ),
        "Serial",
    );
    none(
        &run(&big, "default", &["java", "-Xmx2g", "Main"]),
        "the user's heap",
    );
    none(
        &run(&big, "default", &["java", "-XX:GCTimeRatio=19", "Main"]),
        "the user's ratio",
    );
    none(
        &run(&facts(None, Some(2.0), "17.0.15", &[]), "default", &[]),
        "the JVM's own heap",
    );
    let set = |v: &str| {
        let p = load("default", &[format!("gc.g1_time_ratio={v}")]).unwrap();
        advise(&big, &p, &UserOptions::gather(&big.env, &[]))
    };
    none(&set("0"), "--set gc.g1_time_ratio=0");
    none(&set("12"), "the JVM's own ratio");
    let lazier = set("19");
    assert!(has(&lazier, "-XX:GCTimeRatio=19"), "{:?}", lazier.rationale);
    assert!(lazier.rationale.iter().any(|r| r.why.contains("5.0 %")));
}

/// Parallel starts a heap ctune sized at an eighth of the limit, and only then: not under G1
/// or Serial, not beside the user's own heap or start, not where the profile asks for none or
/// already fixes the heap.
#[test]
fn parallel_starts_at_an_eighth_of_the_limit() {
    let big = facts(Some(4 * GIB), Some(2.0), "17.0.15", &[]);
    let a = run(&big, "throughput", &[]);
    assert_eq!(a.recommended.gc, Gc::Parallel);
    assert!(
        a.recommended
            .flags
            .contains(&"-XX:InitialHeapSize=512m".to_owned()),
        "{:?}",
        a.recommended.flags
    );
    let why = &a
        .rationale
        .iter()
        .find(|r| r.flag.starts_with("-XX:InitialHeapSize="))
        .unwrap()
        .why;
    assert!(why.contains("12.5 %") && why.contains("64 MiB"), "{why}");
    // The user picked Parallel under the default profile: the same growth, the same start.
    let users = run(&big, "default", &["java", "-XX:+UseParallelGC", "Main"]);
    assert!(
        has(&users, "-XX:InitialHeapSize=512m"),
        "{:?}",
        users.recommended.flags
    );
    // JDK 8 takes the flag as well (and has Parallel's growth).
    let jdk8 = run(
        &facts(Some(2 * GIB), Some(2.0), "1.8.0_372", &[]),
        "throughput",
        &[],
    );
    assert!(
        has(&jdk8, "-XX:InitialHeapSize=256m"),
        "{:?}",
        jdk8.recommended.flags
    );
    let none = |a: &Advice, what: &str| lacks(a, "-XX:InitialHeapSize", what);
    none(&run(&big, "default", &[]), "G1");
    none(
        &run(
            &facts(Some(4 * GIB), Some(1.0), "17.0.15", &[]),
            "throughput",
            &[],
        ),
        "Serial under 2 CPUs",
    );
    none(
        &run(&big, "throughput", &["java", "-Xmx2g", "Main"]),
        "the user's heap",
    );
    none(
        &run(&big, "throughput", &["java", "-Xms1g", "Main"]),
        "the user's -Xms",
    );
    none(
        &run(
            &big,
            "throughput",
            &["java", "-XX:InitialRAMPercentage=5", "Main"],
        ),
        "the user's start",
    );
    none(
        &run(
            &big,
            "throughput",
            &["java", "-XX:MinHeapSize=100m", "Main"],
        ),
        "the user's least heap",
    );
    for young in [
        "-Xmn1g",
        "-XX:NewSize=1g",
        "-XX:OldSize=1g",
        "-XX:InitialRAMFraction=8",
    ] {
        none(
            &run(&big, "throughput", &["java", young, "Main"]),
            "the user's generation sizes set the start too",
        );
    }
    none(
        &run(&facts(None, Some(2.0), "17.0.15", &[]), "throughput", &[]),
        "the JVM's own heap",
    );
    let set = |s: &str| {
        let p = load("throughput", &[s.to_owned()]).unwrap();
        advise(&big, &p, &UserOptions::gather(&big.env, &[]))
    };
    none(&set("gc.parallel_initial_fraction=0"), "asked for none");
    let fixed = set("memory.fixed_heap=true");
    none(&fixed, "a fixed heap");
    assert!(has(&fixed, "-Xms"), "{:?}", fixed.recommended.flags);
    assert!(load("throughput", &["gc.parallel_initial_fraction=1.5".into()]).is_err());
}

/// Where the heap made room for told memory, Serial gets a fixed young generation and Parallel a
/// ratio; untold, or with the user's own split, neither.
#[test]
fn young_generation_by_collector() {
    let one_cpu = facts(Some(GIB), Some(1.0), "17.0.15", &[]);
    let told = |profile: &str, set: &str, cmd: &[&str]| {
        let p = load(profile, &[set.to_string()]).unwrap();
        let cmd: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
        advise(&one_cpu, &p, &UserOptions::gather(&one_cpu.env, &cmd))
    };
    let serial = told("default", "memory.direct_mib=240", &[]);
    assert_eq!(serial.recommended.gc, Gc::Serial);
    assert!(has(&serial, "-Xmn"), "{:?}", serial.recommended.flags);
    assert!(
        !has(&serial, "-XX:NewRatio"),
        "{:?}",
        serial.recommended.flags
    );
    // The throughput profile's smaller thread guess leaves a heap (646 MiB) where NewRatio=4
    // reaches half the limit; the default profile's 636 MiB gets no split from Parallel.
    let parallel = told(
        "throughput",
        "memory.direct_mib=240",
        &["java", "-XX:+UseParallelGC", "Main"],
    );
    assert!(has(&parallel, "-XX:NewRatio="), "{:?}", parallel.rationale);
    assert!(!has(&parallel, "-Xmn"), "{:?}", parallel.recommended.flags);
    let untold = run(&one_cpu, "default", &[]);
    assert!(!has(&untold, "-Xmn") && !has(&untold, "-XX:NewRatio"));
    let users = told(
        "default",
        "memory.direct_mib=240",
        &["java", "-XX:NewRatio=2", "Main"],
    );
    assert!(!has(&users, "-Xmn"), "{:?}", users.recommended.flags);
}

/// Biased locking off where the JDK has it on by default, never against the user's own
/// setting, never where the flag is deprecated (15-17) or gone (18+).
#[test]
fn biased_locking_off_before_jdk_15() {
    for (jdk, expected) in [
        ("1.8.0_121", true),
        ("1.8.0_372", true),
        ("11.0.13", true),
        ("14.0.2", true),
        ("15.0.1", false),
        ("17.0.15", false),
        ("21.0.8", false),
        ("25.0.2", false),
    ] {
        let a = run(&facts(Some(GIB), Some(1.0), jdk, &[]), "default", &[]);
        assert_eq!(
            has(&a, "-XX:-UseBiasedLocking"),
            expected,
            "{jdk}: {:?}",
            a.recommended.flags
        );
        let why = a
            .rationale
            .iter()
            .find(|r| r.flag == "-XX:-UseBiasedLocking");
        assert_eq!(why.is_some(), expected, "{jdk}: a reason with the flag");
    }
    for user in [["-XX:+UseBiasedLocking"], ["-XX:-UseBiasedLocking"]] {
        for env in [&[][..], &[("JAVA_TOOL_OPTIONS", user[0])][..]] {
            let cmd: &[&str] = if env.is_empty() { &user } else { &[] };
            let a = run(&facts(Some(GIB), Some(1.0), "11.0.13", env), "default", cmd);
            assert!(
                !has(&a, "-XX:-UseBiasedLocking") && !has(&a, "-XX:+UseBiasedLocking"),
                "{user:?} {env:?}: {:?}",
                a.recommended.flags
            );
        }
    }
}
