//! `ctune exec`'s plan: where the recommended flags go and what the environment becomes. Pure:
//! the command edge (`cli::exec`) probes, writes files and calls `exec`.
//!
//! Every argument and environment byte the user gave passes through untouched (`OsString`); only
//! the variables named in [`Plan::set_env`] change.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// Where the flags go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Right after the `java` command, before the user's own options (which then win).
    Args,
    JavaToolOptions,
    JdkJavaOptions,
}

impl Place {
    pub fn describe(self) -> &'static str {
        match self {
            Place::Args => "on the command line",
            Place::JavaToolOptions => "in JAVA_TOOL_OPTIONS",
            Place::JdkJavaOptions => "in JDK_JAVA_OPTIONS",
        }
    }
}

/// What will be executed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub program: OsString,
    /// Arguments after the program (argv[1..]).
    pub args: Vec<OsString>,
    /// Variables to set (everything else is inherited as it is).
    pub set_env: Vec<(OsString, OsString)>,
    /// The flags added and where, for the one-line message.
    pub applied: Vec<String>,
    pub place: Option<Place>,
}

impl Plan {
    /// The command exactly as given.
    pub fn unchanged(command: &[OsString]) -> Plan {
        Plan {
            program: command.first().cloned().unwrap_or_default(),
            args: command.iter().skip(1).cloned().collect(),
            set_env: Vec::new(),
            applied: Vec::new(),
            place: None,
        }
    }
}

/// Whether `cmd` runs a JVM directly: named `java` (bare or as a path), or `$JAVA_HOME/bin/java`.
pub fn is_java(cmd: &OsStr, java_home: Option<&OsStr>) -> bool {
    let b = cmd.as_bytes();
    let base = b.rsplit(|&c| c == b'/').next().unwrap_or(b);
    if base == b"java" {
        return true;
    }
    match java_home {
        Some(h) => {
            let mut p = h.as_bytes().to_vec();
            while p.last() == Some(&b'/') {
                p.pop();
            }
            p.extend_from_slice(b"/bin/java");
            p == b
        }
        None => false,
    }
}

/// Append flags to an options variable's current value (a space between), each quoted the way
/// the JVM splits that variable ([`crate::jvm::options::quote_java_option`]), so a value with a
/// space or a quote arrives as one option.
fn appended(current: Option<&OsStr>, flags: &[String]) -> OsString {
    let mut v: Vec<u8> = current.map(|c| c.as_bytes().to_vec()).unwrap_or_default();
    for f in flags {
        if !v.is_empty()
            && !v
                .last()
                .is_some_and(|&b| crate::jvm::options::is_c_space(b as char))
        {
            v.push(b' ');
        }
        v.extend_from_slice(crate::jvm::options::quote_java_option(f).as_bytes());
    }
    OsString::from_vec(v)
}

/// Put `flags` where the JVM of `command` reads them. `auto`: after a `java` command, else in
/// `JAVA_TOOL_OPTIONS` (read by every JVM, however it is started). `env` is the environment
/// the command will inherit, `extra_env` variables ctune sets anyway (nss_wrapper, HOME).
pub fn plan(
    command: &[OsString],
    env: &[(OsString, OsString)],
    flags: &[String],
    forced: Option<Place>,
    extra_env: Vec<(OsString, OsString)>,
) -> Plan {
    let place = forced.unwrap_or_else(|| auto_place(command, env));
    plan_at(command, env, flags, place, extra_env)
}

fn auto_place(command: &[OsString], env: &[(OsString, OsString)]) -> Place {
    let java_home = env
        .iter()
        .find(|(n, _)| n == "JAVA_HOME")
        .map(|(_, v)| v.as_os_str());
    match command.first() {
        Some(p) if is_java(p, java_home) => Place::Args,
        _ => Place::JavaToolOptions,
    }
}

fn plan_at(
    command: &[OsString],
    env: &[(OsString, OsString)],
    flags: &[String],
    place: Place,
    extra_env: Vec<(OsString, OsString)>,
) -> Plan {
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_os_str());
    let mut p = Plan::unchanged(command);
    p.set_env = extra_env;
    if flags.is_empty() || command.is_empty() {
        return p;
    }
    match place {
        Place::Args => {
            let mut args: Vec<OsString> = flags.iter().map(OsString::from).collect();
            args.append(&mut p.args);
            p.args = args;
        }
        Place::JavaToolOptions | Place::JdkJavaOptions => {
            let var = if place == Place::JavaToolOptions {
                "JAVA_TOOL_OPTIONS"
            } else {
                "JDK_JAVA_OPTIONS"
            };
            p.set_env
                .push((OsString::from(var), appended(get(var), flags)));
        }
    }
    p.applied = flags.to_vec();
    p.place = Some(place);
    p
}

/// Flags whose meaning depends on the collector, which a start script may choose: left out for
/// its JVM (see [`for_unseen_command`]).
const COLLECTOR_DEPENDENT: [&str; 4] = [
    "-XX:GCTimeRatio=",
    "-Xmn",
    "-XX:NewRatio=",
    "-XX:InitialHeapSize=",
];

