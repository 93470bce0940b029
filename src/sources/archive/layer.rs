//! One layer (a tar, plain, gzip or zstd) read once, as a stream, into a small summary: the
//! few files ctune reads (`release`, `etc/passwd`, `etc/group`), the entries whose names
//! matter (`bin/java`, `libnss_wrapper*`, `ctune`, symbolic links on the way to them) and the
//! whiteouts. Everything else is skipped unread; memory is bounded by [`MAX_KEPT`] entries of
//! at most [`MAX_FILE`] bytes each, whatever the layer's size.

use super::tar::{normalise, EntryKind, TarError, TarReader};
use std::io::{self, Read};

/// The largest `release` / `passwd` / `group` file kept.
pub const MAX_FILE: u64 = 1 << 20;
/// The most entries kept per layer (a hostile layer of a million `bin/java` links stops here).
pub const MAX_KEPT: usize = 20_000;
/// The most file data kept per layer (a real one has a few `release` files and a passwd).
pub const MAX_LAYER_DATA: u64 = 8 << 20;
/// Decompressed bytes allowed per compressed byte before a layer counts as a bomb (gzip's own
/// ceiling is about 1032), with a floor of [`BOMB_FLOOR`].
pub const BOMB_RATIO: u64 = 2000;
pub const BOMB_FLOOR: u64 = 4 << 30;
/// With no compressed size to compare (a compressed stream on standard input): the cap.
pub const BOMB_UNSIZED: u64 = 256 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// What the first bytes say: gzip, zstd, or a tar (`ustar` at 257, or a valid header).
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if head.len() >= 263 && &head[257..262] == b"ustar" {
            Some(Compression::None)
        } else if head.len() >= 512 && head.iter().all(|b| *b == 0) {
            // An empty tar (a layer with no files): two zero blocks.
            Some(Compression::None)
        } else {
            None
        }
    }
}

/// One kept entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub path: String,
    pub kind: EntryKind,
    pub link: Option<String>,
    pub data: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub kept: Vec<Kept>,
    /// Paths a `.wh.NAME` entry removes from the layers below.
    pub whiteouts: Vec<String>,
    /// Directories a `.wh..wh..opq` entry empties of the layers below.
    pub opaque: Vec<String>,
    pub entries: u64,
    /// Entries whose path leaves the root (`../x`): ignored.
    pub hostile: u64,
    /// More than [`MAX_KEPT`] entries to keep: the rest were dropped.
    pub overflow: bool,
    pub compression: Option<Compression>,
}

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Files read whole.
fn wanted_data(p: &str) -> bool {
    p == "etc/passwd" || p == "etc/group" || base(p) == "release"
}

/// Entries whose existence or link target matters.
fn wanted_name(p: &str, kind: EntryKind) -> bool {
    let b = base(p);
    if p == "bin/java" || p.ends_with("/bin/java") || b.starts_with("libnss_wrapper") {
        return true;
    }
    if b == "ctune" && kind != EntryKind::Dir {
        return true;
    }
    if kind == EntryKind::Symlink || kind == EntryKind::HardLink {
        let depth = p.matches('/').count();
        let l = p.to_ascii_lowercase();
        return depth <= 2
            || ["java", "jdk", "jre", "jvm", "passwd", "group"]
                .iter()
                .any(|k| l.contains(k));
    }
    false
}

/// Counts decompressed bytes and stops a bomb.
struct Guard<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(io::Error::other(format!(
                "decompression bomb: more than {} bytes out",
                self.limit
            )));
        }
        Ok(n)
    }
}

/// A reader with its first bytes given back in front of the rest.
pub type Peeked<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

/// Peek at the first 512 bytes of a reader, and give them back in front of the rest.
pub fn peek<R: Read>(mut r: R) -> io::Result<(Vec<u8>, Peeked<R>)> {
    let mut head = vec![0u8; 512];
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(n);
    Ok((head.clone(), io::Cursor::new(head).chain(r)))
}

/// The decompressed stream of `r` (its compression already sniffed), with the bomb guard.
pub fn decompress<'a, R: Read + 'a>(
    c: Compression,
    r: R,
    compressed_size: Option<u64>,
) -> Result<Box<dyn Read + 'a>, String> {
    let limit = match (c, compressed_size) {
        (Compression::None, _) => u64::MAX,
        (_, Some(s)) => s.saturating_mul(BOMB_RATIO).max(BOMB_FLOOR),
        (_, None) => BOMB_UNSIZED,
    };
    let inner: Box<dyn Read + 'a> = match c {
        Compression::None => Box::new(r),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 16, r),
        )),
        Compression::Zstd => {
            Box::new(ruzstd::decoding::StreamingDecoder::new(r).map_err(|e| format!("zstd: {e}"))?)
        }
    };
    Ok(Box::new(Guard {
        inner,
        read: 0,
        limit,
    }))
}

fn tar_err(e: TarError) -> String {
    e.to_string()
}

/// Read a layer (any compression) into its summary. The error says what went wrong; the
/// caller names the file.
pub fn summarise<R: Read>(r: R, compressed_size: Option<u64>) -> Result<Summary, String> {
    let (head, r) = peek(r).map_err(|e| format!("read error: {e}"))?;
    let Some(c) = Compression::sniff(&head) else {
        return Err("not a layer: neither a tar nor gzip or zstd data".into());
    };
    let plain = decompress(c, r, compressed_size)?;
    let mut s = summarise_tar(plain)?;
    s.compression = Some(c);
    Ok(s)
}

