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
                "memory" => {
                    a.memory = Some(parse_bytes(v).ok_or_else(|| {
                        AssumeError(format!(
                            "memory={v}: expected a size such as 2GiB, 512Mi, 512M or 1073741824"
                        ))
                    })?)
                }
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

/// A byte size: plain bytes or a number with a binary unit (`k`, `m`, `g`, `t`, optionally
/// followed by `i`, `b` or `ib`, any case). `512M` means 512 MiB, as in `-Xmx512m`.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let shift = match unit.as_str() {
        "" | "b" => 0,
        "k" | "ki" | "kb" | "kib" => 10,
        "m" | "mi" | "mb" | "mib" => 20,
        "g" | "gi" | "gb" | "gib" => 30,
        "t" | "ti" | "tb" | "tib" => 40,
        _ => return None,
    };
    let n: f64 = num.parse().ok()?;
    let bytes = n * (1u64 << shift) as f64;
    (1.0..1.8e19).contains(&bytes).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("2GiB"), Some(2 << 30));
        assert_eq!(parse_bytes("512Mi"), Some(512 << 20));
        assert_eq!(parse_bytes("512M"), Some(512 << 20));
        assert_eq!(parse_bytes("1073741824"), Some(1 << 30));
        assert_eq!(parse_bytes("1.5g"), Some(3 << 29));
        assert_eq!(parse_bytes("x"), None);
        assert_eq!(parse_bytes("-1"), None);
        assert_eq!(parse_bytes("0"), None);
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
