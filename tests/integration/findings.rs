//! `ctune doctor` and `ctune lint` from the outside: every check against fixtures that trigger
//! it and fixtures that do not, every lint format (snapshots, the SARIF 2.1.0 schema, JUnit and
//! GitHub shapes), the exit codes, and the checks that need a real kernel (loop device, tmpfs,
//! a uid without passwd entry, root, a throttled cgroup, an OOM kill).

use crate::common::*;
use crate::real_kernel::{in_cgroup, v1_writable, Cgroups, V1};
use ctune::exit;
use ctune::findings::RULES;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> PathBuf {
    let p = repo().join("tests/fixtures").join(name);
    assert!(p.join("proc").is_dir(), "fixture {name} has no proc/");
    p
}

/// `ctune --root FIXTURE <args>`, with a stable terminal width and no colour.
fn run(name: &str, args: &[&str]) -> Output {
    ctune()
        .arg("--root")
        .arg(fixture(name))
        .args(args)
        .env("COLUMNS", "80")
        .env("NO_COLOR", "1")
        .output()
        .expect("run ctune")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

/// `lint --format json --fail-on never [args]` on a fixture: the findings document.
fn lint_json(name: &str, args: &[&str]) -> Value {
    let mut a = vec!["lint", "--format", "json", "--fail-on", "never"];
    a.extend_from_slice(args);
    let o = run(name, &a);
    assert_eq!(
        o.status.code(),
        Some(exit::OK),
        "ctune --root {name} {a:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("lint --format json is JSON")
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings is a list")
}

fn finding<'a>(doc: &'a Value, id: &str) -> Option<&'a Value> {
    findings(doc).iter().find(|f| f["id"] == id)
}

