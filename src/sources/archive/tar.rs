//! A streaming tar reader with bounded memory: headers (ustar, GNU long names, PAX `path`,
//! `linkpath` and `size`) are read one 512-byte block at a time, and bodies are either skipped,
//! read up to a cap, or handed out as a reader (a layer inside a `docker save` archive).
//!
//! Why not the `tar` crate: it reads a GNU long name or a PAX header whole into memory,
//! whatever size the header claims, so a hostile stream on standard input could make it
//! allocate without bound. Here every header body is capped ([`MAX_HEADER`]).

use std::io::{self, Read};

/// The largest GNU long name or PAX header body accepted (real ones are < 1 KiB).
pub const MAX_HEADER: u64 = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    HardLink,
    Symlink,
    Dir,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// As stored (normalise with [`normalise`]).
    pub path: String,
    pub kind: EntryKind,
    pub size: u64,
    pub link: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TarError {
    #[error("read error: {0}")]
    Io(#[from] io::Error),
    #[error("truncated: the archive ends inside {0}")]
    Truncated(&'static str),
    #[error("not a tar archive: bad header checksum at byte {0}")]
    BadChecksum(u64),
    #[error("bad header at byte {offset}: {what}")]
    BadHeader { offset: u64, what: String },
    #[error("{what} of {size} bytes at byte {offset} is larger than the {MAX_HEADER}-byte limit")]
    HeaderTooLarge {
        what: &'static str,
        size: u64,
        offset: u64,
    },
}

/// Reads entries in order. Call [`TarReader::next`] for each header, then optionally read the
/// body with [`TarReader::body`] or [`TarReader::read_capped`]; the rest is skipped.
pub struct TarReader<R: Read> {
    r: R,
    /// Bytes of the current body not yet consumed.
    remaining: u64,
    /// Padding after the current body.
    padding: u64,
    offset: u64,
    done: bool,
}

fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// An octal field (NUL/space terminated), or GNU base-256 (high bit of the first byte).
fn number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        if field[0] & 0x40 != 0 {
            return None; // negative
        }
        let mut v: u64 = u64::from(field[0] & 0x3f);
        for b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(*b))?;
        }
        return Some(v);
    }
    let s: &[u8] = {
        let start = field.iter().position(|b| *b != b' ' && *b != 0)?;
        let end = field[start..]
            .iter()
            .position(|b| *b == b' ' || *b == 0)
            .map_or(field.len(), |e| start + e);
        &field[start..end]
    };
    let mut v: u64 = 0;
    for b in s {
        if !(b'0'..=b'7').contains(b) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

fn cstr(field: &[u8]) -> String {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

fn checksum_ok(block: &[u8; 512]) -> bool {
    let Some(want) = number(&block[148..156]) else {
        return false;
    };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { *b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    want == unsigned || i64::try_from(want).is_ok_and(|w| w == signed)
}

/// PAX records: `LEN key=value\n`. Only `path`, `linkpath` and `size` matter here.
fn pax(body: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|b| *b == b' ') else {
            break;
        };
        let Some(len) = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if len <= sp + 1 || len > rest.len() {
            break;
        }
        let rec = &rest[sp + 1..len];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = rec.iter().position(|b| *b == b'=') {
            out.push((
                String::from_utf8_lossy(&rec[..eq]).into_owned(),
                String::from_utf8_lossy(&rec[eq + 1..]).into_owned(),
            ));
        }
        rest = &rest[len..];
    }
    out
}

impl<R: Read> TarReader<R> {
    pub fn new(r: R) -> Self {
        TarReader {
            r,
            remaining: 0,
            padding: 0,
            offset: 0,
            done: false,
        }
    }

    fn skip(&mut self, n: u64) -> Result<(), TarError> {
        let got = io::copy(&mut (&mut self.r).take(n), &mut io::sink())?;
        self.offset += got;
        if got < n {
            return Err(TarError::Truncated("an entry's data"));
        }
        Ok(())
    }

    fn finish_entry(&mut self) -> Result<(), TarError> {
        let n = self.remaining + self.padding;
        self.remaining = 0;
        self.padding = 0;
        self.skip(n)
    }

    fn block(&mut self) -> Result<Option<[u8; 512]>, TarError> {
        let mut b = [0u8; 512];
        let n = read_full(&mut self.r, &mut b)?;
        self.offset += n as u64;
        if n == 0 {
            return Ok(None);
        }
        if n < 512 {
            return Err(TarError::Truncated("a header"));
        }
        Ok(Some(b))
    }

    /// A header's body (long name, PAX), capped.
    fn small_body(&mut self, size: u64, what: &'static str) -> Result<Vec<u8>, TarError> {
        if size > MAX_HEADER {
            return Err(TarError::HeaderTooLarge {
                what,
                size,
                offset: self.offset,
            });
        }
        let mut v = vec![0u8; size as usize];
        let n = read_full(&mut self.r, &mut v)?;
        self.offset += n as u64;
        if n < v.len() {
            return Err(TarError::Truncated(what));
        }
        self.skip(size.next_multiple_of(512) - size)?;
        Ok(v)
    }

    /// The next entry's header, or None at the end of the archive.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Header>, TarError> {
        if self.done {
            return Ok(None);
        }
        self.finish_entry()?;
        let mut long_name: Option<String> = None;
        let mut long_link: Option<String> = None;
        let mut pax_size: Option<u64> = None;
        loop {
            let at = self.offset;
            let Some(b) = self.block()? else {
                // No end-of-archive blocks: tolerated when nothing is pending (some writers).
                self.done = true;
                if long_name.is_some() || long_link.is_some() {
                    return Err(TarError::Truncated("a long-name header"));
                }
                return Ok(None);
            };
            if b.iter().all(|x| *x == 0) {
                self.done = true;
                return Ok(None);
            }
            if !checksum_ok(&b) {
                return Err(TarError::BadChecksum(at));
            }
            let size = number(&b[124..136]).ok_or_else(|| TarError::BadHeader {
                offset: at,
                what: "unreadable size field".into(),
            })?;
            let flag = b[156];
            match flag {
                b'L' => {
                    let v = self.small_body(size, "a GNU long name")?;
                    long_name = Some(cstr(&v));
                    continue;
                }
                b'K' => {
                    let v = self.small_body(size, "a GNU long link name")?;
                    long_link = Some(cstr(&v));
                    continue;
                }
                b'x' | b'X' => {
                    let v = self.small_body(size, "a PAX header")?;
                    for (k, val) in pax(&v) {
                        match k.as_str() {
                            "path" => long_name = Some(val),
                            "linkpath" => long_link = Some(val),
                            "size" => pax_size = val.parse().ok(),
                            _ => {}
                        }
                    }
                    continue;
                }
                b'g' => {
                    // Global PAX header: nothing here needs it.
                    self.small_body(size, "a global PAX header")?;
                    continue;
                }
                _ => {}
            }
            let ustar = &b[257..262] == b"ustar";
            let path = long_name.take().unwrap_or_else(|| {
                let name = cstr(&b[0..100]);
                let prefix = if ustar && &b[257..263] == b"ustar\0" {
                    cstr(&b[345..500])
                } else {
                    String::new()
                };
                if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                }
            });
            let link = long_link.take().or_else(|| {
                let l = cstr(&b[157..257]);
                (!l.is_empty()).then_some(l)
            });
            let kind = match flag {
                b'0' | 0 | b'7' => EntryKind::File,
                b'1' => EntryKind::HardLink,
                b'2' => EntryKind::Symlink,
                b'5' => EntryKind::Dir,
                _ => EntryKind::Other,
            };
            let size = pax_size.take().unwrap_or(size);
            // Links and directories carry no data whatever their size field says.
            let data = if matches!(
                kind,
                EntryKind::HardLink | EntryKind::Symlink | EntryKind::Dir
            ) {
                0
            } else {
                size
            };
            self.remaining = data;
            self.padding = data.next_multiple_of(512) - data;
            return Ok(Some(Header {
                path,
                kind,
                size: data,
                link: if matches!(kind, EntryKind::HardLink | EntryKind::Symlink) {
                    link
                } else {
                    None
                },
            }));
        }
    }

    /// The current entry's body, up to `cap` bytes; None when it is larger (then skipped).
    pub fn read_capped(&mut self, cap: u64) -> Result<Option<Vec<u8>>, TarError> {
        if self.remaining > cap {
            return Ok(None);
        }
        let mut v = vec![0u8; self.remaining as usize];
        let n = read_full(&mut self.r, &mut v)?;
        self.offset += n as u64;
        self.remaining -= n as u64;
        if n < v.len() {
            return Err(TarError::Truncated("an entry's data"));
        }
        Ok(Some(v))
    }

    /// The current entry's body as a reader (ends at the entry's end).
    pub fn body(&mut self) -> Body<'_, R> {
        Body { t: self }
    }

    /// Bytes of the archive read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

