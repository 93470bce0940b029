//! `ctune doctor`: the findings for a person at a terminal.

use super::args::*;
use crate::{exit, findings, render};
use std::io::{IsTerminal, Write};

/// Colour only on a terminal, and never when `NO_COLOR` is set (to anything but empty).
pub(super) fn use_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The terminal's width from `COLUMNS` (what shells export), 80 when unset; kept within
/// 60..=120 so the text stays readable.
pub(super) fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .unwrap_or(80)
        .clamp(60, 120)
}

pub fn run(g: &GlobalArgs, a: &JvmArgs) -> anyhow::Result<i32> {
    let format = super::format(g, &["table", "json"], "doctor")?;
    let (facts, advice) = super::jvm::facts_and_advice(g, a)?;
    let found = findings::check(&facts, &advice);
    let out = match format {
        "json" => render::doctor::json(&facts, &advice, &found),
        _ => render::doctor::table(&facts, &advice, &found, use_colour(), width()),
    };
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(exit::OK)
}
