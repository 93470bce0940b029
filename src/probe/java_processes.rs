//! The JVMs running in this pid namespace, without attaching to them.
//!
//! A process is a JVM when its executable (or `argv[0]`) is a `java` launcher, or when a
//! HotSpot perf-data file carries its pid: `/tmp/hsperfdata_<user>/<pid>`, named by the pid
//! inside the JVM's own pid namespace (`NSpid` in `/proc/PID/status`) and always under `/tmp`
//! on Linux (HotSpot's `os::get_temp_directory()`; `-Djava.io.tmpdir` does not move it,
//! verified on 17.0.15). Its counters come from that file ([`crate::parse::perfdata`]), its
//! resident memory, uid and command line from `/proc/PID`. No signal, no attach socket, no
//! `jcmd`: reading costs a few file reads per JVM.
//!
//! Deciding which processes are JVMs reads every `/proc/PID/cmdline` and `exe` without
//! recording them, so a snapshot holds only the JVMs' files.

use super::reader::{ReadError, Root};
use crate::facts::{Fact, JavaProcess};
use crate::jvm::version::Gc;
use crate::parse::{self, keyed::Keyed, perfdata::PerfData};
use std::collections::BTreeMap;

/// Where HotSpot puts perf-data directories on Linux.
const PERF_DIR_PARENT: &str = "/tmp";

/// Every JVM visible under `/proc` (only `only_pid` when given), in pid order.
pub fn collect(root: &Root, only_pid: Option<u32>, notes: &mut Vec<String>) -> Vec<JavaProcess> {
    // Unrecorded: a snapshot must not get /proc/self as the link it is live.
    let pids: Vec<u32> = match root.unrecorded(|r| r.read_dir("/proc")) {
        Ok(names) => names.iter().filter_map(|n| n.parse().ok()).collect(),
        Err(e) => {
            notes.push(format!("running JVMs unknown: {e}"));
            return Vec::new();
        }
    };
    let perf_files = perf_files(root);
    let own_cgroup = root.read_string("/proc/self/cgroup").ok();
    let passwd = root.read_string("/etc/passwd").ok();
    let mut out = Vec::new();
    for pid in pids {
        if only_pid.is_some_and(|p| p != pid) {
            continue;
        }
        let mut exe = None;
        if !root.unrecorded(|r| is_jvm(r, pid, &perf_files, &mut exe)) {
            continue;
        }
        // A snapshot must record the link: read it again then.
        if root.is_recording() {
            exe = None;
        }
        let mut p = one(root, pid, &perf_files, passwd.as_deref(), exe);
        p.same_cgroup = match (
            &own_cgroup,
            root.read_string(&format!("/proc/{pid}/cgroup")),
        ) {
            (Some(a), Ok(b)) => Some(*a == b),
            _ => None,
        };
        out.push(p);
    }
    if let Some(p) = only_pid {
        if out.is_empty() {
            notes.push(format!(
                "--pid {p}: no JVM with that process id is visible here"
            ));
        }
    }
    out
}

/// The perf-data files under `/tmp/hsperfdata_*`: file name (a pid) → the paths holding it.
fn perf_files(root: &Root) -> BTreeMap<u32, Vec<String>> {
    let mut out: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let Ok(names) = root.unrecorded(|r| r.read_dir(PERF_DIR_PARENT)) else {
        return out;
    };
    for d in names.iter().filter(|n| n.starts_with("hsperfdata_")) {
        let dir = format!("{PERF_DIR_PARENT}/{d}");
        if let Ok(files) = root.unrecorded(|r| r.read_dir(&dir)) {
            for f in files {
                if let Ok(pid) = f.parse::<u32>() {
                    out.entry(pid).or_default().push(format!("{dir}/{f}"));
                }
            }
        }
    }
    out
}

/// `java` as an executable's base name.
fn is_java_path(p: &str) -> bool {
    p.rsplit('/').next() == Some("java")
}

