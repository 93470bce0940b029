//! `ctune lint FILE...` and `ctune jvm FILE` on the corpus in tests/lint-corpus: every finding
//! at the exact line and column its `.expect` file names, nothing from the runner (this CI
//! machine is root with every capability under a hypervisor), SARIF valid with regions equal
//! to the JSON locations, and the suppression, config and `--assume` rules.

use crate::common::{
    ctune, finding_ids, object_label as label, repo, scratch_dir, skipped, target_kinds,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Ids that only a running container can give: never from a file.
const RUNNER_ONLY: &[&str] = &[
    "cgroup-limit-unknown",
    "limit-in-parent-cgroup",
    "memory-high-below-max",
    "cpu-throttled",
    "oom-kills-recorded",
    "page-cache-pressure",
    "running-under-hypervisor",
    "uid-without-passwd-entry",
    "home-unset-for-arbitrary-uid",
    "no-lsm-confinement",
    "seccomp-unconfined",
];

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = ctune()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("ctune runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tests_dir() -> std::path::PathBuf {
    repo().join("tests")
}

fn json_of(args: &[&str]) -> Value {
    let mut a = vec!["lint", "--format", "json"];
    a.extend_from_slice(args);
    let (code, out, err) = run_in(&tests_dir(), &a);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn line_of(f: &Value) -> String {
    let l = &f["location"];
    format!(
        "{}:{} {} {} [{}]",
        l["line"],
        l["column"],
        f["severity"].as_str().unwrap(),
        f["id"].as_str().unwrap(),
        label(&f["object"])
    )
}

fn corpus_files() -> Vec<String> {
    let mut out = Vec::new();
    fn walk(d: &Path, rel: &str, out: &mut Vec<String>) {
        for e in fs::read_dir(d).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let r = format!("{rel}/{name}");
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &r, out);
            } else if !name.ends_with(".expect") {
                out.push(r);
            }
        }
    }
    walk(&tests_dir().join("lint-corpus"), "lint-corpus", &mut out);
    out.sort();
    out
}

#[test]
fn corpus_findings_are_at_the_expected_lines_and_nothing_comes_from_the_runner() {
    let doc = json_of(&["lint-corpus"]);
    let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        assert!(
            !RUNNER_ONLY.contains(&id),
            "a runner-only finding from a file: {f}"
        );
        got.entry(f["location"]["path"].as_str().unwrap().to_owned())
            .or_default()
            .insert(line_of(f));
    }
    for f in doc["suppressed"].as_array().unwrap() {
        got.entry(f["location"]["path"].as_str().unwrap().to_owned())
            .or_default()
            .insert(format!("{} allowed", line_of(f)));
    }
    let files = corpus_files();
    assert!(files.len() >= 19, "{files:?}");
    let (mut expected_total, mut exact) = (0, 0);
    for file in &files {
        let exp_text = fs::read_to_string(tests_dir().join(format!("{file}.expect")))
            .unwrap_or_else(|_| panic!("{file}.expect is missing"));
        let want: BTreeSet<String> = exp_text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let have = got.remove(file).unwrap_or_default();
        expected_total += want.len();
        exact += want.intersection(&have).count();
        assert_eq!(have, want, "{file}: findings differ from {file}.expect");
    }
    assert!(
        got.is_empty(),
        "findings for files outside the corpus: {got:?}"
    );
    assert_eq!(exact, expected_total);
    assert!(expected_total >= 25, "{expected_total}");
    // Every workload kind of the contract is in the corpus, with its targets listed.
    let kinds = target_kinds(&doc);
    for k in [
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "CronJob",
        "PodTemplate",
        "SparkApplication",
        "Dockerfile",
    ] {
        assert!(kinds.contains(k), "no {k} in the corpus targets: {kinds:?}");
    }
    let skipped: Vec<&str> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert!(
        skipped.contains(&"Service") && skipped.contains(&"ConfigMap"),
        "{skipped:?}"
    );
}

