//! Flink's own memory-size syntax and its process memory model, for the job manager and the
//! task manager, computed the way Flink computes them at start (so the heap, direct and
//! metaspace limits Flink passes to the JVM are known without running it).
//!
//! Sources (apache/flink, flink-core and flink-runtime):
//! - `MemorySize.parse` (org.apache.flink.configuration.MemorySize): digits, optional white
//!   space, an optional unit (`b`/`bytes`, `k`/`kb`/`kibibytes`, `m`/`mb`/`mebibytes`,
//!   `g`/`gb`/`gibibytes`, `t`/`tb`/`tebibytes`, any case). Every unit is binary: `2048m` and
//!   `2g` are both 2 GiB, unlike a Kubernetes quantity (`2G` = 2·10^9 there).
//! - `ProcessMemoryUtils.deriveProcessSpecWithTotalProcessMemory` /
//!   `deriveJvmMetaspaceAndOverheadFromTotalFlinkMemory`: the total process memory less the JVM
//!   metaspace (`*.memory.jvm-metaspace.size`) and the JVM overhead (a fraction of the process
//!   size clamped to `*.memory.jvm-overhead.{min,max}`) is the total Flink memory.
//! - `TaskExecutorFlinkMemoryUtils.deriveFromTotalFlinkMemory` /
//!   `deriveFromRequiredFineGrainedOptions`: managed memory (`managed.fraction` 0.4 of the
//!   total Flink memory unless `managed.size`), network memory (`network.fraction` 0.1
//!   clamped to `network.{min,max}`), framework heap 128m, framework off-heap 128m, task
//!   off-heap 0; the task heap is the rest. `-Xmx` = framework heap + task heap,
//!   `-XX:MaxDirectMemorySize` = framework off-heap + task off-heap + network,
//!   `-XX:MaxMetaspaceSize` = metaspace (`TaskExecutorProcessUtils.generateJvmParametersStr`).
//! - `JobManagerFlinkMemoryUtils`: the job manager's heap is the total Flink memory less its
//!   off-heap (`jobmanager.memory.off-heap.size`, 128m), unless `jobmanager.memory.heap.size`.
//!
//! Defaults are TaskManagerOptions' and JobManagerOptions'. One default changed across
//! releases: `taskmanager.memory.network.max` was `1g` and is unbounded (`MemorySize.MAX_VALUE`)
//! in newer releases; [`NetworkMax`] says which one the caller assumes.

use std::fmt;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// `MemorySize.parse`: the size in bytes, or why Flink would reject it.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(format!("{text:?} does not start with a number"));
    }
    let n: u64 = t[..digits]
        .parse()
        .map_err(|_| format!("{text:?}: the number is too large"))?;
    let unit = t[digits..].trim().to_ascii_lowercase();
    let mult: u64 = match unit.as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        _ => return Err(format!("{text:?}: {unit:?} is not a Flink memory unit")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{text:?} is larger than Flink's maximum memory size"))
}

/// `MemorySize.multiply`: exact decimal product, truncated to bytes.
fn times(bytes: u64, fraction: f64) -> u64 {
    // f64 holds every byte count below 2^53 exactly; the product is truncated as Flink's
    // BigDecimal.longValue() truncates.
    (bytes as f64 * fraction).max(0.0) as u64
}

fn clamp(v: u64, min: u64, max: u64) -> u64 {
    v.max(min).min(max.max(min))
}

/// A fraction with its bounds (`jvm-overhead`, `network`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub fraction: f64,
    pub min: u64,
    pub max: u64,
}

/// The keys that drive the model, already parsed (None: not set, Flink's default applies).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub process: Option<u64>,
    pub flink: Option<u64>,
    pub metaspace: Option<u64>,
    pub overhead_fraction: Option<f64>,
    pub overhead_min: Option<u64>,
    pub overhead_max: Option<u64>,
    /// Task manager: `task.heap.size`; job manager: `heap.size`.
    pub heap: Option<u64>,
    /// Job manager only: `off-heap.size`.
    pub off_heap: Option<u64>,
    pub framework_heap: Option<u64>,
    pub framework_off_heap: Option<u64>,
    pub task_off_heap: Option<u64>,
    pub managed: Option<u64>,
    pub managed_fraction: Option<f64>,
    pub network_fraction: Option<f64>,
    pub network_min: Option<u64>,
    pub network_max: Option<u64>,
}

