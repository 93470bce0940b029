//! From facts, a profile and the user's own options to recommended JVM flags, each with why.
//!
//! Rules: emit a flag only where this JVM would get it wrong by itself; never one the user set
//! (in any source); never a collector when the user touched collector selection (two selected
//! collectors stop the JVM); every flag gated on the version that has it.
//!
//! [`advise`] only orders the work. Each flag family is one function in its own file, taking
//! the shared context ([`Cx`]) and adding its flags, reasons and warnings to a [`Draft`]:
//! [`processors`], [`collector`], [`heap`], [`blind`] (every flag explicit for a JVM blind to
//! the cgroup or crashed by its detection), [`off_heap`], [`oom`], [`locking`] (biased locking
//! before JDK 15), [`legacy`] (JDK 8 builds before container support) and [`extra`] (the
//! profile's own flags). A new rule is a new function there, not a new branch here.

mod blind;
mod collector;
mod extra;
mod heap;
mod legacy;
mod locking;
mod off_heap;
mod oom;
mod processors;
#[cfg(test)]
mod tests;

use super::budget;
use super::ergonomics::{jvm_view, JvmInputs, JvmView};
use super::options::UserOptions;
use super::profile::{Profile, Rounding};
use super::version::{Gc, JavaVersion};
use crate::facts::Facts;
use serde::Serialize;

/// The JDK assumed when none is found or its version cannot be read.
pub const ASSUMED_JDK: JavaVersion = JavaVersion::new(17, 0);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JavaInfo {
    pub path: Option<String>,
    pub version: String,
    /// The major version read; null when the version could not be read (the advice then
    /// assumes [`ASSUMED_JDK`] and warns).
    pub feature: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rationale {
    pub flag: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommended {
    pub flags: Vec<String>,
    pub max_heap_bytes: u64,
    pub active_processor_count: u32,
    pub gc: Gc,
    pub budget: budget::Budget,
}

/// The contract's `ctune jvm --format json` document (less `schema_version`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub profile: String,
    pub java: Option<JavaInfo>,
    pub jvm_view: JvmView,
    pub recommended: Recommended,
    pub rationale: Vec<Rationale>,
    /// The memory the budget was made for, and from where.
    pub memory_basis: String,
    /// Parts of the budget made smaller than the profile asked.
    pub squeezed: Vec<super::budget::Squeeze>,
    /// Conflicts and risks: a user heap above the limit, an unknown JDK, no limit.
    pub warnings: Vec<String>,
    /// The user's own options that were taken into account, with where they came from
    /// (secret-looking property values hidden when shown).
    pub user_options: UserOptions,
    /// The smallest non-heap this profile's JVM can run with under the memory limit (every
    /// part squeezed to its floor); `None` without a limit or without a heap of the user's.
    /// What `heap-exceeds-memory-limit` grades a user's heap against.
    #[serde(skip)]
    pub non_heap_floor: Option<u64>,
}

/// The facts the JVM's ergonomics look at. A limit set on an ancestor only is not seen by a
/// JVM that reads its own cgroup alone.
pub fn inputs(f: &Facts) -> JvmInputs {
    let host_ram = *f.memory.host_total_bytes.known().unwrap_or(&(4 << 30));
    JvmInputs {
        cgroup: f.cgroup.version,
        host_ram,
        cpuset_count: *f
            .cpu
            .cpuset_count
            .known()
            .or(f.cpu.host_count.known())
            .unwrap_or(&1),
        cpu_limit: f.cpu.limit.value(),
        cpu_limit_leaf: f.cpu.limit.own_value(),
        memory_limit: f.memory.limit.value(),
        memory_limit_leaf: f.memory.limit.own_value(),
        cpu_shares: f.cpu.shares.known().copied(),
        cpu_weight: f.cpu.weight.known().copied(),
        proc_cgroups: f.cgroup.proc_cgroups.known().cloned(),
        mount_point_fallback: f.cgroup.mount_point_fallback,
    }
}

/// The processor count a profile wants for a CPU limit.
pub fn wanted_cpus(limit: Option<f64>, cpuset: u32, rounding: Rounding) -> u32 {
    let n = match limit {
        Some(l) => match rounding {
            Rounding::Ceil => l.ceil(),
            Rounding::Floor => l.floor(),
        },
        None => cpuset as f64,
    };
    (n.max(1.0) as u32).min(cpuset.max(1))
}

/// What every flag family reads: the facts, the profile, the user's options, the JDK advised
/// for, what the JVM's ergonomics look at and what it would pick by itself.
pub(super) struct Cx<'a> {
    pub f: &'a Facts,
    pub profile: &'a Profile,
    pub user: &'a UserOptions,
    pub v: JavaVersion,
    pub i: JvmInputs,
    pub view: JvmView,
}