fn ids(doc: &Value) -> Vec<String> {
    findings(doc)
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

// ---- every check: triggers and non-triggers ---------------------------------------------

type Case = (&'static str, &'static [&'static str]);

/// (id, fixtures (with extra arguments) that trigger it, fixtures that do not).
const CASES: &[(&str, &[Case], &[Case])] = &[
    (
        "memory-limit-unset",
        &[("hybrid-host", &[]), ("unlimited-everything", &[])],
        &[
            ("v2-plus-v1-freezer", &[]),
            ("hybrid-host", &["--assume", "memory=1GiB"]),
            ("v2-cgroupns-outside-dotdot", &[]),
        ],
    ),
    (
        "cgroup-limit-unknown",
        &[
            ("v2-cgroupns-outside-dotdot", &[]),
            ("v1-untranslatable-root", &[]),
            ("missing-files", &[]),
        ],
        &[("loop-data-dir", &[]), ("unlimited-everything", &[])],
    ),
    (
        "limit-in-parent-cgroup",
        &[
            ("v1-parent-limit", &[]),
            ("v2-parent-limit", &[]),
            ("hybrid-cgroup2-at-systemd", &[]),
            ("v1-joined-controllers", &[]),
        ],
        &[("v2-plus-v1-freezer", &[]), ("v1-docker-no-cgroupns", &[])],
    ),
    (
        "memory-high-below-max",
        &[("v2-k8s-cgroupns", &[])],
        &[
            ("arbitrary-uid-no-passwd", &[]),
            ("v1-docker-no-cgroupns", &[]),
        ],
    ),
    (
        "cpu-throttled",
        &[
            ("tmpfs-data-dir", &[]),
            ("arbitrary-uid-no-passwd", &[]),
            ("hybrid-cgroup2-at-systemd", &[]),
        ],
        // 412 of 5230 periods (7.9%); no throttling at all.
        &[
            ("v1-docker-no-cgroupns", &[]),
            ("bedrock-duplicate-mounts", &[]),
        ],
    ),
    (
        "oom-kills-recorded",
        &[("v1-docker-no-cgroupns", &[]), ("tmpfs-data-dir", &[])],
        // oom 1 but oom_kill 0; oom_kill unreadable.
        &[("v2-k8s-cgroupns", &[]), ("dm-on-loop", &[])],
    ),
    (
        "page-cache-pressure",
        &[("tmpfs-data-dir", &[])],
        // Cache-heavy with a small working set; cache-heavy with an unknown limit.
        &[("v2-k8s-cgroupns", &[]), ("malformed-files-v1", &[])],
    ),
    (
        "memory-pressure-stalls",
        &[("v2-parent-limit", &[])],
        // Calm cgroup pressure; no pressure files at all (v1).
        &[("v2-k8s-cgroupns", &[]), ("tmpfs-data-dir", &[])],
    ),
    (
        "cpu-pressure-stalls",
        &[("v2-parent-limit", &[])],
        &[("v2-k8s-cgroupns", &[]), ("hybrid-host", &[])],
    ),
    (
        "running-under-hypervisor",
        &[("arbitrary-uid-no-passwd", &[]), ("v2-k8s-cgroupns", &[])],
        &[("hybrid-host", &[]), ("v1-k8s-cpu-request", &[])],
    ),
    (
        "jvm-blind-to-cgroup",
        &[
            ("dm-on-loop", &[]),
            ("v2-plus-v1-freezer", &["--assume", "jdk=11.0.13"]),
        ],
        &[
            ("tmpfs-data-dir", &[]),
            ("loop-data-dir", &[]),
            ("v2-plus-v1-freezer", &["--assume", "jdk=11.0.16"]),
            // No Java: nothing version-dependent is claimed.
            ("v2-plus-v1-freezer", &[]),
        ],
    ),
    (
        "jvm-without-container-support",
        &[
            ("dm-on-loop", &[]),
            (
                "v2-plus-v1-freezer",
                &["--assume", "jdk=17.0.9", "--", "-XX:-UseContainerSupport"],
            ),
        ],
        &[
            ("tmpfs-data-dir", &[]),
            ("v2-plus-v1-freezer", &["--assume", "jdk=17.0.9"]),
        ],
    ),
    (
        "cpu-count-from-shares",
        &[("v1-k8s-cpu-request", &[])],
        &[
            // Shares 1536, but a quota: the quota wins.
            ("v1-docker-no-cgroupns", &[]),
            ("v1-k8s-cpu-request", &["--assume", "jdk=17.0.9"]),
            ("v1-k8s-cpu-request", &["--", "-XX:ActiveProcessorCount=16"]),
        ],
    ),
    (
        "jvm-option-rejected",
        &[
            (
                "v2-plus-v1-freezer",
                &[
                    "--assume",
                    "jdk=17.0.15",
                    "--",
                    "java",
                    "-Xms2g",
                    "-Xmx1g",
                    "-jar",
                    "a.jar",
                ],
            ),
            (
                "v2-plus-v1-freezer",
                &["--assume", "jdk=11.0.13", "--", "-XX:MinHeapSize=100m"],
            ),
        ],
        &[(
            "v2-plus-v1-freezer",
            &[
                "--assume",
                "jdk=17.0.15",
                "--",
                "-XX:MinHeapSize=100m",
                "-XX:+UseSerialGC",
            ],
        )],
    ),
    (
        "initial-heap-exceeds-budget",
        &[(
            "v2-plus-v1-freezer",
            &[
                "--assume",
                "memory=1Gi",
                "--",
                "java",
                "-Xms900m",
                "-jar",
                "a.jar",
            ],
        )],
        &[(
            "v2-plus-v1-freezer",
            &[
                "--assume",
                "memory=1Gi",
                "--",
                "java",
                "-Xms100m",
                "-jar",
                "a.jar",
            ],
        )],
    ),
    (
        "heap-option-contradicted",
        &[(
            "v2-plus-v1-freezer",
            &["--", "-Xmx1g", "-XX:MaxRAMPercentage=50"],
        )],
        &[("v2-plus-v1-freezer", &["--", "-Xmx1g"])],
    ),
    (
        "collector-burns-cpu-limit",
        &[(
            "v2-plus-v1-freezer",
            &["--assume", "cpus=1", "--", "-XX:+UseG1GC"],
        )],
        &[
            (
                "v2-plus-v1-freezer",
                &["--assume", "cpus=2", "--", "-XX:+UseG1GC"],
            ),
            (
                "v2-plus-v1-freezer",
                &["--assume", "cpus=1", "--", "-XX:+UseSerialGC"],
            ),
        ],
    ),
    (
        "jvm-budget-exceeds-limit",
        &[(
            "v2-plus-v1-freezer",
            &["--assume", "memory=128Mi", "--assume", "jdk=17.0.9"],
        )],
        &[
            (
                "v2-plus-v1-freezer",
                &["--assume", "memory=2Gi", "--assume", "jdk=17.0.9"],
            ),
            (
                "v2-plus-v1-freezer",
                &[
                    "--assume",
                    "memory=128Mi",
                    "--assume",
                    "jdk=17.0.9",
                    "--",
                    "-Xmx64m",
                ],
            ),
        ],
    ),
    (
        "running-heap-exceeds-memory-limit",
        // 64 MiB heap + 16 MiB resident beyond it (80 MiB RSS) over 72 MiB; --pid 8 (32 MiB
        // heap + 32 MiB) fits.
        &[("running-jvm", &["--pid", "7", "--assume", "memory=72MiB"])],
        &[
            ("running-jvm", &[]),
            ("running-jvm", &["--pid", "8", "--assume", "memory=72MiB"]),
            ("hybrid-host", &["--assume", "memory=64MiB"]),
        ],
    ),
    (
        "running-native-memory-near-limit",
        // 80 MiB resident of 90 MiB, heap 30% used; pid 8's heap is full.
        &[("running-jvm", &["--pid", "7", "--assume", "memory=90MiB"])],
        &[
            ("running-jvm", &["--pid", "7"]),
            ("running-jvm", &["--pid", "8", "--assume", "memory=70MiB"]),
        ],
    ),
    (
        "running-gc-overhead",
        &[("running-jvm", &["--pid", "8"]), ("running-jvm", &[])],
        &[("running-jvm", &["--pid", "7"]), ("hybrid-host", &[])],
    ),
    (
        "running-cpu-count-exceeds-quota",
        // pid 8 runs with -XX:ActiveProcessorCount=4 under 2.5 CPUs; pid 7's JDK 17 derives 3.
        &[("running-jvm", &["--pid", "8"])],
        &[
            ("running-jvm", &["--pid", "7"]),
            ("running-jvm", &["--pid", "8", "--assume", "cpus=4"]),
        ],
    ),
    (
        "running-flags-differ-from-advice",
        &[("running-jvm", &["--pid", "7"])],
        &[("hybrid-host", &[]), ("v2-k8s-cgroupns", &[])],
    ),
    (
        "heap-exceeds-memory-limit",
        &[
            (
                "v2-plus-v1-freezer",
                &["--", "java", "-Xmx1g", "-jar", "app.jar"],
            ),
            (
                "v2-plus-v1-freezer",
                &["--assume", "memory=512Mi", "--", "-Xmx480m"],
            ),
        ],
        &[
            (
                "v2-plus-v1-freezer",
                &["--", "java", "-Xmx512m", "-jar", "app.jar"],
            ),
            // JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75.0 under 8 GiB leaves room.
            ("v2-k8s-cgroupns", &[]),
        ],
    ),
    (
        "data-dir-on-loop-device",
        &[("loop-data-dir", &[]), ("dm-on-loop", &[])],
        // device-mapper over a disk partition, not over a loop device.
        &[
            ("hybrid-cgroup2-at-systemd", &[]),
            ("v1-docker-no-cgroupns", &[]),
        ],
    ),
    (
        "data-dir-on-tmpfs",
        &[("tmpfs-data-dir", &[])],
        &[("v2-k8s-cgroupns", &[])],
    ),
    (
        "data-dir-on-overlay",
        &[("cpuset-no-quota", &[]), ("loop-data-dir", &[])],
        &[("hybrid-host", &[]), ("tmpfs-data-dir", &[])],
    ),
    (
        "data-dir-on-network-fs",
        &[("octal-escapes-no-cgroup", &[])],
        &[("hybrid-host", &[])],
    ),
    (
        "data-dir-read-only",
        &[("v1-k8s-cpu-request", &[])],
        &[("cpuset-no-quota", &[])],
    ),
    (
        "running-as-root",
        &[("cpuset-no-quota", &[]), ("user-namespace", &[])],
        &[("arbitrary-uid-no-passwd", &[]), ("v1-parent-limit", &[])],
    ),
    (
        "uid-without-passwd-entry",
        &[("arbitrary-uid-no-passwd", &[])],
        // An entry; the uid unknown (no /proc/self/status).
        &[("v1-parent-limit", &[]), ("missing-files", &[])],
    ),
    (
        "home-not-writable",
        &[("podman-user-home-root", &[])],
        &[
            ("v1-docker-no-cgroupns", &[]),
            ("arbitrary-uid-no-passwd", &[]),
        ],
    ),
    (
        "home-unset-for-arbitrary-uid",
        &[("arbitrary-uid-no-passwd", &[])],
        &[("v1-parent-limit", &[])],
    ),
    (
        "secret-in-environment",
        &[("v2-k8s-cgroupns", &[])],
        &[("v1-docker-no-cgroupns", &[])],
    ),
    (
        "dangerous-capabilities",
        &[
            ("v1-k8s-cpu-request", &[]),
            ("hybrid-cgroup2-at-systemd", &[]),
        ],
        &[("cpuset-no-quota", &[]), ("user-namespace", &[])],
    ),
    (
        "no-lsm-confinement",
        &[("cpuset-no-quota", &[]), ("dm-on-loop", &[])],
        // SELinux container_t; AppArmor enforce; not a container.
        &[
            ("arbitrary-uid-no-passwd", &[]),
            ("v1-k8s-cpu-request", &[]),
            ("hybrid-host", &[]),
        ],
    ),
    (
        "seccomp-unconfined",
        &[("dm-on-loop", &[]), ("v1-k8s-cpu-request", &[])],
        &[("cpuset-no-quota", &[]), ("hybrid-host", &[])],
    ),
];

#[test]
fn every_check_has_fixtures_that_trigger_it_and_fixtures_that_do_not() {
    let mut covered: Vec<&str> = CASES.iter().map(|(id, _, _)| *id).collect();
    covered.sort_unstable();
    // The live system's checks; those on files alone are covered by tests/lint-corpus.
    let mut all: Vec<&str> = RULES
        .iter()
        .filter(|r| r.applies.live())
        .map(|r| r.id)
        .collect();
    all.sort_unstable();
    assert_eq!(covered, all, "every rule needs a line in CASES");
    for (id, yes, no) in CASES {
        assert!(!yes.is_empty() && !no.is_empty(), "{id}");
        for (name, args) in *yes {
            let doc = lint_json(name, args);
            let f = finding(&doc, id).unwrap_or_else(|| {
                panic!("{id} should fire on {name} {args:?}; got {:?}", ids(&doc))
            });
            for key in ["title", "detail", "fix"] {
                assert!(
                    f[key].as_str().is_some_and(|s| s.len() > 10),
                    "{id} on {name}: {key} {f}"
                );
            }
            let ev = f["evidence"].as_array().unwrap();
            assert!(!ev.is_empty(), "{id} on {name}: no evidence");
            assert!(
                ["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()),
                "{f}"
            );
        }
        for (name, args) in *no {
            let doc = lint_json(name, args);
            assert!(
                finding(&doc, id).is_none(),
                "{id} should not fire on {name} {args:?}: {}",
                finding(&doc, id).unwrap()
            );
        }
    }
}

#[test]
fn every_fixture_lints_without_failing_and_ids_are_unique() {
    let mut names: Vec<String> = fs::read_dir(repo().join("tests/fixtures"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let doc = lint_json(&name, &[]);
        assert_eq!(doc["schema_version"], 1);
        let got = ids(&doc);
        let mut dedup = got.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(got.len(), dedup.len(), "{name}: an id twice: {got:?}");
        let c = &doc["counts"];
        let count = |s: &str| findings(&doc).iter().filter(|f| f["severity"] == s).count() as u64;
        for s in ["error", "warning", "info"] {
            assert_eq!(c[s].as_u64(), Some(count(s)), "{name}: counts.{s}");
        }
        // Most severe first.
        let rank = |f: &Value| match f["severity"].as_str().unwrap() {
            "error" => 0,
            "warning" => 1,
            _ => 2,
        };
        let ranks: Vec<i32> = findings(&doc).iter().map(rank).collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{name}: {ranks:?}");
        // Evidence never carries the fixture directory.
        let text = doc.to_string();
        assert!(!text.contains("tests/fixtures"), "{name}: {text}");
        // The doctor runs too.
        let o = run(&name, &["doctor"]);
        assert_eq!(o.status.code(), Some(exit::OK), "{name} doctor");
    }
}

#[test]
fn severities_follow_the_case() {
    let sev = |name: &str, args: &[&str], id: &str| {
        let doc = lint_json(name, args);
        finding(&doc, id)
            .unwrap_or_else(|| panic!("{id} on {name}"))
            .clone()
    };
    let host_root = sev("cpuset-no-quota", &[], "running-as-root");
    assert_eq!(host_root["severity"], "warning");
    assert!(host_root["title"].as_str().unwrap().contains("host root"));
    let mapped = sev("user-namespace", &[], "running-as-root");
    assert_eq!(mapped["severity"], "info");
    assert!(
        mapped["title"].as_str().unwrap().contains("host uid 1000"),
        "{mapped}"
    );
    assert_eq!(
        sev("dm-on-loop", &[], "jvm-blind-to-cgroup")["severity"],
        "error"
    );
    assert_eq!(
        sev(
            "v2-plus-v1-freezer",
            &["--", "-Xmx1g"],
            "heap-exceeds-memory-limit"
        )["severity"],
        "error"
    );
    assert_eq!(
        sev("v1-k8s-cpu-request", &[], "dangerous-capabilities")["severity"],
        "warning"
    );
    assert_eq!(
        sev("hybrid-cgroup2-at-systemd", &[], "dangerous-capabilities")["severity"],
        "info"
    );
    assert_eq!(
        sev("cpuset-no-quota", &[], "no-lsm-confinement")["severity"],
        "info"
    );
    assert_eq!(
        sev("v2-k8s-cgroupns", &[], "running-under-hypervisor")["severity"],
        "info"
    );
    // Overlay is a note for a working directory, a warning for a declared data directory.
    assert_eq!(
        sev("cpuset-no-quota", &[], "data-dir-on-overlay")["severity"],
        "info"
    );
    assert_eq!(
        sev(
            "cpuset-no-quota",
            &["--path", "/app"],
            "data-dir-on-overlay"
        )["severity"],
        "warning"
    );
    // Limit on a parent: JDK 11 misses the CPU quota.
    let p = sev("v1-parent-limit", &[], "limit-in-parent-cgroup");
    assert_eq!(p["severity"], "warning");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("sizes itself for 8 CPUs where the limit gives 1 CPU"),
        "{p}"
    );
}

/// Evidence names a file with what it says: a CPU quota is the CPUs it gives, never a bare
/// number beside `cpu.cfs_quota_us` that the file does not hold.
#[test]
fn cpu_quota_evidence_is_not_a_bare_cpu_count() {
    let doc = lint_json("v1-parent-limit", &["--", "-XX:+UseParallelGC"]);
    let f = finding(&doc, "collector-burns-cpu-limit").expect("Parallel under 1 CPU");
    let quota = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|e| e.contains("cpu.cfs_quota_us"))
        .unwrap_or_else(|| panic!("no quota evidence: {f:#}"));
    assert!(quota.ends_with("cpu.cfs_quota_us: 1 CPU"), "{quota}");
}

#[test]
fn the_explanations_say_what_breaks_and_how_to_fix_it() {
    let doc = lint_json("arbitrary-uid-no-passwd", &[]);
    let f = finding(&doc, "uid-without-passwd-entry").unwrap();
    let text = format!("{} {}", f["detail"], f["fix"]);
    for needle in [
        "user.name",
        "user.home",
        "'?'",
        "Hadoop",
        "ssh",
        "git",
        "LD_PRELOAD=libnss_wrapper.so",
        "NSS_WRAPPER_PASSWD",
        "NSS_WRAPPER_GROUP",
        "ctune exec --nss-wrapper",
        "/etc/passwd",
    ] {
        assert!(text.contains(needle), "{needle} missing: {text}");
    }
    assert!(f["evidence"][0]
        .as_str()
        .unwrap()
        .contains("Uid: 1000680000"));

    let doc = lint_json("tmpfs-data-dir", &[]);
    let t = finding(&doc, "cpu-throttled").unwrap();
    assert!(
        t["title"].as_str().unwrap().contains("9870 of 48211"),
        "{t}"
    );
    assert!(t["detail"]
        .as_str()
        .unwrap()
        .contains("since the cgroup was created"));
    assert!(t["detail"].as_str().unwrap().contains("two reads"));
    let o = finding(&doc, "oom-kills-recorded").unwrap();
    assert_eq!(
        o["evidence"][0],
        "/sys/fs/cgroup/memory/memory.oom_control: oom_kill 2"
    );
    let tm = finding(&doc, "data-dir-on-tmpfs").unwrap();
    assert!(
        tm["title"].as_str().unwrap().contains("/tmp and /dev/shm"),
        "{tm}"
    );
    assert!(
        tm["detail"].as_str().unwrap().contains("200 MiB of tmpfs"),
        "{tm}"
    );

    let doc = lint_json("loop-data-dir", &[]);
    let l = finding(&doc, "data-dir-on-loop-device").unwrap();
    let ev: Vec<&str> = l["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        ev.contains(&"/sys/block/loop3/loop/backing_file: /var/lib/images/data.img"),
        "{ev:?}"
    );
    assert!(ev.contains(&"/sys/block/loop3/loop/dio: 0"), "{ev:?}");

    let doc = lint_json("v1-k8s-cpu-request", &[]);
    let s = finding(&doc, "cpu-count-from-shares").unwrap();
    assert!(s["fix"]
        .as_str()
        .unwrap()
        .contains("-XX:ActiveProcessorCount=16"));
    assert!(s["evidence"][0]
        .as_str()
        .unwrap()
        .ends_with("cpu.shares: 256"));
}

/// The secret's value never appears, in any format; its name does.
#[test]
fn secret_values_are_never_printed() {
    let value = "hunter2-must-not-leak";
    for args in [
        &["lint", "--format", "text"][..],
        &["lint", "--format", "json"],
        &["lint", "--format", "sarif"],
        &["lint", "--format", "junit"],
        &["lint", "--format", "github"],
        &["lint", "--format", "junit", "--fail-on", "never"],
        &["doctor"],
        &["doctor", "--format", "json"],
    ] {
        let o = run("v2-k8s-cgroupns", args);
        let out = stdout(&o) + &String::from_utf8_lossy(&o.stderr);
        assert!(!out.contains(value), "{args:?} printed the value");
        assert!(
            out.contains("SPRING_DATASOURCE_PASSWORD"),
            "{args:?} does not name the variable"
        );
    }
}

// ---- lint: CI options ---------------------------------------------------------------------

fn code(name: &str, args: &[&str]) -> i32 {
    run(name, args).status.code().unwrap_or(-1)
}

#[test]
fn exit_codes_for_each_threshold() {
    // v2-k8s-cgroupns: warnings and infos, no error.
    let k8s = "v2-k8s-cgroupns";
    assert_eq!(code(k8s, &["lint"]), exit::FINDINGS, "default is warning");
    assert_eq!(code(k8s, &["lint", "--fail-on", "error"]), exit::OK);
    assert_eq!(code(k8s, &["lint", "--fail-on", "warning"]), exit::FINDINGS);
    assert_eq!(code(k8s, &["lint", "--fail-on", "info"]), exit::FINDINGS);
    assert_eq!(code(k8s, &["lint", "--fail-on", "never"]), exit::OK);
    // dm-on-loop has an error.
    assert_eq!(
        code("dm-on-loop", &["lint", "--fail-on", "error"]),
        exit::FINDINGS
    );
    // user-namespace: the cpu controller is not delegated (a warning); allowed, only infos.
    assert_eq!(code("user-namespace", &["lint"]), exit::FINDINGS);
    let allow = ["lint", "--allow", "cgroup-limit-unknown"];
    assert_eq!(code("user-namespace", &allow), exit::OK);
    assert_eq!(
        code(
            "user-namespace",
            &[&allow[..], &["--fail-on", "info"]].concat()
        ),
        exit::FINDINGS
    );
    // No findings at all.
    assert_eq!(
        code("bedrock-duplicate-mounts", &["lint", "--fail-on", "info"]),
        exit::OK
    );
    // --allow every warning id: passes at warning, and the allowed ids are gone.
    let allow = [
        "lint",
        "--allow",
        "memory-high-below-max",
        "--allow",
        "cpu-throttled",
        "--allow",
        "secret-in-environment",
    ];
    assert_eq!(code(k8s, &allow), exit::OK);
    let mut a = allow.to_vec();
    a.extend(["--format", "json"]);
    let doc: Value = serde_json::from_slice(&run(k8s, &a).stdout).unwrap();
    assert!(finding(&doc, "cpu-throttled").is_none());
    assert_eq!(doc["counts"]["warning"], 0);
    // The same ids in every format: the exit code does not depend on the format.
    for f in ["text", "json", "sarif", "junit", "github"] {
        assert_eq!(code(k8s, &["lint", "--format", f]), exit::FINDINGS, "{f}");
        assert_eq!(
            code(k8s, &["lint", "--format", f, "--fail-on", "error"]),
            exit::OK,
            "{f}"
        );
    }
    // The doctor never fails on findings.
    assert_eq!(code("dm-on-loop", &["doctor"]), exit::OK);
}

#[test]
fn usage_errors_and_an_unreadable_root() {
    let k8s = "v2-k8s-cgroupns";
    assert_eq!(code(k8s, &["lint", "--fail-on", "sometimes"]), exit::USAGE);
    assert_eq!(code(k8s, &["lint", "--format", "xml"]), exit::USAGE);
    assert_eq!(code(k8s, &["lint", "--format", "table"]), exit::USAGE);
    assert_eq!(code(k8s, &["doctor", "--format", "sarif"]), exit::USAGE);
    assert_eq!(
        code(k8s, &["lint", "--allow", "no-such-check"]),
        exit::USAGE
    );
    assert_eq!(code(k8s, &["lint", "--assume", "cpus=lots"]), exit::USAGE);
    assert_eq!(
        code(k8s, &["lint", "--profile", "no-such-profile"]),
        exit::USAGE
    );
    let o = run(k8s, &["lint", "--allow", "cpu-throtled"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such finding id"));
    for cmd in ["lint", "doctor"] {
        let c = ctune()
            .args(["--root", "/nonexistent/ctune", cmd])
            .output()
            .unwrap();
        assert_eq!(c.status.code(), Some(exit::CANNOT_INSPECT), "{cmd}");
    }
    let empty = std::env::temp_dir().join(format!("ctune-lint-empty-{}", std::process::id()));
    fs::create_dir_all(&empty).unwrap();
    let c = ctune()
        .arg("--root")
        .arg(&empty)
        .args(["lint", "--format", "sarif"])
        .output()
        .unwrap();
    let _ = fs::remove_dir_all(&empty);
    assert_eq!(c.status.code(), Some(exit::CANNOT_INSPECT));
    assert!(
        c.stdout.is_empty(),
        "nothing on stdout when it cannot inspect"
    );
}

#[test]
fn assumptions_and_options_after_the_separator_are_linted() {
    // CI lints the environment the image will run in: 1 GiB and JDK 11.0.13 on cgroup v2,
    // with the entrypoint's own -Xmx.
    let o = run(
        "v2-plus-v1-freezer",
        &[
            "lint",
            "--format",
            "json",
            "--assume",
            "memory=1GiB",
            "--assume",
            "jdk=11.0.13",
            "--",
            "java",
            "-Xmx900m",
            "-jar",
            "app.jar",
        ],
    );
    assert_eq!(o.status.code(), Some(exit::FINDINGS));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let got = ids(&doc);
    assert!(
        got.contains(&"heap-exceeds-memory-limit".to_owned()),
        "{got:?}"
    );
    assert!(got.contains(&"jvm-blind-to-cgroup".to_owned()), "{got:?}");
    let h = finding(&doc, "heap-exceeds-memory-limit").unwrap();
    assert_eq!(h["evidence"][0], "-Xmx900m (command line)");
    assert_eq!(h["evidence"][1], "--assume memory: 1073741824");
}

// ---- formats ------------------------------------------------------------------------------

fn schema_validator() -> jsonschema::Validator {
    let text = fs::read_to_string(repo().join("tests/sarif/sarif-schema-2.1.0.json"))
        .expect("the SARIF schema is shipped in tests/sarif");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(v: &jsonschema::Validator, doc: &Value, ctx: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{ctx}: not SARIF 2.1.0: {errors:#?}");
}

#[test]
fn sarif_validates_against_the_2_1_0_schema_and_suits_github() {
    let v = schema_validator();
    // The validator does reject a broken document.
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]});
    assert!(!v.is_valid(&broken), "a driver without a name must fail");
    let bad_level = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "level": "info"}]}]});
    assert!(!v.is_valid(&bad_level), "level info is not SARIF");

    let mut names: Vec<String> = fs::read_dir(repo().join("tests/fixtures"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".md"))
        .collect();
    names.sort();
    for name in &names {
        for artifact in [None, Some("deploy/my app.yaml")] {
            let mut args = vec!["lint", "--format", "sarif", "--fail-on", "never"];
            if let Some(a) = artifact {
                args.extend(["--artifact", a]);
            }
            let o = run(name, &args);
            assert_eq!(o.status.code(), Some(exit::OK), "{name}");
            let doc: Value = serde_json::from_slice(&o.stdout).expect("SARIF is JSON");
            assert_valid_sarif(&v, &doc, name);

            let run0 = &doc["runs"][0];
            let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
            assert_eq!(rules.len(), RULES.len());
            for r in rules {
                for key in ["id", "name"] {
                    assert!(r[key].as_str().is_some_and(|s| !s.is_empty()), "{r}");
                }
                for key in ["shortDescription", "fullDescription", "help"] {
                    assert!(
                        r[key]["text"].as_str().is_some_and(|s| !s.is_empty()),
                        "{key}: {r}"
                    );
                }
                assert!(["error", "warning", "note"]
                    .contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
            }
            let lint: Value = lint_json(name, &[]);
            let results = run0["results"].as_array().unwrap();
            assert_eq!(results.len(), findings(&lint).len(), "{name}");
            let uri = artifact.map_or("Dockerfile".to_owned(), |a| a.replace(' ', "%20"));
            for (res, f) in results.iter().zip(findings(&lint)) {
                assert_eq!(res["ruleId"], f["id"]);
                let idx = res["ruleIndex"].as_u64().unwrap() as usize;
                assert_eq!(rules[idx]["id"], f["id"], "ruleIndex points at the rule");
                let level = match f["severity"].as_str().unwrap() {
                    "info" => "note",
                    s => s,
                };
                assert_eq!(res["level"], level);
                let loc = &res["locations"][0]["physicalLocation"];
                assert_eq!(loc["artifactLocation"]["uri"], uri.as_str(), "{name}");
                assert_eq!(loc["region"]["startLine"], 1);
                assert!(res["message"]["text"].as_str().unwrap().len() > 20);
            }
        }
    }
}