/// Which default `taskmanager.memory.network.max` has in the Flink release used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkMax {
    OneGib,
    Unbounded,
}

/// The components of one Flink process, in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Model {
    pub process: u64,
    pub flink: u64,
    /// What `-Xmx` (and `-Xms`) is set to.
    pub heap: u64,
    /// What `-XX:MaxDirectMemorySize` is set to.
    pub direct: u64,
    pub metaspace: u64,
    pub overhead: u64,
    /// Task manager only (0 for the job manager).
    pub managed: u64,
    pub network: u64,
    pub framework_heap: u64,
    pub task_heap: u64,
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = |b: u64| format!("{:.1} MiB", b as f64 / MIB as f64);
        write!(
            f,
            "process {} = heap {} + direct {} (network {}) + managed {} + metaspace {} + JVM overhead {}",
            m(self.process),
            m(self.heap),
            m(self.direct),
            m(self.network),
            m(self.managed),
            m(self.metaspace),
            m(self.overhead)
        )
    }
}

/// Why Flink refuses to start with these settings (its IllegalConfigurationException).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError(pub String);

fn overhead_range(i: &Inputs) -> Range {
    Range {
        fraction: i.overhead_fraction.unwrap_or(0.1),
        min: i.overhead_min.unwrap_or(192 * MIB),
        max: i.overhead_max.unwrap_or(GIB),
    }
}

fn mib(b: u64) -> String {
    format!("{} MiB", b / MIB)
}

/// Total Flink memory and the metaspace / overhead around it, from the process size or from
/// the total Flink memory (ProcessMemoryUtils).
fn outer(
    i: &Inputs,
    prefix: &str,
    internal: Option<u64>,
) -> Result<(u64, u64, u64, u64), ModelError> {
    let meta = i.metaspace.unwrap_or(256 * MIB);
    let ov = overhead_range(i);
    // Total Flink memory fixed from inside (explicit heap components) or given.
    let flink_fixed = internal.or(i.flink);
    match (i.process, flink_fixed) {
        (Some(p), None) => {
            let overhead = clamp(times(p, ov.fraction), ov.min, ov.max);
            let flink = p.checked_sub(meta + overhead).ok_or_else(|| {
                ModelError(format!(
                    "Sum of configured JVM Metaspace ({}) and JVM Overhead ({}) exceed configured Total Process Memory ({}): {prefix}.memory.process.size is too small",
                    mib(meta), mib(overhead), mib(p)
                ))
            })?;
            Ok((p, flink, meta, overhead))
        }
        (Some(p), Some(flink)) => {
            let overhead = p.checked_sub(flink + meta).ok_or_else(|| {
                ModelError(format!(
                    "the configured Flink memory ({}) and JVM Metaspace ({}) exceed the configured Total Process Memory ({})",
                    mib(flink), mib(meta), mib(p)
                ))
            })?;
            if overhead < ov.min || overhead > ov.max {
                return Err(ModelError(format!(
                    "Derived JVM Overhead size ({}) is not in configured JVM Overhead range [{}, {}]",
                    mib(overhead),
                    mib(ov.min),
                    mib(ov.max)
                )));
            }
            Ok((p, flink, meta, overhead))
        }
        (None, Some(flink)) => {
            // deriveJvmOverheadFromTotalFlinkMemoryAndOtherComponents: inverse fraction.
            let base = flink + meta;
            let overhead = clamp(
                times(base, ov.fraction / (1.0 - ov.fraction).max(f64::MIN_POSITIVE)),
                ov.min,
                ov.max,
            );
            Ok((base + overhead, flink, meta, overhead))
        }
        (None, None) => Err(ModelError(format!(
            "none of {prefix}.memory.process.size, {prefix}.memory.flink.size or the fine-grained heap sizes is set: Flink refuses to start"
        ))),
    }
}

