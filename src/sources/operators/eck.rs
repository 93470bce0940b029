//! ECK, Elastic Cloud on Kubernetes: `Elasticsearch` (one target per `nodeSets[]` entry) and
//! `Logstash`.
//!
//! elastic/cloud-on-k8s:
//! - `pkg/controller/elasticsearch/nodespec/defaults.go`, `DefaultResources`: 2Gi memory
//!   request and limit, no CPU, for the `elasticsearch` container;
//!   `pkg/controller/logstash/pod.go`, `DefaultResources`: 2Gi memory request and limit, 1 CPU
//!   request, 2 CPU limit, for the `logstash` container. `PodTemplateBuilder.WithResources`
//!   applies them only when the pod template's container sets no resources: a `podTemplate`
//!   with any `resources` replaces the defaults whole (a request without a limit leaves no
//!   limit).
//! - ECK passes no heap of its own: `ES_JAVA_OPTS` / `LS_JAVA_OPTS` in the pod template's
//!   env are the user's.
//!
//! elastic/elasticsearch, the heap when no heap option is given:
//! - 7.11 and later, `MachineDependentHeap.determineHeapSettings` (distribution/tools/launchers
//!   in 7.x, server-cli in 8.x): by the node's roles (`node.roles` in `config`), from the
//!   memory the node sees (the container limit; node RAM without one), `-Xms` = `-Xmx`:
//!   master-only 60 % up to 31 GiB; data (any other, and no roles) under 1 GiB 40 % (at least
//!   128 MiB), else 50 % up to 31 GiB; ML-only in 7.x 40 % under 2 GiB else 25 % up to 2 GiB,
//!   in 8.x 40 % of the first 16 GiB plus 10 % of the rest, up to 31 GiB, in 4 MiB steps;
//!   legacy role settings (`node.master`, `node.data`, ... ) in 7.x: 1 GiB.
//! - Before 7.11: `config/jvm.options` holds `-Xms1g -Xmx1g`.
//!
//! elastic/logstash `config/jvm.options`: `-Xms1g -Xmx1g`; `LS_JAVA_OPTS` comes later and wins.
//! A volume mounted over `jvm.options` (or Elasticsearch's `jvm.options.d`) may set the heap:
//! then the heap is not known from the resource.

use super::{Ctx, HeapRule, Line, Resources};
use crate::sources::yaml::{Node, Pos};
use crate::sources::{At, Field, Parsed, Target};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Elasticsearch's node role as `MachineDependentHeap` classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EsRole {
    MasterOnly,
    MlOnly,
    Data,
    /// Legacy role settings (7.x): a fixed 1 GiB.
    Legacy,
}

/// `MachineDependentHeap`'s heap in MiB for a role, memory and major version.
pub fn es_auto_heap_mb(role: EsRole, mem: u64, major: u32) -> u64 {
    let mb = |b: u64| b / MIB;
    let max = 31 * GIB;
    match role {
        EsRole::MasterOnly => mb(((mem as f64 * 0.6) as u64).min(max)),
        EsRole::MlOnly if major >= 8 => {
            let b = if mem <= 16 * GIB {
                (mem as f64 * 0.4) as u64
            } else {
                ((16 * GIB) as f64 * 0.4 + (mem - 16 * GIB) as f64 * 0.1).min(max as f64) as u64
            };
            b / (4 * MIB) * 4
        }
        EsRole::MlOnly => {
            if mem < 2 * GIB {
                mb((mem as f64 * 0.4) as u64)
            } else {
                mb(((mem as f64 * 0.25) as u64).min(2 * GIB))
            }
        }
        EsRole::Data => {
            if mem < GIB {
                mb(((mem as f64 * 0.4) as u64).max(128 * MIB))
            } else {
                mb(((mem as f64 * 0.5) as u64).min(max))
            }
        }
        EsRole::Legacy => 1024,
    }
}

fn es_role(config: Option<&Node>) -> (EsRole, String) {
    const LEGACY: &[&str] = &[
        "node.master",
        "node.ingest",
        "node.data",
        "node.voting_only",
        "node.ml",
        "node.transform",
        "node.remote_cluster_client",
    ];
    let Some(c) = config else {
        return (EsRole::Data, "no node.roles: data".into());
    };
    if let Some(k) = LEGACY
        .iter()
        .find(|k| c.get(k).is_some() || c.at(&k.split('.').collect::<Vec<_>>()).is_some())
    {
        return (EsRole::Legacy, format!("legacy {k}"));
    }
    let roles = c.get("node.roles").or_else(|| c.at(&["node", "roles"]));
    let list: Vec<&str> = roles
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::str)
        .collect();
    let only = |allowed: &[&str]| list.iter().all(|r| allowed.contains(r));
    let role = if list.is_empty() {
        EsRole::Data
    } else if only(&["master"]) {
        EsRole::MasterOnly
    } else if list.contains(&"ml") && only(&["ml", "remote_cluster_client"]) {
        EsRole::MlOnly
    } else {
        EsRole::Data
    };
    (role, format!("node.roles [{}]", list.join(", ")))
}