/// Whether `pid` is a JVM; `exe` gets the executable's link when it could be read.
fn is_jvm(
    root: &Root,
    pid: u32,
    perf: &BTreeMap<u32, Vec<String>>,
    exe: &mut Option<String>,
) -> bool {
    if let Ok(link) = root.read_link(&format!("/proc/{pid}/exe")) {
        let java = is_java_path(link.trim_end_matches(" (deleted)"));
        *exe = Some(link);
        if java {
            return true;
        }
    }
    let argv0 = root
        .read_bytes(&format!("/proc/{pid}/cmdline"))
        .ok()
        .and_then(|b| argv0(&b));
    if argv0.as_deref().is_some_and(is_java_path) {
        return true;
    }
    // A JVM in another launcher (jsvc, an embedded JVM): its perf file names its pid.
    let ns = root
        .read_string(&format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| ns_pid(&s));
    // Only in this pid namespace: a process in a nested one (NSpid differs) names its file by
    // a pid that may be another JVM's here.
    argv0.is_some() && ns.is_some_and(|n| n == pid && perf.contains_key(&n))
}

/// `/proc/PID/cmdline` as arguments.
pub fn argv(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .skip_while(|a| a.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

/// `argv(bytes).first()`, without converting every other argument: deciding which of all
/// processes are JVMs needs only the first.
fn argv0(bytes: &[u8]) -> Option<String> {
    if bytes.iter().all(|&b| b == 0) {
        return None;
    }
    let first = bytes.split(|&b| b == 0).next().unwrap_or_default();
    Some(String::from_utf8_lossy(first).into_owned())
}

/// The pid in the process's own (innermost) pid namespace: the last `NSpid` field.
fn ns_pid(status: &str) -> Option<u32> {
    Keyed::colon_separated(status)
        .get("NSpid")
        .and_then(|v| v.split_whitespace().last())
        .and_then(|p| p.parse().ok())
}

fn one(
    root: &Root,
    pid: u32,
    perf_files: &BTreeMap<u32, Vec<String>>,
    passwd: Option<&str>,
    exe: Option<String>,
) -> JavaProcess {
    let mut p = JavaProcess::unread(pid, "not read");
    let status = root.read_string(&format!("/proc/{pid}/status"));
    let (uid, nspid, rss) = match &status {
        Ok(s) => {
            let k = Keyed::colon_separated(s);
            let uid: Fact<u32> = match k.get("Uid").and_then(|v| v.split_whitespace().next()) {
                Some(u) => parse::parse_u64(u)
                    .map(|u| u as u32)
                    .map_err(|e| format!("/proc/{pid}/status Uid: {e}"))
                    .into(),
                None => Fact::Unknown(format!("/proc/{pid}/status: no Uid line")),
            };
            let rss: Fact<u64> = k
                .kib_as_bytes("VmRSS")
                .map_err(|e| format!("/proc/{pid}/status: {e}"))
                .into();
            (uid, ns_pid(s), rss)
        }
        Err(e) => (
            Fact::Unknown(e.to_string()),
            None,
            Fact::Unknown(e.to_string()),
        ),
    };
    p.uid = uid;
    p.rss_bytes = rss;
    p.ns_pid = nspid;
    let args = root
        .read_bytes(&format!("/proc/{pid}/cmdline"))
        .map(|b| argv(&b));
    let exe = exe.or_else(|| root.read_link(&format!("/proc/{pid}/exe")).ok());
    let (perf, perf_reason, source) =
        read_perf(root, pid, nspid.unwrap_or(pid), perf_files, passwd, &p.uid);
    p.source = source;
    let values = match &perf {
        Some(d) => from_perf(d),
        None => PerfValues::unknown(&perf_reason),
    };
    p.version = values.version;
    p.max_heap_bytes = values.max_heap;
    p.heap_committed_bytes = values.heap_committed;
    p.heap_used_bytes = values.heap_used;
    p.metaspace_used_bytes = values.metaspace_used;
    p.metaspace_committed_bytes = values.metaspace_committed;
    p.threads = values.threads;
    p.gc = values.gc;
    p.gc_count = values.gc_count;
    p.gc_time_seconds = values.gc_time;
    p.uptime_seconds = match values.uptime {
        Fact::Known(u) => Fact::Known(u),
        // Only without the perf counter: two more files per JVM otherwise.
        other => match proc_uptime(root, pid) {
            Ok(u) => Fact::Known(u),
            Err(e) => Fact::Unknown(format!(
                "{}; {e}",
                other.unknown_reason().unwrap_or("no uptime counter")
            )),
        },
    };
    let launcher = exe
        .filter(|e| !e.is_empty())
        .or_else(|| args.as_ref().ok().and_then(|a| a.first().cloned()));
    let cmd = args.as_ref().ok().and_then(|a| parse_command(a));
    let perf_cmd = perf.as_ref().and_then(|d| d.text("sun.rt.javaCommand"));
    p.command = match (launcher, cmd, perf_cmd) {
        (Some(l), Some(c), _) if !c.main.is_empty() => Fact::Known(format!("{l} {}", c.main)),
        (Some(l), _, Some(pc)) => Fact::Known(format!("{l} {}", main_of_java_command(pc))),
        (Some(l), _, None) => Fact::Known(l),
        _ => Fact::Unknown(match &args {
            Err(e) => e.to_string(),
            Ok(_) => format!("/proc/{pid}/cmdline is empty"),
        }),
    };
    // The JVM's own view (it includes JAVA_TOOL_OPTIONS) when there is one, else argv.
    let vm_args = perf.as_ref().and_then(|d| d.text("java.rt.vmArgs"));
    p.flags = match (vm_args, args.as_ref().ok().and_then(|a| parse_command(a))) {
        (Some(v), _) => Fact::Known(redact(crate::jvm::options::vm_args_options(v))),
        (None, Some(c)) => Fact::Known(redact(c.options)),
        (None, None) => Fact::Unknown(perf_reason.clone()),
    };
    p
}

/// Read and parse the perf-data file. Returns the data, or why not, and the path read.
fn read_perf(
    root: &Root,
    pid: u32,
    nspid: u32,
    perf_files: &BTreeMap<u32, Vec<String>>,
    passwd: Option<&str>,
    uid: &Fact<u32>,
) -> (Option<PerfData>, String, Option<String>) {
    let user = uid
        .known()
        .and_then(|u| passwd.and_then(|t| parse::passwd::find_uid(t, *u)))
        .map(|e| e.name);
    let mut candidates: Vec<String> = Vec::new();
    if let Some(u) = &user {
        candidates.push(format!("{PERF_DIR_PARENT}/hsperfdata_{u}/{nspid}"));
    }
    // The files in this /tmp are named by pids of this pid namespace: a process in a nested
    // one (NSpid differs) must not take another JVM's file that has its inner pid.
    if nspid == pid {
        for c in perf_files.get(&nspid).into_iter().flatten() {
            if !candidates.contains(c) {
                candidates.push(c.clone());
            }
        }
    } else {
        candidates.clear();
    }
    // In another pid namespace (a container seen from the host), the file is in its /tmp.
    if nspid != pid && root.is_live() {
        if let Some(u) = &user {
            candidates.push(format!(
                "/proc/{pid}/root{PERF_DIR_PARENT}/hsperfdata_{u}/{nspid}"
            ));
        }
    }
    let mut last: Option<ReadError> = None;
    for c in &candidates {
        // /tmp is world-writable: a link (to a file a snapshot must not carry) or a FIFO (which
        // would block the read) is not a perf-data file HotSpot made.
        if root.regular_file_itself(c) == Some(false) {
            last = Some(ReadError::Io {
                path: c.clone(),
                source: std::io::Error::other(
                    "not a regular file (a link or a FIFO is not HotSpot's perf data)",
                ),
            });
            continue;
        }
        match root.read_bytes(c) {
            Ok(b) => {
                return match parse::perfdata::parse(&b) {
                    Ok(d) => (Some(d), String::new(), Some(c.clone())),
                    Err(e) => (None, format!("{c}: {e}"), Some(c.clone())),
                };
            }
            Err(e) => {
                let worse = !e.is_not_found() || last.is_none();
                if worse {
                    last = Some(e);
                }
            }
        }
    }
    let why = match (last, uid.known(), &user) {
        (Some(e @ ReadError::PermissionDenied { .. }), Some(u), _) => {
            format!("{e}: another user's process (uid {u}); run ctune as that user or as root")
        }
        (Some(e @ ReadError::Io { .. }), _, _) => e.to_string(),
        (_, Some(u), None) => format!(
            "no perf-data file for pid {nspid}: uid {u} has no passwd entry, and HotSpot writes none without one (or the JVM runs with -XX:-UsePerfData)"
        ),
        (_, _, Some(u)) => format!(
            "no perf-data file {PERF_DIR_PARENT}/hsperfdata_{u}/{nspid}: the JVM runs with -XX:-UsePerfData (or -XX:+PerfDisableSharedMem), or /tmp is not shared with it"
        ),
        (Some(e), _, _) => e.to_string(),
        (None, _, None) => format!("no perf-data file for pid {nspid}"),
    };
    (None, why, None)
}

/// Seconds since the process started: `/proc/uptime` minus the start time in
/// `/proc/PID/stat` (field 22, in clock ticks of 100 Hz, `USER_HZ` on every Linux ABI).
fn proc_uptime(root: &Root, pid: u32) -> Result<f64, String> {
    let stat = root
        .read_string(&format!("/proc/{pid}/stat"))
        .map_err(|e| e.to_string())?;
    let up = root
        .read_string("/proc/uptime")
        .map_err(|e| e.to_string())?;
    let start = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| format!("/proc/{pid}/stat: no start time in field 22"))?;
    let now: f64 = up
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            format!(
                "/proc/uptime: expected seconds, found {}",
                parse::quote(&up)
            )
        })?;
    Ok((now - start as f64 / 100.0).max(0.0))
}

