//! `ctune exec`: tune, then become the command (same process id, signals straight to it).
//!
//! It must never be the reason an app did not start: whatever the tuning hits (an unreadable
//! `/sys`, a bad profile, a panic), the command runs unchanged and one line on standard error
//! says why. `--strict` turns that into an error exit instead.

use super::args::{ExecArgs, GlobalArgs, Inject};
use crate::exec::{self, Place, Plan};
use crate::facts::{env_lookup, Fact, Facts, Limit};
use crate::jvm::{advise, options::UserOptions, profile};
use crate::{exit, probe, render};
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

/// Where nss_wrapper's library is installed by Debian/Ubuntu (`libnss-wrapper`) and
/// RHEL/UBI (`nss_wrapper`).
const NSS_WRAPPER_LIBS: &[&str] = &[
    "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so",
    "/usr/lib/aarch64-linux-gnu/libnss_wrapper.so",
    "/usr/lib64/libnss_wrapper.so",
    "/usr/lib/libnss_wrapper.so",
    "/usr/local/lib/libnss_wrapper.so",
];

struct Tuned {
    plan: Plan,
    /// The one line said on standard error.
    summary: String,
    /// Things skipped or missing (said even with --quiet).
    problems: Vec<String>,
}

pub fn run(g: &GlobalArgs, mut a: ExecArgs) -> anyhow::Result<i32> {
    let env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    // The deployment's overrides; ctune's own options win.
    let ov = exec::Overrides::from_env(&env);
    if a.profile.is_none() {
        a.profile = ov.profile.clone();
    }
    if !ov.sets.is_empty() {
        let mut sets = ov.sets.clone();
        sets.append(&mut a.sets);
        a.sets = sets;
    }
    a.quiet |= ov.quiet;
    if ov.bypass {
        let t = Tuned {
            plan: Plan::unchanged(&a.command),
            summary: "CTUNE_BYPASS is set: running the command untouched".into(),
            problems: Vec::new(),
        };
        return finish(a, t);
    }
    // A panic while tuning must not stop the command: catch it, quietly.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let tuned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tune(g, &a, &env)));
    std::panic::set_hook(hook);
    let tuned = match tuned {
        Ok(Ok(t)) => t,
        other => {
            let err = match other {
                Ok(Err(e)) => e,
                _ => super::cannot_inspect("internal error while tuning"),
            };
            if a.strict {
                return Err(err.context("--strict: tuning failed"));
            }
            skipped(&a, format!("{err:#}"))
        }
    };
    finish(a, tuned)
}

fn skipped(a: &ExecArgs, why: String) -> Tuned {
    Tuned {
        plan: Plan::unchanged(&a.command),
        summary: String::new(),
        problems: vec![format!(
            "tuning skipped ({why}); running the command unchanged"
        )],
    }
}

fn finish(a: ExecArgs, t: Tuned) -> anyhow::Result<i32> {
    let mut err = std::io::stderr();
    for p in &t.problems {
        let _ = writeln!(err, "ctune: {p}");
    }
    if a.dry_run {
        // What is printed hides secret-looking `-D` values, the user's included.
        let args: Vec<OsString> = t.plan.args.iter().map(|x| exec::redact_arg(x)).collect();
        let mut out = format!("{}\n", exec::display_command(&t.plan.program, &args));
        for (k, v) in &t.plan.set_env {
            let v = exec::redact_options_value(v);
            out.push_str(&format!("{}={}\n", k.to_string_lossy(), exec::quote_os(&v)));
        }
        let _ = std::io::stdout().write_all(out.as_bytes());
        return Ok(exit::OK);
    }
    if !a.quiet && !t.summary.is_empty() {
        let _ = writeln!(err, "ctune: {}", t.summary);
    }
    Ok(become_command(&t.plan))
}

/// Replace this process with the plan's command. Returns only on failure, with the exit code a
/// shell would give.
pub fn become_command(plan: &Plan) -> i32 {
    reset_signals();
    let e = std::process::Command::new(&plan.program)
        .args(&plan.args)
        .envs(plan.set_env.iter().map(|(k, v)| (k, v)))
        .exec();
    eprintln!("ctune: cannot run {}: {e}", exec::quote_os(&plan.program));
    if e.kind() == std::io::ErrorKind::NotFound {
        exit::NOT_FOUND
    } else {
        exit::NOT_EXECUTABLE
    }
}

