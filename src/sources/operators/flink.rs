//! Flink (`flink.apache.org`): `FlinkDeployment` (a job manager and a task manager target)
//! and `FlinkSessionJob` (no container of its own).
//!
//! apache/flink-kubernetes-operator, `FlinkConfigBuilder` (`applyJobManagerSpec`,
//! `applyTaskManagerSpec`, `setResource`, `parseResourceMemoryString`): `resource.memory` becomes
//! `jobmanager.memory.process.size` / `taskmanager.memory.process.size`, read first with
//! Flink's own `MemorySize.parse` (`2048m` = 2048 MiB, `2g` = 2 GiB, `2G` = 2 GiB too), and only
//! when Flink cannot read it as a Kubernetes quantity (`2Gi`); `resource.cpu` becomes
//! `kubernetes.{jobmanager,taskmanager}.cpu`. Both override the same keys in
//! `flinkConfiguration`.
//!
//! apache/flink, `KubernetesJobManagerParameters` / `KubernetesTaskManagerParameters` and
//! `KubernetesUtils.getResourceRequirements`: the main container's memory request and limit are
//! the process size in whole MiB times `kubernetes.*.memory.limit-factor` (1.0), the CPU
//! request is the cpu and the limit the cpu times `kubernetes.*.cpu.limit-factor` (1.0). What
//! a `podTemplate` sets for the memory and CPU of `flink-main-container` is overwritten.
//! The JVM gets `-Xmx`/`-Xms`, `-XX:MaxDirectMemorySize`, `-XX:MaxMetaspaceSize` from the memory
//! model ([`super::flink_memory`]) before `env.java.opts.all` (`env.java.opts` before 1.18) and
//! `env.java.opts.{jobmanager,taskmanager}`, which come later and win.

use super::flink_memory::{self, Inputs, Model, NetworkMax};
use super::{Ctx, HeapRule, Line};
use crate::sources::yaml::{Node, Pos};
use crate::sources::{quantity, At, Field, Parsed};

const MIB: u64 = 1 << 20;

/// `resource.memory` as the operator reads it: Flink's syntax first, then a quantity.
pub fn resource_memory(s: &str) -> Result<u64, String> {
    match flink_memory::parse_size(s) {
        Ok(b) => Ok(b),
        Err(flink_err) => match quantity::parse(s) {
            Ok(q) if !q.negative => q
                .bytes()
                .ok_or_else(|| format!("{s:?}: not a whole number of bytes")),
            _ => Err(flink_err),
        },
    }
}

/// `v1_17` → (1, 17).
fn version(spec: &Node) -> Option<(u32, u32)> {
    let v = spec.get("flinkVersion")?.str()?;
    let mut it = v.trim_start_matches('v').split('_');
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

struct Conf<'a> {
    map: Option<&'a Node>,
}

impl<'a> Conf<'a> {
    fn entry(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.map?.entry(key)
    }
    fn size(&self, key: &str, out: &mut Parsed) -> Option<u64> {
        let (k, v) = self.entry(key)?;
        let s = v.str()?;
        match flink_memory::parse_size(s) {
            Ok(b) => Some(b),
            Err(e) => {
                out.problems.push((k.pos, format!("{key}: {e}")));
                None
            }
        }
    }
    fn fraction(&self, key: &str, out: &mut Parsed) -> Option<f64> {
        let (k, v) = self.entry(key)?;
        match v.str()?.trim().parse::<f64>() {
            Ok(f) if (0.0..1.0).contains(&f) => Some(f),
            _ => {
                out.problems
                    .push((k.pos, format!("{key}: not a fraction in [0, 1)")));
                None
            }
        }
    }
    fn float(&self, key: &str) -> Option<f64> {
        self.entry(key)?.1.str()?.trim().parse().ok()
    }
}

