//! Plain-text helpers shared by the renderers for people: word wrapping within a width and
//! counted nouns.

/// Greedy word wrap: the first line indented by `first`, the others by `rest`, no line longer
/// than `width` characters. A word longer than any line (a long path) is split, after a `/`
/// where it can be.
pub fn wrap(text: &str, width: usize, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = " ".repeat(first);
    let mut len = first;
    let mut empty = true;
    let full = width.saturating_sub(rest).max(1);
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while !word.is_empty() {
            let sep = usize::from(!empty);
            let room = width.saturating_sub(len + sep);
            if word.len() <= room {
                if !empty {
                    line.push(' ');
                }
                line.extend(word.iter());
                len += sep + word.len();
                empty = false;
                break;
            }
            if word.len() <= full || room < 8 {
                // Fits on a fresh line (or too little room here to bother): break the line.
                if empty && room == 0 {
                    // Nothing fits even on an empty line: cut hard.
                    let (head, tail) = word.split_at(word.len().min(full));
                    line.extend(head.iter());
                    word = tail.to_vec();
                }
                lines.push(std::mem::take(&mut line));
                line = " ".repeat(rest);
                len = rest;
                empty = true;
                continue;
            }
            // Too long for any line: fill this one, cutting after the last `/` that fits.
            let cut = word[..room]
                .iter()
                .rposition(|&c| c == '/')
                .filter(|&i| i > 0)
                .map_or(room, |i| i + 1);
            if !empty {
                line.push(' ');
            }
            line.extend(word[..cut].iter());
            word = word[cut..].to_vec();
            lines.push(std::mem::take(&mut line));
            line = " ".repeat(rest);
            len = rest;
            empty = true;
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
        assert_eq!(
            wrap(
                "Evidence: /sys/fs/cgroup/memory/a/b/memory.limit_in_bytes x",
                30,
                0,
                4
            ),
            [
                "Evidence: /sys/fs/cgroup/",
                "    memory/a/b/",
                "    memory.limit_in_bytes x"
            ]
        );
    }
}