/// exec(2) resets caught signals but keeps ignored ones ignored and keeps the mask: give the
/// command every signal at its default, unblocked, as if started by init.
///
/// Every signal is set, not only those found ignored: asking the kernel costs the same system
/// call as setting, and reading `/proc/self/status` instead costs more than all of them (and
/// needs `/proc`).
fn reset_signals() {
    use nix::sys::signal::{sigprocmask, SigSet, SigmaskHow};
    // The raw system call, not sigaction(3): glibc refuses signals 32 and 33 (reserved for its
    // threads), yet a parent can leave them ignored and exec passes that on. A zeroed kernel
    // sigaction is SIG_DFL with no flags and an empty mask (4 words covers every layout).
    let default_action = [0u64; 4];
    for sig in 1..=64 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: installs the default disposition (no handler code runs); the old action is
        // not read; the sigset size is the kernel's (8 bytes). Failures leave the signal as is.
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                sig,
                default_action.as_ptr(),
                std::ptr::null_mut::<u64>(),
                8usize,
            );
        }
    }
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
}

fn tune(g: &GlobalArgs, a: &ExecArgs, env: &[(OsString, OsString)]) -> anyhow::Result<Tuned> {
    let profile = profile::load(a.profile.as_deref().unwrap_or("default"), &a.sets)
        .map_err(|e| super::usage(e.to_string()))?;
    let root = super::open_root(g)?;
    // The command sees this process's environment, whatever --root says.
    let live_env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let opts = probe::Options {
        lean: true,
        java: java_lookup(&a.command, env),
        // Live, the probe's environment is this one: no need to read /proc/self/environ.
        env: root.is_live().then(|| live_env.clone()),
        running_jvms: false,
        ..super::probe_options(g)?
    };
    let facts = probe::collect(&root, &opts);
    // Flags sized from a guess would be worse than none: an unknown limit stops the tuning.
    if let Limit::Unknown { reason } = &facts.memory.limit {
        return Err(super::cannot_inspect(format!(
            "memory limit unknown: {reason}"
        )));
    }
    // An unknown CPU limit puts no guess into the flags: the advice then sizes for the CPUs
    // allowed, as the JVM itself would.
    let command: Vec<String> = a
        .command
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let user = UserOptions::gather_with_argfiles(&live_env, &command, &mut super::read_argfile);
    let advice = advise::advise(&facts, &profile, &user);
    let mut flags = advice.recommended.flags.clone();
    let mut problems = Vec::new();
    let (extra_env, nss_active) = home_and_identity(
        a,
        &facts,
        &profile,
        &user,
        &command,
        &live_env,
        &mut flags,
        &mut problems,
    );
    let forced = match a.inject {
        Inject::Auto => None,
        Inject::Args => Some(Place::Args),
        Inject::JavaToolOptions => Some(Place::JavaToolOptions),
        Inject::JdkJavaOptions => Some(Place::JdkJavaOptions),
    };
    let limit = facts.memory.limit.value();
    let notes = make_safe(a, &advice, limit, &user, &command, &mut flags);
    let (plan, moved) = exec::plan_within(
        &a.command,
        env,
        &flags,
        forced,
        extra_env,
        exec::ArgLimits::from_stack_limit(stack_limit()),
    );
    // Flags dropped for the argument limits: the one line saying so is all (no "no JVM flags
    // needed" after it).
    let dropped = plan.place.is_none() && moved.is_some() && !flags.is_empty();
    problems.extend(moved);
    let mut summary = if dropped {
        String::new()
    } else {
        summary(&plan, &advice, &facts, nss_active)
    };
    if let Some(n) = users_collector_note(&user, &facts).filter(|_| !dropped) {
        summary.push_str(&format!("; {n}"));
    }
    if plan.place.is_some() {
        for n in notes {
            summary.push_str(&format!("; {n}"));
        }
    }
    Ok(Tuned {
        plan,
        summary,
        problems,
    })
}

