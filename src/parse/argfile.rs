//! A `java @argfile`'s contents, split into arguments as the JDK launcher splits them
//! (`src/java.base/share/native/libjli/args.c`), checked against the real `java` 17 in
//! `tests/integration/jvm_real.rs`:
//!
//! - space, tab, form feed, CR and LF separate arguments;
//! - single or double quotes group, and a quoted part joins the text around it (`'a b'c` is
//!   `a bc`); the other quote character is plain inside; `""` is an empty argument;
//! - inside quotes only, a backslash escapes: `\n \r \t \f` are those characters, any other
//!   character stands for itself, and a backslash at the end of a line continues the argument
//!   on the next line without that line's leading white space; outside quotes it is plain;
//! - a line end also ends an open quote (its text so far is the argument);
//! - `#` outside quotes starts a comment to the end of the line, and drops the part of the
//!   argument before it (`a#b` is nothing);
//! - an `@file` inside an argfile is not expanded again.

/// The arguments in an argfile's text.
pub fn split(text: &str) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Between,
        Token,
        Quote(char),
        Escape(char),
        /// After a continuation: white space is skipped, then the quote goes on.
        Continue(char),
        Comment,
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\u{c}' | '\r' | '\n');
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut state = State::Between;
    for c in text.chars() {
        state = match state {
            State::Comment => {
                if c == '\n' || c == '\r' {
                    State::Between
                } else {
                    State::Comment
                }
            }
            State::Continue(q) if is_space(c) => State::Continue(q),
            State::Escape(q) if c == '\n' || c == '\r' => State::Continue(q),
            State::Escape(q) => {
                cur.push(match c {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'f' => '\u{c}',
                    other => other,
                });
                State::Quote(q)
            }
            State::Quote(q) | State::Continue(q) => match c {
                '\n' | '\r' => {
                    out.push(std::mem::take(&mut cur));
                    State::Between
                }
                '\\' => State::Escape(q),
                c if c == q => State::Token,
                c => {
                    cur.push(c);
                    State::Quote(q)
                }
            },
            State::Between | State::Token => match c {
                c if is_space(c) => {
                    if state == State::Token {
                        out.push(std::mem::take(&mut cur));
                    }
                    State::Between
                }
                '#' => {
                    cur.clear();
                    State::Comment
                }
                '"' | '\'' => State::Quote(c),
                c => {
                    cur.push(c);
                    State::Token
                }
            },
        };
    }
    match state {
        State::Token | State::Quote(_) | State::Escape(_) | State::Continue(_) => out.push(cur),
        State::Between | State::Comment => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_as_the_launcher_does() {
        // The cases tests/integration/jvm_real.rs also puts to the real launcher.
        assert_eq!(split("a \"\" b ''\n"), ["a", "", "b", ""]);
        assert_eq!(
            split("c 'f g'h \"i\\\"j\" k\\l"),
            ["c", "f gh", "i\"j", "k\\l"]
        );
        assert_eq!(
            split("\"m\\nn\" \"o\\\\p\" 'q\\'' r"),
            ["m\nn", "o\\p", "q'", "r"]
        );
        assert_eq!(split("\"#notc\" e#x y\nlast"), ["#notc", "last"]);
        assert_eq!(split("\"p\\\n   \tq\" \"r\\\r\n  s\"\r\n"), ["pq", "rs"]);
        assert_eq!(split("\"x y\nz\"\n"), ["x y", "z"]);
        assert_eq!(split("w\u{c}x\n\"unterminated"), ["w", "x", "unterminated"]);
        assert_eq!(split("# only a comment\n\n"), Vec::<String>::new());
    }
}