/// ctune's flags made safe for a command whose own JVM options ctune cannot see (a start
/// script that runs `java -Xms700m ...`), where the flags travel in an options variable the
/// JVM reads before that command line:
/// - the heap becomes percentages of the memory the JVM sees (`physical`), not `-Xmx`/`-Xms`:
///   the JVM raises a maximum it computed itself to a larger `-Xms` instead of refusing to
///   start, and clamps its computed initial size to a smaller `-Xmx`. `MinRAMPercentage` is
///   set to the same value so small limits take it too (below ~250 MiB HotSpot uses it);
/// - no collector is chosen: a second one on the script's line stops the JVM. Nor is G1's
///   `GCTimeRatio`: under a Parallel collector the script picks it would mean 12.5 % of the
///   time in GC where Parallel's own goal is 1 %. Nor is the young generation's size
///   (`-Xmn`, `-XX:NewRatio`): under G1 either turns off its pause-time sizing of the young
///   generation. Nor is Parallel's initial heap (`-XX:InitialHeapSize`): under G1 a larger
///   start only gives the young generation more fresh memory to touch.
///
/// - the code cache size is left out: the script may set a larger `InitialCodeCacheSize`,
///   and a reserved size below it stops the JVM.
///
/// A JVM without the percentage flags (JDK 8 before 8u191) gets `-XX:MaxRAM` instead: the
/// memory its ergonomics size the heap from, which a larger `-Xms` on the script's line still
/// raises. When the version is not known at all, only flags every JDK since 8 accepts are
/// kept (an unrecognised `-XX` flag stops the JVM). Returns the flags and what was changed,
/// for the one stderr line.
pub fn for_unseen_command(
    flags: &[String],
    physical: u64,
    limit: Option<u64>,
    jvm: UnseenJvm,
) -> (Vec<String>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let percentages = jvm == UnseenJvm::Percentages;
    let pct = |f: &str, prefix: &str| -> Option<String> {
        let bytes = crate::jvm::options::parse_jvm_size(f.strip_prefix(prefix)?)?;
        (percentages && physical > 0).then(|| heap_percentage(bytes, physical))
    };
    let mut max_ram_added = false;
    for f in flags {
        let heap = f.starts_with("-Xmx") || f.starts_with("-Xms");
        if heap && !percentages {
            // MaxRAM is the memory limit (which a JVM blind to it does not see): with no limit
            // the JVM's own view of host RAM stands, and nothing is added.
            match limit {
                Some(l) => {
                    if !max_ram_added {
                        out.push(format!("-XX:MaxRAM={l}"));
                        max_ram_added = true;
                    }
                    notes.push(format!("{f} left out (the heap follows -XX:MaxRAM={l})"));
                }
                None => notes.push(format!("{f} left out")),
            }
        } else if f.starts_with("-XX:ReservedCodeCacheSize=") {
            notes.push(format!("{f} left out"));
        } else if jvm == UnseenJvm::Unknown && !every_jdk_takes(f) {
            notes.push(format!("{f} left out (the JDK's version is unknown)"));
        } else if let Some(p) = pct(f, "-Xmx") {
            out.push(format!("-XX:MaxRAMPercentage={p}"));
            out.push(format!("-XX:MinRAMPercentage={p}"));
            notes.push(format!("{f} as -XX:MaxRAMPercentage={p}"));
        } else if let Some(p) = pct(f, "-Xms") {
            out.push(format!("-XX:InitialRAMPercentage={p}"));
            notes.push(format!("{f} as -XX:InitialRAMPercentage={p}"));
        } else if crate::jvm::version::Gc::from_option(f).is_some()
            || f == "-XX:+ZGenerational"
            || COLLECTOR_DEPENDENT.iter().any(|p| f.starts_with(p))
        {
            notes.push(format!("{f} left out"));
        } else {
            out.push(f.clone());
        }
    }
    (out, notes)
}

/// The largest heap alignment HotSpot may apply to a heap of `bytes`: it rounds `MaxHeapSize`
/// (and `InitialHeapSize`) UP to it. Serial and Parallel align to the card table's constraint
/// (512-byte cards × 4 KiB pages = 2 MiB), ZGC to its 2 MiB granule, G1 and Shenandoah to
/// their region size, which is the heap / 2048 rounded down to a power of two, between 1 and
/// 32 MiB. A start script may pick any of them, so take the largest.
pub fn heap_alignment_bound(bytes: u64) -> u64 {
    const MIB: u64 = 1 << 20;
    let region = match bytes / 2048 {
        0 => MIB,
        r => 1u64 << (63 - r.leading_zeros()),
    };
    region.clamp(2 * MIB, 32 * MIB)
}

/// The heap HotSpot derives from `-XX:MaxRAMPercentage=pct` (or `InitialRAMPercentage`) on
/// `physical` bytes before aligning it: `(julong)((phys_mem * MaxRAMPercentage) / 100)` in
/// `Arguments::set_heap_size`, in doubles, truncated.
pub fn hotspot_percentage_bytes(physical: u64, pct: f64) -> u64 {
    ((physical as f64 * pct) / 100.0) as u64
}