fn inputs(conf: &Conf, role: &str, out: &mut Parsed) -> Inputs {
    let k = |s: &str| format!("{role}.memory.{s}");
    let tm = role == "taskmanager";
    Inputs {
        process: conf.size(&k("process.size"), out),
        flink: conf.size(&k("flink.size"), out),
        metaspace: conf.size(&k("jvm-metaspace.size"), out),
        overhead_fraction: conf.fraction(&k("jvm-overhead.fraction"), out),
        overhead_min: conf.size(&k("jvm-overhead.min"), out),
        overhead_max: conf.size(&k("jvm-overhead.max"), out),
        heap: conf.size(&k(if tm { "task.heap.size" } else { "heap.size" }), out),
        off_heap: if tm {
            None
        } else {
            conf.size(&k("off-heap.size"), out)
        },
        framework_heap: tm
            .then(|| conf.size(&k("framework.heap.size"), out))
            .flatten(),
        framework_off_heap: tm
            .then(|| conf.size(&k("framework.off-heap.size"), out))
            .flatten(),
        task_off_heap: tm
            .then(|| conf.size(&k("task.off-heap.size"), out))
            .flatten(),
        managed: tm.then(|| conf.size(&k("managed.size"), out)).flatten(),
        managed_fraction: tm
            .then(|| conf.fraction(&k("managed.fraction"), out))
            .flatten(),
        network_fraction: tm
            .then(|| conf.fraction(&k("network.fraction"), out))
            .flatten(),
        network_min: tm.then(|| conf.size(&k("network.min"), out)).flatten(),
        network_max: tm.then(|| conf.size(&k("network.max"), out)).flatten(),
    }
}

