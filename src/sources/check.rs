//! A static target through the live path's analysis: its file facts become a
//! [`crate::facts::Facts`] in which everything the file does not say is unknown (never the
//! runner's), the same advisor ([`crate::jvm::advise::advise`]) and the same findings engine
//! ([`crate::findings::check`]) run on it, and each finding is placed at the node that causes
//! it, with evidence quoting the file instead of `/proc`.
//!
//! Only checks whose facts a file can give are kept ([`STATIC_CHECKS`]); the rest (throttling,
//! OOM kills, page cache, hypervisor, LSM, seccomp, passwd) need a running container.

use super::{Object, Pos, Target};
use crate::assume::Assumptions;
use crate::facts::*;
use crate::findings::{self, Finding, Severity};
use crate::jvm::advise::{self, Advice};
use crate::jvm::options::{HeapSetting, UserOptions};
use crate::jvm::profile::Profile;
use crate::jvm::version::JavaVersion;
use serde::Serialize;
use std::collections::BTreeMap;

/// The ids a static target can raise.
pub const STATIC_CHECKS: &[&str] = &[
    "memory-limit-unset",
    "jvm-blind-to-cgroup",
    "jvm-without-container-support",
    "cpu-count-from-shares",
    "heap-exceeds-memory-limit",
    "jvm-option-rejected",
    "initial-heap-exceeds-budget",
    "heap-option-contradicted",
    "jvm-budget-exceeds-limit",
    "collector-burns-cpu-limit",
    "data-dir-on-tmpfs",
    "running-as-root",
    "secret-in-environment",
    "dangerous-capabilities",
];

/// `location` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub column: u32,
}

/// `targets[].facts` in JSON: what ctune understood of the file (after `--assume`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetFacts {
    pub memory_limit_bytes: Option<u64>,
    pub cpu_limit: Option<f64>,
    pub cpu_request: Option<f64>,
    pub cgroup_version: &'static str,
    pub jdk: Option<String>,
    pub uid: Option<u32>,
    pub run_as_non_root: Option<bool>,
    /// Beyond the contract's fields: the image, the JVM options read, assumptions and notes.
    pub image: Option<String>,
    pub jvm_options: Vec<String>,
    pub ctune_exec: bool,
    /// The chart template that rendered the object (`# Source:` of `helm template` output).
    pub helm_source: Option<String>,
    pub assumed: Vec<String>,
    pub notes: Vec<String>,
}

/// A finding of a static target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Located {
    #[serde(flatten)]
    pub finding: Finding,
    pub location: Location,
    pub object: Object,
    /// Why it is allowed (`--allow`, the annotation, `.ctune.toml`), when it is.
    #[serde(skip)]
    pub suppressed: Option<String>,
}

/// One target, analysed.
#[derive(Debug, Clone)]
pub struct Analysed {
    pub object: Object,
    pub location: Location,
    pub facts: TargetFacts,
    pub advice: Advice,
    pub findings: Vec<Located>,
}

fn loc(path: &str, p: Pos) -> Location {
    Location {
        path: path.to_owned(),
        line: p.line.max(1),
        column: p.column.max(1),
    }
}

fn cap_name(s: &str) -> String {
    let l = s.to_ascii_lowercase();
    if l.starts_with("cap_") {
        l
    } else {
        format!("cap_{l}")
    }
}

