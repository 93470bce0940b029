//! The outcome benchmark (`benches/advice/run.py`) is not a timed test, but its pure parts are:
//! the parsers of wrk's report, the GC log and the JVM's failure messages, the Paketo memory
//! calculator's formula and the verdict. Their Python unit tests run here.

use crate::common::{repo, skipped};
use std::process::Command;

#[test]
fn outcome_benchmark_harness_unit_tests_pass() {
    let dir = repo().join("benches/advice");
    let out = match Command::new("python3")
        .args(["-m", "unittest", "discover", "-s"])
        .arg(&dir)
        .args(["-p", "test_*.py"])
        .current_dir(&dir)
        .output()
    {
        Ok(o) => o,
        Err(e) => return skipped(&format!("python3 not runnable: {e}")),
    };
    assert!(
        out.status.success(),
        "benches/advice unit tests failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
