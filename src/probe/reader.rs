//! The one file reader of the probe: every path is read relative to a root.
//!
//! On the live system the root is `/` and paths go straight to the kernel. With `--root DIR`,
//! `/X` is read as `DIR/X` and symbolic links are resolved by hand, component by component, so
//! that an absolute link target or a `..` can never leave DIR. `/proc/self` is taken literally
//! (a snapshot stores it as a plain directory).
//!
//! When recording (for `ctune snapshot`), every file read, every link followed and every
//! directory passed is remembered, so the snapshot holds exactly what the probe looked at.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// The largest file the probe reads; anything larger is reported as too large, not read.
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Symbolic links followed in one path before giving up (as the kernel's ELOOP).
const MAX_LINK_HOPS: usize = 40;

/// Why a path could not be read. The path is the one inside the inspected system.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: no such file")]
    NotFound { path: String },
    #[error("{path}: permission denied")]
    PermissionDenied { path: String },
    #[error("{path}: larger than {} MiB", MAX_FILE_BYTES >> 20)]
    TooLarge { path: String },
    #[error("{path}: not valid UTF-8 text")]
    NotUtf8 { path: String },
    #[error("{path}: too many levels of symbolic links")]
    LinkLoop { path: String },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

impl ReadError {
    fn from_io(path: &str, e: io::Error) -> Self {
        let path = path.to_owned();
        match e.kind() {
            io::ErrorKind::NotFound => ReadError::NotFound { path },
            io::ErrorKind::PermissionDenied => ReadError::PermissionDenied { path },
            _ if e.raw_os_error() == Some(20) => ReadError::NotFound { path }, // ENOTDIR
            _ => ReadError::Io { path, source: e },
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound { .. })
    }
}

/// What a snapshot needs to recreate one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    File(Vec<u8>),
    /// A file the probe only checked for (a `java` binary): written as an empty placeholder.
    Present,
    Symlink(PathBuf),
    Dir,
}

/// Where the inspected system's files are.
#[derive(Debug)]
pub struct Root {
    base: PathBuf,
    recording: Option<RefCell<BTreeMap<String, Recorded>>>,
    /// Paths inside the root already found to be plain directories (no link) while resolving:
    /// a cgroup walk reads several files at each of its levels, and stating every component
    /// of every path again made a 200-level `--root` cost quadratic in the depth (0.69 s).
    plain_dirs: RefCell<std::collections::BTreeSet<String>>,
    /// Recording paused (see [`Root::unrecorded`]).
    paused: std::cell::Cell<bool>,
}

impl Root {
    /// The live system.
    pub fn live() -> Root {
        Root {
            base: PathBuf::from("/"),
            recording: None,
            plain_dirs: Default::default(),
            paused: Default::default(),
        }
    }

    /// A captured root. The caller checks that it exists and looks like one.
    pub fn at(dir: impl Into<PathBuf>) -> Root {
        Root {
            base: dir.into(),
            recording: None,
            plain_dirs: Default::default(),
            paused: Default::default(),
        }
    }

