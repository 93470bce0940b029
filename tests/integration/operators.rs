//! The JVM operators' custom resources (tests/lint-corpus/operators): every target at the
//! position, with the memory limit, CPU limit, max heap and heap rule its `.expect` file's
//! `#target` lines name (the findings lines are checked by lint_files.rs); the heaps Strimzi's
//! scripts compute checked against the real JVM's own estimate; `ctune jvm FILE` in each
//! resource's own terms; a `helm template`-style stream on standard input.

use crate::common::{ctune, final_flag, have, object_label as label, repo, skipped, target_kinds};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};

const CORPUS: &str = "lint-corpus/operators";

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String) {
    let mut c = ctune();
    c.current_dir(repo().join("tests")).args(args);
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("ctune runs");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn lint_json(args: &[&str], stdin: Option<&str>) -> Value {
    let mut a = vec!["lint", "--format", "json"];
    a.extend_from_slice(args);
    let (code, out) = run(&a, stdin);
    assert!(code == 0 || code == 1, "exit {code}: {out}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn num(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Number(n) if n.is_f64() => format!("{:?}", n.as_f64().unwrap()),
        other => other.to_string(),
    }
}

fn corpus_files() -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["strimzi", "flink", "eck", "cassandra"] {
        for e in fs::read_dir(repo().join("tests").join(CORPUS).join(sub)).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".yaml") {
                out.push(format!("{CORPUS}/{sub}/{name}"));
            }
        }
    }
    out.sort();
    out
}

/// Each target's line as the `.expect` files write it.
fn target_line(t: &Value) -> String {
    let f = &t["facts"];
    let source = f["heap_source"].as_str().unwrap();
    let source = source.split(" (").next().unwrap();
    format!(
        "#target {}:{} [{}] memory={} cpu={} heap={} source={source}",
        t["location"]["line"],
        t["location"]["column"],
        label(&t["object"]),
        num(&f["memory_limit_bytes"]),
        num(&f["cpu_limit"]),
        num(&f["max_heap_bytes"]),
    )
}

#[test]
fn every_target_has_the_limits_and_heap_its_expect_file_names() {
    let doc = lint_json(&[CORPUS], None);
    let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in doc["targets"].as_array().unwrap() {
        got.entry(t["location"]["path"].as_str().unwrap().to_owned())
            .or_default()
            .insert(target_line(t));
    }
    let files = corpus_files();
    assert!(files.len() >= 7, "{files:?}");
    let mut n = 0;
    for file in &files {
        let want: BTreeSet<String> =
            fs::read_to_string(repo().join("tests").join(format!("{file}.expect")))
                .unwrap()
                .lines()
                .filter(|l| l.starts_with("#target "))
                .map(str::to_owned)
                .collect();
        n += want.len();
        assert_eq!(got.remove(file).unwrap_or_default(), want, "{file}");
    }
    assert!(got.is_empty(), "{got:?}");
    assert!(n >= 20, "{n}");
    // Every kind of the contract gives targets; a session job gives none and says why.
    let kinds = target_kinds(&doc);
    for k in [
        "Kafka",
        "KafkaNodePool",
        "KafkaConnect",
        "KafkaMirrorMaker2",
        "KafkaBridge",
        "FlinkDeployment",
        "Elasticsearch",
        "Logstash",
        "CassandraDatacenter",
    ] {
        assert!(kinds.contains(k), "no {k} target: {kinds:?}");
    }
    let problems = doc["problems"].to_string();
    assert!(
        problems.contains("FlinkSessionJob session-job runs in the session cluster tiny-session"),
        "{problems}"
    );
    // No operator kind is counted as skipped.
    assert_eq!(doc["skipped"], serde_json::json!([]), "{}", doc["skipped"]);
}

/// Unknown kinds, and the operators' kinds under another API group, stay skipped and counted.
#[test]
fn unknown_kinds_stay_skipped() {
    let text = "apiVersion: example.com/v1\nkind: Kafka\nmetadata: {name: x}\n---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata: {name: t}\n";
    let doc = lint_json(&["-"], Some(text));
    assert_eq!(doc["targets"], serde_json::json!([]));
    let skipped: BTreeSet<String> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        skipped,
        ["Kafka", "KafkaTopic"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}

/// `helm template | ctune lint -`: the corpus as one stream on standard input gives the same
/// targets (node pools still find their Kafka across documents).
#[test]
fn one_stream_on_standard_input_gives_the_same_targets() {
    let files = corpus_files();
    let stream: String = files
        .iter()
        .map(|f| {
            format!(
                "---\n# Source: chart/templates/{}\n{}",
                f.rsplit('/').next().unwrap(),
                fs::read_to_string(repo().join("tests").join(f)).unwrap()
            )
        })
        .collect();
    let doc = lint_json(&["-"], Some(&stream));
    let by_file = lint_json(&[CORPUS], None);
    let labels = |d: &Value| -> BTreeSet<String> {
        d["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                format!(
                    "{} {}",
                    label(&t["object"]),
                    num(&t["facts"]["max_heap_bytes"])
                )
            })
            .collect()
    };
    assert_eq!(labels(&doc), labels(&by_file));
    let helm = doc["targets"][0]["facts"]["helm_source"]
        .as_str()
        .unwrap_or("");
    assert!(
        helm.starts_with("chart/templates/"),
        "{}",
        doc["targets"][0]
    );
}