/// The advice being written: flags in the order the families add them, each with its reason,
/// and the warnings.
#[derive(Debug, Default)]
pub(super) struct Draft {
    pub flags: Vec<String>,
    pub rationale: Vec<Rationale>,
    pub warnings: Vec<String>,
}

impl Draft {
    pub fn add(&mut self, flag: impl Into<String>, why: impl Into<String>) {
        let flag = flag.into();
        self.rationale.push(Rationale {
            flag: flag.clone(),
            why: why.into(),
        });
        self.flags.push(flag);
    }

    pub fn warn(&mut self, warning: impl Into<String>) {
        self.warnings.push(warning.into());
    }

    /// A flag with this prefix was already added.
    pub fn has(&self, prefix: &str) -> bool {
        self.flags.iter().any(|x| x.starts_with(prefix))
    }
}

/// The Java advised for: the one found, else [`ASSUMED_JDK`] with a warning.
fn java_version(f: &Facts, d: &mut Draft) -> (JavaVersion, Option<JavaInfo>) {
    let java = f.jvm.as_ref();
    let parsed = java
        .and_then(|j| j.version.as_deref())
        .and_then(JavaVersion::parse);
    let v = parsed.unwrap_or_else(|| {
        d.warn(match java {
            None => format!("no Java found ($JAVA_HOME, PATH); advising for JDK {} (use --java or --assume jdk=...)", ASSUMED_JDK.feature),
            Some(_) => format!("the Java version is unknown; advising for JDK {}", ASSUMED_JDK.feature),
        });
        ASSUMED_JDK
    });
    let info = java.map(|j| JavaInfo {
        path: j.path.clone(),
        version: j.version.clone().unwrap_or_else(|| "unknown".into()),
        feature: parsed.map(|p| p.feature),
    });
    (v, info)
}

pub fn advise(f: &Facts, profile: &Profile, user: &UserOptions) -> Advice {
    let mut d = Draft::default();
    let (v, java) = java_version(f, &mut d);
    let mut i = inputs(f);
    if user.container_support_off() {
        // -XX:-UseContainerSupport: the JVM sizes itself (and so is predicted) as on the host.
        i.memory_limit = None;
        i.memory_limit_leaf = None;
        i.cpu_limit = None;
        i.cpu_limit_leaf = None;
        i.cpu_shares = None;
        i.cpu_weight = None;
    }
    let view = jvm_view(v, &i);
    let cx = Cx {
        f,
        profile,
        user,
        v,
        i,
        view,
    };
    let basis = heap::memory_basis(&cx, &mut d);
    let cpus = processors::processors(&cx, &mut d);
    let gc = collector::collector(&cx, cpus, basis.bytes, &mut d);
    let heap = heap::heap(&cx, &basis, gc, &mut d);
    collector::young_generation(&cx, gc, basis.bytes, &heap, &mut d);
    collector::heap_growth(&cx, gc, &heap, &mut d);
    collector::parallel_start(&cx, gc, basis.bytes, &heap, &mut d);
    blind::explicit_flags(&cx, cpus, &mut d);
    off_heap::off_heap(&cx, &heap.budget, heap.max_heap, &mut d);
    collector::pause_goal(&cx, gc, &mut d);
    oom::oom(&cx, &mut d);
    locking::biased_locking(&cx, &mut d);
    legacy::cgroup_memory_limit_for_heap(&cx, &mut d);
    extra::profile_extras(&cx, &mut d);
    processors::throttling(&cx, &mut d);
    Advice {
        profile: profile.name.clone(),
        java,
        recommended: Recommended {
            flags: d.flags,
            max_heap_bytes: heap.max_heap,
            active_processor_count: cpus,
            gc,
            budget: heap.budget,
        },
        jvm_view: cx.view,
        rationale: d.rationale,
        memory_basis: basis.text,
        squeezed: heap.squeezed,
        warnings: d.warnings,
        user_options: user.clone(),
        // Only a user's heap is graded against it: not planned again on every `exec`.
        non_heap_floor: f
            .memory
            .limit
            .value()
            .filter(|_| user.max_heap().is_some())
            .map(|l| super::budget::non_heap_floor(l, &profile.memory, gc, v.feature)),
    }
}
