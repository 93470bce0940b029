//! `/proc/self/mountinfo` (proc(5)).
//!
//! `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS`
//!
//! There are zero or more optional fields, ended by a lone `-`. Everything after SOURCE is the
//! super options, which old cifs mounts fill with raw spaces, so it is kept whole. ROOT,
//! MOUNTPOINT and SOURCE escape space, tab, newline and backslash as `\040 \011 \012 \134`; any
//! `\ooo` is decoded (Rust's std and the procfs crate do not). A line that does not fit is
//! reported and skipped; the rest of the file still counts.

use super::{quote, ParseError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub id: u32,
    pub parent: u32,
    pub major: u32,
    pub minor: u32,
    /// The path inside the file system that is mounted here (a bind mount or a cgroup mount's
    /// position in its hierarchy).
    pub root: String,
    pub mount_point: String,
    pub mount_options: Vec<String>,
    pub optional: Vec<String>,
    pub fs_type: String,
    pub source: String,
    pub super_options: String,
}

impl Mount {
    pub fn device(&self) -> String {
        format!("{}:{}", self.major, self.minor)
    }

    pub fn read_only(&self) -> bool {
        self.mount_options.iter().any(|o| o == "ro")
    }

    /// Comma-separated super options as tokens (`rw,cpu,cpuacct` for a v1 cgroup mount).
    pub fn super_option_tokens(&self) -> impl Iterator<Item = &str> {
        self.super_options.split(',').map(str::trim)
    }
}

/// A line of the file that could not be parsed, with its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub error: ParseError,
}

/// Parse a whole mountinfo file: the mounts that parsed, and the lines that did not.
pub fn parse(text: &str) -> (Vec<Mount>, Vec<BadLine>) {
    let mut mounts = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(m) => mounts.push(m),
            Err(error) => bad.push(BadLine { line: i + 1, error }),
        }
    }
    (mounts, bad)
}

pub fn parse_line(line: &str) -> Result<Mount, ParseError> {
    let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
    let mut next = |what: &str| {
        fields
            .next()
            .ok_or_else(|| ParseError(format!("line ends before {what}: {}", quote(line))))
    };
    let id = num(next("the mount id")?, line)?;
    let parent = num(next("the parent id")?, line)?;
    let devno = next("MAJ:MIN")?;
    let (major, minor) = devno
        .split_once(':')
        .ok_or_else(|| ParseError(format!("expected MAJ:MIN, found {}", quote(devno))))?;
    let (major, minor) = (num(major, line)?, num(minor, line)?);
    let root = unescape(next("the root")?);
    let mount_point = unescape(next("the mount point")?);
    let mount_options = next("the mount options")?
        .split(',')
        .map(str::to_owned)
        .collect();
    let mut optional = Vec::new();
    loop {
        let f = next("the '-' separator")?;
        if f == "-" {
            break;
        }
        optional.push(f.to_owned());
    }
    let fs_type = next("the file system type")?.to_owned();
    let source = unescape(next("the source")?);
    // Super options: the rest of the line, raw spaces included.
    let rest: Vec<&str> = fields.collect();
    let super_options = rest.join(" ");
    Ok(Mount {
        id,
        parent,
        major,
        minor,
        root,
        mount_point,
        mount_options,
        optional,
        fs_type,
        source,
        super_options,
    })
}

fn num(s: &str, line: &str) -> Result<u32, ParseError> {
    s.parse().map_err(|_| {
        ParseError(format!(
            "expected a number, found {} in {}",
            quote(s),
            quote(line)
        ))
    })
}

/// Decode the kernel's `\ooo` octal escapes. Anything that is not a valid three-digit escape is
/// kept as it is; invalid UTF-8 after decoding is replaced (paths in output are text).
pub fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() {
            let d = &b[i + 1..i + 4];
            if d.iter().all(|c| (b'0'..=b'7').contains(c)) {
                let v = (d[0] - b'0') as u32 * 64 + (d[1] - b'0') as u32 * 8 + (d[2] - b'0') as u32;
                if v <= 255 {
                    out.push(v as u8);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_many_optional_fields() {
        let m = parse_line("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755")
            .unwrap();
        assert!(m.optional.is_empty());
        assert_eq!(m.fs_type, "tmpfs");
        let m = parse_line(
            "25 21 0:22 / /sys/fs/cgroup/cpu rw shared:7 shared:8 shared:9 - cgroup cgroup rw,cpu,cpuacct",
        )
        .unwrap();
        assert_eq!(m.optional, ["shared:7", "shared:8", "shared:9"]);
        assert_eq!(
            m.super_option_tokens().collect::<Vec<_>>(),
            ["rw", "cpu", "cpuacct"]
        );
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(unescape(r"/a\040b\011c\012d\134e"), "/a b\tc\nd\\e");
        assert_eq!(unescape(r"/trailing\04"), r"/trailing\04");
        assert_eq!(unescape(r"\777"), r"\777");
    }

    #[test]
    fn raw_spaces_stay_in_super_options() {
        let m = parse_line(r"1 2 0:50 / /mnt rw - cifs //srv/a\040b rw,user=x y,vers=3").unwrap();
        assert_eq!(m.source, "//srv/a b");
        assert_eq!(m.super_options, "rw,user=x y,vers=3");
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let (m, bad) = parse("garbage\n31 23 0:28 / /x rw - tmpfs tmpfs rw\n1 2 3\n");
        assert_eq!(m.len(), 1);
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [1, 3]);
    }
}
