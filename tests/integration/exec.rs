//! `ctune exec`: nothing lost (argument and environment bytes, process id, signal
//! dispositions, exit status), fail open, nss_wrapper, and the real JVM seeing the flags.

use crate::common::*;
use crate::real_kernel::{in_cgroup, v1_writable, Cgroups};
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::process::Command;

fn exec() -> Command {
    let mut c = ctune();
    c.arg("exec").env("HOME", "/root-test-home");
    c
}

#[test]
fn arguments_pass_through_byte_for_byte() {
    let args: Vec<OsString> = vec![
        OsString::from_vec(vec![b'n', 0xff, 0xfe, b'x']),
        OsString::from(""),
        OsString::from("--help"),
        OsString::from("-Xmx1g"),
        OsString::from("--"),
        OsString::from("two words"),
        OsString::from("-jar"),
    ];
    // sh passes its arguments by without reading them; the script prints sh's command line.
    let script = "cat /proc/$$/cmdline";
    let out = exec()
        .args(["--quiet", "--", "sh", "-c", script, "argv0"])
        .args(&args)
        .output()
        .unwrap();
    let mut want = format!("sh\0-c\0{script}\0argv0\0").into_bytes();
    for a in &args {
        want.extend_from_slice(a.as_bytes());
        want.push(0);
    }
    assert_eq!(
        out.stdout,
        want,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn environment_passes_through_with_only_the_tuning_added() {
    let odd = OsString::from_vec(vec![b'v', 0xff, b'=', b'\n', b'w']);
    let out = exec()
        .env("CTUNE_TEST_ODD", &odd)
        .env("CTUNE_TEST_EMPTY", "")
        .env("JAVA_TOOL_OPTIONS", "-Dkept=1")
        .args(["--quiet", "--", "cat", "/proc/self/environ"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let child: Vec<&[u8]> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .collect();
    let mut want = b"CTUNE_TEST_ODD=".to_vec();
    want.extend_from_slice(odd.as_bytes());
    assert!(child.contains(&want.as_slice()), "non-UTF-8 value changed");
    assert!(child.contains(&&b"CTUNE_TEST_EMPTY="[..]));
    let jto = child
        .iter()
        .find(|e| e.starts_with(b"JAVA_TOOL_OPTIONS="))
        .expect("JAVA_TOOL_OPTIONS");
    assert!(
        jto.starts_with(b"JAVA_TOOL_OPTIONS=-Dkept=1 -X"),
        "user's options first, ours after: {}",
        String::from_utf8_lossy(jto)
    );
    // Every variable of ours is there, unchanged, except the one ctune tunes.
    for (k, v) in std::env::vars_os() {
        if k == "JAVA_TOOL_OPTIONS" || k == "HOME" {
            continue;
        }
        let mut e = k.as_bytes().to_vec();
        e.push(b'=');
        e.extend_from_slice(v.as_bytes());
        assert!(child.contains(&e.as_slice()), "{k:?} lost or changed");
    }
}

#[test]
fn same_process_id_and_parent() {
    let script = format!(
        "echo $$ $PPID; exec {} exec --quiet -- sh -c 'echo $$ $PPID'",
        bin_path().display()
    );
    let out = run_ok(Command::new("sh").args(["-c", &script]));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(
        lines[0], lines[1],
        "pid or parent changed across ctune exec"
    );
}

#[test]
fn signal_dispositions_are_defaults_in_the_command() {
    use std::os::unix::process::CommandExt;
    // The parent leaves TERM, PIPE, INT, HUP and glibc's reserved 32 and 33 ignored, and USR1
    // and USR2 blocked: exec passes all of that on unless ctune resets it.
    let status = |via_ctune: bool| {
        let inner = ["grep", "-E", "^(SigIgn|SigBlk)", "/proc/self/status"];
        let mut cmd = if via_ctune {
            let mut c = exec();
            c.args(["--quiet", "--"]).args(inner);
            c
        } else {
            let mut c = Command::new(inner[0]);
            c.args(&inner[1..]);
            c
        };
        // SAFETY: only async-signal-safe system calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                let ignore = [1u64, 0, 0, 0]; // SIG_IGN, no flags, empty mask
                for sig in [
                    libc::SIGTERM,
                    libc::SIGPIPE,
                    libc::SIGINT,
                    libc::SIGHUP,
                    32,
                    33,
                ] {
                    libc::syscall(libc::SYS_rt_sigaction, sig, ignore.as_ptr(), 0usize, 8usize);
                }
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGUSR1);
                libc::sigaddset(&mut set, libc::SIGUSR2);
                libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
                Ok(())
            });
        }
        String::from_utf8(run_ok(&mut cmd).stdout).unwrap()
    };
    let mask = |text: &str, key: &str| -> u64 {
        let line = text.lines().find_map(|l| l.strip_prefix(key)).unwrap();
        u64::from_str_radix(line.trim(), 16).unwrap()
    };
    let without = status(false);
    // Signal n is bit n-1: HUP, INT, PIPE, TERM, 32 and 33 -> 0x1_8000_5003; USR1, USR2 -> 0xa00.
    // (The test runner may pass on more, such as QUIT under `cargo test &`.)
    assert_eq!(
        mask(&without, "SigIgn:") & 0x1_8000_5003,
        0x1_8000_5003,
        "{without}"
    );
    assert_eq!(mask(&without, "SigBlk:") & 0xa00, 0xa00, "{without}");
    let with = status(true);
    assert_eq!(mask(&with, "SigIgn:"), 0, "{with}");
    assert_eq!(mask(&with, "SigBlk:"), 0, "{with}");
}