/// The task manager's model (TaskExecutorProcessUtils).
pub fn task_manager(i: &Inputs, netmax: NetworkMax) -> Result<Model, ModelError> {
    let fh = i.framework_heap.unwrap_or(128 * MIB);
    let foh = i.framework_off_heap.unwrap_or(128 * MIB);
    let toh = i.task_off_heap.unwrap_or(0);
    let net = Range {
        fraction: i.network_fraction.unwrap_or(0.1),
        min: i.network_min.unwrap_or(64 * MIB),
        max: i.network_max.unwrap_or(match netmax {
            NetworkMax::OneGib => GIB,
            NetworkMax::Unbounded => u64::MAX,
        }),
    };
    // Fine-grained: task heap and managed both given fix the total Flink memory.
    let internal = match (i.heap, i.managed) {
        (Some(th), Some(m)) => {
            let rest = fh + th + foh + toh + m;
            let network = clamp(
                times(
                    rest,
                    net.fraction / (1.0 - net.fraction).max(f64::MIN_POSITIVE),
                ),
                net.min,
                net.max,
            );
            Some(rest + network)
        }
        _ => None,
    };
    let (process, flink, metaspace, overhead) = outer(i, "taskmanager", internal)?;
    let managed = i
        .managed
        .unwrap_or_else(|| times(flink, i.managed_fraction.unwrap_or(0.4)));
    let (task_heap, network) = match i.heap {
        Some(th) => {
            let without_net = fh + th + foh + toh + managed;
            let network = flink.checked_sub(without_net).ok_or_else(|| {
                ModelError(format!(
                    "Sum of configured Framework Heap Memory ({}), Framework Off-Heap Memory ({}), Task Heap Memory ({}), Task Off-Heap Memory ({}) and Managed Memory ({}) exceed configured Total Flink Memory ({})",
                    mib(fh), mib(foh), mib(th), mib(toh), mib(managed), mib(flink)
                ))
            })?;
            if network < net.min || network > net.max {
                return Err(ModelError(format!(
                    "Derived Network Memory size ({}) is not in configured Network Memory range [{}, {}]",
                    mib(network),
                    mib(net.min),
                    if net.max == u64::MAX { "unbounded".into() } else { mib(net.max) }
                )));
            }
            (th, network)
        }
        None => {
            let network = clamp(times(flink, net.fraction), net.min, net.max);
            let others = fh + foh + toh + managed + network;
            let th = flink.checked_sub(others).ok_or_else(|| {
                ModelError(format!(
                    "Sum of configured Framework Heap Memory ({}), Framework Off-Heap Memory ({}), Task Off-Heap Memory ({}), Managed Memory ({}) and Network Memory ({}) exceed configured Total Flink Memory ({})",
                    mib(fh), mib(foh), mib(toh), mib(managed), mib(network), mib(flink)
                ))
            })?;
            (th, network)
        }
    };
    Ok(Model {
        process,
        flink,
        heap: fh + task_heap,
        direct: foh + toh + network,
        metaspace,
        overhead,
        managed,
        network,
        framework_heap: fh,
        task_heap,
    })
}

