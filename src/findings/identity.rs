//! Checks on who the process is and how it is confined: uid, passwd entry, HOME, secrets in
//! the environment, capabilities, seccomp and the LSM.

use super::{list, Ctx, Finding, Severity};
use super::{Applies, Family, Rule};
use crate::facts::{Fact, Seccomp};
use crate::secrets::is_secret_name;

/// Docker's default effective set (`00000000a80425fb`): containerd, CRI-O and Podman default to
/// this set or a subset of it.
pub const RUNTIME_DEFAULT_CAPS: [&str; 14] = [
    "cap_chown",
    "cap_dac_override",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_net_bind_service",
    "cap_net_raw",
    "cap_sys_chroot",
    "cap_mknod",
    "cap_audit_write",
    "cap_setfcap",
];

/// Capabilities that reach past the container: reading any file, the network stack, kernel
/// modules, raw I/O, other processes, mounts and namespaces, the clock, the LSM, eBPF.
pub const DANGEROUS_CAPS: [&str; 12] = [
    "cap_dac_read_search",
    "cap_net_admin",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_ptrace",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_time",
    "cap_mac_admin",
    "cap_syslog",
    "cap_perfmon",
    "cap_bpf",
];

/// Capabilities beyond the default that JVM data stores ask for on purpose and that reach no
/// further than the container's own memory and scheduling: `mlock` of the heap
/// (Elasticsearch's `bootstrap.memory_lock`, Cassandra's JNA mlockall) and raising its own
/// priority. Alone they are worth knowing, not a warning.
pub const BENIGN_CAPS: [&str; 2] = ["cap_ipc_lock", "cap_sys_nice"];

/// What a dangerous capability lets a process do, in a few words.
fn power(cap: &str) -> Option<&'static str> {
    Some(match cap {
        "cap_dac_read_search" => "read any file on the host by handle, the \"Shocker\" escape",
        "cap_net_admin" => "reconfigure interfaces, routes and firewalls",
        "cap_sys_module" => "load kernel modules",
        "cap_sys_rawio" => "raw access to devices and I/O ports",
        "cap_sys_ptrace" => "trace other processes and read their memory",
        "cap_sys_admin" => "mount file systems and most other administration",
        "cap_sys_boot" => "reboot the machine",
        "cap_sys_time" => "set the host's clock",
        "cap_mac_admin" => "change the LSM policy",
        "cap_syslog" => "read the kernel log and kernel addresses",
        "cap_perfmon" => "profile the whole system",
        "cap_bpf" => "load eBPF programs",
        _ => return None,
    })
}

pub(super) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    running_as_root(cx, out);
    uid_without_passwd_entry(cx, out);
    home_unset(cx, out);
    home_not_writable(cx, out);
    secret_in_environment(cx, out);
    dangerous_capabilities(cx, out);
    no_lsm_confinement(cx, out);
    seccomp_unconfined(cx, out);
}
/// This family's checks, in report order: adding a check here is what puts it in
/// [`super::RULES`] (and so in `--list-checks`, SARIF, JUnit, the man pages and completions).
pub(super) static RULES: &[&Rule] = &[
    &RUNNING_AS_ROOT,
    &UID_WITHOUT_PASSWD_ENTRY,
    &HOME_UNSET_FOR_ARBITRARY_UID,
    &HOME_NOT_WRITABLE,
    &SECRET_IN_ENVIRONMENT,
    &DANGEROUS_CAPABILITIES,
    &NO_LSM_CONFINEMENT,
    &SECCOMP_UNCONFINED,
];

pub static RUNNING_AS_ROOT: Rule = Rule {
    id: "running-as-root",
    severity: Severity::Warning,
    family: Family::Security,
    applies: Applies::Both,
    name: "RunningAsRoot",
    summary: "The process runs as uid 0 (host root, or root mapped by a user namespace).",
    description: "Host root turns any escape, writable host mount or extra capability into control of the host; root in a user namespace is root only inside it.",
    help: "Run as a non-root user (USER in the Dockerfile, securityContext runAsNonRoot: true and runAsUser), or rootless so root maps to an unprivileged host uid.",
};

