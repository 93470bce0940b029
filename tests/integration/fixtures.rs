//! The fixture roots under `tests/fixtures/`: each directory is a system root laid out as the
//! probe reads it (its README.md says which case it covers and which samples it came from).
//!
//! Three layers of checks:
//! - the whole `report --format json` of every fixture is an insta snapshot
//!   (`tests/integration/snapshots/`; regenerate with `INSTA_UPDATE=always cargo test --test
//!   integration fixtures` and review every changed value against the fixture's files);
//! - invariants every document must keep (limits well formed, unknowns explained, no path
//!   prefixed with the fixture directory, derived numbers consistent);
//! - targeted assertions per fixture on the values its README promises, so a snapshot that was
//!   accepted without reading still cannot hide a wrong answer.

use crate::common::{ctune, repo};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;

fn fixtures_dir() -> PathBuf {
    repo().join("tests/fixtures")
}

fn fixture(name: &str) -> PathBuf {
    let p = fixtures_dir().join(name);
    assert!(p.join("proc").is_dir(), "fixture {name} has no proc/");
    p
}

/// Every fixture directory, sorted.
fn all_fixtures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `ctune --root FIXTURE [args]`, with its exit status checked to be 0.
fn run(name: &str, args: &[&str]) -> Output {
    let out = ctune()
        .arg("--root")
        .arg(fixture(name))
        .args(args)
        .env("COLUMNS", "120")
        .output()
        .expect("run ctune");
    assert_eq!(
        out.status.code(),
        Some(0),
        "ctune --root {name} {args:?} exited with {}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The report document as printed (pretty JSON, contract field order).
fn report_text(name: &str) -> String {
    let out = run(name, &["report", "--format", "json"]);
    String::from_utf8(out.stdout).expect("JSON output is UTF-8")
}

fn report(name: &str) -> Value {
    serde_json::from_str(&report_text(name)).expect("report --format json is JSON")
}

/// The value at a dotted path (`cpu.limit.value`, `mounts.0.kind`).
fn at<'a>(doc: &'a Value, path: &str) -> &'a Value {
    let pointer = format!("/{}", path.replace('.', "/"));
    doc.pointer(&pointer)
        .unwrap_or_else(|| panic!("no {path} in the document:\n{doc:#}"))
}

fn s<'a>(doc: &'a Value, path: &str) -> &'a str {
    at(doc, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path} is not a string: {}", at(doc, path)))
}

fn u(doc: &Value, path: &str) -> u64 {
    at(doc, path)
        .as_u64()
        .unwrap_or_else(|| panic!("{path} is not an integer: {}", at(doc, path)))
}

fn f(doc: &Value, path: &str) -> f64 {
    at(doc, path)
        .as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number: {}", at(doc, path)))
}

fn is_null(doc: &Value, path: &str) -> bool {
    at(doc, path).is_null()
}

/// A limited limit: its value and source.
fn limited<'a>(doc: &'a Value, path: &str) -> (&'a Value, &'a str) {
    assert_eq!(
        s(doc, &format!("{path}.state")),
        "limited",
        "{path}: {}",
        at(doc, path)
    );
    (
        at(doc, &format!("{path}.value")),
        s(doc, &format!("{path}.source")),
    )
}

fn unlimited(doc: &Value, path: &str) {
    assert_eq!(
        s(doc, &format!("{path}.state")),
        "unlimited",
        "{path}: {}",
        at(doc, path)
    );
}

/// An unknown limit: its reason.
fn unknown<'a>(doc: &'a Value, path: &str) -> &'a str {
    assert_eq!(
        s(doc, &format!("{path}.state")),
        "unknown",
        "{path}: {}",
        at(doc, path)
    );
    s(doc, &format!("{path}.reason"))
}

/// The reason `diagnostics` gives for a field.
fn diagnostic<'a>(doc: &'a Value, field: &str) -> &'a str {
    at(doc, "diagnostics")
        .as_array()
        .expect("diagnostics is a list")
        .iter()
        .find(|d| d["field"] == field)
        .and_then(|d| d["reason"].as_str())
        .unwrap_or_else(|| panic!("no diagnostic for {field}: {}", at(doc, "diagnostics")))
}

/// The diagnostics, less the pressure files a fixture without PSI lacks.
fn diagnostics_besides_pressure(doc: &Value) -> Vec<&Value> {
    at(doc, "diagnostics")
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["field"].as_str().unwrap_or("").starts_with("pressure."))
        .collect()
}

fn notes(doc: &Value) -> Vec<&str> {
    at(doc, "notes")
        .as_array()
        .expect("notes is a list")
        .iter()
        .map(|n| n.as_str().expect("a note is a string"))
        .collect()
}

fn has_note(doc: &Value, needle: &str) -> bool {
    notes(doc).iter().any(|n| n.contains(needle))
}

/// The `mounts` entry for a data directory role (`cwd`, `tmpdir`, `spark-local-dir`, ...).
fn mount<'a>(doc: &'a Value, role: &str) -> &'a Value {
    at(doc, "mounts")
        .as_array()
        .expect("mounts is a list")
        .iter()
        .find(|m| {
            m["role"]
                .as_str()
                .is_some_and(|r| r.split(", ").any(|x| x == role))
        })
        .unwrap_or_else(|| panic!("no mount with role {role}: {}", at(doc, "mounts")))
}

fn evidence(doc: &Value) -> Vec<&str> {
    at(doc, "container.evidence")
        .as_array()
        .expect("evidence is a list")
        .iter()
        .map(|e| e.as_str().expect("evidence is text"))
        .collect()
}

// ---- snapshots ---------------------------------------------------------------------------

macro_rules! snapshots {
    ($($test:ident => $name:literal),* $(,)?) => {
        /// The fixtures that have a snapshot test, for the completeness check below.
        const SNAPSHOTTED: &[&str] = &[$($name),*];
        $(
            #[test]
            fn $test() {
                insta::assert_snapshot!($name, report_text($name));
            }
        )*
    };
}

