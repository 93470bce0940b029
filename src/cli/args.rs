//! The raw command line, as clap sees it. Nothing here is used past the command edge: each
//! command turns these into domain values (`probe::Options`, `Assumptions`) first, so the
//! library never depends on how an option was spelled.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ctune",
    version,
    about = "Tells the truth about a Linux container (cgroups, memory, identity, storage) and tunes the JVM for it",
    long_about = None,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Read /proc, /sys, /etc and the process environment from DIR instead of the live system
    /// (a `ctune snapshot`, or a fixture). Links inside DIR resolve inside DIR.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// A data directory to inspect, besides the working directory, $TMPDIR or /tmp,
    /// $SPARK_LOCAL_DIRS and -Djava.io.tmpdir (repeatable)
    #[arg(long = "path", global = true, value_name = "DIR", value_parser = Utf8Path)]
    pub paths: Vec<String>,

    /// Override one detected fact: cpus=1.5, memory=2GiB (Kubernetes quantities: 1500Mi,
    /// 2G = 2·10^9, 1e9, bytes; not the JVM's 512m), jdk=11.0.14 (repeatable)
    #[arg(long, global = true, value_name = "KEY=VALUE")]
    pub assume: Vec<String>,

    /// Output format (report: table, json, openmetrics, prometheus; jvm: table, json, flags, env, spark-conf;
    /// doctor: table, json; lint: text, json, sarif, junit, github; profiles: table, json;
    /// profiles show: toml, json). Each command's help lists its own.
    #[arg(long, global = true, value_name = "F", value_parser = Suggest::formats(), hide_possible_values = true)]
    pub format: Option<String>,

    /// Say what there is to say about running JVMs for this process only (report's
    /// java_processes, and the findings about running JVMs)
    #[arg(long, global = true, value_name = "PID")]
    pub pid: Option<u32>,

    /// Colour: auto (only a terminal, never with NO_COLOR set or TERM=dumb), always, never
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: ColorWhen,

    /// Read the counters twice, SECONDS apart, and report rates for the interval
    /// (report, doctor, lint): throttling, memory growth and pressure stalls now
    #[arg(long, global = true, value_name = "SECONDS", value_parser = interval_seconds)]
    pub interval: Option<f64>,
}

/// `--interval`: a positive number of seconds, at most a day.
fn interval_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86400.0 => Ok(v),
        _ => Err(format!(
            "expected a number of seconds above 0 and at most 86400, found '{s}'"
        )),
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// Each command's own `--format`: the same global option, with only that command's formats in
/// its help, its completions and its error message. Clap does not copy the global argument to
/// a subcommand that has its own of the same id, and hands the value up to [`GlobalArgs`]
/// either way, so `ctune --format json report` and `ctune report --format json` stay the same.
pub const FORMATS: &[(&str, &[&str])] = &[
    ("report", &["table", "json", "openmetrics", "prometheus"]),
    ("jvm", &["table", "json", "flags", "env", "spark-conf"]),
    ("doctor", &["table", "json"]),
    ("lint", &["text", "json", "sarif", "junit", "github"]),
    ("profiles", &["table", "json"]),
    ("profiles show", &["toml", "json"]),
];

/// Commands that print no document: `--format` is an error there, not silently ignored.
pub const NO_FORMAT: &[&str] = &["exec", "snapshot", "completions"];

fn format_arg(formats: &'static [&'static str]) -> clap::Arg {
    clap::Arg::new("format")
        .long("format")
        .value_name("F")
        .help(format!("Output format (default: {})", formats[0]))
        .value_parser(clap::builder::PossibleValuesParser::new(
            formats.iter().copied(),
        ))
        .global(true)
}

fn no_format_arg(command: &'static str) -> clap::Arg {
    clap::Arg::new("format")
        .long("format")
        .value_name("F")
        .hide(true)
        .global(true)
        .value_hint(clap::ValueHint::Other)
        .value_parser(move |_: &str| -> Result<String, String> {
            Err(format!(
                "`ctune {command}` prints no document, so it takes no --format"
            ))
        })
}

