//! Plain-text helpers shared by the renderers for people: word wrapping within a width
//! (textwrap, which counts display width, not bytes), bold headings (anstyle), counted nouns.

use anstyle::{AnsiColor, Style};

/// Word wrap: the first line indented by `first` spaces, the others by `rest`, no line wider
/// than `width` columns. A word longer than a line (a long path) is broken where the line ends.
/// Always at least one line, so an empty text still takes its place.
pub fn wrap(text: &str, width: usize, first: usize, rest: usize) -> Vec<String> {
    let first = " ".repeat(first);
    let rest = " ".repeat(rest);
    let opts = textwrap::Options::new(width.max(first.len().max(rest.len()) + 1))
        .initial_indent(&first)
        .subsequent_indent(&rest)
        .break_words(true)
        .word_separator(textwrap::WordSeparator::Custom(words_and_path_parts))
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let lines: Vec<String> = textwrap::wrap(text, opts)
        .into_iter()
        .map(|l| l.into_owned())
        .collect();
    if lines.is_empty() {
        vec![first]
    } else {
        lines
    }
}

/// Words at spaces, and a path's parts after each `/`, so that a long path breaks where a
/// reader expects (`/sys/fs/cgroup/` + `memory.max`) rather than at the line's last column.
fn words_and_path_parts(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    use textwrap::core::Word;
    let b = line.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        if b[i] == b' ' {
            let mut j = i;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            out.push(Word::from(&line[start..j]));
            start = j;
            i = j;
            continue;
        }
        // After a `/` with more of the path to come (ASCII, so a char boundary).
        if b[i] == b'/' && i > start && b.get(i + 1).is_some_and(|&c| c != b' ' && c != b'/') {
            out.push(Word::from(&line[start..=i]));
            start = i + 1;
        }
        i += 1;
    }
    if start < b.len() {
        out.push(Word::from(&line[start..]));
    }
    Box::new(out.into_iter())
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `text` in `style` when colour is on, plain otherwise.
pub fn paint(style: Style, text: &str, color: bool) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

/// A section heading: bold when colour is on.
pub fn heading(text: &str, color: bool) -> String {
    paint(Style::new().bold(), text, color)
}

/// The colour of a severity: red errors, yellow warnings, cyan notes, all bold.
pub fn severity_style(s: crate::findings::Severity) -> Style {
    use crate::findings::Severity;
    let c = match s {
        Severity::Error => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Info => AnsiColor::Cyan,
    };
    Style::new().bold().fg_color(Some(c.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_lines_short() {
        let text = "a b c /a/very/long/path/that/does/not/fit/anywhere/at/all/in/twenty word";
        for l in wrap(text, 20, 4, 6) {
            assert!(l.chars().count() <= 20, "{l:?}");
        }
        assert_eq!(wrap("one two three", 9, 0, 2), ["one two", "  three"]);
        assert_eq!(wrap("", 9, 2, 2), ["  "]);
        // A long path breaks after a `/`.
        assert_eq!(
            wrap(
                "see /sys/fs/cgroup/memory/a/memory.limit_in_bytes now",
                30,
                0,
                0
            ),
            ["see /sys/fs/cgroup/memory/a/", "memory.limit_in_bytes now"]
        );
        // Display width, not chars: a wide character takes two columns.
        for l in wrap("日本語 日本語 日本語 日本語", 10, 0, 0) {
            assert!(textwrap::core::display_width(&l) <= 10, "{l:?}");
        }
    }

    #[test]
    fn paint_only_with_colour() {
        assert_eq!(heading("x", false), "x");
        assert_eq!(heading("x", true), "\x1b[1mx\x1b[0m");
    }
}