/// What the perf data says, each value or why not.
#[derive(Debug, Clone, PartialEq)]
pub struct PerfValues {
    pub version: Fact<String>,
    pub max_heap: Fact<u64>,
    pub heap_committed: Fact<u64>,
    pub heap_used: Fact<u64>,
    pub metaspace_used: Fact<u64>,
    pub metaspace_committed: Fact<u64>,
    pub threads: Fact<u64>,
    pub gc: Fact<Gc>,
    pub gc_count: Fact<u64>,
    pub gc_time: Fact<f64>,
    pub uptime: Fact<f64>,
}

impl PerfValues {
    fn unknown(reason: &str) -> PerfValues {
        fn u<T>(r: &str) -> Fact<T> {
            Fact::Unknown(r.to_owned())
        }
        PerfValues {
            version: u(reason),
            max_heap: u(reason),
            heap_committed: u(reason),
            heap_used: u(reason),
            metaspace_used: u(reason),
            metaspace_committed: u(reason),
            threads: u(reason),
            gc: u(reason),
            gc_count: u(reason),
            gc_time: u(reason),
            uptime: u(reason),
        }
    }
}

fn counter(d: &PerfData, name: &str) -> Fact<u64> {
    match d.long(name) {
        Some(v) if v >= 0 => Fact::Known(v as u64),
        Some(v) => Fact::Unknown(format!("perf data: {name} is negative ({v})")),
        None => Fact::Unknown(format!("perf data has no {name}")),
    }
}

