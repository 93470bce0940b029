//! Strimzi (`kafka.strimzi.io`): `Kafka` (its brokers and controllers, directly or through
//! `KafkaNodePool`s labelled `strimzi.io/cluster: <kafka>`, ZooKeeper, the entity operator's
//! topic and user operators, Cruise Control), `KafkaConnect`, `KafkaMirrorMaker2`,
//! `KafkaBridge`.
//!
//! What the operator and the images do with `resources` and `jvmOptions`
//! (strimzi/strimzi-kafka-operator):
//! - `cluster-operator/.../model/JvmOptionUtils.java`, `heapOptions`: `-Xms`/`-Xmx` (and the
//!   `-XX` `InitialRAMPercentage`/`MaxRAMPercentage`) go into `KAFKA_HEAP_OPTS`. Without `-Xmx`
//!   and `MaxRAMPercentage`: with a memory request or limit it sets
//!   `STRIMZI_DYNAMIC_HEAP_PERCENTAGE` (and `STRIMZI_DYNAMIC_HEAP_MAX`); with neither, and no
//!   `-Xms`, `KAFKA_HEAP_OPTS=-Xms128M` (`DEFAULT_JVM_XMS`) and no `-Xmx`. The percentages are
//!   the callers': `KafkaCluster` 50 % up to 5 GiB (brokers and controllers, per pool),
//!   `ZookeeperCluster` 75 % up to 2 GiB, `KafkaConnectCluster` (Connect and MirrorMaker 2) 75 %,
//!   `CruiseControl` 75 %.
//! - `docker-images/kafka-based/kafka/scripts/dynamic_resources.sh`: only when
//!   `KAFKA_HEAP_OPTS` is empty (so not when `-Xms` alone was given), the heap is what
//!   `java -XX:MaxRAMPercentage=P -XshowSettings:vm` estimates (P % of the cgroup limit, or of
//!   node RAM when there is none), read back from its two-decimal print, capped at the max;
//!   `-Xms` = `-Xmx` = that.
//! - Kafka's own `kafka-server-start.sh` default (`-Xmx1G -Xms1G`) applies only when
//!   `KAFKA_HEAP_OPTS` is empty: Strimzi's `-Xms128M` turns it off, so without resources the JVM
//!   sizes its heap from node RAM.
//! - The bridge (strimzi/strimzi-kafka-bridge `bin/docker/dynamic_resources.sh`,
//!   `get_heap_size`): `CONTAINER_HEAP_PERCENT` (0.50) of the JVM's own default max heap
//!   estimate (25 % of the limit), so 12.5 % of the limit; `jvmOptions` come later in
//!   `JAVA_OPTS` (`STRIMZI_JAVA_OPTS`) and win.
//! - The entity operator's topic and user operators (`docker-images/operator/scripts/
//!   launch_java.sh`): without `Xmx` in the options, `-Xmx` = 20 % of `memory.max` (cgroup v2)
//!   or `-XX:MaxRAMPercentage=20` (v1, or no limit).

use super::{Ctx, HeapRule, Line, Resources};
use crate::jvm::version::Gc;
use crate::sources::yaml::{Node, Pos};
use crate::sources::{Field, Object, Parsed, Target};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// How a component's heap is chosen when `jvmOptions` sets no `-Xmx`.
#[derive(Debug, Clone, Copy)]
enum Script {
    /// `dynamic_resources.sh` of the Kafka image: percentage and cap.
    Dynamic { pct: u32, max: Option<u64> },
    /// The bridge's `dynamic_resources.sh`.
    Bridge,
    /// The cluster operator image's `launch_java.sh` (topic and user operators).
    Operator,
}

/// The collector the JVM picks for a container (server class: 2 CPUs and 1792 MiB), for the
/// heap alignment only.
fn gc_for(mem: u64, cpus: Option<f64>) -> Gc {
    if mem >= 1792 * MIB && cpus.is_none_or(|c| c.ceil() >= 2.0) {
        Gc::G1
    } else {
        Gc::Serial
    }
}