snapshots! {
    snapshot_arbitrary_uid_no_passwd => "arbitrary-uid-no-passwd",
    snapshot_podman_user_home_root => "podman-user-home-root",
    snapshot_bedrock_duplicate_mounts => "bedrock-duplicate-mounts",
    snapshot_cpuset_no_quota => "cpuset-no-quota",
    snapshot_dm_on_loop => "dm-on-loop",
    snapshot_hybrid_cgroup2_at_systemd => "hybrid-cgroup2-at-systemd",
    snapshot_hybrid_double_cpuset => "hybrid-double-cpuset",
    snapshot_hybrid_host => "hybrid-host",
    snapshot_loop_data_dir => "loop-data-dir",
    snapshot_malformed_files_v1 => "malformed-files-v1",
    snapshot_malformed_files_v2 => "malformed-files-v2",
    snapshot_missing_files => "missing-files",
    snapshot_octal_escapes_no_cgroup => "octal-escapes-no-cgroup",
    snapshot_tmpfs_data_dir => "tmpfs-data-dir",
    snapshot_unlimited_everything => "unlimited-everything",
    snapshot_user_namespace => "user-namespace",
    snapshot_v1_docker_no_cgroupns => "v1-docker-no-cgroupns",
    snapshot_v1_joined_controllers => "v1-joined-controllers",
    snapshot_v1_lxcfs_meminfo => "v1-lxcfs-meminfo",
    snapshot_v1_k8s_cpu_request => "v1-k8s-cpu-request",
    snapshot_v1_parent_limit => "v1-parent-limit",
    snapshot_v1_untranslatable_root => "v1-untranslatable-root",
    snapshot_v1_untranslatable_limit_elsewhere => "v1-untranslatable-limit-elsewhere",
    snapshot_v2_cgroupns_outside_dotdot => "v2-cgroupns-outside-dotdot",
    snapshot_v2_cpu_max_odd_forms => "v2-cpu-max-odd-forms",
    snapshot_v2_double_mount_dotdot_root => "v2-double-mount-dotdot-root",
    snapshot_v2_k8s_cgroupns => "v2-k8s-cgroupns",
    snapshot_v2_memory_max_missing => "v2-memory-max-missing",
    snapshot_v2_bare_unshare_cgroup => "v2-bare-unshare-cgroup",
    snapshot_running_jvm => "running-jvm",
    snapshot_v2_parent_limit => "v2-parent-limit",
    snapshot_v2_undelegated_memory => "v2-undelegated-memory",
    snapshot_v2_plus_v1_freezer => "v2-plus-v1-freezer",
}

#[test]
fn every_fixture_has_a_snapshot_and_a_readme() {
    let mut listed: Vec<&str> = SNAPSHOTTED.to_vec();
    listed.sort_unstable();
    assert_eq!(
        all_fixtures(),
        listed,
        "every directory under tests/fixtures needs a line in `snapshots!`, and every line a directory"
    );
    for name in all_fixtures() {
        let readme = fixtures_dir().join(&name).join("README.md");
        let text = std::fs::read_to_string(&readme)
            .unwrap_or_else(|e| panic!("{}: {e}", readme.display()));
        assert!(
            text.starts_with(&format!("# {name}\n")),
            "{name}/README.md starts with its name"
        );
    }
}

// ---- invariants of every document ---------------------------------------------------------

const LIMITS: [&str; 4] = [
    "cpu.limit",
    "memory.limit",
    "memory.high",
    "memory.swap_limit",
];

