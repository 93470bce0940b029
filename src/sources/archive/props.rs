//! Property tests for the archive reader: any truncation, any corrupted bytes, hostile paths
//! (`../`), link loops, huge headers and arbitrary data give images or an error, never a
//! panic; nothing is ever written (the reader has no file-system access at all: it takes a
//! stream).

use super::tar::build::tar;
use super::{read_stream, Image};
use proptest::prelude::*;
use std::io::Write;

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A docker-save archive with a hostile layer: escaping paths, escaping and looping links, a
/// whiteout of the JDK's parent, hard links to files outside the layer.
fn archive(compress_layer: bool) -> Vec<u8> {
    let layer = tar(&[
        ("../../../etc/passwd", b'0', b"root:x:0:0::/:/bin/sh\n", ""),
        (
            "opt/java/jdk/release",
            b'0',
            b"JAVA_VERSION=\"21.0.2\"\n",
            "",
        ),
        (
            "opt/java/jdk/bin/java",
            b'2',
            b"",
            "../../../../../../usr/bin/java",
        ),
        ("usr/bin/java", b'2', b"", "/opt/java/jdk/bin/java"),
        ("bin", b'2', b"", "bin"),
        ("etc/passwd", b'1', b"", "../../outside"),
        ("etc/group", b'0', b"app:x:1:\n", ""),
        ("opt/.wh.java", b'0', b"", ""),
        ("x/.wh..wh..opq", b'0', b"", ""),
    ]);
    let layer = if compress_layer { gz(&layer) } else { layer };
    let cfg = br#"{"config":{"User":"app","Env":["JAVA_HOME=/opt/java/jdk","PATH=/bin"],"Entrypoint":["/opt/java/jdk/bin/java"]}}"#;
    tar(&[
        ("l/layer.tar", b'0', &layer, ""),
        ("c.json", b'0', cfg, ""),
        (
            "manifest.json",
            b'0',
            br#"[{"Config":"c.json","RepoTags":["a:1"],"Layers":["l/layer.tar","../../x","missing"]}]"#,
            "",
        ),
    ])
}

fn read(data: &[u8]) -> Result<Vec<Image>, String> {
    read_stream("fuzz.tar", data, Some(data.len() as u64))
}

#[test]
fn hostile_archive_is_read_safely() {
    for c in [false, true] {
        let imgs = read(&archive(c)).unwrap();
        let i = &imgs[0];
        // The whiteout in the same layer does not remove the layer's own files.
        assert_eq!(i.java_homes.len(), 1);
        assert!(
            i.notes.iter().any(|n| n.contains("leaving the root")),
            "{:?}",
            i.notes
        );
        assert!(
            i.notes.iter().any(|n| n.contains("not in the archive")),
            "{:?}",
            i.notes
        );
        // No passwd (the escaping one is ignored, the hard link points outside): app unknown.
        assert_eq!(i.user.uid, None);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn truncated_never_panics(cut in 0usize..1_000_000, c in any::<bool>()) {
        let a = archive(c);
        let cut = cut % (a.len() + 1);
        let _ = read(&a[..cut]);
        let _ = read(&gz(&a[..cut]));
    }

    #[test]
    fn corrupted_never_panics(
        flips in proptest::collection::vec((0usize..1_000_000, any::<u8>()), 1..16),
        c in any::<bool>(),
    ) {
        let mut a = archive(c);
        for (at, b) in flips {
            let n = a.len();
            a[at % n] = b;
        }
        let _ = read(&a);
    }

    #[test]
    fn corrupted_zstd_never_panics(
        flips in proptest::collection::vec((0usize..1_000_000, any::<u8>()), 0..8),
        cut in 0usize..1_000_000,
    ) {
        let mut z = ruzstd::encoding::compress_to_vec(
            &archive(false)[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        for (at, b) in flips {
            let n = z.len();
            z[at % n] = b;
        }
        let cut = cut % (z.len() + 1);
        let _ = read(&z[..cut]);
        let _ = read(&z);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = read(&data);
        let mut t = data.clone();
        t.resize(600, 0);
        t[257..262].copy_from_slice(b"ustar");
        let _ = read(&t);
    }
}
