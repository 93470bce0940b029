//! Single-value cgroup interface files: `cpu.max`, `cpu.cfs_quota_us`, `memory.max` and friends.

use super::{parse_u64, quote, ParseError};

/// The period the kernel uses when `cpu.max` is given a quota alone.
pub const DEFAULT_CPU_PERIOD_US: u64 = 100_000;

/// A CPU bandwidth setting: no quota, or quota and period in microseconds (both > 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuQuota {
    Unlimited,
    Limited { quota_us: u64, period_us: u64 },
}

impl CpuQuota {
    /// The limit in cores (`quota / period`), or `None` when unlimited.
    pub fn cores(&self) -> Option<f64> {
        match *self {
            CpuQuota::Unlimited => None,
            CpuQuota::Limited {
                quota_us,
                period_us,
            } => Some(quota_us as f64 / period_us as f64),
        }
    }
}

/// v2 `cpu.max`: `QUOTA PERIOD`, QUOTA may be `max`. A lone number is a quota with the default
/// period (what writing one number into the file does). Odd periods are legal.
pub fn cpu_max(text: &str) -> Result<CpuQuota, ParseError> {
    let t = text.trim();
    let mut f = t.split_ascii_whitespace();
    let (q, p) = match (f.next(), f.next(), f.next()) {
        (Some(q), p, None) => (q, p),
        _ => {
            return Err(ParseError(format!(
                "expected '<quota> <period>', found {}",
                quote(t)
            )))
        }
    };
    let period_us = match p {
        None => DEFAULT_CPU_PERIOD_US,
        Some(p) => p.parse::<u64>().ok().filter(|&p| p > 0).ok_or_else(|| {
            ParseError(format!("expected '<quota> <period>', found {}", quote(t)))
        })?,
    };
    if q == "max" {
        return Ok(CpuQuota::Unlimited);
    }
    let quota_us = q
        .parse::<u64>()
        .map_err(|_| ParseError(format!("expected '<quota> <period>', found {}", quote(t))))?;
    if quota_us == 0 {
        return Err(ParseError(format!(
            "quota 0 in {} is not a bandwidth the kernel accepts",
            quote(t)
        )));
    }
    Ok(CpuQuota::Limited {
        quota_us,
        period_us,
    })
}

/// v1 `cpu.cfs_quota_us` plus `cpu.cfs_period_us`: quota `-1` means none.
pub fn cfs_quota(quota_text: &str, period_text: Option<&str>) -> Result<CpuQuota, ParseError> {
    let q = quota_text.trim();
    let quota: i64 = q.parse().map_err(|_| {
        ParseError(format!(
            "expected a quota in microseconds or -1, found {}",
            quote(q)
        ))
    })?;
    if quota == -1 {
        return Ok(CpuQuota::Unlimited);
    }
    if quota <= 0 {
        return Err(ParseError(format!(
            "quota {quota} is neither -1 nor positive"
        )));
    }
    let period_us = match period_text {
        Some(p) => {
            let p = parse_u64(p)?;
            if p == 0 {
                return Err(ParseError::new("period 0 is not valid"));
            }
            p
        }
        None => {
            return Err(ParseError::new(
                "quota is set but the period cannot be read",
            ))
        }
    };
    Ok(CpuQuota::Limited {
        quota_us: quota as u64,
        period_us,
    })
}

/// A byte or count limit file: a number, or `max` (v2). Negative numbers are rejected: v1 files
/// print the unlimited value as a large page-aligned number, never `-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxValue {
    Max,
    Value(u64),
}

pub fn u64_or_max(text: &str) -> Result<MaxValue, ParseError> {
    let t = text.trim();
    if t == "max" {
        return Ok(MaxValue::Max);
    }
    t.parse::<u64>().map(MaxValue::Value).map_err(|_| {
        ParseError(format!(
            "expected a number of bytes or 'max', found {}",
            quote(t)
        ))
    })
}

/// The smallest value any kernel prints for "no limit" in a v1 memory file: the largest multiple
/// of a 64 KiB page at or below `i64::MAX`. 4 KiB and 16 KiB pages give larger sentinels.
pub const V1_UNLIMITED_MIN: u64 = 9_223_372_036_854_710_272;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_max_forms() {
        assert_eq!(cpu_max("max 100000\n").unwrap(), CpuQuota::Unlimited);
        assert_eq!(cpu_max("max 100010").unwrap(), CpuQuota::Unlimited);
        assert_eq!(cpu_max("250000 100000").unwrap().cores(), Some(2.5));
        assert_eq!(
            cpu_max("500000").unwrap(),
            CpuQuota::Limited {
                quota_us: 500000,
                period_us: 100000
            }
        );
        assert_eq!(
            cpu_max("abc").unwrap_err().to_string(),
            "expected '<quota> <period>', found 'abc'"
        );
        assert!(cpu_max("0 100000").is_err());
        assert!(cpu_max("100 0").is_err());
        assert!(cpu_max("").is_err());
        assert!(cpu_max("1 2 3").is_err());
    }

    #[test]
    fn cfs_forms() {
        assert_eq!(
            cfs_quota("-1", Some("100000")).unwrap(),
            CpuQuota::Unlimited
        );
        assert_eq!(
            cfs_quota("50000\n", Some("100000\n")).unwrap().cores(),
            Some(0.5)
        );
        assert!(cfs_quota("0", Some("100000")).is_err());
        assert!(cfs_quota("-5", Some("100000")).is_err());
        assert!(cfs_quota("50000", None).is_err());
        assert!(cfs_quota("50000", Some("0")).is_err());
    }

    #[test]
    fn byte_values() {
        assert_eq!(u64_or_max("max\n").unwrap(), MaxValue::Max);
        assert_eq!(u64_or_max("536870912").unwrap(), MaxValue::Value(536870912));
        assert!(u64_or_max("-1").is_err());
        assert!(u64_or_max("").is_err());
    }
}
