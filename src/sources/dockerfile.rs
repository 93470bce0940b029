//! Dockerfiles (and Containerfiles) to a target: the last stage, or the one `--target` names.
//!
//! Read as BuildKit reads them: parser directives (`# escape=` changes the line-continuation
//! character), continuation lines (comment lines inside are dropped), here-documents after
//! `RUN`/`COPY`/`ADD` (skipped whole), `ARG` and `ENV` substitution (`$V`, `${V}`,
//! `${V:-x}`, `${V:+x}`; global `ARG`s before the first `FROM` only in `FROM`), stages that
//! build `FROM` an earlier stage (inheriting its `ENV`, `USER`, `ENTRYPOINT`, `CMD`), and
//! `ENTRYPOINT`/`CMD` in exec (JSON) and shell form. Every value keeps the line and column of
//! the physical line it came from.

use super::{image, At, EnvVar, Object, Parsed, Pos, Site, Target};
use crate::jvm::options::{split_options, ENV_SOURCES};

/// A logical line (continuations joined) and where each piece of it came from.
struct Logical {
    text: String,
    /// (offset in `text`, line, column) for each physical piece.
    map: Vec<(usize, u32, u32)>,
    /// Characters before each byte offset (columns count characters), built on first use.
    chars_before: std::cell::OnceCell<Vec<u32>>,
}

impl Logical {
    fn new() -> Logical {
        Logical {
            text: String::new(),
            map: Vec::new(),
            chars_before: std::cell::OnceCell::new(),
        }
    }

    fn pos(&self, off: usize) -> Pos {
        let i = self
            .map
            .partition_point(|(o, _, _)| *o <= off)
            .saturating_sub(1);
        let (o, line, col) = self.map.get(i).copied().unwrap_or((0, 1, 1));
        let table = self.chars_before.get_or_init(|| {
            let mut v = vec![0u32; self.text.len() + 1];
            let mut n = 0u32;
            for (b, _) in self.text.char_indices() {
                v[b] = n;
                n += 1;
            }
            // Bytes inside a character count as its start; the end is the total.
            let mut last = 0;
            for (b, x) in v.iter_mut().enumerate() {
                if self.text.is_char_boundary(b) {
                    last = if b == self.text.len() { n } else { *x };
                }
                *x = last;
            }
            v
        });
        let at = |b: usize| table.get(b.min(self.text.len())).copied().unwrap_or(0);
        Pos {
            line,
            column: col + at(off).saturating_sub(at(o)),
        }
    }
}