/// HotSpot's max heap for `-XX:MaxRAMPercentage=pct` of `phys` (MinRAMPercentage for small
/// memory, aligned up as `default_max_heap` aligns).
pub fn percent_heap(phys: u64, pct: f64, gc: Gc) -> u64 {
    crate::jvm::ergonomics::percent_max_heap(phys, pct, gc)
}

/// What `-XshowSettings:vm` prints for a size (two decimals of K, M or G), read back as
/// `to_bytes.gawk` reads it.
pub fn as_shown(bytes: u64) -> u64 {
    let unit = if bytes >= GIB {
        GIB
    } else if bytes >= MIB {
        MIB
    } else {
        1 << 10
    };
    let hundredths = ((bytes as f64 / unit as f64) * 100.0).round();
    (hundredths * unit as f64 / 100.0) as u64
}

/// What `-XshowSettings:vm` estimates for a max heap: `Runtime.maxMemory()`, which for the
/// serial collector leaves out one survivor space (young = heap / (NewRatio 2 + 1), survivor =
/// young / (SurvivorRatio 8 + 2), each aligned down to 64 KiB); found by comparing with the real JVM
/// (tests/integration/operators.rs).
fn estimated(heap: u64, gc: Gc) -> u64 {
    match gc {
        Gc::G1 => heap,
        _ => {
            // Generations and spaces are aligned down to 64 KiB (SpaceAlignment).
            let a = 64 << 10;
            let young = heap / 3 / a * a;
            heap - young / 10 / a * a
        }
    }
}

/// The Kafka image's dynamic heap for a memory limit.
pub fn dynamic_heap(limit: u64, pct: u32, max: Option<u64>, cpus: Option<f64>) -> u64 {
    let gc = gc_for(limit, cpus);
    let h = as_shown(estimated(percent_heap(limit, pct as f64, gc), gc));
    max.map_or(h, |m| h.min(m))
}

/// The bridge's heap for a memory limit, in bytes (whole MiB).
pub fn bridge_heap(limit: u64, cpus: Option<f64>) -> Option<u64> {
    let gc = gc_for(limit, cpus);
    let est = as_shown(estimated(percent_heap(limit, 25.0, gc), gc));
    if est >= 31 * GIB {
        return None;
    }
    Some(((est / MIB) as f64 * 0.5) as u64 * MIB)
}

/// `jvmOptions` as JVM words: `-Xms`, `-Xmx`, `-XX` (a map: `"true"` → `-XX:+K`), then
/// `javaSystemProperties` (`-D`). Returns (has -Xmx or MaxRAMPercentage, has -Xms or
/// InitialRAMPercentage).
fn jvm_options(jvm: Option<&Node>, line: &mut Line) -> (bool, bool) {
    let Some(j) = jvm else { return (false, false) };
    let (mut xmx, mut xms) = (false, false);
    if let Some((_, v)) = j.entry("-Xms") {
        if let Some(s) = v.str() {
            line.push(format!("-Xms{s}"), v.pos);
            xms = true;
        }
    }
    if let Some((_, v)) = j.entry("-Xmx") {
        if let Some(s) = v.str() {
            line.push(format!("-Xmx{s}"), v.pos);
            xmx = true;
        }
    }
    for (k, v) in j.get("-XX").map(Node::map).unwrap_or(&[]) {
        let (Some(key), Some(val)) = (k.str(), v.str()) else {
            continue;
        };
        let w = match val.to_ascii_lowercase().as_str() {
            "true" => format!("-XX:+{key}"),
            "false" => format!("-XX:-{key}"),
            _ => format!("-XX:{key}={val}"),
        };
        xmx |= key == "MaxRAMPercentage";
        xms |= key == "InitialRAMPercentage";
        line.push(w, k.pos);
    }
    super::system_properties(j.get("javaSystemProperties"), line);
    (xmx, xms)
}

/// One JVM component: its resources, options and the heap Strimzi's rules give it.
struct Component<'a> {
    /// The spec section (`spec.kafka`, a pool's `spec`, `spec.cruiseControl`, ...).
    section: &'a Node,
    /// Where the target is (the section's key).
    pos: Pos,
    container: &'a str,
    script: Script,
    /// `template.<x>Container` (env, securityContext).
    template_container: Option<&'a str>,
    /// Fallback for `resources`/`jvmOptions` (a pool's Kafka).
    fallback: Option<&'a Node>,
}