/// The collector, from the policy name or the collectors' names.
fn gc_of(d: &PerfData) -> Fact<Gc> {
    let policy = d.text("sun.gc.policy.name");
    match policy {
        Some("Copy:MSC") => return Fact::Known(Gc::Serial),
        Some("ParScav:MSC") => return Fact::Known(Gc::Parallel),
        Some("GarbageFirst") => return Fact::Known(Gc::G1),
        _ => {}
    }
    let names: Vec<&str> = d
        .with_prefix("sun.gc.collector.")
        .filter(|e| e.name.ends_with(".name"))
        .filter_map(|e| match &e.value {
            parse::perfdata::Value::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    if names
        .iter()
        .any(|n| n.starts_with("Z ") || n.starts_with("ZGC"))
    {
        return Fact::Known(Gc::Zgc);
    }
    if names
        .iter()
        .any(|n| n.to_ascii_lowercase().starts_with("shenandoah"))
    {
        return Fact::Known(Gc::Shenandoah);
    }
    Fact::Unknown(format!(
        "perf data: collector not recognised (policy {}, collectors {})",
        policy
            .map(|p| format!("'{p}'"))
            .unwrap_or_else(|| "none".into()),
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    ))
}

/// Sum of `sun.gc.generation.N.<field>` (and the largest one).
fn generations(d: &PerfData, field: &str) -> Option<(u64, u64)> {
    let mut sum = 0u64;
    let mut max = 0u64;
    let mut any = false;
    for e in d.with_prefix("sun.gc.generation.") {
        let rest = &e.name["sun.gc.generation.".len()..];
        let Some((n, f)) = rest.split_once('.') else {
            continue;
        };
        if f != field || n.parse::<u32>().is_err() {
            continue;
        }
        if let parse::perfdata::Value::Int(v) = e.value {
            let v = v.max(0) as u64;
            sum = sum.saturating_add(v);
            max = max.max(v);
            any = true;
        }
    }
    any.then_some((sum, max))
}

/// The heap's and the collectors' numbers from parsed perf data (pure).
pub fn from_perf(d: &PerfData) -> PerfValues {
    let gc = gc_of(d);
    // G1 and ZGC report young and old over the same heap: each generation's maximum is the
    // whole heap. G1 (before JDK 21) pads each space counter by 8 bytes so none reads 0;
    // heap sizes are page multiples, so rounding down to 4 KiB removes the padding exactly.
    let shared = matches!(gc, Fact::Known(Gc::G1) | Fact::Known(Gc::Zgc));
    let g1 = matches!(gc, Fact::Known(Gc::G1));
    let page = |v: u64| if g1 { v & !0xfff } else { v };
    let max_heap = match generations(d, "maxCapacity") {
        Some((sum, max)) => Fact::Known(page(if shared { max } else { sum })),
        None => Fact::Unknown("perf data has no sun.gc.generation.N.maxCapacity".into()),
    };
    let heap_committed = match generations(d, "capacity") {
        Some((sum, _)) => Fact::Known(page(sum)),
        None => Fact::Unknown("perf data has no sun.gc.generation.N.capacity".into()),
    };
    let used: Vec<u64> = d
        .with_prefix("sun.gc.generation.")
        .filter(|e| e.name.contains(".space.") && e.name.ends_with(".used"))
        .filter_map(|e| match e.value {
            parse::perfdata::Value::Int(v) => Some(v.max(0) as u64),
            _ => None,
        })
        .collect();
    let heap_used = if used.is_empty() {
        Fact::Unknown("perf data has no sun.gc.generation.N.space.M.used".into())
    } else {
        Fact::Known(used.iter().sum())
    };
    // Parallel (and Serial on some JDKs) publish metaspace only at a collection: 0 before it.
    let (metaspace_used, metaspace_committed) = match counter(d, "sun.gc.metaspace.capacity") {
        Fact::Known(0) => {
            let r = "perf data: sun.gc.metaspace.capacity is still 0 (this collector publishes metaspace at its first collection)";
            (Fact::Unknown(r.into()), Fact::Unknown(r.into()))
        }
        c => (counter(d, "sun.gc.metaspace.used"), c),
    };
    let freq = d.long("sun.os.hrt.frequency").filter(|&f| f > 0);
    let (mut count, mut ticks, mut any) = (0u64, 0u64, false);
    for e in d.with_prefix("sun.gc.collector.") {
        let v = match e.value {
            parse::perfdata::Value::Int(v) => v.max(0) as u64,
            _ => continue,
        };
        if e.name.ends_with(".invocations") {
            count = count.saturating_add(v);
            any = true;
        } else if e.name.ends_with(".time") {
            ticks = ticks.saturating_add(v);
        }
    }
    fn no_collectors<T>() -> Fact<T> {
        Fact::Unknown("perf data has no sun.gc.collector.N counters".into())
    }
    let gc_count = if any {
        Fact::Known(count)
    } else {
        no_collectors()
    };
    let gc_time = match (any, freq) {
        (false, _) => no_collectors(),
        (true, Some(f)) => Fact::Known(ticks as f64 / f as f64),
        (true, None) => Fact::Unknown("perf data has no sun.os.hrt.frequency".into()),
    };
    let uptime = match (d.long("sun.os.hrt.ticks"), freq) {
        (Some(t), Some(f)) if t >= 0 => Fact::Known(t as f64 / f as f64),
        _ => Fact::Unknown("perf data has no sun.os.hrt.ticks (JDK 25 and later)".into()),
    };
    PerfValues {
        version: match d.text("java.property.java.vm.version") {
            Some(v) => Fact::Known(v.to_owned()),
            None => Fact::Unknown("perf data has no java.property.java.vm.version".into()),
        },
        max_heap,
        heap_committed,
        heap_used,
        metaspace_used,
        metaspace_committed,
        threads: counter(d, "java.threads.live"),
        gc,
        gc_count,
        gc_time,
        uptime,
    }
}

/// A `java` command line split into the JVM's options and what it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaCommand {
    pub options: Vec<String>,
    /// `Main`, `-jar app.jar`, `-m mod/Main` or `Prog.java`; empty when there is none.
    pub main: String,
}

/// Launcher options that take the next argument as their value: the advisor's list.
use crate::jvm::options::TAKES_VALUE as WITH_VALUE;

/// Split `java [options] main [args]` (argv[0] is the launcher). None for an empty argv.
pub fn parse_command(argv: &[String]) -> Option<JavaCommand> {
    let (_, rest) = argv.split_first()?;
    let mut options = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        if a == "-jar" || a == "-m" || a == "--module" {
            let main = match rest.get(i + 1) {
                Some(t) => format!("{a} {t}"),
                None => a.clone(),
            };
            return Some(JavaCommand { options, main });
        }
        if !a.starts_with('-') {
            return Some(JavaCommand {
                options,
                main: a.clone(),
            });
        }
        options.push(a.clone());
        if WITH_VALUE.contains(&a.as_str()) {
            if let Some(v) = rest.get(i + 1) {
                options.push(v.clone());
                i += 1;
            }
        }
        i += 1;
    }
    Some(JavaCommand {
        options,
        main: String::new(),
    })
}

