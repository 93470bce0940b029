//! The JVM operators' custom resources: one [`Target`] per JVM container the operator creates,
//! with the memory and CPU limits and the JVM options and heap that the operator and the
//! product really give it, defaults included. Each kind's rules live in its own module, read
//! from the operator's and the product's own source (named in each):
//!
//! | kind (apiVersion group) | module |
//! |---|---|
//! | `Kafka`, `KafkaNodePool`, `KafkaConnect`, `KafkaMirrorMaker2`, `KafkaBridge` (`kafka.strimzi.io`) | [`strimzi`] |
//! | `FlinkDeployment`, `FlinkSessionJob` (`flink.apache.org`) | [`flink`], [`flink_memory`] |
//! | `Elasticsearch` (`elasticsearch.k8s.elastic.co`), `Logstash` (`logstash.k8s.elastic.co`) | [`eck`] |
//! | `CassandraDatacenter` (`cassandra.datastax.com`) | [`cassandra`] |
//!
//! The heap each rule gives travels as JVM options on the target's command line (so the live
//! path's checks, `heap-exceeds-memory-limit` first, judge it) and as a [`HeapRule`] saying
//! which rule gave it (`heap_source`) and, when the product sizes it from something other than
//! the container's limit, from what (`heap-not-sized-from-limit`).

pub mod cassandra;
pub mod eck;
pub mod flink;
pub mod flink_memory;
pub mod strimzi;

use super::quantity;
use super::yaml::{Node, Pos};
use super::{At, Field, Object, Parsed, Site, Target};
use crate::jvm::options::split_options;

/// Is this object one of the operators' kinds? The group of `apiVersion` must match: a kind
/// name alone (`Kafka`) may belong to another CRD.
pub fn handles(api_version: &str, kind: &str) -> bool {
    let group = api_version.split('/').next().unwrap_or("");
    match kind {
        "Kafka" | "KafkaNodePool" | "KafkaConnect" | "KafkaMirrorMaker2" | "KafkaBridge" => {
            group == "kafka.strimzi.io"
        }
        "FlinkDeployment" | "FlinkSessionJob" => group == "flink.apache.org",
        "Elasticsearch" => group == "elasticsearch.k8s.elastic.co",
        "Logstash" => group == "logstash.k8s.elastic.co",
        "CassandraDatacenter" => group == "cassandra.datastax.com",
        _ => false,
    }
}

/// The objects of a stream other objects refer to: a `KafkaNodePool` names its `Kafka` by the
/// label `strimzi.io/cluster`, a `FlinkSessionJob` its session cluster by `deploymentName`.
#[derive(Default)]
pub struct Stream<'a> {
    pub kafkas: Vec<&'a Node>,
    pub pools: Vec<&'a Node>,
    pub flink_deployments: Vec<&'a Node>,
}

impl<'a> Stream<'a> {
    pub fn new(roots: impl Iterator<Item = &'a Node>) -> Self {
        let mut s = Stream::default();
        for r in roots {
            s.add(r, 0);
        }
        s
    }

    fn add(&mut self, o: &'a Node, depth: usize) {
        let kind = o.get("kind").and_then(Node::str).unwrap_or("");
        let api = o.get("apiVersion").and_then(Node::str).unwrap_or("");
        match kind {
            "List" if depth < 4 => {
                for i in o.get("items").map(Node::seq).unwrap_or(&[]) {
                    self.add(i, depth + 1);
                }
            }
            "Kafka" if handles(api, kind) => self.kafkas.push(o),
            "KafkaNodePool" if handles(api, kind) => self.pools.push(o),
            "FlinkDeployment" if handles(api, kind) => self.flink_deployments.push(o),
            _ => {}
        }
    }
}

/// Everything a target of an object shares.
pub struct Ctx<'a> {
    pub base: &'a Object,
    pub allows: &'a [String],
    pub helm: Option<&'a str>,
    pub stream: &'a Stream<'a>,
}