fn component(c: &Component, ctx: &Ctx, out: &mut Parsed) -> Target {
    let mut t = ctx.target(c.container, c.pos);
    let pick = |key: &str| {
        c.section
            .get(key)
            .or_else(|| c.fallback.and_then(|f| f.get(key)))
    };
    let res: Resources = super::resources(pick("resources"), out);
    res.apply(&mut t);
    super::image(c.section, &mut t);
    if let Some(tc) = c
        .template_container
        .and_then(|n| c.section.at(&["template", n]))
    {
        super::env(tc.get("env"), &mut t);
        crate::sources::k8s::security(tc.get("securityContext"), None, &mut t);
    }
    let mut line = Line::default();
    let jvm = pick("jvmOptions");
    let heap = match c.script {
        Script::Dynamic { pct, max } => dynamic_rule(&res, jvm, pct, max, c.pos, &mut line),
        Script::Bridge => bridge_rule(&res, jvm, c.pos, &mut line),
        Script::Operator => operator_rule(&res, jvm, c.pos, &mut line),
    };
    t.heap_rule = heap;
    line.finish(main_class(c.container), &mut t);
    t
}

fn push_component(c: &Component, ctx: &Ctx, out: &mut Parsed) {
    let t = component(c, ctx, out);
    out.targets.push(t);
}

fn main_class(container: &str) -> &'static str {
    match container {
        "zookeeper" => "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        "connect" => "org.apache.kafka.connect.cli.ConnectDistributed",
        "mirrormaker2" => "org.apache.kafka.connect.cli.ConnectDistributed",
        "cruise-control" => "com.linkedin.kafka.cruisecontrol.KafkaCruiseControlMain",
        "bridge" => "io.strimzi.kafka.bridge.Application",
        "topic-operator" => "io.strimzi.operator.topic.TopicOperatorMain",
        "user-operator" => "io.strimzi.operator.user.Main",
        _ => "kafka.Kafka",
    }
}

fn request_words(res: &Resources) -> String {
    match &res.memory_request {
        Field::Known(r) => format!("the memory request {} is not a limit", super::size(r.value)),
        _ => "no memory limit".into(),
    }
}

fn dynamic_rule(
    res: &Resources,
    jvm: Option<&Node>,
    pct: u32,
    max: Option<u64>,
    pos: Pos,
    line: &mut Line,
) -> Option<HeapRule> {
    let (xmx, xms) = jvm_options(jvm, line);
    if xmx {
        return None;
    }
    let cap = max
        .map(|m| format!(", at most {}", super::size(m)))
        .unwrap_or_default();
    if res.any_memory() {
        if xms {
            return Some(HeapRule {
                source: "JVM default (jvmOptions sets -Xms without -Xmx: Strimzi's dynamic heap does not run)".into(),
                bytes: None,
                jvm_default: true,
                refused: None,
                not_from_limit: None,
                pos,
            });
        }
        return Some(match &res.memory_limit {
            Field::Known(l) => {
                let cpus = res.cpu_limit.known();
                let b = dynamic_heap(l.value, pct, max, cpus);
                line.push(format!("-Xms{b}"), l.pos);
                line.push(format!("-Xmx{b}"), l.pos);
                HeapRule {
                    source: format!("Strimzi default ({pct}% of the memory limit{cap})"),
                    bytes: Some(b),
                    jvm_default: false,
                    refused: None,
                    not_from_limit: None,
                    pos: l.pos,
                }
            }
            _ => HeapRule {
                source: format!("Strimzi default ({pct}% of node RAM{cap}: no memory limit)"),
                bytes: None,
                jvm_default: false,
                refused: None,
                not_from_limit: Some(format!(
                    "{pct}% of the node's RAM{cap} ({})",
                    request_words(res)
                )),
                pos: res.memory_request.pos().unwrap_or(pos),
            },
        });
    }
    if !xms {
        line.push("-Xms128M", pos);
    }
    Some(HeapRule {
        source: "JVM default (Strimzi passes only -Xms128M without resources, which also turns off Kafka's own -Xmx1G)".into(),
        bytes: None,
        jvm_default: true,
        refused: None,
        not_from_limit: None,
        pos,
    })
}