/// The job manager's model (JobManagerProcessUtils).
pub fn job_manager(i: &Inputs) -> Result<Model, ModelError> {
    let off = i.off_heap.unwrap_or(128 * MIB);
    let internal = i.heap.map(|h| h + off);
    let (process, flink, metaspace, overhead) = outer(i, "jobmanager", internal)?;
    let heap = match i.heap {
        Some(h) => h,
        None => flink.checked_sub(off).ok_or_else(|| {
            ModelError(format!(
                "the configured Off-heap Memory ({}) exceeds the configured Total Flink Memory ({})",
                mib(off),
                mib(flink)
            ))
        })?,
    };
    Ok(Model {
        process,
        flink,
        heap,
        direct: off,
        metaspace,
        overhead,
        managed: 0,
        network: 0,
        framework_heap: 0,
        task_heap: heap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm(p: u64) -> Model {
        task_manager(
            &Inputs {
                process: Some(p),
                ..Inputs::default()
            },
            NetworkMax::OneGib,
        )
        .unwrap()
    }

    #[test]
    fn flink_sizes_are_binary_whatever_the_case() {
        assert_eq!(parse_size("2048m"), Ok(2048 * MIB));
        assert_eq!(parse_size("2g"), Ok(2 * GIB));
        assert_eq!(parse_size("2 GB"), Ok(2 * GIB));
        assert_eq!(parse_size("1728 mebibytes"), Ok(1728 * MIB));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64kb"), Ok(64 << 10));
        assert!(parse_size("2Gi").is_err());
        assert!(parse_size("1.5g").is_err());
        assert!(parse_size("g").is_err());
        assert!(parse_size("99999999999999999999t").is_err());
        assert!(parse_size("20000000t").is_err());
    }

    /// Flink's documented defaults (the flink-conf.yaml shipped with Flink sets
    /// `taskmanager.memory.process.size: 1728m`): overhead max(10%, 192m) = 192m, metaspace
    /// 256m, total Flink 1280m, network 10% = 128m, managed 40% = 512m, task heap 384m, so
    /// -Xmx = 128m + 384m = 512m and -XX:MaxDirectMemorySize = 128m + 0 + 128m = 256m.
    #[test]
    fn task_manager_default_1728m() {
        let m = tm(1728 * MIB);
        assert_eq!(m.overhead, 192 * MIB);
        assert_eq!(m.metaspace, 256 * MIB);
        assert_eq!(m.flink, 1280 * MIB);
        assert_eq!(m.network, 128 * MIB);
        assert_eq!(m.managed, 512 * MIB);
        assert_eq!(m.heap, 512 * MIB);
        assert_eq!(m.direct, 256 * MIB);
        assert_eq!(
            m.heap + m.direct + m.managed + m.metaspace + m.overhead,
            m.process
        );
    }

    /// 4096m: overhead 10% = 409.6m (truncated to bytes), every other part from the
    /// fractions of the 3430.4m left; the parts add up to the process size again.
    #[test]
    fn task_manager_4g_and_8g_and_20g() {
        let p = 4096 * MIB;
        let m = tm(p);
        let overhead = (p as f64 * 0.1) as u64;
        assert_eq!(m.overhead, overhead);
        let flink = p - 256 * MIB - overhead;
        assert_eq!(m.flink, flink);
        assert_eq!(m.network, (flink as f64 * 0.1) as u64);
        assert_eq!(m.managed, (flink as f64 * 0.4) as u64);
        assert_eq!(m.heap + m.direct + m.managed + m.metaspace + m.overhead, p);
        // 20 GiB: overhead and network both hit their 1g maximum.
        let m = tm(20 * GIB);
        assert_eq!(m.overhead, GIB);
        assert_eq!(m.network, GIB);
        let unbounded = task_manager(
            &Inputs {
                process: Some(20 * GIB),
                ..Inputs::default()
            },
            NetworkMax::Unbounded,
        )
        .unwrap();
        assert!(unbounded.network > GIB && unbounded.heap < m.heap);
    }

    /// The job manager's shipped default (`jobmanager.memory.process.size: 1600m`): overhead
    /// 192m, metaspace 256m, total Flink 1152m, off-heap 128m, heap 1024m.
    #[test]
    fn job_manager_default_1600m() {
        let m = job_manager(&Inputs {
            process: Some(1600 * MIB),
            ..Inputs::default()
        })
        .unwrap();
        assert_eq!(m.heap, 1024 * MIB);
        assert_eq!(m.direct, 128 * MIB);
        assert_eq!(m.overhead, 192 * MIB);
    }

    #[test]
    fn models_that_flink_refuses() {
        // 700m: 448m to metaspace and overhead leaves 252m, less than 128m + 128m + 64m.
        let e = task_manager(
            &Inputs {
                process: Some(700 * MIB),
                ..Inputs::default()
            },
            NetworkMax::OneGib,
        )
        .unwrap_err();
        assert!(
            e.0.contains("exceed configured Total Flink Memory"),
            "{e:?}"
        );
        let e = job_manager(&Inputs {
            process: Some(400 * MIB),
            ..Inputs::default()
        })
        .unwrap_err();
        assert!(
            e.0.contains("exceed configured Total Process Memory"),
            "{e:?}"
        );
        // An explicit task heap larger than the process.
        let e = task_manager(
            &Inputs {
                process: Some(2 * GIB),
                heap: Some(3 * GIB),
                ..Inputs::default()
            },
            NetworkMax::OneGib,
        )
        .unwrap_err();
        assert!(e.0.contains("Task Heap Memory"), "{e:?}");
        assert!(task_manager(&Inputs::default(), NetworkMax::OneGib).is_err());
    }

    #[test]
    fn fine_grained_heap_and_managed() {
        // task heap 1g + managed 1g + framework 256m = 2304m; network = 2304m x 0.1/0.9 =
        // 256m; total Flink 2560m; process = 2560m + 256m + overhead (inverse fraction).
        let m = task_manager(
            &Inputs {
                heap: Some(GIB),
                managed: Some(GIB),
                ..Inputs::default()
            },
            NetworkMax::OneGib,
        )
        .unwrap();
        assert_eq!(m.network, 256 * MIB);
        assert_eq!(m.flink, 2560 * MIB);
        assert_eq!(m.heap, GIB + 128 * MIB);
    }
}