fn running_as_root(cx: &Ctx, out: &mut Vec<Finding>) {
    let id = &cx.facts.identity;
    if id.uid.known() != Some(&0) {
        return;
    }
    let host_uid = id.host_uid.known().copied();
    let mapped = id.in_user_namespace() && host_uid != Some(0);
    let mut evidence = vec!["/proc/self/status: Uid: 0 (real)".to_owned()];
    let mut finding = if mapped {
        let host = host_uid.map_or("an unknown host uid".to_owned(), |h| {
            format!("host uid {h}")
        });
        evidence.push(format!("/proc/self/uid_map: uid 0 maps to {host}"));
        Finding {
            rule: &RUNNING_AS_ROOT,
            severity: Severity::Info,
            title: format!("Running as root inside a user namespace (mapped to {host})"),
            detail: format!(
                "uid 0 here is mapped by a user namespace to {host}: it is root only inside the namespace (rootless Podman or Docker), and to the host kernel and to files on volumes it is {host}. Inside, it can still change everything the container owns, and a kernel bug reachable from a user namespace is a bigger surface than an unprivileged uid."
            ),
            fix: "Usual and fine for rootless containers. To drop privileges inside as well, run as a non-root user: `USER 10001` in the Dockerfile or `podman run --user 10001`.".into(),
            evidence,
            at: None,
        }
    } else {
        evidence.push(match &id.user_namespace {
            crate::facts::Fact::Known(true) => {
                "/proc/self/uid_map: uid 0 maps to host uid 0".to_owned()
            }
            crate::facts::Fact::Unknown(r) => {
                format!("whether a user namespace maps uid 0 is unknown ({r})")
            }
            _ => "/proc/self/uid_map: the identity map (no user namespace)".to_owned(),
        });
        let title = if id.user_namespace.known().is_some() {
            "Running as root (host root: no user namespace maps it)"
        } else {
            "Running as root (no user namespace seen to map it)"
        };
        Finding {
            rule: &RUNNING_AS_ROOT,
            severity: Severity::Warning,
            title: title.into(),
            detail: "The process runs as uid 0 and that is uid 0 on the host kernel too: a container escape, a writable host mount or one extra capability turns into control of the host, and files it writes to volumes belong to root.".into(),
            fix: "Run as a non-root user: `USER 10001` in the Dockerfile (or `docker run --user 10001:0`), Kubernetes `securityContext: {runAsNonRoot: true, runAsUser: 10001}`; or use rootless Docker/Podman or user namespaces (Kubernetes `hostUsers: false`) so root maps to an unprivileged host uid.".into(),
            evidence,
            at: None,
        }
    };
    if let Some(n) = cx.nodes {
        file_root(cx, n, &mut finding);
    }
    out.push(finding);
}

/// `running-as-root` in a file: the node that sets uid 0 (`runAsUser`, `USER`, or the stage's
/// `FROM` when the base image's user is root), and what the file says of a user namespace.
fn file_root(cx: &Ctx, n: &super::Nodes, f: &mut Finding) {
    let dockerfile = cx.facts.container.runtime.is_none();
    f.at = n.uid;
    f.evidence = vec![cx.quote(n.uid, "uid 0", String::new)];
    if let Some(why) = &n.uid_source {
        f.evidence = vec![cx.quote(n.uid, why, String::new)];
        f.title = "The image runs as root (no USER: the base image's user is root)".into();
        f.detail.push_str(" The Dockerfile's final stage sets no USER, so the container runs as the base image's user, and the official JDK images do not set one.");
    } else if dockerfile {
        f.title = "The image runs as root (USER sets uid 0)".into();
        f.detail.push_str(" Unless the runtime maps it with a user namespace (rootless, Kubernetes hostUsers: false), uid 0 in the container is uid 0 on the host.");
    } else if !cx.facts.identity.in_user_namespace() {
        f.evidence
            .push("no hostUsers: false (uid 0 is root on the node)".into());
        f.title = "Running as root (uid 0 on the node: no user namespace)".into();
    }
}