/// Split into logical lines, honouring the escape character and skipping here-documents.
fn logical_lines(text: &str) -> Vec<Logical> {
    let lines: Vec<&str> = text.lines().collect();
    let mut escape = '\\';
    // Parser directives: `# key=value` lines at the very top.
    for l in &lines {
        let t = l.trim();
        let Some(d) = t.strip_prefix('#') else { break };
        let Some((k, v)) = d.split_once('=') else {
            break;
        };
        let k = k.trim().to_ascii_lowercase();
        if k == "escape" {
            match v.trim() {
                "`" => escape = '`',
                _ => escape = '\\',
            }
        } else if k != "syntax" && k != "check" {
            break;
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let first = lines[i];
        let t = first.trim_start();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let mut lg = Logical::new();
        let mut cur = i;
        loop {
            let raw = lines[cur];
            let (piece, col) = if cur == i {
                let lead = raw.len() - raw.trim_start().len();
                (&raw[lead..], raw[..lead].chars().count() as u32 + 1)
            } else {
                (raw, 1)
            };
            let trimmed = piece.trim_end();
            let cont = trimmed.ends_with(escape);
            let body = if cont {
                &trimmed[..trimmed.len() - escape.len_utf8()]
            } else {
                piece
            };
            lg.map.push((lg.text.len(), (cur + 1) as u32, col));
            lg.text.push_str(body);
            cur += 1;
            if !cont {
                break;
            }
            // Comment lines and empty lines inside a continuation are dropped.
            while cur < lines.len() && {
                let s = lines[cur].trim_start();
                s.starts_with('#') || s.is_empty()
            } {
                cur += 1;
            }
            if cur >= lines.len() {
                break;
            }
        }
        // Here-documents: `<<EOF`, `<<-EOF`, `<<"EOF"` after RUN, COPY or ADD.
        let word = lg
            .text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        if matches!(word.as_str(), "RUN" | "COPY" | "ADD") {
            for (delim, strip_tabs) in heredocs(&lg.text) {
                while cur < lines.len() {
                    let l = lines[cur];
                    cur += 1;
                    let l = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if l == delim {
                        break;
                    }
                }
            }
        }
        out.push(lg);
        i = cur;
    }
    out
}

/// The here-document delimiters a line opens, in order.
fn heredocs(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("<<") {
        let mut s = &rest[i + 2..];
        let strip = s.starts_with('-');
        if strip {
            s = &s[1..];
        }
        let (word, after) = match s.chars().next() {
            Some(q @ ('"' | '\'')) => match s[1..].find(q) {
                Some(j) => (&s[1..1 + j], &s[2 + j..]),
                None => break,
            },
            _ => {
                let end = s
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(s.len());
                (&s[..end], &s[end..])
            }
        };
        if !word.is_empty() {
            out.push((word.to_owned(), strip));
        }
        rest = after;
        if out.len() > 16 {
            break;
        }
    }
    out
}

/// Expand `$V`, `${V}`, `${V:-d}`, `${V-d}`, `${V:+a}`, `${V+a}` from `vars`; unknown
/// variables become empty, as BuildKit makes them. The escape character protects a `$`.
fn expand<'v>(s: &str, get: &dyn Fn(&str) -> Option<&'v str>, escape: char) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == escape && it.peek() == Some(&'$') {
            out.push('$');
            it.next();
            continue;
        }
        if c != '$' {
            out.push(c);
            continue;
        }
        match it.peek() {
            Some('{') => {
                it.next();
                let mut inner = String::new();
                let mut depth = 1;
                for c in it.by_ref() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    inner.push(c);
                }
                let name_end = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, op) = inner.split_at(name_end);
                let val = get(name);
                let set = val.is_some_and(|v| !v.is_empty());
                let rep = if let Some(d) = op.strip_prefix(":-") {
                    if set {
                        val.unwrap_or("").to_owned()
                    } else {
                        d.to_owned()
                    }
                } else if let Some(d) = op.strip_prefix('-') {
                    val.map_or(d.to_owned(), str::to_owned)
                } else if let Some(a) = op.strip_prefix(":+") {
                    if set {
                        a.to_owned()
                    } else {
                        String::new()
                    }
                } else if let Some(a) = op.strip_prefix('+') {
                    if val.is_some() {
                        a.to_owned()
                    } else {
                        String::new()
                    }
                } else {
                    val.unwrap_or("").to_owned()
                };
                out.push_str(&rep);
            }
            Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
                let mut name = String::new();
                while let Some(&c) = it.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        name.push(c);
                        it.next();
                    } else {
                        break;
                    }
                }
                out.push_str(get(&name).unwrap_or(""));
            }
            _ => out.push('$'),
        }
    }
    out
}

/// `KEY=VALUE KEY2="a b"` (or the legacy `KEY VALUE`) pairs with the offset of each key.
fn pairs(args: &str, base: usize) -> Vec<(String, String, usize)> {
    let t = args.trim_start();
    let lead = args.len() - t.len();
    let first = t.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        // Legacy `ENV KEY the rest is the value`.
        let value = t[first.len()..].trim().to_owned();
        return vec![(first.to_owned(), value, base + lead)];
    }
    let mut out = Vec::new();
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let kstart = i;
        while i < b.len() && b[i] != b'=' && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &t[kstart..i];
        // Bytes, not chars: a multi-byte character passes through whole.
        let mut val: Vec<u8> = Vec::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            let mut quote: Option<u8> = None;
            while i < b.len() {
                let c = b[i];
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(b'"') if c == b'\\' && i + 1 < b.len() => {
                        i += 1;
                        val.push(b[i]);
                    }
                    Some(_) => val.push(c),
                    None if c == b'"' || c == b'\'' => quote = Some(c),
                    None if c.is_ascii_whitespace() => break,
                    None if c == b'\\' && i + 1 < b.len() => {
                        i += 1;
                        val.push(b[i]);
                    }
                    None => val.push(c),
                }
                i += 1;
            }
        }
        // Splits happen only at ASCII bytes, so the value is whole UTF-8.
        let val = String::from_utf8_lossy(&val).into_owned();
        if !key.is_empty() {
            out.push((key.to_owned(), val, base + lead + kstart));
        }
    }
    out
}

