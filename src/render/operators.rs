//! `ctune jvm FILE` for the operators' custom resources: the recommended options in the
//! resource's own terms (Strimzi `jvmOptions`, Flink configuration keys, `ES_JAVA_OPTS` /
//! `LS_JAVA_OPTS` in the pod template, cass-operator's heap keys), not only as JVM flags.
//!
//! The heap is restated only where the target's own one is a finding (it exceeds the limit,
//! or does not follow it) or where nobody sized it and the advisor would: then it is the advisor's budget heap, at most half the limit for
//! the products that want the rest as page cache (Kafka, Elasticsearch, Cassandra: Strimzi's
//! own default and Elastic's guidance are 50 %). Options the product sets itself are left
//! out (Flink's -Xmx/-Xms/-XX:MaxDirectMemorySize/-XX:MaxMetaspaceSize from its memory model,
//! Elasticsearch's MaxDirectMemorySize).

use crate::sources::check::Analysed;

const MIB: u64 = 1 << 20;

fn is_heap(f: &str) -> bool {
    f.starts_with("-Xmx") || f.starts_with("-Xms") || f.starts_with("-XX:MaxRAMPercentage")
}

/// The heap to state, in MiB, when the target's own heap is a finding.
fn heap_mib(t: &Analysed) -> Option<u64> {
    let wrong = t.findings.iter().any(|l| {
        matches!(
            l.finding.id(),
            "heap-exceeds-memory-limit" | "heap-not-sized-from-limit"
        )
    });
    let limit = t.facts.memory_limit_bytes?;
    // Nobody sized the heap (the JVM's default applies) and the advisor would: its heap.
    let advised = t
        .advice
        .recommended
        .flags
        .iter()
        .any(|f| f.starts_with("-Xmx"));
    if !wrong && !advised || t.object.kind == "FlinkDeployment" {
        return None;
    }
    let share = match t.object.kind.as_str() {
        "Kafka" | "KafkaNodePool" | "Elasticsearch" | "CassandraDatacenter" => 0.5,
        _ => 1.0,
    };
    let h = t
        .advice
        .recommended
        .budget
        .heap
        .min((limit as f64 * share) as u64);
    Some((h / MIB).max(1))
}

fn others(t: &Analysed, drop: &[&str]) -> Vec<String> {
    t.advice
        .recommended
        .flags
        .iter()
        .filter(|f| !is_heap(f) && !drop.iter().any(|d| f.starts_with(d)))
        .cloned()
        .collect()
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The block for one target, or None when the target is not an operator's.
pub fn resource_terms(t: &Analysed) -> Option<String> {
    let kind = t.object.kind.as_str();
    let container = t.object.container.as_deref().unwrap_or("");
    let heap = heap_mib(t);
    let current = t
        .facts
        .max_heap_bytes
        .map_or("unknown".to_owned(), crate::units::bytes);
    let mut s = String::new();
    match kind {
        "Kafka" | "KafkaNodePool" | "KafkaConnect" | "KafkaMirrorMaker2" | "KafkaBridge" => {
            let at = match (kind, container) {
                ("Kafka", "kafka") => "spec.kafka.jvmOptions",
                ("Kafka", "zookeeper") => "spec.zookeeper.jvmOptions",
                ("Kafka", "cruise-control") => "spec.cruiseControl.jvmOptions",
                ("Kafka", "topic-operator") => "spec.entityOperator.topicOperator.jvmOptions",
                ("Kafka", "user-operator") => "spec.entityOperator.userOperator.jvmOptions",
                _ => "spec.jvmOptions",
            };
            s.push_str(&format!("# Strimzi: {at}\njvmOptions:\n"));
            if let Some(h) = heap {
                s.push_str(&format!("  -Xms: {h}m\n  -Xmx: {h}m\n"));
            }
            let xx: Vec<String> = others(t, &[])
                .iter()
                .filter_map(|f| {
                    let o = f.strip_prefix("-XX:")?;
                    Some(if let Some(n) = o.strip_prefix('+') {
                        format!("    {n}: \"true\"")
                    } else if let Some(n) = o.strip_prefix('-') {
                        format!("    {n}: \"false\"")
                    } else {
                        let (k, v) = o.split_once('=')?;
                        format!("    {k}: {}", quoted(v))
                    })
                })
                .collect();
            if !xx.is_empty() {
                s.push_str("  -XX:\n");
                for l in xx {
                    s.push_str(&l);
                    s.push('\n');
                }
            }
            if heap.is_none() {
                s.push_str(&format!("# heap: {current} ({})\n", t.facts.heap_source));
            }
        }
        "FlinkDeployment" => {
            let flags = others(t, &["-XX:MaxDirectMemorySize", "-XX:MaxMetaspaceSize"]);
            s.push_str("# Flink: spec.flinkConfiguration (heap, direct memory and metaspace come from Flink's memory model)\nflinkConfiguration:\n");
            if !flags.is_empty() {
                s.push_str(&format!(
                    "  env.java.opts.{container}: {}\n",
                    quoted(&flags.join(" "))
                ));
            }
            let refused = t
                .findings
                .iter()
                .any(|l| l.finding.id() == "memory-model-does-not-fit");
            if refused {
                s.push_str(&format!("# {container}.memory.process.size (resource.memory) is too small for its parts: raise it, or lower the sized parts\n"));
            } else {
                s.push_str(&format!("# heap: {current} ({})\n", t.facts.heap_source));
            }
        }
        "Elasticsearch" | "Logstash" => {
            let (var, c, drop): (&str, &str, &[&str]) = if kind == "Elasticsearch" {
                (
                    "ES_JAVA_OPTS",
                    "elasticsearch",
                    &["-XX:MaxDirectMemorySize"],
                )
            } else {
                ("LS_JAVA_OPTS", "logstash", &[])
            };
            let mut words = Vec::new();
            if let Some(h) = heap {
                words.push(format!("-Xms{h}m"));
                words.push(format!("-Xmx{h}m"));
            } else if t.facts.heap_source.starts_with("-Xmx in") {
                // The variable is one string: keep the user's own heap in it.
                words.extend(t.facts.jvm_options.iter().filter(|o| is_heap(o)).cloned());
            }
            words.extend(others(t, drop));
            s.push_str(&format!(
                "# ECK: spec{}.podTemplate.spec.containers[name: {c}].env\n- name: {var}\n  value: {}\n",
                if kind == "Elasticsearch" { ".nodeSets[]" } else { "" },
                quoted(&words.join(" "))
            ));
            if heap.is_none() {
                s.push_str(&format!("# heap: {current} ({})\n", t.facts.heap_source));
            }
        }
        "CassandraDatacenter" => {
            s.push_str("# cass-operator: spec.config (jvm-options for 3.11, jvm-server-options for 4.x)\nconfig:\n  jvm-server-options:\n");
            match heap {
                Some(h) => s.push_str(&format!(
                    "    initial_heap_size: \"{h}M\"\n    max_heap_size: \"{h}M\"\n"
                )),
                None => s.push_str(&format!(
                    "    # heap: {current} ({})\n",
                    t.facts.heap_source
                )),
            }
            let flags = others(t, &[]);
            if !flags.is_empty() {
                s.push_str(&format!(
                    "# other options: podTemplateSpec env JVM_EXTRA_OPTS (cassandra-env.sh appends it)\n- name: JVM_EXTRA_OPTS\n  value: {}\n",
                    quoted(&flags.join(" "))
                ));
            }
        }
        _ => return None,
    }
    Some(s)
}
