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
pub struct GlobalArgs {
    /// Read /proc, /sys, /etc and the process environment from DIR instead of the live system
    /// (a `ctune snapshot`, or a fixture). Links inside DIR resolve inside DIR.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// A data directory to inspect, besides the working directory, $TMPDIR or /tmp,
    /// $SPARK_LOCAL_DIRS and -Djava.io.tmpdir (repeatable)
    #[arg(long = "path", global = true, value_name = "DIR")]
    pub paths: Vec<String>,

    /// Override one detected fact: cpus=1.5, memory=2GiB (also 512Mi, 512M, bytes),
    /// jdk=11.0.14 (repeatable)
    #[arg(long, global = true, value_name = "KEY=VALUE")]
    pub assume: Vec<String>,

    /// Output format (report: table, json; jvm: table, json, flags, env, spark-conf)
    #[arg(long, global = true, value_name = "F")]
    pub format: Option<String>,
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
    /// A built-in profile name or a path to a profile TOML file
    #[arg(long, default_value = "default", value_name = "NAME|FILE")]
    pub profile: String,

    /// Override one profile setting, e.g. memory.threads=400 or gc.goal=latency (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,

    /// The `java` binary or Java home to advise for (default: $JAVA_HOME, then PATH)
    #[arg(long, value_name = "PATH")]
    pub java: Option<String>,

    /// Your own JVM options or `java ...` command line
    #[arg(last = true, value_name = "JVM OPTIONS | java ...")]
    pub command: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProfilesAction {
    /// Print one profile, resolved (extends and defaults applied), as TOML
    Show {
        /// A built-in profile name or a path to a profile TOML file
        name: String,
        /// Override one setting, as `ctune jvm --set`
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
}