/// An `ENTRYPOINT`/`CMD` argument: the exec form's JSON array, or the shell form wrapped in
/// `/bin/sh -c`. Words carry their offsets.
fn command_form(args: &str, base: usize) -> Vec<(String, usize)> {
    let t = args.trim();
    let lead = args.len() - args.trim_start().len();
    if t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(t) {
            // Offsets of each string literal, found in order.
            let mut out = Vec::new();
            let mut from = 0;
            for w in v {
                let enc = serde_json::to_string(&w).unwrap_or_default();
                let at = t[from..].find(&enc).map_or(from, |i| from + i);
                from = (at + enc.len()).min(t.len());
                out.push((w, base + lead + at + 1));
            }
            return out;
        }
    }
    vec![
        ("/bin/sh".into(), base + lead),
        ("-c".into(), base + lead),
        (t.to_owned(), base + lead),
    ]
}

/// Variables in the order first set, with an index by name (lookups stay O(1)).
#[derive(Clone, Default)]
struct Vars {
    list: Vec<(String, String, Pos)>,
    index: std::collections::HashMap<String, usize>,
}

impl Vars {
    fn set(&mut self, k: String, v: String, p: Pos) {
        match self.index.get(&k) {
            Some(&i) => self.list[i] = (k, v, p),
            None => {
                self.index.insert(k.clone(), self.list.len());
                self.list.push((k, v, p));
            }
        }
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.index.get(k).map(|&i| self.list[i].1.as_str())
    }
}

#[derive(Clone, Default)]
struct Stage {
    name: Option<String>,
    from: Option<At<String>>,
    image_root: Option<String>,
    /// Where the base image is named (the stage's FROM, or the ancestor stage's).
    image_pos: Pos,
    env: Vars,
    args: Vars,
    user: Option<At<String>>,
    entrypoint: Option<Vec<(String, Pos)>>,
    cmd: Option<Vec<(String, Pos)>>,
    secrets: Vec<At<String>>,
    /// ENTRYPOINT set in this stage (a CMD inherited from before it is reset).
    entry_here: bool,
}