/// The main class or jar of `sun.rt.javaCommand` (`Main arg...` or `app.jar arg...`).
fn main_of_java_command(c: &str) -> String {
    c.split_whitespace().next().unwrap_or("").to_owned()
}

/// `-Dname=value` with a secret-looking name becomes `-Dname=***`.
pub fn redact(flags: Vec<String>) -> Vec<String> {
    flags
        .into_iter()
        .map(
            |f| match crate::secrets::secret_property_value(f.as_bytes()) {
                Some(r) => format!("{}***", &f[..r.start]),
                None => f,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn argv0_is_the_first_of_argv() {
        use proptest::prelude::*;
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &prop::collection::vec(
                    prop::sample::select(&[0u8, b'j', b'a', b'/', 0xff][..]),
                    0..12,
                ),
                |b| {
                    prop_assert_eq!(super::argv0(&b), super::argv(&b).into_iter().next());
                    Ok(())
                },
            )
            .unwrap();
    }

    use super::*;

    fn fixture(name: &str) -> PerfData {
        let p = format!(
            "{}/tests/perfdata/{name}.hsperf",
            env!("CARGO_MANIFEST_DIR")
        );
        parse::perfdata::parse(&std::fs::read(&p).unwrap()).unwrap()
    }

    #[test]
    fn every_captured_jdk_and_collector() {
        // (fixture, gc, -Xmx) as the JVMs were started (tests/perfdata/README.md).
        for (name, gc) in [
            ("jdk11.0.13-g1", Gc::G1),
            ("jdk11.0.13-serial", Gc::Serial),
            ("jdk17.0.15-g1", Gc::G1),
            ("jdk17.0.15-parallel", Gc::Parallel),
            ("jdk17.0.15-serial", Gc::Serial),
            ("jdk17.0.15-zgc", Gc::Zgc),
            ("jdk21.0.8-g1", Gc::G1),
            ("jdk21.0.8-zgc-generational", Gc::Zgc),
            ("jdk25.0.2-g1", Gc::G1),
            ("jdk25.0.2-parallel", Gc::Parallel),
            ("jdk25.0.2-zgc", Gc::Zgc),
        ] {
            let v = from_perf(&fixture(name));
            assert_eq!(v.gc, Fact::Known(gc), "{name}");
            assert_eq!(v.max_heap, Fact::Known(64 << 20), "{name}: -Xmx64m");
            let committed = *v.heap_committed.known().unwrap();
            let used = *v.heap_used.known().unwrap();
            assert!(
                committed <= 64 << 20 && committed > 0,
                "{name}: {committed}"
            );
            assert!(used <= committed + (8 << 20), "{name}: used {used}");
            assert!(v.threads.known().is_some_and(|&t| t >= 1), "{name}");
            assert!(
                v.version.known().unwrap().starts_with(&name[3..7]),
                "{name}"
            );
            assert!(v.gc_count.known().is_some(), "{name}");
            let jdk25 = name.starts_with("jdk25");
            assert_eq!(v.uptime.known().is_some(), !jdk25, "{name}");
        }
    }

    #[test]
    fn command_lines() {
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = parse_command(&a(&["java", "-Xmx1g", "-cp", "a:b", "Main", "x"])).unwrap();
        assert_eq!(c.options, a(&["-Xmx1g", "-cp", "a:b"]));
        assert_eq!(c.main, "Main");
        let c = parse_command(&a(&["/opt/j/bin/java", "-jar", "app.jar", "--port=1"])).unwrap();
        assert_eq!(c.main, "-jar app.jar");
        assert_eq!(parse_command(&a(&["java", "-version"])).unwrap().main, "");
        assert_eq!(
            argv(b"java\0-Xmx1g\0Main\0"),
            a(&["java", "-Xmx1g", "Main"])
        );
    }

    #[test]
    fn secret_properties_are_redacted() {
        let f = redact(
            [
                "-Ddb.password=hunter2",
                "-Djavax.net.ssl.keyStorePassword=x",
                "-Dapp.name=a",
                "-Xmx1g",
            ]
            .map(String::from)
            .to_vec(),
        );
        assert_eq!(
            f,
            [
                "-Ddb.password=***",
                "-Djavax.net.ssl.keyStorePassword=***",
                "-Dapp.name=a",
                "-Xmx1g"
            ]
        );
    }

    #[test]
    fn the_lean_probe_does_not_look_and_pid_restricts() {
        use crate::probe::{collect, reader::Root, Options};
        let root = Root::at(format!(
            "{}/tests/fixtures/running-jvm",
            env!("CARGO_MANIFEST_DIR")
        ));
        let scan = Options {
            running_jvms: true,
            ..Default::default()
        };
        // `ctune jvm` (and the default) does not look.
        assert!(collect(&root, &Options::default())
            .java_processes
            .is_empty());
        let all = collect(&root, &scan);
        assert_eq!(
            all.java_processes.iter().map(|p| p.pid).collect::<Vec<_>>(),
            [7, 8]
        );
        let lean = collect(
            &root,
            &Options {
                lean: true,
                ..scan.clone()
            },
        );
        assert!(lean.java_processes.is_empty());
        let one = collect(
            &root,
            &Options {
                pid: Some(8),
                ..scan.clone()
            },
        );
        assert_eq!(one.java_processes.len(), 1);
        assert_eq!(one.java_processes[0].gc_count, Fact::Known(657));
        let none = collect(
            &root,
            &Options {
                pid: Some(9),
                ..scan.clone()
            },
        );
        assert!(none.java_processes.is_empty());
        assert!(none.notes.iter().any(|n| n.contains("--pid 9")));
    }
}