#[test]
fn junit_has_one_test_case_per_check() {
    let o = run(
        "v2-k8s-cgroupns",
        &["lint", "--format", "junit", "--allow", "cpu-throttled"],
    );
    let x = stdout(&o);
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    let n = RULES.iter().filter(|r| r.applies.live()).count();
    // Read back with a JUnit parser: attribute order is the writer's business.
    let report = quick_junit::Report::deserialize_from_str(&x).expect("valid JUnit XML");
    assert_eq!((report.tests, report.failures, report.errors), (n, 2, 0));
    let suite = &report.test_suites[0];
    assert_eq!(
        (suite.name.as_str(), suite.tests, suite.failures),
        ("ctune", n, 2)
    );
    assert_eq!(suite.test_cases.len(), n);
    assert_eq!(x.matches("<testcase ").count(), n);
    assert_eq!(x.matches("<failure ").count(), 2, "two warnings fail");
    assert_eq!(x.matches("<skipped ").count(), 1, "the allowed check");
    assert_eq!(
        x.matches("<system-out>").count(),
        3,
        "infos pass with their text"
    );
    for r in RULES.iter().filter(|r| r.applies.live()) {
        assert!(x.contains(&format!("name=\"{}\"", r.id)), "{}", r.id);
    }
    let high = suite
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == "memory-high-below-max")
        .expect("memory-high-below-max case");
    match &high.status {
        quick_junit::TestCaseStatus::NonSuccess { message, ty, .. } => {
            assert_eq!(ty.as_deref(), Some("warning"));
            assert!(message
                .as_deref()
                .is_some_and(|m| m.starts_with("memory.high (7680 MiB) throttles")));
        }
        other => panic!("memory-high-below-max: {other:?}"),
    }
    assert_eq!(
        high.extra.get("file").map(|f| f.as_str()),
        Some("Dockerfile")
    );
    // Failures track the exit code: none at --fail-on never.
    let x = stdout(&run(
        "v2-k8s-cgroupns",
        &["lint", "--format", "junit", "--fail-on", "never"],
    ));
    assert_eq!(x.matches("<failure ").count(), 0);
}

