//! `--assume KEY=VALUE`: facts the user states instead of the probe detecting them, so CI can
//! reason about the environment an image will run in. Parsed here, apart from clap, so the
//! domain keeps one type whatever the front end.

use std::fmt;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assumptions {
    /// CPU limit in cores.
    pub cpus: Option<f64>,
    /// Memory limit in bytes.
    pub memory: Option<u64>,
    /// A Java version such as `11.0.14` or `1.8.0_372`.
    pub jdk: Option<String>,
    /// `cgroup=v1|v2`: the cgroup version of the target's nodes.
    pub cgroup: Option<String>,
    /// `uid=N`: the uid the workload runs as.
    pub uid: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AssumeError(String);

impl fmt::Display for AssumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--assume {}", self.0)
    }
}

impl Assumptions {
    /// Parse every `KEY=VALUE`; a later key overrides an earlier one.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, AssumeError> {
        let mut a = Assumptions::default();
        for item in items {
            let item = item.as_ref();
            let (k, v) = item.split_once('=').ok_or_else(|| {
                AssumeError(format!(
                    "{item:?}: expected KEY=VALUE (cpus, memory or jdk)"
                ))
            })?;
            let v = v.trim();
            match k.trim() {
                "cpus" => {
                    let c: f64 = v
                        .parse()
                        .ok()
                        .filter(|c: &f64| c.is_finite() && *c > 0.0 && *c <= 65536.0)
                        .ok_or_else(|| {
                            AssumeError(format!(
                                "cpus={v}: expected a positive number of cores, e.g. 1.5"
                            ))
                        })?;
                    a.cpus = Some(c);
                }
                "memory" => a.memory = Some(parse_memory(v).map_err(AssumeError)?),
                "jdk" => {
                    let ok = !v.is_empty()
                        && v.chars().next().is_some_and(|c| c.is_ascii_digit())
                        && v.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c));
                    if !ok {
                        return Err(AssumeError(format!(
                            "jdk={v}: expected a Java version such as 17, 11.0.14 or 1.8.0_372"
                        )));
                    }
                    a.jdk = Some(v.to_owned());
                }
                "cgroup" => match v {
                    "v1" | "v2" => a.cgroup = Some(v.to_owned()),
                    _ => return Err(AssumeError(format!("cgroup={v}: expected v1 or v2"))),
                },
                "uid" => {
                    a.uid = Some(v.parse().map_err(|_| {
                        AssumeError(format!("uid={v}: expected a numeric uid such as 10001"))
                    })?)
                }
                other => {
                    return Err(AssumeError(format!(
                        "{other}={v}: unknown key (expected cpus, memory, jdk, cgroup or uid)"
                    )))
                }
            }
        }
        Ok(a)
    }

    pub fn is_empty(&self) -> bool {
        *self == Assumptions::default()
    }
}

/// The smallest memory limit `--assume memory=` takes: below it no JVM starts (and a heap
/// computed from it would round to `-Xmx0m`).
pub const MIN_MEMORY: u64 = 16 << 20;

/// `memory=VALUE` as Kubernetes reads a quantity: binary `Ki Mi Gi Ti Pi Ei` (also written
/// `KiB`, `MiB`, ...), decimal `k M G T P E`, an exponent (`1e9`), or plain bytes. The JVM's
/// and Docker's lowercase `512m` / `2g` are refused with both readings named, since Kubernetes
/// reads `512m` as 0.512 bytes; so is anything below [`MIN_MEMORY`].
pub fn parse_memory(v: &str) -> Result<u64, String> {
    let bytes = parse_bytes(v).map_err(|why| format!("memory={v}: {why}"))?;
    if bytes < MIN_MEMORY {
        // A plain number was likely meant in a unit; one that has a unit was not.
        let hint = if v.trim().chars().all(|c| c.is_ascii_digit()) {
            format!(" (did you mean {v}Gi or {v}Mi?)")
        } else {
            String::new()
        };
        return Err(format!(
            "memory={v}: {bytes} bytes is below the 16 MiB any JVM needs{hint}"
        ));
    }
    Ok(bytes)
}