fn bridge_rule(res: &Resources, jvm: Option<&Node>, pos: Pos, line: &mut Line) -> Option<HeapRule> {
    // The script's -Xms/-Xmx come first, jvmOptions later: the user's own win, and a default
    // they do not override stays (an -Xms above it stops the JVM).
    let mut user = Line::default();
    let (xmx, _) = jvm_options(jvm, &mut user);
    let user_xms = user.has(|w| w.starts_with("-Xms"));
    let rule = match &res.memory_limit {
        Field::Known(l) => bridge_heap(l.value, res.cpu_limit.known()).map(|b| {
            if !user_xms {
                line.push(format!("-Xms{}m", b / MIB), l.pos);
            }
            if !xmx {
                line.push(format!("-Xmx{}m", b / MIB), l.pos);
            }
            HeapRule {
                source: "Strimzi bridge default (50% of the JVM's default heap: 12.5% of the memory limit)".into(),
                bytes: Some(b),
                jvm_default: false,
                refused: None,
                not_from_limit: None,
                pos: l.pos,
            }
        }),
        _ => Some(HeapRule {
            source: "Strimzi bridge default (12.5% of node RAM: no memory limit)".into(),
            bytes: None,
            jvm_default: false,
            refused: None,
            not_from_limit: res
                .any_memory()
                .then(|| format!("12.5% of the node's RAM ({})", request_words(res))),
            pos: res.memory_request.pos().unwrap_or(pos),
        }),
    };
    line.append(user);
    if xmx {
        None
    } else {
        rule
    }
}

fn operator_rule(
    res: &Resources,
    jvm: Option<&Node>,
    pos: Pos,
    line: &mut Line,
) -> Option<HeapRule> {
    let (xmx, _) = jvm_options(jvm, line);
    if xmx || line.has(|w| w.contains("Xmx")) {
        return None;
    }
    Some(match &res.memory_limit {
        Field::Known(l) => {
            let b = l.value * 20 / 100 / MIB * MIB;
            line.push(format!("-Xmx{}m", b / MIB), l.pos);
            HeapRule {
                source: "Strimzi operator image default (20% of the memory limit)".into(),
                bytes: Some(b),
                jvm_default: false,
                refused: None,
                not_from_limit: None,
                pos: l.pos,
            }
        }
        _ => {
            line.push("-XX:MinRAMPercentage=10", pos);
            line.push("-XX:MaxRAMPercentage=20", pos);
            line.push("-XX:InitialRAMPercentage=10", pos);
            HeapRule {
                source: "Strimzi operator image default (20% of node RAM: no memory limit)".into(),
                bytes: None,
                jvm_default: false,
                refused: None,
                not_from_limit: res
                    .any_memory()
                    .then(|| format!("20% of the node's RAM ({})", request_words(res))),
                pos: res.memory_request.pos().unwrap_or(pos),
            }
        }
    })
}

fn cluster_label(o: &Node) -> Option<&str> {
    o.at(&["metadata", "labels", "strimzi.io/cluster"])
        .and_then(Node::str)
}

fn name_of(o: &Node) -> Option<&str> {
    o.at(&["metadata", "name"]).and_then(Node::str)
}

fn namespace_of(o: &Node) -> Option<&str> {
    o.at(&["metadata", "namespace"]).and_then(Node::str)
}

fn roles(pool: &Node) -> String {
    let r: Vec<&str> = pool
        .at(&["spec", "roles"])
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::str)
        .collect();
    if r.is_empty() {
        "no roles".into()
    } else {
        r.join(", ")
    }
}

