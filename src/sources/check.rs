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
use crate::findings::{self, jvm, Node, Nodes, Place};
use crate::jvm::advise::{self, Advice};
use crate::jvm::options::UserOptions;
use crate::jvm::profile::Profile;
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::findings::{Located, Location};

/// `targets[].facts` in JSON: what ctune understood of the file (after `--assume`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetFacts {
    pub memory_limit_bytes: Option<u64>,
    pub cpu_limit: Option<f64>,
    pub cpu_request: Option<f64>,
    pub cgroup_version: &'static str,
    pub jdk: Option<String>,
    /// Where the JDK came from: `image tag`, `image archive: /opt/java/openjdk/release`,
    /// `.ctune.toml`, `annotation ctune.dev/jdk`, `--assume`; null when unknown.
    pub jdk_source: Option<String>,
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
    /// For an image target: what its config and layers said, and where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_archive: Option<Box<super::archive::Image>>,
    /// Which rule gave the max heap (`"-Xmx in args"`, `"Strimzi default (...)"`,
    /// `"Flink memory model (...)"`, `"JVM default (...)"`), and that heap when it is known.
    pub heap_source: String,
    pub max_heap_bytes: Option<u64>,
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

fn image_home(t: &Target, a: &Assumptions) -> Option<String> {
    if a.jdk.is_some() {
        return None;
    }
    let j = t.image_archive.as_ref()?.jdk.as_ref()?;
    Some(j.home.home.clone())
}

/// A Dockerfile or a built image: no limits, no orchestrator, only what the image says.
fn is_image(t: &Target) -> bool {
    matches!(t.object.kind.as_str(), "Dockerfile" | "Image")
}

fn image_kind(t: &Target) -> &'static str {
    if t.object.kind == "Image" {
        "an image"
    } else {
        "a Dockerfile"
    }
}