#[test]
fn github_annotations_are_escaped_workflow_commands() {
    let o = run(
        "v2-k8s-cgroupns",
        &[
            "lint",
            "--format",
            "github",
            "--artifact",
            "k8s/deploy.yaml",
        ],
    );
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    let commands: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::"))
        .collect();
    let doc = lint_json("v2-k8s-cgroupns", &[]);
    assert_eq!(commands.len(), findings(&doc).len());
    for (c, f) in commands.iter().zip(findings(&doc)) {
        let kind = match f["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        assert!(
            c.starts_with(&format!(
                "::{kind} file=k8s/deploy.yaml,line=1,title=ctune {}%3A ",
                f["id"].as_str().unwrap()
            )),
            "{c}"
        );
        let (props, msg) = c[2..].split_once("::").expect("properties::message");
        let title = props.split_once("title=").unwrap().1;
        assert!(
            !title.contains(':') && !title.contains(','),
            "unescaped: {title}"
        );
        assert!(msg.contains("%0A"), "multi-line message escaped: {msg}");
    }
    assert!(lines
        .last()
        .unwrap()
        .starts_with("ctune lint: 0 errors, 3 warnings"));
}

macro_rules! snapshot {
    ($test:ident, $fixture:literal, [$($arg:literal),*]) => {
        #[test]
        fn $test() {
            let o = run($fixture, &[$($arg),*]);
            assert!(
                matches!(o.status.code(), Some(0) | Some(1)),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            insta::assert_snapshot!(stdout(&o));
        }
    };
}

snapshot!(snapshot_lint_text_k8s, "v2-k8s-cgroupns", ["lint"]);
snapshot!(
    snapshot_lint_json_k8s,
    "v2-k8s-cgroupns",
    ["lint", "--format", "json"]
);
snapshot!(
    snapshot_lint_sarif_k8s,
    "v2-k8s-cgroupns",
    ["lint", "--format", "sarif"]
);
snapshot!(
    snapshot_lint_junit_k8s,
    "v2-k8s-cgroupns",
    ["lint", "--format", "junit"]
);
snapshot!(
    snapshot_lint_github_k8s,
    "v2-k8s-cgroupns",
    ["lint", "--format", "github"]
);
snapshot!(
    snapshot_lint_text_dm_on_loop,
    "dm-on-loop",
    ["lint", "--fail-on", "error"]
);
snapshot!(
    snapshot_lint_sarif_dm_on_loop,
    "dm-on-loop",
    [
        "lint",
        "--format",
        "sarif",
        "--artifact",
        "Dockerfile.legacy"
    ]
);
snapshot!(snapshot_doctor_table_k8s, "v2-k8s-cgroupns", ["doctor"]);
snapshot!(snapshot_doctor_table_dm_on_loop, "dm-on-loop", ["doctor"]);
snapshot!(
    snapshot_doctor_json_k8s,
    "v2-k8s-cgroupns",
    ["doctor", "--format", "json"]
);

#[test]
fn doctor_fits_80_columns_and_has_no_colour_off_a_terminal() {
    for name in [
        "v2-k8s-cgroupns",
        "dm-on-loop",
        "arbitrary-uid-no-passwd",
        "tmpfs-data-dir",
    ] {
        let o = ctune()
            .arg("--root")
            .arg(fixture(name))
            .arg("doctor")
            .env("COLUMNS", "80")
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        let text = stdout(&o);
        assert!(
            !text.contains('\x1b'),
            "{name}: colour when not on a terminal"
        );
        for l in text.lines() {
            assert!(
                l.chars().count() <= 80,
                "{name}: {} columns: {l}",
                l.chars().count()
            );
        }
        // Grouped by severity, most severe first.
        let pos = |h: &str| text.find(h);
        if let (Some(w), Some(n)) = (pos("── Warnings"), pos("── Notes")) {
            assert!(w < n, "{name}");
        }
        if let (Some(e), Some(w)) = (pos("── Errors"), pos("── Warnings")) {
            assert!(e < w, "{name}");
        }
    }
    let doc: Value =
        serde_json::from_slice(&run("v2-k8s-cgroupns", &["doctor", "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["summary"]["cgroup"], "v2");
    assert_eq!(doc["summary"]["memory"]["limit"]["value"], 8589934592u64);
    assert_eq!(doc["summary"]["java"]["jvm_view"]["container_aware"], true);
    assert_eq!(doc["counts"]["warning"], 3);
    assert!(finding(&doc, "secret-in-environment").is_some());
}

/// Colour only on a terminal: `script` gives ctune one; NO_COLOR turns it off there too.
#[test]
fn colour_on_a_terminal_unless_no_color() {
    if !have("script") {
        return skipped("script (util-linux) not installed");
    }
    let bin = bin_path();
    let root = fixture("dm-on-loop");
    let cmd = format!("{} --root {} doctor", bin.display(), root.display());
    let with = |no_color: Option<&str>| {
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"]).env("COLUMNS", "80");
        match no_color {
            Some(v) => c.env("NO_COLOR", v),
            None => c.env_remove("NO_COLOR"),
        };
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    };
    let tty = with(None);
    assert!(tty.contains("\x1b[1m\x1b[31mErrors (1)"), "{tty}");
    let plain = with(Some("1"));
    assert!(
        plain.contains("Errors (1)") && !plain.contains('\x1b'),
        "{plain}"
    );
}

// ---- the real kernel ----------------------------------------------------------------------

/// `ctune lint --format json --fail-on never` with extra arguments, run by `cmd`.
fn live_lint(mut cmd: Command) -> Value {
    let out = run_ok(&mut cmd);
    serde_json::from_slice(&out.stdout).expect("lint JSON")
}

fn lint_args() -> [&'static str; 5] {
    ["lint", "--format", "json", "--fail-on", "never"]
}

#[test]
fn real_root_is_running_as_root() {
    if !is_root() {
        return skipped("needs root");
    }
    let mut c = ctune();
    c.args(lint_args());
    let doc = live_lint(c);
    let f = finding(&doc, "running-as-root").expect("running-as-root as root");
    let status = fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    if status.split_whitespace().collect::<Vec<_>>() == ["0", "0", "4294967295"] {
        assert_eq!(f["severity"], "warning", "{f}");
        assert!(f["title"].as_str().unwrap().contains("host root"));
    }
}

#[test]
fn real_uid_without_passwd_entry() {
    let uid = 1_000_680_001u32;
    let Some(mut c) = as_uid_without_passwd(uid) else {
        return;
    };
    c.args(lint_args()).env_remove("HOME");
    let doc = live_lint(c);
    let f = finding(&doc, "uid-without-passwd-entry").expect("uid-without-passwd-entry");
    assert!(
        f["title"].as_str().unwrap().contains(&uid.to_string()),
        "{f}"
    );
    assert!(finding(&doc, "home-unset-for-arbitrary-uid").is_some());
    assert!(finding(&doc, "running-as-root").is_none());
}

use crate::real_kernel::{private_mounts as in_private_mounts, LoopImage};

#[test]
fn real_tmpfs_data_dir() {
    if !is_root() {
        return skipped("needs root to mount tmpfs");
    }
    if !have("unshare") {
        return skipped("unshare not installed");
    }
    let mnt = std::env::temp_dir().join(format!("ctune-lint-tmpfs-{}", std::process::id()));
    fs::create_dir_all(&mnt).unwrap();
    let _dir = RemoveDir(mnt.clone());
    let m = mnt.to_str().unwrap();
    let mut args = vec!["--path", m];
    args.extend(lint_args());
    let doc = live_lint(in_private_mounts(
        &format!("mount -t tmpfs -o size=8m tmpfs {m}"),
        &format!("umount {m}"),
        &args,
    ));
    let f = finding(&doc, "data-dir-on-tmpfs").expect("data-dir-on-tmpfs on a real tmpfs");
    assert!(f["title"].as_str().unwrap().contains(m), "{f}");
}

/// Removes a directory when dropped.
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.0);
    }
}

#[test]
fn real_loop_device_data_dir() {
    let Some(li) = LoopImage::ext4("lint-loop") else {
        return;
    };
    let m = li.mnt.to_str().unwrap();
    let mut args = vec!["--path", m];
    args.extend(lint_args());
    let (setup, teardown) = li.mount_script();
    let doc = live_lint(in_private_mounts(&setup, &teardown, &args));
    let f = finding(&doc, "data-dir-on-loop-device").expect("data-dir-on-loop-device");
    let ev = f["evidence"].to_string();
    assert!(
        ev.contains(li.img.to_str().unwrap()),
        "backing file in the evidence: {ev}"
    );
    assert!(ev.contains("/loop/dio: 0"), "{ev}");
}

/// A child process killed (and reaped) when dropped.
struct Spinner(Child);

impl Drop for Spinner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cpu_stat(rel: &str) -> (u64, u64) {
    let s = fs::read_to_string(format!("{V1}/cpu/{rel}/cpu.stat")).unwrap_or_default();
    let get = |k: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(k).map(|v| v.trim().parse().unwrap_or(0)))
            .unwrap_or(0)
    };
    (get("nr_periods "), get("nr_throttled "))
}

