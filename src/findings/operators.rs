//! Checks only a product's own heap rule can raise, on the operators' custom resources in
//! files (`src/sources/operators/`, `src/sources/heap.rs` builds the findings).

use super::{Applies, Family, Rule, Severity};
/// This family's checks, in report order: adding a check here is what puts it in
/// [`super::RULES`] (and so in `--list-checks`, SARIF, JUnit, the man pages and completions).
pub(super) static RULES: &[&Rule] = &[&MEMORY_MODEL_DOES_NOT_FIT, &HEAP_NOT_SIZED_FROM_LIMIT];

pub static MEMORY_MODEL_DOES_NOT_FIT: Rule = Rule {
    id: "memory-model-does-not-fit",
    severity: Severity::Error,
    family: Family::Jvm,
    applies: Applies::Files,
    name: "MemoryModelDoesNotFit",
    summary: "An operator's custom resource sets memory sizes whose parts cannot fit its container.",
    description: "Operators such as Flink's compute the heap, direct memory, metaspace and overhead from one memory size; when explicitly sized parts exceed it, the product refuses to start.",
    help: "Raise the memory size, or lower the explicitly sized parts so that they fit.",
};

pub static HEAP_NOT_SIZED_FROM_LIMIT: Rule = Rule {
    id: "heap-not-sized-from-limit",
    severity: Severity::Warning,
    family: Family::Jvm,
    applies: Applies::Files,
    name: "HeapNotSizedFromLimit",
    summary: "The product sizes its heap from something other than the container's memory limit: a fixed default, node RAM, a request.",
    description: "Logstash's default jvm.options, Elasticsearch before 7.11, Cassandra's cassandra-env.sh (node RAM) and a request without a limit give a heap that does not follow the limit: a larger limit is wasted, a smaller one ends in an OOM kill.",
    help: "Set the heap in the resource's own terms to match the limit (ctune jvm FILE prints them), or give the container a memory limit the product reads.",
};