/// One role (`jobManager` / `taskManager`) of a deployment.
fn role(spec: &Node, key: &str, ctx: &Ctx, out: &mut Parsed) {
    let Some((rk, r)) = spec.entry(key) else {
        return;
    };
    let (name, prefix) = if key == "jobManager" {
        ("jobmanager", "jobmanager")
    } else {
        ("taskmanager", "taskmanager")
    };
    let mut t = ctx.target(name, rk.pos);
    super::image(spec, &mut t);
    let conf = Conf {
        map: spec.get("flinkConfiguration"),
    };
    let mut inp = inputs(&conf, prefix, out);
    let pkey = format!("{prefix}.memory.process.size");
    // Where the process size comes from: resource.memory, else the configuration key.
    let mut size_pos = conf.entry(&pkey).map(|(k, _)| k.pos);
    let mut size_text = conf
        .entry(&pkey)
        .and_then(|(_, v)| v.str())
        .map(|s| format!("{pkey}: {s}"));
    let resource = r.get("resource");
    if let Some((mk, mv)) = resource.and_then(|x| x.entry("memory")) {
        let text = mv.str().unwrap_or("");
        match resource_memory(text) {
            Ok(b) => {
                inp.process = Some(b);
                size_pos = Some(mk.pos);
                size_text = Some(format!(
                    "resource.memory {text:?} (Flink reads it as {} MiB)",
                    b / MIB
                ));
                if quantity::parse(text)
                    .ok()
                    .and_then(|q| q.bytes())
                    .is_some_and(|k8s| k8s != b)
                {
                    t.notes.push(format!(
                        "resource.memory {text:?} is read by Flink's MemorySize parser ({b} bytes), not as a Kubernetes quantity"
                    ));
                }
            }
            Err(e) => out
                .problems
                .push((mk.pos, format!("{key}.resource.memory: {e}"))),
        }
    }
    let cpu = resource
        .and_then(|x| x.entry("cpu"))
        .and_then(|(k, v)| {
            v.str()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .map(|c| (c, k.pos))
        })
        .or_else(|| {
            conf.entry(&format!("kubernetes.{prefix}.cpu"))
                .and_then(|(k, v)| v.str()?.trim().parse::<f64>().ok().map(|c| (c, k.pos)))
        });
    if let Some((c, pos)) = cpu {
        let factor = conf
            .float(&format!("kubernetes.{prefix}.cpu.limit-factor"))
            .unwrap_or(1.0);
        t.cpu_request = Field::Known(At::new(c, pos));
        t.cpu_request_milli = Some((c * 1000.0).round() as i128);
        t.cpu_limit = Field::Known(At::new(c * factor, pos));
    }
    let netmax = match version(spec) {
        Some((1, m)) if m <= 15 => NetworkMax::OneGib,
        _ => NetworkMax::Unbounded,
    };
    let model = if prefix == "jobmanager" {
        flink_memory::job_manager(&inp)
    } else {
        flink_memory::task_manager(&inp, netmax)
    };
    let pos = size_pos.unwrap_or(rk.pos);
    let mut line = Line::default();
    match (
        &model,
        inp.process.or(model.as_ref().ok().map(|m| m.process)),
    ) {
        (Ok(m), Some(_)) => {
            let factor = conf
                .float(&format!("kubernetes.{prefix}.memory.limit-factor"))
                .unwrap_or(1.0);
            let limit = ((m.process / MIB) as f64 * factor) as u64 * MIB;
            t.memory_limit = Field::Known(At::new(limit, pos));
            memory_flags(m, pos, &mut line);
            t.notes.push(format!("Flink memory model: {m}"));
            if m.network > (1 << 30) && netmax == NetworkMax::Unbounded && version(spec).is_none() {
                t.notes.push("no flinkVersion: taskmanager.memory.network.max taken as unbounded (newer Flink); releases up to 1.15 cap it at 1g".into());
            }
            t.heap_rule = Some(HeapRule {
                source: format!(
                    "Flink memory model ({})",
                    size_text.clone().unwrap_or_else(|| "derived".into())
                ),
                bytes: Some(m.heap),
                not_from_limit: None,
                jvm_default: false,
                refused: None,
                pos,
            });
        }
        (Err(e), _) if size_pos.is_some() || inp.heap.is_some() => {
            t.heap_rule = Some(refused(e, pos, inp.process));
            if let Some(p) = inp.process {
                t.memory_limit = Field::Known(At::new(p / MIB * MIB, pos));
            }
        }
        _ => {
            out.problems.push((
                rk.pos,
                format!(
                    "{key}: neither resource.memory nor {pkey} is set: the operator's validator rejects the deployment (Flink needs a memory size)"
                ),
            ));
        }
    }
    // The JVM options Flink adds after its own memory flags.
    for k in [
        "env.java.opts.all".to_owned(),
        "env.java.opts".to_owned(),
        format!("env.java.opts.{prefix}"),
    ] {
        if let Some((_, v)) = conf.entry(&k) {
            if let Some(s) = v.str() {
                line.push_options(s, v.pos);
            }
        }
    }
    // Pod templates: the role's, else the deployment's; env and securityContext of the main
    // container (its resources are overwritten by Flink).
    for pt in [r.get("podTemplate"), spec.get("podTemplate")]
        .into_iter()
        .flatten()
    {
        let pspec = pt.get("spec");
        if let Some(c) = super::template_container(pspec, "flink-main-container") {
            super::env(c.get("env"), &mut t);
            crate::sources::k8s::security(
                c.get("securityContext"),
                pspec.and_then(|s| s.get("securityContext")),
                &mut t,
            );
            if c.at(&["resources", "limits", "memory"]).is_some() {
                t.notes.push("podTemplate sets resources for flink-main-container: Flink overwrites its memory and CPU with resource.*".into());
            }
            break;
        }
    }
    let main = if prefix == "jobmanager" {
        "org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint"
    } else {
        "org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner"
    };
    line.finish(main, &mut t);
    out.targets.push(t);
}

fn refused(e: &flink_memory::ModelError, pos: Pos, process: Option<u64>) -> HeapRule {
    HeapRule {
        source: "Flink memory model (Flink refuses these settings)".into(),
        bytes: None,
        not_from_limit: None,
        jvm_default: false,
        refused: None,
        pos,
    }
    .with_refusal(&e.0, process)
}

fn memory_flags(m: &Model, pos: Pos, line: &mut Line) {
    line.push(format!("-Xmx{}", m.heap), pos);
    line.push(format!("-Xms{}", m.heap), pos);
    line.push(format!("-XX:MaxDirectMemorySize={}", m.direct), pos);
    line.push(format!("-XX:MaxMetaspaceSize={}", m.metaspace), pos);
}