fn env_mentions(cx: &Ctx, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter_map(|n| cx.facts.env_var(n).map(|v| format!("{n}={v}")))
        .collect()
}

pub static UID_WITHOUT_PASSWD_ENTRY: Rule = Rule {
    id: "uid-without-passwd-entry",
    severity: Severity::Warning,
    family: Family::Security,
    applies: Applies::Live,
    name: "UidWithoutPasswdEntry",
    summary: "The uid has no passwd entry (and no working nss_wrapper).",
    description: "getpwuid() fails: Java's user.name and user.home become '?', Hadoop's user lookup fails, and ssh, git and whoami refuse to work.",
    help: "Add an entry at start (a group-writable /etc/passwd), or preload nss_wrapper with NSS_WRAPPER_PASSWD/NSS_WRAPPER_GROUP (ctune exec --nss-wrapper does it).",
};

fn uid_without_passwd_entry(cx: &Ctx, out: &mut Vec<Finding>) {
    let id = &cx.facts.identity;
    let Fact::Known(uid) = id.uid else { return };
    if !id.lacks_passwd_entry() {
        return;
    }
    let mut evidence = vec![
        format!("/proc/self/status: Uid: {uid} (real)"),
        format!("/etc/passwd: no entry with uid {uid}"),
    ];
    let wrapper = env_mentions(
        cx,
        &["LD_PRELOAD", "NSS_WRAPPER_PASSWD", "NSS_WRAPPER_GROUP"],
    );
    let has_wrapper_vars = !wrapper.is_empty();
    if has_wrapper_vars {
        evidence.push(format!(
            "environment: {} (nss_wrapper is not active, or its file has no entry for uid {uid})",
            wrapper.join(" ")
        ));
    }
    out.push(Finding {
        rule: &UID_WITHOUT_PASSWD_ENTRY,
        severity: Severity::Warning,
        title: format!("uid {uid} has no passwd entry"),
        detail: format!(
            "getpwuid({uid}) fails, so everything that asks \"who am I\" breaks: Java's user.name and user.home become '?' (code that writes under the home directory fails), Hadoop's and Spark's UserGroupInformation cannot find the login user, ssh refuses to run (\"No user exists for uid {uid}\"), and git, whoami and pip stumble. OpenShift's restricted SCC runs images as such a random uid (with gid 0), ignoring the image's USER."
        ),
        fix: format!(
            "Give the uid an entry when the container starts. Either make /etc/passwd group-writable for gid 0 in the image (`chgrp 0 /etc/passwd && chmod g=u /etc/passwd`) and have the entrypoint run `id -un >/dev/null 2>&1 || echo \"app:x:$(id -u):0:app:${{HOME:-/tmp}}:/sbin/nologin\" >> /etc/passwd`; or use nss_wrapper without touching /etc: write a passwd file with that line to /tmp/passwd and run the command with `LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=/tmp/passwd NSS_WRAPPER_GROUP=/etc/group` (`ctune exec --nss-wrapper -- CMD` does exactly this). For Java alone, `-Duser.name=app -Duser.home=/tmp` covers the JVM's side.{}",
            if has_wrapper_vars {
                " The nss_wrapper variables are set here but the entry is not found: check that the library exists and the file has a line for this uid."
            } else {
                ""
            }
        ),
        evidence,
        at: None,
    });
}

pub static HOME_UNSET_FOR_ARBITRARY_UID: Rule = Rule {
    id: "home-unset-for-arbitrary-uid",
    severity: Severity::Warning,
    family: Family::Security,
    applies: Applies::Live,
    name: "HomeUnsetForArbitraryUid",
    summary: "HOME is unset or '/' for a uid without a passwd entry.",
    description: "Tools that keep state under the home directory (Maven, Gradle, pip, npm, ssh, git) write to / or fail.",
    help: "Set HOME to a writable directory (ENV HOME=/tmp, or a volume) and pass -Duser.home=$HOME to Java.",
};

