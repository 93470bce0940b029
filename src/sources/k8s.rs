//! Kubernetes manifests to targets: every container of a `Pod`, `Deployment`, `StatefulSet`,
//! `DaemonSet`, `ReplicaSet`, `ReplicationController`, `Job`, `CronJob` or `PodTemplate`
//! (also inside `kind: List`), and the driver and executor of a `SparkApplication`
//! (`sparkoperator.k8s.io`). Facts come from the manifest alone, each with its position.
//!
//! Suppression annotation (kube-linter's convention, our domain): on the object or its pod
//! template, `ignore-check.ctune.dev/<id>: "why"` allows that check for every container of it.

use super::quantity;
use super::yaml::{self, Node, Pos, Value};
use super::{image, operators, At, EnvVar, Field, Object, Parsed, Site, Target, TmpfsDir};
use crate::findings::syntax;
use crate::jvm::options::{split_options, ENV_SOURCES};

/// The annotation prefix that allows one check on an object.
pub const IGNORE_ANNOTATION: &str = "ignore-check.ctune.dev/";
/// The annotation that states the JDK of every container of an object (or its pod template),
/// for images whose tag does not name it: `ctune.dev/jdk: "17.0.9"`.
pub const JDK_ANNOTATION: &str = "ctune.dev/jdk";

const POD_TEMPLATE_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
];

/// Read a manifest stream.
pub fn parse(text: &str) -> Parsed {
    let stream = yaml::parse(text);
    let sources = yaml::helm_sources(text);
    let mut out = Parsed::default();
    // Custom resources refer to each other across documents (node pools to their Kafka).
    let ops = operators::Stream::new(stream.documents.iter().map(|d| &d.root));
    // The last `# Source:` comment before each document (both in order: one pass).
    let mut next = 0;
    let mut helm: Option<&str> = None;
    for doc in &stream.documents {
        while next < sources.len() && sources[next].0 <= doc.root.pos.line {
            helm = Some(&sources[next].1);
            next += 1;
        }
        object(&doc.root, helm, &ops, &mut out, 0);
    }
    for (pos, msg) in &stream.errors {
        let file = Object {
            kind: "File".into(),
            ..Object::default()
        };
        out.findings.push((*pos, file, syntax::unparsable(msg)));
    }
    for d in &stream.duplicates {
        let f = syntax::duplicate_key(&d.key, d.first.line);
        out.findings.push((d.pos, object_at(&stream, d.pos), f));
    }
    out
}

/// The object (kind, name, namespace) of the document that holds `pos`.
fn object_at(stream: &yaml::Stream, pos: Pos) -> Object {
    let doc = stream
        .documents
        .iter()
        .take_while(|d| d.start.min(d.root.pos) <= pos)
        .last();
    let root = doc.map(|d| &d.root);
    let s = |path: &[&str]| {
        root.and_then(|r| r.at(path))
            .and_then(Node::str)
            .map(str::to_owned)
    };
    Object {
        kind: s(&["kind"]).unwrap_or_else(|| "File".into()),
        name: s(&["metadata", "name"]),
        namespace: s(&["metadata", "namespace"]),
        container: None,
    }
}