/// The full command tree as clap parses it: the derive's, with each command's own `--format`.
pub fn command() -> clap::Command {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    for &(path, formats) in FORMATS {
        cmd = match path.split_once(' ') {
            None => cmd.mut_subcommand(path, |s| s.arg(format_arg(formats))),
            Some((top, sub)) => cmd.mut_subcommand(top, |s| {
                s.mut_subcommand(sub, |s| s.arg(format_arg(formats)))
            }),
        };
    }
    for &name in NO_FORMAT {
        cmd = cmd.mut_subcommand(name, |s| s.arg(no_format_arg(name)));
    }
    cmd
}

/// Parse a command line with [`command`].
pub fn parse(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut cmd = command();
    cmd.try_get_matches_from_mut(args)
        .and_then(|m| Cli::from_arg_matches(&m))
        .map_err(|e| e.format(&mut cmd))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// What this environment is: cgroups, CPU, memory, identity, namespaces, mounts, JVM
    Report,
    /// Recommended JVM flags for this environment and a workload profile
    ///
    /// Arguments after `--` are your own JVM options or `java` command line; flags you set
    /// there or in JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, JAVA_OPTS or _JAVA_OPTIONS are never
    /// recommended again.
    Jvm(JvmArgs),
    /// Findings with explanations and fixes, for a person at a terminal
    Doctor(JvmArgs),
    /// The same findings for CI: machine formats and a failing exit code
    Lint(LintArgs),
    /// Entrypoint wrapper: tune, then replace itself with the command
    ///
    /// Probes, advises and puts the flags where the command's JVM reads them, then executes
    /// CMD in its place (same process id). If anything in the tuning fails, CMD still runs,
    /// unchanged, and one line on standard error says why. `--` before CMD is optional: the
    /// first argument that is not a ctune option starts the command. Read at every start:
    /// CTUNE_BYPASS=1 (run CMD untouched), CTUNE_PROFILE, CTUNE_SET ("K=V K=V"), CTUNE_QUIET=1;
    /// options given here win.
    Exec(ExecArgs),
    /// List the workload profiles, or show one with everything it inherits
    Profiles {
        #[command(subcommand)]
        action: Option<ProfilesAction>,
    },
    /// Copy every file the probe reads into DIR, for --root and bug reports
    ///
    /// Secret-looking environment variables have their values replaced. `ctune --root DIR
    /// report` then shows what the live run showed.
    Snapshot {
        /// A new or empty directory
        dir: PathBuf,
    },
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct JvmArgs {
    /// A built-in profile name (`ctune profiles` lists them) or a path to a profile TOML file
    #[arg(long, default_value = "default", value_name = "NAME|FILE", value_parser = Suggest::profiles(), hide_possible_values = true)]
    pub profile: String,

    /// Override one profile setting, e.g. memory.threads=400 or gc.goal=latency (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,

    /// The `java` binary or Java home to advise for (default: $JAVA_HOME, then PATH)
    #[arg(long, value_name = "PATH")]
    pub java: Option<String>,

    /// Kubernetes manifests, Dockerfiles or directories to judge instead of this machine
    /// (`-` reads standard input)
    #[arg(value_name = "FILE|DIR|-")]
    pub files: Vec<String>,

    /// With an image archive holding several images: check only this one (`app:1`,
    /// `registry/app:1`; no tag means `:latest`)
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,

    /// Your own JVM options or `java ...` command line
    #[arg(last = true, value_name = "JVM OPTIONS | java ...")]
    pub command: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProfilesAction {
    /// Print one profile, resolved (extends and defaults applied), as TOML
    Show {
        /// A built-in profile name (`ctune profiles` lists them) or a path to a profile TOML file
        #[arg(value_parser = Suggest::profiles(), hide_possible_values = true)]
        name: String,
        /// Override one setting, as `ctune jvm --set`
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub jvm: JvmArgs,

    /// Exit 1 when a finding has at least this severity [default: warning, or the config's]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Suppress finding ids (repeatable, or comma-separated)
    #[arg(long = "allow", value_name = "ID[,ID...]", value_delimiter = ',', value_parser = Suggest::finding_ids(), hide_possible_values = true)]
    pub allow: Vec<String>,

    /// Config file with allow, fail-on and per-path ignores (default: .ctune.toml found
    /// upwards from the working directory; files only)
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,

    /// The Dockerfile stage to check (default: the last)
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// Print every check id with its severity and one line, and exit
    #[arg(long)]
    pub list_checks: bool,

    /// The file SARIF, JUnit and GitHub annotations point at (a Dockerfile or manifest)
    /// [default: Dockerfile]; with image archives, the Dockerfile that built them
    #[arg(long, value_name = "PATH")]
    pub artifact: Option<String>,
}

pub use crate::render::lint::FailOn;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Inject {
    /// Arguments right after a `java` command, JAVA_TOOL_OPTIONS otherwise
    Auto,
    Args,
    JavaToolOptions,
    JdkJavaOptions,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// A built-in profile name (`ctune profiles` lists them) or a path to a profile TOML file
    /// [default: $CTUNE_PROFILE, else default]
    #[arg(long, value_name = "NAME|FILE", value_parser = Suggest::profiles(), hide_possible_values = true)]
    pub profile: Option<String>,

    /// Override one profile setting (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,

    /// Where the flags go
    #[arg(long, value_enum, default_value = "auto")]
    pub inject: Inject,

    /// Without a passwd entry for the uid, generate one and preload libnss_wrapper
    #[arg(long)]
    pub nss_wrapper: bool,

    /// Fail instead of running the command unchanged when tuning fails
    #[arg(long)]
    pub strict: bool,

    /// Say nothing on standard error unless something failed
    #[arg(long)]
    pub quiet: bool,

    /// Print the command and environment changes, do not run
    #[arg(long)]
    pub dry_run: bool,

    /// The command and its arguments (bytes passed through untouched); `--` before it is
    /// optional
    #[arg(trailing_var_arg = true, required = true, value_name = "CMD [ARGS]...", value_parser = clap::value_parser!(std::ffi::OsString))]
    pub command: Vec<std::ffi::OsString>,
}

/// `--path DIR` as text. The probe reports each data directory by name in JSON, which is
/// UTF-8, so a name that is not is refused with why (clap's own message names no option).
#[derive(Clone)]
struct Utf8Path;

impl clap::builder::TypedValueParser for Utf8Path {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        value.to_str().map(str::to_owned).ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidUtf8,
                format!(
                    "--path {}: the name is not UTF-8; ctune names data directories in its \
                     output as text, so give a UTF-8 path to it (a symbolic link will do)",
                    std::path::Path::new(value).display()
                ),
            )
        })
    }
}

/// A value that may be anything, with the values worth suggesting: shell completions offer
/// them (profile names, finding ids) instead of file names, help does not list them as the
/// only ones, and the command checks the value itself (a profile may be a file; `lint` names
/// every id when one is misspelt).
#[derive(Clone)]
pub struct Suggest(fn() -> Vec<&'static str>);

impl Suggest {
    pub fn profiles() -> Self {
        Suggest(crate::jvm::profile::builtin_names)
    }

    /// Every command's formats, for the global `--format` given before the command.
    pub fn formats() -> Self {
        Suggest(|| {
            let mut all: Vec<&str> = Vec::new();
            for f in FORMATS.iter().flat_map(|(_, f)| f.iter()) {
                if !all.contains(f) {
                    all.push(f);
                }
            }
            all
        })
    }

    pub fn finding_ids() -> Self {
        Suggest(|| crate::findings::RULES.iter().map(|r| r.id).collect())
    }
}

impl clap::builder::TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.0)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}