impl Ctx<'_> {
    /// A target for one JVM container of the object.
    pub fn target(&self, container: &str, pos: Pos) -> Target {
        Target {
            object: Object {
                container: Some(container.to_owned()),
                ..self.base.clone()
            },
            pos,
            annotation_allows: self.allows.to_vec(),
            helm_source: self.helm.map(str::to_owned),
            ..Target::default()
        }
    }

    /// The same object under another kind and name (a node pool of a Kafka).
    pub fn with_object<'b>(&'b self, base: &'b Object) -> Ctx<'b> {
        Ctx {
            base,
            allows: self.allows,
            helm: self.helm,
            stream: self.stream,
        }
    }
}

/// Read one operator object into targets.
pub fn object(o: &Node, kind: &str, ctx: &Ctx, out: &mut Parsed) {
    out.objects += 1;
    match kind {
        "Kafka" => strimzi::kafka(o, ctx, out),
        "KafkaNodePool" => strimzi::lone_pool(o, ctx, out),
        "KafkaConnect" | "KafkaMirrorMaker2" | "KafkaBridge" => strimzi::other(o, kind, ctx, out),
        "FlinkDeployment" => flink::deployment(o, ctx, out),
        "FlinkSessionJob" => flink::session_job(o, ctx, out),
        "Elasticsearch" => eck::elasticsearch(o, ctx, out),
        "Logstash" => eck::logstash(o, ctx, out),
        "CassandraDatacenter" => cassandra::datacenter(o, ctx, out),
        _ => out.skip(kind),
    }
}

/// The heap an operator or product gives the JVM by a rule of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct HeapRule {
    /// `heap_source` in JSON: which rule gave the heap.
    pub source: String,
    /// The max heap in bytes; None when it depends on what the file cannot say (node RAM).
    pub bytes: Option<u64>,
    /// When the product sizes the heap from something other than the container's memory
    /// limit: what that is, in words with its number (`heap-not-sized-from-limit`).
    pub not_from_limit: Option<String>,
    /// The product refuses these settings and does not start (Flink's memory model): why.
    pub refused: Option<String>,
    /// The JVM's own default applies (a share of the limit, or of node RAM without one).
    pub jvm_default: bool,
    /// The node that sets the size (the container's position when a default does).
    pub pos: Pos,
}

/// `resources` of a container spec as Kubernetes reads them.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub memory_limit: Field<u64>,
    pub memory_request: Field<u64>,
    pub cpu_limit: Field<f64>,
    pub cpu_request: Field<f64>,
    pub cpu_request_milli: Option<i128>,
}

impl Resources {
    pub fn any_memory(&self) -> bool {
        !matches!(self.memory_limit, Field::Absent) || !matches!(self.memory_request, Field::Absent)
    }

    /// Put the limits on the target.
    pub fn apply(&self, t: &mut Target) {
        t.memory_limit = self.memory_limit.clone();
        t.cpu_limit = self.cpu_limit.clone();
        t.cpu_request = self.cpu_request.clone();
        t.cpu_request_milli = self.cpu_request_milli;
    }
}

fn quantity_of(
    entry: Option<(&Node, &Node)>,
    what: &str,
    out: &mut Parsed,
) -> Field<quantity::Quantity> {
    let Some((k, v)) = entry else {
        return Field::Absent;
    };
    let text = match v.str() {
        Some(s) => s.to_owned(),
        None => {
            let msg = format!("{what}: not a quantity");
            out.problems.push((k.pos, msg.clone()));
            return Field::Invalid(At::new(msg, k.pos));
        }
    };
    match quantity::parse(&text) {
        Ok(q) if !q.negative => Field::Known(At::new(q, k.pos)),
        Ok(_) => {
            let msg = format!("{what}: {text:?} is negative");
            out.problems.push((k.pos, msg.clone()));
            Field::Invalid(At::new(msg, k.pos))
        }
        Err(e) => {
            let msg = format!("{what}: {text:?}: {e}");
            out.problems.push((k.pos, msg.clone()));
            Field::Invalid(At::new(msg, k.pos))
        }
    }
}

fn map<T: Copy, U>(f: Field<T>, g: impl Fn(T) -> U) -> Field<U> {
    match f {
        Field::Absent => Field::Absent,
        Field::Known(a) => Field::Known(At::new(g(a.value), a.pos)),
        Field::Invalid(a) => Field::Invalid(a),
    }
}