/// Reads the current entry's data; what is left unread is skipped by the next `next()`.
pub struct Body<'a, R: Read> {
    t: &'a mut TarReader<R>,
}

impl<R: Read> Read for Body<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.t.remaining == 0 {
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.t.remaining).unwrap_or(usize::MAX));
        let n = self.t.r.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the archive ends inside an entry",
            ));
        }
        self.t.remaining -= n as u64;
        self.t.offset += n as u64;
        Ok(n)
    }
}

/// A path inside an image as an absolute-less, normalised string (`./usr//bin/` → `usr/bin`).
/// None when it climbs out of the root (`../etc/passwd`): such an entry is hostile or broken
/// and is ignored (a runtime refuses it too).
pub fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
pub(crate) mod build {
    //! A tiny tar writer for tests (ustar; GNU long names when asked).

    pub fn header(name: &str, flag: u8, size: u64, link: &str) -> [u8; 512] {
        let mut b = [0u8; 512];
        b[..name.len().min(100)].copy_from_slice(&name.as_bytes()[..name.len().min(100)]);
        b[100..107].copy_from_slice(b"0000644");
        b[108..115].copy_from_slice(b"0000000");
        b[116..123].copy_from_slice(b"0000000");
        let s = format!("{size:011o}");
        b[124..135].copy_from_slice(s.as_bytes());
        b[136..147].copy_from_slice(b"00000000000");
        b[156] = flag;
        b[157..157 + link.len().min(100)].copy_from_slice(&link.as_bytes()[..link.len().min(100)]);
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        b[148..156].copy_from_slice(b"        ");
        let sum: u32 = b.iter().map(|x| u32::from(*x)).sum();
        let c = format!("{sum:06o}\0 ");
        b[148..156].copy_from_slice(c.as_bytes());
        b
    }

