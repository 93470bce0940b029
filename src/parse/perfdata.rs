//! HotSpot's perf-data format: the file a JVM maps at `hsperfdata_<user>/<pid>` and updates in
//! place (what `jstat` and `jcmd PerfCounter.print` read). Reading it attaches nothing.
//!
//! The layout is version 2.0 of `sun.jvmstat.perfdata` (HotSpot's `perfMemory.hpp`, the JDK's
//! `PerfDataBufferPrologue` and `v2_0.PerfDataBuffer`):
//!
//! ```text
//! prologue, 32 bytes:  magic u32 (0xcafec0c0, always big-endian), byte_order u8 (0 big,
//!   1 little), major u8, minor u8, accessible u8, used i32, overflow i32,
//!   mod_time_stamp i64, entry_offset i32, num_entries i32
//! entry, 20-byte header at its offset: entry_length i32, name_offset i32, vector_length i32
//!   (0 = scalar), data_type u8 (a JNI type char: B Z C S I J F D), flags u8, units u8,
//!   variability u8, data_offset i32; the name (NUL-terminated) and the data follow, both
//!   at offsets relative to the entry's start.
//! ```
//!
//! Strings are `B` vectors whose units are `String` (5), cut at the first NUL. Every offset
//! and length is checked against the buffer before use, with checked arithmetic: garbage,
//! truncation and huge lengths give a [`PerfDataError`] naming the byte offset, never a panic.

use serde::Serialize;

/// The magic number at offset 0, stored big-endian whatever the buffer's byte order.
pub const MAGIC: u32 = 0xcafe_c0c0;
const PROLOGUE_LEN: usize = 32;
const ENTRY_HEADER_LEN: usize = 20;

/// What was wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("perf data, byte {offset}: {what}")]
pub struct PerfDataError {
    pub offset: usize,
    pub what: String,
}

fn err<T>(offset: usize, what: impl Into<String>) -> Result<T, PerfDataError> {
    Err(PerfDataError {
        offset,
        what: what.into(),
    })
}

/// Unit of measure (`PerfData::Units`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    None,
    Bytes,
    Ticks,
    Events,
    String,
    Hertz,
    Other(u8),
}

impl Units {
    fn from_byte(b: u8) -> Units {
        match b {
            1 => Units::None,
            2 => Units::Bytes,
            3 => Units::Ticks,
            4 => Units::Events,
            5 => Units::String,
            6 => Units::Hertz,
            o => Units::Other(o),
        }
    }
}

/// How the value changes (`PerfData::Variability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Variability {
    Constant,
    Monotonic,
    Variable,
    Other(u8),
}

impl Variability {
    fn from_byte(b: u8) -> Variability {
        match b {
            1 => Variability::Constant,
            2 => Variability::Monotonic,
            3 => Variability::Variable,
            o => Variability::Other(o),
        }
    }
}

/// An entry's value, by its JNI type code.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A `B`, `Z`, `C`, `S`, `I` or `J` scalar (`C` is an unsigned 16-bit char).
    Int(i64),
    /// An `F` or `D` scalar.
    Float(f64),
    /// A `B` vector with units `String`, up to its first NUL.
    Text(String),
    /// A `B` vector of other units.
    Bytes(Vec<u8>),
    /// A vector of `Z`, `C`, `S`, `I` or `J`.
    Ints(Vec<i64>),
    /// A vector of `F` or `D`.
    Floats(Vec<f64>),
    /// A type code this reader does not know (the entry is kept, its value is not decoded).
    Unsupported(u8),
}

/// One named counter.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    /// The JNI type code (`b'J'`, `b'B'`, ...).
    pub data_type: u8,
    pub flags: u8,
    pub units: Units,
    pub variability: Variability,
    /// 0 for a scalar.
    pub vector_length: usize,
    pub value: Value,
    /// Where the entry starts in the buffer.
    pub offset: usize,
    /// Where its data starts in the buffer.
    pub data_offset: usize,
}

/// A parsed buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct PerfData {
    pub big_endian: bool,
    pub major: u8,
    pub minor: u8,
    /// The JVM has finished writing the prologue (0 while it starts).
    pub accessible: bool,
    /// Bytes the JVM has used; entries lie below it.
    pub used: usize,
    pub overflow: u32,
    pub mod_time_stamp: i64,
    pub entries: Vec<Entry>,
}