/// A Kubernetes quantity in bytes (see [`parse_memory`]), or why not.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| {
        "expected a size such as 2Gi, 2GiB, 1500Mi, 2G, 1e9 or 1073741824".to_owned()
    })?;
    let mult: f64 = match unit {
        "" | "B" => 1.0,
        "Ki" | "KiB" => 1024.0,
        "Mi" | "MiB" => 1024f64.powi(2),
        "Gi" | "GiB" => 1024f64.powi(3),
        "Ti" | "TiB" => 1024f64.powi(4),
        "Pi" | "PiB" => 1024f64.powi(5),
        "Ei" | "EiB" => 1024f64.powi(6),
        "k" | "K" | "kB" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        "T" | "TB" => 1e12,
        "P" | "PB" => 1e15,
        "E" | "EB" => 1e18,
        u if u.len() > 1 && (u.starts_with('e') || u.starts_with('E')) => {
            let exp: i32 = u[1..].parse().map_err(|_| format!("bad exponent {u:?}"))?;
            10f64.powi(exp)
        }
        "m" => {
            return Err(format!(
                "ambiguous unit 'm': the JVM and Docker read {num}m as {num} MiB, Kubernetes as {num} thousandths of a byte; write {num}Mi (MiB) or {num}M (10^6 bytes)"
            ))
        }
        u @ ("g" | "t" | "kb" | "mb" | "gb" | "tb") => {
            let up = u[..1].to_ascii_uppercase();
            return Err(format!(
                "ambiguous unit '{u}': the JVM and Docker read {num}{u} as binary ({num} {up}iB), Kubernetes does not accept it; write {num}{up}i (binary) or {num}{up} (decimal)"
            ));
        }
        u => return Err(format!("unknown unit {u:?}; expected Ki, Mi, Gi, Ti, k, M, G, T or none")),
    };
    let bytes = n * mult;
    if !(bytes.is_finite() && (1.0..1.8e19).contains(&bytes)) {
        return Err("expected a positive size".into());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_kubernetes_reads_them() {
        assert_eq!(parse_bytes("2GiB"), Ok(2 << 30));
        assert_eq!(parse_bytes("2Gi"), Ok(2 << 30));
        assert_eq!(parse_bytes("1500Mi"), Ok(1500 << 20));
        assert_eq!(parse_bytes("2G"), Ok(2_000_000_000));
        assert_eq!(parse_bytes("512M"), Ok(512_000_000));
        assert_eq!(parse_bytes("1e9"), Ok(1_000_000_000));
        assert_eq!(parse_bytes("1073741824"), Ok(1 << 30));
        assert_eq!(parse_bytes("1.5Gi"), Ok(3 << 29));
        assert!(parse_bytes("x").is_err());
        assert!(parse_bytes("-1").is_err());
        assert!(parse_bytes("0").is_err());
        // The JVM's lowercase units are refused, naming both readings.
        let e = parse_bytes("512m").unwrap_err();
        assert!(e.contains("512 MiB") && e.contains("thousandths"), "{e}");
        let e = parse_bytes("2g").unwrap_err();
        assert!(
            e.contains("2 GiB") && e.contains("2Gi") && e.contains("2G"),
            "{e}"
        );
    }

    #[test]
    fn memory_below_16_mib_is_refused_never_a_heap_of_zero() {
        assert!(parse_memory("2").unwrap_err().contains("16 MiB"));
        assert!(parse_memory("2")
            .unwrap_err()
            .contains("did you mean 2Gi or 2Mi?"));
        let e = parse_memory("15Mi").unwrap_err();
        assert!(!e.contains("did you mean"), "no 15MiGi: {e}");
        assert_eq!(parse_memory("16Mi"), Ok(16 << 20));
        assert!(Assumptions::parse(&["memory=2"]).is_err());
    }

    #[test]
    fn keys() {
        let a = Assumptions::parse(&["cpus=1.5", "memory=2GiB", "jdk=11.0.14"]).unwrap();
        assert_eq!(a.cpus, Some(1.5));
        assert_eq!(a.memory, Some(2 << 30));
        assert_eq!(a.jdk.as_deref(), Some("11.0.14"));
        assert!(Assumptions::parse(&["cpus=0"]).is_err());
        assert!(Assumptions::parse(&["cpus"]).is_err());
        assert!(Assumptions::parse(&["disk=1"]).is_err());
        assert!(Assumptions::parse(&["jdk=latest"]).is_err());
        let b = Assumptions::parse(&["cgroup=v1", "uid=0"]).unwrap();
        assert_eq!((b.cgroup.as_deref(), b.uid), (Some("v1"), Some(0)));
        assert!(Assumptions::parse(&["cgroup=v3"]).is_err());
        assert!(Assumptions::parse(&["uid=root"]).is_err());
    }
}
