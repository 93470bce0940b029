//! Pure parsers for the kernel and system files the probe reads.
//!
//! Every function here takes `&str` (or bytes, where the format is binary-ish like
//! `/proc/self/environ`) and returns values or a [`ParseError`] that says what was wrong. None of
//! them touches the file system: the probe layer reads, these parse, so each parser can be fed
//! arbitrary input by the property tests and by fixtures without a kernel.
//!
//! Errors carry no path: the caller knows which file it read and prefixes it.

pub mod argfile;
pub mod caps;
pub mod cgroup_values;
pub mod cpulist;
pub mod environ;
pub mod idmap;
pub mod keyed;
pub mod mountinfo;
pub mod passwd;
pub mod perfdata;
pub mod proc_cgroup;
pub mod proc_cgroups;
pub mod psi;
pub mod release;

use std::fmt;

/// What was wrong with a file's contents. The text quotes the offending input, shortened, so a
/// user reading `unknown: cpu.max: expected '<quota> <period>', found 'abc'` can act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub fn new(msg: impl Into<String>) -> Self {
        ParseError(msg.into())
    }
}

/// Quote at most 60 characters of `s` for an error message, with control characters escaped.
pub fn quote(s: &str) -> Quoted<'_> {
    Quoted(s)
}

pub struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'")?;
        for (i, c) in self.0.chars().enumerate() {
            if i == 60 {
                f.write_str("...")?;
                break;
            }
            match c {
                '\'' => f.write_str("'")?,
                c => write!(f, "{}", c.escape_debug())?,
            }
        }
        f.write_str("'")
    }
}

/// Parse an unsigned decimal integer, trimmed, with a message that quotes the input.
pub fn parse_u64(s: &str) -> Result<u64, ParseError> {
    let t = s.trim();
    t.parse::<u64>()
        .map_err(|_| ParseError(format!("expected an unsigned integer, found {}", quote(t))))
}
