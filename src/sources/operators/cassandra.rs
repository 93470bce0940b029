//! k8ssandra cass-operator (`cassandra.datastax.com`): `CassandraDatacenter`, one `cassandra`
//! container per node.
//!
//! k8ssandra/cass-operator: `spec.resources` is the `cassandra` container's; `spec.config`
//! goes through the config builder into the server's option files: `jvm-options` (3.11) or
//! `jvm-server-options` (4.x, DSE 6.8) with `initial_heap_size` / `max_heap_size` become `-Xms`
//! / `-Xmx`. Without them the server's `conf/cassandra-env.sh`, `calculate_heap_sizes`, sizes
//! the heap from `free -m` (`/proc/meminfo`: the node's RAM, not the container limit):
//! `max(min(1/2 ram, 1024MB), min(1/4 ram, 8GB))`. The management API image starts Cassandra
//! through the same script.

use super::{Ctx, HeapRule, Line};
use crate::sources::yaml::Node;
use crate::sources::Parsed;

const MIB: u64 = 1 << 20;

/// cassandra-env.sh's heap for `ram` bytes of node memory.
pub fn cassandra_env_heap(ram: u64) -> u64 {
    let ram_mb = ram / MIB;
    let half = (ram_mb / 2).min(1024);
    let quarter = (ram_mb / 4).min(8192);
    half.max(quarter) * MIB
}

pub fn datacenter(o: &Node, ctx: &Ctx, out: &mut Parsed) {
    let Some((sk, spec)) = o.entry("spec") else {
        out.problems
            .push((o.pos, "CassandraDatacenter without spec".into()));
        return;
    };
    let mut t = ctx.target("cassandra", sk.pos);
    super::resources(spec.get("resources"), out).apply(&mut t);
    let version = spec.get("serverVersion").and_then(Node::str).unwrap_or("");
    if let Some(i) = spec.get("serverImage") {
        if let Some(s) = i.str() {
            t.image = Some(crate::sources::At::new(s.to_owned(), i.pos));
            t.jdk = crate::sources::image::jdk_of(s);
        }
    }
    let mut line = Line::default();
    let config = spec.get("config");
    let jvm = ["jvm-server-options", "jvm-options"]
        .iter()
        .find_map(|k| config.and_then(|c| c.get(k)));
    let mut xmx = false;
    if let Some(j) = jvm {
        if let Some((_, v)) = j.entry("initial_heap_size") {
            if let Some(s) = v.str() {
                line.push(format!("-Xms{s}"), v.pos);
            }
        }
        if let Some((_, v)) = j.entry("max_heap_size") {
            if let Some(s) = v.str() {
                line.push(format!("-Xmx{s}"), v.pos);
                xmx = true;
            }
        }
        for (k, v) in j.map() {
            if let (Some(key), Some(val)) = (k.str(), v.str()) {
                if key.starts_with("-X") || key.starts_with("-D") {
                    line.push(
                        if val.is_empty() {
                            key.to_owned()
                        } else {
                            format!("{key}={val}")
                        },
                        k.pos,
                    );
                }
            }
        }
    }
    if !xmx {
        let limit = t.memory_limit.known();
        t.heap_rule = Some(HeapRule {
            source: "Cassandra default (cassandra-env.sh: max(min(1/2 node RAM, 1 GiB), min(1/4 node RAM, 8 GiB)))".into(),
            bytes: None,
            not_from_limit: Some(format!(
                "the node's RAM (cassandra-env.sh reads free -m: 1 GiB on a 4 GiB node, 8 GiB on any node with 32 GiB or more){}",
                limit.map(|l| format!("; with this limit it would be {}", super::size(cassandra_env_heap(l)))).unwrap_or_default()
            )),
            jvm_default: false,
            refused: None,
            pos: t.memory_limit.pos().unwrap_or(sk.pos),
        });
    }
    t.notes.push(format!(
        "{} {version}, {} nodes",
        spec.get("serverType")
            .and_then(Node::str)
            .unwrap_or("cassandra"),
        spec.get("size")
            .and_then(Node::int)
            .map_or("?".into(), |s| s.to_string())
    ));
    line.finish("org.apache.cassandra.service.CassandraDaemon", &mut t);
    out.targets.push(t);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cassandra_env_rule() {
        assert_eq!(cassandra_env_heap(2 << 30), 1024 * MIB);
        assert_eq!(cassandra_env_heap(4 << 30), 1024 * MIB);
        assert_eq!(cassandra_env_heap(16 << 30), 4096 * MIB);
        assert_eq!(cassandra_env_heap(64 << 30), 8192 * MIB);
        assert_eq!(cassandra_env_heap(1 << 30), 512 * MIB);
    }
}