    /// Entries: (name, flag, data, link).
    pub fn tar(entries: &[(&str, u8, &[u8], &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, flag, data, link) in entries {
            if name.len() > 100 {
                let mut n = name.as_bytes().to_vec();
                n.push(0);
                out.extend_from_slice(&header("././@LongLink", b'L', n.len() as u64, ""));
                out.extend_from_slice(&n);
                out.resize(out.len().next_multiple_of(512), 0);
            }
            out.extend_from_slice(&header(name, *flag, data.len() as u64, link));
            out.extend_from_slice(data);
            out.resize(out.len().next_multiple_of(512), 0);
        }
        out.extend_from_slice(&[0u8; 1024]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Entries = Vec<(String, Option<Vec<u8>>)>;

    fn names(data: &[u8]) -> Result<Entries, TarError> {
        let mut t = TarReader::new(data);
        let mut out = Vec::new();
        while let Some(h) = t.next()? {
            let body = t.read_capped(1024)?;
            out.push((h.path, body));
        }
        Ok(out)
    }

    #[test]
    fn reads_entries_long_names_and_links() {
        let long = format!("opt/{}/release", "x".repeat(150));
        let data = build::tar(&[
            ("etc/passwd", b'0', b"root:x:0:0::/root:/bin/sh\n", ""),
            (&long, b'0', b"JAVA_VERSION=\"17\"\n", ""),
            ("usr/bin/java", b'2', b"", "../lib/jvm/bin/java"),
        ]);
        let got = names(&data).unwrap();
        assert_eq!(got[0].0, "etc/passwd");
        assert_eq!(got[1].0, long);
        assert_eq!(got[1].1.as_deref(), Some(&b"JAVA_VERSION=\"17\"\n"[..]));
        let mut t = TarReader::new(&data[..]);
        t.next().unwrap();
        t.next().unwrap();
        let h = t.next().unwrap().unwrap();
        assert_eq!(h.kind, EntryKind::Symlink);
        assert_eq!(h.link.as_deref(), Some("../lib/jvm/bin/java"));
    }

    #[test]
    fn truncation_and_garbage_are_errors() {
        let data = build::tar(&[("a", b'0', &[7u8; 3000], "")]);
        assert!(matches!(names(&data[..1000]), Err(TarError::Truncated(_))));
        assert!(matches!(names(&data[..300]), Err(TarError::Truncated(_))));
        assert!(matches!(names(&[1u8; 512]), Err(TarError::BadChecksum(0))));
    }

    #[test]
    fn huge_long_name_is_refused_without_allocating() {
        let mut data = build::header("././@LongLink", b'L', 1 << 32, "").to_vec();
        data.extend_from_slice(&[b'a'; 512]);
        assert!(matches!(names(&data), Err(TarError::HeaderTooLarge { .. })));
    }

    #[test]
    fn paths_normalise_and_escapes_are_refused() {
        assert_eq!(normalise("./usr//bin/").as_deref(), Some("usr/bin"));
        assert_eq!(normalise("/etc/passwd").as_deref(), Some("etc/passwd"));
        assert_eq!(normalise("a/../b").as_deref(), Some("b"));
        assert_eq!(normalise("../etc/passwd"), None);
        assert_eq!(normalise("a/../../x"), None);
    }

    #[test]
    fn base256_sizes() {
        assert_eq!(number(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), Some(256));
        assert_eq!(number(b"0000017\0"), Some(15));
        assert_eq!(number(b"   17 \0"), Some(15));
        assert_eq!(number(b"9"), None);
    }
}
