//! Findings: what will hurt in this environment, each with why, a concrete fix and the
//! evidence that proved it.
//!
//! One engine ([`check`]) over the facts and the JVM advice, with two front doors: `ctune
//! doctor` (a person at a terminal) and `ctune lint` (CI). Every check is a pure function of
//! its inputs: no I/O happens here. The ids, and the severities of `no-lsm-confinement` and
//! `running-under-hypervisor`, are fixed by the interface contract; the catalogue in [`RULES`]
//! lists every id this engine can produce, in the order reports show them.
//!
//! Families: [`resources`] (cgroup, CPU, memory, host), [`identity`] (identity and security),
//! [`storage`] (data directories), [`jvm`] (the Java found or assumed, and the user's options).
//! [`running`] (the JVMs that are running, from their perf-data counters).

pub mod identity;
pub mod jvm;
pub mod pressure;
pub mod resources;
pub mod running;
pub mod storage;

use crate::facts::Facts;
use crate::jvm::advise::Advice;
use crate::jvm::options::UserOptions;
use crate::jvm::version::JavaVersion;
use serde::Serialize;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix in the container itself, or a mild risk.
    Info,
    /// Hurts performance or safety, or will under load.
    Warning,
    /// Breaks the workload (OOM kills, a JVM sized for the wrong machine).
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding. Serialises as the contract's `{"id", "severity", "title", "detail", "fix",
/// "evidence"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable kebab-case id, one of [`RULES`].
    pub id: &'static str,
    pub severity: Severity,
    /// One line: what is wrong, with the numbers.
    pub title: String,
    /// The mechanism in a sentence or a few: why it hurts.
    pub detail: String,
    /// What to do: a flag, a volume, a securityContext line, a recipe.
    pub fix: String,
    /// The files and values that proved it, as seen inside the inspected system.
    pub evidence: Vec<String>,
}

/// A check's metadata: what `lint --format sarif` lists as rules and `junit` as test cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// The severity a finding of this id usually has (some vary with the case: root in a user
    /// namespace is `info`, host root `warning`).
    pub severity: Severity,
    /// PascalCase name (SARIF `name`).
    pub name: &'static str,
    /// One sentence: when it fires.
    pub summary: &'static str,
    /// Why it matters.
    pub description: &'static str,
    /// The usual fix.
    pub help: &'static str,
}