/// The facts the live path would have probed, from the file and `--assume` only.
pub fn facts_of(t: &Target, a: &Assumptions, path: &str) -> Facts {
    let cg = match a.cgroup.as_deref() {
        Some("v1") => CgroupVersion::V1,
        _ => CgroupVersion::V2,
    };
    let src = |what: &str, p: Pos| format!("{path}:{}: {what}", p.line);
    let mem = match (a.memory, &t.memory_limit) {
        (Some(m), _) => Limit::limited(m, "--assume memory"),
        (None, super::Field::Known(x)) => Limit::limited(x.value, src("memory limit", x.pos)),
        (None, super::Field::Invalid(x)) => Limit::unknown(x.value.clone()),
        (None, super::Field::Absent) if t.object.kind == "Dockerfile" => {
            Limit::unknown("a Dockerfile sets no memory limit (--assume memory=SIZE)")
        }
        (None, super::Field::Absent) => Limit::unlimited("no resources.limits.memory"),
    };
    let cpu = match (a.cpus, &t.cpu_limit) {
        (Some(c), _) => Limit::limited(c, "--assume cpus"),
        (None, super::Field::Known(x)) => Limit::limited(x.value, src("cpu limit", x.pos)),
        (None, super::Field::Invalid(x)) => Limit::unknown(x.value.clone()),
        (None, super::Field::Absent) if t.object.kind == "Dockerfile" => {
            Limit::unknown("a Dockerfile sets no CPU limit (--assume cpus=N)")
        }
        (None, super::Field::Absent) => Limit::unlimited("no resources.limits.cpu"),
    };
    // The node is not in the file. The JVM sees min(node, limit): with a limit, the limit
    // (a pod is scheduled where it fits); without one, the request is what it is sure of.
    let cpus = cpu
        .value()
        .or(t.cpu_request.known())
        .map(|c| c.ceil().max(1.0) as u32);
    let node_cpus = match cpus {
        Some(n) => Fact::Known(n),
        None => Fact::Unknown("the node's CPU count is not in the file".into()),
    };
    // Node RAM: only what the file implies; never the runner's. The JVM's view needs a
    // number above the limit (a limit at or above RAM is none), so it gets four times it.
    let node_ram = match mem.value() {
        Some(m) => Fact::Known(m.saturating_mul(4).max(1 << 30)),
        None => Fact::Unknown("the node's memory is not in the file".into()),
    };
    let shares = t
        .cpu_request_milli
        .map(super::quantity::milli_cpu_to_shares)
        .unwrap_or(2);
    let (shares, weight) = match cg {
        CgroupVersion::V1 => (Fact::Known(shares), Fact::NotApplicable),
        _ => (
            Fact::NotApplicable,
            Fact::Known(super::quantity::shares_to_weight(shares)),
        ),
    };
    let uid = a.uid.or(t.uid.as_ref().map(|u| u.value));
    let user_ns = t.host_users_false;
    let jdk = a.jdk.clone().or_else(|| t.jdk.clone());
    let mut caps: Option<Vec<String>> = None;
    if t.privileged.is_some() {
        caps = Some(
            crate::parse::caps::NAMES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
    } else if !t.caps_add.is_empty() {
        let mut c: Vec<String> = findings::identity::RUNTIME_DEFAULT_CAPS
            .iter()
            .map(|s| s.to_string())
            .collect();
        for x in &t.caps_add {
            let n = cap_name(&x.value);
            if n == "cap_all" {
                c = crate::parse::caps::NAMES
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
            } else if !c.contains(&n) {
                c.push(n);
            }
        }
        caps = Some(c);
    }
    let mut env: Vec<(String, String)> = t
        .env
        .iter()
        .filter_map(|e| e.value.clone().map(|v| (e.name.clone(), v)))
        .collect();
    for s in &t.secrets {
        if !env.iter().any(|(k, _)| *k == s.value) {
            env.push((s.value.clone(), String::new()));
        }
    }
    Facts {
        cgroup: CgroupFacts {
            version: cg,
            hybrid: false,
            path: Fact::NotApplicable,
            // A node's kernel lists its controllers; the file does not say (HotSpot's view
            // then assumes them present, as on every mainstream node).
            proc_cgroups: Fact::NotApplicable,
            mount_point_fallback: (None, None),
            cpu_dir: None,
            memory_dir: None,
            resolution: None,
        },
        cpu: CpuFacts {
            limit: cpu,
            host_count: node_cpus.clone(),
            cpuset_count: node_cpus.clone(),
            effective_count: node_cpus.clone(),
            effective_count_floor: node_cpus,
            shares,
            weight,
            throttling: Fact::NotApplicable,
        },
        memory: MemoryFacts {
            limit: mem,
            // Not the file's to say: the node sets them (MemoryQoS derives memory.high from
            // the request; swap is the node's configuration).
            high: Limit::unknown("set by the node, not by the file (Kubernetes MemoryQoS derives memory.high from the request)"),
            swap_limit: Limit::unknown("set by the node's swap configuration, not by the file"),
            reservation: Limit::unknown("not set by the file"),
            host_swap_bytes: Fact::NotApplicable,
            host_total_bytes: node_ram,
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
            uid: uid.map_or(Fact::Unknown("the file sets no uid".into()), Fact::Known),
            gid: Fact::Unknown("not in the file".into()),
            user: t.user_name.as_ref().map(|u| u.value.clone()),
            group: None,
            // The image's passwd file is not in the manifest: claim nothing about it.
            passwd_entry: true,
            passwd_source: None,
            passwd_home: None,
            passwd_home_writable: Fact::NotApplicable,
            home: None,
            user_namespace: user_ns,
            host_uid: if user_ns {
                Fact::Unknown("hostUsers: false maps it to a node uid".into())
            } else {
                uid.map_or(Fact::Unknown("the file sets no uid".into()), Fact::Known)
            },
        },
        namespaces: BTreeMap::new(),
        container: ContainerFacts {
            detected: true,
            runtime: (t.object.kind != "Dockerfile").then_some(Runtime::Kubernetes),
            evidence: vec![],
        },
        mounts: t
            .tmpfs
            .iter()
            .map(|d| MountFact {
                path: d.path.clone(),
                role: d.role.clone(),
                mount_point: d.path.clone(),
                fs_type: "tmpfs".into(),
                source: "emptyDir medium: Memory".into(),
                device: "-".into(),
                kind: MountKind::Tmpfs,
                backing_file: None,
                read_only: false,
                block_device: None,
                dm_name: None,
                loop_direct_io: None,
            })
            .collect(),
        security: SecurityFacts {
            capabilities: caps.map_or(Fact::Unknown("not in the file".into()), Fact::Known),
            seccomp: None,
            no_new_privs: None,
            lsm: None,
        },
        host: HostFacts {
            hypervisor: Fact::Unknown("not in the file".into()),
        },
        jvm: Some(JavaFacts {
            path: None,
            home: None,
            version: jdk.clone(),
            vendor: None,
            runtime_version: None,
            version_source: match (&a.jdk, &t.image) {
                (Some(_), _) => "--assume jdk".into(),
                (None, Some(i)) => format!("image {}", i.value),
                (None, None) => "no image".into(),
            },
        }),
        // Nothing runs yet: a file describes a workload, not its processes.
        java_processes: Vec::new(),
        // Nor does it stall on anything: pressure and rates are for a live system.
        pressure: PressureFacts {
            cgroup: PressureSet::not_applicable(),
            host: PressureSet::not_applicable(),
        },
        interval: None,
        notes: t.notes.clone(),
        env,
    }
}

fn target_facts(t: &Target, f: &Facts, user: &UserOptions, a: &Assumptions) -> TargetFacts {
    let mut assumed = Vec::new();
    if a.memory.is_some() {
        assumed.push("memory".into());
    }
    if a.cpus.is_some() {
        assumed.push("cpus".into());
    }
    if a.jdk.is_some() {
        assumed.push("jdk".into());
    }
    if a.uid.is_some() {
        assumed.push("uid".into());
    }
    if a.cgroup.is_some() {
        assumed.push("cgroup".into());
    } else {
        assumed.push("cgroup (v2 unless --assume cgroup=v1)".into());
    }
    TargetFacts {
        memory_limit_bytes: f.memory.limit.value(),
        cpu_limit: f.cpu.limit.value(),
        cpu_request: t.cpu_request.known(),
        cgroup_version: f.cgroup.version.as_str(),
        jdk: f.jvm.as_ref().and_then(|j| j.version.clone()),
        uid: f.identity.uid.known().copied(),
        run_as_non_root: t.run_as_non_root.as_ref().map(|r| r.value),
        image: t.image.as_ref().map(|i| i.value.clone()),
        jvm_options: user.options.iter().map(|o| o.display()).collect(),
        ctune_exec: t.ctune_exec.is_some(),
        helm_source: t.helm_source.clone(),
        assumed,
        notes: t.notes.clone(),
    }
}

/// Analyse one target of `path`.
pub fn analyse(t: &Target, path: &str, a: &Assumptions, profile: &Profile) -> Analysed {
    let facts = facts_of(t, a, path);
    let user = UserOptions::gather(&facts.env, &t.java_command);
    let advice = advise::advise(&facts, profile, &user);
    let mut found: Vec<Finding> = findings::check(&facts, &advice)
        .into_iter()
        .filter(|f| STATIC_CHECKS.contains(&f.id) && f.id != "cpu-count-from-shares")
        .collect();
    if let Some(f) = shares_finding(t, &facts, &advice) {
        found.push(f);
    }
    // An image tag that names only the feature release (`amazoncorretto:17`) floats to its
    // newest update: checks that hinge on the update (cgroup v2 support in 8u372/11.0.16,
    // shares in 17.0.5, container support in 8u191) cannot be judged.
    let feature_only = facts
        .jvm
        .as_ref()
        .and_then(|j| j.version.as_deref())
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit()));
    if feature_only {
        found.retain(|f| {
            !matches!(
                f.id,
                "jvm-blind-to-cgroup" | "jvm-without-container-support" | "cpu-count-from-shares"
            )
        });
    }
    // `ctune exec` states the limits to the JVM at start: what it fixes is not a finding.
    if t.ctune_exec.is_some() {
        found.retain(|f| !matches!(f.id, "jvm-blind-to-cgroup" | "cpu-count-from-shares"));
    }
    findings::sort(&mut found);
    let located = found
        .into_iter()
        .map(|f| place(f, t, path, &facts, &advice))
        .collect();
    Analysed {
        object: t.object.clone(),
        location: loc(path, t.pos),
        facts: target_facts(t, &facts, &user, a),
        advice,
        findings: located,
    }
}