#[test]
fn targets_list_their_facts_from_the_file_not_the_runner() {
    let doc = json_of(&[
        "lint-corpus/k8s/orders-deployment.yaml",
        "lint-corpus/docker/worker/Dockerfile",
    ]);
    let t = doc["targets"].as_array().unwrap();
    assert_eq!(t.len(), 2);
    let f = &t[0]["facts"];
    assert_eq!(
        f["memory_limit_bytes"], 2_000_000_000u64,
        "2G is 2*10^9: {f}"
    );
    assert_eq!(f["cpu_limit"], 2.0);
    assert_eq!(f["cpu_request"], 1.0);
    assert_eq!(f["cgroup_version"], "v2");
    assert_eq!(f["jdk"], "17.0.9");
    assert_eq!(f["uid"], 10001);
    assert_eq!(f["run_as_non_root"], true);
    assert_eq!(t[0]["location"]["line"], 24);
    let d = &t[1]["facts"];
    // A Dockerfile says nothing about limits; this root runner's uid is not the image's.
    assert_eq!(d["memory_limit_bytes"], Value::Null);
    assert_eq!(d["cpu_limit"], Value::Null);
    assert_eq!(d["uid"], 10001);
    assert_eq!(d["jdk"], "21");
    assert_eq!(d["ctune_exec"], true);
    assert_eq!(t[1]["object"]["kind"], "Dockerfile");
    assert_eq!(t[1]["location"]["line"], 7, "the target stage's FROM");
}

#[test]
fn assumed_facts_replace_the_files_and_the_runners_outright() {
    // cpus=8 on this 2-CPU runner is 8; cgroup=v1 makes JDK 11.0.2 see its limits.
    let doc = json_of(&[
        "--assume",
        "cpus=8",
        "--assume",
        "cgroup=v1",
        "--assume",
        "memory=3Gi",
        "lint-corpus/k8s/payments-statefulset.yaml",
    ]);
    let f = &doc["targets"][0]["facts"];
    assert_eq!(f["cpu_limit"], 8.0);
    assert_eq!(f["memory_limit_bytes"], 3u64 << 30);
    assert_eq!(f["cgroup_version"], "v1");
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"jvm-blind-to-cgroup"), "{ids:?}");
    // The same file on v2 is blind.
    let v2 = json_of(&["lint-corpus/k8s/payments-statefulset.yaml"]);
    assert_eq!(v2["findings"][0]["id"], "jvm-blind-to-cgroup");
    // uid=0 on a non-root image is root; a Dockerfile with --assume memory gets heap checks.
    let root = json_of(&[
        "--assume",
        "uid=0",
        "--assume",
        "memory=2Gi",
        "lint-corpus/docker/Dockerfile.legacy",
    ]);
    let ids: Vec<&str> = root["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"running-as-root"), "{ids:?}");
    assert!(
        ids.contains(&"jvm-blind-to-cgroup"),
        "8u181 under a limit: {ids:?}"
    );
    let (code, _, err) = run_in(
        &tests_dir(),
        &["--assume", "cgroup=v3", "lint", "lint-corpus"],
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn text_github_and_junit_carry_path_line_and_column() {
    let dir = tests_dir();
    let (code, text, _) = run_in(&dir, &["lint", "lint-corpus/k8s/orders-deployment.yaml"]);
    assert_eq!(code, 1);
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "lint-corpus/k8s/orders-deployment.yaml:30:22: error heap-exceeds-memory-limit: {} [Deployment/orders app]",
            first.split(": ").nth(2).unwrap().split(" [").next().unwrap()
        )
    );
    assert!(first.starts_with(
        "lint-corpus/k8s/orders-deployment.yaml:30:22: error heap-exceeds-memory-limit: -Xmx1900m"
    ));
    let (_, gh, _) = run_in(
        &dir,
        &[
            "lint",
            "--format",
            "github",
            "lint-corpus/k8s/orders-deployment.yaml",
        ],
    );
    assert!(
        gh.lines().any(|l| l.starts_with("::error file=lint-corpus/k8s/orders-deployment.yaml,line=30,col=22,title=ctune heap-exceeds-memory-limit%3A ")),
        "{gh}"
    );
    let (_, xml, _) = run_in(
        &dir,
        &[
            "lint",
            "--format",
            "junit",
            "lint-corpus/k8s/orders-deployment.yaml",
            "lint-corpus/k8s/migrate-job.yaml",
        ],
    );
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit parses");
    // A suite per file (the checks on the file itself) and per target.
    assert_eq!(report.test_suites.len(), 4);
    let checks = run_in(&dir, &["lint", "--list-checks"])
        .1
        .lines()
        .filter(|l| l.ends_with("[files]"))
        .count();
    assert!(checks >= 9, "{checks}");
    assert_eq!(
        report.tests,
        2 * checks,
        "every [files] check once per target, or per file for those on the file itself"
    );
    assert_eq!(report.failures, 2);
}

