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