#[test]
fn exit_status_passes_through_and_missing_commands_fail_like_a_shell() {
    let code = |args: &[&str]| exec().args(args).output().unwrap().status.code();
    assert_eq!(code(&["--quiet", "--", "sh", "-c", "exit 42"]), Some(42));
    assert_eq!(
        code(&["--quiet", "--", "/nonexistent/cmd"]),
        Some(ctune::exit::NOT_FOUND)
    );
    assert_eq!(
        code(&["--quiet", "--", "no-such-command-anywhere"]),
        Some(ctune::exit::NOT_FOUND)
    );
    let plain = std::env::temp_dir().join(format!("ctune-not-executable-{}", std::process::id()));
    fs::write(&plain, "not a program").unwrap();
    assert_eq!(
        code(&["--quiet", "--", plain.to_str().unwrap()]),
        Some(ctune::exit::NOT_EXECUTABLE)
    );
    fs::remove_file(&plain).unwrap();
}

#[test]
fn fails_open_and_strict_fails() {
    let fixture = |n: &str| {
        repo()
            .join("tests/fixtures")
            .join(n)
            .to_string_lossy()
            .into_owned()
    };
    let cases: Vec<(Vec<String>, i32)> = vec![
        (
            vec!["--root".into(), fixture("malformed-files-v2")],
            ctune::exit::CANNOT_INSPECT,
        ),
        (
            vec!["--root".into(), fixture("missing-files")],
            ctune::exit::CANNOT_INSPECT,
        ),
        (
            vec!["--root".into(), "/nonexistent".into()],
            ctune::exit::CANNOT_INSPECT,
        ),
        (
            vec!["--assume".into(), "cpus=lots".into()],
            ctune::exit::USAGE,
        ),
        (
            vec!["--profile".into(), "no-such-profile".into()],
            ctune::exit::USAGE,
        ),
    ];
    for (opts, strict_code) in cases {
        let out = exec()
            .args(&opts)
            .args(["--", "echo", "ran"])
            .output()
            .unwrap();
        assert_eq!(
            out.stdout,
            b"ran\n",
            "{opts:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("running the command unchanged"),
            "{opts:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        let out = exec()
            .args(&opts)
            .args(["--strict", "--", "echo", "ran"])
            .output()
            .unwrap();
        assert!(out.stdout.is_empty(), "{opts:?}");
        assert_eq!(
            out.status.code(),
            Some(strict_code),
            "{opts:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A broken passwd file (garbage bytes) in an otherwise good root: still runs, tuned.
    let root = std::env::temp_dir().join(format!("ctune-badpasswd-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    run_ok(
        Command::new("cp")
            .args(["-a"])
            .arg(fixture("v2-parent-limit"))
            .arg(&root),
    );
    fs::write(root.join("etc/passwd"), [0xff, b':', b'\n', 0, 1, 2]).unwrap();
    let out = exec()
        .arg("--root")
        .arg(&root)
        .args(["--", "sh", "-c", "echo \"$JAVA_TOOL_OPTIONS\""])
        .output()
        .unwrap();
    fs::remove_dir_all(&root).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // `sh` is not `java`: its JVM options are unseen, and with no Java found its version is
    // unknown: the heap travels as the limit in -XX:MaxRAM (JDK 8 takes it; percentages it
    // may not), and no flag a JDK 8 would refuse goes with it.
    assert!(
        out.status.success()
            && stdout.contains("-XX:MaxRAM=536870912")
            && !stdout.contains("Percentage")
            && !stdout.contains("ExitOnOutOfMemoryError"),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A mistyped ctune option does not keep the command from starting, unless --strict.
    let out = ctune()
        .args(["exec", "--profle", "x", "--", "echo", "ran"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"ran\n");
    let out = ctune()
        .args(["exec", "--strict", "--profle", "x", "--", "echo", "ran"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(ctune::exit::USAGE));
}

#[test]
fn dry_run_prints_the_command_and_environment() {
    let out = run_ok(exec().args([
        "--assume",
        "memory=1GiB",
        "--assume",
        "cpus=2",
        "--assume",
        "jdk=17.0.15",
        "--dry-run",
        "--",
        "java",
        "-jar",
        "a b.jar",
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("java -") && first.contains(" -Xmx") && first.ends_with("-jar 'a b.jar'"),
        "{text}"
    );
    let out = run_ok(exec().args([
        "--assume",
        "memory=1GiB",
        "--dry-run",
        "--inject",
        "jdk-java-options",
        "--",
        "java",
        "-jar",
        "a.jar",
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("java -jar a.jar\n") && text.contains("JDK_JAVA_OPTIONS='"),
        "{text}"
    );
}

/// What a dry run prints hides secret-looking property values, the user's own included, on
/// the command line and in the options variables it extends; the real run passes them on.
#[test]
fn dry_run_hides_secret_property_values() {
    for (inject, command) in [
        ("auto", "java"),
        ("auto", "./start.sh"),
        ("java-tool-options", "java"),
    ] {
        let out = run_ok(
            exec()
                .env(
                    "JAVA_TOOL_OPTIONS",
                    "-Djavax.net.ssl.keyStorePassword=hunter2 -Dapp.name=shop",
                )
                .args([
                    "--assume",
                    "memory=1GiB",
                    "--dry-run",
                    "--inject",
                    inject,
                    "--",
                ])
                .args([command, "-DdbPassword=hunter4", "-jar", "a.jar"]),
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("hunter"), "{inject} {command}: {text}");
        assert!(
            text.contains("-DdbPassword=<redacted>"),
            "{inject} {command}: {text}"
        );
        // Where the variable is extended (not for flags on a java command line), it is shown
        // with the secret hidden and the rest as it was.
        let extended = command != "java" || inject != "auto";
        assert_eq!(
            text.contains(
                "JAVA_TOOL_OPTIONS='-Djavax.net.ssl.keyStorePassword=<redacted> -Dapp.name=shop "
            ),
            extended,
            "{inject} {command}: {text}"
        );
    }
}

#[test]
fn nss_wrapper_gives_an_arbitrary_uid_a_name() {
    if !std::path::Path::new("/usr/lib/x86_64-linux-gnu/libnss_wrapper.so").exists() {
        return skipped("libnss_wrapper.so not installed (apt-get install libnss-wrapper)");
    }
    if as_uid_without_passwd(1_000_680_000).is_none() {
        return;
    }
    let as_uid = |args: &[&str]| {
        as_uid_without_passwd(1_000_680_000)
            .expect("checked above")
            .args(args)
            .env("HOME", "/")
            .env_remove("USER")
            .output()
            .unwrap()
    };
    let plain = as_uid(&["exec", "--quiet", "--", "id", "-un"]);
    assert!(
        !plain.status.success(),
        "id -un should fail without an entry: {plain:?}"
    );
    let out = as_uid(&[
        "exec",
        "--nss-wrapper",
        "--",
        "sh",
        "-c",
        "id -un; echo $HOME",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("app"),
        "stdout {text} stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let home = lines.next().unwrap_or("");
    // One directory per uid, the same at every start.
    assert_eq!(home, "/tmp/ctune-home-1000680000", "HOME {home}");
    let _ = fs::remove_dir_all(home);
    let _ = fs::remove_dir_all("/tmp/ctune-nss-1000680000");
}

#[test]
fn the_real_jvm_gets_the_flags_and_the_users_win() {
    if let Err(why) = v1_writable() {
        return skipped(&why);
    }
    if !have("java") {
        return skipped("no java on PATH");
    }
    let base = format!("ctune-exec-{}", std::process::id());
    let cg = Cgroups::new(&base);
    cg.set("memory", &base, "memory.limit_in_bytes", "1073741824");
    cg.set("cpu", &base, "cpu.cfs_quota_us", "150000");
    let bin = bin_path();
    let bin = bin.to_str().unwrap();
    let advice: serde_json::Value = serde_json::from_slice(
        &run_ok(&mut in_cgroup(&base, &[bin, "jvm", "--format", "json"])).stdout,
    )
    .unwrap();
    let flag = |out: &std::process::Output, name: &str| -> String {
        crate::common::final_flag(&String::from_utf8_lossy(&out.stdout), name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let out = run_ok(&mut in_cgroup(
        &base,
        &[
            bin,
            "exec",
            "--",
            "java",
            "-XX:+PrintFlagsFinal",
            "-version",
        ],
    ));
    let r = &advice["recommended"];
    assert_eq!(flag(&out, "MaxHeapSize"), r["max_heap_bytes"].to_string());
    let gc_flag = match r["gc"].as_str().unwrap() {
        "g1" => "UseG1GC",
        "parallel" => "UseParallelGC",
        "serial" => "UseSerialGC",
        other => panic!("{other}"),
    };
    assert_eq!(flag(&out, gc_flag), "true");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.lines().next().unwrap_or("").starts_with("ctune: -"),
        "one line saying what was applied: {said}"
    );
    // The user's -Xmx on the command line wins.
    let out = run_ok(&mut in_cgroup(
        &base,
        &[
            bin,
            "exec",
            "--quiet",
            "--",
            "java",
            "-Xmx300m",
            "-XX:+PrintFlagsFinal",
            "-version",
        ],
    ));
    assert_eq!(flag(&out, "MaxHeapSize"), (300u64 << 20).to_string());
    // And in JAVA_TOOL_OPTIONS.
    let mut c = in_cgroup(
        &base,
        &[
            bin,
            "exec",
            "--quiet",
            "--",
            "java",
            "-XX:+PrintFlagsFinal",
            "-version",
        ],
    );
    c.env("JAVA_TOOL_OPTIONS", "-Xmx200m");
    let out = run_ok(&mut c);
    assert_eq!(flag(&out, "MaxHeapSize"), (200u64 << 20).to_string());
    assert_eq!(out.status.code(), Some(0));
}

/// The advice is for the Java the command runs: the one it names by path, or for a bare `java`
/// the first on PATH, whatever JAVA_HOME says. Each must equal `ctune jvm --java` for it.
#[test]
fn advises_for_the_java_the_command_runs() {
    let dir = scratch_dir("exec-java");
    let home = |v: &str| {
        let h = dir.join(v);
        fs::create_dir_all(h.join("bin")).unwrap();
        fs::write(h.join("bin/java"), "#!/bin/sh\n").unwrap();
        fs::write(h.join("release"), format!("JAVA_VERSION=\"{v}\"\n")).unwrap();
        h.to_str().unwrap().to_owned()
    };
    let (old, new) = (home("1.8.0_131"), home("17.0.9"));
    let assume = ["--assume", "memory=1GiB", "--assume", "cpus=2"];
    let flags_for = |java: &str| {
        let out = run_ok(
            ctune()
                .args(["jvm", "--java", java, "--format", "flags"])
                .args(assume),
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let (old_flags, new_flags) = (flags_for(&old), flags_for(&new));
    assert_ne!(
        old_flags, new_flags,
        "the two versions should get different advice"
    );
    let dry_run = |command: &str, path: String| {
        let out = run_ok(
            exec()
                .args(assume)
                .args(["--dry-run", "--", command, "-version"])
                .env("JAVA_HOME", &new)
                .env("PATH", path),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let path = std::env::var("PATH").unwrap_or_default();
    let by_path = dry_run(&format!("{old}/bin/java"), path.clone());
    assert!(
        by_path.starts_with(&format!("{old}/bin/java {old_flags} -version\n")),
        "{by_path}"
    );
    let bare = dry_run("java", format!("{old}/bin:{path}"));
    assert!(
        bare.starts_with(&format!("java {old_flags} -version\n")),
        "{bare}"
    );
    // A start script gets JAVA_HOME's Java.
    // (Its own JVM options are unseen: the heap goes as percentages, no collector, no G1
    // GCTimeRatio (its collector may be Parallel) and no code cache size are chosen (its
    // InitialCodeCacheSize may be larger); every other flag is the new Java's.)
    let script = dry_run("true", path.clone());
    assert!(new_flags.contains("-XX:GCTimeRatio="), "{new_flags}");
    for f in new_flags.split(' ') {
        if f.starts_with("-Xm")
            || f.ends_with("GC")
            || f.starts_with("-XX:ReservedCodeCacheSize")
            || f.starts_with("-XX:GCTimeRatio=")
        {
            assert!(!script.contains(f), "{f}: {script}");
            continue;
        }
        assert!(script.contains(f), "{f}: {script}");
    }
    assert!(script.contains("-XX:MaxRAMPercentage="), "{script}");
    // A java with no version to read (a wrapper script, a shim) falls back to JAVA_HOME's
    // rather than to the newest JDK's flags.
    let shim = dir.join("shims/bin");
    fs::create_dir_all(&shim).unwrap();
    fs::write(shim.join("java"), "#!/bin/sh\n").unwrap();
    let out = run_ok(
        exec()
            .args(assume)
            .args([
                "--dry-run",
                "--",
                shim.join("java").to_str().unwrap(),
                "-version",
            ])
            .env("JAVA_HOME", &old)
            .env("PATH", path),
    );
    let shimmed = String::from_utf8(out.stdout).unwrap();
    assert!(
        shimmed.contains(&format!("java {old_flags} -version\n")),
        "{shimmed}"
    );
    // With no JAVA_HOME either, no version at all: only flags every JDK since 8 takes, and
    // the line says what was left out (an 8u60 would refuse ExitOnOutOfMemoryError). Run for
    // real: the shim exits at once, and the one line says what was applied.
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(shim.join("java"), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = run_ok(
        exec()
            .args(assume)
            .args(["--", shim.join("java").to_str().unwrap(), "-version"])
            .env_remove("JAVA_HOME")
            .env("PATH", shim.to_str().unwrap()),
    );
    let said = String::from_utf8(out.stderr).unwrap();
    let applied = said.split(" on the command line").next().unwrap();
    assert!(applied.contains(" -Xmx"), "{said}");
    assert!(!applied.contains("ExitOnOutOfMemoryError"), "{said}");
    assert!(
        said.contains("-XX:+ExitOnOutOfMemoryError left out (the JDK's version is unknown)"),
        "{said}"
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// A `java` command whose collector is chosen in an `@argfile`: ctune must see it there, or it
/// adds its own and the JVM refuses to start ("Multiple garbage collectors selected").
#[test]
fn a_collector_chosen_in_an_argfile_is_respected() {
    if !have("java") {
        return skipped("no java on PATH");
    }
    let dir = scratch_dir("argfile");
    fs::write(dir.join("gc.opts"), "# the collector\n-XX:+UseParallelGC\n").unwrap();
    // Four CPUs and 1 GiB: the default profile chooses G1 explicitly, unless the user chose.
    // The argfile on the command line, then in JDK_JAVA_OPTIONS (the launcher expands both).
    for (argfile, jdk_java_options) in [(Some("@gc.opts"), None), (None, Some("@gc.opts"))] {
        let mut cmd = exec();
        cmd.current_dir(&dir)
            .args([
                "--assume",
                "cpus=4",
                "--assume",
                "memory=1GiB",
                "--quiet",
                "--",
            ])
            .arg("java")
            .args(argfile)
            .args(["-XX:+PrintFlagsFinal", "-version"]);
        if let Some(v) = jdk_java_options {
            cmd.env("JDK_JAVA_OPTIONS", v);
        }
        let out = run_ok(&mut cmd);
        let flags = String::from_utf8_lossy(&out.stdout);
        let parallel = flags
            .lines()
            .find(|l| l.contains(" UseParallelGC "))
            .unwrap();
        assert!(parallel.contains("= true"), "{parallel}");
    }
    let dry = run_ok(
        exec()
            .current_dir(&dir)
            .args([
                "--assume",
                "cpus=4",
                "--assume",
                "memory=1GiB",
                "--dry-run",
                "--",
            ])
            .args(["java", "@gc.opts", "-version"]),
    );
    let line = String::from_utf8(dry.stdout).unwrap();
    assert!(line.contains(" -Xmx") && !line.contains("GC"), "{line}");
    fs::remove_dir_all(&dir).unwrap();
}

/// The argfile splitter against the real launcher: the same tricky files, split by
/// `ctune::parse::argfile` and by `java` (a source-file program prints what it was given).
#[test]
fn argfiles_split_as_the_real_launcher_splits_them() {
    if !have("java") {
        return skipped("no java on PATH");
    }
    let dir = scratch_dir("argsplit");
    let main = dir.join("Args.java");
    fs::write(
        &main,
        "public class Args { public static void main(String[] a) { \
         for (String s : a) System.out.print(s + \"\\u0000\"); } }",
    )
    .unwrap();
    let cases = [
        "a \"\" b ''\n",
        "c 'f g'h \"i\\\"j\" k\\l\n",
        "\"m\\nn\" \"o\\\\p\" 'q\\'' r\n",
        "s\"t u\"v 'w\"x' y\"z'z\"\n  tab\tsep\n",
        "\"#notc\" e#x y\nlast",
        "\"p\\\n   \tq\" \"r\\\r\n  s\"\r\n",
        "\"x y\nz\"\n",
        "w\u{c}x\n\"unterminated",
        "# only a comment\n@not-expanded --also-kept\n",
    ];
    for (i, case) in cases.iter().enumerate() {
        let file = dir.join(format!("case{i}"));
        // The program comes first in the file, so everything after it is its arguments.
        fs::write(&file, format!("{}\n{case}", main.display())).unwrap();
        let out = run_ok(Command::new("java").arg(format!("@{}", file.display())));
        let java: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_owned)
            .collect();
        assert_eq!(
            ctune::parse::argfile::split(case),
            java,
            "case {i}: {case:?}"
        );
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// An `@argfile` that is a FIFO (or `@/dev/stdin`) is not read by ctune: reading it would block
/// the container's start before the app runs.
#[test]
fn an_argfile_that_is_a_fifo_does_not_block_the_start() {
    let dir = crate::common::scratch_dir("argfile-fifo");
    let fifo = dir.join("opts");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let out = Command::new("timeout")
        .arg("20")
        .arg(crate::common::bin_path())
        .args(["exec", "--dry-run", "--", "java"])
        .arg(format!("@{}", fifo.display()))
        .arg("-version")
        .output()
        .unwrap();
    let _ = fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("java "));
}
