//! Exit codes: `../shared/cli-contract.md`, "Exit codes". "The tool broke" is never confused
//! with "the policy failed".

/// Success; for `lint`, nothing at or above the `--fail-on` threshold.
pub const OK: i32 = 0;
/// `lint` only: findings at or above the threshold.
pub const FINDINGS: i32 = 1;
/// Usage error: bad option, bad `--assume` value, unknown profile.
pub const USAGE: i32 = 2;
/// Could not inspect: `--root` does not exist or holds no `proc/`.
pub const CANNOT_INSPECT: i32 = 3;
/// `exec` only: the command is not executable (as a shell says).
pub const NOT_EXECUTABLE: i32 = 126;
/// `exec` only: the command was not found (as a shell says).
pub const NOT_FOUND: i32 = 127;