/// Summarise an uncompressed layer tar.
pub fn summarise_tar<R: Read>(r: R) -> Result<Summary, String> {
    let mut t = TarReader::new(io::BufReader::with_capacity(1 << 16, r));
    let mut s = Summary::default();
    let mut data_total = 0u64;
    while let Some(h) = t.next().map_err(tar_err)? {
        s.entries += 1;
        let Some(path) = normalise(&h.path) else {
            s.hostile += 1;
            continue;
        };
        let b = base(&path);
        let parent = path.rsplit_once('/').map_or("", |(d, _)| d);
        if b == ".wh..wh..opq" {
            s.opaque.push(parent.to_owned());
            continue;
        }
        if let Some(name) = b.strip_prefix(".wh.") {
            if !name.is_empty() {
                s.whiteouts.push(if parent.is_empty() {
                    name.to_owned()
                } else {
                    format!("{parent}/{name}")
                });
            }
            continue;
        }
        let data_wanted = h.kind == EntryKind::File && wanted_data(&path);
        let hard_link_to_data = h.kind == EntryKind::HardLink && wanted_data(&path);
        if !(data_wanted || wanted_name(&path, h.kind) || hard_link_to_data) {
            continue;
        }
        if s.kept.len() >= MAX_KEPT {
            s.overflow = true;
            continue;
        }
        let data = if data_wanted && data_total + h.size <= MAX_LAYER_DATA {
            t.read_capped(MAX_FILE).map_err(tar_err)?
        } else {
            if data_wanted {
                s.overflow = true;
            }
            None
        };
        data_total += data.as_ref().map_or(0, |d| d.len() as u64);
        let link = h.link.as_deref().map(|l| {
            if h.kind == EntryKind::HardLink {
                // Hard links name a path in the same archive.
                normalise(l).unwrap_or_default()
            } else {
                l.to_owned()
            }
        });
        // A hard link to a file kept earlier in this layer gets its data.
        let data = match (h.kind, &link) {
            (EntryKind::HardLink, Some(l)) => s
                .kept
                .iter()
                .rev()
                .find(|k| &k.path == l)
                .and_then(|k| k.data.clone()),
            _ => data,
        };
        s.kept.push(Kept {
            path,
            kind: h.kind,
            link,
            data,
        });
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::super::tar::build::tar;
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn keeps_only_what_matters() {
        let layer = tar(&[
            (
                "etc/passwd",
                b'0',
                b"app:x:1000:1000::/home/app:/bin/sh\n",
                "",
            ),
            ("usr/share/doc/big", b'0', &[1u8; 5000], ""),
            (
                "opt/java/openjdk/release",
                b'0',
                b"JAVA_VERSION=\"17.0.9\"\n",
                "",
            ),
            ("opt/java/openjdk/bin/java", b'0', b"ELF", ""),
            ("bin", b'2', b"", "usr/bin"),
            ("usr/lib/libnss_wrapper.so", b'0', b"", ""),
            ("opt/.wh.old", b'0', b"", ""),
            ("var/.wh..wh..opq", b'0', b"", ""),
            ("../../etc/shadow", b'0', b"x", ""),
        ]);
        for data in [layer.clone(), gz(&layer)] {
            let s = summarise(&data[..], Some(data.len() as u64)).unwrap();
            let paths: Vec<&str> = s.kept.iter().map(|k| k.path.as_str()).collect();
            assert_eq!(
                paths,
                [
                    "etc/passwd",
                    "opt/java/openjdk/release",
                    "opt/java/openjdk/bin/java",
                    "bin",
                    "usr/lib/libnss_wrapper.so"
                ]
            );
            assert_eq!(s.whiteouts, ["opt/old"]);
            assert_eq!(s.opaque, ["var"]);
            assert_eq!(s.hostile, 1);
            assert_eq!(s.entries, 9);
        }
    }

    #[test]
    fn kept_data_is_bounded_per_layer() {
        let big = vec![b'x'; 1 << 20];
        let names: Vec<String> = (0..12).map(|i| format!("opt/j{i}/release")).collect();
        let entries: Vec<(&str, u8, &[u8], &str)> = names
            .iter()
            .map(|n| (n.as_str(), b'0', &big[..], ""))
            .collect();
        let s = summarise_tar(&tar(&entries)[..]).unwrap();
        let kept: u64 = s
            .kept
            .iter()
            .filter_map(|k| k.data.as_ref())
            .map(|d| d.len() as u64)
            .sum();
        assert!(kept <= MAX_LAYER_DATA);
        assert!(s.overflow);
    }

    #[test]
    fn bombs_and_garbage_are_errors() {
        // 64 MiB of zeros in a tar, gzip'd to ~64 KiB: over 2000:1 with a tiny floor... use
        // the ratio directly with a small claimed compressed size.
        let big = tar(&[("x", b'0', &vec![0u8; 2 << 20], "")]);
        let z = gz(&big);
        let plain = decompress(Compression::Gzip, &z[..], Some(1)).unwrap();
        // The floor (4 GiB) lets this through: a real bomb needs more than 4 GiB.
        assert!(summarise_tar(plain).is_ok());
        let mut g = Guard {
            inner: flate2::read::GzDecoder::new(&z[..]),
            read: 0,
            limit: 1 << 20,
        };
        let e = io::copy(&mut g, &mut io::sink()).unwrap_err();
        assert!(e.to_string().contains("decompression bomb"));
        assert!(summarise(&b"hello"[..], None).is_err());
        assert!(summarise(&gz(b"not a tar at all, but long enough? no")[..], None).is_err());
    }
}
