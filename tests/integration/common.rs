//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `ctune` binary cargo built for this test run.
pub fn ctune() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ctune"))
}

pub fn bin_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ctune"))
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A new, empty directory for one test, under the temporary directory (`tag` and the process
/// id keep tests and runs apart).
pub fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ctune-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// Run a command, panicking with its stderr when it fails.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}:\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `ctune --root DIR report --format json` (plus extra args), parsed.
pub fn report_json(root: &Path, extra: &[&str]) -> serde_json::Value {
    let out = run_ok(
        ctune()
            .arg("--root")
            .arg(root)
            .args(["report", "--format", "json"])
            .args(extra),
    );
    serde_json::from_slice(&out.stdout).expect("report --format json is JSON")
}

/// Say why a test did not run: `skipped: <why>` on stderr (`cargo test -- --nocapture` shows
/// it). Where the machine is known to have everything (`.ci/run` sets `CTUNE_REQUIRE_REAL=1`),
/// a skip is a failure, so a broken set-up cannot pass CI by skipping.
pub fn skipped(why: &str) {
    eprintln!("skipped: {why}");
    if std::env::var_os("CTUNE_REQUIRE_REAL").is_some() {
        panic!("CTUNE_REQUIRE_REAL is set but this test would be skipped: {why}");
    }
}

pub fn is_root() -> bool {
    // The real uid from /proc/self/status, without a libc call.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `recommended.flags` of a `ctune jvm --format json` document.
pub fn recommended_flags(advice: &serde_json::Value) -> Vec<String> {
    advice["recommended"]["flags"]
        .as_array()
        .expect("recommended.flags")
        .iter()
        .map(|f| f.as_str().expect("a flag is a string").to_owned())
        .collect()
}

/// The sum of `recommended.budget`'s parts (every contract key must be there).
pub fn budget_total(advice: &serde_json::Value) -> u64 {
    [
        "heap",
        "metaspace",
        "code_cache",
        "thread_stacks",
        "direct",
        "page_cache_reserve",
        "headroom",
    ]
    .iter()
    .map(|k| {
        advice["recommended"]["budget"][k]
            .as_u64()
            .unwrap_or_else(|| panic!("budget.{k}"))
    })
    .sum()
}

/// `setpriv` running `ctune` as `uid` (gid 0, no groups), a uid with no passwd entry here:
/// OpenShift's arbitrary uids. None, after `skipped`, when the machine cannot do it.
pub fn as_uid_without_passwd(uid: u32) -> Option<Command> {
    if !is_root() {
        skipped("needs root to change uid");
        return None;
    }
    if !have("setpriv") {
        skipped("setpriv not installed");
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    assert!(
        !passwd
            .lines()
            .any(|l| l.split(':').nth(2) == Some(&uid.to_string())),
        "uid {uid} exists here"
    );
    let mut c = Command::new("setpriv");
    c.args([&format!("--reuid={uid}"), "--regid=0", "--clear-groups"])
        .arg(bin_path())
        .current_dir("/");
    Some(c)
}

/// The value of one flag in `-XX:+PrintFlagsFinal` output (`TYPE NAME = VALUE {origin}`).
pub fn final_flag(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.len() >= 4 && f[1] == name).then(|| f[3].to_owned())
    })
}

/// A lint document's `object` as the corpus `.expect` files write it: `Kind/name container`.
pub fn object_label(o: &serde_json::Value) -> String {
    let mut s = format!(
        "{}/{}",
        o["kind"].as_str().unwrap(),
        o["name"].as_str().unwrap_or("-")
    );
    if let Some(c) = o["container"].as_str() {
        s.push(' ');
        s.push_str(c);
    }
    s
}

/// The ids of a `doctor`/`lint --format json` document's findings, in order.
pub fn finding_ids(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The finding with this id in a `doctor`/`lint --format json` document (the test fails
/// without it, showing the document).
pub fn finding<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} finding: {doc:#}"))
}

/// The `object.kind` of every target in a `lint --format json` document.
pub fn target_kinds(doc: &serde_json::Value) -> std::collections::BTreeSet<&str> {
    doc["targets"]
        .as_array()
        .expect("targets is a list")
        .iter()
        .map(|t| t["object"]["kind"].as_str().expect("a target's kind"))
        .collect()
}

/// Why a shared step (a kit, a boot) has no result: this machine cannot do it, or it broke.
#[derive(Debug, Clone)]
pub enum NotRun {
    Skip(String),
    Fail(String),
}

/// Run a kit's setup script (`tests/containers/setup.sh`, `tests/vm/vm.sh fetch`) by the
/// protocol they share: exit 0 with `key=value` lines on standard output; exit 77 when this
/// machine cannot, the reason on the last `skip: ` line of standard error; anything else is
/// broken. `what` names the script in messages, `suite` the tests that skip.
pub fn setup_script(
    mut cmd: Command,
    what: &str,
    suite: &str,
) -> Result<std::collections::BTreeMap<String, String>, NotRun> {
    let out = cmd
        .output()
        .map_err(|e| NotRun::Fail(format!("cannot run {what}: {e}")))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()),
        Some(77) => {
            let why = stderr
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("skip: "))
                .unwrap_or("it cannot run here");
            Err(NotRun::Skip(format!("{suite}: {why}")))
        }
        _ => Err(NotRun::Fail(format!(
            "{what} failed ({}):\n{stderr}",
            out.status
        ))),
    }
}

#[test]
fn setup_scripts_speak_one_protocol() {
    let sh = |script: &str| {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        setup_script(c, "the script", "some tests")
    };
    let vars = sh("echo a=1; echo 'not a pair'; echo b=x=y").unwrap();
    assert_eq!(vars["a"], "1");
    assert_eq!(vars["b"], "x=y");
    assert_eq!(vars.len(), 2);
    match sh("echo 'skip: early' >&2; echo 'skip: no qemu here' >&2; exit 77") {
        Err(NotRun::Skip(why)) => assert_eq!(why, "some tests: no qemu here"),
        other => panic!("{other:?}"),
    }
    match sh("echo boom >&2; exit 3") {
        Err(NotRun::Fail(why)) => {
            assert!(why.contains("the script failed") && why.contains("boom"))
        }
        other => panic!("{other:?}"),
    }
}
