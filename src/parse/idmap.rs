//! `/proc/self/uid_map` and `gid_map` (user_namespaces(7)): `INSIDE OUTSIDE COUNT` per line.

use super::{quote, ParseError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

pub fn parse(text: &str) -> Result<Vec<Range>, ParseError> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_ascii_whitespace().collect();
            let n = |s: &str| s.parse::<u32>().ok();
            match f.as_slice() {
                [a, b, c] => match (n(a), n(b), n(c)) {
                    (Some(inside), Some(outside), Some(count)) => Ok(Range {
                        inside,
                        outside,
                        count,
                    }),
                    _ => Err(ParseError(format!(
                        "expected three numbers, found {}",
                        quote(l)
                    ))),
                },
                _ => Err(ParseError(format!(
                    "expected 'INSIDE OUTSIDE COUNT', found {}",
                    quote(l)
                ))),
            }
        })
        .collect()
}

/// The initial user namespace maps every id to itself: exactly `0 0 4294967295`.
pub fn is_identity(map: &[Range]) -> bool {
    map == [Range {
        inside: 0,
        outside: 0,
        count: u32::MAX,
    }]
}

/// The id outside the namespace that `inside` maps to, if it is mapped.
pub fn outside_id(map: &[Range], inside: u32) -> Option<u32> {
    map.iter().find_map(|r| {
        let off = inside.checked_sub(r.inside)?;
        (off < r.count)
            .then(|| r.outside.checked_add(off))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps() {
        let init = parse("         0          0 4294967295\n").unwrap();
        assert!(is_identity(&init));
        let rootless = parse("0 1000 1\n1 100000 65536\n").unwrap();
        assert!(!is_identity(&rootless));
        assert_eq!(outside_id(&rootless, 0), Some(1000));
        assert_eq!(outside_id(&rootless, 5), Some(100004));
        assert_eq!(outside_id(&rootless, 70000), None);
        assert!(parse("0 x 1").is_err());
        assert!(parse("").unwrap().is_empty());
    }
}