/// A percentage of `physical` (as `-XX:MaxRAMPercentage` takes it, four decimals) that never
/// gives the JVM more than `bytes`: the product is rounded DOWN to the heap alignment (see
/// [`heap_alignment_bound`]) so that HotSpot's aligning it up stays at or below `bytes`, and the
/// percentage itself is rounded down. It gives the largest aligned heap at most `bytes`
/// whenever four decimals are fine enough (below 1 TiB of `physical`: steps of 1 MiB).
pub fn heap_percentage(bytes: u64, physical: u64) -> String {
    let align = heap_alignment_bound(bytes);
    // A budget below one alignment unit cannot be honoured by any percentage; aim at it.
    let target = match bytes / align * align {
        0 => bytes,
        t => t,
    };
    let target = target.min(physical);
    // In units of 0.0001 %; the estimate may be one off either way in floating point.
    let mut units = ((target as f64) * 1e6 / physical as f64).floor() as u64;
    let pct = |u: u64| format!("{}.{:04}", u / 10_000, u % 10_000);
    let value = |u: u64| pct(u).parse::<f64>().unwrap_or(0.0);
    while units > 0 && hotspot_percentage_bytes(physical, value(units)) > target {
        units -= 1;
    }
    while units < 1_000_000 && hotspot_percentage_bytes(physical, value(units + 1)) <= target {
        units += 1;
    }
    pct(units.min(1_000_000))
}

/// What ctune knows of the JVM a start script will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnseenJvm {
    /// It has the `*RAMPercentage` flags (8u191, 10 and later).
    Percentages,
    /// A known version without them (JDK 8 before 8u191).
    NoPercentages,
    /// No version known: it may be any JDK since 8.
    Unknown,
}

/// ctune's flags for a `java` command whose version ctune could not read (no `release`
/// file beside it, an unreadable one): the advice assumed a JDK, and a flag that JDK takes but
/// an older one does not know (`ActiveProcessorCount` before 8u191, `ExitOnOutOfMemoryError`
/// before 8u92) would stop the JVM ("Unrecognized VM option"). Only flags every JDK since 8
/// takes are kept. Nor, unless a collector is chosen among them, the flags whose meaning
/// depends on the collector: the JDK assumed picks G1 by itself where a JDK 8 picks Parallel,
/// which reads G1's `GCTimeRatio=7` as 12.5 % of the time in GC (its own goal is 1 %).
/// Returns the flags and what was left out, for the one stderr line.
pub fn for_unknown_jdk(flags: &[String]) -> (Vec<String>, Vec<String>) {
    let collector = flags
        .iter()
        .any(|f| crate::jvm::version::Gc::from_option(f).is_some() && every_jdk_takes(f));
    let (kept, dropped): (Vec<String>, Vec<String>) = flags.iter().cloned().partition(|f| {
        every_jdk_takes(f) && (collector || !COLLECTOR_DEPENDENT.iter().any(|p| f.starts_with(p)))
    });
    let notes = dropped
        .into_iter()
        .map(|f| format!("{f} left out (the JDK's version is unknown)"))
        .collect();
    (kept, notes)
}

/// A flag JDK 8 GA already accepts (and no later JDK refuses).
fn every_jdk_takes(f: &str) -> bool {
    f.starts_with("-D")
        || [
            "-XX:MaxRAM=",
            "-XX:MaxDirectMemorySize=",
            "-XX:+HeapDumpOnOutOfMemoryError",
            "-XX:MaxGCPauseMillis=",
            "-Xmx",
            "-Xms",
            "-Xmn",
            "-XX:+UseSerialGC",
            "-XX:+UseParallelGC",
            "-XX:+UseG1GC",
            "-XX:GCTimeRatio=",
            "-XX:NewRatio=",
            "-XX:InitialHeapSize=",
            "-XX:ReservedCodeCacheSize=",
        ]
        .iter()
        .any(|p| f.starts_with(p))
}

/// The kernel's limits on what `execve` takes (`fs/exec.c`): every argument and environment
/// string (with its NUL), the program's path and one pointer per string must fit in a quarter
/// of the stack limit (at most 6 MiB, at least 128 KiB); no one string may exceed
/// `MAX_ARG_STRLEN` (32 pages, 128 KiB, NUL included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgLimits {
    pub total: usize,
    pub per_string: usize,
}

impl ArgLimits {
    pub const MAX_ARG_STRLEN: usize = 32 * 4096;

    /// From the stack limit (`RLIMIT_STACK` soft value; None = unlimited), as the kernel
    /// computes it.
    pub fn from_stack_limit(stack: Option<u64>) -> ArgLimits {
        const STK_LIM: u64 = 8 << 20;
        let quarter = stack.map_or(u64::MAX, |s| s / 4);
        let total = (STK_LIM / 4 * 3).min(quarter).max(32 * 4096);
        ArgLimits {
            total: total as usize,
            per_string: Self::MAX_ARG_STRLEN,
        }
    }

    /// Whether `plan`, run with the inherited `env`, fits.
    pub fn fits(&self, plan: &Plan, env: &[(OsString, OsString)]) -> bool {
        self.overflow(plan, env).is_none()
    }