impl PerfData {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .map(|e| &e.value)
    }

    /// An integer counter's value.
    pub fn long(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// A string counter's value.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The entries whose names start with `prefix`.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.name.starts_with(prefix))
    }
}

/// Bounds-checked reads in the buffer's byte order.
struct Buf<'a> {
    b: &'a [u8],
    big: bool,
}

impl Buf<'_> {
    fn bytes<const N: usize>(&self, at: usize, what: &str) -> Result<[u8; N], PerfDataError> {
        match at.checked_add(N).and_then(|end| self.b.get(at..end)) {
            Some(s) => {
                let mut a = [0u8; N];
                a.copy_from_slice(s);
                Ok(a)
            }
            None => err(
                at,
                format!(
                    "{what}: {N} bytes needed, the buffer ends at {}",
                    self.b.len()
                ),
            ),
        }
    }

    fn u8(&self, at: usize, what: &str) -> Result<u8, PerfDataError> {
        Ok(self.bytes::<1>(at, what)?[0])
    }

    fn i16(&self, at: usize, what: &str) -> Result<i16, PerfDataError> {
        let a = self.bytes::<2>(at, what)?;
        Ok(if self.big {
            i16::from_be_bytes(a)
        } else {
            i16::from_le_bytes(a)
        })
    }

    fn i32(&self, at: usize, what: &str) -> Result<i32, PerfDataError> {
        let a = self.bytes::<4>(at, what)?;
        Ok(if self.big {
            i32::from_be_bytes(a)
        } else {
            i32::from_le_bytes(a)
        })
    }

    fn i64(&self, at: usize, what: &str) -> Result<i64, PerfDataError> {
        let a = self.bytes::<8>(at, what)?;
        Ok(if self.big {
            i64::from_be_bytes(a)
        } else {
            i64::from_le_bytes(a)
        })
    }

    /// A non-negative `i32` as a length or offset.
    fn len(&self, at: usize, what: &str) -> Result<usize, PerfDataError> {
        let v = self.i32(at, what)?;
        usize::try_from(v).or_else(|_| err(at, format!("{what} is negative ({v})")))
    }
}

/// Size in bytes of one element of a JNI type, None for a type this reader does not know.
fn type_size(t: u8) -> Option<usize> {
    match t {
        b'B' | b'Z' => Some(1),
        b'C' | b'S' => Some(2),
        b'I' | b'F' => Some(4),
        b'J' | b'D' => Some(8),
        _ => None,
    }
}

