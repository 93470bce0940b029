//! Which rule gives a static target its max heap (`heap_source`, `max_heap_bytes` in
//! `targets[].facts`), and the two findings only a product's own heap rule can raise:
//! `memory-model-does-not-fit` (the product refuses its memory settings, or its parts cannot
//! fit the container) and `heap-not-sized-from-limit` (the product sizes the heap from
//! something other than the container's memory limit).

use super::Target;
use crate::facts::Facts;
use crate::findings::operators::{HEAP_NOT_SIZED_FROM_LIMIT, MEMORY_MODEL_DOES_NOT_FIT};
use crate::findings::{Finding, Node, Severity};
use crate::jvm::advise::Advice;
use crate::jvm::options::HeapSetting;

/// Where a user's own heap option was written, in the terms of the file.
fn written_in(t: &Target, source: &str) -> String {
    if source != "command line" {
        return source.to_owned();
    }
    match t.object.kind.as_str() {
        "Dockerfile" => "ENTRYPOINT/CMD".into(),
        "Kafka" | "KafkaNodePool" | "KafkaConnect" | "KafkaMirrorMaker2" | "KafkaBridge" => {
            "jvmOptions".into()
        }
        "Elasticsearch" => "ES_JAVA_OPTS".into(),
        "Logstash" => "LS_JAVA_OPTS".into(),
        "FlinkDeployment" => "env.java.opts".into(),
        "CassandraDatacenter" => "config jvm options".into(),
        "SparkApplication" | "ScheduledSparkApplication" => "Spark memory".into(),
        _ => "args".into(),
    }
}

/// The JVM's own default max heap, when the limit it is a share of is known.
/// An `-Xms` above that default raises the max heap to it (HotSpot's ergonomics, checked with
/// `java -XX:MaxRAM=2g -Xms1g -XX:+PrintFlagsFinal`: MaxHeapSize 1g).
fn jvm_default(f: &Facts, a: &Advice) -> Option<u64> {
    let floor = a.user_options.min_heap().map_or(0, |(b, _)| b);
    f.memory
        .limit
        .value()
        .map(|_| a.jvm_view.max_heap_bytes.max(floor))
}

/// `(heap_source, max_heap_bytes)` of a target.
pub fn source(t: &Target, f: &Facts, a: &Advice) -> (String, Option<u64>) {
    if let Some(r) = &t.heap_rule {
        if r.refused.is_some() {
            return (r.source.clone(), None);
        }
        let bytes = r.bytes.or_else(|| {
            if r.jvm_default {
                jvm_default(f, a)
            } else {
                None
            }
        });
        return (r.source.clone(), bytes);
    }
    match a.user_options.max_heap() {
        Some(HeapSetting::Bytes(b, o)) => {
            (format!("-Xmx in {}", written_in(t, &o.source)), Some(b))
        }
        Some(HeapSetting::Percent(p, o)) => (
            format!("-XX:MaxRAMPercentage in {}", written_in(t, &o.source)),
            f.memory
                .limit
                .value()
                .map(|_| (a.jvm_view.physical_memory_bytes as f64 * p / 100.0) as u64),
        ),
        None => (
            match f.memory.limit.value() {
                Some(_) => "JVM default (a share of the memory limit)".into(),
                None => "JVM default (a share of node RAM: no memory limit)".into(),
            },
            jvm_default(f, a),
        ),
    }
}

/// The findings of a product's own heap rule.
pub fn findings(t: &Target, f: &Facts, a: &Advice) -> Vec<Finding> {
    let Some(r) = &t.heap_rule else {
        return Vec::new();
    };
    let size = crate::units::bytes;
    let limit = f.memory.limit.value();
    let mut out = Vec::new();
    let at = Node {
        line: r.pos.line.max(1),
        column: r.pos.column.max(1),
    };
    if let Some(why) = &r.refused {
        out.push(Finding {
            rule: &MEMORY_MODEL_DOES_NOT_FIT,
            severity: Severity::Error,
            title: format!("The memory settings cannot fit this {}: {why}", t.object.kind),
            detail: format!(
                "{} computes the JVM's heap, direct memory, metaspace and overhead from the size it is given; with these settings the parts do not fit, and the process refuses to start (IllegalConfigurationException) instead of running.",
                t.object.kind
            ),
            fix: "Raise the memory size (resource.memory or *.memory.process.size), or lower the explicitly sized parts (heap, managed, network, metaspace, overhead) so that they fit.".into(),
            evidence: vec![r.source.clone()],
            at: Some(at),
        });
    }
    if let Some(what) = &r.not_from_limit {
        let (_, bytes) = source(t, f, a);
        let heap = bytes.map_or_else(|| "sized by the node it lands on".to_owned(), size);
        let title = match limit {
            Some(l) => format!(
                "The heap ({heap}) comes from {what}, not from the {} memory limit",
                size(l)
            ),
            None => format!("The heap ({heap}) comes from {what}; there is no memory limit"),
        };
        out.push(Finding {
            rule: &HEAP_NOT_SIZED_FROM_LIMIT,
            severity: Severity::Warning,
            title,
            detail: format!(
                "The product picks its heap by a rule that does not read the container's memory limit ({}), so the heap and the limit change independently: a larger limit is wasted, a smaller one (or a larger node) ends in an OOM kill (exit 137).",
                r.source
            ),
            fix: "State the heap to match the limit in the resource's own terms (`ctune jvm FILE` prints them), or set a memory limit the rule reads.".into(),
            evidence: vec![
                r.source.clone(),
                limit.map_or_else(|| "no memory limit".into(), |l| format!("memory limit {l} bytes")),
            ],
            at: Some(at),
        });
    }
    out
}