/// HOME (unset or `/` breaks tools that write dot-files: a private writable one) and, for a
/// uid without a passwd entry, nss_wrapper or `-Duser.home`. Returns the variables to set and
/// whether nss_wrapper is on.
#[allow(clippy::too_many_arguments)]
fn home_and_identity(
    a: &ExecArgs,
    facts: &Facts,
    profile: &profile::Profile,
    user: &UserOptions,
    command: &[String],
    live_env: &[(String, String)],
    flags: &mut Vec<String>,
    problems: &mut Vec<String>,
) -> (Vec<(OsString, OsString)>, bool) {
    let mut extra_env = Vec::new();
    let id = &facts.identity;
    // The passwd entry's home (the JVM's user.home) is known not to be writable for the uid:
    // podman's `--user 4242` writes an entry with home `/` (and HOME=/).
    let passwd_home_unusable =
        id.has_passwd_entry() && id.passwd_home_writable == Fact::Known(false);
    let home = env_lookup(live_env, "HOME")
        .filter(|h| !h.is_empty() && *h != "/")
        .filter(|h| !(passwd_home_unusable && id.passwd_home.as_deref() == Some(*h)))
        .map(str::to_owned);
    let home = match home {
        Some(h) => h,
        None => match private_dir("home", facts, !a.dry_run) {
            Ok(d) => {
                let d = d.to_string_lossy().into_owned();
                extra_env.push((OsString::from("HOME"), OsString::from(&d)));
                d
            }
            Err(e) => {
                problems.push(format!(
                    "HOME is unset or '/' and no private directory could be made: {e}"
                ));
                "/".to_owned()
            }
        },
    };
    let java_cmd = command
        .first()
        .is_some_and(|c| crate::jvm::options::is_java_command(c));
    if passwd_home_unusable && java_cmd && !user.has_prefix("-Duser.home=") && home != "/" {
        // The JVM takes user.home from the passwd entry, not HOME: point it at the usable one.
        flags.push(format!("-Duser.home={home}"));
    }
    let mut nss_active = false;
    // An unreadable passwd file fails getpwuid as a missing entry does.
    if let (false, Fact::Known(uid)) = (facts.identity.has_passwd_entry(), &facts.identity.uid) {
        if a.nss_wrapper || profile.exec.nss_wrapper {
            match nss_wrapper(facts, *uid, &home, live_env, !a.dry_run) {
                Ok(vars) => {
                    extra_env.extend(vars);
                    nss_active = true;
                }
                Err(e) => problems.push(e),
            }
        }
        if !nss_active && java_cmd && !user.has_prefix("-Duser.home=") {
            // With no entry the JVM's user.home is '?': point it at HOME.
            flags.push(format!("-Duser.home={home}"));
        }
    }
    (extra_env, nss_active)
}

/// The flags made safe beside the user's options; returns what was changed, for the line.
///
/// A command that is not `java` (a start script) has JVM options ctune cannot see: heap and
/// collector flags that could contradict them are rewritten or dropped (see
/// [`exec::for_unseen_command`]). Then a last guard drops any flag that would still stop the
/// JVM beside the user's own options (the advisor avoids them already; this holds whatever a
/// profile adds).
fn make_safe(
    a: &ExecArgs,
    advice: &advise::Advice,
    limit: Option<u64>,
    user: &UserOptions,
    command: &[String],
    flags: &mut Vec<String>,
) -> Vec<String> {
    let mut notes = Vec::new();
    let unseen = !command
        .first()
        .is_some_and(|c| crate::jvm::options::is_java_command(c))
        && !matches!(a.inject, Inject::Args);
    let jdk = advice
        .java
        .as_ref()
        .and_then(|j| crate::jvm::version::JavaVersion::parse(&j.version));
    if unseen {
        let jvm = match jdk {
            None => exec::UnseenJvm::Unknown,
            Some(v) if v.has_active_processor_count() => exec::UnseenJvm::Percentages,
            Some(_) => exec::UnseenJvm::NoPercentages,
        };
        let (safe, changed) =
            exec::for_unseen_command(flags, advice.jvm_view.physical_memory_bytes, limit, jvm);
        *flags = safe;
        if !changed.is_empty() {
            notes.push(format!(
                "the command's own JVM options are not visible, so: {}",
                changed.join(", ")
            ));
        }
    } else if jdk.is_none() {
        let (safe, changed) = exec::for_unknown_jdk(flags);
        *flags = safe;
        notes.extend(changed);
    }
    for c in crate::jvm::options::conflicts(flags, user) {
        flags.retain(|f| *f != c.flag);
        notes.push(format!("left out {}: {}", c.flag, c.why));
    }
    notes
}