fn object(o: &Node, helm: Option<&str>, ops: &operators::Stream, out: &mut Parsed, depth: usize) {
    if !o.is_map() {
        return;
    }
    let kind = o.get("kind").and_then(Node::str).unwrap_or("");
    let meta = o.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Node::str);
    let namespace = meta.and_then(|m| m.get("namespace")).and_then(Node::str);
    let base = Object {
        kind: kind.to_owned(),
        name: name.map(str::to_owned),
        namespace: namespace.map(str::to_owned),
        container: None,
    };
    let allows = annotation_allows(meta);
    let api = o.get("apiVersion").and_then(Node::str).unwrap_or("");
    if operators::handles(api, kind) {
        let ctx = operators::Ctx {
            base: &base,
            allows: &allows,
            helm,
            stream: ops,
        };
        operators::object(o, kind, &ctx, out);
        return;
    }
    let template = match kind {
        "List" | "PodList" | "DeploymentList" if depth < 4 => {
            for item in o.get("items").map(Node::seq).unwrap_or(&[]) {
                object(item, helm, ops, out, depth + 1);
            }
            return;
        }
        "Pod" => Some((meta, o.get("spec"))),
        "PodTemplate" => o
            .get("template")
            .map(|t| (t.get("metadata"), t.get("spec"))),
        "CronJob" => o
            .at(&["spec", "jobTemplate", "spec", "template"])
            .map(|t| (t.get("metadata"), t.get("spec"))),
        k if POD_TEMPLATE_KINDS.contains(&k) => o
            .at(&["spec", "template"])
            .map(|t| (t.get("metadata"), t.get("spec"))),
        "SparkApplication" | "ScheduledSparkApplication" => {
            out.objects += 1;
            let spec = if kind == "ScheduledSparkApplication" {
                o.at(&["spec", "template"])
            } else {
                o.get("spec")
            };
            if let Some(spec) = spec {
                let before = out.targets.len();
                spark(spec, &base, &allows, helm, out);
                annotated_jdk(meta, None, before, out);
            }
            return;
        }
        "" => {
            out.skip("(no kind)");
            return;
        }
        other => {
            out.skip(other);
            return;
        }
    };
    out.objects += 1;
    let Some((tmeta, Some(spec))) = template else {
        out.problems.push((
            o.pos,
            format!("{kind} {}: no pod spec", name.unwrap_or("-")),
        ));
        return;
    };
    let mut allows = allows;
    allows.extend(annotation_allows(tmeta));
    let before = out.targets.len();
    pod(spec, &base, &allows, helm, out);
    annotated_jdk(meta, tmeta, before, out);
}

/// `ctune.dev/jdk` on the pod template (else the object) states the JDK of the targets from
/// `before` on; it wins over the image tag.
fn annotated_jdk(meta: Option<&Node>, tmeta: Option<&Node>, before: usize, out: &mut Parsed) {
    fn find(m: Option<&Node>) -> Option<&Node> {
        m.and_then(|m| m.get("annotations"))?
            .map()
            .iter()
            .find(|(k, _)| k.str() == Some(JDK_ANNOTATION))
            .map(|(_, v)| v)
    }
    let Some(v) = find(tmeta).or_else(|| find(meta)) else {
        return;
    };
    let text = v.str().unwrap_or("").trim();
    if crate::jvm::version::JavaVersion::parse(text).is_none() {
        out.problems.push((
            v.pos,
            format!(
                "{JDK_ANNOTATION}: {text:?} is not a Java version (e.g. \"17.0.9\", \"1.8.0_372\")"
            ),
        ));
        return;
    }
    for t in &mut out.targets[before..] {
        t.jdk = Some(text.to_owned());
        t.jdk_source = Some(format!("annotation {JDK_ANNOTATION}"));
        if let Some(i) = &mut t.image {
            // Findings about the JDK point at the annotation that states it.
            i.pos = v.pos;
        }
    }
}

pub(crate) fn annotation_allows(meta: Option<&Node>) -> Vec<String> {
    meta.and_then(|m| m.get("annotations"))
        .map(Node::map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, _)| k.str()?.strip_prefix(IGNORE_ANNOTATION).map(str::to_owned))
        .collect()
}

/// Volumes of a pod spec that are memory-backed: name → (sizeLimit, position of `medium`).
fn memory_volumes(spec: &Node) -> std::collections::HashMap<String, (Option<u64>, Pos)> {
    spec.get("volumes")
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| {
            let name = v.get("name")?.str()?;
            let ed = v.get("emptyDir")?;
            let (mk, mv) = ed.entry("medium")?;
            if mv.str() != Some("Memory") {
                return None;
            }
            let size = ed
                .get("sizeLimit")
                .and_then(Node::str)
                .and_then(|s| quantity::parse(s).ok())
                .and_then(|q| q.bytes());
            Some((name.to_owned(), (size, mk.pos)))
        })
        .collect()
}

