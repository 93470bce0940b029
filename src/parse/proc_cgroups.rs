//! `/proc/cgroups`: the kernel's list of cgroup controllers (`#subsys_name hierarchy
//! num_cgroups enabled`).
//!
//! ctune itself decides the cgroup version from mountinfo (the file is only a hint), but HotSpot
//! reads this file first and drops container support when a controller it requires has no
//! line or `enabled 0` (kernels built without the v1 memory/cpuset controllers, 7.x on Debian,
//! `cgroup_disable=memory`). So the JVM model needs it, parsed the way HotSpot does:
//! `sscanf("%s %d %*d %d")`, lines that do not match are skipped, the last line for a name wins.

use serde::Serialize;

/// One controller line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControllerLine {
    pub name: String,
    /// 0 = not mounted on a v1 hierarchy (on v2, or unused).
    pub hierarchy: i64,
    /// `enabled` column is exactly 1.
    pub enabled: bool,
}

/// The lines HotSpot would accept, in file order (a later duplicate replaces an earlier one).
/// Never fails: an empty or garbage file gives an empty list, as HotSpot skips what it cannot
/// scan (and then finds every required controller missing).
pub fn parse(text: &str) -> Vec<ControllerLine> {
    let mut out: Vec<ControllerLine> = Vec::new();
    // Name → index in `out`: a huge file of distinct names stays n log n, not quadratic.
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    for line in text.lines() {
        let mut f = line.split_ascii_whitespace();
        let (Some(name), Some(h), Some(n), Some(e)) = (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        // `%d` takes an optional sign and digits and stops at the first non-digit; the next
        // directive then needs whitespace, so only the last number may have a tail.
        let whole = |t: &str| {
            c_int(t).filter(|_| {
                t.trim_start_matches(['+', '-'])
                    .bytes()
                    .all(|c| c.is_ascii_digit())
            })
        };
        let (Some(hierarchy), Some(_), Some(enabled)) = (whole(h), whole(n), c_int(e)) else {
            continue;
        };
        let entry = ControllerLine {
            name: name.to_owned(),
            hierarchy,
            enabled: enabled == 1,
        };
        match seen.get(name) {
            Some(&i) => out[i] = entry,
            None => {
                seen.insert(entry.name.clone(), out.len());
                out.push(entry);
            }
        }
    }
    out
}

/// scanf's `%d` on one whitespace-separated token: a leading integer, the rest ignored.
fn c_int(tok: &str) -> Option<i64> {
    let b = tok.as_bytes();
    let sign = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = b[sign..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let v: i64 = tok[sign..sign + digits.min(18)].parse().ok()?;
    Some(if b[0] == b'-' { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_hosts_file() {
        let t = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\ncpu\t1\t1\t1\nmemory\t4\t34\t0\nnet_cls\t0\t1\t1\n";
        let l = parse(t);
        assert_eq!(l.len(), 4, "the header is not a line: {l:?}");
        assert_eq!(
            l[2],
            ControllerLine {
                name: "memory".into(),
                hierarchy: 4,
                enabled: false
            }
        );
        assert!(l[0].enabled && l[0].hierarchy == 3);
    }

    #[test]
    fn skips_what_scanf_skips() {
        assert!(parse("").is_empty());
        assert!(parse("memory 4 3\n").is_empty());
        assert!(parse("memory x 3 1\n").is_empty());
        assert!(parse("memory 4x 3 1\n").is_empty());
        let l = parse("memory 4 3 1junk\nmemory 0 1 2\n");
        assert_eq!(l.len(), 1);
        assert_eq!((l[0].hierarchy, l[0].enabled), (0, false), "last line wins");
    }
}