fn home_unset(cx: &Ctx, out: &mut Vec<Finding>) {
    let id = &cx.facts.identity;
    let Fact::Known(uid) = id.uid else { return };
    if !id.lacks_passwd_entry() {
        return;
    }
    let (what, ev) = match id.home.as_deref() {
        None => ("unset", "/proc/self/environ: HOME is not set".to_owned()),
        Some("/") => ("'/'", "/proc/self/environ: HOME=/".to_owned()),
        Some(_) => return,
    };
    out.push(Finding {
        rule: &HOME_UNSET_FOR_ARBITRARY_UID,
        severity: Severity::Warning,
        title: format!("HOME is {what} for uid {uid}, which has no passwd entry"),
        detail: format!(
            "With no passwd entry to fall back on, HOME is the only home directory uid {uid} has, and it is {what}: tools that keep state under it (Maven ~/.m2, Gradle ~/.gradle, pip and npm caches, ~/.ssh, ~/.gitconfig, Java's user.home on newer JDKs) try to write to / (not writable for an arbitrary uid) or find nothing."
        ),
        fix: "Set HOME to a writable directory: `ENV HOME=/tmp` (or a volume) in the image, Kubernetes `env: [{name: HOME, value: /tmp}]`, and pass `-Duser.home=$HOME` to Java.".into(),
        evidence: vec![ev, format!("/etc/passwd: no entry with uid {uid}")],
        at: None,
    });
}

pub static HOME_NOT_WRITABLE: Rule = Rule {
    id: "home-not-writable",
    severity: Severity::Warning,
    family: Family::Security,
    applies: Applies::Live,
    name: "HomeNotWritable",
    summary: "The passwd entry's home directory (Java's user.home) is missing or not writable for the uid.",
    description: "The JVM takes user.home from the passwd entry, not from HOME: podman's --user UID writes an entry with home /, so code that keeps files under user.home fails.",
    help: "Give the entry a writable home, or pass -Duser.home=DIR (a writable directory) to Java; ctune exec does that itself.",
};

/// The passwd entry's home (what the JVM's `user.home` is) cannot be written by the uid.
fn home_not_writable(cx: &Ctx, out: &mut Vec<Finding>) {
    let id = &cx.facts.identity;
    let (Fact::Known(uid), Fact::Known(false), Some(home)) =
        (&id.uid, &id.passwd_home_writable, id.passwd_home.as_deref())
    else {
        return;
    };
    if !id.has_passwd_entry() {
        return;
    }
    let source = id.passwd_source.as_deref().unwrap_or("/etc/passwd");
    let env_home = match id.home.as_deref() {
        Some(h) => format!("HOME is {h}"),
        None => "HOME is unset".to_owned(),
    };
    out.push(Finding {
        rule: &HOME_NOT_WRITABLE,
        severity: Severity::Warning,
        title: format!("user.home is {home}, which uid {uid} cannot write"),
        detail: format!(
            "The passwd entry of uid {uid} ({source}) gives the home directory {home}, which is missing or not writable for it ({env_home}). The JVM takes user.home from that entry, not from HOME, so code that keeps files under user.home (caches, ~/.java preferences, Maven and Gradle, Spark's Ivy cache) fails. podman's --user UID writes such an entry (home /) when the image has none for the uid."
        ),
        fix: "Give the uid an entry with a writable home in the image (useradd -d /home/app app; USER app), or pass -Duser.home=DIR (a writable directory, e.g. a volume or /tmp) to Java and set HOME=DIR. `ctune exec -- java ...` passes -Duser.home itself (a private directory under $TMPDIR when HOME is / too).".into(),
        evidence: vec![
            format!("{source}: uid {uid} home {home}"),
            format!("{home}: not writable for uid {uid}"),
        ],
        at: None,
    });
}

