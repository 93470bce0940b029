//! CPU list format (`0-3,8,10-11`) of `cpuset.cpus`, `/sys/devices/system/cpu/online` and
//! `Cpus_allowed_list:`.

use super::{quote, ParseError};

/// More CPUs than any kernel supports (`NR_CPUS` tops out at 8192); a larger range is garbage.
const MAX_CPU: u32 = 1 << 16;

/// Number of distinct CPUs in the list. An empty list is 0 (for `cpuset.cpus`: inherit).
pub fn count(text: &str) -> Result<u32, ParseError> {
    let mut ranges = Vec::new();
    for part in text
        .trim()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (cpu(a, part)?, cpu(b, part)?),
            None => {
                let c = cpu(part, part)?;
                (c, c)
            }
        };
        if a > b {
            return Err(ParseError(format!("range {} runs backwards", quote(part))));
        }
        ranges.push((a, b));
    }
    ranges.sort_unstable();
    let mut total = 0u32;
    let mut next_free = 0u32; // first CPU not yet counted
    for (a, b) in ranges {
        let start = a.max(next_free);
        if b >= start {
            total += b - start + 1;
            next_free = b + 1;
        }
    }
    Ok(total)
}

fn cpu(s: &str, part: &str) -> Result<u32, ParseError> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|&c| c < MAX_CPU)
        .ok_or_else(|| {
            ParseError(format!(
                "expected a CPU number or range, found {}",
                quote(part)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(count("0-3,8,10-11\n").unwrap(), 7);
        assert_eq!(count("0").unwrap(), 1);
        assert_eq!(count("").unwrap(), 0);
        assert_eq!(count("0-3,2-5").unwrap(), 6);
        assert!(count("3-1").is_err());
        assert!(count("a").is_err());
        assert!(count("0-4294967295").is_err());
    }
}