/// `cpu-count-from-shares` for a target: the node's CPU count is unknown, so the finding says
/// what the JVM will use (ceil(shares/1024)) against "whatever the node has".
fn shares_finding(t: &Target, f: &Facts, advice: &Advice) -> Option<Finding> {
    let v = f
        .jvm
        .as_ref()?
        .version
        .as_deref()
        .and_then(JavaVersion::parse)?;
    let view = &advice.jvm_view;
    let user = &advice.user_options;
    if !v.counts_cpu_shares()
        || !view.container_aware
        || user.container_support_off()
        || f.cpu.limit.value().is_some()
        || user.active_processor_count().is_some()
    {
        return None;
    }
    let req = t.cpu_request.known();
    let milli = t.cpu_request_milli.unwrap_or(0);
    let shares = super::quantity::milli_cpu_to_shares(milli);
    if f.cgroup.version == CgroupVersion::V1 && shares == 1024 {
        // 1024 shares is "no shares" to HotSpot on v1.
        return None;
    }
    let n = shares.div_ceil(1024).max(1);
    let req_txt = req.map_or("no CPU request".to_owned(), |r| {
        format!("a CPU request of {}", findings::cpus(r))
    });
    Some(Finding {
        id: "cpu-count-from-shares",
        severity: Severity::Warning,
        title: format!(
            "JDK {v} will size itself for {n} CPU{} from cpu shares {shares} ({req_txt}), not the CPUs of the node",
            if n == 1 { "" } else { "s" }
        ),
        detail: format!(
            "With no CPU limit, JDK {v} takes ceil(shares / 1024) = {n} as its processor count (fixed in 17.0.5, 18.0.2 and 19 by JDK-8281181). The kubelet derives the shares from the CPU request ({shares} = request in millicores x 1024 / 1000); they are a relative weight, not a limit: the container may use every idle CPU of the node, yet the JVM sizes GC threads, JIT compiler threads and the ForkJoin common pool for {n}."
        ),
        fix: "Pass `-XX:ActiveProcessorCount=N` for the CPUs it should use, or set `resources.limits.cpu` so the JVM sizes itself from the quota, or upgrade to 17.0.5 / 19 or later.".into(),
        evidence: vec![],
    })
}

