//! Flat keyed files: `key value` per line (`memory.stat`, `cpu.stat`, `memory.events`,
//! `memory.oom_control`) and `Key: value` per line (`/proc/self/status`, `/proc/meminfo`).
//!
//! Keys get added across kernel versions and their order varies, so values are looked up by
//! name. A key whose value is not a number makes that one value unknown, not the whole file.

use super::{quote, ParseError};

/// A parsed keyed file. Holds borrowed slices of the text it was parsed from.
#[derive(Debug, Clone)]
pub struct Keyed<'a> {
    lines: Lines<'a>,
}

#[derive(Debug, Clone)]
enum Lines<'a> {
    /// Split once, up front: stat files are read for most of their keys.
    Split(Vec<(&'a str, &'a str)>),
    /// Scanned at each lookup: status and meminfo have ~55 lines of which ctune wants a few
    /// (splitting them all was a fifth of `ctune exec`'s instructions).
    Colon(&'a str),
}

impl<'a> Keyed<'a> {
    /// `key value` lines (cgroup stat files). Leading white space is ignored.
    pub fn space_separated(text: &'a str) -> Self {
        let entries = text
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                let (k, v) = l.split_once([' ', '\t'])?;
                Some((k, v.trim()))
            })
            .collect();
        Keyed {
            lines: Lines::Split(entries),
        }
    }

    /// `Key: value` lines (`/proc/self/status`, `/proc/meminfo`).
    pub fn colon_separated(text: &'a str) -> Self {
        Keyed {
            lines: Lines::Colon(text),
        }
    }

    /// The raw value of the first line with this key.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        match &self.lines {
            Lines::Split(entries) => entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v),
            // One search per line (for its end), and the key compared in place: what
            // `l.split_once(':')` and `k.trim() == key` say, without searching each line twice.
            Lines::Colon(text) => {
                let mut rest = *text;
                while !rest.is_empty() {
                    let (line, next) = match rest.find('\n') {
                        Some(i) => (&rest[..i], &rest[i + 1..]),
                        None => (rest, ""),
                    };
                    if let Some(after) = line.trim_start().strip_prefix(key) {
                        if let Some(v) = after.trim_start().strip_prefix(':') {
                            return Some(v.trim());
                        }
                    }
                    rest = next;
                }
                None
            }
        }
    }

    /// A numeric value: `Ok(None)` when the key is absent, an error when it is not a number.
    pub fn u64(&self, key: &str) -> Result<Option<u64>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .map(Some)
                .map_err(|_| ParseError(format!("{key}: expected a number, found {}", quote(v)))),
        }
    }

    /// A numeric value that must be present.
    pub fn require_u64(&self, key: &str) -> Result<u64, ParseError> {
        self.u64(key)?
            .ok_or_else(|| ParseError(format!("no '{key}' line")))
    }

    /// A `/proc/meminfo` value in bytes (`MemTotal:  24576000 kB`).
    pub fn kib_as_bytes(&self, key: &str) -> Result<u64, ParseError> {
        let v = self
            .get(key)
            .ok_or_else(|| ParseError(format!("no '{key}' line")))?;
        let n = v.strip_suffix("kB").unwrap_or(v).trim();
        n.parse::<u64>()
            .ok()
            .and_then(|k| k.checked_mul(1024))
            .ok_or_else(|| ParseError(format!("{key}: expected '<n> kB', found {}", quote(v))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lookup() {
        let k = Keyed::space_separated(
            "\tnr_periods 10\n\tnr_throttled 2\n\tthrottled_time fortytwo\n",
        );
        assert_eq!(k.u64("nr_periods").unwrap(), Some(10));
        assert_eq!(k.u64("missing").unwrap(), None);
        assert!(k.u64("throttled_time").is_err());
    }

    #[test]
    fn status_and_meminfo() {
        let k = Keyed::colon_separated("Uid:\t0\t0\t0\t0\nMemTotal:       24576000 kB\n");
        assert_eq!(k.get("Uid"), Some("0\t0\t0\t0"));
        assert_eq!(k.kib_as_bytes("MemTotal").unwrap(), 24576000 * 1024);
        assert!(k.kib_as_bytes("Uid").is_err());
        // The first line with the key wins, as for stat files; lines without a colon are skipped.
        let k = Keyed::colon_separated("no colon here\nA : 1\nA: 2\n");
        assert_eq!(k.get("A"), Some("1"));
        assert_eq!(k.get("no colon here"), None);
        let k = Keyed::space_separated("a 1\na 2\n");
        assert_eq!(k.get("a"), Some("1"));
    }

    /// The in-place lookup says what splitting each line at its first colon says.
    #[test]
    fn colon_lookup_matches_split_once() {
        use proptest::prelude::*;
        fn reference<'a>(text: &'a str, key: &str) -> Option<&'a str> {
            text.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == key).then(|| v.trim())
            })
        }
        let line = "[ \tA-Ca-c:0-9\r]{0,12}";
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &(prop::collection::vec(line, 0..8), "[A-Ca-c]{1,3}"),
                |(lines, key)| {
                    let text = lines.join("\n");
                    let got = Keyed::colon_separated(&text).get(&key);
                    prop_assert_eq!(got, reference(&text, &key), "{:?}", text);
                    Ok(())
                },
            )
            .unwrap();
    }
}