#[test]
fn real_throttled_cgroup() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    let rel = format!("ctune-lint-{}-throttle", std::process::id());
    let cg = Cgroups::new(&rel);
    // 10 ms periods with 1 ms of CPU each: a spinning process is throttled in every period,
    // and 150 periods take 1.5 s.
    cg.set("cpu", &rel, "cpu.cfs_period_us", "10000");
    cg.set("cpu", &rel, "cpu.cfs_quota_us", "1000");
    let spinner = Spinner(
        in_cgroup(&rel, &["sh", "-c", "while :; do :; done"])
            .stdout(Stdio::null())
            .spawn()
            .expect("start the spinner"),
    );
    let start = Instant::now();
    let (periods, throttled) = loop {
        let (p, t) = cpu_stat(&rel);
        if p >= 150 || start.elapsed() > Duration::from_secs(20) {
            break (p, t);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(spinner);
    eprintln!(
        "measured: {throttled} of {periods} periods throttled after {:.1} s",
        start.elapsed().as_secs_f64()
    );
    assert!(periods >= 150, "only {periods} periods in 20 s");
    let bin = bin_path();
    let mut argv = vec![bin.to_str().unwrap()];
    argv.extend(lint_args());
    let doc = live_lint(in_cgroup(&rel, &argv));
    let f = finding(&doc, "cpu-throttled").unwrap_or_else(|| panic!("cpu-throttled: {doc:#}"));
    assert!(
        f["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{V1}/cpu/{rel}/cpu.stat: nr_periods ")),
        "{f}"
    );
    drop(cg);
}