pub static SECRET_IN_ENVIRONMENT: Rule = Rule {
    id: "secret-in-environment",
    severity: Severity::Warning,
    family: Family::Security,
    applies: Applies::Both,
    name: "SecretInEnvironment",
    summary: "A secret-looking variable is in the environment (its value is never printed).",
    description: "Environment variables leak: /proc/PID/environ, docker inspect, the pod spec, crash reports and every child process see them.",
    help: "Mount secrets as files (Kubernetes secret volume, /run/secrets) and pass the path (the *_FILE convention).",
};

fn secret_in_environment(cx: &Ctx, out: &mut Vec<Finding>) {
    // A file: the names its parser saw set to a literal, non-empty value. The live system:
    // the environment's non-empty secret-looking variables (an empty value holds nothing).
    let mut names: Vec<String> = match cx.nodes {
        Some(nd) => nd.secrets.iter().map(|(k, _)| k.clone()).collect(),
        None => cx
            .facts
            .env
            .iter()
            .filter(|(k, v)| !v.is_empty() && is_secret_name(k))
            .map(|(k, _)| k.clone())
            .collect(),
    };
    names.sort();
    names.dedup();
    if names.is_empty() {
        return;
    }
    let n = names.len();
    out.push(Finding {
        rule: &SECRET_IN_ENVIRONMENT,
        severity: Severity::Warning,
        title: format!(
            "Secret-looking variable{} in the environment: {}",
            if n == 1 { "" } else { "s" },
            list(&names)
        ),
        detail: format!(
            "{} {} a name that says secret (ctune never prints the value{}). Environment variables leak: /proc/PID/environ is readable by the same uid, `docker inspect` and the pod spec show them, crash reports and debug shells print them, and every child process inherits them.",
            list(&names),
            if n == 1 { "has" } else { "have" },
            if n == 1 { "" } else { "s" }
        ),
        fix: "Mount secrets as files (a Kubernetes secret volume, Docker or Compose secrets under /run/secrets) and pass the path instead (the *_FILE convention, e.g. DB_PASSWORD_FILE), or fetch them from a secret manager at start.".into(),
        evidence: match cx.nodes {
            Some(nd) => nd
                .secrets
                .iter()
                .map(|(k, at)| format!("{}: {k} has a literal value (not shown)", nd.at(*at)))
                .collect(),
            None => names
                .iter()
                .map(|k| format!("/proc/self/environ: {k} is set (value not shown)"))
                .collect(),
        },
        at: cx.nodes.and_then(|nd| nd.secrets.first().map(|s| s.1)),
    });
}

pub static DANGEROUS_CAPABILITIES: Rule = Rule {
    id: "dangerous-capabilities",
    severity: Severity::Warning,
    family: Family::Security,
    applies: Applies::Both,
    name: "DangerousCapabilities",
    summary: "Effective capabilities beyond a container runtime's default set.",
    description: "Capabilities such as CAP_SYS_ADMIN, CAP_SYS_PTRACE or CAP_NET_ADMIN let a compromised process reach the host or other containers.",
    help: "Drop what is not needed: --cap-drop ALL --cap-add ONLY_NEEDED, securityContext capabilities drop: [ALL]; never --privileged for an application.",
};