/// Advise for the Java the command runs: the one it names by path, a bare `java` from `PATH`;
/// for anything else (a start script), the one `JAVA_HOME` or `PATH` gives.
fn java_lookup(command: &[OsString], env: &[(OsString, OsString)]) -> probe::JavaLookup {
    let java_home = env
        .iter()
        .find(|(k, _)| k == "JAVA_HOME")
        .map(|(_, v)| v.as_os_str());
    match command.first() {
        Some(c) if exec::is_java(c, java_home) => match c.to_str() {
            Some(c) if c.contains('/') => probe::JavaLookup::At(c.to_owned()),
            Some(_) => probe::JavaLookup::Path,
            None => probe::JavaLookup::Default,
        },
        _ => probe::JavaLookup::Default,
    }
}

fn summary(plan: &Plan, advice: &advise::Advice, facts: &Facts, nss: bool) -> String {
    let mut s = match plan.place {
        Some(p) => format!("{} {}", plan.applied.join(" "), p.describe()),
        None => "no JVM flags needed".to_owned(),
    };
    let cpu = facts
        .cpu
        .limit
        .value()
        .map(render::cores_label)
        .unwrap_or_else(|| "no CPU limit".into());
    let mem = facts
        .memory
        .limit
        .value()
        .map(render::bytes)
        .unwrap_or_else(|| "no memory limit".into());
    s.push_str(&format!(" (profile {}; {mem}, {cpu})", advice.profile));
    if nss {
        s.push_str("; nss_wrapper passwd entry");
    }
    // Each warning itself: a count pointing elsewhere is lost in a container log.
    for w in &advice.warnings {
        s.push_str(&format!("; warning: {w}"));
    }
    s
}

/// The user's own collector choice is left alone, and said: with what it costs under fewer
/// than 2 CPUs, where Parallel, G1, ZGC and Shenandoah run GC threads beside the application
/// that the quota throttles (`collector-burns-cpu-limit`).
fn users_collector_note(user: &UserOptions, facts: &Facts) -> Option<String> {
    use crate::jvm::version::Gc;
    let o = user
        .options
        .iter()
        .rev()
        .find(|o| Gc::from_option(&o.option).is_some())?;
    let gc = Gc::from_option(&o.option)?;
    let cpus = match facts.cpu.limit.value() {
        Some(c) => Some(c),
        None => facts.cpu.effective_count.known().map(|&n| f64::from(n)),
    };
    let mut s = format!("left alone: {} (from {})", o.option, o.source);
    if let (Some(c), true) = (cpus, gc != Gc::Serial) {
        if c < 2.0 {
            s.push_str(&format!(
                ", under a {} CPU limit: its GC threads compete with the application for the quota (Serial GC costs the least there)",
                render::cores(c)
            ));
        }
    }
    Some(s)
}

/// The soft stack limit, which sets the kernel's limit on arguments and environment (None =
/// unlimited or unreadable: the kernel then allows 6 MiB).
fn stack_limit() -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit struct we own.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut r) } == 0;
    (ok && r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur)
}

/// A directory only this uid can use: `$TMPDIR/ctune-KIND-UID` (or under `/tmp`). The same
/// path at every start, so container restarts reuse one directory instead of leaving one
/// each; an existing one is used only when it is a real directory (not a link) owned by this
/// uid and closed to others. With `create` false (`--dry-run`) nothing is made: the path is
/// only named.
fn private_dir(kind: &str, facts: &Facts, create: bool) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let tmp = std::env::var_os("TMPDIR")
        .filter(|t| !t.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    // SAFETY: geteuid has no failure mode.
    let euid = unsafe { libc::geteuid() };
    let uid = facts.identity.uid.known().copied().unwrap_or(euid);
    let dir = tmp.join(format!("ctune-{kind}-{uid}"));
    if !create {
        return Ok(dir);
    }
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => return Ok(dir),
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
        Err(_) => {}
    }
    let m = std::fs::symlink_metadata(&dir)?;
    if !m.file_type().is_dir() || m.uid() != euid || m.mode() & 0o077 != 0 {
        return Err(std::io::Error::other(format!(
            "{} exists and is not a private directory of uid {euid}",
            dir.display()
        )));
    }
    Ok(dir)
}

