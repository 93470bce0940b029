//! The terminal the output goes to: how wide it is and whether to colour, decided once at the
//! command edge for the commands a person reads (report, jvm, doctor, profiles). The renderers
//! take the answer as plain values; `exec` never comes here, so its start-up does not pay for
//! terminal queries.
//!
//! Width: the terminal's own (an ioctl on standard output), then `$COLUMNS`, then 80.
//! Colour (`--color auto`): `NO_COLOR` (non-empty) turns it off; otherwise only a terminal whose
//! `TERM` is set and not `dumb` gets it, as the contract has it (`CLICOLOR_FORCE` is not read:
//! it would colour a pipe or a `TERM=dumb` terminal); `--color always|never` wins over all of
//! these. The rules are [`auto_colour`]'s, not anstream's own: anstream also colours a
//! `TERM=dumb` terminal when `CI` is set, which the contract forbids. anstream strips the
//! escapes when colour is off.

use super::args::ColorWhen;
use std::io::Write;

/// Narrowest width the tables are laid out for; a narrower terminal gets lines this long.
pub const MIN_WIDTH: usize = 40;
/// Widest: longer lines are harder to read, so a wide terminal gets this.
pub const MAX_WIDTH: usize = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub width: usize,
    pub color: bool,
}

/// The width and colour for standard output.
pub fn stdout(when: ColorWhen) -> Term {
    Term {
        width: width(
            terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0 as usize),
            std::env::var("COLUMNS").ok().as_deref(),
        ),
        color: colour(when) == anstream::ColorChoice::Always,
    }
}

/// The terminal's width if it has one, else `$COLUMNS` if it is a number, else 80; then kept
/// within [`MIN_WIDTH`]..=[`MAX_WIDTH`].
pub fn width(terminal: Option<usize>, columns: Option<&str>) -> usize {
    terminal
        .filter(|&w| w > 0)
        .or_else(|| {
            columns
                .and_then(|c| c.trim().parse().ok())
                .filter(|&w| w > 0)
        })
        .unwrap_or(80)
        .clamp(MIN_WIDTH, MAX_WIDTH)
}

fn colour(when: ColorWhen) -> anstream::ColorChoice {
    match when {
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
        ColorWhen::Auto => {
            use std::io::IsTerminal;
            let var = |k: &str| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned());
            let on = auto_colour(
                var("NO_COLOR").as_deref(),
                var("TERM").as_deref(),
                std::io::stdout().is_terminal(),
            );
            if on {
                anstream::ColorChoice::Always
            } else {
                anstream::ColorChoice::Never
            }
        }
    }
}

/// `--color auto`: never with a non-empty `NO_COLOR`; otherwise only a terminal whose `TERM` is
/// set and not `dumb`.
pub fn auto_colour(no_color: Option<&str>, term: Option<&str>, is_terminal: bool) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    is_terminal && term.is_some_and(|t| !t.is_empty() && t != "dumb")
}

/// Print to standard output, escapes stripped unless colour is on. A closed pipe
/// (`ctune report | head`) is not an error worth a message.
pub fn print(term: Term, text: &str) {
    let choice = if term.color {
        anstream::ColorChoice::Always
    } else {
        anstream::ColorChoice::Never
    };
    let mut out = anstream::AutoStream::new(std::io::stdout().lock(), choice);
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colour_rules() {
        let tty = |term| auto_colour(None, term, true);
        assert!(tty(Some("xterm-256color")));
        assert!(!tty(Some("dumb")), "TERM=dumb, whatever CI says");
        assert!(!tty(None), "no TERM");
        assert!(!auto_colour(None, Some("xterm"), false), "a pipe");
        assert!(!auto_colour(Some("1"), Some("xterm"), true), "NO_COLOR");
        assert!(
            auto_colour(Some(""), Some("xterm"), true),
            "empty NO_COLOR is unset"
        );
    }

    #[test]
    fn terminal_then_columns_then_80() {
        assert_eq!(width(Some(60), Some("100")), 60);
        assert_eq!(width(None, Some("100")), 100);
        assert_eq!(width(None, Some(" 72\n")), 72);
        assert_eq!(width(None, Some("wide")), 80);
        assert_eq!(width(None, None), 80);
        assert_eq!(width(Some(0), None), 80);
        assert_eq!(width(Some(20), None), MIN_WIDTH);
        assert_eq!(width(Some(300), None), MAX_WIDTH);
    }
}