/// Read a Dockerfile; the target is the last stage, or `target` by name (or index).
pub fn parse(text: &str, target: Option<&str>) -> Parsed {
    let mut out = Parsed::default();
    let escape = if logical_escape(text) == '`' {
        '`'
    } else {
        '\\'
    };
    let mut global = Vars::default();
    let mut stages: Vec<Stage> = Vec::new();
    let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for lg in logical_lines(text) {
        let t = &lg.text;
        let kw_end = t.find(char::is_whitespace).unwrap_or(t.len());
        let kw = t[..kw_end].to_ascii_uppercase();
        let rest = &t[kw_end..];
        let pos0 = lg.pos(0);
        match kw.as_str() {
            "FROM" => {
                let words: Vec<&str> = rest
                    .split_whitespace()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let Some(img) = words.first() else {
                    out.problems.push((pos0, "FROM without an image".into()));
                    continue;
                };
                let img_off = kw_end + rest.find(img).unwrap_or(0);
                let img_pos = lg.pos(img_off);
                let img = expand(img, &|n| global.get(n), escape);
                let name = match words.get(1) {
                    Some(a) if a.eq_ignore_ascii_case("as") => words.get(2).map(|s| s.to_string()),
                    _ => None,
                };
                // FROM an earlier stage inherits it.
                let parent = by_name
                    .get(&img.to_ascii_lowercase())
                    .map(|&i| stages[i].clone());
                let mut st = match parent {
                    Some(p) => Stage {
                        name: None,
                        from: Some(At::new(img.clone(), pos0)),
                        image_pos: p.image_pos,
                        image_root: p.image_root.clone(),
                        env: p.env.clone(),
                        args: Vars::default(),
                        user: p.user.clone(),
                        entrypoint: p.entrypoint.clone(),
                        cmd: p.cmd.clone(),
                        secrets: p.secrets.clone(),
                        entry_here: false,
                    },
                    None => Stage {
                        from: Some(At::new(img.clone(), pos0)),
                        image_pos: img_pos,
                        image_root: Some(img.clone()),
                        ..Stage::default()
                    },
                };
                if let Some(n) = &name {
                    by_name.insert(n.to_ascii_lowercase(), stages.len());
                }
                st.name = name;
                stages.push(st);
            }
            "ARG" => {
                for (k, v, off) in pairs(rest, kw_end) {
                    let has_value = rest.contains('=');
                    let scope = stages.last_mut().map(|s| &mut s.args);
                    let value = if has_value {
                        v
                    } else {
                        global.get(&k).unwrap_or_default().to_owned()
                    };
                    let p = lg.pos(off);
                    let empty = has_value && value.is_empty();
                    match scope {
                        None => global.set(k.clone(), value, p),
                        Some(a) => a.set(k.clone(), value, p),
                    }
                    // `ARG TOKEN` (set at build time) leaks into the image history;
                    // `ARG TOKEN=""` holds nothing.
                    if super::secret_name(&k) && !empty {
                        if let Some(s) = stages.last_mut() {
                            s.secrets.push(At::new(k, lg.pos(off)));
                        }
                    }
                }
            }
            _ if stages.is_empty() => {
                out.problems
                    .push((pos0, format!("{kw} before the first FROM")));
            }
            "ENV" => {
                let st = stages.last_mut().unwrap();
                for (k, v, off) in pairs(rest, kw_end) {
                    // ENV sees the stage's ARGs and earlier ENVs (ENV wins), not its own line.
                    let v = {
                        let (env, args) = (&st.env, &st.args);
                        expand(&v, &|n| env.get(n).or_else(|| args.get(n)), escape)
                    };
                    if super::secret_name(&k) && !v.is_empty() {
                        st.secrets.push(At::new(k.clone(), lg.pos(off)));
                    }
                    st.env.set(k, v, lg.pos(off));
                }
            }
            "USER" => {
                let st = stages.last_mut().unwrap();
                let off = kw_end + (rest.len() - rest.trim_start().len());
                let u = {
                    let (env, args) = (&st.env, &st.args);
                    expand(rest.trim(), &|n| env.get(n).or_else(|| args.get(n)), escape)
                };
                st.user = Some(At::new(u, lg.pos(off)));
            }
            "ENTRYPOINT" | "CMD" => {
                let st = stages.last_mut().unwrap();
                let words: Vec<(String, Pos)> = command_form(rest, kw_end)
                    .into_iter()
                    .map(|(w, off)| (w, lg.pos(off)))
                    .collect();
                if kw == "ENTRYPOINT" {
                    st.entrypoint = Some(words);
                    st.entry_here = true;
                    // Setting ENTRYPOINT resets a CMD inherited from the base.
                    st.cmd = None;
                } else {
                    st.cmd = Some(words);
                }
            }
            _ => {}
        }
    }
    if stages.is_empty() {
        out.problems
            .push((Pos { line: 1, column: 1 }, "no FROM instruction".into()));
        return out;
    }
    let idx = match target {
        None => stages.len() - 1,
        Some(name) => match stages
            .iter()
            .position(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .or_else(|| name.parse::<usize>().ok().filter(|i| *i < stages.len()))
        {
            Some(i) => i,
            None => {
                let named = stages.iter().filter_map(|s| s.name.clone()).collect();
                out.missing_stage = Some((name.to_owned(), named));
                return out;
            }
        },
    };
    out.objects = 1;
    out.targets.push(target_of(&stages[idx]));
    out
}

fn logical_escape(text: &str) -> char {
    for l in text.lines() {
        let t = l.trim();
        let Some(d) = t.strip_prefix('#') else { break };
        let Some((k, v)) = d.split_once('=') else {
            break;
        };
        if k.trim().eq_ignore_ascii_case("escape") {
            return if v.trim() == "`" { '`' } else { '\\' };
        }
    }
    '\\'
}

fn target_of(st: &Stage) -> Target {
    let from = st
        .from
        .clone()
        .unwrap_or_else(|| At::new(String::new(), Pos::default()));
    let mut t = Target {
        object: Object {
            kind: "Dockerfile".into(),
            name: st.name.clone(),
            namespace: None,
            container: None,
        },
        pos: from.pos,
        ..Target::default()
    };
    if let Some(root) = &st.image_root {
        t.image = Some(At::new(root.clone(), st.image_pos));
        t.jdk = image::jdk_of(root);
        t.notes.extend(image::notes(root));
        // No USER in the stage (or the stages it builds on): the base image's user.
        if let (None, Some(b)) = (&st.user, image::default_user(root)) {
            t.uid = Some(At::new(b.uid, from.pos));
            t.uid_from_image = Some(format!(
                "no USER: {root} runs as uid {} ({})",
                b.uid, b.source
            ));
        }
    }
    for (k, v, pos) in &st.env.list {
        if ENV_SOURCES.contains(&k.as_str()) || k == "_JAVA_OPTIONS" {
            for w in split_options(v) {
                t.sites.push(Site {
                    source: k.clone(),
                    text: w,
                    pos: *pos,
                });
            }
        }
        t.env.push(EnvVar {
            name: k.clone(),
            value: Some(v.clone()),
            name_pos: *pos,
            value_pos: *pos,
        });
    }
    t.secrets = st.secrets.clone();
    if let Some(u) = &st.user {
        let name = u.value.split(':').next().unwrap_or("");
        match name.parse::<u32>() {
            Ok(uid) => t.uid = Some(At::new(uid, u.pos)),
            Err(_) if name == "root" => t.uid = Some(At::new(0, u.pos)),
            Err(_) if !name.is_empty() => t.user_name = Some(At::new(name.to_owned(), u.pos)),
            Err(_) => {}
        }
    }
    // ENTRYPOINT + CMD (a shell-form ENTRYPOINT ignores CMD).
    let mut line: Vec<(String, Pos)> = st.entrypoint.clone().unwrap_or_default();
    let shell_entry = line.first().is_some_and(|(w, _)| w == "/bin/sh") && line.len() == 3;
    if !shell_entry || st.entrypoint.is_none() {
        line.extend(st.cmd.clone().unwrap_or_default());
    }
    super::k8s::set_command(&line, &mut t);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    const DF: &str = "\
# syntax=docker/dockerfile:1
ARG JDK=17.0.9_9
FROM maven:3.9-eclipse-temurin-17 AS build
ENV DB_PASSWORD=x
RUN <<EOF
echo FROM nonsense:1
USER 0
EOF
RUN mvn -q package \\
    # a comment inside
    -DskipTests
FROM eclipse-temurin:${JDK}-jre AS runtime
ENV JAVA_TOOL_OPTIONS=\"-Xmx3g -XX:+UseG1GC\" \\
    APP_HOME=/app
USER 10001
ENTRYPOINT [\"ctune\", \"exec\", \"--\", \"java\", \"-jar\", \"/app/app.jar\"]
";

    #[test]
    fn last_stage_with_substitution_heredoc_and_continuations() {
        let p = parse(DF, None);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let t = &p.targets[0];
        assert_eq!(t.object.name.as_deref(), Some("runtime"));
        assert_eq!(
            t.pos,
            Pos {
                line: 12,
                column: 1
            }
        );
        assert_eq!(t.jdk.as_deref(), Some("17.0.9"));
        assert_eq!(t.uid.as_ref().unwrap().value, 10001);
        assert_eq!(
            t.uid.as_ref().unwrap().pos,
            Pos {
                line: 15,
                column: 6
            }
        );
        assert!(t.ctune_exec.is_some());
        assert_eq!(t.java_command, vec!["java", "-jar", "/app/app.jar"]);
        let x = t.sites.iter().find(|s| s.text == "-Xmx3g").unwrap();
        assert_eq!(
            x.pos,
            Pos {
                line: 13,
                column: 5
            }
        );
        assert!(t.secrets.is_empty());
        let app = t.env.iter().find(|e| e.name == "APP_HOME").unwrap();
        assert_eq!(
            app.name_pos,
            Pos {
                line: 14,
                column: 5
            }
        );
        let b = parse(DF, Some("build"));
        assert_eq!(b.targets[0].secrets[0].value, "DB_PASSWORD");
        assert_eq!(b.targets[0].secrets[0].pos.line, 4);
        // No USER in the build stage: maven's image runs as root, at the stage's FROM.
        let uid = b.targets[0].uid.as_ref().unwrap();
        assert_eq!((uid.value, uid.pos.line), (0, b.targets[0].pos.line));
        assert!(b.targets[0]
            .uid_from_image
            .as_deref()
            .is_some_and(|s| s.contains("maven")));
    }

    /// Non-ASCII text in ENV: 0x85 and 0xA0 are UTF-8 continuation bytes, not white space
    /// (`à` is C3 A0). Byte-as-char tests split there and panicked, or lost the value.
    #[test]
    fn env_values_with_non_ascii_text() {
        let df = "FROM eclipse-temurin:17.0.9_9-jre\nENV Bà=1 X=2\nENV JAVA_TOOL_OPTIONS=\"-Dname=là -Xmx1g\" Y=é…\n";
        let p = parse(df, None);
        let t = &p.targets[0];
        let v = |n: &str| {
            t.env
                .iter()
                .find(|e| e.name == n)
                .and_then(|e| e.value.clone())
        };
        assert_eq!(v("Bà").as_deref(), Some("1"));
        assert_eq!(v("X").as_deref(), Some("2"));
        assert_eq!(v("Y").as_deref(), Some("é…"));
        assert!(t.sites.iter().any(|s| s.text == "-Xmx1g"), "{:?}", t.sites);
        assert!(
            t.sites.iter().any(|s| s.text == "-Dname=là"),
            "{:?}",
            t.sites
        );
    }

    #[test]
    fn escape_directive_and_shell_form() {
        let df = "# escape=`\nFROM openjdk:8u181-jre\nENV JAVA_OPTS=-Xmx512m `\n    FOO=bar\nCMD java $JAVA_OPTS -jar app.jar\n";
        let p = parse(df, None);
        let t = &p.targets[0];
        assert_eq!(t.jdk.as_deref(), Some("1.8.0_181"));
        assert_eq!(
            t.env
                .iter()
                .find(|e| e.name == "FOO")
                .unwrap()
                .name_pos
                .line,
            4
        );
        assert_eq!(t.java_command[0], "java");
        assert_eq!(
            t.sites
                .iter()
                .find(|s| s.source == "JAVA_OPTS")
                .unwrap()
                .text,
            "-Xmx512m"
        );
    }

    #[test]
    fn inherited_stage_and_expansion_forms() {
        let df = "FROM amazoncorretto:21 AS base\nUSER app\nENV A=1\nFROM base\nENV B=${A:-z}${C:-y}${A:+w}\n";
        let p = parse(df, None);
        let t = &p.targets[0];
        assert_eq!(t.jdk.as_deref(), Some("21"));
        assert_eq!(t.user_name.as_ref().unwrap().value, "app");
        assert_eq!(
            t.env
                .iter()
                .find(|e| e.name == "B")
                .unwrap()
                .value
                .as_deref(),
            Some("1yw")
        );
    }
}