/// Parse a whole buffer.
pub fn parse(bytes: &[u8]) -> Result<PerfData, PerfDataError> {
    if bytes.len() < PROLOGUE_LEN {
        return err(
            0,
            format!(
                "{} bytes is shorter than the {PROLOGUE_LEN}-byte prologue",
                bytes.len()
            ),
        );
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if magic != MAGIC {
        return err(
            0,
            format!("magic is {magic:#010x}, not {MAGIC:#010x}: not a HotSpot perf-data file"),
        );
    }
    let big = match bytes[4] {
        0 => true,
        1 => false,
        o => {
            return err(
                4,
                format!("byte order {o} is neither 0 (big) nor 1 (little)"),
            )
        }
    };
    let (major, minor) = (bytes[5], bytes[6]);
    if major != 2 {
        return err(
            5,
            format!("version {major}.{minor} is not supported (only 2.x, JDK 1.4.2 and later)"),
        );
    }
    let b = Buf { b: bytes, big };
    let used = b.len(8, "used")?;
    if used > bytes.len() {
        return err(
            8,
            format!("used is {used}, beyond the {}-byte buffer", bytes.len()),
        );
    }
    let overflow = b.i32(12, "overflow")? as u32;
    let mod_time_stamp = b.i64(16, "mod_time_stamp")?;
    let entry_offset = b.len(24, "entry_offset")?;
    let num_entries = b.len(28, "num_entries")?;
    if entry_offset < PROLOGUE_LEN || entry_offset > used {
        return err(
            24,
            format!("entry_offset {entry_offset} is outside {PROLOGUE_LEN}..={used}"),
        );
    }
    // Each entry takes at least its header: more than fit is garbage (and no allocation).
    if num_entries > (used - entry_offset) / ENTRY_HEADER_LEN {
        return err(
            28,
            format!(
                "num_entries {num_entries} cannot fit in the {} bytes used after the prologue",
                used - entry_offset
            ),
        );
    }
    let mut entries = Vec::with_capacity(num_entries);
    let mut at = entry_offset;
    for _ in 0..num_entries {
        let (e, len) = entry(&b, at, used)?;
        entries.push(e);
        at += len;
    }
    Ok(PerfData {
        big_endian: big,
        major,
        minor,
        accessible: bytes[7] != 0,
        used,
        overflow,
        mod_time_stamp,
        entries,
    })
}

/// One entry at `at`; returns it and its length.
fn entry(b: &Buf, at: usize, used: usize) -> Result<(Entry, usize), PerfDataError> {
    let len = b.len(at, "entry_length")?;
    let end = at.checked_add(len).filter(|&e| e <= used);
    let Some(end) = end else {
        return err(
            at,
            format!("entry_length {len} runs past the {used} bytes used"),
        );
    };
    if len < ENTRY_HEADER_LEN {
        return err(
            at,
            format!("entry_length {len} is shorter than the {ENTRY_HEADER_LEN}-byte entry header"),
        );
    }
    let name_offset = b.len(at + 4, "name_offset")?;
    let vector_length = b.len(at + 8, "vector_length")?;
    let data_type = b.u8(at + 12, "data_type")?;
    let flags = b.u8(at + 13, "flags")?;
    let units = Units::from_byte(b.u8(at + 14, "units")?);
    let variability = Variability::from_byte(b.u8(at + 15, "variability")?);
    let data_offset = b.len(at + 16, "data_offset")?;
    if name_offset < ENTRY_HEADER_LEN || name_offset >= len {
        return err(
            at + 4,
            format!("name_offset {name_offset} is outside the entry ({ENTRY_HEADER_LEN}..{len})"),
        );
    }
    if data_offset > len {
        return err(
            at + 16,
            format!("data_offset {data_offset} is past the entry's {len} bytes"),
        );
    }
    // The name runs to its NUL, which must come before the data (or the entry's end).
    let name_end = if data_offset > name_offset {
        data_offset
    } else {
        len
    };
    let raw = &b.b[at + name_offset..at + name_end];
    let Some(nul) = raw.iter().position(|&c| c == 0) else {
        return err(at + name_offset, "entry name has no terminating NUL");
    };
    let name = String::from_utf8_lossy(&raw[..nul]).into_owned();
    let data_at = at + data_offset;
    let value = match type_size(data_type) {
        None => Value::Unsupported(data_type),
        Some(size) => {
            let count = vector_length.max(1);
            let need = count.checked_mul(size).and_then(|n| data_at.checked_add(n));
            if need.is_none_or(|n| n > end) {
                return err(
                    at + 8,
                    format!(
                        "{name}: {count} elements of {size} bytes at offset {data_offset} do not fit in the entry's {len} bytes"
                    ),
                );
            }
            decode(b, data_type, units, vector_length, data_at)?
        }
    };
    Ok((
        Entry {
            name,
            data_type,
            flags,
            units,
            variability,
            vector_length,
            value,
            offset: at,
            data_offset: data_at,
        },
        len,
    ))
}

/// Decode data already checked to lie inside the entry.
fn decode(
    b: &Buf,
    t: u8,
    units: Units,
    vector_length: usize,
    at: usize,
) -> Result<Value, PerfDataError> {
    let one = |i: usize| -> Result<Value, PerfDataError> {
        Ok(match t {
            b'B' => Value::Int(b.u8(i, "byte")? as i8 as i64),
            b'Z' => Value::Int((b.u8(i, "boolean")? != 0) as i64),
            b'C' => Value::Int(b.i16(i, "char")? as u16 as i64),
            b'S' => Value::Int(b.i16(i, "short")? as i64),
            b'I' => Value::Int(b.i32(i, "int")? as i64),
            b'J' => Value::Int(b.i64(i, "long")?),
            b'F' => Value::Float(f32::from_bits(b.i32(i, "float")? as u32) as f64),
            b'D' => Value::Float(f64::from_bits(b.i64(i, "double")? as u64)),
            o => Value::Unsupported(o),
        })
    };
    if vector_length == 0 {
        return one(at);
    }
    if t == b'B' {
        let data = &b.b[at..at + vector_length];
        return Ok(if units == Units::String {
            let cut = data.iter().position(|&c| c == 0).unwrap_or(data.len());
            Value::Text(String::from_utf8_lossy(&data[..cut]).into_owned())
        } else {
            Value::Bytes(data.to_vec())
        });
    }
    let size = type_size(t).unwrap_or(1);
    let mut ints = Vec::new();
    let mut floats = Vec::new();
    for i in 0..vector_length {
        match one(at + i * size)? {
            Value::Int(v) => ints.push(v),
            Value::Float(v) => floats.push(v),
            other => return Ok(other),
        }
    }
    Ok(if matches!(t, b'F' | b'D') {
        Value::Floats(floats)
    } else {
        Value::Ints(ints)
    })
}

/// The buffer with the values of secret-looking `-Dname=value` words in its strings
/// (`java.rt.vmArgs`, `sun.rt.javaCommand`, ...) overwritten by `*`, byte for byte, so the
/// file keeps its layout. HotSpot joins the options with single spaces, so a value that held a
/// space is in several words: the words after a secret value that do not begin like an option
/// (`starts_option`) are its rest, and are overwritten with it. A buffer that does not parse is
/// returned as it is.
pub fn redact(
    bytes: &[u8],
    secret_value: impl Fn(&[u8]) -> Option<std::ops::Range<usize>>,
    starts_option: impl Fn(&[u8]) -> bool,
) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let Ok(p) = parse(bytes) else {
        return out;
    };
    for e in &p.entries {
        if !matches!(e.value, Value::Text(_)) {
            continue;
        }
        let end = e.data_offset + e.vector_length;
        let mut start = e.data_offset;
        let mut in_secret = false;
        for i in e.data_offset..=end {
            let nul = i < end && out[i] == 0;
            if i == end || out[i] == b' ' || nul {
                let word = &out[start..i];
                if in_secret && !starts_option(word) {
                    // The space before it too: one run of `*` for the whole value.
                    out[start.saturating_sub(1).max(e.data_offset)..i].fill(b'*');
                } else if let Some(r) = secret_value(word) {
                    out[start + r.start..start + r.end].fill(b'*');
                    in_secret = true;
                } else {
                    in_secret = false;
                }
                in_secret &= !nul;
                start = i + 1;
            }
        }
    }
    out
}

