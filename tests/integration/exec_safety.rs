//! `ctune exec`'s safety rules from the contract ("Exec safety"), each driven from outside:
//! no `--` needed, `--dry-run` creates nothing and a real run reuses one directory, the
//! deployment's `CTUNE_*` overrides, a command line near the kernel's `ARG_MAX`, and options
//! with spaces and quotes arriving in the real JVM as one property each.

use crate::common::*;
use std::fs;
use std::process::Command;

fn exec_cmd() -> Command {
    let mut c = ctune();
    c.arg("exec").env("HOME", "/root-test-home");
    for v in [
        "CTUNE_BYPASS",
        "CTUNE_PROFILE",
        "CTUNE_SET",
        "CTUNE_QUIET",
        "JAVA_TOOL_OPTIONS",
    ] {
        c.env_remove(v);
    }
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn exec_without_double_dash_runs_the_command() {
    let out = run_ok(exec_cmd().args(["--quiet", "echo", "ran", "--quiet", "--", "-x"]));
    assert_eq!(text(&out.stdout), "ran --quiet -- -x\n");
    let out = run_ok(exec_cmd().args([
        "--assume",
        "memory=1Gi",
        "--dry-run",
        "java",
        "-jar",
        "app.jar",
    ]));
    let s = text(&out.stdout);
    assert!(
        s.starts_with("java -") && s.contains("-Xmx") && s.contains("-jar app.jar"),
        "{s}"
    );
    // A mistyped ctune option, without `--`: the command still runs, and one line says why.
    let out = exec_cmd()
        .args(["--bogus", "echo", "ran"])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "ran\n", "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("running the command unchanged"));
}

/// `--dry-run` creates nothing (no HOME directory, no nss_wrapper files); a real run reuses
/// one directory per uid instead of leaving one per start.
#[test]
fn dry_run_creates_nothing_and_runs_reuse_one_directory() {
    let tmp = scratch_dir("i11-tmpdir");
    let listing = || {
        let mut v: Vec<String> = fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let run = |extra: &[&str]| {
        exec_cmd()
            .env_remove("HOME")
            .env("TMPDIR", &tmp)
            .args(["--assume", "memory=1Gi", "--nss-wrapper"])
            .args(extra)
            .args(["--", "sh", "-c", "echo $HOME"])
            .output()
            .unwrap()
    };
    for _ in 0..3 {
        let out = run(&["--dry-run"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("HOME="), "{}", text(&out.stdout));
    }
    assert!(listing().is_empty(), "a dry run created {:?}", listing());
    let mut homes = Vec::new();
    for _ in 0..3 {
        let out = run(&["--quiet"]);
        homes.push(text(&out.stdout));
    }
    assert!(homes.iter().all(|h| h == &homes[0]), "{homes:?}");
    assert_eq!(
        listing().len(),
        1,
        "one directory for every start: {:?}",
        listing()
    );
    // A directory at that path that is not private is not used.
    let dir = tmp.join(&listing()[0]);
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    let out = run(&[]);
    assert!(out.status.success());
    assert!(
        text(&out.stderr).contains("not a private directory"),
        "{}",
        text(&out.stderr)
    );
    let _ = fs::remove_dir_all(&tmp);
}

#[test]
fn environment_overrides_are_read_and_options_win() {
    let dry = |env: &[(&str, &str)], extra: &[&str]| {
        let out = run_ok(
            exec_cmd()
                .envs(env.iter().copied())
                .args([
                    "--assume",
                    "memory=4Gi",
                    "--assume",
                    "cpus=4",
                    "--assume",
                    "jdk=17.0.15",
                ])
                .args(extra)
                .args(["--dry-run", "--", "java", "-jar", "a.jar"]),
        );
        (text(&out.stdout), text(&out.stderr))
    };
    let (plain, _) = dry(&[], &[]);
    let (bypass, _) = dry(&[("CTUNE_BYPASS", "1")], &[]);
    assert_eq!(bypass, "java -jar a.jar\n");
    assert_ne!(plain, bypass);
    let (latency, _) = dry(&[("CTUNE_PROFILE", "latency")], &[]);
    assert!(latency.contains("-XX:MaxGCPauseMillis"), "{latency}");
    let (default, _) = dry(&[("CTUNE_PROFILE", "latency")], &["--profile", "default"]);
    assert_eq!(default, plain, "--profile wins over CTUNE_PROFILE");
    let (set, _) = dry(
        &[("CTUNE_SET", "jvm.exit_on_oom=false  gc.max_pause_ms=0")],
        &[],
    );
    assert!(!set.contains("ExitOnOutOfMemoryError"), "{set}");
    let (set_wins, _) = dry(
        &[("CTUNE_SET", "jvm.exit_on_oom=false")],
        &["--set", "jvm.exit_on_oom=true"],
    );
    assert!(set_wins.contains("ExitOnOutOfMemoryError"), "{set_wins}");
    // Quiet: nothing on stderr in a real run.
    let out = exec_cmd()
        .env("CTUNE_QUIET", "1")
        .args(["--assume", "memory=4Gi", "--", "true"])
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        text(&out.stderr)
    );
    let out = exec_cmd()
        .env("CTUNE_BYPASS", "1")
        .args(["--", "sh", "-c", "echo \"[$JAVA_TOOL_OPTIONS]\""])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "[]\n");
    assert_eq!(text(&out.stderr).lines().count(), 1, "said once");
}

/// Options with spaces and quotes, put into JAVA_TOOL_OPTIONS and JDK_JAVA_OPTIONS by `exec`
/// and by `jvm --format env`, arrive in the real JVM as one property each
/// (`-XshowSettings:properties`).
#[test]
fn quoted_options_arrive_in_the_real_jvm_intact() {
    if !have("java") {
        return skipped("no java on PATH");
    }
    let extra = r#"jvm.extra=["-Dgreeting=hello world","-Dq=it's","-Dk=say \"hi\" now"]"#;
    let want = ["greeting = hello world", "q = it's", "k = say \"hi\" now"];
    let check = |out: &std::process::Output, how: &str| {
        let s = text(&out.stderr) + &text(&out.stdout);
        assert!(out.status.success(), "{how}: {s}");
        for w in want {
            assert!(s.lines().any(|l| l.trim() == w), "{how}: no '{w}' in\n{s}");
        }
    };
    for inject in ["java-tool-options", "jdk-java-options", "args"] {
        let out = exec_cmd()
            .env("JAVA_TOOL_OPTIONS", "-Dpre='already here'")
            .args(["--assume", "memory=1Gi", "--set", extra, "--inject", inject])
            .args(["--", "java", "-XshowSettings:properties", "-version"])
            .output()
            .unwrap();
        check(&out, inject);
        assert!(text(&out.stderr).contains("pre = already here"));
    }
    // A start script: JAVA_TOOL_OPTIONS.
    let out = exec_cmd()
        .args(["--assume", "memory=1Gi", "--set", extra])
        .args([
            "--",
            "sh",
            "-c",
            "exec java -XshowSettings:properties -version",
        ])
        .output()
        .unwrap();
    check(&out, "start script");
    // `jvm --format env`, evaluated by a shell.
    let env = run_ok(ctune().args([
        "--assume",
        "memory=1Gi",
        "jvm",
        "--format",
        "env",
        "--set",
        extra,
    ]));
    let script = format!(
        "{}\nexec java -XshowSettings:properties -version",
        text(&env.stdout)
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("JAVA_TOOL_OPTIONS", "-Dpre='already here'")
        .output()
        .unwrap();
    check(&out, "jvm --format env");
}

/// A command line just under the kernel's limit: it starts without ctune, and through
/// `ctune exec` too (the flags do not fit; the command runs unchanged, one line says so).
#[test]
fn a_command_line_near_arg_max_still_starts() {
    if !have("java") {
        return skipped("no java on PATH");
    }
    // SAFETY: getrlimit fills a struct we own.
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut r) }, 0);
    let stack = (r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur);
    let limit = ctune::exec::ArgLimits::from_stack_limit(stack).total;
    let java = "/usr/bin/java";
    // One more flag from the environment (the same for both lines), so that ctune's flags are
    // well over what its own "exec --assume memory=1Gi" adds to the line: the budget alone
    // adds only -Xmx and -XX:+ExitOnOutOfMemoryError (and maybe a collector) here.
    let env: Vec<(String, String)> = vec![
        ("PATH".into(), "/usr/bin:/bin".into()),
        ("HOME".into(), "/root-test-home".into()),
        (
            "CTUNE_SET".into(),
            format!("jvm.extra=[\"-Dctune.test.pad={}\"]", "x".repeat(64)),
        ),
    ];
    // What execve counts (fs/exec.c): the file name, each string with its NUL, a pointer each.
    let size = |file: &str, argv: &[String]| -> usize {
        file.len()
            + 1
            + argv.iter().map(|a| a.len() + 1 + 8).sum::<usize>()
            + env
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2 + 8)
                .sum::<usize>()
    };
    // ctune under a short name, so that its own line is shorter than java's plus the flags.
    let link = std::env::temp_dir().join(format!("ct{}", std::process::id() % 1000));
    let _ = fs::remove_file(&link);
    std::os::unix::fs::symlink(bin_path(), &link).unwrap();
    let bin = link.to_string_lossy().into_owned();
    let ctune_prefix: Vec<String> = [bin.as_str(), "exec", "--assume", "memory=1Gi"]
        .map(String::from)
        .to_vec();
    // java's line, filled with -Dpad.N=xxx arguments until ctune's own line is 16 bytes under
    // the limit: ctune starts; java plus its flags (over 100 bytes) would not.
    let mut args: Vec<String> = vec!["-version".into()];
    let ctune_line = |args: &[String]| {
        let mut v = ctune_prefix.clone();
        v.push(java.into());
        v.extend(args.iter().cloned());
        size(&bin, &v)
    };
    let mut n = 0;
    while ctune_line(&args) + 16 < limit {
        let room = limit - 16 - ctune_line(&args);
        let overhead = format!("-Dpad.{n}=").len() + 1 + 8;
        if room <= overhead {
            break;
        }
        let take = (room - overhead).min(100_000);
        args.insert(0, format!("-Dpad.{n}={}", "x".repeat(take)));
        n += 1;
    }
    let java_line = {
        let mut v = vec![java.to_owned()];
        v.extend(args.iter().cloned());
        size(java, &v)
    };
    assert!(
        ctune_line(&args) <= limit && java_line + 100 > limit,
        "{} {java_line} {limit}",
        ctune_line(&args)
    );
    let direct = Command::new(java)
        .env_clear()
        .envs(env.iter().cloned())
        .args(&args)
        .output()
        .unwrap();
    assert!(
        direct.status.success(),
        "the line must start without ctune: {}",
        text(&direct.stderr)
    );
    let through = Command::new(&bin)
        .env_clear()
        .envs(env.iter().cloned())
        .args(&ctune_prefix[1..])
        .arg(java)
        .args(&args)
        .output()
        .unwrap();
    let _ = fs::remove_file(&link);
    let err = text(&through.stderr);
    assert!(through.status.success(), "through ctune: {err}");
    assert!(err.contains("argument limits"), "one line says why: {err}");
    // (java -version writes to standard error too.)
    let ours: Vec<&str> = err.lines().filter(|l| l.starts_with("ctune:")).collect();
    assert_eq!(ours.len(), 1, "and only one: {err}");
    assert!(
        err.contains("bytes of arguments and environment, over the"),
        "{err}"
    );
}