/// Every check, in report order (cgroup/CPU/memory, JVM, storage, identity/security, host).
pub const RULES: &[Rule] = &[
    Rule {
        id: "memory-limit-unset",
        severity: Severity::Warning,
        name: "MemoryLimitUnset",
        summary: "The process has no memory limit.",
        description: "Without a memory limit the JVM sizes its heap from host RAM, and nothing stops the process from taking the whole node's memory into a system OOM that kills other workloads.",
        help: "Set a memory limit (docker run --memory, Kubernetes resources.limits.memory, systemd MemoryMax=); in CI, lint the target environment with --assume memory=SIZE.",
    },
    Rule {
        id: "cgroup-limit-unknown",
        severity: Severity::Warning,
        name: "CgroupLimitUnknown",
        summary: "A CPU or memory limit cannot be read from the cgroup file system.",
        description: "The limit still applies in the kernel, but runtimes that read cgroups (the JVM, Go's automaxprocs) fail the same way and size themselves for the host.",
        help: "Give the container its own cgroup namespace (docker --cgroupns=private) so /sys/fs/cgroup shows its own cgroup, or state the limits to the runtime (-XX:ActiveProcessorCount, -Xmx); in CI, --assume cpus=N,memory=SIZE.",
    },
    Rule {
        id: "limit-in-parent-cgroup",
        severity: Severity::Warning,
        name: "LimitInParentCgroup",
        summary: "The effective CPU or memory limit is set on an ancestor cgroup, not the process's own.",
        description: "HotSpot before JDK 24 reads only its own cgroup's CPU quota (and on cgroup v2 its own memory.max); Go, automaxprocs and num_cpus read only their own cgroup too. They size themselves for more than the kernel allows.",
        help: "Set the limit on the container's own cgroup as well, or tell the runtime explicitly (-XX:ActiveProcessorCount=N and -Xmx, GOMAXPROCS=N); JDK 24+ walks the ancestors.",
    },
    Rule {
        id: "memory-high-below-max",
        severity: Severity::Warning,
        name: "MemoryHighBelowMax",
        summary: "memory.high throttles the process below memory.max.",
        description: "Past memory.high the kernel reclaims and stalls the process instead of killing it; a JVM sized from memory.max slows to a crawl (the memory.high livelock) rather than failing fast.",
        help: "Size the JVM from memory.high (ctune --assume memory=HIGH jvm), or set memory.high to max / turn off Kubernetes MemoryQoS for this workload.",
    },
    Rule {
        id: "cpu-throttled",
        severity: Severity::Warning,
        name: "CpuThrottled",
        summary: "The cgroup has been throttled by its CPU quota in a notable share of periods.",
        description: "A throttled cgroup used its whole quota before the CFS period ended and waited for the next one: GC and JIT bursts run many threads at once and turn into latency spikes.",
        help: "Raise the CPU limit (or drop it and keep the request), or have the JVM run fewer threads at once (-XX:ActiveProcessorCount, fewer GC threads).",
    },
    Rule {
        id: "oom-kills-recorded",
        severity: Severity::Warning,
        name: "OomKillsRecorded",
        summary: "The cgroup records OOM kills.",
        description: "The kernel's OOM killer ended a process in this cgroup: a JVM killed this way leaves no OutOfMemoryError and no heap dump, only exit code 137.",
        help: "Fit heap plus off-heap plus page cache into the limit (ctune jvm prints a budget), keep tmpfs use small, or raise the limit.",
    },
    Rule {
        id: "page-cache-pressure",
        severity: Severity::Warning,
        name: "PageCachePressure",
        summary: "Page cache and tmpfs take a large share of the limit while the working set is near it.",
        description: "Active file pages and tmpfs count in the working set that the kubelet evicts on; tmpfs cannot be reclaimed and dirty pages only after writeback, so a process with a modest heap is evicted or OOM-killed.",
        help: "Keep scratch data off tmpfs, delete temporary files, leave a page-cache reserve in the limit, and flush writers so dirty pages do not pile up.",
    },
    Rule {
        id: "memory-pressure-stalls",
        severity: Severity::Warning,
        name: "MemoryPressureStalls",
        summary: "Tasks of the cgroup stall on memory for a notable share of the time (PSI memory.pressure).",
        description: "Every stall is the kernel reclaiming memory to keep the cgroup under its limit: with a small heap it is page cache and tmpfs being squeezed, with a large one the next step is the OOM killer.",
        help: "Keep scratch data off tmpfs and leave room for page cache in the limit (small heap), or give the JVM less or the container more memory (large heap).",
    },
    Rule {
        id: "cpu-pressure-stalls",
        severity: Severity::Warning,
        name: "CpuPressureStalls",
        summary: "Runnable tasks of the cgroup wait for a CPU for a notable share of the time (PSI cpu.pressure).",
        description: "Under a CPU quota the waiting is the quota running out before the period ends; without one it is other work on the machine. Either way requests wait and GC pauses stretch.",
        help: "Raise the CPU limit or request, or have the JVM run fewer threads at once (-XX:ActiveProcessorCount, smaller pools).",
    },
    Rule {
        id: "running-under-hypervisor",
        severity: Severity::Info,
        name: "RunningUnderHypervisor",
        summary: "The container runs inside a virtual machine.",
        description: "A hypervisor costs on the order of 10% of CPU and more for I/O, and vCPUs may be overcommitted (steal time).",
        help: "Nothing to fix in the container; for latency-critical work prefer bare-metal or dedicated vCPUs and watch steal time.",
    },
    Rule {
        id: "jvm-blind-to-cgroup",
        severity: Severity::Error,
        name: "JvmBlindToCgroup",
        summary: "The Java found (or assumed) does not read this cgroup version's limits.",
        description: "Such a JVM sizes its heap from host RAM and its GC and JIT threads from the host's CPUs: the kernel OOM-kills it and the CPU quota throttles it.",
        help: "Upgrade the JDK (cgroup v1: 8u191, 10; cgroup v2: 8u372, 11.0.16, 15), or state the limits with flags (ctune jvm prints them, ctune exec applies them).",
    },
    Rule {
        id: "jvm-without-container-support",
        severity: Severity::Warning,
        name: "JvmWithoutContainerSupport",
        summary: "The Java has no container support at all (before 8u191), or it is switched off.",
        description: "Without UseContainerSupport the JVM has no -XX:ActiveProcessorCount or -XX:MaxRAMPercentage either: every thread pool and the heap must be sized by hand and re-sized whenever the limits change.",
        help: "Upgrade to 8u372, 11.0.16, 17 or later, and remove -XX:-UseContainerSupport from the options.",
    },
    Rule {
        id: "cpu-count-from-shares",
        severity: Severity::Warning,
        name: "CpuCountFromShares",
        summary: "The JVM will size itself from cpu shares or weight instead of a quota.",
        description: "JDKs before 17.0.5, 18.0.2 and 19 (JDK-8281181) take ceil(shares/1024) as their CPU count when no quota is set, but shares are a relative weight (a Kubernetes CPU request), not a limit: a small request gives one GC and JIT thread on a machine with many free CPUs.",
        help: "Pass -XX:ActiveProcessorCount=N, set a CPU limit, or upgrade to 17.0.5+ / 19+.",
    },
    Rule {
        id: "heap-exceeds-memory-limit",
        severity: Severity::Error,
        name: "HeapExceedsMemoryLimit",
        summary: "An -Xmx (or a heap percentage) in the user's own options leaves no room under the memory limit.",
        description: "Metaspace, the code cache, thread stacks, direct buffers and GC structures live outside the heap: a heap this close to the limit gets the JVM OOM-killed before it ever throws OutOfMemoryError.",
        help: "Lower -Xmx to what the limit leaves after off-heap memory (ctune jvm computes it), or raise the limit.",
    },
    Rule {
        id: "jvm-option-rejected",
        severity: Severity::Error,
        name: "JvmOptionRejected",
        summary: "The user's own JVM options stop this JVM from starting.",
        description: "HotSpot refuses to start on an initial or minimum heap above the maximum, two selected collectors, an -XX flag this version does not know, a VMOptionsFile in an environment variable, an unmatched quote in JAVA_TOOL_OPTIONS/JDK_JAVA_OPTIONS/_JAVA_OPTIONS, or a reserved code cache below the initial one.",
        help: "Remove or correct the option named in the finding (its source is given); `ctune lint -- java ...` checks a command line before it ships.",
    },
    Rule {
        id: "initial-heap-exceeds-budget",
        severity: Severity::Warning,
        name: "InitialHeapExceedsBudget",
        summary: "The user's -Xms, InitialHeapSize or MinHeapSize is above the heap the memory limit leaves room for.",
        description: "The JVM keeps at least that much heap, so it needs a maximum at least as large: ctune exec raises -Xmx to it rather than stop the JVM, and metaspace, thread stacks and direct buffers get less room than the budget gives them; near the limit the kernel OOM-kills the JVM.",
        help: "Lower -Xms to the budgeted heap (`ctune jvm` shows it) or drop it, or raise the memory limit.",
    },
    Rule {
        id: "heap-option-contradicted",
        severity: Severity::Warning,
        name: "HeapOptionContradicted",
        summary: "One of the user's heap options is silently overruled by another.",
        description: "For a flag given twice the JVM takes the last one it reads (JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS, the command line, _JAVA_OPTIONS), and -Xmx beats any heap percentage: the overruled option does nothing, which misleads whoever reads it.",
        help: "Keep one heap setting, in one place.",
    },
    Rule {
        id: "jvm-budget-exceeds-limit",
        severity: Severity::Warning,
        name: "JvmBudgetExceedsLimit",
        summary: "The memory limit is too small for the profile's JVM even after squeezing every part of the budget to its floor.",
        description: "ctune divides the limit between the heap and what is not heap (metaspace, code cache, thread stacks, direct buffers, page cache reserve, headroom) and squeezes the latter toward floors on small limits; past that, the JVM's memory adds up to more than the limit and the kernel may OOM-kill it under load. The same warning `ctune jvm` prints under its budget.",
        help: "Raise the memory limit to the budget's total, or lower what the profile reserves: --set memory.threads=..., memory.loaded_classes=..., memory.direct_mib=... (ctune jvm shows the budget).",
    },
    Rule {
        id: "collector-burns-cpu-limit",
        severity: Severity::Warning,
        name: "CollectorBurnsCpuLimit",
        summary: "The user's options pick Parallel, G1, ZGC or Shenandoah under a CPU limit below two cores.",
        description: "These collectors run GC work on several threads or beside the application; under a small quota those threads take the CPU time the application needs, and a collection that uses up the period is throttled until the next one. HotSpot itself picks Serial GC below two processors.",
        help: "Remove the collector option (ctune and the JVM then pick Serial GC), or raise the CPU limit to 2 or more.",
    },
    Rule {
        id: "running-heap-exceeds-memory-limit",
        severity: Severity::Error,
        name: "RunningHeapExceedsMemoryLimit",
        summary: "A running JVM's maximum heap plus what it already holds outside the heap is more than the memory limit.",
        description: "The heap grows towards its maximum while metaspace, the code cache, thread stacks and native buffers stay where they are: when the sum passes the limit the kernel OOM-kills the JVM (exit 137) with no OutOfMemoryError and a heap that may look half empty.",
        help: "Lower -Xmx to what the limit leaves after the off-heap memory the JVM holds (ctune jvm prints a budget), or raise the limit.",
    },
    Rule {
        id: "running-native-memory-near-limit",
        severity: Severity::Warning,
        name: "RunningNativeMemoryNearLimit",
        summary: "A running JVM's resident memory is near the memory limit while its heap is mostly free.",
        description: "Memory outside the heap (direct buffers, thread stacks, glibc malloc arenas, JNI libraries) is not limited by -Xmx; when it grows the kernel kills the JVM with a mostly free heap.",
        help: "Measure with -XX:NativeMemoryTracking=summary and jcmd VM.native_memory; set MALLOC_ARENA_MAX=2, cap -XX:MaxDirectMemorySize, run fewer threads or smaller stacks (-Xss).",
    },
    Rule {
        id: "running-gc-overhead",
        severity: Severity::Warning,
        name: "RunningGcOverhead",
        summary: "A running JVM spends a notable share of its time in GC pauses.",
        description: "Pauses stop the application; a heap too small for its live data, or a collector starved by the CPU quota, collects over and over.",
        help: "Give the heap room for the live set within the limit, or more CPU; with a small quota prefer the Serial or Parallel collector.",
    },
    Rule {
        id: "running-cpu-count-exceeds-quota",
        severity: Severity::Warning,
        name: "RunningCpuCountExceedsQuota",
        summary: "A running JVM sizes its thread pools for more processors than the CPU quota gives.",
        description: "GC workers, JIT compiler threads and the common fork-join pool are sized from the processor count: more runnable threads than the quota exhaust it early in each period and the cgroup is throttled.",
        help: "Start the JVM with -XX:ActiveProcessorCount=N for the quota (ctune exec adds it), or raise the CPU limit.",
    },
    Rule {
        id: "running-flags-differ-from-advice",
        severity: Severity::Info,
        name: "RunningFlagsDifferFromAdvice",
        summary: "A running JVM was started with heap, collector or processor flags that differ from ctune's advice.",
        description: "ctune's advice sizes the JVM for this container's limits; a JVM started otherwise may be sized for another machine (or deliberately tuned).",
        help: "Start the JVM with the advised flags (ctune jvm --format flags, or ctune exec), or allow this id where the difference is intended.",
    },
    Rule {
        id: "data-dir-on-loop-device",
        severity: Severity::Warning,
        name: "DataDirOnLoopDevice",
        summary: "A data directory is on a loop device, or on device-mapper over one.",
        description: "Every write goes through two file systems, fsync is slow, and with direct I/O off every page is cached twice; Docker's devicemapper loop-lvm mode is the known-slow case.",
        help: "Put data on a volume backed by a real block device; switch Docker to overlay2 or direct-lvm; losetup --direct-io=on avoids the double cache.",
    },
    Rule {
        id: "data-dir-on-tmpfs",
        severity: Severity::Warning,
        name: "DataDirOnTmpfs",
        summary: "A data directory is memory-backed, so its files count against the memory limit.",
        description: "tmpfs files are RAM charged to the cgroup as shmem, stay charged until deleted (across restarts for a memory-backed emptyDir) and cannot be reclaimed without swap.",
        help: "Use disk-backed scratch space (a plain emptyDir or a volume); if tmpfs must stay, give it a size and count it in the memory limit.",
    },
    Rule {
        id: "data-dir-on-overlay",
        severity: Severity::Info,
        name: "DataDirOnOverlay",
        summary: "A data directory is in the container's writable layer.",
        description: "Writes to the overlay layer are copy-on-write and slower than a volume, count as ephemeral storage, and are lost when the container is removed.",
        help: "Mount a volume at the data directory and point the workload there (SPARK_LOCAL_DIRS, -Djava.io.tmpdir).",
    },
    Rule {
        id: "data-dir-on-network-fs",
        severity: Severity::Warning,
        name: "DataDirOnNetworkFs",
        summary: "A data directory is on a network file system.",
        description: "Every write and fsync is a network round trip, locking and rename semantics differ from a local disk, and a server hiccup blocks the process in uninterruptible I/O.",
        help: "Keep scratch, shuffle and index data on local disk; use the share for input and output only.",
    },
    Rule {
        id: "data-dir-read-only",
        severity: Severity::Warning,
        name: "DataDirReadOnly",
        summary: "A temporary or data directory is on a read-only mount.",
        description: "The JVM cannot write its perf data or extract native libraries there, createTempFile fails and Spark cannot spill.",
        help: "Mount a writable volume there (an emptyDir at /tmp next to readOnlyRootFilesystem: true, or docker run --tmpfs /tmp:size=...).",
    },
    Rule {
        id: "running-as-root",
        severity: Severity::Warning,
        name: "RunningAsRoot",
        summary: "The process runs as uid 0 (host root, or root mapped by a user namespace).",
        description: "Host root turns any escape, writable host mount or extra capability into control of the host; root in a user namespace is root only inside it.",
        help: "Run as a non-root user (USER in the Dockerfile, securityContext runAsNonRoot: true and runAsUser), or rootless so root maps to an unprivileged host uid.",
    },
    Rule {
        id: "uid-without-passwd-entry",
        severity: Severity::Warning,
        name: "UidWithoutPasswdEntry",
        summary: "The uid has no passwd entry (and no working nss_wrapper).",
        description: "getpwuid() fails: Java's user.name and user.home become '?', Hadoop's user lookup fails, and ssh, git and whoami refuse to work.",
        help: "Add an entry at start (a group-writable /etc/passwd), or preload nss_wrapper with NSS_WRAPPER_PASSWD/NSS_WRAPPER_GROUP (ctune exec --nss-wrapper does it).",
    },
    Rule {
        id: "home-unset-for-arbitrary-uid",
        severity: Severity::Warning,
        name: "HomeUnsetForArbitraryUid",
        summary: "HOME is unset or '/' for a uid without a passwd entry.",
        description: "Tools that keep state under the home directory (Maven, Gradle, pip, npm, ssh, git) write to / or fail.",
        help: "Set HOME to a writable directory (ENV HOME=/tmp, or a volume) and pass -Duser.home=$HOME to Java.",
    },
    Rule {
        id: "home-not-writable",
        severity: Severity::Warning,
        name: "HomeNotWritable",
        summary: "The passwd entry's home directory (Java's user.home) is missing or not writable for the uid.",
        description: "The JVM takes user.home from the passwd entry, not from HOME: podman's --user UID writes an entry with home /, so code that keeps files under user.home fails.",
        help: "Give the entry a writable home, or pass -Duser.home=DIR (a writable directory) to Java; ctune exec does that itself.",
    },
    Rule {
        id: "secret-in-environment",
        severity: Severity::Warning,
        name: "SecretInEnvironment",
        summary: "A secret-looking variable is in the environment (its value is never printed).",
        description: "Environment variables leak: /proc/PID/environ, docker inspect, the pod spec, crash reports and every child process see them.",
        help: "Mount secrets as files (Kubernetes secret volume, /run/secrets) and pass the path (the *_FILE convention).",
    },
    Rule {
        id: "dangerous-capabilities",
        severity: Severity::Warning,
        name: "DangerousCapabilities",
        summary: "Effective capabilities beyond a container runtime's default set.",
        description: "Capabilities such as CAP_SYS_ADMIN, CAP_SYS_PTRACE or CAP_NET_ADMIN let a compromised process reach the host or other containers.",
        help: "Drop what is not needed: --cap-drop ALL --cap-add ONLY_NEEDED, securityContext capabilities drop: [ALL]; never --privileged for an application.",
    },
    Rule {
        id: "no-lsm-confinement",
        severity: Severity::Info,
        name: "NoLsmConfinement",
        summary: "No SELinux or AppArmor confinement.",
        description: "A mandatory access control profile (docker-default, container_t) is a second wall behind namespaces and capabilities.",
        help: "Run with the runtime's default profile (do not use --security-opt apparmor=unconfined or label=disable); on Kubernetes set securityContext appArmorProfile or seLinuxOptions.",
    },
    Rule {
        id: "seccomp-unconfined",
        severity: Severity::Info,
        name: "SeccompUnconfined",
        summary: "The container runs without a seccomp filter.",
        description: "Without seccomp every system call is open to the process, including the rarely used ones that most kernel exploits need.",
        help: "Use the runtime's default profile: Kubernetes securityContext seccompProfile type: RuntimeDefault (or kubelet --seccomp-default); do not pass --security-opt seccomp=unconfined.",
    },
];

