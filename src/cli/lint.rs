//! `ctune lint` (being written).

use super::args::*;

pub fn run(_g: &GlobalArgs, _a: &LintArgs) -> anyhow::Result<i32> {
    Err(super::usage("ctune lint is not available yet"))
}