/// The real JVM's own estimate, as Strimzi's dynamic_resources.sh reads it:
/// `java -XX:MaxRAMPercentage=P -XshowSettings:vm -version`, "Max. Heap Size (Estimated): X",
/// through to_bytes.gawk (value times its unit). MaxRAM stands for the container limit.
fn jvm_estimate(limit: u64, pct: Option<u32>, cpus: u32) -> u64 {
    let mut c = Command::new("java");
    c.arg(format!("-XX:MaxRAM={limit}"))
        .arg(format!("-XX:ActiveProcessorCount={cpus}"));
    if let Some(p) = pct {
        c.arg(format!("-XX:MaxRAMPercentage={p}"));
    }
    let out = c.args(["-XshowSettings:vm", "-version"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    let v = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Max. Heap Size (Estimated): "))
        .unwrap_or_else(|| panic!("{text}"));
    let (n, unit) = v.split_at(v.len() - 1);
    let mult: f64 = match unit {
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        _ => panic!("{v}"),
    };
    (n.parse::<f64>().unwrap() * mult) as u64
}

#[test]
fn strimzi_heaps_match_the_real_jvm() {
    if !have("java") {
        skipped("no java");
        return;
    }
    // (kind, percentage and cap as Strimzi's model classes pass them, limit, cpus)
    type Case<'a> = (&'a str, u32, Option<u64>, &'a str, u64, u32);
    let cases: &[Case] = &[
        ("KafkaConnect", 75, None, "3Gi", 3 << 30, 2),
        ("KafkaConnect", 75, None, "1000Mi", 1000 << 20, 1),
        ("KafkaConnect", 75, None, "1Gi", 1 << 30, 1),
        ("Kafka", 50, Some(5 << 30), "2Gi", 2 << 30, 1),
        ("Kafka", 50, Some(5 << 30), "1234567890", 1234567890, 1),
        ("KafkaMirrorMaker2", 75, None, "5500Mi", 5500 << 20, 4),
        ("Kafka", 50, Some(5 << 30), "7Gi", 7 << 30, 2),
        ("Kafka", 50, Some(5 << 30), "16Gi", 16 << 30, 2),
    ];
    for &(kind, pct, cap, q, limit, cpus) in cases {
        let spec = format!("    resources: {{limits: {{memory: {q}, cpu: \"{cpus}\"}}}}\n");
        let text = if kind == "Kafka" {
            format!("apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata: {{name: k}}\nspec:\n  kafka:\n{spec}")
        } else {
            format!("apiVersion: kafka.strimzi.io/v1beta2\nkind: {kind}\nmetadata: {{name: c}}\nspec:\n{}", spec.replacen("    ", "  ", 1))
        };
        let doc = lint_json(&["-"], Some(&text));
        let got = doc["targets"][0]["facts"]["max_heap_bytes"]
            .as_u64()
            .unwrap();
        let mut want = jvm_estimate(limit, Some(pct), cpus);
        if let Some(c) = cap {
            want = want.min(c);
        }
        assert_eq!(got, want, "{kind} {q}: {}", doc["targets"][0]["facts"]);
    }
    // The bridge: half the JVM's default estimate, in whole MiB.
    let text = "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaBridge\nmetadata: {name: b}\nspec:\n  resources: {limits: {memory: 3Gi, cpu: \"2\"}}\n";
    let doc = lint_json(&["-"], Some(text));
    let est = jvm_estimate(3 << 30, None, 2);
    assert_eq!(
        doc["targets"][0]["facts"]["max_heap_bytes"]
            .as_u64()
            .unwrap(),
        ((est >> 20) / 2) << 20
    );
    // -Xms without -Xmx: no dynamic heap; the JVM raises its default max heap to the -Xms.
    let text = "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnect\nmetadata: {name: c}\nspec:\n  resources: {limits: {memory: 2Gi, cpu: \"2\"}}\n  jvmOptions: {-Xms: 1g}\n";
    let doc = lint_json(&["-"], Some(text));
    let out = Command::new("java")
        .args([
            "-XX:MaxRAM=2g",
            "-XX:ActiveProcessorCount=2",
            "-Xms1g",
            "-XX:+PrintFlagsFinal",
            "-version",
        ])
        .output()
        .unwrap();
    let max: u64 = final_flag(&String::from_utf8_lossy(&out.stdout), "MaxHeapSize")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        doc["targets"][0]["facts"]["max_heap_bytes"].as_u64(),
        Some(max)
    );
}

#[test]
fn jvm_file_speaks_each_resources_own_terms() {
    for (file, must) in [
        ("strimzi/kafka-node-pools.yaml", &["jvmOptions:\n", "  -XX:\n", "spec.entityOperator.topicOperator.jvmOptions"][..]),
        ("flink/flink-deployments.yaml", &["flinkConfiguration:\n  env.java.opts.taskmanager: ", "too small for its parts"][..]),
        ("eck/elasticsearch.yaml", &["- name: ES_JAVA_OPTS\n  value: \"-Xms2048m -Xmx2048m"][..]),
        ("eck/logstash.yaml", &["- name: LS_JAVA_OPTS\n  value: \"-Xms"][..]),
        ("cassandra/datacenters.yaml", &["jvm-server-options:\n    initial_heap_size: \"4096M\"\n    max_heap_size: \"4096M\"", "JVM_EXTRA_OPTS"][..]),
    ] {
        let path = format!("{CORPUS}/{file}");
        let (code, out) = run(&["jvm", "--format", "flags", &path], None);
        assert_eq!(code, 0, "{out}");
        for m in must {
            assert!(out.contains(m), "{file}: no {m:?} in\n{out}");
        }
        let (_, json) = run(&["jvm", "--format", "json", &path], None);
        let docs: Value = serde_json::from_str(&json).unwrap();
        for d in docs.as_array().unwrap() {
            assert!(d["resource_terms"].is_string(), "{file}: {d}");
        }
    }
    // The broker's -Xmx7800m under 8Gi is restated at half the limit at most (Kafka wants the
    // rest as page cache), and Elasticsearch's ES_JAVA_OPTS leaves MaxDirectMemorySize to it.
    let (_, out) = run(
        &[
            "jvm",
            "--format",
            "flags",
            &format!("{CORPUS}/strimzi/kafka-node-pools.yaml"),
        ],
        None,
    );
    assert!(out.contains("  -Xmx: 4096m"), "{out}");
    let (_, out) = run(
        &[
            "jvm",
            "--format",
            "flags",
            &format!("{CORPUS}/eck/elasticsearch.yaml"),
        ],
        None,
    );
    assert!(
        !out.lines()
            .any(|l| l.contains("value:") && l.contains("MaxDirectMemorySize")),
        "{out}"
    );
}

/// `heap_source` and `max_heap_bytes` are on every target, manifests and Dockerfiles included.
#[test]
fn every_target_says_where_its_heap_comes_from() {
    let doc = lint_json(
        &[
            "lint-corpus/k8s/orders-deployment.yaml",
            "lint-corpus/k8s/etl-job.yaml",
            "lint-corpus/k8s/migrate-job.yaml",
        ],
        None,
    );
    let t = &doc["targets"][0]["facts"];
    assert_eq!(t["heap_source"], "-Xmx in JAVA_TOOL_OPTIONS", "{t}");
    assert_eq!(t["max_heap_bytes"].as_u64(), Some(1900 << 20), "{t}");
    let t = &doc["targets"][1]["facts"];
    assert_eq!(t["heap_source"], "-Xmx in _JAVA_OPTIONS", "{t}");
    assert_eq!(t["max_heap_bytes"].as_u64(), Some(512 << 20), "{t}");
    let t = &doc["targets"][2]["facts"];
    assert_eq!(t["heap_source"], "-Xmx in args", "{t}");
    assert_eq!(t["max_heap_bytes"].as_u64(), Some(256 << 20), "{t}");
    // A Dockerfile with a percentage and no memory limit: the share of what is unknown.
    let doc = lint_json(&["lint-corpus/docker/api.Dockerfile"], None);
    let t = &doc["targets"][0]["facts"];
    assert_eq!(
        t["heap_source"], "-XX:MaxRAMPercentage in JAVA_TOOL_OPTIONS",
        "{t}"
    );
    assert!(t["max_heap_bytes"].is_null(), "{t}");
    let doc = lint_json(
        &[
            "--assume",
            "memory=4Gi",
            "lint-corpus/docker/api.Dockerfile",
        ],
        None,
    );
    let t = &doc["targets"][0]["facts"];
    assert_eq!(t["max_heap_bytes"].as_u64(), Some(3 << 30), "{t}");
}