/// One entry for [`build`]: `(name, type, units, variability, vector_length, data)`.
pub type RawEntry<'a> = (&'a str, u8, u8, u8, usize, Vec<u8>);

/// Build a buffer in the format (for tests and fixtures), written with 8-byte aligned data as
/// HotSpot does.
pub fn build(big_endian: bool, entries: &[RawEntry]) -> Vec<u8> {
    let w32 = |v: i32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut body = Vec::new();
    for (name, t, units, var, vlen, data) in entries {
        let name_offset = ENTRY_HEADER_LEN;
        let name_len = name.len() + 1;
        let data_offset = (name_offset + name_len).div_ceil(8) * 8;
        let len = (data_offset + data.len()).div_ceil(8) * 8;
        let start = body.len();
        body.extend_from_slice(&w32(len as i32));
        body.extend_from_slice(&w32(name_offset as i32));
        body.extend_from_slice(&w32(*vlen as i32));
        body.extend_from_slice(&[*t, 0, *units, *var]);
        body.extend_from_slice(&w32(data_offset as i32));
        body.extend_from_slice(name.as_bytes());
        body.push(0);
        body.resize(start + data_offset, 0);
        body.extend_from_slice(data);
        body.resize(start + len, 0);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC.to_be_bytes());
    out.extend_from_slice(&[if big_endian { 0 } else { 1 }, 2, 0, 1]);
    out.extend_from_slice(&w32((PROLOGUE_LEN + body.len()) as i32));
    out.extend_from_slice(&w32(0));
    out.extend_from_slice(&[0u8; 8]);
    out.extend_from_slice(&w32(PROLOGUE_LEN as i32));
    out.extend_from_slice(&w32(entries.len() as i32));
    out.extend_from_slice(&body);
    out
}