fn dangerous_capabilities(cx: &Ctx, out: &mut Vec<Finding>) {
    let Fact::Known(caps) = &cx.facts.security.capabilities else {
        return;
    };
    let extra: Vec<String> = caps
        .iter()
        .filter(|c| !RUNTIME_DEFAULT_CAPS.contains(&c.as_str()))
        .cloned()
        .collect();
    if extra.is_empty() {
        return;
    }
    let dangerous: Vec<String> = extra
        .iter()
        .filter(|c| DANGEROUS_CAPS.contains(&c.as_str()))
        .cloned()
        .collect();
    let in_container = cx.facts.container.detected;
    let privileged = caps.iter().any(|c| c == "cap_sys_admin") && caps.len() >= 38;
    let n = extra.len();
    let word = if n == 1 { "capability" } else { "capabilities" };
    let mut detail = format!(
        "The process holds {n} effective {word} beyond a container runtime's default set of 14"
    );
    if dangerous.is_empty() {
        detail.push('.');
    } else {
        let what: Vec<String> = dangerous
            .iter()
            .map(|c| match power(c) {
                Some(p) => format!("{c} ({p})"),
                None => c.clone(),
            })
            .collect();
        detail.push_str(&format!(
            ", among them {}: a compromised process can use {} against the host and its neighbours.",
            list(&what),
            if dangerous.len() == 1 { "it" } else { "them" }
        ));
    }
    if privileged {
        detail.push_str(" The full set looks like a privileged container (--privileged, privileged: true) or root on the host.");
    }
    if !in_container {
        detail.push_str(" No container was detected: a root process on a host has every capability (severity info).");
    }
    // Only memory locking and priority: what Elasticsearch and Cassandra ask for (info).
    let benign = extra.iter().all(|c| BENIGN_CAPS.contains(&c.as_str()));
    if benign {
        detail.push_str(" These reach no further than the container's own memory and scheduling: locking the heap in RAM (Elasticsearch bootstrap.memory_lock, Cassandra's mlockall) and raising its own priority (severity info).");
    }
    out.push(Finding {
        rule: &DANGEROUS_CAPABILITIES,
        severity: if in_container && !benign {
            Severity::Warning
        } else {
            Severity::Info
        },
        title: format!(
            "{n} {word} beyond the runtime default: {}{}",
            extra.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
            if n > 5 { ", ..." } else { "" }
        ),
        detail,
        fix: "Drop every capability the workload does not need: `docker run --cap-drop ALL --cap-add NET_BIND_SERVICE` (only what is needed), Kubernetes `securityContext: {capabilities: {drop: [ALL]}, allowPrivilegeEscalation: false}`; never run an application with --privileged.".into(),
        evidence: match cx.nodes {
            Some(nd) => nd
                .privileged
                .iter()
                .map(|p| format!("{}: privileged: true", nd.at(*p)))
                .chain(
                    nd.caps
                        .iter()
                        .map(|(c, p)| format!("{}: capabilities.add {c}", nd.at(*p))),
                )
                .collect(),
            None => vec![format!(
                "/proc/self/status CapEff: {} (beyond the default: {})",
                caps.len(),
                extra.join(", ")
            )],
        },
        at: cx
            .nodes
            .and_then(|nd| nd.privileged.or(nd.caps.first().map(|c| c.1))),
    });
}

pub static NO_LSM_CONFINEMENT: Rule = Rule {
    id: "no-lsm-confinement",
    severity: Severity::Info,
    family: Family::Security,
    applies: Applies::Live,
    name: "NoLsmConfinement",
    summary: "No SELinux or AppArmor confinement.",
    description: "A mandatory access control profile (docker-default, container_t) is a second wall behind namespaces and capabilities.",
    help: "Run with the runtime's default profile (do not use --security-opt apparmor=unconfined or label=disable); on Kubernetes set securityContext appArmorProfile or seLinuxOptions.",
};

fn no_lsm_confinement(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    if !f.container.detected {
        return;
    }
    let label = f.security.lsm.as_deref();
    let (what, ev) = match label {
        None => (
            "no LSM is active",
            "/proc/self/attr/current: no label (no LSM active, or not readable)".to_owned(),
        ),
        Some(l)
            if l == "unconfined"
                || l.starts_with("unconfined ")
                || l.contains(":unconfined_t:")
                || l.contains(":spc_t:") =>
        {
            (
                "the process is unconfined",
                format!("/proc/self/attr/current: {l}"),
            )
        }
        Some(_) => return,
    };
    out.push(Finding {
        rule: &NO_LSM_CONFINEMENT,
        severity: Severity::Info,
        title: format!("No SELinux or AppArmor confinement ({what})"),
        detail: "A mandatory access control profile (Docker's docker-default AppArmor profile, SELinux's container_t) is a second wall behind namespaces and capabilities: it stops a compromised process from writing to /proc and /sys files or mounting, even as root. Without one, only namespaces, capabilities and seccomp stand in the way.".into(),
        fix: "Run with the runtime's default profile: do not pass `--security-opt apparmor=unconfined` or `label=disable`; on Kubernetes set `securityContext.appArmorProfile: {type: RuntimeDefault}` or `seLinuxOptions`. On a host without AppArmor or SELinux, enabling one is a node-level change.".into(),
        evidence: vec![ev],
        at: None,
    });
}