    /// Which limit `plan`, run with the inherited `env`, would pass, in words; None when it
    /// fits. The program's path is counted as the longest `PATH` lookup could make it.
    pub fn overflow(&self, plan: &Plan, env: &[(OsString, OsString)]) -> Option<String> {
        let mut total = 0usize;
        let mut count = 0usize;
        let mut longest = 0usize;
        let mut add = |len: usize| {
            longest = longest.max(len + 1);
            total += len + 1;
            count += 1;
        };
        add(plan.program.len());
        for a in &plan.args {
            add(a.len());
        }
        let overridden = |k: &OsStr| plan.set_env.iter().any(|(n, _)| n == k);
        for (k, v) in env.iter().filter(|(k, _)| !overridden(k)) {
            add(k.len() + 1 + v.len());
        }
        for (k, v) in &plan.set_env {
            add(k.len() + 1 + v.len());
        }
        // The file name the kernel copies too (not a pointer).
        let program = plan.program.as_bytes();
        let path_len = if program.contains(&b'/') {
            program.len()
        } else {
            env.iter()
                .find(|(k, _)| k == "PATH")
                .map(|(_, v)| {
                    v.as_bytes()
                        .split(|&b| b == b':')
                        .map(<[u8]>::len)
                        .max()
                        .unwrap_or(0)
                })
                .unwrap_or(16)
                + 1
                + program.len()
        };
        total += path_len + 1;
        let total = total + count * std::mem::size_of::<usize>();
        if longest > self.per_string {
            Some(format!(
                "one argument or variable of {longest} bytes, over the {} a single string may have",
                self.per_string
            ))
        } else if total > self.total {
            Some(format!(
                "{total} bytes of arguments and environment, over the {} allowed",
                self.total
            ))
        } else {
            None
        }
    }
}

/// [`plan`], within the kernel's argument limits: when the flags do not fit where they would
/// go, the other place a `java` command reads them (`JAVA_TOOL_OPTIONS`, or the argument list)
/// is tried, and when neither fits the command runs unchanged. The second value says why
/// the flags moved or were dropped.
pub fn plan_within(
    command: &[OsString],
    env: &[(OsString, OsString)],
    flags: &[String],
    forced: Option<Place>,
    extra_env: Vec<(OsString, OsString)>,
    limits: ArgLimits,
) -> (Plan, Option<String>) {
    let first = forced.unwrap_or_else(|| auto_place(command, env));
    let p = plan_at(command, env, flags, first, extra_env.clone());
    if p.place.is_none() || limits.fits(&p, env) {
        return (p, None);
    }
    let java_home = env
        .iter()
        .find(|(n, _)| n == "JAVA_HOME")
        .map(|(_, v)| v.as_os_str());
    let java = command.first().is_some_and(|c| is_java(c, java_home));
    let other = match first {
        Place::Args => Some(Place::JavaToolOptions),
        _ if java => Some(Place::Args),
        _ => None,
    };
    if let Some(o) = other {
        let q = plan_at(command, env, flags, o, extra_env.clone());
        if limits.fits(&q, env) {
            let why = format!(
                "the flags {} would exceed the kernel's argument limits; put {} instead",
                first.describe(),
                o.describe()
            );
            return (q, Some(why));
        }
    }
    let why = limits.overflow(&p, env).unwrap_or_default();
    let mut u = Plan::unchanged(command);
    u.set_env = extra_env;
    (
        u,
        Some(format!(
            "the tuned command would exceed the kernel's argument limits ({why}); running the command unchanged"
        )),
    )
}

/// The command line, shell-quoted, for `--dry-run` and messages. Bytes that are not UTF-8
/// are shown as `$'\xNN'` escapes so the line can be pasted back into bash.
/// An argument as it may be shown: a secret-looking `-D` property's value hidden.
pub fn redact_arg(arg: &OsStr) -> OsString {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let b = arg.as_bytes();
    match crate::secrets::secret_property_value(b) {
        Some(r) => {
            let mut v = b[..r.start].to_vec();
            v.extend_from_slice(b"<redacted>");
            OsString::from_vec(v)
        }
        None => arg.to_owned(),
    }
}

/// An options variable's value (`JAVA_TOOL_OPTIONS`) as it may be shown: split as the JVM
/// splits it, each secret-looking `-D` value hidden, joined again; a value the JVM could not
/// split is hidden whole if it mentions a secret-looking property.
pub fn redact_options_value(v: &OsStr) -> OsString {
    use crate::jvm::options::{join_java_options, split_java_options};
    let text = v.to_string_lossy();
    match split_java_options(&text) {
        Ok(opts) => {
            let shown: Vec<String> = opts
                .iter()
                .map(|o| redact_arg(OsStr::new(o)).to_string_lossy().into_owned())
                .collect();
            if shown == opts {
                v.to_owned()
            } else {
                OsString::from(join_java_options(&shown))
            }
        }
        Err(_)
            if text
                .split_whitespace()
                .any(|w| redact_arg(OsStr::new(w)) != OsStr::new(w)) =>
        {
            OsString::from("<redacted: holds a secret-looking property>")
        }
        Err(_) => v.to_owned(),
    }
}

pub fn display_command(program: &OsStr, args: &[OsString]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(OsString::as_os_str))
        .map(quote_os)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn quote_os(s: &OsStr) -> String {
    match s.to_str() {
        Some(t) => crate::render::jvm::shell_quote(t),
        None => {
            let mut out = String::from("$'");
            for &b in s.as_bytes() {
                match b {
                    b'\'' | b'\\' => out.push_str(&format!("\\{}", b as char)),
                    0x20..=0x7e => out.push(b as char),
                    _ => out.push_str(&format!("\\x{b:02x}")),
                }
            }
            out.push('\'');
            out
        }
    }
}

