//! The command edge: parse arguments, open the root, run one command, map every failure to an
//! exit code from [`crate::exit`]. `anyhow` lives here and nowhere deeper.

pub mod args;
mod doctor;
mod exec;
mod fast_exec;
mod files;
pub(crate) mod jvm;
mod lint;
pub mod man;
mod report;
mod snapshot;
pub mod term;

use crate::exit;
use crate::probe::reader::Root;
use args::{Cli, Command, GlobalArgs};
use std::path::Path;

/// A failure that knows its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Failure {
        code: exit::USAGE,
        message: message.into(),
    }
    .into()
}

pub fn cannot_inspect(message: impl Into<String>) -> anyhow::Error {
    Failure {
        code: exit::CANNOT_INSPECT,
        message: message.into(),
    }
    .into()
}

/// Run with the process's arguments; returns the exit code.
pub fn main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The entrypoint's plain `exec` line skips clap (see fast_exec.rs for why).
    if let Some((global, exec_args)) = fast_exec::parse(&args) {
        return exit_code(exec::run(&global, exec_args));
    }
    let cli = match args::parse(&args) {
        Ok(c) => c,
        Err(e) => {
            // `ctune exec` must not keep an app from starting over a mistyped ctune option.
            if e.use_stderr() {
                if let Some(code) = exec::fallback_on_usage_error(&args, &e.to_string()) {
                    return code;
                }
            }
            if e.use_stderr() {
                // One style for every error: clap's `error: ...` as ctune's own `ctune: ...`.
                let text = e.render().to_string();
                eprint!("ctune: {}", text.strip_prefix("error: ").unwrap_or(&text));
            } else {
                let _ = e.print();
            }
            return if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
        }
    };
    if let Some(name) = no_format_command(&cli) {
        if cli.global.format.is_some() {
            let message = format!("`ctune {name}` prints no document, so it takes no --format");
            if let Some(code) = exec::fallback_on_usage_error(&args, &message) {
                return code;
            }
            return exit_code(Err(usage(message)));
        }
    }
    exit_code(run(cli))
}

/// The command's name when it is one that takes no `--format` (given before the command, the
/// global form, clap accepts it; after, clap's own check refuses it).
fn no_format_command(cli: &Cli) -> Option<&'static str> {
    match cli.command {
        Command::Exec(_) => Some("exec"),
        Command::Snapshot { .. } => Some("snapshot"),
        Command::Completions { .. } => Some("completions"),
        _ => None,
    }
}

/// Say a command's error on standard error and give its exit code.
fn exit_code(result: anyhow::Result<i32>) -> i32 {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ctune: {e:#}");
            e.downcast_ref::<Failure>()
                .map_or(exit::CANNOT_INSPECT, |f| f.code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Report => report::run(&cli.global),
        Command::Jvm(args) => jvm::run(&cli.global, &args),
        Command::Profiles { action } => jvm::profiles(&cli.global, action),
        Command::Doctor(args) => doctor::run(&cli.global, &args),
        Command::Lint(args) => lint::run(&cli.global, &args),
        Command::Exec(args) => exec::run(&cli.global, args),
        Command::Snapshot { dir } => snapshot::run(&cli.global, &dir),
        Command::Completions { shell } => {
            let mut cmd = args::command();
            // Into a buffer first: clap_complete panics when its writer fails (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "ctune", &mut script);
            use std::io::Write;
            let _ = std::io::stdout().write_all(&script);
            Ok(exit::OK)
        }
    }
}

/// The root to read: the live system, or `--root DIR` when it exists and holds `proc/`.
pub fn open_root(g: &GlobalArgs) -> anyhow::Result<Root> {
    match &g.root {
        None => Ok(Root::live()),
        Some(dir) => {
            check_root(dir)?;
            Ok(Root::at(dir))
        }
    }
}

fn check_root(dir: &Path) -> anyhow::Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(cannot_inspect(format!(
                "--root {}: a file, not a directory (give a `ctune snapshot` directory or a system root)",
                dir.display()
            )))
        }
        Err(e) => {
            return Err(cannot_inspect(format!(
                "--root {}: {}",
                dir.display(),
                os_error(&e)
            )))
        }
    }
    if !dir.join("proc").is_dir() {
        return Err(cannot_inspect(format!(
            "--root {}: holds no proc/ directory (not a snapshot or system root)",
            dir.display()
        )));
    }
    Ok(())
}

/// An I/O error as a person reads it: "no such file or directory", without Rust's
/// "(os error 2)" suffix.
pub fn os_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_owned(),
                None => s,
            }
        }
    }
}

/// The `--format` value, checked against what the command accepts ([`args::FORMATS`]; clap
/// checks it too when it comes after the command, not when it comes before).
pub fn format<'a>(g: &'a GlobalArgs, command: &str) -> anyhow::Result<&'a str> {
    let accepted = args::FORMATS
        .iter()
        .find(|(c, _)| *c == command)
        .map_or(&[][..], |(_, f)| *f);
    let f = g
        .format
        .as_deref()
        .unwrap_or(accepted.first().copied().unwrap_or("table"));
    match accepted.iter().find(|&&a| a == f) {
        Some(&a) => Ok(a),
        None => Err(usage(format!(
            "--format {f}: `ctune {command}` takes {}",
            accepted.join(", ")
        ))),
    }
}

/// Probe options from the global arguments.
pub fn probe_options(g: &GlobalArgs) -> anyhow::Result<crate::probe::Options> {
    let assume = crate::assume::Assumptions::parse(&g.assume).map_err(|e| usage(e.to_string()))?;
    Ok(crate::probe::Options {
        extra_paths: g.paths.clone(),
        java_options: Vec::new(),
        assume,
        lean: false,
        java: Default::default(),
        env: None,
        pid: g.pid,
        running_jvms: true,
        advice_only: false,
    })
}

/// The facts, read once, or with `--interval` twice that far apart with the rates between the
/// two readings attached (the same probe both times; the rates are [`crate::interval::rates`]).
pub fn observe(g: &GlobalArgs, root: &Root, opts: &crate::probe::Options) -> crate::facts::Facts {
    let Some(seconds) = g.interval else {
        return crate::probe::collect(root, opts);
    };
    let first = crate::probe::collect(root, opts);
    let t0 = std::time::Instant::now();
    std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
    let second = crate::probe::collect(root, opts);
    // From the end of one reading to the end of the other: each file is read at the same
    // point of a reading, so this is the time between the two reads of each counter.
    let elapsed = t0.elapsed().as_secs_f64();
    crate::interval::attach(&first, second, elapsed)
}

/// `--interval` is for the commands that show counters; refuse it elsewhere.
pub fn no_interval(g: &GlobalArgs, command: &str) -> anyhow::Result<()> {
    match g.interval {
        Some(_) => Err(usage(format!(
            "--interval: `ctune {command}` reads no counters; report, doctor and lint take it"
        ))),
        None => Ok(()),
    }
}

/// The text of an `@argfile` on the user's `java` command line, read as `java` will read it:
/// from the live file system, relative to the working directory (whatever `--root` says).
/// A regular file of at most 1 MiB; None when it cannot be read, is larger, or is not a
/// regular file (`@/dev/stdin`, a FIFO: reading one would block the container's start).
pub fn read_argfile(name: &str) -> Option<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    const MAX: u64 = 1 << 20;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(name)
        .ok()?;
    let meta = f.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX {
        return None;
    }
    let mut bytes = Vec::new();
    f.take(MAX + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