/// The catalogue entry for an id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// What every check reads: the facts, the JVM advice, the user's own JVM options and the
/// version of the Java found or assumed (None when there is none or it is unreadable: the
/// version-dependent JVM checks then say nothing).
pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub advice: &'a Advice,
    pub user: UserOptions,
    pub java: Option<JavaVersion>,
}

impl<'a> Ctx<'a> {
    pub fn new(facts: &'a Facts, advice: &'a Advice) -> Self {
        let java = facts
            .jvm
            .as_ref()
            .and_then(|j| j.version.as_deref())
            .and_then(JavaVersion::parse);
        Ctx {
            facts,
            advice,
            user: user_options(advice),
            java,
        }
    }
}

/// The user's options as the advisor took them, in the JVM's order.
pub fn user_options(advice: &Advice) -> UserOptions {
    advice.user_options.clone()
}

/// Run every check. Findings come out most severe first, then in [`RULES`] order, at most one
/// per id.
pub fn check(facts: &Facts, advice: &Advice) -> Vec<Finding> {
    let cx = Ctx::new(facts, advice);
    let mut out = Vec::new();
    resources::check(&cx, &mut out);
    pressure::check(&cx, &mut out);
    jvm::check(&cx, &mut out);
    running::check(&cx, &mut out);
    storage::check(&cx, &mut out);
    identity::check(&cx, &mut out);
    sort(&mut out);
    out
}