    /// Remember everything read from now on (for `ctune snapshot`).
    pub fn recording(mut self) -> Root {
        self.recording = Some(RefCell::new(BTreeMap::new()));
        self
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn is_live(&self) -> bool {
        self.base == Path::new("/")
    }

    /// Everything recorded so far, by path inside the root.
    pub fn take_recording(&self) -> BTreeMap<String, Recorded> {
        self.recording
            .as_ref()
            .map(|r| r.take())
            .unwrap_or_default()
    }

    /// Run `f` without recording what it reads: for looking at many files (every process's
    /// command line) to pick the few a snapshot needs.
    pub fn unrecorded<T>(&self, f: impl FnOnce(&Root) -> T) -> T {
        let was = self.paused.replace(true);
        let out = f(self);
        self.paused.set(was);
        out
    }

    /// A directory resolved (and recorded): later paths through it skip its `lstat`. Not while
    /// recording is paused, or a later recorded read would skip recording it.
    fn remember_dir(&self, inside: String) {
        if !self.paused.get() {
            self.plain_dirs.borrow_mut().insert(inside);
        }
    }

    fn record(&self, path: &str, what: Recorded) {
        if self.paused.get() {
            return;
        }
        if let Some(r) = &self.recording {
            let mut r = r.borrow_mut();
            // A file read beats an existence check of the same path.
            if what == Recorded::Present && r.contains_key(path) {
                return;
            }
            r.insert(path.to_owned(), what);
        }
    }

    /// Resolve by hand only where it matters: under a foreign root (links must stay inside)
    /// or when recording (the links themselves must be captured).
    fn manual(&self) -> bool {
        !self.is_live() || self.recording.is_some()
    }

    fn host(&self, inside: &str) -> PathBuf {
        self.base.join(inside.trim_start_matches('/'))
    }

    /// Resolve `path` inside the root, following links in every component (and the last one
    /// when `follow_last`). Returns the resolved path inside the root.
    pub fn resolve(&self, path: &str, follow_last: bool) -> Result<String, ReadError> {
        if let Some(done) = self.resolve_in_known_dir(path, follow_last) {
            return done;
        }
        let mut queue: Vec<OsString> = Vec::new(); // components left, reversed
        push_components(&mut queue, Path::new(path));
        let mut cur: Vec<OsString> = Vec::new();
        let mut hops = 0;
        while let Some(c) = queue.pop() {
            if c == "/" {
                cur.clear();
                continue;
            }
            if c == "." {
                continue;
            }
            if c == ".." {
                cur.pop();
                continue;
            }
            cur.push(c);
            let is_last = queue.is_empty();
            if is_last && !follow_last {
                break;
            }
            if cur.len() == 2 && cur[0] == "proc" && (cur[1] == "self" || cur[1] == "thread-self") {
                continue; // taken literally, see the module doc
            }
            let inside = join_inside(&cur);
            if self.plain_dirs.borrow().contains(&inside) {
                continue; // stated before: a directory, not a link (and recorded as one)
            }
            let host = self.host(&inside);
            let meta = match fs::symlink_metadata(&host) {
                Ok(m) => m,
                Err(e) => return Err(ReadError::from_io(path, e)),
            };
            if meta.file_type().is_symlink() {
                hops += 1;
                if hops > MAX_LINK_HOPS {
                    return Err(ReadError::LinkLoop {
                        path: path.to_owned(),
                    });
                }
                let target = fs::read_link(&host).map_err(|e| ReadError::from_io(&inside, e))?;
                self.record(&inside, Recorded::Symlink(target.clone()));
                cur.pop();
                push_components(&mut queue, &target);
            } else if meta.is_dir() {
                self.record(&inside, Recorded::Dir);
                self.remember_dir(inside);
            }
        }
        Ok(join_inside(&cur))
    }

    /// A name in a directory resolved before (a cgroup walk reads several files at each of its
    /// levels): only the last component is left to look at, so a path costs one `lstat`
    /// instead of one per component. None when the long way is needed (the directory is not
    /// known, or the name is a link).
    fn resolve_in_known_dir(
        &self,
        path: &str,
        follow_last: bool,
    ) -> Option<Result<String, ReadError>> {
        let (dir, last) = path.rsplit_once('/')?;
        if dir.is_empty()
            || matches!(last, "" | "." | "..")
            || !self.plain_dirs.borrow().contains(dir)
        {
            return None;
        }
        if !follow_last {
            return Some(Ok(path.to_owned()));
        }
        match fs::symlink_metadata(self.host(path)) {
            Ok(m) if m.file_type().is_symlink() => None,
            Ok(m) => {
                if m.is_dir() {
                    self.record(path, Recorded::Dir);
                    self.remember_dir(path.to_owned());
                }
                Some(Ok(path.to_owned()))
            }
            Err(e) => Some(Err(ReadError::from_io(path, e))),
        }
    }

    fn open_path(&self, path: &str) -> Result<(String, PathBuf), ReadError> {
        if self.manual() {
            let r = self.resolve(path, true)?;
            let h = self.host(&r);
            Ok((r, h))
        } else {
            Ok((path.to_owned(), PathBuf::from(path)))
        }
    }

    /// Read a whole file as bytes, at most [`MAX_FILE_BYTES`].
    pub fn read_bytes(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        let (resolved, host) = self.open_path(path)?;
        let f = fs::File::open(&host).map_err(|e| ReadError::from_io(path, e))?;
        // Start with room for a typical kernel file: `Take` hides the file's size, and without
        // spare capacity `read_to_end` begins with 32-byte reads (one system call each).
        let mut buf = Vec::with_capacity(16 << 10);
        f.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ReadError::from_io(path, e))?;
        if buf.len() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge {
                path: path.to_owned(),
            });
        }
        // Give the unused capacity back (the binary's arena reuses it for the next file).
        buf.shrink_to_fit();
        if self.recording.is_some() {
            self.record(&resolved, Recorded::File(buf.clone()));
        }
        Ok(buf)
    }

    /// Read a whole file as UTF-8 text.
    pub fn read_string(&self, path: &str) -> Result<String, ReadError> {
        let b = self.read_bytes(path)?;
        String::from_utf8(b).map_err(|_| ReadError::NotUtf8 {
            path: path.to_owned(),
        })
    }

    /// The target of a symbolic link, as text.
    pub fn read_link(&self, path: &str) -> Result<String, ReadError> {
        let (resolved, host) = if self.manual() {
            let r = self.resolve(path, false)?;
            let h = self.host(&r);
            (r, h)
        } else {
            (path.to_owned(), PathBuf::from(path))
        };
        let t = fs::read_link(&host).map_err(|e| ReadError::from_io(path, e))?;
        self.record(&resolved, Recorded::Symlink(t.clone()));
        Ok(String::from_utf8_lossy(t.as_os_str().as_bytes()).into_owned())
    }

    /// The names in a directory, sorted. Links among them are recorded as links.
    pub fn read_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
        let (resolved, host) = self.open_path(path)?;
        let rd = fs::read_dir(&host).map_err(|e| ReadError::from_io(path, e))?;
        let mut names = Vec::new();
        for e in rd {
            let e = e.map_err(|e| ReadError::from_io(path, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if self.recording.is_some() {
                let child = format!("{}/{}", resolved.trim_end_matches('/'), name);
                if let Ok(t) = fs::read_link(e.path()) {
                    self.record(&child, Recorded::Symlink(t));
                }
            }
            names.push(name);
        }
        self.record(&resolved, Recorded::Dir);
        names.sort();
        Ok(names)
    }

    /// The path with every link resolved (inside the root), for a path that exists.
    pub fn canonicalize(&self, path: &str) -> Result<String, ReadError> {
        if self.manual() {
            let r = self.resolve(path, true)?;
            fs::symlink_metadata(self.host(&r)).map_err(|e| ReadError::from_io(path, e))?;
            Ok(r)
        } else if let Some(p) = canonical_via_proc(path) {
            Ok(p)
        } else {
            fs::canonicalize(path)
                .map(|p| p.to_string_lossy().into_owned())
                .map_err(|e| ReadError::from_io(path, e))
        }
    }

    /// Whether a regular file exists at `path` (links followed). Recorded as a placeholder.
    pub fn is_file(&self, path: &str) -> bool {
        let Ok((resolved, host)) = self.open_path(path) else {
            return false;
        };
        match fs::metadata(host) {
            Ok(m) if m.is_file() => {
                self.record(&resolved, Recorded::Present);
                true
            }
            _ => false,
        }
    }

    /// The owner, group and mode bits of what is at `path` (links followed), and whether it
    /// is a directory. A directory is recorded as such, anything else as a placeholder (a
    /// snapshot keeps neither owner nor mode).
    pub fn owner_and_mode(&self, path: &str) -> Result<(u32, u32, u32, bool), ReadError> {
        use std::os::unix::fs::MetadataExt;
        let (resolved, host) = self.open_path(path)?;
        let m = fs::metadata(host).map_err(|e| ReadError::from_io(path, e))?;
        let what = if m.is_dir() {
            Recorded::Dir
        } else {
            Recorded::Present
        };
        self.record(&resolved, what);
        Ok((m.uid(), m.gid(), m.mode(), m.is_dir()))
    }

    /// Whether anything exists at `path` (links followed). Directories are recorded as such,
    /// anything else as a placeholder.
    pub fn exists(&self, path: &str) -> bool {
        let Ok((resolved, host)) = self.open_path(path) else {
            return false;
        };
        match fs::metadata(host) {
            Ok(m) => {
                let what = if m.is_dir() {
                    Recorded::Dir
                } else {
                    Recorded::Present
                };
                self.record(&resolved, what);
                true
            }
            Err(_) => false,
        }
    }
}