/// `FlinkDeployment`: the job manager and the task manager.
pub fn deployment(o: &Node, ctx: &Ctx, out: &mut Parsed) {
    let Some(spec) = o.get("spec") else {
        out.problems
            .push((o.pos, "FlinkDeployment without spec".into()));
        return;
    };
    role(spec, "jobManager", ctx, out);
    role(spec, "taskManager", ctx, out);
}

/// Keys a session job cannot change: the cluster's processes are already running.
const CLUSTER_KEYS: &[&str] = &[
    "jobmanager.memory.",
    "taskmanager.memory.",
    "env.java.opts",
    "kubernetes.",
];

/// `FlinkSessionJob`: a job submitted to an existing session cluster. It runs in that
/// cluster's task managers and creates no container: nothing to lint of its own, but the
/// cluster-level keys it sets are said to be ignored.
pub fn session_job(o: &Node, ctx: &Ctx, out: &mut Parsed) {
    let name = o
        .at(&["metadata", "name"])
        .and_then(Node::str)
        .unwrap_or("-");
    let dep = o.at(&["spec", "deploymentName"]).and_then(Node::str);
    let in_input = dep.is_some_and(|d| {
        ctx.stream
            .flink_deployments
            .iter()
            .any(|f| f.at(&["metadata", "name"]).and_then(Node::str) == Some(d))
    });
    out.problems.push((
        o.pos,
        format!(
            "FlinkSessionJob {name} runs in the session cluster {} ({}): it creates no container of its own; its memory, CPU and JVM options are that cluster's job and task managers'",
            dep.unwrap_or("(no deploymentName)"),
            if in_input { "linted from this input" } else { "not in this input" }
        ),
    ));
    for (k, _) in o
        .at(&["spec", "flinkConfiguration"])
        .map(Node::map)
        .unwrap_or(&[])
    {
        if let Some(key) = k.str() {
            if CLUSTER_KEYS.iter().any(|p| key.starts_with(p)) {
                out.problems.push((
                    k.pos,
                    format!("{key}: a session job cannot change the running cluster's processes; this key has no effect"),
                ));
            }
        }
    }
}

impl HeapRule {
    /// Flink refuses the settings: the reason travels as `not_from_limit` = None and the
    /// refusal in `source` for the finding.
    fn with_refusal(mut self, why: &str, process: Option<u64>) -> Self {
        self.source = format!(
            "Flink memory model: {why}{}",
            process
                .map(|p| format!(" (process size {} MiB)", p / MIB))
                .unwrap_or_default()
        );
        self.refused = Some(why.to_owned());
        self
    }
}

/// The target of a role, for tests.
#[cfg(test)]
pub fn parse_one(text: &str) -> Vec<crate::sources::Target> {
    crate::sources::k8s::parse(text).targets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_memory_is_flinks_syntax_first() {
        assert_eq!(resource_memory("2048m"), Ok(2048 * MIB));
        assert_eq!(resource_memory("2G"), Ok(2 << 30));
        assert_eq!(resource_memory("2Gi"), Ok(2 << 30));
        assert_eq!(resource_memory("1500Mi"), Ok(1500 * MIB));
        assert!(resource_memory("lots").is_err());
    }

    #[test]
    fn a_deployment_gives_two_targets_sized_by_the_model() {
        let t = parse_one(
            "apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: basic}
spec:
  flinkVersion: v1_17
  flinkConfiguration:
    env.java.opts.taskmanager: -XX:+UseParallelGC
  jobManager:
    resource: {memory: \"2048m\", cpu: 1}
  taskManager:
    resource: {memory: \"1728m\", cpu: 2}
",
        );
        assert_eq!(t.len(), 2, "{t:?}");
        assert_eq!(t[0].memory_limit.known(), Some(2048 * MIB));
        assert_eq!(t[1].memory_limit.known(), Some(1728 * MIB));
        assert_eq!(t[1].heap_rule.as_ref().unwrap().bytes, Some(512 * MIB));
        assert_eq!(t[1].cpu_limit.known(), Some(2.0));
        assert!(t[1].java_command.contains(&"-XX:+UseParallelGC".to_owned()));
        assert_eq!(t[1].heap_rule.as_ref().unwrap().pos.line, 11);
    }
}