/// Why an ephemeral container's limits are unknown rather than unset.
const EPHEMERAL_LIMITS: &str = "an ephemeral container may not set resources (Kubernetes forbids them): it runs within the pod's limits, which are not in this container (--assume memory=SIZE,cpus=N)";

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
        (None, super::Field::Absent) if is_image(t) => Limit::unknown(format!(
            "{} sets no memory limit (--assume memory=SIZE)",
            image_kind(t)
        )),
        (None, super::Field::Absent) if t.ephemeral => Limit::unknown(EPHEMERAL_LIMITS),
        (None, super::Field::Absent) => Limit::unlimited("no resources.limits.memory"),
    };
    let cpu = match (a.cpus, &t.cpu_limit) {
        (Some(c), _) => Limit::limited(c, "--assume cpus"),
        (None, super::Field::Known(x)) => Limit::limited(x.value, src("cpu limit", x.pos)),
        (None, super::Field::Invalid(x)) => Limit::unknown(x.value.clone()),
        (None, super::Field::Absent) if is_image(t) => Limit::unknown(format!(
            "{} sets no CPU limit (--assume cpus=N)",
            image_kind(t)
        )),
        (None, super::Field::Absent) if t.ephemeral => Limit::unknown(EPHEMERAL_LIMITS),
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
            passwd_entry: Fact::Unknown("the image's passwd file is not in the file".into()),
            passwd_source: None,
            passwd_home: None,
            passwd_home_writable: Fact::NotApplicable,
            home: None,
            user_namespace: Fact::Known(user_ns),
            host_uid: if user_ns {
                Fact::Unknown("hostUsers: false maps it to a node uid".into())
            } else {
                uid.map_or(Fact::Unknown("the file sets no uid".into()), Fact::Known)
            },
        },
        namespaces: BTreeMap::new(),
        container: ContainerFacts {
            detected: true,
            runtime: (!is_image(t)).then_some(Runtime::Kubernetes),
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
            // An image's own Java home, when its release file gave the version.
            path: image_home(t, a).map(|h| format!("{h}/bin/java")),
            home: image_home(t, a),
            version: jdk.clone(),
            vendor: None,
            runtime_version: None,
            version_source: match (&a.jdk, &t.jdk_source, &t.image) {
                (Some(_), _, _) => "--assume jdk".into(),
                (None, Some(s), _) => s.clone(),
                (None, None, Some(i)) => format!("image {}", i.value),
                (None, None, None) => "no image".into(),
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

fn target_facts(
    t: &Target,
    f: &Facts,
    user: &UserOptions,
    a: &Assumptions,
    advice: &Advice,
) -> TargetFacts {
    let (heap_source, max_heap_bytes) = super::heap::source(t, f, advice);
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
        jdk_source: if a.jdk.is_some() {
            Some("--assume".into())
        } else if t.jdk.is_some() {
            Some(t.jdk_source.clone().unwrap_or_else(|| "image tag".into()))
        } else {
            None
        },
        uid: f.identity.uid.known().copied(),
        run_as_non_root: t.run_as_non_root.as_ref().map(|r| r.value),
        image: t.image.as_ref().map(|i| i.value.clone()),
        jvm_options: user.options.iter().map(|o| o.display()).collect(),
        ctune_exec: t.ctune_exec.is_some(),
        helm_source: t.helm_source.clone(),
        assumed,
        notes: t.notes.clone(),
        image_archive: t.image_archive.clone(),
        heap_source,
        max_heap_bytes,
    }
}

fn node(p: Pos) -> Node {
    Node {
        line: p.line.max(1),
        column: p.column.max(1),
    }
}

/// The cpu shares the kubelet gives the container: from the request (2 without one). A
/// Dockerfile sets none: only `--assume cpus=` says what the runtime will give.
fn shares_of(t: &Target, a: &Assumptions) -> Option<u64> {
    if is_image(t) && a.cpus.is_none() {
        return None;
    }
    Some(
        t.cpu_request_milli
            .map(super::quantity::milli_cpu_to_shares)
            .unwrap_or(2),
    )
}

/// Where the target's facts were read, for the checks to point at.
fn nodes_of(t: &Target, path: &str, a: &Assumptions) -> Nodes {
    Nodes {
        path: path.to_owned(),
        target: node(t.pos),
        memory_limit: t.memory_limit.pos().map(node),
        cpu_request: t.cpu_request.pos().map(node),
        cpu_request_value: t.cpu_request.known(),
        shares: shares_of(t, a),
        uid: t.uid.as_ref().map(|u| node(u.pos)),
        uid_source: t.uid_from_image.clone(),
        image: t.image.as_ref().map(|i| node(i.pos)),
        privileged: t.privileged.map(node),
        caps: t
            .caps_add
            .iter()
            .map(|c| (c.value.clone(), node(c.pos)))
            .collect(),
        secrets: t
            .secrets
            .iter()
            .map(|s| (s.value.clone(), node(s.pos)))
            .collect(),
        tmpfs: t
            .tmpfs
            .iter()
            .map(|d| (d.path.clone(), node(d.pos), d.size_limit))
            .collect(),
        options: t
            .sites
            .iter()
            .map(|s| (s.source.clone(), s.text.clone(), node(s.pos)))
            .collect(),
    }
}

/// Analyse one target of `path`.
pub fn analyse(t: &Target, path: &str, a: &Assumptions, profile: &Profile) -> Analysed {
    let facts = facts_of(t, a, path);
    let user = UserOptions::gather(&facts.env, &t.java_command);
    let advice = advise::advise(&facts, profile, &user);
    let nodes = nodes_of(t, path, a);
    let mut found = findings::check_file(&facts, &advice, &nodes);
    // A product's own heap rule (the operators' custom resources).
    found.extend(super::heap::findings(t, &facts, &advice));
    findings::sort(&mut found);
    // An image tag that names only the feature release (`amazoncorretto:17`) floats to its
    // newest update: checks that hinge on the update (cgroup v2 support in 8u372/11.0.16,
    // shares in 17.0.5, container support in 8u191) cannot be judged.
    let feature_only = facts
        .jvm
        .as_ref()
        .and_then(|j| j.version.as_deref())
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit()));
    let update_checks = [
        &jvm::JVM_BLIND_TO_CGROUP,
        &jvm::JVM_WITHOUT_CONTAINER_SUPPORT,
        &jvm::CPU_COUNT_FROM_SHARES,
    ];
    if feature_only {
        found.retain(|f| !update_checks.iter().any(|r| f.is(r)));
    }
    // `ctune exec` states the limits to the JVM at start: what it fixes is not a finding.
    if t.ctune_exec.is_some() {
        found.retain(|f| !f.is(&jvm::JVM_BLIND_TO_CGROUP) && !f.is(&jvm::CPU_COUNT_FROM_SHARES));
    }
    let located = found
        .into_iter()
        .map(|f| Located {
            place: Some(Place {
                location: loc(
                    path,
                    f.at.map_or(t.pos, |n| Pos {
                        line: n.line,
                        column: n.column,
                    }),
                ),
                object: t.object.clone(),
            }),
            finding: f,
            suppressed: None,
        })
        .collect();
    Analysed {
        object: t.object.clone(),
        location: loc(path, t.pos),
        facts: target_facts(t, &facts, &user, a, &advice),
        advice,
        findings: located,
    }
}