/// The node a finding points at, and the evidence quoting it.
fn place(mut f: Finding, t: &Target, path: &str, facts: &Facts, advice: &Advice) -> Located {
    let user = &advice.user_options;
    let site = |source: &str, option: &str| {
        t.sites
            .iter()
            .find(|s| s.source == source && s.text == option)
            .or_else(|| t.sites.iter().find(|s| s.text == option))
            .map(|s| s.pos)
    };
    let at = |p: Pos| format!("{path}:{}:{}", p.line, p.column);
    let mut ev = Vec::new();
    let pos = match f.id {
        "memory-limit-unset" => {
            ev.push(format!(
                "{}: container without resources.limits.memory",
                at(t.pos)
            ));
            t.pos
        }
        "heap-exceeds-memory-limit" => {
            let o = match user.max_heap() {
                Some(HeapSetting::Bytes(_, o)) | Some(HeapSetting::Percent(_, o)) => Some(o),
                None => None,
            };
            let p = o
                .as_ref()
                .and_then(|o| site(&o.source, &o.option))
                .or(t.memory_limit.pos())
                .unwrap_or(t.pos);
            if let Some(o) = o {
                ev.push(format!("{}: {} ({})", at(p), o.display(), o.source));
            }
            if let (Some(m), Some(mp)) = (facts.memory.limit.value(), t.memory_limit.pos()) {
                ev.push(format!("{}: memory limit {m} bytes", at(mp)));
            }
            p
        }
        "jvm-blind-to-cgroup" | "jvm-without-container-support" => {
            let off = user
                .options
                .iter()
                .rev()
                .find(|o| o.option == "-XX:-UseContainerSupport");
            let p = off
                .and_then(|o| site(&o.source, &o.option))
                .or(t.image.as_ref().map(|i| i.pos))
                .unwrap_or(t.pos);
            if let Some(i) = &t.image {
                ev.push(format!(
                    "{}: image {} (JDK {})",
                    at(i.pos),
                    i.value,
                    facts
                        .jvm
                        .as_ref()
                        .and_then(|j| j.version.as_deref())
                        .unwrap_or("?")
                ));
            }
            ev.push(format!(
                "cgroup {} (--assume cgroup=v1|v2)",
                facts.cgroup.version.as_str()
            ));
            p
        }
        "cpu-count-from-shares" => {
            let p = t.cpu_request.pos().unwrap_or(t.pos);
            match t.cpu_request.known() {
                Some(r) => ev.push(format!("{}: CPU request {r}", at(p))),
                None => ev.push(format!("{}: no CPU request or limit (2 shares)", at(p))),
            }
            p
        }
        "data-dir-on-tmpfs" => {
            for d in &t.tmpfs {
                ev.push(format!(
                    "{}: {} is memory-backed ({}{})",
                    at(d.pos),
                    d.path,
                    d.role,
                    d.size_limit
                        .map(|s| format!(", sizeLimit {s} bytes"))
                        .unwrap_or_default()
                ));
            }
            t.tmpfs.first().map_or(t.pos, |d| d.pos)
        }
        "running-as-root" => {
            let p = t.uid.as_ref().map_or(t.pos, |u| u.pos);
            ev.push(format!("{}: uid 0", at(p)));
            if t.object.kind == "Dockerfile" {
                f.title = "The image runs as root (USER sets uid 0)".into();
                f.detail.push_str(" Unless the runtime maps it with a user namespace (rootless, Kubernetes hostUsers: false), uid 0 in the container is uid 0 on the host.");
            } else if !t.host_users_false {
                ev.push("no hostUsers: false (uid 0 is root on the node)".into());
                f.title = "Running as root (uid 0 on the node: no user namespace)".into();
            }
            p
        }
        "secret-in-environment" => {
            for s in &t.secrets {
                ev.push(format!(
                    "{}: {} has a literal value (not shown)",
                    at(s.pos),
                    s.value
                ));
            }
            t.secrets.first().map_or(t.pos, |s| s.pos)
        }
        "dangerous-capabilities" => {
            if let Some(p) = t.privileged {
                ev.push(format!("{}: privileged: true", at(p)));
            }
            for c in &t.caps_add {
                ev.push(format!("{}: capabilities.add {}", at(c.pos), c.value));
            }
            t.privileged
                .or_else(|| t.caps_add.first().map(|c| c.pos))
                .unwrap_or(t.pos)
        }
        // Checks on the user's options quote them as `OPTION (SOURCE)`: point at the first
        // one the file holds; the budget check at the limit.
        _ => {
            let quoted = f.evidence.iter().find_map(|e| {
                let (opt, src) = e.strip_suffix(')')?.rsplit_once(" (")?;
                t.sites
                    .iter()
                    .find(|s| s.source == src && s.text == opt)
                    .map(|s| s.pos)
            });
            let p = quoted
                .or(t
                    .memory_limit
                    .pos()
                    .filter(|_| f.id == "jvm-budget-exceeds-limit"))
                .unwrap_or(t.pos);
            ev.push(format!("{}: {}", at(p), f.id));
            ev.extend(f.evidence.iter().cloned());
            p
        }
    };
    f.evidence = ev;
    Located {
        finding: f,
        location: loc(path, pos),
        object: t.object.clone(),
        suppressed: None,
    }
}