/// A node pool's target: its own `resources`/`jvmOptions`, else the Kafka's `spec.kafka` ones.
fn pool_target(pool: &Node, kafka_spec: Option<&Node>, ctx: &Ctx, out: &mut Parsed) {
    let Some((sk, spec)) = pool.entry("spec") else {
        out.problems
            .push((pool.pos, "KafkaNodePool without spec".into()));
        return;
    };
    let base = Object {
        kind: "KafkaNodePool".into(),
        name: name_of(pool).map(str::to_owned),
        namespace: namespace_of(pool).map(str::to_owned),
        container: None,
    };
    let mut allows = ctx.allows.to_vec();
    allows.extend(crate::sources::k8s::annotation_allows(pool.get("metadata")));
    let pctx = Ctx {
        base: &base,
        allows: &allows,
        helm: ctx.helm,
        stream: ctx.stream,
    };
    let mut t = component(
        &Component {
            section: spec,
            pos: sk.pos,
            container: "kafka",
            script: Script::Dynamic {
                pct: 50,
                max: Some(5 * GIB),
            },
            template_container: Some("kafkaContainer"),
            fallback: kafka_spec,
        },
        &pctx,
        out,
    );
    if t.image.is_none() {
        if let Some(k) = kafka_spec {
            super::image(k, &mut t);
        }
    }
    t.notes.push(format!(
        "node pool of Kafka {} ({}; {} replicas)",
        cluster_label(pool).unwrap_or("?"),
        roles(pool),
        spec.get("replicas")
            .and_then(Node::int)
            .map_or("?".into(), |r| r.to_string())
    ));
    if kafka_spec.is_none() {
        t.notes.push(format!(
            "its Kafka {} is not in this input: resources and jvmOptions it might set for the pool are not seen",
            cluster_label(pool).unwrap_or("?")
        ));
    }
    out.targets.push(t);
}

/// `Kafka`: brokers/controllers (through its node pools in the same input, else `spec.kafka`),
/// ZooKeeper, entity operator, Cruise Control.
pub fn kafka(o: &Node, ctx: &Ctx, out: &mut Parsed) {
    let Some(spec) = o.get("spec") else {
        out.problems.push((o.pos, "Kafka without spec".into()));
        return;
    };
    let name = name_of(o);
    let ns = namespace_of(o);
    let kspec = spec.entry("kafka");
    let pools: Vec<&Node> = ctx
        .stream
        .pools
        .iter()
        .copied()
        .filter(|p| {
            cluster_label(p) == name && (namespace_of(p) == ns || namespace_of(p).is_none())
        })
        .collect();
    let uses_pools = o
        .at(&["metadata", "annotations", "strimzi.io/node-pools"])
        .and_then(Node::str)
        == Some("enabled");
    if !pools.is_empty() {
        for p in pools {
            pool_target(p, kspec.map(|(_, v)| v), ctx, out);
        }
    } else if uses_pools {
        out.problems.push((
            o.pos,
            format!(
                "Kafka {}: strimzi.io/node-pools: enabled, but no KafkaNodePool labelled strimzi.io/cluster: {} is in this input (its brokers are not linted)",
                name.unwrap_or("-"),
                name.unwrap_or("-")
            ),
        ));
    } else if let Some((k, v)) = kspec {
        push_component(
            &Component {
                section: v,
                pos: k.pos,
                container: "kafka",
                script: Script::Dynamic {
                    pct: 50,
                    max: Some(5 * GIB),
                },
                template_container: Some("kafkaContainer"),
                fallback: None,
            },
            ctx,
            out,
        );
    }
    if let Some((k, v)) = spec.entry("zookeeper") {
        push_component(
            &Component {
                section: v,
                pos: k.pos,
                container: "zookeeper",
                script: Script::Dynamic {
                    pct: 75,
                    max: Some(2 * GIB),
                },
                template_container: Some("zookeeperContainer"),
                fallback: None,
            },
            ctx,
            out,
        );
    }
    if let Some((k, v)) = spec.entry("cruiseControl") {
        push_component(
            &Component {
                section: v,
                pos: k.pos,
                container: "cruise-control",
                script: Script::Dynamic { pct: 75, max: None },
                template_container: Some("cruiseControlContainer"),
                fallback: None,
            },
            ctx,
            out,
        );
    }
    if let Some(eo) = spec.get("entityOperator") {
        for (key, container, tc) in [
            ("topicOperator", "topic-operator", "topicOperatorContainer"),
            ("userOperator", "user-operator", "userOperatorContainer"),
        ] {
            if let Some((k, v)) = eo.entry(key) {
                // `topicOperator: {}` is how the examples enable it: an empty map is a map.
                let mut t = component(
                    &Component {
                        section: v,
                        pos: k.pos,
                        container,
                        script: Script::Operator,
                        template_container: None,
                        fallback: None,
                    },
                    ctx,
                    out,
                );
                if let Some(tcn) = eo.at(&["template", tc]) {
                    super::env(tcn.get("env"), &mut t);
                }
                out.targets.push(t);
            }
        }
    }
}