/// The environment variables a deployment sets to change `ctune exec` without a new image,
/// read at every start (the same idea as jaz's `JAZ_BYPASS` and run-java.sh's
/// `JAVA_MAX_MEM_RATIO`). Options on ctune's own command line win over them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `CTUNE_BYPASS=1`: run the command untouched.
    pub bypass: bool,
    /// `CTUNE_PROFILE`: the profile when `--profile` is not given.
    pub profile: Option<String>,
    /// `CTUNE_SET`: `KEY=VALUE` pairs separated by white space, applied before `--set`s (so a
    /// `--set` of the same key wins).
    pub sets: Vec<String>,
    /// `CTUNE_QUIET=1`.
    pub quiet: bool,
}

impl Overrides {
    pub fn from_env(env: &[(OsString, OsString)]) -> Overrides {
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.to_string_lossy().trim().to_owned())
        };
        let on = |k: &str| {
            get(k).is_some_and(|v| {
                matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
            })
        };
        Overrides {
            bypass: on("CTUNE_BYPASS"),
            profile: get("CTUNE_PROFILE").filter(|p| !p.is_empty()),
            sets: get("CTUNE_SET")
                .map(|v| v.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            quiet: on("CTUNE_QUIET"),
        }
    }
}

/// A passwd line and a group line for a uid without an entry, appended to the system's files
/// (nss_wrapper replaces the databases wholesale, so the existing entries are kept).
pub fn nss_files(
    passwd: &str,
    group: &str,
    uid: u32,
    gid: u32,
    name: &str,
    home: &str,
) -> (String, String) {
    let mut p = passwd.to_owned();
    if !p.is_empty() && !p.ends_with('\n') {
        p.push('\n');
    }
    p.push_str(&format!(
        "{name}:x:{uid}:{gid}:ctune generated entry:{home}:/bin/sh\n"
    ));
    let mut g = group.to_owned();
    if crate::parse::passwd::find_gid(group, gid).is_none() {
        if !g.is_empty() && !g.ends_with('\n') {
            g.push('\n');
        }
        g.push_str(&format!("{name}:x:{gid}:\n"));
    }
    (p, g)
}

#[cfg(test)]
mod tests {
    /// The issue's case: 204 MiB of a 512 MiB limit became 39.8438 %, which HotSpot turned
    /// into 206 MiB (216006656 bytes after aligning up).
    #[test]
    fn a_heap_percentage_never_gives_more_than_the_budget() {
        use super::{heap_alignment_bound, heap_percentage, hotspot_percentage_bytes};
        let mib = 1u64 << 20;
        let p = heap_percentage(204 * mib, 512 * mib);
        assert_eq!(p, "39.8437");
        let h = hotspot_percentage_bytes(512 * mib, p.parse().unwrap());
        assert_eq!(h.div_ceil(2 * mib) * 2 * mib, 204 * mib);
        assert_eq!(heap_alignment_bound(204 * mib), 2 * mib);
        assert_eq!(heap_alignment_bound(8192 * mib), 4 * mib);
        assert_eq!(heap_alignment_bound(1 << 40), 32 * mib);
        // More than the memory: all of it.
        assert_eq!(heap_percentage(600 * mib, 512 * mib), "100.0000");
    }

