//! `ctune exec` (being written).

use super::args::*;

pub fn run(_g: &GlobalArgs, _a: ExecArgs) -> anyhow::Result<i32> {
    Err(super::usage("ctune exec is not available yet"))
}