fn version(spec: &Node) -> Option<(u32, u32)> {
    let v = spec.get("version")?.str()?;
    let mut it = v.split(['.', '-']);
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// The main container of a pod template, its resources (or ECK's defaults) and its env.
fn container_facts(
    pod_template: Option<&Node>,
    name: &str,
    defaults: &Resources,
    defaults_text: &str,
    t: &mut Target,
    out: &mut Parsed,
) -> (Option<(String, Pos)>, bool) {
    let pspec = pod_template.and_then(|p| p.get("spec"));
    let c = super::template_container(pspec, name);
    let res_node = c.and_then(|c| c.get("resources"));
    let has_res = res_node.is_some_and(|r| !r.map().is_empty());
    if has_res {
        super::resources(res_node, out).apply(t);
    } else {
        defaults.apply(t);
        t.notes.push(format!(
            "no resources in the podTemplate's {name} container: ECK's defaults ({defaults_text})"
        ));
    }
    let mut opts = None;
    let mut mounted = false;
    if let Some(c) = c {
        super::env(c.get("env"), t);
        crate::sources::k8s::security(
            c.get("securityContext"),
            pspec.and_then(|s| s.get("securityContext")),
            t,
        );
        let var = if name == "elasticsearch" {
            "ES_JAVA_OPTS"
        } else {
            "LS_JAVA_OPTS"
        };
        opts = t
            .env
            .iter()
            .find(|e| e.name == var)
            .and_then(|e| e.value.clone().map(|v| (v, e.value_pos)));
        mounted = c
            .get("volumeMounts")
            .map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|m| m.get("mountPath").and_then(Node::str))
            .any(|p| {
                p.trim_end_matches('/').ends_with("jvm.options") || p.contains("jvm.options.d")
            });
    }
    (opts, mounted)
}

fn default_res(mem: u64, cpu: Option<(f64, f64)>, pos: Pos) -> Resources {
    let mut r = Resources {
        memory_limit: Field::Known(At::new(mem, pos)),
        memory_request: Field::Known(At::new(mem, pos)),
        ..Resources::default()
    };
    if let Some((req, lim)) = cpu {
        r.cpu_request = Field::Known(At::new(req, pos));
        r.cpu_limit = Field::Known(At::new(lim, pos));
        r.cpu_request_milli = Some((req * 1000.0) as i128);
    }
    r
}

fn has_heap(line: &Line) -> bool {
    line.has(|w| {
        w.starts_with("-Xmx")
            || w.starts_with("-Xms")
            || w.starts_with("-XX:MaxRAMPercentage")
            || w.starts_with("-XX:MaxHeapSize")
    })
}

/// `Elasticsearch`: each node set is a StatefulSet of one `elasticsearch` container.
pub fn elasticsearch(o: &Node, ctx: &Ctx, out: &mut Parsed) {
    let Some(spec) = o.get("spec") else {
        out.problems
            .push((o.pos, "Elasticsearch without spec".into()));
        return;
    };
    let ver = version(spec);
    for ns in spec.get("nodeSets").map(Node::seq).unwrap_or(&[]) {
        let (pos, set) = match ns.entry("name") {
            Some((k, v)) => (k.pos, v.str().unwrap_or("-")),
            None => (ns.pos, "-"),
        };
        let mut t = ctx.target(set, pos);
        super::image(spec, &mut t);
        let (opts, mounted) = container_facts(
            ns.get("podTemplate"),
            "elasticsearch",
            &default_res(2 * GIB, None, pos),
            "2Gi memory request and limit, no CPU",
            &mut t,
            out,
        );
        let mut line = Line::default();
        if let Some((v, p)) = &opts {
            line.push_options(v, *p);
        }
        let user_heap = has_heap(&line);
        let mut heap_line = Line::default();
        t.heap_rule = if user_heap {
            None
        } else if mounted {
            Some(HeapRule {
                source: "unknown (a volume is mounted over jvm.options / jvm.options.d)".into(),
                bytes: None,
                not_from_limit: None,
                jvm_default: false,
                refused: None,
                pos,
            })
        } else {
            Some(es_heap(ns, ver, &t, pos, &mut heap_line))
        };
        heap_line.append(line);
        heap_line.finish("org.elasticsearch.bootstrap.Elasticsearch", &mut t);
        t.notes.push(format!(
            "node set {set}: {} nodes",
            ns.get("count")
                .and_then(Node::int)
                .map_or("?".into(), |c| c.to_string())
        ));
        out.targets.push(t);
    }
}