fn push_components(queue: &mut Vec<OsString>, p: &Path) {
    let mut comps: Vec<OsString> = p
        .components()
        .map(|c| match c {
            Component::RootDir | Component::Prefix(_) => OsString::from("/"),
            Component::CurDir => OsString::from("."),
            Component::ParentDir => OsString::from(".."),
            Component::Normal(n) => n.to_owned(),
        })
        .collect();
    comps.reverse();
    queue.extend(comps);
}

fn join_inside(cur: &[OsString]) -> String {
    let mut s = String::from("/");
    for (i, c) in cur.iter().enumerate() {
        if i > 0 {
            s.push('/');
        }
        s.push_str(&c.to_string_lossy());
    }
    s
}

/// The kernel's own name for a file opened by path: the canonical path in three system calls,
/// where realpath(3) makes one `readlink` per component (12 for Debian's `/usr/bin/java`) and,
/// in musl, sets up its allocator too. None when `/proc` is not there or the name is not a
/// plain path (a deleted file).
fn canonical_via_proc(path: &str) -> Option<String> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open(path)
        .ok()?;
    let name = fs::read_link(format!("/proc/self/fd/{}", f.as_raw_fd())).ok()?;
    let name = name.to_str()?;
    (name.starts_with('/') && !name.ends_with(" (deleted)")).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ctune-reader-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn links_stay_inside_the_root() {
        let d = tmp("inside");
        fs::create_dir_all(d.join("etc")).unwrap();
        fs::write(d.join("etc/passwd"), "inside\n").unwrap();
        symlink("/etc/passwd", d.join("abs")).unwrap();
        symlink("../../../../etc/passwd", d.join("rel")).unwrap();
        let r = Root::at(&d);
        assert_eq!(r.read_string("/abs").unwrap(), "inside\n");
        assert_eq!(r.read_string("/rel").unwrap(), "inside\n");
        assert_eq!(r.read_string("/../../etc/passwd").unwrap(), "inside\n");
        assert_eq!(r.canonicalize("/abs").unwrap(), "/etc/passwd");
        symlink("loop2", d.join("loop1")).unwrap();
        symlink("loop1", d.join("loop2")).unwrap();
        assert!(matches!(
            r.read_bytes("/loop1"),
            Err(ReadError::LinkLoop { .. })
        ));
        assert!(r.read_bytes("/missing").unwrap_err().is_not_found());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn recording_captures_links_dirs_and_files() {
        let d = tmp("rec");
        fs::create_dir_all(d.join("sys/devices/virtual/block/loop0")).unwrap();
        fs::create_dir_all(d.join("sys/dev/block")).unwrap();
        fs::write(d.join("sys/devices/virtual/block/loop0/size"), "8\n").unwrap();
        symlink(
            "../../devices/virtual/block/loop0",
            d.join("sys/dev/block/7:0"),
        )
        .unwrap();
        let r = Root::at(&d).recording();
        assert_eq!(r.read_string("/sys/dev/block/7:0/size").unwrap(), "8\n");
        let rec = r.take_recording();
        assert_eq!(
            rec.get("/sys/dev/block/7:0"),
            Some(&Recorded::Symlink(PathBuf::from(
                "../../devices/virtual/block/loop0"
            )))
        );
        assert_eq!(
            rec.get("/sys/devices/virtual/block/loop0/size"),
            Some(&Recorded::File(b"8\n".to_vec()))
        );
        assert_eq!(rec.get("/sys/devices"), Some(&Recorded::Dir));
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn too_large_and_not_utf8() {
        let d = tmp("big");
        fs::write(d.join("bin"), [0xff, 0xfe]).unwrap();
        let r = Root::at(&d);
        assert!(matches!(
            r.read_string("/bin"),
            Err(ReadError::NotUtf8 { .. })
        ));
        let f = fs::File::create(d.join("big")).unwrap();
        f.set_len(MAX_FILE_BYTES + 10).unwrap();
        assert!(matches!(
            r.read_bytes("/big"),
            Err(ReadError::TooLarge { .. })
        ));
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn live_canonical_names_match_realpath() {
        use std::os::unix::fs::symlink;
        let d = tmp("canon");
        fs::create_dir_all(d.join("jdk-17/bin")).unwrap();
        fs::write(d.join("jdk-17/bin/java"), "").unwrap();
        symlink("jdk-17", d.join("default-java")).unwrap();
        symlink(d.join("default-java/bin/java"), d.join("alt-java")).unwrap();
        symlink("alt-java", d.join("java")).unwrap();
        for p in [
            "java",
            "alt-java",
            "default-java/bin/java",
            "default-java/bin/../bin/java",
        ] {
            let p = d.join(p);
            let p = p.to_str().unwrap();
            let want = fs::canonicalize(p).unwrap().to_string_lossy().into_owned();
            assert!(want.ends_with("/jdk-17/bin/java"), "{want}");
            assert_eq!(canonical_via_proc(p).as_deref(), Some(want.as_str()), "{p}");
            assert_eq!(Root::live().canonicalize(p).unwrap(), want);
        }
        assert_eq!(
            canonical_via_proc(d.join("missing").to_str().unwrap()),
            None
        );
        fs::remove_dir_all(&d).unwrap();
    }
}