#[test]
fn real_oom_killed_cgroup() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    let rel = format!("ctune-lint-{}-oom", std::process::id());
    let cg = Cgroups::new(&rel);
    let limit = (48u64 << 20).to_string();
    cg.set("memory", &rel, "memory.limit_in_bytes", &limit);
    if Path::new(&format!("{V1}/memory/{rel}/memory.memsw.limit_in_bytes")).exists() {
        cg.set("memory", &rel, "memory.memsw.limit_in_bytes", &limit);
    }
    // A shell that reads 200 MB into a variable: the OOM killer ends it at 48 MiB.
    let hog = in_cgroup(
        &rel,
        &[
            "sh",
            "-c",
            "x=$(head -c 200000000 /dev/zero | tr '\\0' x); echo survived",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .output()
    .expect("run the allocator");
    assert!(
        !String::from_utf8_lossy(&hog.stdout).contains("survived"),
        "the allocator was not killed: {:?}",
        hog.status
    );
    let kills = fs::read_to_string(format!("{V1}/memory/{rel}/memory.oom_control")).unwrap();
    eprintln!(
        "measured: memory.oom_control after the allocator: {}",
        kills.replace('\n', ", ")
    );
    let bin = bin_path();
    let mut argv = vec![bin.to_str().unwrap()];
    argv.extend(lint_args());
    let doc = live_lint(in_cgroup(&rel, &argv));
    let f = finding(&doc, "oom-kills-recorded")
        .unwrap_or_else(|| panic!("oom-kills-recorded: {doc:#}"));
    assert!(
        f["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{V1}/memory/{rel}/memory.oom_control: oom_kill ")),
        "{f}"
    );
    drop(cg);
}