    #[test]
    fn heap_percentages_stay_within_one_alignment_below_the_budget() {
        use super::{heap_alignment_bound, heap_percentage, hotspot_percentage_bytes};
        use proptest::prelude::*;
        let mut runner = proptest::test_runner::TestRunner::default();
        let case = (16u64 << 20..1u64 << 40).prop_flat_map(|phys| (Just(phys), 1u64 << 20..phys));
        runner
            .run(&case, |(physical, bytes)| {
                let p = heap_percentage(bytes, physical);
                let h = hotspot_percentage_bytes(physical, p.parse().unwrap());
                let align = heap_alignment_bound(bytes);
                // Any collector's alignment divides `align` (powers of two, region <= it).
                prop_assert!(h.div_ceil(align) * align <= bytes.max(align), "{p} -> {h}");
                let steps = physical as f64 * 1e-6;
                prop_assert!(
                    (h as f64) + align as f64 + steps + 1.0 > bytes as f64,
                    "{p} -> {h}, too far below {bytes}"
                );
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_java_of_unknown_version_gets_only_what_jdk_8_takes() {
        use super::for_unknown_jdk;
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // G1 assumed and left to the JVM: its ratio would be Parallel's goal on a JDK 8.
        let (kept, notes) = for_unknown_jdk(&v(&[
            "-Xmx772m",
            "-XX:GCTimeRatio=7",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:ActiveProcessorCount=2",
        ]));
        assert_eq!(kept, ["-Xmx772m"]);
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes
            .iter()
            .all(|n| n.ends_with("(the JDK's version is unknown)")));
        // A collector chosen: its own flags go with it.
        let (kept, _) = for_unknown_jdk(&v(&[
            "-XX:+UseParallelGC",
            "-Xmx3700m",
            "-XX:InitialHeapSize=512m",
        ]));
        assert_eq!(
            kept,
            [
                "-XX:+UseParallelGC",
                "-Xmx3700m",
                "-XX:InitialHeapSize=512m"
            ]
        );
    }

    #[test]
    fn unseen_commands_get_only_flags_their_jvm_takes() {
        use super::{for_unseen_command, UnseenJvm::*};
        let flags: Vec<String> = [
            "-XX:ActiveProcessorCount=1",
            "-Xmx408m",
            "-XX:MaxDirectMemorySize=64m",
            "-XX:ReservedCodeCacheSize=90m",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:GCTimeRatio=7",
            "-Xmn32m",
            "-XX:NewRatio=4",
            "-XX:InitialHeapSize=128m",
        ]
        .map(String::from)
        .to_vec();
        let gib = 1u64 << 30;
        let (new, notes) = for_unseen_command(&flags, gib, Some(gib), Percentages);
        for f in [
            "-XX:GCTimeRatio=7",
            "-Xmn32m",
            "-XX:NewRatio=4",
            "-XX:InitialHeapSize=128m",
        ] {
            assert!(!new.contains(&f.to_owned()), "{f}: {new:?}");
            assert!(notes.contains(&format!("{f} left out")), "{f}: {notes:?}");
        }
        assert!(
            new.iter().any(|f| f.starts_with("-XX:MaxRAMPercentage=")),
            "{new:?}"
        );
        assert!(new.contains(&"-XX:ActiveProcessorCount=1".to_owned()));
        assert!(
            !new.iter()
                .any(|f| f.starts_with("-Xm") || f.contains("CodeCache")),
            "{new:?}"
        );
        // JDK 8 before 8u191: no percentages; the heap follows MaxRAM, which -Xms can exceed.
        let (old, notes) = for_unseen_command(&flags, 16 * gib, Some(gib), NoPercentages);
        assert!(old.contains(&format!("-XX:MaxRAM={gib}")), "{old:?}");
        assert!(!old
            .iter()
            .any(|f| f.starts_with("-Xm") || f.contains("RAMPercentage")));
        assert!(
            notes.iter().any(|n| n.contains("-Xmx408m left out")),
            "{notes:?}"
        );
        // Unknown: nothing a JDK 8 GA would refuse.
        let (unknown, _) = for_unseen_command(&flags, 16 * gib, Some(gib), Unknown);
        assert_eq!(
            unknown,
            [
                format!("-XX:MaxRAM={gib}"),
                "-XX:MaxDirectMemorySize=64m".to_owned()
            ]
        );
    }

    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn java_is_found_by_name_path_and_java_home() {
        assert!(is_java(OsStr::new("java"), None));
        assert!(is_java(OsStr::new("/usr/lib/jvm/x/bin/java"), None));
        assert!(!is_java(OsStr::new("javac"), None));
        assert!(!is_java(OsStr::new("/opt/app/run.sh"), None));
        assert!(is_java(
            OsStr::new("/opt/jdk/bin/java"),
            Some(OsStr::new("/opt/jdk/"))
        ));
    }

    #[test]
    fn auto_puts_flags_after_java_and_in_java_tool_options_otherwise() {
        let flags = vec!["-Xmx100m".to_owned()];
        let p = plan(
            &os(&["java", "-Xmx2g", "-jar", "a.jar"]),
            &[],
            &flags,
            None,
            vec![],
        );
        assert_eq!(p.args, os(&["-Xmx100m", "-Xmx2g", "-jar", "a.jar"]));
        assert_eq!(p.place, Some(Place::Args));
        let env = vec![(OsString::from("JAVA_TOOL_OPTIONS"), OsString::from("-Dx=1"))];
        let p = plan(&os(&["./run.sh", ""]), &env, &flags, None, vec![]);
        assert_eq!(p.args, os(&[""]));
        assert_eq!(
            p.set_env,
            vec![(
                OsString::from("JAVA_TOOL_OPTIONS"),
                OsString::from("-Dx=1 -Xmx100m")
            )]
        );
        let p = plan(
            &os(&["java"]),
            &[],
            &flags,
            Some(Place::JdkJavaOptions),
            vec![],
        );
        assert_eq!(p.set_env[0].0, "JDK_JAVA_OPTIONS");
        assert!(p.args.is_empty());
    }

    #[test]
    fn flags_that_do_not_fit_move_or_are_dropped_with_a_reason() {
        let flags = vec![
            "-Xmx100m".to_owned(),
            "-XX:+ExitOnOutOfMemoryError".to_owned(),
        ];
        let cmd = os(&["/usr/bin/java", "-version"]);
        let env = vec![(OsString::from("PATH"), OsString::from("/usr/bin"))];
        let roomy = ArgLimits::from_stack_limit(Some(8 << 20));
        assert_eq!(roomy.total, 2 << 20);
        let (p, why) = plan_within(&cmd, &env, &flags, None, vec![], roomy);
        assert_eq!((p.place, why), (Some(Place::Args), None));
        // Exactly what the unchanged command needs: the flags fit nowhere.
        let need = |p: &Plan| {
            let mut n = 0;
            let mut lim = ArgLimits {
                total: 0,
                per_string: usize::MAX,
            };
            while !lim.fits(p, &env) {
                n += 1;
                lim.total = n;
            }
            n
        };
        let tight = ArgLimits {
            total: need(&Plan::unchanged(&cmd)),
            per_string: 1 << 17,
        };
        let (p, why) = plan_within(&cmd, &env, &flags, None, vec![], tight);
        assert_eq!(p, Plan::unchanged(&cmd));
        assert!(why.unwrap().contains("running the command unchanged"));
        // Room for the flags in JAVA_TOOL_OPTIONS (one string, one pointer) but not as two
        // arguments: they move there.
        let flags: Vec<String> = [
            "-Xmx100m",
            "-Xss1m",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Da=1",
        ]
        .map(String::from)
        .to_vec();
        let in_jto = plan_at(&cmd, &env, &flags, Place::JavaToolOptions, vec![]);
        let as_args = plan_at(&cmd, &env, &flags, Place::Args, vec![]);
        let (a, b) = (need(&in_jto), need(&as_args));
        assert!(a < b, "{a} {b}");
        let (p, why) = plan_within(
            &cmd,
            &env,
            &flags,
            None,
            vec![],
            ArgLimits {
                total: a,
                per_string: 1 << 17,
            },
        );
        assert_eq!(p.place, Some(Place::JavaToolOptions));
        assert!(why.unwrap().contains("in JAVA_TOOL_OPTIONS instead"));
        // One string over 128 KiB (a huge JAVA_TOOL_OPTIONS): after `java`, the argument list.
        let big = vec![(
            OsString::from("JAVA_TOOL_OPTIONS"),
            OsString::from("x".repeat(131072 - 19 - 10)),
        )];
        let (p, why) = plan_within(
            &cmd,
            &big,
            &flags,
            Some(Place::JavaToolOptions),
            vec![],
            roomy,
        );
        assert_eq!(p.place, Some(Place::Args));
        assert!(why.is_some());
        // A start script has only the variable: unchanged, and the reason is that one string,
        // not the total.
        let script = os(&["/bin/sh", "-c", "true"]);
        let (p, why) = plan_within(&script, &big, &flags, None, vec![], roomy);
        assert_eq!(p, Plan::unchanged(&script));
        let why = why.unwrap();
        assert!(
            why.contains("over the 131072 a single string may have"),
            "{why}"
        );
        assert!(tight.overflow(&Plan::unchanged(&cmd), &env).is_none());
        let why = tight.overflow(&as_args, &env).unwrap();
        assert!(
            why.contains("bytes of arguments and environment, over the"),
            "{why}"
        );
    }

    #[test]
    fn overrides_come_from_the_environment() {
        let e = |pairs: &[(&str, &str)]| -> Vec<(OsString, OsString)> {
            pairs
                .iter()
                .map(|(a, b)| (OsString::from(a), OsString::from(b)))
                .collect()
        };
        assert_eq!(Overrides::from_env(&[]), Overrides::default());
        let o = Overrides::from_env(&e(&[
            ("CTUNE_BYPASS", "1"),
            ("CTUNE_PROFILE", "latency"),
            ("CTUNE_SET", " memory.threads=400  gc.goal=throughput "),
            ("CTUNE_QUIET", "true"),
        ]));
        assert!(o.bypass && o.quiet);
        assert_eq!(o.profile.as_deref(), Some("latency"));
        assert_eq!(o.sets, ["memory.threads=400", "gc.goal=throughput"]);
        let o = Overrides::from_env(&e(&[("CTUNE_BYPASS", "0"), ("CTUNE_PROFILE", "")]));
        assert!(!o.bypass && o.profile.is_none());
    }

    /// The planner, fed random mixes of real-world user options in every place the JVM reads
    /// them, random limits and JDKs: ctune's flags never conflict with the user's (no JVM
    /// refusal), its `-Xmx` is never below the user's initial or minimum heap, it picks no
    /// collector beside the user's, and what goes into an options variable is read back by
    /// the JVM's splitting as the user's options followed by exactly ctune's.
    #[test]
    fn the_planner_never_makes_a_line_the_jvm_refuses() {
        use crate::jvm::options::{conflicts, split_java_options, UserOptions};
        use proptest::prelude::*;
        const OPTS: &[&str] = &[
            "-Xms512m",
            "-Xms2g",
            "-Xms64m",
            "-XX:InitialHeapSize=700m",
            "-XX:MinHeapSize=900m",
            "-Xmx300m",
            "-Xmx4g",
            "-XX:MaxHeapSize=256m",
            "-XX:MaxRAMPercentage=75.0",
            "-XX:MaxRAMPercentage=90",
            "-XX:MaxRAM=1g",
            "-XX:InitialRAMPercentage=50",
            "-XX:+UseSerialGC",
            "-XX:+UseG1GC",
            "-XX:+UseParallelGC",
            "-XX:-UseG1GC",
            "-XX:+UseZGC",
            "-XX:ActiveProcessorCount=3",
            "-XX:-UseContainerSupport",
            "-XX:MaxDirectMemorySize=32m",
            "-XX:ReservedCodeCacheSize=64m",
            "-XX:InitialCodeCacheSize=100m",
            "-XX:+ExitOnOutOfMemoryError",
            "-Xlog:gc*:stdout",
            "-Dgreeting=hello world",
            "-Dq=it's",
            "-Dk=\"quoted\"",
            "-Xss512k",
            "-XX:MaxMetaspaceSize=128m",
            "-Djava.io.tmpdir=/tmp/x y",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "-ea",
            "-Duser.timezone=UTC",
        ];
        const JDKS: &[&str] = &[
            "11.0.13",
            "17.0.2",
            "17.0.15",
            "21.0.8",
            "25.0.2",
            "1.8.0_372",
        ];
        let pick = || prop::collection::vec(prop::sample::select(OPTS), 0..4);
        let case = (
            (pick(), pick(), pick(), pick()),
            prop::option::of(16u64..16384),
            prop::option::of(1u32..16),
            prop::sample::select(JDKS),
            prop::sample::select(&["default", "throughput", "latency", "spark-executor"][..]),
            prop::bool::ANY,
        );
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases: 3000,
            ..Default::default()
        });
        let joined = |v: &[&str]| crate::jvm::options::join_java_options(v);
        runner
            .run(
                &case,
                |((jto, jdk_opts, argv, under), mem_mib, cpus, jdk, profile, java_cmd)| {
                    let mut f = crate::findings::test_facts::container();
                    f.memory.limit = match mem_mib {
                        Some(m) => {
                            crate::facts::Limit::limited(m << 20, "/sys/fs/cgroup/memory.max")
                        }
                        None => crate::facts::Limit::unlimited("test"),
                    };
                    f.cpu.limit = match cpus {
                        Some(c) => {
                            crate::facts::Limit::limited(c as f64 / 2.0, "/sys/fs/cgroup/cpu.max")
                        }
                        None => crate::facts::Limit::unlimited("test"),
                    };
                    crate::findings::test_facts::set_java(&mut f, jdk);
                    let env: Vec<(String, String)> = [
                        ("JAVA_TOOL_OPTIONS", joined(&jto)),
                        ("JDK_JAVA_OPTIONS", joined(&jdk_opts)),
                        ("_JAVA_OPTIONS", joined(&under)),
                    ]
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect();
                    let mut command: Vec<String> = if java_cmd {
                        vec!["java".into()]
                    } else {
                        vec![]
                    };
                    command.extend(argv.iter().map(|s| s.to_string()));
                    if java_cmd {
                        command.extend(["-jar".into(), "app.jar".into()]);
                    }
                    let user = UserOptions::gather(&env, &command);
                    // The user's own line must be one the JVM takes: a maximum below the minimum
                    // fails without ctune too.
                    if let (Some((min, _)), Some(crate::jvm::options::HeapSetting::Bytes(max, _))) =
                        (user.min_heap(), user.max_heap())
                    {
                        prop_assume!(min <= max);
                    }
                    let p = crate::jvm::profile::load(profile, &[]).unwrap();
                    let a = crate::jvm::advise::advise(&f, &p, &user);
                    let flags = &a.recommended.flags;
                    let c = conflicts(flags, &user);
                    prop_assert!(c.is_empty(), "{:?} for {:?}: {:?}", flags, user.options, c);
                    if let Some((min, _)) = user.min_heap() {
                        prop_assert!(a.recommended.max_heap_bytes >= min, "{:?}", a);
                    }
                    if user.touches_gc() {
                        prop_assert!(!flags
                            .iter()
                            .any(|x| crate::jvm::version::Gc::from_option(x).is_some()));
                    }
                    let os_env: Vec<(OsString, OsString)> =
                        env.iter().map(|(k, v)| (k.into(), v.into())).collect();
                    let plan = plan(&os(&["./start.sh"]), &os_env, flags, None, vec![]);
                    if !flags.is_empty() {
                        let jto_now = &plan.set_env.last().unwrap().1;
                        let read = split_java_options(jto_now.to_str().unwrap()).unwrap();
                        let mut want: Vec<String> = jto.iter().map(|s| s.to_string()).collect();
                        want.extend(flags.iter().cloned());
                        prop_assert_eq!(read, want);
                    }
                    Ok(())
                },
            )
            .unwrap();
    }

    #[test]
    fn non_utf8_is_kept_and_quoted_for_display() {
        let arg = OsString::from_vec(vec![b'a', 0xff, b'\'']);
        let p = plan(
            &[OsString::from("echo"), arg.clone()],
            &[],
            &[],
            None,
            vec![],
        );
        assert_eq!(p.args, vec![arg.clone()]);
        assert_eq!(display_command(&p.program, &p.args), r"echo $'a\xff\''");
    }

    #[test]
    fn nss_entries_keep_the_system_ones() {
        let (p, g) = nss_files(
            "root:x:0:0::/root:/bin/sh",
            "root:x:0:\n",
            1000680000,
            0,
            "app",
            "/tmp/h",
        );
        assert!(p.starts_with("root:x:0:0::/root:/bin/sh\n"));
        assert!(p.ends_with("app:x:1000680000:0:ctune generated entry:/tmp/h:/bin/sh\n"));
        assert_eq!(g, "root:x:0:\n", "gid 0 already has a group");
    }
}