/// The memory-backed volumes a container mounts, as data directories.
fn tmpfs_mounts(
    c: &Node,
    vols: &std::collections::HashMap<String, (Option<u64>, Pos)>,
    t: &mut Target,
) {
    if vols.is_empty() {
        return;
    }
    let spark_dirs: std::collections::HashSet<String> = t
        .env
        .iter()
        .filter(|e| e.name == "SPARK_LOCAL_DIRS")
        .filter_map(|e| e.value.as_deref())
        .flat_map(|v| v.split(','))
        .map(|d| d.trim_end_matches('/').to_owned())
        .collect();
    let tmpdirs: std::collections::HashSet<String> = t
        .sites
        .iter()
        .filter_map(|s| s.text.strip_prefix("-Djava.io.tmpdir="))
        .map(|d| d.trim_end_matches('/').to_owned())
        .collect();
    for m in c.get("volumeMounts").map(Node::seq).unwrap_or(&[]) {
        let (Some(vn), Some(path)) = (
            m.get("name").and_then(Node::str),
            m.get("mountPath").and_then(Node::str),
        ) else {
            continue;
        };
        let Some((size, pos)) = vols.get(vn) else {
            continue;
        };
        let p = path.trim_end_matches('/');
        let role = if spark_dirs.contains(p) {
            "spark-local-dir"
        } else if tmpdirs.contains(p) {
            "java.io.tmpdir"
        } else if p == "/tmp" {
            "tmpdir"
        } else {
            "emptyDir"
        };
        t.tmpfs.push(TmpfsDir {
            path: path.to_owned(),
            size_limit: *size,
            role: role.into(),
            pos: *pos,
        });
    }
}

fn pod(spec: &Node, base: &Object, allows: &[String], helm: Option<&str>, out: &mut Parsed) {
    let mem_vols = memory_volumes(spec);
    let psc = spec.get("securityContext");
    let host_users_false = spec.get("hostUsers").and_then(Node::bool) == Some(false);
    let containers = spec.get("containers").map(Node::seq).unwrap_or(&[]);
    if containers.is_empty() {
        out.problems
            .push((spec.pos, format!("{}: no containers", base.label())));
    }
    // Init containers (Liquibase, Flyway: often a JVM without limits) and ephemeral debug
    // containers run in the same pod and are checked the same way.
    let init = spec.get("initContainers").map(Node::seq).unwrap_or(&[]);
    let ephemeral = spec
        .get("ephemeralContainers")
        .map(Node::seq)
        .unwrap_or(&[]);
    let debug = |i: usize| i >= containers.len() + init.len();
    for (i, c) in containers.iter().chain(init).chain(ephemeral).enumerate() {
        let mut t = container(c, base, psc, out);
        t.ephemeral = debug(i);
        t.host_users_false = host_users_false;
        t.annotation_allows = allows.to_vec();
        t.helm_source = helm.map(str::to_owned);
        tmpfs_mounts(c, &mem_vols, &mut t);
        out.targets.push(t);
    }
}

fn quantity_field(node: Option<(&Node, &Node)>, what: &str) -> Field<quantity::Quantity> {
    let Some((k, v)) = node else {
        return Field::Absent;
    };
    let text = match &v.value {
        Value::Scalar { text, .. } => text.clone(),
        _ => {
            return Field::Invalid(At::new(format!("{what}: not a quantity"), k.pos));
        }
    };
    match quantity::parse(&text) {
        Ok(q) if !q.negative => Field::Known(At::new(q, k.pos)),
        Ok(_) => Field::Invalid(At::new(format!("{what}: {text:?} is negative"), k.pos)),
        Err(e) => Field::Invalid(At::new(format!("{what}: {text:?}: {e}"), k.pos)),
    }
}