fn es_heap(ns: &Node, ver: Option<(u32, u32)>, t: &Target, pos: Pos, line: &mut Line) -> HeapRule {
    let auto = ver.is_some_and(|(a, b)| (a, b) >= (7, 11));
    let limit = t.memory_limit.known();
    let lpos = t.memory_limit.pos().unwrap_or(pos);
    if !auto {
        line.push("-Xms1g", pos);
        line.push("-Xmx1g", pos);
        let v = ver.map_or("unknown version".into(), |(a, b)| format!("{a}.{b}"));
        return HeapRule {
            source: format!("Elasticsearch default jvm.options (-Xmx1g; {v}, before automatic heap sizing in 7.11)"),
            bytes: Some(GIB),
            not_from_limit: Some("the fixed -Xms1g -Xmx1g of Elasticsearch's default config/jvm.options (before 7.11)".into()),
            jvm_default: false,
            refused: None,
            pos,
        };
    }
    let (major, _) = ver.unwrap_or((8, 0));
    let (role, why) = es_role(ns.get("config"));
    match limit {
        Some(l) => {
            let mb = es_auto_heap_mb(role, l, major);
            line.push(format!("-Xms{mb}m"), lpos);
            line.push(format!("-Xmx{mb}m"), lpos);
            HeapRule {
                source: format!("Elasticsearch automatic heap ({why}; 7.11+)"),
                bytes: Some(mb * MIB),
                not_from_limit: (role == EsRole::Legacy).then(|| {
                    "a fixed 1 GiB (legacy node.* role settings turn automatic heap sizing off)"
                        .into()
                }),
                jvm_default: false,
                refused: None,
                pos: lpos,
            }
        }
        None => HeapRule {
            source: format!(
                "Elasticsearch automatic heap ({why}; 7.11+) of node RAM: no memory limit"
            ),
            bytes: None,
            not_from_limit: Some(format!(
                "the node's RAM ({why}: {} of it)",
                match role {
                    EsRole::MasterOnly => "60%",
                    EsRole::MlOnly => "25% to 40%",
                    EsRole::Data => "50%, up to 31 GiB",
                    EsRole::Legacy => "1 GiB whatever",
                }
            )),
            jvm_default: false,
            refused: None,
            pos,
        },
    }
}

/// `Logstash`: one `logstash` container.
pub fn logstash(o: &Node, ctx: &Ctx, out: &mut Parsed) {
    let Some((sk, spec)) = o.entry("spec") else {
        out.problems.push((o.pos, "Logstash without spec".into()));
        return;
    };
    let mut t = ctx.target("logstash", sk.pos);
    super::image(spec, &mut t);
    let (opts, mounted) = container_facts(
        spec.get("podTemplate"),
        "logstash",
        &default_res(2 * GIB, Some((1.0, 2.0)), sk.pos),
        "2Gi memory request and limit, 1 CPU request, 2 CPU limit",
        &mut t,
        out,
    );
    let mut line = Line::default();
    if mounted {
        t.heap_rule = Some(HeapRule {
            source: "unknown (a volume is mounted over jvm.options)".into(),
            bytes: None,
            not_from_limit: None,
            jvm_default: false,
            refused: None,
            pos: sk.pos,
        });
    } else {
        // config/jvm.options first, LS_JAVA_OPTS after it: a default the user's option
        // overrides is left out (the JVM takes the last), one it does not is kept.
        let pos = t.memory_limit.pos().unwrap_or(sk.pos);
        let mut user = Line::default();
        if let Some((v, p)) = &opts {
            user.push_options(v, *p);
        }
        if !user.has(|w| w.starts_with("-Xms")) {
            line.push("-Xms1g", pos);
        }
        if !user.has(|w| w.starts_with("-Xmx")) {
            line.push("-Xmx1g", pos);
        }
        if !has_heap(&user) {
            t.heap_rule = Some(HeapRule {
                source: "Logstash default config/jvm.options (-Xmx1g)".into(),
                bytes: Some(GIB),
                not_from_limit: Some(
                    "the fixed -Xms1g -Xmx1g of Logstash's default config/jvm.options".into(),
                ),
                jvm_default: false,
                refused: None,
                pos,
            });
        }
        line.append(user);
    }
    line.finish("org.logstash.Logstash", &mut t);
    out.targets.push(t);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MachineDependentHeapTests' cases (7.x and 8.x): data 8 GiB → 4096m, master-only 8 GiB →
    /// 4915m, data 512 MiB → 204m, ML-only 8 GiB → 2048m (7.x) / 3276m (8.x, 4 MiB steps).
    #[test]
    fn elasticsearch_auto_heap() {
        assert_eq!(es_auto_heap_mb(EsRole::Data, 8 * GIB, 8), 4096);
        assert_eq!(es_auto_heap_mb(EsRole::MasterOnly, 8 * GIB, 8), 4915);
        assert_eq!(es_auto_heap_mb(EsRole::Data, 512 * MIB, 8), 204);
        assert_eq!(es_auto_heap_mb(EsRole::Data, 200 * MIB, 8), 128);
        assert_eq!(es_auto_heap_mb(EsRole::Data, 128 * GIB, 8), 31 * 1024);
        assert_eq!(es_auto_heap_mb(EsRole::MlOnly, 8 * GIB, 7), 2048);
        assert_eq!(es_auto_heap_mb(EsRole::MlOnly, 8 * GIB, 8), 3276);
        assert_eq!(es_auto_heap_mb(EsRole::MlOnly, 32 * GIB, 8), 8192);
    }
}