/// Write `text` to `path` through a temporary file and a rename, so a reader (or a second
/// start at the same moment) never sees half a file.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Write a passwd and a group file holding an entry for `uid` and return the variables that
/// make nss_wrapper serve them.
fn nss_wrapper(
    facts: &Facts,
    uid: u32,
    home: &str,
    env: &[(String, String)],
    write: bool,
) -> Result<Vec<(OsString, OsString)>, String> {
    let lib = NSS_WRAPPER_LIBS.iter().find(|l| std::path::Path::new(l).is_file()).ok_or_else(|| {
        format!("uid {uid} has no passwd entry and libnss_wrapper.so is not installed (Debian/Ubuntu: libnss-wrapper, RHEL/UBI: nss_wrapper); continuing without one")
    })?;
    let gid = facts.identity.gid.known().copied().unwrap_or(0);
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let taken = |n: &str| crate::parse::passwd::entries(&passwd).any(|e| e.name == n);
    let name = env_lookup(env, "USER")
        .filter(|u| {
            !u.is_empty()
                && u.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && !taken(u)
        })
        .unwrap_or(if taken("app") { "ctune-user" } else { "app" })
        .to_owned();
    let (p, g) = exec::nss_files(&passwd, &group, uid, gid, &name, home);
    let dir = private_dir("nss", facts, write)
        .map_err(|e| format!("nss_wrapper files not written: {e}"))?;
    let (pf, gf) = (dir.join("passwd"), dir.join("group"));
    if write {
        write_atomically(&pf, &p).map_err(|e| format!("{}: {e}", pf.display()))?;
        write_atomically(&gf, &g).map_err(|e| format!("{}: {e}", gf.display()))?;
    }
    let preload = match env_lookup(env, "LD_PRELOAD").filter(|p| !p.is_empty()) {
        Some(p) => format!("{lib}:{p}"),
        None => (*lib).to_owned(),
    };
    Ok(vec![
        (OsString::from("NSS_WRAPPER_PASSWD"), pf.into_os_string()),
        (OsString::from("NSS_WRAPPER_GROUP"), gf.into_os_string()),
        (OsString::from("LD_PRELOAD"), OsString::from(preload)),
    ])
}

/// Where the command starts on an `exec` line whose ctune options did not parse: after `--`,
/// or else at the first argument after `exec` that is neither an option nor the value of one
/// of ctune's options that take one (an unknown option is taken to have none).
fn command_start(args: &[std::ffi::OsString]) -> Option<usize> {
    const VALUED: &[&str] = &[
        "--root",
        "--path",
        "--assume",
        "--format",
        "--profile",
        "--set",
        "--inject",
    ];
    let exec_at = args.iter().skip(1).position(|a| a == "exec")? + 1;
    // With a `--`, it separates when everything before it can be ctune's options and their
    // values (a word right after a `--name` may be a mistyped option's value).
    if let Some(sep) = args[exec_at + 1..].iter().position(|a| a == "--") {
        let before = &args[exec_at + 1..exec_at + 1 + sep];
        let option_like = before.iter().enumerate().all(|(i, a)| {
            a.as_encoded_bytes().starts_with(b"-")
                || (i > 0 && {
                    let p = before[i - 1].as_encoded_bytes();
                    p.starts_with(b"--") && !p.contains(&b'=')
                })
        });
        if option_like {
            return Some(exec_at + 2 + sep);
        }
    }
    // Before `exec`, only options (and their values) may stand: a `--` or another command
    // there means this is not an exec line.
    let mut i = exec_at + 1;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            return Some(i + 1);
        }
        let b = a.as_encoded_bytes();
        if !b.starts_with(b"-") {
            return Some(i);
        }
        i += if VALUED.iter().any(|v| a == *v) { 2 } else { 1 };
    }
    None
}

/// When ctune's own arguments do not parse, `exec` still runs its command (unless `--strict`
/// is among them). Returns None when this is not such a command line.
pub fn fallback_on_usage_error(args: &[OsString], error: &str) -> Option<i32> {
    // argv[0] is the program's name, whatever it is (even `--`, through `exec -a`).
    let start = command_start(args)?;
    if args[1..start].iter().any(|a| a == "--strict") {
        return None;
    }
    let command = &args[start..];
    if command.is_empty() {
        return None;
    }
    let first = error
        .lines()
        .next()
        .unwrap_or(error)
        .trim_start_matches("error: ");
    eprintln!("ctune: {first}; running the command unchanged");
    Some(become_command(&Plan::unchanged(command)))
}