fn map_field<T: Copy, U>(f: Field<T>, g: impl Fn(T) -> U) -> Field<U> {
    match f {
        Field::Absent => Field::Absent,
        Field::Known(a) => Field::Known(At::new(g(a.value), a.pos)),
        Field::Invalid(a) => Field::Invalid(a),
    }
}

fn container(c: &Node, base: &Object, psc: Option<&Node>, out: &mut Parsed) -> Target {
    let name_entry = c.entry("name");
    let name = name_entry.and_then(|(_, v)| v.str()).map(str::to_owned);
    let mut t = Target {
        object: Object {
            container: name.clone(),
            ..base.clone()
        },
        pos: name_entry.map_or(c.pos, |(k, _)| k.pos),
        ..Target::default()
    };
    if let Some(img) = c.get("image") {
        if let Some(s) = img.str() {
            t.image = Some(At::new(s.to_owned(), img.pos));
            t.jdk = image::jdk_of(s);
            t.notes.extend(image::notes(s));
        }
    }
    let res = c.get("resources");
    let limits = res.and_then(|r| r.get("limits"));
    let requests = res.and_then(|r| r.get("requests"));
    let mem = quantity_field(limits.and_then(|l| l.entry("memory")), "limits.memory");
    if let Field::Known(a) = &mem {
        if a.value.is_fractional() {
            t.notes.push(format!(
                "limits.memory {} is not a whole number of bytes (Kubernetes reads the lower-case m as milli: {} bytes); the kubelet rounds it up to {} bytes",
                a.value, a.value, a.value.value()
            ));
        }
    }
    t.memory_limit = map_field(mem, |q| q.bytes().unwrap_or(0));
    let cpu_l = quantity_field(limits.and_then(|l| l.entry("cpu")), "limits.cpu");
    let cpu_r = quantity_field(requests.and_then(|l| l.entry("cpu")), "requests.cpu");
    // The API server defaults an unset request to the limit.
    let req = match (&cpu_r, &cpu_l) {
        (Field::Absent, Field::Known(_)) => cpu_l.clone(),
        _ => cpu_r,
    };
    t.cpu_request_milli = req.known().map(|q| q.milli_value());
    t.cpu_limit = map_field(cpu_l, |q| q.milli_value() as f64 / 1000.0);
    t.cpu_request = map_field(req, |q| q.milli_value() as f64 / 1000.0);
    for f in [
        &t.memory_limit as &dyn FieldProblem,
        &t.cpu_limit,
        &t.cpu_request,
    ] {
        if let Some(p) = f.problem() {
            out.problems.push(p);
        }
    }
    env(c, &mut t);
    command(c, &mut t);
    security(c.get("securityContext"), psc, &mut t);
    t
}

trait FieldProblem {
    fn problem(&self) -> Option<(Pos, String)>;
}

impl<T> FieldProblem for Field<T> {
    fn problem(&self) -> Option<(Pos, String)> {
        match self {
            Field::Invalid(a) => Some((a.pos, a.value.clone())),
            _ => None,
        }
    }
}

fn env(c: &Node, t: &mut Target) {
    env_list(c.get("env"), t);
}

/// A container's `env` list (also an operator's pod template's).
pub(crate) fn env_list(list: Option<&Node>, t: &mut Target) {
    for e in list.map(Node::seq).unwrap_or(&[]) {
        let Some((nk, nv)) = e.entry("name") else {
            continue;
        };
        let Some(name) = nv.str() else { continue };
        let value = e.entry("value");
        let v = value.and_then(|(_, v)| v.str()).map(str::to_owned);
        let value_pos = value.map_or(nk.pos, |(_, v)| v.pos);
        if v.as_deref().is_some_and(|v| !v.is_empty()) && super::secret_name(name) {
            t.secrets.push(At::new(name.to_owned(), nk.pos));
        }
        if let Some(val) = &v {
            if ENV_SOURCES.contains(&name) || name == "_JAVA_OPTIONS" {
                for w in split_options(val) {
                    t.sites.push(Site {
                        source: name.to_owned(),
                        text: w,
                        pos: value_pos,
                    });
                }
            }
        }
        t.env.push(EnvVar {
            name: name.to_owned(),
            value: v,
            name_pos: nv.pos,
            value_pos,
        });
    }
}