pub static SECCOMP_UNCONFINED: Rule = Rule {
    id: "seccomp-unconfined",
    severity: Severity::Info,
    family: Family::Security,
    applies: Applies::Live,
    name: "SeccompUnconfined",
    summary: "The container runs without a seccomp filter.",
    description: "Without seccomp every system call is open to the process, including the rarely used ones that most kernel exploits need.",
    help: "Use the runtime's default profile: Kubernetes securityContext seccompProfile type: RuntimeDefault (or kubelet --seccomp-default); do not pass --security-opt seccomp=unconfined.",
};

fn seccomp_unconfined(cx: &Ctx, out: &mut Vec<Finding>) {
    let f = cx.facts;
    if !f.container.detected || f.security.seccomp != Some(Seccomp::Disabled) {
        return;
    }
    out.push(Finding {
        rule: &SECCOMP_UNCONFINED,
        severity: Severity::Info,
        title: "No seccomp filter (Seccomp: 0)".into(),
        detail: "The container runs without a seccomp filter, so every system call is open to it, including the rarely used ones (keyctl, bpf, userfaultfd, unshare) that most kernel exploits need. Docker applies a default filter; Kubernetes does not unless the pod asks for RuntimeDefault or the kubelet runs with --seccomp-default.".into(),
        fix: "Kubernetes: `securityContext: {seccompProfile: {type: RuntimeDefault}}` (or kubelet `--seccomp-default`); Docker: do not pass `--security-opt seccomp=unconfined`.".into(),
        evidence: vec!["/proc/self/status: Seccomp: 0".into()],
        at: None,
    });
}

#[cfg(test)]
mod tests {
    use super::super::test_facts::*;
    use super::super::{check, Severity};
    use crate::facts::*;

    #[test]
    fn root_on_the_host_and_in_a_user_namespace() {
        let mut f = container();
        f.identity.uid = Fact::Known(0);
        f.identity.host_uid = Fact::Known(0);
        let x = finding(&f, &[], "running-as-root");
        assert_eq!(x.severity, Severity::Warning);
        assert!(x.title.contains("host root"));
        f.identity.user_namespace = Fact::Known(true);
        f.identity.host_uid = Fact::Known(100000);
        let x = finding(&f, &[], "running-as-root");
        assert_eq!(x.severity, Severity::Info);
        assert!(x.title.contains("host uid 100000"), "{}", x.title);
    }

    #[test]
    fn arbitrary_uid() {
        let mut f = container();
        f.identity.uid = Fact::Known(1000680000);
        f.identity.passwd_entry = Fact::Known(false);
        f.identity.home = Some("/".into());
        let x = finding(&f, &[], "uid-without-passwd-entry");
        for needle in [
            "user.name",
            "user.home",
            "Hadoop",
            "ssh",
            "git",
            "NSS_WRAPPER_PASSWD",
            "LD_PRELOAD",
            "ctune exec --nss-wrapper",
        ] {
            assert!(
                x.detail.contains(needle) || x.fix.contains(needle),
                "{needle}"
            );
        }
        assert!(ids(&f, &[]).contains(&"home-unset-for-arbitrary-uid"));
        f.identity.home = Some("/tmp".into());
        assert!(!ids(&f, &[]).contains(&"home-unset-for-arbitrary-uid"));
        f.identity.home = None;
        let x = finding(&f, &[], "home-unset-for-arbitrary-uid");
        assert!(x.title.contains("unset"));
    }