#[test]
fn every_fixture_gives_a_well_formed_honest_document() {
    for name in all_fixtures() {
        let text = report_text(&name);
        let doc: Value = serde_json::from_str(&text).unwrap();
        let ctx = |what: &str| format!("{name}: {what}");
        assert_eq!(u(&doc, "schema_version"), 1, "{}", ctx("schema_version"));
        // Paths are as seen inside the inspected system, never prefixed with --root.
        let base = fixtures_dir().to_string_lossy().into_owned();
        assert!(
            !text.contains(&base),
            "{}",
            ctx("a path carries the fixture directory")
        );
        assert!(
            !text.contains("tests/fixtures"),
            "{}",
            ctx("a path carries tests/fixtures")
        );

        for l in LIMITS {
            match s(&doc, &format!("{l}.state")) {
                "limited" => {
                    let (v, src) = limited(&doc, l);
                    assert!(v.as_f64().is_some_and(|v| v >= 0.0), "{}", ctx(l));
                    assert!(
                        src.starts_with('/'),
                        "{}",
                        ctx(&format!("{l} source {src}"))
                    );
                }
                "unlimited" => {}
                "unknown" => {
                    let reason = unknown(&doc, l);
                    assert!(!reason.is_empty(), "{}", ctx(l));
                    assert_eq!(diagnostic(&doc, l), reason, "{}", ctx(l));
                }
                other => panic!("{}", ctx(&format!("{l} state {other}"))),
            }
        }
        for d in at(&doc, "diagnostics").as_array().unwrap() {
            assert!(
                d["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{}",
                ctx(&format!("empty diagnostic {d}"))
            );
        }

        // working set = usage − inactive_file, floor 0.
        let m = at(&doc, "memory");
        if let (Some(use_), Some(inactive)) =
            (m["usage_bytes"].as_u64(), m["inactive_file_bytes"].as_u64())
        {
            assert_eq!(
                m["working_set_bytes"].as_u64(),
                Some(use_.saturating_sub(inactive)),
                "{}",
                ctx("working set")
            );
        }

        // effective = min(cpuset, ceil(limit)), floor = min(cpuset, max(1, floor(limit))).
        let c = at(&doc, "cpu");
        if c["limit"]["state"] == "unknown" {
            // No count is claimed from an unknown limit.
            assert!(
                c["effective_count"].is_null() && c["effective_count_floor"].is_null(),
                "{}",
                ctx("effective")
            );
        } else if let Some(cpuset) = c["cpuset_count"].as_u64() {
            let (ceil, floor) = match c["limit"]["value"].as_f64() {
                Some(l) => (
                    (l.ceil().max(1.0) as u64).min(cpuset),
                    (l.floor().max(1.0) as u64).min(cpuset),
                ),
                None => (cpuset, cpuset),
            };
            assert_eq!(
                c["effective_count"].as_u64(),
                Some(ceil),
                "{}",
                ctx("effective")
            );
            assert_eq!(
                c["effective_count_floor"].as_u64(),
                Some(floor),
                "{}",
                ctx("effective floor")
            );
        }

        // A mount entry is complete and its kind is one of the contract's.
        for mt in at(&doc, "mounts").as_array().unwrap() {
            let kind = mt["kind"].as_str().unwrap_or("");
            assert!(
                [
                    "loop",
                    "device-mapper-on-loop",
                    "device-mapper",
                    "block",
                    "tmpfs",
                    "overlay",
                    "network",
                    "other"
                ]
                .contains(&kind),
                "{}",
                ctx(&format!("mount kind {kind}"))
            );
            for k in ["path", "mount_point", "fs_type", "source", "device"] {
                assert!(mt[k].is_string(), "{}", ctx(&format!("mounts[].{k}")));
            }
            assert!(
                mt["read_only"].is_boolean(),
                "{}",
                ctx("mounts[].read_only")
            );
        }
    }
}

#[test]
fn every_fixture_prints_a_table() {
    for name in all_fixtures() {
        let out = run(&name, &["report"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.trim().is_empty(),
            "ctune --root {name} report printed nothing"
        );
        assert!(
            !text.contains("hunter2-must-not-leak"),
            "{name}: a secret value in the table"
        );
    }
}

// ---- targeted assertions, one test per fixture ----------------------------------------------

/// LXCFS over /proc/meminfo: its MemTotal is the container's limit, so the host's RAM is
/// unknown and the limit stays a limit (not "at or above host RAM").
#[test]
fn v1_lxcfs_meminfo() {
    let d = report("v1-lxcfs-meminfo");
    let (v, src) = limited(&d, "memory.limit");
    assert_eq!(v, 1073741824);
    assert_eq!(src, "/sys/fs/cgroup/memory/large/memory.limit_in_bytes");
    assert!(at(&d, "memory.host_total_bytes").is_null());
    let why = diagnostic(&d, "memory.host_total_bytes");
    assert!(why.contains("fuse.lxcfs"), "{why}");
}

#[test]
fn v1_docker_no_cgroupns() {
    let d = report("v1-docker-no-cgroupns");
    assert_eq!(s(&d, "cgroup.version"), "v1");
    assert_eq!(at(&d, "cgroup.hybrid"), false);
    assert_eq!(s(&d, "cgroup.path"), "/docker/large");
    assert_eq!(s(&d, "cgroup.memory_dir"), "/sys/fs/cgroup/memory/large");
    assert_eq!(s(&d, "cgroup.cpu_dir"), "/sys/fs/cgroup/cpu,cpuacct");
    assert!(s(&d, "cgroup.resolution").contains("below the mount's root"));
    let (v, src) = limited(&d, "memory.limit");
    assert_eq!(v, 1073741824);
    assert_eq!(src, "/sys/fs/cgroup/memory/large/memory.limit_in_bytes");
    let (v, src) = limited(&d, "memory.swap_limit");
    assert_eq!(v, 1073741824, "mem+swap 2 GiB − mem 1 GiB");
    assert_eq!(
        src,
        "/sys/fs/cgroup/memory/large/memory.memsw.limit_in_bytes"
    );
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(v, 1.5);
    assert_eq!(src, "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us");
    assert_eq!(u(&d, "cpu.effective_count"), 2);
    assert_eq!(u(&d, "cpu.effective_count_floor"), 1);
    assert_eq!(u(&d, "cpu.shares"), 1536);
    assert!(is_null(&d, "cpu.weight"));
    assert_eq!(u(&d, "cpu.throttling.periods"), 5230);
    assert_eq!(u(&d, "cpu.throttling.throttled_periods"), 412);
    assert_eq!(
        f(&d, "cpu.throttling.throttled_seconds"),
        38.104712345,
        "v1 is in ns"
    );
    assert_eq!(u(&d, "memory.oom_kills"), 3);
    assert_eq!(u(&d, "memory.working_set_bytes"), 369098752 - 31457280);
    assert_eq!(s(&d, "container.runtime"), "docker");
    assert_eq!(s(&d, "mounts.0.kind"), "block");
    assert_eq!(s(&d, "mounts.0.block_device"), "sda1");
    assert_eq!(s(&d, "jvm.version"), "11.0.21");
    // Only what a private pid namespace cannot tell: whether net and mnt are the host's.
    let diag: Vec<&str> = at(&d, "diagnostics")
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .filter(|f| !f.starts_with("pressure."))
        .collect();
    assert_eq!(
        diag,
        [
            "memory.reservation", // memory.soft_limit_in_bytes was not captured
            "namespaces.mnt.shared_with_init",
            "namespaces.net.shared_with_init"
        ]
    );
}

#[test]
fn v2_k8s_cgroupns() {
    let d = report("v2-k8s-cgroupns");
    assert_eq!(s(&d, "cgroup.version"), "v2");
    assert_eq!(s(&d, "cgroup.path"), "/");
    assert_eq!(s(&d, "cgroup.cpu_dir"), "/sys/fs/cgroup");
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(v, 2.5);
    assert_eq!(src, "/sys/fs/cgroup/cpu.max");
    assert_eq!(u(&d, "cpu.effective_count"), 3);
    assert_eq!(u(&d, "cpu.effective_count_floor"), 2);
    assert_eq!(u(&d, "cpu.weight"), 98);
    assert!(is_null(&d, "cpu.shares"));
    assert_eq!(u(&d, "cpu.throttling.periods"), 100);
    assert_eq!(u(&d, "cpu.throttling.throttled_periods"), 10);
    assert_eq!(
        f(&d, "cpu.throttling.throttled_seconds"),
        0.05,
        "v2 is in µs"
    );
    assert_eq!(limited(&d, "memory.limit").0, 8589934592u64);
    assert_eq!(limited(&d, "memory.high").0, 8053063680u64);
    assert_eq!(
        limited(&d, "memory.swap_limit").0,
        0,
        "memory.swap.max 0 = no swap"
    );
    assert_eq!(u(&d, "memory.usage_bytes"), 7670427648);
    assert_eq!(u(&d, "memory.inactive_file_bytes"), 5307346944);
    assert_eq!(u(&d, "memory.working_set_bytes"), 7670427648 - 5307346944);
    assert_eq!(u(&d, "memory.shmem_bytes"), 6721536);
    assert_eq!(u(&d, "memory.dirty_bytes"), 1122304);
    assert_eq!(u(&d, "memory.oom_kills"), 0, "oom 1 but oom_kill 0");
    assert_eq!(s(&d, "container.runtime"), "kubernetes");
    let ev = evidence(&d);
    assert!(
        ev.iter().any(|e| e.contains("KUBERNETES_SERVICE_HOST")),
        "{ev:?}"
    );
    assert!(ev.iter().any(|e| e.contains("serviceaccount")), "{ev:?}");
    // The container's own cgroup namespace, not the host's (pid 1 shares it: it is the
    // container's init).
    assert_eq!(at(&d, "namespaces.cgroup.shared_with_init"), false);
    assert_eq!(u(&d, "namespaces.cgroup.inode"), 4026532844);
    assert_eq!(s(&d, "host.hypervisor"), "amazon");
    assert_eq!(s(&d, "security.seccomp"), "filter");
    assert_eq!(at(&d, "security.no_new_privs"), true);
    assert_eq!(mount(&d, "cwd")["kind"], "overlay");
    assert_eq!(mount(&d, "tmpdir")["kind"], "block");
    assert_eq!(mount(&d, "tmpdir")["device"], "254:1");
    assert_eq!(s(&d, "jvm.vendor"), "Eclipse Adoptium");
    assert!(!report_text("v2-k8s-cgroupns").contains("hunter2-must-not-leak"));
    // Pressure: the cgroup's files and the node's, each line as the file says.
    assert_eq!(s(&d, "pressure.cgroup.dir"), "/sys/fs/cgroup");
    assert_eq!(f(&d, "pressure.cgroup.cpu.some.avg10"), 2.40);
    assert_eq!(f(&d, "pressure.cgroup.cpu.some.avg60"), 3.75);
    assert_eq!(u(&d, "pressure.cgroup.cpu.full.total_us"), 655004127);
    assert_eq!(f(&d, "pressure.cgroup.memory.some.avg300"), 2.57);
    assert_eq!(u(&d, "pressure.cgroup.memory.some.total_us"), 230548833);
    assert_eq!(f(&d, "pressure.cgroup.memory.full.avg60"), 1.01);
    assert_eq!(u(&d, "pressure.cgroup.io.full.total_us"), 31050772);
    assert_eq!(s(&d, "pressure.host.dir"), "/proc/pressure");
    assert_eq!(u(&d, "pressure.host.cpu.some.total_us"), 9120553412);
    assert_eq!(u(&d, "pressure.host.cpu.full.total_us"), 0);
    assert_eq!(f(&d, "pressure.host.io.some.avg10"), 0.31);
    assert!(
        !at(&d, "diagnostics").to_string().contains("pressure"),
        "every pressure value is known"
    );
}

#[test]
fn hybrid_host() {
    let d = report("hybrid-host");
    assert_eq!(s(&d, "cgroup.version"), "v1");
    assert_eq!(at(&d, "cgroup.hybrid"), true);
    assert_eq!(
        s(&d, "cgroup.memory_dir"),
        "/sys/fs/cgroup/memory/user.slice/user-1000.slice/user@1000.service"
    );
    assert_eq!(
        s(&d, "cgroup.cpu_dir"),
        "/sys/fs/cgroup/cpu,cpuacct/user.slice"
    );
    unlimited(&d, "cpu.limit");
    unlimited(&d, "memory.limit");
    unlimited(&d, "memory.swap_limit");
    assert_eq!(u(&d, "cpu.host_count"), 12);
    assert_eq!(u(&d, "cpu.effective_count"), 12);
    assert_eq!(at(&d, "container.detected"), false);
    assert!(is_null(&d, "container.runtime"));
    assert!(evidence(&d).is_empty());
    // The initial pid namespace by its fixed inode; net has none, and /proc/1/ns is missing.
    assert_eq!(at(&d, "namespaces.pid.shared_with_init"), true);
    assert!(
        is_null(&d, "namespaces.net.shared_with_init"),
        "no /proc/1/ns"
    );
    assert!(diagnostic(&d, "namespaces.net.shared_with_init").contains("/proc/1/ns/net"));
    assert!(is_null(&d, "host.hypervisor"), "bare metal");
    assert_eq!(s(&d, "jvm.path"), "/usr/bin/java");
    assert_eq!(s(&d, "jvm.home"), "/usr/lib/jvm/java-21-openjdk-amd64");
    assert_eq!(s(&d, "jvm.version"), "21.0.4");
    assert_eq!(s(&d, "identity.user"), "alice");
}

#[test]
fn v1_parent_limit() {
    let d = report("v1-parent-limit");
    assert_eq!(
        s(&d, "cgroup.memory_dir"),
        "/sys/fs/cgroup/memory/batch.slice/batch-etl.service"
    );
    let (v, src) = limited(&d, "memory.limit");
    assert_eq!(v, 805306368);
    assert_eq!(
        src,
        "/sys/fs/cgroup/memory/batch.slice/memory.limit_in_bytes"
    );
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(v, 1.0);
    assert_eq!(
        src,
        "/sys/fs/cgroup/cpu,cpuacct/batch.slice/cpu.cfs_quota_us"
    );
    assert_eq!(u(&d, "cpu.effective_count"), 1);
    unlimited(&d, "memory.swap_limit");
    assert_eq!(s(&d, "jvm.version"), "11.0.21");
}

#[test]
fn v2_parent_limit() {
    let d = report("v2-parent-limit");
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(v, 1.5);
    assert_eq!(src, "/sys/fs/cgroup/batch.slice/cpu.max");
    assert_eq!(u(&d, "cpu.effective_count"), 2);
    assert_eq!(u(&d, "cpu.effective_count_floor"), 1);
    let (v, src) = limited(&d, "memory.limit");
    assert_eq!(v, 536870912);
    assert_eq!(src, "/sys/fs/cgroup/batch.slice/memory.max");
    unlimited(&d, "memory.high");
    assert!(is_null(&d, "jvm"));
    // A kernel before 5.13: cpu.pressure has no `full` line; null, with the reason.
    let leaf = "/sys/fs/cgroup/batch.slice/batch-etl.service";
    assert_eq!(s(&d, "pressure.cgroup.dir"), leaf);
    assert_eq!(f(&d, "pressure.cgroup.cpu.some.avg10"), 13.10);
    assert!(is_null(&d, "pressure.cgroup.cpu.full"));
    assert!(diagnostic(&d, "pressure.cgroup.cpu.full")
        .contains(&format!("{leaf}/cpu.pressure has no 'full' line")));
    assert!(is_null(&d, "pressure.host.cpu.full"));
    assert!(diagnostic(&d, "pressure.host.cpu.full").contains("/proc/pressure/cpu"));
    assert_eq!(u(&d, "pressure.cgroup.memory.full.total_us"), 60210087);
    assert_eq!(u(&d, "pressure.host.memory.some.total_us"), 330548833);
}

/// A v2 leaf without the memory controller: counters come from the nearest ancestor that has
/// them, and a note says so; before, they were unknown with "No such file".
#[test]
fn v2_undelegated_memory() {
    let d = report("v2-undelegated-memory");
    let (v, src) = limited(&d, "memory.limit");
    assert_eq!(v, 536870912);
    assert_eq!(src, "/sys/fs/cgroup/batch.slice/memory.max");
    assert_eq!(u(&d, "memory.usage_bytes"), 387713152);
    assert_eq!(u(&d, "memory.anon_bytes"), 268435456);
    let inactive = u(&d, "memory.inactive_file_bytes");
    assert_eq!(u(&d, "memory.working_set_bytes"), 387713152 - inactive);
    // OOM kills at the ancestor may be a sibling's: unknown, with the reason.
    assert!(is_null(&d, "memory.oom_kills"), "{d:#}");
    assert!(
        d["diagnostics"].to_string().contains("memory.oom_kills"),
        "{}",
        d["diagnostics"]
    );
    let notes = d["notes"].to_string();
    assert!(
        notes.contains("memory usage counters read at /sys/fs/cgroup/batch.slice"),
        "{notes}"
    );
    // The same root with the leaf's counters in place says nothing of the kind.
    let d = report("v2-parent-limit");
    assert!(!d["notes"].to_string().contains("counters read at"));
}

#[test]
fn cpuset_no_quota() {
    let d = report("cpuset-no-quota");
    unlimited(&d, "cpu.limit");
    assert_eq!(u(&d, "cpu.host_count"), 8);
    assert_eq!(u(&d, "cpu.cpuset_count"), 2);
    assert_eq!(u(&d, "cpu.effective_count"), 2);
    assert_eq!(u(&d, "cpu.effective_count_floor"), 2);
    assert_eq!(limited(&d, "memory.limit").0, 1073741824);
    assert_eq!(limited(&d, "memory.swap_limit").0, 1073741824);
    assert_eq!(s(&d, "container.runtime"), "docker");
}

#[test]
fn unlimited_everything() {
    let d = report("unlimited-everything");
    for l in LIMITS {
        unlimited(&d, l);
    }
    assert_eq!(u(&d, "cpu.effective_count"), 4);
    assert_eq!(s(&d, "cgroup.path"), "/Example");
    assert_eq!(diagnostics_besides_pressure(&d), Vec::<&Value>::new());
    assert_eq!(at(&d, "container.detected"), false);
}

#[test]
fn loop_data_dir() {
    let d = report("loop-data-dir");
    let m = mount(&d, "spark-local-dir");
    assert_eq!(m["path"], "/data/spark-local");
    assert_eq!(m["mount_point"], "/data");
    assert_eq!(m["kind"], "loop");
    assert_eq!(m["source"], "/dev/loop3");
    assert_eq!(m["device"], "7:3");
    assert_eq!(m["block_device"], "loop3");
    assert_eq!(m["backing_file"], "/var/lib/images/data.img");
    assert_eq!(m["loop_direct_io"], false);
    assert_eq!(mount(&d, "cwd")["kind"], "overlay");
    assert_eq!(mount(&d, "cwd")["path"], "/opt/spark/work-dir");
    assert_eq!(s(&d, "identity.user"), "spark");
    assert_eq!(limited(&d, "cpu.limit").0, 4.0);
}

#[test]
fn dm_on_loop() {
    let d = report("dm-on-loop");
    let m = mount(&d, "cwd");
    assert_eq!(m["kind"], "device-mapper-on-loop");
    assert_eq!(m["device"], "253:2");
    assert_eq!(m["block_device"], "dm-2");
    assert_eq!(
        m["backing_file"],
        "/var/lib/docker/devicemapper/devicemapper/data"
    );
    let name = m["dm_name"].as_str().unwrap();
    let hash = name.strip_prefix("docker-254:1-4458480-").expect(name);
    assert!(
        hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{name}"
    );
    assert_eq!(m["source"], format!("/dev/mapper/{name}"));
    assert_eq!(mount(&d, "tmpdir")["kind"], "device-mapper-on-loop");
    assert_eq!(s(&d, "cgroup.memory_dir"), "/sys/fs/cgroup/memory");
    assert_eq!(limited(&d, "memory.limit").0, 536870912);
    unlimited(&d, "cpu.limit");
    // An old kernel's files: the missing keys are null with reasons, not zeros.
    for k in ["shmem_bytes", "dirty_bytes", "writeback_bytes"] {
        assert!(is_null(&d, &format!("memory.{k}")));
        assert!(diagnostic(&d, &format!("memory.{k}")).contains("memory.stat"));
    }
    assert!(is_null(&d, "memory.oom_kills"));
    assert!(diagnostic(&d, "memory.oom_kills").contains("4.13"));
    assert!(at(&d, "namespaces").get("cgroup").is_none());
    assert!(at(&d, "namespaces").get("time").is_none());
    assert!(is_null(&d, "security.no_new_privs"));
    assert_eq!(s(&d, "jvm.version"), "1.8.0_72");
    assert_eq!(s(&d, "jvm.home"), "/usr/lib/jvm/java-8-openjdk-amd64");
    assert!(is_null(&d, "jvm.vendor"));
}

#[test]
fn tmpfs_data_dir() {
    let d = report("tmpfs-data-dir");
    let t = mount(&d, "tmpdir");
    assert_eq!(t["path"], "/tmp");
    assert_eq!(t["kind"], "tmpfs");
    assert_eq!(t["mount_point"], "/tmp");
    let j = mount(&d, "java.io.tmpdir");
    assert_eq!(j["path"], "/dev/shm");
    assert_eq!(j["kind"], "tmpfs");
    assert_eq!(j["source"], "shm");
    let c = mount(&d, "cwd");
    assert_eq!(c["kind"], "block");
    assert_eq!(c["block_device"], "nbd0");
    assert_eq!(c["mount_point"], "/var/lib/docker");
    assert_eq!(u(&d, "memory.shmem_bytes"), 209715200);
    assert_eq!(u(&d, "memory.oom_kills"), 2);
    assert!(unknown(&d, "memory.swap_limit").contains("swap accounting is off"));
    assert_eq!(s(&d, "cgroup.memory_dir"), "/sys/fs/cgroup/memory");
    assert_eq!(limited(&d, "cpu.limit").0, 2.0);
    assert_eq!(s(&d, "container.runtime"), "docker");
}

#[test]
fn arbitrary_uid_no_passwd() {
    let d = report("arbitrary-uid-no-passwd");
    assert_eq!(u(&d, "identity.uid"), 1000680000);
    assert_eq!(u(&d, "identity.gid"), 0);
    assert_eq!(at(&d, "identity.passwd_entry"), false);
    assert!(is_null(&d, "identity.user"));
    assert_eq!(s(&d, "identity.group"), "root");
    assert_eq!(s(&d, "identity.home"), "/");
    assert_eq!(at(&d, "identity.user_namespace"), false);
    assert_eq!(s(&d, "container.runtime"), "kubernetes");
    assert!(evidence(&d).iter().any(|e| e.contains("container=oci")));
    assert_eq!(
        s(&d, "security.lsm"),
        "system_u:system_r:container_t:s0:c15,c25"
    );
    assert_eq!(at(&d, "security.capabilities"), &serde_json::json!([]));
    assert_eq!(at(&d, "security.no_new_privs"), true);
    assert_eq!(limited(&d, "cpu.limit").0, 0.5);
    assert_eq!(u(&d, "cpu.effective_count"), 1);
    assert_eq!(s(&d, "jvm.path"), "/usr/lib/jvm/java-17/bin/java");
    assert_eq!(
        s(&d, "jvm.home"),
        "/usr/lib/jvm/java-17-openjdk-17.0.9.0.9-2.el8.x86_64"
    );
    assert_eq!(s(&d, "host.hypervisor"), "qemu");
}

#[test]
fn user_namespace() {
    let d = report("user-namespace");
    assert_eq!(u(&d, "identity.uid"), 0);
    assert_eq!(at(&d, "identity.user_namespace"), true);
    assert_eq!(u(&d, "identity.host_uid"), 1000);
    assert_eq!(s(&d, "container.runtime"), "podman");
    let ev = evidence(&d);
    assert!(
        ev.iter().any(|e| e.contains("/run/.containerenv")),
        "{ev:?}"
    );
    assert!(ev.iter().any(|e| e.contains("container=podman")), "{ev:?}");
    assert_eq!(u(&d, "namespaces.user.inode"), 4026532760);
    assert_eq!(limited(&d, "memory.limit").0, 2147483648u64);
    assert!(is_null(&d, "cgroup.cpu_dir"), "cpu is not delegated");
    let w = mount(&d, "cwd");
    assert_eq!(w["fs_type"], "btrfs");
    assert_eq!(w["device"], "0:33");
    assert_eq!(w["kind"], "block");
    assert_eq!(w["block_device"], "nvme0n1p3");
    assert_eq!(
        at(&d, "security.capabilities").as_array().unwrap().len(),
        11,
        "podman's default set"
    );
}

#[test]
fn malformed_files_v2() {
    let d = report("malformed-files-v2");
    let r = unknown(&d, "cpu.limit");
    assert!(
        r.contains("/sys/fs/cgroup/cpu.max") && r.contains("'abc'"),
        "{r}"
    );
    let r = unknown(&d, "memory.limit");
    assert!(
        r.contains("/sys/fs/cgroup/memory.max") && r.contains("'512M'"),
        "{r}"
    );
    assert!(unknown(&d, "memory.swap_limit").contains("memory.swap.max"));
    assert!(is_null(&d, "cpu.weight"));
    assert!(diagnostic(&d, "cpu.weight").contains("'-5'"));
    assert!(is_null(&d, "memory.oom_kills"));
    assert!(diagnostic(&d, "memory.oom_kills").contains("not valid UTF-8"));
    // The keys before the cut still count; those after it are unknown.
    assert_eq!(u(&d, "memory.anon_bytes"), 790425600);
    assert_eq!(u(&d, "memory.file_bytes"), 6502666240);
    for k in [
        "inactive_file_bytes",
        "active_file_bytes",
        "working_set_bytes",
    ] {
        assert!(is_null(&d, &format!("memory.{k}")));
        assert!(diagnostic(&d, &format!("memory.{k}")).contains("memory.stat"));
    }
    assert!(is_null(&d, "identity.host_uid"));
    assert!(diagnostic(&d, "identity.host_uid").contains("uid_map"));
    assert!(has_note(&d, "mountinfo line 9 skipped"));
    assert!(has_note(&d, "mountinfo line 10 skipped"));
    // The good mountinfo lines around the bad ones still count.
    assert_eq!(s(&d, "cgroup.version"), "v2");
    assert_eq!(mount(&d, "cwd")["kind"], "overlay");
}

#[test]
fn malformed_files_v1() {
    let d = report("malformed-files-v1");
    let leaf_cpu = "/sys/fs/cgroup/cpu,cpuacct/docker/5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e";
    let r = unknown(&d, "cpu.limit");
    assert!(
        r.starts_with(&format!("{leaf_cpu}/cpu.cfs_period_us: ")),
        "{r}"
    );
    assert!(r.contains("'1e5'"), "{r}");
    assert!(is_null(&d, "cpu.throttling"));
    assert!(diagnostic(&d, "cpu.throttling").contains("'fortytwo'"));
    // Empty leaf file, "unlimited" parents: unknown, never unlimited.
    let r = unknown(&d, "memory.limit");
    assert!(r.contains("memory.limit_in_bytes"), "{r}");
    assert!(unknown(&d, "memory.swap_limit").contains("swap accounting is off"));
    // The truncated memory.stat: the leaf's own inactive_file stands in for the missing total.
    assert_eq!(u(&d, "memory.usage_bytes"), 2869575680);
    assert_eq!(u(&d, "memory.inactive_file_bytes"), 2653802496);
    assert_eq!(u(&d, "memory.working_set_bytes"), 215773184);
    assert_eq!(u(&d, "memory.file_bytes"), 2842775552);
    assert!(is_null(&d, "memory.oom_kills"));
    assert!(diagnostic(&d, "memory.oom_kills").contains("not valid UTF-8"));
    assert_eq!(u(&d, "cpu.cpuset_count"), 4, "from cpuset.effective_cpus");
    assert!(has_note(&d, "mountinfo line 5 skipped"));
}

#[test]
fn missing_files() {
    let d = report("missing-files");
    for l in LIMITS {
        let r = unknown(&d, l);
        assert!(r.contains("does not exist"), "{l}: {r}");
    }
    for field in [
        "identity.uid",
        "identity.gid",
        "cpu.host_count",
        "cpu.cpuset_count",
        "memory.host_total_bytes",
        "memory.usage_bytes",
        "security.capabilities",
        "host.hypervisor",
    ] {
        assert!(is_null(&d, field), "{field}");
        assert!(
            diagnostic(&d, field).contains("no such file")
                || diagnostic(&d, field).contains("does not exist")
        );
    }
    assert!(is_null(&d, "cpu.effective_count"));
    assert!(has_note(&d, "working directory unknown"));
    assert!(has_note(&d, "/tmp"));
    assert_eq!(at(&d, "mounts"), &serde_json::json!([]));
    assert!(is_null(&d, "jvm"));
    assert_eq!(s(&d, "cgroup.version"), "v2");
    // No uid, no uid_map, no /proc/self/ns: none of it is stated as a fact.
    for field in [
        "identity.passwd_entry",
        "identity.user_namespace",
        "namespaces.pid.inode",
        "namespaces.net.shared_with_init",
    ] {
        assert!(is_null(&d, field), "{field}");
        assert!(!diagnostic(&d, field).is_empty(), "{field}");
    }
}

#[test]
fn v2_cgroupns_outside_dotdot() {
    let d = report("v2-cgroupns-outside-dotdot");
    assert!(s(&d, "cgroup.resolution").starts_with("outside namespace"));
    assert_eq!(s(&d, "cgroup.path"), "/");
    assert_eq!(s(&d, "cgroup.memory_dir"), "/sys/fs/cgroup");
    for l in LIMITS {
        let r = unknown(&d, l);
        assert!(r.contains("not visible"), "{l}: {r}");
    }
    assert!(has_note(&d, "outside namespace"));
    assert_eq!(s(&d, "container.runtime"), "podman");
}

#[test]
fn v1_joined_controllers() {
    let d = report("v1-joined-controllers");
    let joined = "/sys/fs/cgroup/cpu,cpuacct,net_cls,net_prio,hugetlb,memory";
    let leaf = format!("{joined}/user.slice/user-1000.slice/session-2.scope");
    assert_eq!(s(&d, "cgroup.cpu_dir"), leaf);
    assert_eq!(s(&d, "cgroup.memory_dir"), leaf);
    assert_eq!(at(&d, "cgroup.hybrid"), true);
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(v, 2.0);
    assert_eq!(src, format!("{leaf}/cpu.cfs_quota_us"));
    let (v, src) = limited(&d, "memory.limit");
    assert_eq!(v, 4294967296u64);
    assert_eq!(
        src,
        format!("{joined}/user.slice/user-1000.slice/memory.limit_in_bytes")
    );
}

#[test]
fn v1_untranslatable_root() {
    let d = report("v1-untranslatable-root");
    assert_eq!(s(&d, "cgroup.path"), "/docker/fedcba9876543210");
    assert_eq!(s(&d, "cgroup.memory_dir"), "/sys/fs/cgroup/memory");
    assert!(s(&d, "cgroup.resolution").starts_with("untranslated"));
    assert!(has_note(&d, "untranslated"));
    let r = unknown(&d, "memory.limit");
    assert!(r.contains("not below the mount's root"), "{r}");
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(v, 0.5);
    assert_eq!(src, "/sys/fs/cgroup/cpu/docker/cpu.cfs_quota_us");
    assert_eq!(u(&d, "cpu.effective_count"), 1);
}

#[test]
fn bedrock_duplicate_mounts() {
    let d = report("bedrock-duplicate-mounts");
    let s1 = "user.slice/user-1000.slice/session-1.scope";
    assert_eq!(
        s(&d, "cgroup.memory_dir"),
        format!("/sys/fs/cgroup/memory/{s1}")
    );
    assert_eq!(
        s(&d, "cgroup.cpu_dir"),
        format!("/sys/fs/cgroup/cpu,cpuacct/{s1}")
    );
    assert_eq!(limited(&d, "memory.limit").0, 3221225472u64);
    assert_eq!(limited(&d, "cpu.limit").0, 3.0);
    assert_eq!(at(&d, "cgroup.hybrid"), false);
}

#[test]
fn hybrid_double_cpuset() {
    let d = report("hybrid-double-cpuset");
    assert_eq!(at(&d, "cgroup.hybrid"), true);
    assert_eq!(u(&d, "cpu.host_count"), 8);
    assert_eq!(
        u(&d, "cpu.cpuset_count"),
        4,
        "from /sys/fs/cgroup/cpuset, not /cpusets"
    );
    assert_eq!(u(&d, "cpu.effective_count"), 4);
    assert_eq!(
        s(&d, "cgroup.memory_dir"),
        "/sys/fs/cgroup/memory/user.slice/user-15263.slice/user@15263.service"
    );
    assert_eq!(mount(&d, "cwd")["kind"], "device-mapper");
}

#[test]
fn v2_plus_v1_freezer() {
    let d = report("v2-plus-v1-freezer");
    assert_eq!(s(&d, "cgroup.version"), "v2");
    assert_eq!(at(&d, "cgroup.hybrid"), false);
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(v, 2.0);
    assert_eq!(src, "/sys/fs/cgroup/system.slice/app.service/cpu.max");
    assert_eq!(limited(&d, "memory.limit").0, 1073741824u64);
}

#[test]
fn v2_cpu_max_odd_forms() {
    let d = report("v2-cpu-max-odd-forms");
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(v, 5.0, "lone quota 500000 with the default period");
    assert_eq!(src, "/sys/fs/cgroup/workload.slice/render.service/cpu.max");
    assert_eq!(u(&d, "cpu.effective_count"), 5);
}

#[test]
fn v2_double_mount_dotdot_root() {
    let d = report("v2-double-mount-dotdot-root");
    assert_eq!(
        s(&d, "cgroup.cpu_dir"),
        "/sys/fs/cgroup/system.slice/app.service"
    );
    assert!(s(&d, "cgroup.resolution").starts_with("direct"));
    assert_eq!(limited(&d, "memory.limit").0, 805306368u64);
    assert_eq!(limited(&d, "cpu.limit").0, 1.0);
}

#[test]
fn hybrid_cgroup2_at_systemd() {
    let d = report("hybrid-cgroup2-at-systemd");
    assert_eq!(s(&d, "cgroup.version"), "v1");
    assert_eq!(at(&d, "cgroup.hybrid"), true);
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(v, 0.5);
    assert_eq!(
        src,
        "/sys/fs/cgroup/cpu,cpuacct/system.slice/cpu.cfs_quota_us"
    );
    let (v, src) = limited(&d, "memory.limit");
    assert_eq!(v, 1610612736u64);
    assert_eq!(
        src,
        "/sys/fs/cgroup/memory/system.slice/app.service/memory.limit_in_bytes"
    );
    let m = mount(&d, "cwd");
    assert_eq!(m["kind"], "device-mapper");
    assert_eq!(m["dm_name"], "fedora_dhcp--16--129-root");
}

#[test]
fn octal_escapes_no_cgroup() {
    let d = report("octal-escapes-no-cgroup");
    assert_eq!(s(&d, "cgroup.version"), "none");
    let c = mount(&d, "cwd");
    assert_eq!(c["path"], "/mnt/foo bar/work");
    assert_eq!(c["mount_point"], "/mnt/foo bar");
    assert_eq!(c["kind"], "block");
    assert_eq!(c["device"], "252:1");
    let n = mount(&d, "spark-local-dir");
    assert_eq!(n["kind"], "network");
    assert_eq!(n["fs_type"], "cifs");
    assert_eq!(n["source"], "//foo/BLA BLA BLA/");
    assert!(has_note(&d, "tmpdir /tmp: no mount"));
}

/// A path that cannot be placed under its mount (a sibling, above the mount root): the mount
/// point's limits belong to another cgroup, so both limits are unknown (never `limited` with
/// that file as source) and `cgroup-limit-unknown` says so; `jvm_view` still predicts what
/// HotSpot does, which is to read the mount point.
#[test]
fn v1_untranslatable_limit_elsewhere() {
    let name = "v1-untranslatable-limit-elsewhere";
    let d = report(name);
    for l in ["cpu.limit", "memory.limit"] {
        let r = unknown(&d, l);
        assert!(r.contains("does not bind this process"), "{l}: {r}");
    }
    assert!(unknown(&d, "memory.limit").contains("/docker/fedcba9876543210"));
    // lint exits non-zero when it finds errors: read its output whatever the status.
    let out = ctune()
        .arg("--root")
        .arg(fixture(name))
        .args(["lint", "--format", "json"])
        .output()
        .unwrap();
    let lint: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = lint["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"cgroup-limit-unknown"), "{ids:?}");
    let a: Value = serde_json::from_slice(
        &run(
            name,
            &["jvm", "--assume", "jdk=17.0.15", "--format", "json"],
        )
        .stdout,
    )
    .unwrap();
    let v = &a["jvm_view"];
    assert_eq!(v["memory_limit_seen"], 536870912u64, "{a:#}");
    assert_eq!(v["cpu_limit_seen"], 0.5, "{a:#}");
    assert_eq!(v["max_heap_bytes"], 128u64 << 20, "{a:#}");
}

/// `shared_with_init` is "the host's initial namespace" (contract): in a Kubernetes container
/// pid 1 is the container's own init, so comparing with it would call every namespace shared.
/// The fixed initial inodes decide ipc, uts, user, pid, cgroup and time; net and mnt are null
/// with a diagnostic when the pid namespace is private, compared with pid 1 on the host.
#[test]
fn namespaces_are_judged_against_the_host_not_pid_1() {
    let d = report("v2-k8s-cgroupns");
    for (t, initial) in [
        ("cgroup", false),
        ("ipc", false),
        ("pid", false),
        ("uts", false),
        ("user", true),
        ("time", true),
    ] {
        assert_eq!(
            at(&d, &format!("namespaces.{t}.shared_with_init")),
            initial,
            "{t}"
        );
    }
    for t in ["mnt", "net"] {
        let f = format!("namespaces.{t}.shared_with_init");
        assert!(is_null(&d, &f), "{t}");
        assert!(diagnostic(&d, &f).contains("pid 1 here is not the host's init"));
    }
    // On a host (initial pid namespace) pid 1's net and mnt namespaces do tell.
    let d = report("v1-parent-limit");
    assert_eq!(at(&d, "namespaces.pid.shared_with_init"), true);
    assert_eq!(at(&d, "namespaces.net.shared_with_init"), true);
}

/// v2: `memory.max` missing while the controller is on (`memory.high` there): unknown with the
/// reason, not "controller not enabled" and unlimited.
#[test]
fn v2_memory_max_missing() {
    let name = "v2-memory-max-missing";
    let d = report(name);
    let r = unknown(&d, "memory.limit");
    assert!(r.contains("memory.max is missing although"), "{r}");
    assert!(r.contains("memory.high"), "{r}");
    unlimited(&d, "cpu.limit");
    let out = ctune()
        .arg("--root")
        .arg(fixture(name))
        .args(["lint", "--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cgroup-limit-unknown"), "{text}");
    assert!(!text.contains("memory-limit-unset"), "{text}");
}

/// Nulls whose meaning the contract gives ("none", "not this cgroup version", "not that kind of
/// device"), so they carry no diagnostic. Every other null in a report is a value that could
/// not be read and must have its reason in `diagnostics`.
const NULL_MEANS_NONE: &[&str] = &[
    "cpu.shares",     // cgroup v2 (weight instead)
    "cpu.weight",     // cgroup v1 (shares instead)
    "identity.user",  // no passwd entry for the uid
    "identity.group", // no group entry for the gid
    "identity.passwd_source",
    "identity.passwd_home", // no passwd entry, or one with an empty home
    "identity.passwd_home_writable", // no passwd entry
    "identity.home",        // $HOME not set
    "container.runtime",    // no runtime named by the evidence
    "security.lsm",         // no LSM active
    "host.hypervisor",      // bare metal
    "jvm",                  // no Java found
    "jvm.vendor",           // the release file does not say
    "jvm.runtime_version",  // the release file does not say
    "mounts[].backing_file",
    "mounts[].block_device",
    "mounts[].dm_name",
    "mounts[].loop_direct_io",
    "pressure.cgroup.dir", // no cgroup2 directory to read (pressure.cgroup.* say why)
];

/// Under cgroup version `none` there is no cgroup to have a path, directories or counters.
const NULL_WITHOUT_CGROUP: &[&str] = &[
    "cgroup.path",
    "cgroup.cpu_dir",
    "cgroup.memory_dir",
    "cgroup.resolution",
    "cpu.throttling",
    "memory.",
];

fn nulls(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::Null => out.push(path),
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                nulls(x, p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                nulls(x, format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

/// Every fixture's report: count the nulls and the diagnostics; every null is either a
/// documented "none" or has a diagnostic with its reason (an unreadable root once had 36
/// nulls and 13 diagnostics), and every diagnostic names a null or an unknown limit.
#[test]
fn every_null_has_a_diagnostic_or_a_documented_meaning() {
    let mut counts = Vec::new();
    for name in all_fixtures() {
        let d = report(&name);
        let mut all = Vec::new();
        for (k, v) in d.as_object().unwrap() {
            if k != "diagnostics" && k != "notes" {
                nulls(v, k.clone(), &mut all);
            }
        }
        let diag: Vec<String> = at(&d, "diagnostics")
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["field"].as_str().unwrap().to_owned())
            .collect();
        let no_cgroup = s(&d, "cgroup.version") == "none";
        let unexplained: Vec<&String> = all
            .iter()
            .filter(|n| !diag.contains(n))
            .filter(|n| !NULL_MEANS_NONE.contains(&n.as_str()))
            .filter(|n| !(no_cgroup && NULL_WITHOUT_CGROUP.iter().any(|p| n.starts_with(p))))
            .collect();
        assert!(
            unexplained.is_empty(),
            "{name}: nulls without a diagnostic: {unexplained:?}"
        );
        for f in &diag {
            let unknown_limit = !f.contains('[')
                && at(&d, f).get("state").and_then(Value::as_str) == Some("unknown");
            assert!(
                all.contains(f) || unknown_limit,
                "{name}: diagnostic for {f}, which is neither null nor an unknown limit"
            );
        }
        counts.push(format!(
            "{name}: {} nulls, {} diagnostics",
            all.len(),
            diag.len()
        ));
    }
    eprintln!("{}", counts.join("\n"));
}

/// Bare `unshare --cgroup` on v2: path `0::/`, the mount's ROOT `/..`. The namespace root is
/// the child of the mount point whose `cgroup.procs` lists the process: its limits, not a
/// sibling's, and not "unlimited".
#[test]
fn v2_bare_unshare_cgroup() {
    let d = report("v2-bare-unshare-cgroup");
    assert_eq!(s(&d, "cgroup.memory_dir"), "/sys/fs/cgroup/limited");
    let (v, src) = limited(&d, "cpu.limit");
    assert_eq!(
        (v.as_f64(), src),
        (Some(1.5), "/sys/fs/cgroup/limited/cpu.max")
    );
    let (v, src) = limited(&d, "memory.limit");
    assert_eq!(
        (v.as_u64(), src),
        (Some(536870912), "/sys/fs/cgroup/limited/memory.max")
    );
    assert!(has_note(&d, "whose cgroup.procs lists this process"));
}

/// v2 has no hierarchical `memory.high`: inside a cgroup namespace, an ancestor's high is
/// out of sight, and "unlimited" says so, as the CPU and swap limits do.
#[test]
fn memory_high_in_a_cgroup_namespace_says_the_ancestors_are_hidden() {
    for name in [
        "cpuset-no-quota",
        "user-namespace",
        "arbitrary-uid-no-passwd",
    ] {
        let d = report(name);
        let high = at(&d, "memory.high");
        assert_eq!(high["state"], "unlimited", "{name}: {high}");
        assert_eq!(high["ancestors_visible"], false, "{name}: {high}");
    }
    assert_eq!(
        at(&report("cpuset-no-quota"), "cpu.limit")["ancestors_visible"],
        false
    );
    // Without a namespace every level up to the root was read: plain unlimited.
    let d = report("unlimited-everything");
    assert_eq!(
        at(&d, "memory.high"),
        &serde_json::json!({"state": "unlimited"})
    );
}

/// `--java` takes a JDK 8 home whose `java` is only under `jre/bin`, the home `report` names.
#[test]
fn java_takes_a_jdk8_home_with_only_jre_bin() {
    let home = s(&report("dm-on-loop"), "jvm.home").to_owned();
    assert_eq!(home, "/usr/lib/jvm/java-8-openjdk-amd64");
    let out = run("dm-on-loop", &["jvm", "--java", &home, "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["java"]["feature"], 8, "{v:#}");
    assert_eq!(v["java"]["path"], format!("{home}/jre/bin/java"), "{v:#}");
}

/// `-Djava.io.tmpdir` among the user's own options after `--` is a data directory, as one in
/// `JAVA_TOOL_OPTIONS` is.
#[test]
fn java_io_tmpdir_after_the_double_dash_is_a_data_directory() {
    let dirs = |args: &[&str]| -> Vec<Value> {
        let mut a = vec!["doctor", "--format", "json", "--"];
        a.extend_from_slice(args);
        let out = run("loop-data-dir", &a);
        let d: Value = serde_json::from_slice(&out.stdout).unwrap();
        d["summary"]["data_dirs"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let role = |dirs: &[Value], path: &str| {
        dirs.iter()
            .find(|m| m["path"] == path)
            .map(|m| m["role"].as_str().unwrap_or("").to_owned())
    };
    let plain = dirs(&["-jar", "a.jar"]);
    assert_eq!(role(&plain, "/opt/spark/work-dir").as_deref(), Some("cwd"));
    let told = dirs(&["-Djava.io.tmpdir=/opt/spark/work-dir", "-jar", "a.jar"]);
    assert_eq!(
        role(&told, "/opt/spark/work-dir").as_deref(),
        Some("cwd, java.io.tmpdir"),
        "{told:?}"
    );
}

/// An image with no /etc/passwd at all has no entry for any uid: getpwuid finds none, so the
/// uid has none, as with a passwd file that lacks it (not "unknown"), and the finding fires.
#[test]
fn no_passwd_file_is_no_entry() {
    let dir = crate::common::scratch_dir("no-passwd");
    let status = std::process::Command::new("cp")
        .args(["-a", "--"])
        .arg(fixture("arbitrary-uid-no-passwd"))
        .arg(dir.join("root"))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_file(dir.join("root/etc/passwd")).unwrap();
    let out = crate::common::ctune()
        .arg("--root")
        .arg(dir.join("root"))
        .args(["doctor", "--format", "json"])
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["summary"]["identity"]["passwd_entry"], false, "{d:#}");
    crate::common::finding(&d, "uid-without-passwd-entry");
    let _ = std::fs::remove_dir_all(&dir);
}