/// `command` + `args` (the image's entrypoint is unknown when only `args` is given: then only
/// args that start a command are read).
fn command(c: &Node, t: &mut Target) {
    let words = |n: Option<&Node>| -> Vec<(String, Pos)> {
        n.map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|w| w.str().map(|s| (s.to_owned(), w.pos)))
            .collect()
    };
    let mut line = words(c.get("command"));
    line.extend(words(c.get("args")));
    set_command(&line, t);
}

/// Record the command line's java invocation and its sites.
pub(crate) fn set_command(line: &[(String, Pos)], t: &mut Target) {
    let plain: Vec<String> = line.iter().map(|(w, _)| w.clone()).collect();
    let (java, ctune) = super::find_java(&plain);
    if ctune {
        let p = line
            .iter()
            .find(|(w, _)| w.rsplit('/').next() == Some("ctune") || w.contains("ctune exec"))
            .map_or(t.pos, |(_, p)| *p);
        t.ctune_exec = Some(p);
    }
    if java.is_empty() {
        return;
    }
    for (w, pos) in line {
        // A shell script: every word of it sits at the script's position.
        let parts = if w.contains(' ') {
            split_options(w)
        } else {
            vec![w.clone()]
        };
        for p in parts {
            t.sites.push(Site {
                source: "command line".into(),
                text: p,
                pos: *pos,
            });
        }
    }
    t.java_command = java;
}

pub(crate) fn security(csc: Option<&Node>, psc: Option<&Node>, t: &mut Target) {
    let pick = |key: &str| -> Option<(&Node, &Node)> {
        csc.and_then(|s| s.entry(key))
            .or_else(|| psc.and_then(|s| s.entry(key)))
    };
    if let Some((k, v)) = pick("runAsUser") {
        if let Some(u) = v.int().and_then(|u| u32::try_from(u).ok()) {
            t.uid = Some(At::new(u, k.pos));
        }
    }
    if let Some((k, v)) = pick("runAsNonRoot") {
        if let Some(b) = v.bool() {
            t.run_as_non_root = Some(At::new(b, k.pos));
        }
    }
    if let Some(csc) = csc {
        if let Some((k, v)) = csc.entry("privileged") {
            if v.bool() == Some(true) {
                t.privileged = Some(k.pos);
            }
        }
        for cap in csc
            .at(&["capabilities", "add"])
            .map(Node::seq)
            .unwrap_or(&[])
        {
            if let Some(s) = cap.str() {
                t.caps_add.push(At::new(s.to_owned(), cap.pos));
            }
        }
    }
}

// ---- SparkApplication -----------------------------------------------------------------------

/// Spark's own memory strings (`512m`, `2g`, `1024`: MiB without a unit), in bytes.
fn spark_mem(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.bytes().all(|c| c.is_ascii_digit()) {
        return s.parse::<u64>().ok().map(|m| m << 20);
    }
    let lower = s.to_ascii_lowercase();
    let t = lower.strip_suffix('b').unwrap_or(&lower);
    crate::jvm::options::parse_jvm_size(t)
}