/// (id, severity, path, line, column) of every finding the JSON of the corpus reports.
fn json_places(json: &Value) -> BTreeSet<(String, String, String, u64, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            (
                f["id"].as_str().unwrap().into(),
                f["severity"].as_str().unwrap().into(),
                l["path"].as_str().unwrap().into(),
                l["line"].as_u64().unwrap(),
                l["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_file_kubectl_refuses_fails_the_gate_in_every_format() {
    let dir = tests_dir();
    for file in [
        "lint-corpus/k8s/notifier-template.yaml",
        "lint-corpus/k8s/catalog-duplicate-key.yaml",
    ] {
        for format in ["text", "json", "sarif", "junit", "github"] {
            let (code, out, err) = run_in(
                &dir,
                &["lint", "--fail-on", "error", "--format", format, file],
            );
            assert_eq!(code, 1, "{file} {format}: {out}{err}");
            assert!(
                out.contains("file-unparsable") || out.contains("duplicate-key"),
                "{file} {format}: {out}"
            );
        }
    }
}

#[test]
fn github_and_junit_put_every_corpus_finding_where_json_does() {
    let dir = tests_dir();
    let want = json_places(&json_of(&["lint-corpus"]));
    // GitHub: one annotation per finding, at its file, line and column.
    let (_, gh, _) = run_in(&dir, &["lint", "--format", "github", "lint-corpus"]);
    let mut have = BTreeSet::new();
    for l in gh.lines().filter(|l| l.starts_with("::")) {
        let (props, _) = l[2..].split_once("::").unwrap();
        let (cmd, props) = props.split_once(' ').unwrap();
        let get = |k: &str| {
            props
                .split(',')
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .unwrap_or_else(|| panic!("{k} in {l}"))
        };
        let id = get("title")
            .strip_prefix("ctune ")
            .unwrap()
            .split("%3A")
            .next()
            .unwrap();
        let severity = if cmd == "notice" { "info" } else { cmd };
        have.insert((
            id.to_owned(),
            severity.to_owned(),
            get("file").to_owned(),
            get("line").parse().unwrap(),
            get("col").parse().unwrap(),
        ));
    }
    assert_eq!(
        have, want,
        "GitHub annotations differ from the JSON findings"
    );
    // JUnit: the case of each check that found something carries its file, line and column;
    // at --fail-on info every one is a failure typed with its severity.
    let (_, xml, _) = run_in(
        &dir,
        &[
            "lint",
            "--format",
            "junit",
            "--fail-on",
            "info",
            "lint-corpus",
        ],
    );
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit parses");
    let mut have = BTreeSet::new();
    for s in &report.test_suites {
        for c in &s.test_cases {
            let quick_junit::TestCaseStatus::NonSuccess { ty, .. } = &c.status else {
                continue;
            };
            let x = |k: &str| c.extra.get(k).map(|v| v.as_str().to_owned()).unwrap();
            have.insert((
                c.name.as_str().to_owned(),
                ty.as_deref().unwrap().to_owned(),
                x("file"),
                x("line").parse().unwrap(),
                x("column").parse().unwrap(),
            ));
        }
    }
    assert_eq!(have, want, "JUnit failures differ from the JSON findings");
}

fn schema_validator() -> jsonschema::Validator {
    let text = fs::read_to_string(repo().join("tests/sarif/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn sarif_for_the_corpus_is_valid_and_every_region_is_the_json_location() {
    let v = schema_validator();
    let dir = tests_dir();
    let (_, sarif, _) = run_in(&dir, &["lint", "--format", "sarif", "lint-corpus"]);
    let doc: Value = serde_json::from_str(&sarif).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let json = json_of(&["lint-corpus"]);
    let mut want: BTreeSet<(String, String, String, u64, u64)> = BTreeSet::new();
    for f in json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(json["suppressed"].as_array().unwrap())
    {
        let l = &f["location"];
        want.insert((
            f["id"].as_str().unwrap().into(),
            label(&f["object"]),
            l["path"].as_str().unwrap().into(),
            l["line"].as_u64().unwrap(),
            l["column"].as_u64().unwrap(),
        ));
    }
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), want.len());
    let mut have = BTreeSet::new();
    let mut suppressed = 0;
    for r in results {
        let pl = &r["locations"][0]["physicalLocation"];
        have.insert((
            r["ruleId"].as_str().unwrap().to_owned(),
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap()
                .to_owned(),
            pl["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
            pl["region"]["startLine"].as_u64().unwrap(),
            pl["region"]["startColumn"].as_u64().unwrap(),
        ));
        if r.get("suppressions").is_some() {
            suppressed += 1;
            assert_eq!(r["suppressions"][0]["kind"], "inSource");
        }
    }
    assert_eq!(have, want);
    // The fingerprint names the path and the object: the same object in two files stays two
    // alerts in code scanning.
    let prints: BTreeSet<&str> = results
        .iter()
        .map(|r| r["partialFingerprints"]["ctune/v2"].as_str().unwrap())
        .collect();
    assert_eq!(prints.len(), results.len(), "fingerprints collide");
    for r in results {
        let fp = r["partialFingerprints"]["ctune/v2"].as_str().unwrap();
        let pl = &r["locations"][0]["physicalLocation"];
        let object = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap();
        assert_eq!(
            fp,
            format!(
                "{}:{}:{object}",
                r["ruleId"].as_str().unwrap(),
                pl["artifactLocation"]["uri"].as_str().unwrap()
            )
        );
    }
    assert_eq!(
        suppressed, 1,
        "the annotated ReplicaSet's finding is a suppression, not silence"
    );
    for rule in doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        let uri = rule["helpUri"].as_str().unwrap();
        assert!(
            uri.ends_with(&format!("#check-{}", rule["id"].as_str().unwrap())),
            "{uri}"
        );
        // The anchor exists: the README's checks table has a row for every rule.
        let readme = fs::read_to_string(repo().join("README.md")).unwrap();
        let anchor = format!("<a id=\"check-{}\"></a>", rule["id"].as_str().unwrap());
        assert!(readme.contains(&anchor), "README has no {anchor}");
    }
}

#[test]
fn allow_lists_config_files_and_path_ignores() {
    let dir = scratch_dir("lint-files-config");
    let sub = dir.join("deploy/k8s");
    fs::create_dir_all(&sub).unwrap();
    let corpus = tests_dir().join("lint-corpus/k8s");
    fs::copy(corpus.join("debug-pod.yaml"), sub.join("debug-pod.yaml")).unwrap();
    fs::copy(
        corpus.join("orders-deployment.yaml"),
        sub.join("orders.yaml"),
    )
    .unwrap();
    // Without config: both files fail.
    let (code, out, _) = run_in(&dir, &["lint", "deploy"]);
    assert_eq!(code, 1, "{out}");
    // --allow with a comma list.
    let (code, out, _) = run_in(
        &dir,
        &[
            "lint",
            "--allow",
            "secret-in-environment,dangerous-capabilities",
            "deploy/k8s/debug-pod.yaml",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 allowed"), "{out}");
    let (code, _, err) = run_in(&dir, &["lint", "--allow", "no-such-check", "deploy"]);
    assert_eq!(code, 2, "{err}");
    // .ctune.toml found upwards from a subdirectory: allow, fail-on and a path ignore.
    fs::write(
        dir.join(".ctune.toml"),
        "allow = [\"secret-in-environment\"]\nfail-on = \"error\"\n\n[[ignore]]\npath = \"deploy/k8s/orders.yaml\"\nchecks = [\"heap-exceeds-memory-limit\"]\n",
    )
    .unwrap();
    let (code, out, err) = run_in(&sub, &["lint", "--format", "json", "."]);
    assert_eq!(code, 0, "{out}{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let active: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        active,
        vec!["dangerous-capabilities", "data-dir-on-tmpfs"],
        "{out}"
    );
    let reasons: Vec<&str> = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.ends_with(".ctune.toml: allow")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("ignore deploy/k8s/orders.yaml")),
        "{reasons:?}"
    );
    // --fail-on on the command line beats the config's.
    let (code, _, _) = run_in(&sub, &["lint", "--fail-on", "warning", "."]);
    assert_eq!(code, 1);
    // --config FILE names another one; a bad one is a usage error.
    fs::write(dir.join("strict.toml"), "fail-on = \"info\"\n").unwrap();
    let (code, _, _) = run_in(&dir, &["lint", "--config", "strict.toml", "deploy"]);
    assert_eq!(code, 1);
    fs::write(dir.join("bad.toml"), "allow = [\"typo-check\"]\n").unwrap();
    let (code, _, err) = run_in(&dir, &["lint", "--config", "bad.toml", "deploy"]);
    assert_eq!(code, 2, "{err}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standard_input_takes_helm_template_output() {
    let text = fs::read_to_string(tests_dir().join("lint-corpus/k8s/helm-rendered.yaml")).unwrap();
    let mut child = ctune()
        .args(["lint", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["location"]["path"], "-");
    assert_eq!(doc["findings"][0]["location"]["line"], 46);
    assert_eq!(doc["targets"].as_array().unwrap().len(), 2);
    assert_eq!(
        doc["targets"][1]["facts"]["helm_source"],
        "shop/templates/worker.yaml"
    );
}

#[test]
fn jvm_file_prints_flags_per_target_and_list_checks_lists_every_id() {
    let (code, out, err) = run_in(
        &tests_dir(),
        &["jvm", "--format", "json", "lint-corpus/k8s/spark-pi.yaml"],
    );
    assert_eq!(code, 0, "{err}");
    let docs: Value = serde_json::from_str(&out).unwrap();
    let docs = docs.as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["object"]["container"], "driver");
    assert_eq!(docs[1]["object"]["container"], "executor");
    // The executor's limit is 4g + 256m; the advisor's budget fits it.
    let total: u64 = [
        "heap",
        "metaspace",
        "code_cache",
        "thread_stacks",
        "direct",
        "page_cache_reserve",
        "headroom",
    ]
    .iter()
    .map(|k| docs[1]["recommended"]["budget"][k].as_u64().unwrap())
    .sum();
    assert!(total <= (4u64 << 30) + (256 << 20), "{total}");
    assert!(docs[1]["recommended"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(
            |f| f.as_str().unwrap().starts_with("-XX:ActiveProcessorCount")
                || f.as_str().unwrap().starts_with("-Xmx")
                || f.as_str().unwrap().starts_with("-XX:")
        ));
    let (code, list, _) = run_in(&tests_dir(), &["lint", "--list-checks"]);
    assert_eq!(code, 0);
    assert!(
        list.lines()
            .any(|l| l.starts_with("heap-exceeds-memory-limit")
                && l.contains("error")
                && l.ends_with("[files]")),
        "{list}"
    );
    assert!(list
        .lines()
        .any(|l| l.starts_with("running-under-hypervisor") && l.contains("info")));
}

#[test]
fn pre_commit_hook_runs_through_the_real_pre_commit() {
    // On PATH (.ci/run installs it), or in the venv the benchmark uses on this machine.
    let pc = ["pre-commit", "/work/venv-checkov/bin/pre-commit"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let Some(pc) = pc else {
        skipped("pre-commit is not installed (pip install pre-commit)");
        return;
    };
    let dir = scratch_dir("lint-files-precommit");
    fs::create_dir_all(&dir).unwrap();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .current_dir(&dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["config", "user.email", "t@example.com"]);
    git(&["config", "user.name", "t"]);
    fs::copy(
        tests_dir().join("lint-corpus/k8s/orders-deployment.yaml"),
        dir.join("orders.yaml"),
    )
    .unwrap();
    fs::copy(
        tests_dir().join("lint-corpus/k8s/migrate-job.yaml"),
        dir.join("migrate.yaml"),
    )
    .unwrap();
    git(&["add", "."]);
    // The hook is `language: system`: put the ctune under test first on PATH.
    let bin_dir = crate::common::bin_path().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(pc)
        .current_dir(&dir)
        .env("PATH", &path)
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-home"))
        .args([
            "try-repo",
            repo().to_str().unwrap(),
            "ctune-lint-system",
            "--all-files",
        ])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "the heap finding fails the hook: {text}"
    );
    assert!(
        text.contains("orders.yaml:30:22: error heap-exceeds-memory-limit"),
        "{text}"
    );
    assert!(!text.contains("migrate.yaml:"), "{text}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn live_assumptions_replace_the_runners_facts_too() {
    // cpus=8 on this runner (2 CPUs here) is 8, not the runner's cpuset.
    let (code, out, err) = run_in(
        &tests_dir(),
        &[
            "--assume",
            "cpus=8",
            "--assume",
            "memory=4Gi",
            "--assume",
            "jdk=17.0.9",
            "jvm",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["recommended"]["active_processor_count"], 8, "{out}");
    assert_eq!(v["jvm_view"]["active_processor_count"], 8, "{out}");
    let (code, out, err) = run_in(
        &tests_dir(),
        &[
            "--assume",
            "cgroup=v1",
            "--assume",
            "uid=1234",
            "report",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["cgroup"]["version"], "v1");
    assert_eq!(v["identity"]["uid"], 1234);
}

#[test]
fn frozen_tags_name_their_last_build_and_a_dockerfile_claims_no_shares() {
    // openjdk:8-jdk-alpine is 8u212: with a limit stated, it is blind on cgroup v2 and sees
    // v1; the fact's note says where the version comes from.
    let ids = finding_ids;
    let file = "lint-corpus/docker/legacy-batch.Dockerfile";
    let v2 = json_of(&["--assume", "memory=1Gi", file]);
    assert_eq!(v2["targets"][0]["facts"]["jdk"], "1.8.0_212");
    let notes = v2["targets"][0]["facts"]["notes"].to_string();
    assert!(notes.contains("docker-library/openjdk"), "{notes}");
    assert!(ids(&v2).contains(&"jvm-blind-to-cgroup".to_owned()), "{v2}");
    let v1 = json_of(&["--assume", "memory=1Gi", "--assume", "cgroup=v1", file]);
    assert!(
        !ids(&v1).contains(&"jvm-blind-to-cgroup".to_owned()),
        "{v1}"
    );
    // JDK 17.0.2 counts cpu shares, but a Dockerfile says nothing of them: no claim. The
    // same JDK in a pod with a small CPU request and no limit does get it.
    let dir = scratch_dir("shares");
    fs::write(
        dir.join("Dockerfile"),
        "FROM eclipse-temurin:17.0.2_8-jre\nUSER 10001\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n",
    )
    .unwrap();
    let (_, out, _) = run_in(&dir, &["lint", "--format", "json", "Dockerfile"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(
        !ids(&doc).contains(&"cpu-count-from-shares".to_owned()),
        "{doc}"
    );
    fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 1}\n  containers:\n    - name: app\n      image: eclipse-temurin:17.0.2_8-jre\n      resources:\n        requests: {cpu: 250m}\n        limits: {memory: 1Gi}\n",
    )
    .unwrap();
    let (_, out, _) = run_in(&dir, &["lint", "--format", "json", "pod.yaml"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let shares = crate::common::finding(&doc, "cpu-count-from-shares");
    assert_eq!(shares["location"]["line"], 10, "at requests.cpu");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn sidecars_get_no_jvm_prose_and_titles_say_what_they_mean() {
    let doc = json_of(&["lint-corpus/k8s/logsearch-statefulset.yaml"]);
    let find = |id: &str, container: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id && f["object"]["container"] == container)
            .unwrap_or_else(|| panic!("{id} on {container}: {doc}"))
            .clone()
    };
    let proxy = find("memory-limit-unset", "proxy");
    let text = format!("{}{}", proxy["detail"], proxy["fix"]);
    assert!(!text.contains("JVM") && !text.contains("heap"), "{text}");
    // A 1 MiB tmpfs cannot OOM-kill anything on its own; a 1 GiB one under 896 MiB can.
    let small = find("data-dir-on-tmpfs", "proxy");
    assert_eq!(small["severity"], "info");
    assert!(
        !small["detail"]
            .as_str()
            .unwrap()
            .contains("grow straight into"),
        "{small}"
    );
    let big = find("data-dir-on-tmpfs", "search");
    assert!(
        big["title"]
            .as_str()
            .unwrap()
            .contains("more than the 896 MiB memory limit"),
        "{big}"
    );
    for (c, cap) in [("search", "cap_ipc_lock"), ("resolver", "cap_net_admin")] {
        let f = find("dangerous-capabilities", c);
        assert!(f["title"].as_str().unwrap().contains(cap), "{f}");
    }
}

#[test]
fn a_target_stage_the_dockerfile_lacks_is_a_usage_error_not_a_pass() {
    // `docker build --target` refuses a stage that is not there; a gate that checked nothing
    // must not pass either.
    let file = "lint-corpus/docker/worker/Dockerfile";
    let (code, out, err) = run_in(&tests_dir(), &["lint", "--target", "nosuch", file]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("--target nosuch: no such stage") && err.contains("build"),
        "{err}"
    );
    // The named stage, and a stage by index, are targets.
    for stage in ["build", "0"] {
        let (code, out, err) = run_in(
            &tests_dir(),
            &["lint", "--format", "json", "--target", stage, file],
        );
        assert_ne!(code, 2, "{stage}: {err}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            doc["targets"][0]["object"]["name"], "build",
            "{stage}: {doc}"
        );
    }
}

#[test]
fn a_blind_jvm_in_a_file_quotes_no_node_ram_the_file_lacks() {
    // The facts hold a stand-in node RAM (four times the limit) for the JVM's view; the
    // finding must not present it as the node's.
    let v = json_of(&[
        "--assume",
        "memory=1Gi",
        "lint-corpus/docker/legacy-batch.Dockerfile",
    ]);
    let detail = crate::common::finding(&v, "jvm-blind-to-cgroup")["detail"]
        .as_str()
        .unwrap();
    assert!(detail.contains("from the node's RAM"), "{detail}");
    assert!(!detail.contains("host RAM ("), "{detail}");
    assert!(!detail.contains("4096 MiB"), "{detail}");
}