/// A `KafkaNodePool` whose `Kafka` is not in the input (else [`kafka`] reads it).
pub fn lone_pool(o: &Node, ctx: &Ctx, out: &mut Parsed) {
    let cluster = cluster_label(o);
    let ns = namespace_of(o);
    let has_kafka = ctx
        .stream
        .kafkas
        .iter()
        .any(|k| name_of(k) == cluster && (namespace_of(k) == ns || ns.is_none()));
    if has_kafka {
        // Counted as an object; its target comes with its Kafka.
        return;
    }
    if cluster.is_none() {
        out.problems.push((
            o.pos,
            format!(
                "KafkaNodePool {}: no strimzi.io/cluster label (Strimzi ignores it)",
                name_of(o).unwrap_or("-")
            ),
        ));
    }
    pool_target(o, None, ctx, out);
}

/// `KafkaConnect`, `KafkaMirrorMaker2`, `KafkaBridge`: one container each.
pub fn other(o: &Node, kind: &str, ctx: &Ctx, out: &mut Parsed) {
    let Some((k, spec)) = o.entry("spec") else {
        out.problems.push((o.pos, format!("{kind} without spec")));
        return;
    };
    let (container, script, tc) = match kind {
        "KafkaConnect" => (
            "connect",
            Script::Dynamic { pct: 75, max: None },
            "connectContainer",
        ),
        "KafkaMirrorMaker2" => (
            "mirrormaker2",
            Script::Dynamic { pct: 75, max: None },
            "connectContainer",
        ),
        _ => ("bridge", Script::Bridge, "bridgeContainer"),
    };
    push_component(
        &Component {
            section: spec,
            pos: k.pos,
            container,
            script,
            template_container: Some(tc),
            fallback: None,
        },
        ctx,
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Kafka image's dynamic heap against what the JVM itself prints for the same
    /// percentage (checked with `java -XX:MaxRAM=8g -XX:MaxRAMPercentage=50 -XshowSettings:vm`:
    /// 4.00G; 3g → 1.50G; 1000m → 500.00M). The integration tests run the real JVM.
    #[test]
    fn dynamic_heaps() {
        assert_eq!(dynamic_heap(8 * GIB, 50, Some(5 * GIB), None), 4 * GIB);
        assert_eq!(dynamic_heap(16 * GIB, 50, Some(5 * GIB), None), 5 * GIB);
        assert_eq!(dynamic_heap(3 * GIB, 50, None, None), 1536 * MIB);
        // One CPU: the serial collector, whose estimate leaves out a survivor space.
        assert_eq!(dynamic_heap(1000 * MIB, 75, None, Some(1.0)), 760_217_600);
        assert_eq!(dynamic_heap(2 * GIB, 75, Some(2 * GIB), None), 1536 * MIB);
        // 2 GiB: the JVM's default heap estimate is 512.00M, the bridge takes half.
        assert_eq!(bridge_heap(2 * GIB, None), Some(256 * MIB));
        // 1 GiB, half a CPU: serial, 256 MiB less a survivor space is 247.50M, half 123 MiB;
        // 2 GiB at 50% on one CPU: 989.88M, 1 GiB at 75%: 742.44M (as the JVM prints them).
        assert_eq!(
            dynamic_heap(2 * GIB, 50, None, Some(1.0)),
            (989.88 * MIB as f64) as u64
        );
        assert_eq!(
            dynamic_heap(GIB, 75, None, Some(1.0)),
            (742.44 * MIB as f64) as u64
        );
        assert_eq!(bridge_heap(GIB, Some(0.5)), Some(123 * MIB));
        assert_eq!(as_shown(2_000_000_000), (1.86f64 * GIB as f64) as u64);
    }
}
