//! `ctune exec`'s command line without clap.
//!
//! Why this file exists: `exec` runs on every container start, and building clap's command tree
//! (every subcommand, every help text) was the largest single cost of it: about 250 µs of
//! allocations and first-touch page faults, a quarter of the time ctune added before the app
//! started. The plain shapes an ENTRYPOINT uses are read here instead, into the very same
//! [`GlobalArgs`] and [`ExecArgs`] clap would produce. Anything else (help, a typo, a repeated
//! option, a value that looks like an option, non-UTF-8 before `--`) returns `None` and goes
//! through clap, which owns every error message. A property test checks that whenever this
//! returns a value, clap returns the same one.

use super::args::{ExecArgs, GlobalArgs, Inject};
use std::ffi::OsString;
use std::path::PathBuf;

/// Read `ctune [GLOBAL] exec [GLOBAL|EXEC]... [--] CMD [ARGS]...`, or None to let clap decide.
/// `args[0]` is the program name. Without `--`, the first argument after `exec` that is not an
/// option (nor an option's value) starts the command, as with tini and env.
pub fn parse(args: &[OsString]) -> Option<(GlobalArgs, ExecArgs)> {
    let mut g = GlobalArgs {
        root: None,
        paths: Vec::new(),
        assume: Vec::new(),
        format: None,
        pid: None,
        interval: None,
        color: Default::default(),
    };
    let mut e = ExecArgs {
        profile: None,
        sets: Vec::new(),
        inject: Inject::Auto,
        nss_wrapper: false,
        strict: false,
        quiet: false,
        dry_run: false,
        command: Vec::new(),
    };
    let mut seen_exec = false;
    // Repeatable global options given on both sides of `exec`: clap keeps only the later side's
    // values, a subtlety left to clap.
    let mut global_before: Vec<&str> = Vec::new();
    // Single-valued options and switches may be given once (clap rejects a repeat).
    let mut once: Vec<&str> = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let raw = &args[i];
        i += 1;
        if seen_exec && raw == "--" {
            e.command = args[i..].to_vec();
            break;
        }
        if seen_exec && !raw.as_encoded_bytes().starts_with(b"-") {
            e.command = args[i - 1..].to_vec();
            break;
        }
        let arg = raw.to_str()?;
        if arg == "exec" && !seen_exec {
            seen_exec = true;
            continue;
        }
        let (name, inline) = match arg.strip_prefix("--")?.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg.strip_prefix("--")?, None),
        };
        let exec_only = matches!(
            name,
            "profile" | "set" | "inject" | "nss-wrapper" | "strict" | "quiet" | "dry-run"
        );
        if exec_only && !seen_exec {
            return None;
        }
        if matches!(name, "nss-wrapper" | "strict" | "quiet" | "dry-run") {
            if inline.is_some() || once.contains(&name) {
                return None;
            }
            once.push(name);
            match name {
                "nss-wrapper" => e.nss_wrapper = true,
                "strict" => e.strict = true,
                "quiet" => e.quiet = true,
                _ => e.dry_run = true,
            }
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i - 1)?.to_str()?
            }
        };
        // Leave clap to judge empty values and values that look like options.
        if value.is_empty() || value.starts_with('-') {
            return None;
        }
        match name {
            "root" | "profile" | "inject" => {
                if once.contains(&name) {
                    return None;
                }
                once.push(name);
            }
            "path" | "assume" => {
                if !seen_exec {
                    global_before.push(name);
                } else if global_before.contains(&name) {
                    return None;
                }
            }
            "set" => {}
            _ => return None,
        }
        match name {
            "root" => g.root = Some(PathBuf::from(value)),
            "path" => g.paths.push(value.to_owned()),
            "assume" => g.assume.push(value.to_owned()),
            "profile" => e.profile = Some(value.to_owned()),
            "set" => e.sets.push(value.to_owned()),
            _ => {
                e.inject = match value {
                    "auto" => Inject::Auto,
                    "args" => Inject::Args,
                    "java-tool-options" => Inject::JavaToolOptions,
                    "jdk-java-options" => Inject::JdkJavaOptions,
                    _ => return None,
                }
            }
        }
    }
    (seen_exec && !e.command.is_empty()).then_some((g, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::Command;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    /// What clap makes of the same line, when it is an `exec` line.
    fn clap(args: &[OsString]) -> Option<(GlobalArgs, ExecArgs)> {
        let cli = crate::cli::args::parse(args).ok()?;
        match cli.command {
            Command::Exec(e) => Some((cli.global, e)),
            _ => None,
        }
    }

    fn same(args: &[OsString]) {
        let fast = parse(args);
        let slow = clap(args);
        if let Some(f) = &fast {
            assert_eq!(
                Some(format!("{f:?}")),
                slow.map(|s| format!("{s:?}")),
                "{args:?}"
            );
        }
    }

    #[test]
    fn entrypoint_shapes_are_read_as_clap_reads_them() {
        for line in [
            &["ctune", "exec", "--", "java", "-jar", "app.jar"][..],
            &[
                "ctune",
                "exec",
                "--quiet",
                "--profile",
                "throughput",
                "--",
                "java",
            ],
            &[
                "ctune",
                "--root",
                "/r",
                "exec",
                "--set",
                "memory.threads=400",
                "--set",
                "gc.goal=latency",
                "--",
                "x",
            ],
            &[
                "ctune",
                "exec",
                "--inject=java-tool-options",
                "--nss-wrapper",
                "--strict",
                "--dry-run",
                "--",
                "x",
                "--",
                "-y",
            ],
            &[
                "ctune",
                "exec",
                "--assume",
                "cpus=2",
                "--path",
                "/data",
                "--path=/tmp",
                "--",
                "",
            ],
            &["/usr/local/bin/ctune", "exec", "--", "exec", "--quiet"],
            // Without `--`, as tini and env take their command.
            &["ctune", "exec", "java", "-version"],
            &[
                "ctune",
                "exec",
                "--quiet",
                "--profile",
                "latency",
                "java",
                "--",
                "-x",
            ],
            &["ctune", "--root", "/r", "exec", "./run.sh", "--quiet"],
        ] {
            let args = os(line);
            assert!(
                parse(&args).is_some(),
                "{line:?} should be read without clap"
            );
            same(&args);
        }
        let (g, e) = parse(&os(&[
            "ctune", "exec", "--quiet", "--set", "a=1", "--", "java", "-version",
        ]))
        .unwrap();
        assert!(e.quiet && !e.strict && e.sets == ["a=1"] && g.root.is_none());
        assert_eq!(e.command, os(&["java", "-version"]));
    }

    #[test]
    fn everything_else_is_left_to_clap() {
        for line in [
            &["ctune", "exec", "--"][..],
            &["ctune", "report", "--", "x"],
            &["ctune", "--quiet", "exec", "--", "x"],
            &["ctune", "exec", "--quiet", "--quiet", "--", "x"],
            &[
                "ctune",
                "exec",
                "--profile",
                "a",
                "--profile",
                "b",
                "--",
                "x",
            ],
            &["ctune", "exec", "--profile", "--", "x"],
            &["ctune", "exec", "--profile", "", "--", "x"],
            &["ctune", "exec", "--inject", "Args", "--", "x"],
            &["ctune", "exec", "--quiet=yes", "--", "x"],
            &["ctune", "exec", "-h", "--", "x"],
            &["ctune", "exec", "--help", "--", "x"],
            &["ctune", "exec", "--bogus", "--", "x"],
        ] {
            assert!(parse(&os(line)).is_none(), "{line:?}");
        }
        use std::os::unix::ffi::OsStringExt;
        let mut args = os(&["ctune", "exec", "--profile"]);
        args.push(OsString::from_vec(b"\xff".to_vec()));
        args.extend(os(&["--", "x"]));
        assert!(parse(&args).is_none());
    }

    /// Random lines made of the pieces of exec lines: whenever the fast reader answers, clap
    /// gives the same answer (and it does answer for a good share of them).
    #[test]
    fn agrees_with_clap_on_random_lines() {
        use proptest::prelude::*;
        let piece = prop::sample::select(vec![
            vec!["exec"],
            vec!["exec"],
            vec!["--"],
            vec!["--quiet"],
            vec!["--strict"],
            vec!["--dry-run"],
            vec!["--nss-wrapper"],
            vec!["--profile", "latency"],
            vec!["--profile=spark-driver"],
            vec!["--set", "a=1"],
            vec!["--inject", "args"],
            vec!["--inject=jdk-java-options"],
            vec!["--inject", "none"],
            vec!["--root", "/r"],
            vec!["--path", "/d"],
            vec!["--assume", "cpus=2"],
            vec!["--format", "json"],
            vec!["--format"],
            vec!["java"],
            vec!["-Xmx1g"],
            vec![""],
            vec!["-"],
            vec!["--root="],
            vec!["report"],
            vec!["--help"],
            vec!["x=y"],
        ]);
        let command = prop::sample::select(vec![
            "java", "--", "-Xmx1g", "", "--quiet", "exec", "./run.sh",
        ]);
        let answered = std::cell::Cell::new(0);
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases: 2000,
            ..Default::default()
        });
        let lines = (
            prop::collection::vec(piece.clone(), 0..3),
            prop::collection::vec(piece, 0..4),
            prop::collection::vec(command, 0..3),
            prop::bool::ANY,
        );
        runner
            .run(&lines, |(before, after, command, dashes)| {
                let mut line = vec!["ctune"];
                line.extend(before.into_iter().flatten());
                line.push("exec");
                line.extend(after.into_iter().flatten());
                if dashes {
                    line.push("--");
                }
                line.extend(command);
                let args = os(&line);
                answered.set(answered.get() + usize::from(parse(&args).is_some()));
                same(&args);
                Ok(())
            })
            .unwrap();
        assert!(
            answered.get() > 100,
            "only {} lines were read without clap",
            answered.get()
        );
    }
}