    /// podman's `--user 4242`: an entry with home `/` and HOME=/.
    #[test]
    fn passwd_home_not_writable() {
        let mut f = container();
        f.identity.uid = Fact::Known(4242);
        f.identity.passwd_entry = Fact::Known(true);
        f.identity.passwd_home = Some("/".into());
        f.identity.home = Some("/".into());
        f.identity.passwd_home_writable = Fact::Known(true);
        assert!(!ids(&f, &[]).contains(&"home-not-writable"));
        f.identity.passwd_home_writable = Fact::Unknown("EACCES".into());
        assert!(!ids(&f, &[]).contains(&"home-not-writable"));
        f.identity.passwd_home_writable = Fact::Known(false);
        let x = finding(&f, &[], "home-not-writable");
        assert!(x.title.contains("user.home is /"), "{}", x.title);
        assert!(x.fix.contains("-Duser.home"), "{}", x.fix);
        assert!(!ids(&f, &[]).contains(&"home-unset-for-arbitrary-uid"));
    }

    #[test]
    fn secrets_are_named_never_shown() {
        let mut f = container();
        f.env.push(("DB_PASSWORD".into(), "hunter2-value".into()));
        f.env
            .push(("DB_PASSWORD_FILE".into(), "/run/secrets/db".into()));
        // Empty values hold nothing; nss_wrapper's variables name files.
        f.env.push(("TOMCAT_PASSWORD".into(), String::new()));
        f.env
            .push(("NSS_WRAPPER_PASSWD".into(), "/tmp/passwd".into()));
        let all = check(&f, &advice(&f, &[]));
        let x = all
            .iter()
            .find(|x| x.is(&super::SECRET_IN_ENVIRONMENT))
            .unwrap();
        assert!(x.title.contains("DB_PASSWORD"));
        assert!(!x.title.contains("DB_PASSWORD_FILE") && !x.title.contains("SSH_AUTH_SOCK"));
        assert!(
            !x.title.contains("TOMCAT_PASSWORD") && !x.title.contains("NSS_WRAPPER"),
            "{}",
            x.title
        );
        let text = serde_json::to_string(&all).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn memory_locking_alone_is_info_and_every_title_names_the_capabilities() {
        let mut f = container();
        if let Fact::Known(c) = &mut f.security.capabilities {
            c.push("cap_ipc_lock".into());
        }
        let x = finding(&f, &[], "dangerous-capabilities");
        assert_eq!(x.severity, Severity::Info);
        assert!(x.title.contains("cap_ipc_lock"), "{}", x.title);
        if let Fact::Known(c) = &mut f.security.capabilities {
            c.push("cap_net_admin".into());
        }
        let x = finding(&f, &[], "dangerous-capabilities");
        assert_eq!(x.severity, Severity::Warning);
        assert!(
            x.title.contains("cap_ipc_lock, cap_net_admin"),
            "{}",
            x.title
        );
    }

    #[test]
    fn capabilities_lsm_seccomp() {
        let mut f = container();
        if let Fact::Known(c) = &mut f.security.capabilities {
            c.push("cap_sys_ptrace".into());
        }
        let x = finding(&f, &[], "dangerous-capabilities");
        assert_eq!(x.severity, Severity::Warning);
        assert!(x.title.contains("cap_sys_ptrace"), "{}", x.title);
        f.security.lsm = None;
        f.security.seccomp = Some(Seccomp::Disabled);
        let got = ids(&f, &[]);
        assert!(
            got.contains(&"no-lsm-confinement") && got.contains(&"seccomp-unconfined"),
            "{got:?}"
        );
        f.container.detected = false;
        let got = ids(&f, &[]);
        assert!(
            !got.contains(&"no-lsm-confinement") && !got.contains(&"seccomp-unconfined"),
            "{got:?}"
        );
        assert_eq!(
            finding(&f, &[], "dangerous-capabilities").severity,
            Severity::Info
        );
    }
}
