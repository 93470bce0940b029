//! Arbitrary custom resources never panic: random mixes of the operators' own fields, values
//! of every shape (quantities, Flink sizes, garbage, maps where scalars go, aliases).

use crate::sources::k8s;
use proptest::prelude::*;

fn crish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("---\napiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata: {name: c}\n".to_owned()),
            Just("---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaNodePool\nmetadata: {name: p, labels: {strimzi.io/cluster: c}}\n".to_owned()),
            Just("---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaBridge\n".to_owned()),
            Just("---\napiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\n".to_owned()),
            Just("---\napiVersion: flink.apache.org/v1beta1\nkind: FlinkSessionJob\n".to_owned()),
            Just("---\napiVersion: elasticsearch.k8s.elastic.co/v1\nkind: Elasticsearch\n".to_owned()),
            Just("---\napiVersion: logstash.k8s.elastic.co/v1alpha1\nkind: Logstash\n".to_owned()),
            Just("---\napiVersion: cassandra.datastax.com/v1beta1\nkind: CassandraDatacenter\n".to_owned()),
            Just("spec:\n".to_owned()),
            Just("  kafka:\n".to_owned()),
            Just("  jobManager:\n".to_owned()),
            Just("  taskManager:\n".to_owned()),
            Just("    resource: {memory: ".to_owned()),
            Just("  resources: {limits: {memory: ".to_owned()),
            Just("  jvmOptions: {-Xmx: ".to_owned()),
            Just("  jvmOptions: {-XX: {MaxRAMPercentage: ".to_owned()),
            Just("  flinkConfiguration: {taskmanager.memory.task.heap.size: ".to_owned()),
            Just("  nodeSets: [{name: a, config: {node.roles: [".to_owned()),
            Just("  config: {jvm-server-options: {max_heap_size: ".to_owned()),
            Just("  version: 7.10.2\n".to_owned()),
            Just("  flinkVersion: v1_15\n".to_owned()),
            Just("  podTemplate: {spec: {containers: [{name: elasticsearch, env: [{name: ES_JAVA_OPTS, value: ".to_owned()),
            Just("2048m".to_owned()),
            Just("2Gi".to_owned()),
            Just("99999999999999999999t".to_owned()),
            Just("-1".to_owned()),
            Just("1e400".to_owned()),
            Just("*a".to_owned()),
            Just("}}\n".to_owned()),
            Just("]}]\n".to_owned()),
            "[\\[\\]{}:,\\-'\"#&*!|>%@` \t\na-z0-9.]{0,12}",
        ],
        0..50,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_custom_resources_never_panic(s in crish()) {
        let p = k8s::parse(&s);
        for t in &p.targets {
            // A heap rule's bytes, when known, are never above the memory it came from.
            if let (Some(r), Some(l)) = (&t.heap_rule, t.memory_limit.known()) {
                if let Some(b) = r.bytes {
                    prop_assert!(b <= l.max(1 << 30), "{b} > {l}: {s}");
                }
            }
        }
    }

    #[test]
    fn flink_sizes_never_panic(s in "\\PC{0,40}") {
        let _ = super::flink_memory::parse_size(&s);
        let _ = super::flink::resource_memory(&s);
    }
}