/// A `resources:` node (`limits`, `requests`); the API server defaults an unset CPU request
/// to the limit.
pub fn resources(node: Option<&Node>, out: &mut Parsed) -> Resources {
    let limits = node.and_then(|r| r.get("limits"));
    let requests = node.and_then(|r| r.get("requests"));
    let mem_l = quantity_of(limits.and_then(|l| l.entry("memory")), "limits.memory", out);
    let mem_r = quantity_of(
        requests.and_then(|l| l.entry("memory")),
        "requests.memory",
        out,
    );
    let cpu_l = quantity_of(limits.and_then(|l| l.entry("cpu")), "limits.cpu", out);
    let cpu_r = quantity_of(requests.and_then(|l| l.entry("cpu")), "requests.cpu", out);
    let req = match (&cpu_r, &cpu_l) {
        (Field::Absent, Field::Known(_)) => cpu_l.clone(),
        _ => cpu_r,
    };
    Resources {
        memory_limit: map(mem_l, |q| q.bytes().unwrap_or(0)),
        memory_request: map(mem_r, |q| q.bytes().unwrap_or(0)),
        cpu_request_milli: req.known().map(|q| q.milli_value()),
        cpu_limit: map(cpu_l, |q| q.milli_value() as f64 / 1000.0),
        cpu_request: map(req, |q| q.milli_value() as f64 / 1000.0),
    }
}

/// The JVM command line a target runs: words with the node each comes from. Every word is a
/// site ("command line"), so findings on an option point at the node that set it.
#[derive(Default)]
pub struct Line {
    words: Vec<(String, Pos)>,
}

impl Line {
    pub fn push(&mut self, w: impl Into<String>, pos: Pos) {
        self.words.push((w.into(), pos));
    }

    /// Options from a string (`ES_JAVA_OPTS`, `env.java.opts`), all at its node.
    pub fn push_options(&mut self, s: &str, pos: Pos) {
        for w in split_options(s) {
            self.words.push((w, pos));
        }
    }

    /// `java OPTIONS... MAIN` on the target.
    pub fn finish(self, main: &str, t: &mut Target) {
        let mut java = vec!["java".to_owned()];
        for (w, pos) in self.words {
            t.sites.push(Site {
                source: "command line".into(),
                text: w.clone(),
                pos,
            });
            java.push(w);
        }
        java.push(main.to_owned());
        t.java_command = java;
    }

    /// Another line's words after this one's.
    pub fn append(&mut self, other: Line) {
        self.words.extend(other.words);
    }

    pub fn has(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.words.iter().any(|(w, _)| pred(w))
    }
}

/// The image of a spec (`spec.image`), and the JDK it names.
pub fn image(spec: &Node, t: &mut Target) {
    if let Some(i) = spec.get("image") {
        if let Some(s) = i.str() {
            t.image = Some(At::new(s.to_owned(), i.pos));
            t.jdk = super::image::jdk_of(s);
        }
    }
}

/// The container named `name` in a pod template (`spec.containers[]`), as the plain manifest
/// reader sees it: env, command, securityContext, resources.
pub fn template_container<'a>(pod_spec: Option<&'a Node>, name: &str) -> Option<&'a Node> {
    pod_spec?
        .get("containers")
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .find(|c| c.get("name").and_then(Node::str) == Some(name))
}

/// Env values of a list of `{name, value}` (a container's `env`), with positions, also as
/// the target's env (secrets, JAVA_TOOL_OPTIONS, ...).
pub fn env(list: Option<&Node>, t: &mut Target) {
    super::k8s::env_list(list, t);
}

/// `a` as a whole share of `b` in percent, for prose.
pub fn pct(a: u64, b: u64) -> String {
    if b == 0 {
        return "?".into();
    }
    format!("{:.0}%", a as f64 * 100.0 / b as f64)
}

/// Bytes as MiB or GiB for prose.
pub fn size(b: u64) -> String {
    crate::units::bytes(b)
}

/// The words of a `-D` list (`javaSystemProperties`: `[{name, value}]`).
pub fn system_properties(list: Option<&Node>, line: &mut Line) {
    for p in list.map(Node::seq).unwrap_or(&[]) {
        if let (Some(n), Some(v)) = (
            p.get("name").and_then(Node::str),
            p.get("value").and_then(Node::str),
        ) {
            line.push(format!("-D{n}={v}"), p.pos);
        }
    }
}

#[cfg(test)]
mod props;