/// Most severe first, then catalogue order.
pub fn sort(findings: &mut [Finding]) {
    let pos = |id: &str| RULES.iter().position(|r| r.id == id).unwrap_or(usize::MAX);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| pos(a.id).cmp(&pos(b.id)))
    });
}

/// `{"error": n, "warning": n, "info": n}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

pub fn counts(findings: &[Finding]) -> Counts {
    let mut c = Counts::default();
    for f in findings {
        match f.severity {
            Severity::Error => c.error += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
        }
    }
    c
}

// ---- small helpers shared by the families -------------------------------------------------

/// Percentage of `part` in `whole`, one decimal.
pub(crate) fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0".into();
    }
    let p = 100.0 * part as f64 / whole as f64;
    let s = format!("{p:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// `a, b and c`.
pub(crate) fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Sizes for people: [`crate::units::bytes`]'s one policy (MiB below 10 GiB, GiB above).
pub(crate) use crate::units::bytes as size;

/// A number of cores without trailing zeros: `1.5`, `2`, `0.333`.
pub(crate) fn cores(c: f64) -> String {
    let s = format!("{c:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `1 CPU` / `2.5 CPUs`.
pub(crate) fn cpus(c: f64) -> String {
    format!("{} {}", cores(c), if c == 1.0 { "CPU" } else { "CPUs" })
}

/// The flags `ctune jvm` recommends that start with one of the prefixes, space-separated.
pub(crate) fn advised(advice: &Advice, prefixes: &[&str]) -> Vec<String> {
    advice
        .recommended
        .flags
        .iter()
        .filter(|f| prefixes.iter().any(|p| f.starts_with(p)))
        .cloned()
        .collect()
}

/// `1 process` / `3 processes`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
pub(crate) mod test_facts;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rules_are_unique_kebab_case_and_complete() {
        let mut seen = HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "duplicate id {}", r.id);
            assert!(
                r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    && !r.id.starts_with('-')
                    && !r.id.ends_with('-'),
                "{} is not kebab-case",
                r.id
            );
            assert!(
                r.name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase()),
                "{}",
                r.name
            );
            for text in [r.summary, r.description, r.help] {
                assert!(
                    text.ends_with('.') || text.ends_with(')'),
                    "{}: {text}",
                    r.id
                );
            }
        }
        // The contract's ids are all here.
        for id in [
            "running-as-root",
            "uid-without-passwd-entry",
            "data-dir-on-loop-device",
            "data-dir-on-tmpfs",
            "data-dir-on-overlay",
            "jvm-blind-to-cgroup",
            "cpu-count-from-shares",
            "heap-exceeds-memory-limit",
            "memory-limit-unset",
            "cpu-throttled",
            "oom-kills-recorded",
            "page-cache-pressure",
            "memory-high-below-max",
            "limit-in-parent-cgroup",
            "secret-in-environment",
            "dangerous-capabilities",
            "no-lsm-confinement",
            "running-under-hypervisor",
        ] {
            assert!(rule(id).is_some(), "{id} missing from RULES");
        }
        assert_eq!(rule("no-lsm-confinement").unwrap().severity, Severity::Info);
        assert_eq!(
            rule("running-under-hypervisor").unwrap().severity,
            Severity::Info
        );
    }

    #[test]
    fn user_options_round_trip_through_the_advice() {
        let f = test_facts::container();
        let user = UserOptions::gather(
            &[("JAVA_TOOL_OPTIONS".into(), "-Xmx1g '-Dx=(a b)'".into())],
            &[
                "java".into(),
                "-XX:+UseG1GC".into(),
                "-jar".into(),
                "a.jar".into(),
            ],
        );
        let advice = crate::jvm::advise::advise(
            &f,
            &crate::jvm::profile::load("default", &[]).unwrap(),
            &user,
        );
        assert_eq!(user_options(&advice), user);
    }

    #[test]
    fn helpers() {
        assert_eq!(pct(1, 4), "25");
        assert_eq!(pct(1, 3), "33.3");
        assert_eq!(pct(1, 0), "0");
        assert_eq!(list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(plural(1, "kill", "kills"), "1 kill");
    }
}