/// A long in the given byte order (for [`build`]).
pub fn long_bytes(big_endian: bool, v: i64) -> Vec<u8> {
    if big_endian {
        v.to_be_bytes().to_vec()
    } else {
        v.to_le_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(big: bool) -> Vec<u8> {
        let mut s = b"Copy:MSC".to_vec();
        s.resize(16, 0);
        build(
            big,
            &[
                (
                    "sun.os.hrt.frequency",
                    b'J',
                    6,
                    1,
                    0,
                    long_bytes(big, 1_000_000_000),
                ),
                ("sun.gc.policy.name", b'B', 5, 1, 16, s),
                (
                    "t.int",
                    b'I',
                    1,
                    3,
                    0,
                    long_bytes(big, -7)[if big { 4 } else { 0 }..][..4].to_vec(),
                ),
                ("t.bytes", b'B', 1, 1, 3, vec![1, 2, 3]),
                (
                    "t.double",
                    b'D',
                    1,
                    3,
                    0,
                    long_bytes(big, 2.5f64.to_bits() as i64),
                ),
                (
                    "t.shorts",
                    b'S',
                    1,
                    3,
                    2,
                    if big {
                        vec![0, 1, 0xff, 0xff]
                    } else {
                        vec![1, 0, 0xff, 0xff]
                    },
                ),
                ("t.void", b'V', 1, 1, 0, vec![]),
            ],
        )
    }

    #[test]
    fn both_byte_orders_and_every_type() {
        for big in [true, false] {
            let p = parse(&sample(big)).unwrap();
            assert_eq!(p.big_endian, big);
            assert_eq!((p.major, p.minor), (2, 0));
            assert_eq!(p.long("sun.os.hrt.frequency"), Some(1_000_000_000));
            assert_eq!(p.text("sun.gc.policy.name"), Some("Copy:MSC"));
            assert_eq!(p.long("t.int"), Some(-7));
            assert_eq!(p.get("t.bytes"), Some(&Value::Bytes(vec![1, 2, 3])));
            assert_eq!(p.get("t.double"), Some(&Value::Float(2.5)));
            assert_eq!(p.get("t.shorts"), Some(&Value::Ints(vec![1, -1])));
            assert_eq!(p.get("t.void"), Some(&Value::Unsupported(b'V')));
            assert_eq!(p.entries[0].units, Units::Hertz);
            assert_eq!(p.entries[0].variability, Variability::Constant);
        }
    }

    #[test]
    fn garbage_and_truncation_say_where() {
        let good = sample(false);
        assert_eq!(parse(&good[..10]).unwrap_err().offset, 0);
        let mut bad = good.clone();
        bad[0] = 0;
        assert!(parse(&bad).unwrap_err().what.contains("magic"));
        let mut bad = good.clone();
        bad[4] = 7;
        assert_eq!(parse(&bad).unwrap_err().offset, 4);
        let mut bad = good.clone();
        bad[5] = 1;
        assert!(parse(&bad).unwrap_err().what.contains("version 1.0"));
        // Cut in the middle of the entries: `used` now points past the end.
        let e = parse(&good[..good.len() - 9]).unwrap_err();
        assert_eq!(e.offset, 8, "{e}");
        // A huge entry length at the first entry.
        let mut bad = good.clone();
        bad[32..36].copy_from_slice(&i32::MAX.to_le_bytes());
        let e = parse(&bad).unwrap_err();
        assert_eq!(e.offset, 32, "{e}");
        // A huge vector length.
        let mut bad = good.clone();
        bad[40..44].copy_from_slice(&0x7fff_fff0i32.to_le_bytes());
        assert_eq!(parse(&bad).unwrap_err().offset, 40);
        // Negative num_entries.
        let mut bad = good;
        bad[28..32].copy_from_slice(&(-1i32).to_le_bytes());
        assert!(parse(&bad).unwrap_err().what.contains("negative"));
    }

    #[test]
    fn redaction_keeps_the_layout() {
        // The second password held a space: HotSpot's joined string has it in two words.
        let mut args = b"-Xmx1g -Ddb.password=hunter2 -Dapp.name=x -Da.token=one two -ea".to_vec();
        args.resize(80, 0);
        for big in [true, false] {
            let b = build(big, &[("java.rt.vmArgs", b'B', 5, 1, 80, args.clone())]);
            let r = redact(
                &b,
                crate::secrets::secret_property_value,
                crate::jvm::options::starts_like_option,
            );
            assert_eq!(r.len(), b.len());
            let p = parse(&r).unwrap();
            assert_eq!(
                p.text("java.rt.vmArgs"),
                Some("-Xmx1g -Ddb.password=******* -Dapp.name=x -Da.token=******* -ea")
            );
        }
    }
}
