//! `ctune doctor` (being written).

use super::args::*;

pub fn run(_g: &GlobalArgs, _a: &JvmArgs) -> anyhow::Result<i32> {
    Err(super::usage("ctune doctor is not available yet"))
}
