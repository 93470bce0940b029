//! What `ctune exec` says and hands the JVM in the cases issue 19 found wrong (items 2, 5, 7):
//! the user's collector under a small CPU limit, an `-Xms` above the limit, `user.home` from a
//! passwd entry whose home is `/`, and the group name under nss_wrapper. The real JVM and
//! `id -gn` are the oracles.

use crate::common::*;
use std::process::Command;

fn first_line(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn the_users_collector_is_left_alone_and_said() {
    if !have("java") {
        return skipped("no java on PATH");
    }
    let run = |cpus: &str, gc: &str| {
        run_ok(
            ctune()
                .args([
                    "--assume",
                    &format!("cpus={cpus}"),
                    "--assume",
                    "memory=1GiB",
                ])
                .args(["exec", "--", "java", gc, "-XX:+PrintFlagsFinal", "-version"])
                .env_remove("JAVA_TOOL_OPTIONS"),
        )
    };
    let out = run("1", "-XX:+UseParallelGC");
    let line = first_line(&out);
    assert!(
        line.contains("left alone: -XX:+UseParallelGC (from command line), under a 1 CPU limit"),
        "{line}"
    );
    // And the JVM runs the user's collector.
    let flags = String::from_utf8_lossy(&out.stdout);
    assert_eq!(final_flag(&flags, "UseParallelGC").as_deref(), Some("true"));
    let line = first_line(&run("1.5", "-XX:+UseG1GC"));
    assert!(
        line.contains("-XX:+UseG1GC (from command line), under a 1.5 CPU limit"),
        "{line}"
    );
    // Enough CPUs: said, without a cost.
    let line = first_line(&run("4", "-XX:+UseG1GC"));
    assert!(
        line.contains("left alone: -XX:+UseG1GC (from command line)"),
        "{line}"
    );
    assert!(!line.contains("CPU limit:"), "{line}");
    // Serial under one CPU costs nothing to say.
    let line = first_line(&run("1", "-XX:+UseSerialGC"));
    assert!(!line.contains("compete"), "{line}");
}

/// `JAVA_TOOL_OPTIONS=-Xms600m` under a 512 MiB limit: the JVM gets -Xmx600m (it starts), the
/// line says that nothing is left, and lint rates it an error like -Xmx1g.
#[test]
fn an_initial_heap_above_the_limit_is_said_in_true_numbers() {
    if !have("java") {
        return skipped("no java on PATH");
    }
    let out = run_ok(
        ctune()
            .args(["--assume", "memory=512Mi", "exec", "--"])
            .args(["java", "-XX:+PrintFlagsFinal", "-version"])
            .env("JAVA_TOOL_OPTIONS", "-Xms600m"),
    );
    let flags = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        final_flag(&flags, "MaxHeapSize"),
        Some((600u64 << 20).to_string())
    );
    let line = first_line(&out);
    assert!(
        line.contains("a 600 MiB heap under a 512 MiB memory limit leaves nothing"),
        "{line}"
    );
    assert!(!line.contains("less than budgeted"), "{line}");
    let lint = |env: (&str, &str)| -> serde_json::Value {
        let o = ctune()
            .args(["--assume", "memory=512Mi", "--assume", "jdk=17.0.15"])
            .args(["lint", "--format", "json"])
            .env(env.0, env.1)
            .output()
            .unwrap();
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let severity = |doc: &serde_json::Value, id: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .map(|f| f["severity"].as_str().unwrap().to_owned())
    };
    let xms = lint(("JAVA_TOOL_OPTIONS", "-Xms600m"));
    assert_eq!(
        severity(&xms, "initial-heap-exceeds-budget").as_deref(),
        Some("error"),
        "{xms:#}"
    );
    let xmx = lint(("JAVA_TOOL_OPTIONS", "-Xmx1g"));
    assert_eq!(
        severity(&xmx, "heap-exceeds-memory-limit").as_deref(),
        Some("error")
    );
}

/// podman's `--user 4242` entry (home `/`, HOME=/): the JVM's user.home becomes ctune's private
/// directory, as HOME does. The facts come from the `podman-user-home-root` fixture; the JVM is
/// the real one, which reports the user.home it got.
#[test]
fn user_home_follows_the_usable_home() {
    if !have("java") {
        return skipped("no java on PATH");
    }
    let scratch = scratch_dir("exec-user-home");
    let fixture = repo().join("tests/fixtures/podman-user-home-root");
    let out = run_ok(
        ctune()
            .arg("--root")
            .arg(&fixture)
            .args([
                "exec",
                "--",
                "java",
                "-XshowSettings:properties",
                "-version",
            ])
            .env("HOME", "/")
            .env("TMPDIR", &scratch)
            .env_remove("JAVA_TOOL_OPTIONS"),
    );
    let private = scratch.join("ctune-home-4242");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("user.home = {}", private.display())),
        "{said}"
    );
    assert!(private.is_dir());
    // doctor says why.
    let doc: serde_json::Value = serde_json::from_slice(
        &run_ok(
            ctune()
                .arg("--root")
                .arg(&fixture)
                .args(["doctor", "--format", "json"]),
        )
        .stdout,
    )
    .unwrap();
    let f = crate::common::finding(&doc, "home-not-writable");
    assert!(f["fix"].as_str().unwrap().contains("-Duser.home"));
}

/// nss_wrapper for a uid and a gid that /etc has no entries for: `identity.group` is the
/// wrapper's group name, as `id -gn` says under the same wrapper.
#[test]
fn the_group_name_under_nss_wrapper_is_what_id_says() {
    if !is_root() {
        return skipped("needs root to change uid");
    }
    if !have("setpriv") {
        return skipped("setpriv not installed");
    }
    if !std::path::Path::new("/usr/lib/x86_64-linux-gnu/libnss_wrapper.so").is_file() {
        return skipped("libnss_wrapper.so not installed (Debian: libnss-wrapper)");
    }
    let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let gid = (43000..44000)
        .find(|g| {
            !group
                .lines()
                .any(|l| l.split(':').nth(2) == Some(&g.to_string()))
        })
        .unwrap();
    let scratch = scratch_dir("exec-nss-group");
    std::fs::set_permissions(
        &scratch,
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let as_user = |argv: &[&str]| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=43210", &format!("--regid={gid}"), "--clear-groups"])
            .arg(bin_path())
            .args(["exec", "--nss-wrapper", "--"])
            .args(argv)
            .env("TMPDIR", &scratch)
            .env("HOME", "/")
            .current_dir("/");
        c
    };
    let id = run_ok(&mut as_user(&["id", "-gn"]));
    let id_says = String::from_utf8_lossy(&id.stdout).trim().to_owned();
    assert!(
        !id_says.is_empty() && id_says != gid.to_string(),
        "id -gn: {id_says}"
    );
    let bin = bin_path();
    let report = run_ok(&mut as_user(&[
        bin.to_str().unwrap(),
        "report",
        "--format",
        "json",
    ]));
    let doc: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(
        doc["identity"]["group"],
        id_says.as_str(),
        "{:#}",
        doc["identity"]
    );
    assert_eq!(doc["identity"]["passwd_entry"], true);
}