fn spark(spec: &Node, base: &Object, allows: &[String], helm: Option<&str>, out: &mut Parsed) {
    let conf = spec.get("sparkConf");
    let conf_get = |k: &str| conf.and_then(|c| c.entry(k));
    let spec_image = spec.get("image");
    // The overhead factor: the spec's, else the role's or the older Kubernetes key in
    // sparkConf, else Spark's default: 0.10 for JVM apps, 0.40 for Python and R, whose
    // interpreters live outside the JVM (domain.md §6; Spark's running-on-kubernetes docs).
    let non_jvm = matches!(
        spec.get("type").and_then(Node::str),
        Some("Python") | Some("R")
    );
    let factor_of = |role: &str| -> (f64, &'static str) {
        let explicit = spec
            .get("memoryOverheadFactor")
            .and_then(Node::str)
            .or_else(|| {
                conf_get(&format!("spark.{role}.memoryOverheadFactor")).and_then(|(_, v)| v.str())
            })
            .or_else(|| {
                conf_get("spark.kubernetes.memoryOverheadFactor").and_then(|(_, v)| v.str())
            })
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|f| f.is_finite() && *f >= 0.0);
        match explicit {
            Some(f) => (f, "set"),
            None if non_jvm => (0.4, "Spark's default for Python and R apps"),
            None => (0.1, "Spark's default for JVM apps"),
        }
    };
    let tmpfs_dirs = conf_get("spark.kubernetes.local.dirs.tmpfs")
        .filter(|(_, v)| v.bool() == Some(true) || v.str() == Some("true"))
        .map(|(k, _)| k.pos);
    let mem_vols = memory_volumes(spec);
    for role in ["driver", "executor"] {
        let Some((rk, r)) = spec.entry(role) else {
            continue;
        };
        let mut t = Target {
            object: Object {
                container: Some(role.into()),
                ..base.clone()
            },
            pos: rk.pos,
            annotation_allows: allows.to_vec(),
            helm_source: helm.map(str::to_owned),
            ..Target::default()
        };
        t.annotation_allows.extend(annotation_allows(Some(r)));
        let img = r.get("image").or(spec_image);
        if let Some(i) = img {
            if let Some(s) = i.str() {
                t.image = Some(At::new(s.to_owned(), i.pos));
                t.jdk = image::jdk_of(s);
            }
        }
        // Memory: the pod's limit is memory + overhead; Spark itself sets -Xmx to memory.
        let mem = r
            .entry("memory")
            .or_else(|| conf_get(&format!("spark.{role}.memory")));
        let overhead = r
            .entry("memoryOverhead")
            .or_else(|| conf_get(&format!("spark.{role}.memoryOverhead")));
        let mut line: Vec<(String, Pos)> = vec![("java".into(), rk.pos)];
        let (factor, factor_why) = factor_of(role);
        // Without `memory`, Spark's default (spark.driver.memory / spark.executor.memory: 1g),
        // at the role's key.
        let default_mem = (mem.is_none()).then(|| {
            t.notes.push(format!(
                "{role}.memory not set: Spark's default spark.{role}.memory is 1g"
            ));
            1u64 << 30
        });
        let read = mem.map(|(mk, mv)| (mk.pos, mv.str().and_then(spark_mem), mv));
        if let Some(heap) = default_mem {
            let o = ((heap as f64 * factor) as u64).max(384 << 20);
            let over = overhead
                .and_then(|(_, v)| v.str())
                .and_then(spark_mem)
                .unwrap_or(o);
            t.memory_limit = Field::Known(At::new(heap + over, rk.pos));
            line.push((format!("-Xmx{}m", heap >> 20), rk.pos));
        }
        if let Some((mpos, parsed, mv)) = read {
            match parsed {
                Some(heap) => {
                    let over = match overhead.and_then(|(_, v)| v.str()).and_then(spark_mem) {
                        Some(o) => o,
                        None => {
                            let o = ((heap as f64 * factor) as u64).max(384 << 20);
                            t.notes.push(format!(
                                "memoryOverhead not set: the Spark operator's pod limit is memory + max({factor} x memory, 384 MiB) = {} MiB ({factor_why})",
                                (heap + o) >> 20
                            ));
                            o
                        }
                    };
                    t.memory_limit = Field::Known(At::new(heap + over, mpos));
                    line.push((format!("-Xmx{}m", heap >> 20), mpos));
                }
                None => {
                    let msg = format!(
                        "{role}.memory: {:?} is not a Spark size",
                        mv.str().unwrap_or("")
                    );
                    out.problems.push((mpos, msg.clone()));
                    t.memory_limit = Field::Invalid(At::new(msg, mpos));
                }
            }
        }
        let cores = r
            .entry("cores")
            .or_else(|| conf_get(&format!("spark.{role}.cores")));
        let req = r.entry("coreRequest").or(cores);
        if let Some((k, v)) = req {
            if let Some(q) = v.str().and_then(|s| quantity::parse(s).ok()) {
                t.cpu_request_milli = Some(q.milli_value());
                t.cpu_request = Field::Known(At::new(q.milli_value() as f64 / 1000.0, k.pos));
            }
        }
        if let Some((k, v)) = r.entry("coreLimit") {
            match v.str().map(quantity::parse) {
                Some(Ok(q)) => {
                    t.cpu_limit = Field::Known(At::new(q.milli_value() as f64 / 1000.0, k.pos))
                }
                _ => out
                    .problems
                    .push((k.pos, format!("{role}.coreLimit: not a quantity"))),
            }
        }
        // JVM options: javaOptions, then spark.<role>.extraJavaOptions.
        for (k, v) in [
            r.entry("javaOptions"),
            conf_get(&format!("spark.{role}.extraJavaOptions")),
        ]
        .into_iter()
        .flatten()
        {
            let _ = k;
            if let Some(s) = v.str() {
                for w in split_options(s) {
                    line.push((w, v.pos));
                }
            }
        }
        line.push(("org.apache.spark.deploy.SparkSubmit".into(), rk.pos));
        // The env of the role.
        env(r, &mut t);
        for e in r.get("envVars").map(Node::map).unwrap_or(&[]) {
            if let (Some(n), Some(v)) = (e.0.str(), e.1.str()) {
                if super::secret_name(n) {
                    t.secrets.push(At::new(n.to_owned(), e.0.pos));
                }
                t.env.push(EnvVar {
                    name: n.to_owned(),
                    value: Some(v.to_owned()),
                    name_pos: e.0.pos,
                    value_pos: e.1.pos,
                });
            }
        }
        set_command(&line, &mut t);
        security(
            r.get("securityContext"),
            spec.get("securityContext"),
            &mut t,
        );
        if let Some(pos) = tmpfs_dirs {
            t.tmpfs.push(TmpfsDir {
                path: "SPARK_LOCAL_DIRS".into(),
                size_limit: None,
                role: "spark-local-dir".into(),
                pos,
            });
        }
        tmpfs_mounts(r, &mem_vols, &mut t);
        out.targets.push(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop
spec:
  template:
    metadata:
      annotations:
        ignore-check.ctune.dev/secret-in-environment: \"test fixture\"
    spec:
      securityContext:
        runAsUser: 1000
      volumes:
        - name: scratch
          emptyDir: {medium: Memory, sizeLimit: 1Gi}
      containers:
        - name: app
          image: eclipse-temurin:17.0.9_9-jre
          command: [\"java\", \"-Xmx1900m\", \"-jar\", \"app.jar\"]
          env:
            - name: JAVA_TOOL_OPTIONS
              value: \"-XX:+UseG1GC\"
            - name: DB_PASSWORD
              value: hunter2
            - name: API_TOKEN
              valueFrom: {secretKeyRef: {name: s, key: t}}
          resources:
            requests: {cpu: 250m}
            limits: {memory: 2G, cpu: \"1.5\"}
          volumeMounts:
            - {name: scratch, mountPath: /tmp}
";

    #[test]
    fn jdk_annotation_states_the_jdk() {
        let y = "kind: Deployment\nmetadata:\n  name: a\n  annotations: {ctune.dev/jdk: \"1.8.0_181\"}\nspec:\n  template:\n    metadata:\n      annotations:\n        ctune.dev/jdk: \"11.0.2\"\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/acme/orders:1.4\n";
        let p = parse(y);
        let t = &p.targets[0];
        // The pod template's annotation is nearer the container: it wins.
        assert_eq!(t.jdk.as_deref(), Some("11.0.2"));
        assert_eq!(t.jdk_source.as_deref(), Some("annotation ctune.dev/jdk"));
        assert_eq!(t.image.as_ref().unwrap().pos.line, 9);
        let bad = parse(&y.replace("11.0.2", "eleven"));
        assert!(
            bad.problems
                .iter()
                .any(|(pos, m)| pos.line == 9 && m.contains("eleven")),
            "{:?}",
            bad.problems
        );
        assert_eq!(bad.targets[0].jdk, None);
    }

    #[test]
    fn a_deployment_gives_one_target_with_positions() {
        let p = parse(DEPLOY);
        assert_eq!(p.targets.len(), 1, "{p:?}");
        let t = &p.targets[0];
        assert_eq!(t.object.label(), "Deployment/orders app");
        assert_eq!(t.object.namespace.as_deref(), Some("shop"));
        assert_eq!(t.pos.line, 18);
        assert_eq!(t.memory_limit.known(), Some(2_000_000_000));
        assert_eq!(t.memory_limit.pos().unwrap().line, 30);
        assert_eq!(t.cpu_limit.known(), Some(1.5));
        assert_eq!(t.cpu_request.known(), Some(0.25));
        assert_eq!(t.jdk.as_deref(), Some("17.0.9"));
        assert_eq!(t.uid.as_ref().unwrap().value, 1000);
        assert_eq!(t.uid.as_ref().unwrap().pos.line, 13);
        assert_eq!(t.java_command[1], "-Xmx1900m");
        assert_eq!(t.secrets.len(), 1);
        assert_eq!(t.secrets[0].pos.line, 24);
        assert_eq!(t.tmpfs[0].role, "tmpdir");
        assert_eq!(t.tmpfs[0].size_limit, Some(1 << 30));
        assert_eq!(t.tmpfs[0].pos.line, 16);
        assert_eq!(t.annotation_allows, vec!["secret-in-environment"]);
        let site = t.sites.iter().find(|s| s.text == "-Xmx1900m").unwrap();
        assert_eq!(site.pos.line, 20);
    }

    #[test]
    fn lists_cronjobs_and_unknown_kinds() {
        let text = "\
kind: List
items:
  - kind: CronJob
    metadata: {name: nightly}
    spec:
      jobTemplate:
        spec:
          template:
            spec:
              containers: [{name: job, image: 'amazoncorretto:21'}]
  - kind: Service
    metadata: {name: web}
---
kind: ConfigMap
";
        let p = parse(text);
        assert_eq!(p.targets.len(), 1);
        assert_eq!(p.targets[0].object.kind, "CronJob");
        assert_eq!(p.targets[0].jdk.as_deref(), Some("21"));
        assert_eq!(p.skipped.len(), 2);
    }

    #[test]
    fn spark_driver_and_executor() {
        let text = "\
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata: {name: pi}
spec:
  image: apache/spark:3.5.1-java17
  sparkConf:
    spark.kubernetes.local.dirs.tmpfs: \"true\"
  driver:
    cores: 1
    coreLimit: 1200m
    memory: 512m
  executor:
    cores: 2
    memory: 4g
    memoryOverhead: 1g
    javaOptions: \"-XX:+UseG1GC -Xmx6g\"
";
        let p = parse(text);
        assert_eq!(p.targets.len(), 2);
        let d = &p.targets[0];
        assert_eq!(d.memory_limit.known(), Some((512 + 384) << 20));
        assert_eq!(d.cpu_limit.known(), Some(1.2));
        assert_eq!(d.tmpfs.len(), 1);
        assert_eq!(d.jdk.as_deref(), Some("17"));
        let e = &p.targets[1];
        assert_eq!(e.memory_limit.known(), Some(5 << 30));
        assert!(e.java_command.contains(&"-Xmx6g".to_owned()));
        assert_eq!(
            e.sites
                .iter()
                .find(|s| s.text == "-Xmx6g")
                .unwrap()
                .pos
                .line,
            16
        );
    }
}
