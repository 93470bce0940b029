//! The user's own JVM options, from every place the JVM (or a launcher script) takes them, in
//! the JVM's order: `JAVA_TOOL_OPTIONS` (read by the VM), `JDK_JAVA_OPTIONS` (the `java`
//! launcher, 9+), `JAVA_OPTS` (by convention, scripts put it on the command line), the command
//! line, then `_JAVA_OPTIONS`. For a flag set twice, the later one wins (verified on 17.0.15
//! with `-Xmx`). ctune never recommends a flag the user already set in any of them.

use super::version::Gc;

/// Where one option came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserOption {
    pub source: String,
    pub option: String,
}

impl UserOption {
    /// The option as it may be shown: the value of a secret-looking system property
    /// (`-Ddb.password=...`) is hidden.
    pub fn display(&self) -> String {
        if let Some((name, _)) = self
            .option
            .strip_prefix("-D")
            .and_then(|p| p.split_once('='))
        {
            if crate::secrets::is_secret_property(name) {
                return format!("-D{name}=<redacted>");
            }
        }
        self.option.clone()
    }
}

impl serde::Serialize for UserOption {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("UserOption", 2)?;
        st.serialize_field("option", &self.display())?;
        st.serialize_field("source", &self.source)?;
        st.end()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct UserOptions {
    /// In the order the JVM applies them.
    pub options: Vec<UserOption>,
}

/// The variables read, in the JVM's order, with `_JAVA_OPTIONS` last (it overrides the command
/// line).
pub const ENV_SOURCES: [&str; 3] = ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS"];

/// White space as HotSpot's and the launcher's parsers see it: C `isspace` in the C locale.
pub fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// Split a `JAVA_TOOL_OPTIONS`, `_JAVA_OPTIONS` or `JDK_JAVA_OPTIONS` value exactly as the JVM
/// does (HotSpot's `Arguments::parse_options_buffer`, the launcher's `expand` in `args.c`, the
/// same rules): C white space separates; a single or double quote groups up to the same quote
/// character and the quote marks are dropped (`'a b'c` is `a bc`; the other quote is plain
/// inside); there are no escapes. An unmatched quote is an error there: the JVM does not
/// start ("Unmatched quote in JAVA_TOOL_OPTIONS").
pub fn split_java_options(s: &str) -> Result<Vec<String>, String> {
    match split_tolerant(s) {
        (v, None) => Ok(v),
        (_, Some(q)) => Err(format!("unmatched {q} quote")),
    }
}

/// How a JVM option begins, as the launcher and HotSpot take them: `-D`, `-X...` (`-Xmx`,
/// `-XX:`, `-Xlog`), agents, and the long options (`--add-opens=...`).
const OPTION_PREFIXES: [&str; 6] = ["-D", "-X", "-agentlib:", "-agentpath:", "-javaagent:", "--"];

/// Options HotSpot takes only as they are or followed by `:` (`-ea`, `-ea:com.x...`,
/// `-verbose:gc`): `-dawn` is no option, so it is the rest of a value.
const OPTION_WORDS: [&str; 9] = [
    "-ea",
    "-da",
    "-esa",
    "-dsa",
    "-enableassertions",
    "-disableassertions",
    "-enablesystemassertions",
    "-disablesystemassertions",
    "-verbose",
];

/// Whether a word begins like a JVM option ([`OPTION_PREFIXES`], [`OPTION_WORDS`]).
pub fn starts_like_option(word: &[u8]) -> bool {
    OPTION_PREFIXES
        .iter()
        .any(|p| word.starts_with(p.as_bytes()))
        || OPTION_WORDS.iter().any(|w| {
            word.strip_prefix(w.as_bytes())
                .is_some_and(|rest| rest.is_empty() || rest[0] == b':')
        })
}

/// The options in HotSpot's `java.rt.vmArgs` perf counter (`Arguments::jvm_args`): every
/// option the JVM was started with, from the command line and the options variables, joined
/// by single spaces. An option whose value held a space (`-Dtitle=a b`) comes back in pieces;
/// a piece that does not begin like an option is the rest of the one before it (the JVM
/// refuses a stray word, "Unrecognized option"), and is put back onto it with its space, so
/// that a secret value is redacted whole. A value with a space followed by what begins like an
/// option (`-Dx=a -Db`, `-Dx=a -Xb`, `-Dx=a --b`) cannot be told from two options in the joined
/// string.
pub fn vm_args_options(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in s.split(' ') {
        match out.last_mut() {
            Some(last) if !starts_like_option(piece.as_bytes()) => {
                last.push(' ');
                last.push_str(piece);
            }
            None if piece.is_empty() => {}
            _ => out.push(piece.to_owned()),
        }
    }
    out
}

/// The options before an unmatched quote, and that quote character.
fn split_tolerant(s: &str) -> (Vec<String>, Option<char>) {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|&c| is_c_space(c)) {
            chars.next();
        }
        if chars.peek().is_none() {
            return (out, None);
        }
        let mut cur = String::new();
        while let Some(&c) = chars.peek() {
            if is_c_space(c) {
                break;
            }
            chars.next();
            if c == '"' || c == '\'' {
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some(x) => cur.push(x),
                        None => return (out, Some(c)),
                    }
                }
            } else {
                cur.push(c);
            }
        }
        out.push(cur);
    }
}

/// [`split_java_options`], keeping the options before an unmatched quote (the JVM would not
/// start at all; those are the best evidence of what the user meant).
pub fn split_options(s: &str) -> Vec<String> {
    split_tolerant(s).0
}

/// One option written so that [`split_java_options`] (the JVM) reads it back as exactly one
/// option, the same bytes: runs holding white space or a single quote go inside double
/// quotes, double quotes inside single quotes, and the pieces join (there are no escapes to
/// use). The empty option is `""`.
pub fn quote_java_option(opt: &str) -> String {
    if opt.is_empty() {
        return "\"\"".to_owned();
    }
    if !opt.chars().any(|c| is_c_space(c) || c == '"' || c == '\'') {
        return opt.to_owned();
    }
    let mut out = String::new();
    for (i, part) in opt.split('"').enumerate() {
        if i > 0 {
            out.push_str("'\"'");
        }
        if part.chars().any(|c| is_c_space(c) || c == '\'') {
            out.push('"');
            out.push_str(part);
            out.push('"');
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Options joined into one `JAVA_TOOL_OPTIONS`-style value, each quoted as the JVM reads it.
pub fn join_java_options<S: AsRef<str>>(opts: &[S]) -> String {
    opts.iter()
        .map(|o| quote_java_option(o.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Launcher options whose value is the next argument (also used to find a running JVM's
/// main class).
pub(crate) const TAKES_VALUE: &[&str] = &[
    "-cp",
    "-classpath",
    "--class-path",
    "-p",
    "--module-path",
    "--upgrade-module-path",
    "--add-modules",
    "--limit-modules",
    "--add-reads",
    "--add-exports",
    "--add-opens",
    "--patch-module",
    "--enable-native-access",
    "--source",
];

/// Whether `arg` names a `java` launcher (`java`, `/usr/bin/java`, `$JAVA_HOME/bin/java`).
pub fn is_java_command(arg: &str) -> bool {
    arg.rsplit('/').next() == Some("java")
}

/// Reads an `@argfile` named on a command line: its text, or None when it cannot be read.
pub type ArgfileReader<'a> = &'a mut dyn FnMut(&str) -> Option<String>;

/// The JVM options of a `java` command line: everything before `-jar`, `-m`/`--module`,
/// `--source` or the main class. Values of `-cp` and friends are skipped, not options.
/// `@argfiles` are expanded in place as the launcher does (once, not inside another argfile;
/// `@@x` is the literal `@x`; none after `--disable-@files`); one `read` cannot open counts
/// as the main class, which is what the launcher would fail on.
pub fn jvm_options_of_command(args: &[String], read: ArgfileReader) -> Vec<String> {
    let mut out = Vec::new();
    let mut queue: std::collections::VecDeque<(String, bool)> =
        args.iter().map(|a| (a.clone(), false)).collect();
    let mut expand = true;
    while let Some((mut a, from_file)) = queue.pop_front() {
        if a == "--disable-@files" {
            expand = false;
            continue;
        }
        if expand && !from_file {
            if let Some(name) = a.strip_prefix('@') {
                if name.starts_with('@') {
                    a = name.to_owned();
                } else if let Some(text) = read(name) {
                    for t in crate::parse::argfile::split(&text).into_iter().rev() {
                        queue.push_front((t, true));
                    }
                    continue;
                }
            }
        }
        if a == "-jar" || a == "-m" || a == "--module" || a == "--source" || !a.starts_with('-') {
            break;
        }
        if TAKES_VALUE.contains(&a.as_str()) {
            queue.pop_front();
            continue;
        }
        let inside = options_files(&a, true, read);
        out.push(a);
        out.extend(inside);
    }
    out
}

/// The options inside a `-XX:VMOptionsFile=FILE` (read by the VM from the command line only,
/// split like `JAVA_TOOL_OPTIONS`) or a `-XX:Flags=FILE` (HotSpot's settings file: one
/// `+Name`, `-Name` or `Name=value` per token, `#` lines are comments), as `-XX:` options.
/// Nothing for any other option or a file that cannot be read (the JVM would not start).
pub fn options_files(opt: &str, command_line: bool, read: ArgfileReader) -> Vec<String> {
    if let Some(file) = opt.strip_prefix("-XX:VMOptionsFile=") {
        if !command_line {
            return Vec::new();
        }
        return read(file).map(|t| split_options(&t)).unwrap_or_default();
    }
    if let Some(file) = opt.strip_prefix("-XX:Flags=") {
        let Some(text) = read(file) else {
            return Vec::new();
        };
        return text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(split_options)
            .map(|t| format!("-XX:{t}"))
            .collect();
    }
    Vec::new()
}

/// [`options_files`] for each option of an environment variable the VM reads itself.
fn with_options_files(opts: Vec<String>, read: ArgfileReader) -> Vec<String> {
    let mut out = Vec::with_capacity(opts.len());
    for o in opts {
        let inside = options_files(&o, false, read);
        out.push(o);
        out.extend(inside);
    }
    out
}

impl UserOptions {
    /// Gather from the environment and from a command line given after `--`: a `java ...`
    /// command, or bare JVM options. `@argfiles` on it are not read (see
    /// [`UserOptions::gather_with_argfiles`]).
    pub fn gather(env: &[(String, String)], command: &[String]) -> UserOptions {
        Self::gather_with_argfiles(env, command, &mut |_| None)
    }

    /// [`UserOptions::gather`], with `read` giving the text of the command's `@argfiles`.
    pub fn gather_with_argfiles(
        env: &[(String, String)],
        command: &[String],
        read: ArgfileReader,
    ) -> UserOptions {
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let mut options = Vec::new();
        let mut push = |source: &str, opts: Vec<String>| {
            options.extend(opts.into_iter().map(|option| UserOption {
                source: source.to_owned(),
                option,
            }));
        };
        for var in ENV_SOURCES {
            if let Some(v) = get(var) {
                let words = split_options(v);
                // JAVA_TOOL_OPTIONS is read by the VM, which knows no @argfiles; the launcher
                // expands them in JDK_JAVA_OPTIONS, and in JAVA_OPTS, which scripts put on its
                // command line.
                let opts = if var == "JAVA_TOOL_OPTIONS" {
                    with_options_files(words, read)
                } else {
                    jvm_options_of_command(&words, read)
                };
                push(var, opts);
            }
        }
        match command.first() {
            Some(c) if is_java_command(c) => {
                push("command line", jvm_options_of_command(&command[1..], read))
            }
            Some(_) if command.iter().all(|a| a.starts_with('-')) => {
                push("command line", command.to_vec())
            }
            _ => {}
        }
        if let Some(v) = get("_JAVA_OPTIONS") {
            push("_JAVA_OPTIONS", with_options_files(split_options(v), read));
        }
        UserOptions { options }
    }

    fn last(&self, pred: impl Fn(&str) -> bool) -> Option<&UserOption> {
        self.options.iter().rev().find(|o| pred(&o.option))
    }

    /// The value of the last `-XX:Name=value`.
    pub fn xx_value(&self, name: &str) -> Option<&str> {
        let prefix = format!("-XX:{name}=");
        self.last(|o| o.starts_with(&prefix))
            .map(|o| &o.option[prefix.len()..])
    }

    /// The last `-XX:+Name` / `-XX:-Name`, as a bool.
    pub fn xx_bool(&self, name: &str) -> Option<bool> {
        let (on, off) = (format!("-XX:+{name}"), format!("-XX:-{name}"));
        self.last(|o| o == on || o == off).map(|o| o.option == on)
    }

    /// Whether any form of the flag is present (`-XX:+N`, `-XX:-N`, `-XX:N=...`).
    pub fn sets_xx(&self, name: &str) -> bool {
        self.xx_value(name).is_some() || self.xx_bool(name).is_some()
    }

    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.options.iter().any(|o| o.option.starts_with(prefix))
    }

    /// The user's heap ceiling, as the JVM would take it: `-Xmx`/`MaxHeapSize` bytes beat any
    /// percentage, in any order.
    pub fn max_heap(&self) -> Option<HeapSetting> {
        if let Some(o) = self.last(|o| o.starts_with("-Xmx") || o.starts_with("-XX:MaxHeapSize=")) {
            let v = o
                .option
                .strip_prefix("-Xmx")
                .or_else(|| o.option.strip_prefix("-XX:MaxHeapSize="))?;
            return parse_jvm_size(v).map(|b| HeapSetting::Bytes(b, o.clone()));
        }
        if let Some(o) = self.last(|o| o.starts_with("-XX:MaxRAMPercentage=")) {
            let v: f64 = o.option["-XX:MaxRAMPercentage=".len()..].parse().ok()?;
            return Some(HeapSetting::Percent(v, o.clone()));
        }
        if let Some(o) = self.last(|o| o.starts_with("-XX:MaxRAMFraction=")) {
            let v: f64 = o.option["-XX:MaxRAMFraction=".len()..].parse().ok()?;
            return (v > 0.0).then(|| HeapSetting::Percent(100.0 / v, o.clone()));
        }
        None
    }

    /// The least heap the user's options make the JVM commit or keep: the larger of the last
    /// initial size (`-Xms`, `-XX:InitialHeapSize`) and the last minimum (`-Xms`,
    /// `-XX:MinHeapSize`), with the option that set it. A maximum heap below it stops the JVM
    /// ("Initial heap size set to a larger value than the maximum heap size", "Incompatible
    /// minimum and maximum heap sizes specified").
    pub fn min_heap(&self) -> Option<(u64, &UserOption)> {
        let size = |o: &UserOption, names: &[&str]| -> Option<u64> {
            names
                .iter()
                .find_map(|n| o.option.strip_prefix(n))
                .and_then(parse_jvm_size)
        };
        let last = |names: &[&str]| {
            self.options.iter().rev().find_map(|o| {
                names
                    .iter()
                    .any(|n| o.option.starts_with(n))
                    .then(|| size(o, names).map(|b| (b, o)))
                    .flatten()
            })
        };
        let initial = last(&["-Xms", "-XX:InitialHeapSize="]);
        let min = last(&["-Xms", "-XX:MinHeapSize="]);
        match (initial, min) {
            (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    /// Whether the user chose anything about the heap size.
    pub fn sets_heap(&self) -> bool {
        self.options.iter().any(|o| {
            let o = o.option.as_str();
            o.starts_with("-Xmx")
                || o.starts_with("-XX:MaxHeapSize=")
                || o.starts_with("-XX:MaxRAMPercentage=")
                || o.starts_with("-XX:MaxRAMFraction=")
                || o.starts_with("-XX:MaxRAM=")
                || o.starts_with("-XX:MinRAMPercentage=")
        })
    }

    /// The collector the user selected (the last `-XX:+Use...GC`), if any.
    pub fn gc(&self) -> Option<Gc> {
        self.options
            .iter()
            .rev()
            .find_map(|o| Gc::from_option(&o.option))
    }

    /// Any GC selection at all, `-XX:-Use...GC` included: then ctune adds none (two selected
    /// collectors stop the JVM).
    pub fn touches_gc(&self) -> bool {
        self.options.iter().any(|o| {
            let s = o.option.as_str();
            (s.starts_with("-XX:+Use") || s.starts_with("-XX:-Use")) && s.ends_with("GC")
        })
    }

    pub fn active_processor_count(&self) -> Option<u32> {
        self.xx_value("ActiveProcessorCount")
            .and_then(|v| v.parse().ok())
    }

    /// `-XX:-UseContainerSupport` switches off every container limit.
    pub fn container_support_off(&self) -> bool {
        self.xx_bool("UseContainerSupport") == Some(false)
    }
}

/// The JVM's own floor for a maximum heap: HotSpot refuses a smaller `-Xmx` ("Too small
/// maximum heap"; 2 MiB with the default alignment on 17).
pub const MIN_MAX_HEAP: u64 = 2 << 20;

/// One of ctune's flags that, together with the user's options, would stop the JVM from
/// starting, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub flag: String,
    pub why: String,
}

/// The constraints between options that make HotSpot refuse to start, checked for `ours`
/// (ctune's flags) against the user's options wherever the JVM reads them: a maximum heap
/// below the user's initial or minimum heap, or below the JVM's floor; an initial heap above
/// the user's maximum; a second collector; the code cache below the user's initial code cache;
/// a flag the user set already (ctune never repeats one). Empty = the JVM accepts ctune's flags
/// whenever it accepts the user's own.
pub fn conflicts(ours: &[String], user: &UserOptions) -> Vec<Conflict> {
    let mut out = Vec::new();
    let mut bad = |flag: &str, why: String| {
        out.push(Conflict {
            flag: flag.to_owned(),
            why,
        })
    };
    let size_of = |f: &str, names: &[&str]| {
        names
            .iter()
            .find_map(|n| f.strip_prefix(n))
            .and_then(parse_jvm_size)
    };
    for f in ours {
        if let Some(max) = size_of(f, &["-Xmx", "-XX:MaxHeapSize="]) {
            if let Some((min, o)) = user.min_heap() {
                if max < min {
                    bad(f, format!("below {} (from {})", o.option, o.source));
                }
            }
            if max < MIN_MAX_HEAP {
                bad(f, "below the JVM's smallest maximum heap (2 MiB)".into());
            }
        }
        if let Some(init) = size_of(f, &["-Xms", "-XX:InitialHeapSize=", "-XX:MinHeapSize="]) {
            if let Some(HeapSetting::Bytes(max, o)) = user.max_heap() {
                if init > max {
                    bad(f, format!("above {} (from {})", o.option, o.source));
                }
            }
        }
        if Gc::from_option(f).is_some() && user.touches_gc() {
            bad(
                f,
                "the user's options select or deselect a collector already".into(),
            );
        }
        if let Some(reserved) = size_of(f, &["-XX:ReservedCodeCacheSize="]) {
            let initial = user
                .xx_value("InitialCodeCacheSize")
                .and_then(parse_jvm_size);
            if initial.is_some_and(|i| reserved < i) {
                bad(f, "below the user's -XX:InitialCodeCacheSize".into());
            }
        }
        if let Some(name) = xx_name(f) {
            if user.sets_xx(name) {
                bad(f, format!("the user sets -XX:{name} already"));
            }
        }
    }
    out
}

/// `Name` of `-XX:+Name`, `-XX:-Name`, `-XX:Name=value`.
pub fn xx_name(flag: &str) -> Option<&str> {
    let rest = flag.strip_prefix("-XX:")?;
    let rest = rest.trim_start_matches(['+', '-']);
    Some(rest.split('=').next().unwrap_or(rest))
}

#[derive(Debug, Clone, PartialEq)]
pub enum HeapSetting {
    Bytes(u64, UserOption),
    Percent(f64, UserOption),
}

/// `4g`, `512m`, `1024k`, `1073741824` (HotSpot's size syntax, binary units).
pub fn parse_jvm_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1u64 << 10),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        'g' | 'G' => (&s[..s.len() - 1], 1 << 30),
        't' | 'T' => (&s[..s.len() - 1], 1 << 40),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    #[test]
    fn vm_args_put_spaced_values_back_together() {
        use super::vm_args_options;
        assert_eq!(
            vm_args_options("-Da.token=hunter2 secret -Xmx1g -Dtitle=a  b --add-opens=x=y -ea"),
            [
                "-Da.token=hunter2 secret",
                "-Xmx1g",
                "-Dtitle=a  b",
                "--add-opens=x=y",
                "-ea"
            ]
        );
        // The secret's value is whole: what redaction hides is all of it.
        let opts = vm_args_options("-Da.token=hunter2 secret -Xss1m");
        let r = crate::secrets::secret_property_value(opts[0].as_bytes()).unwrap();
        assert_eq!(&opts[0][r], "hunter2 secret");
        assert!(vm_args_options("").is_empty());
        assert_eq!(vm_args_options("  -Xmx1g"), ["-Xmx1g"]);
        // Assertion and verbose options only bare or with ':'.
        assert_eq!(
            vm_args_options("-Dpassword=hunter2 -dawn -ea -da:com.x -verbose:gc"),
            [
                "-Dpassword=hunter2 -dawn",
                "-ea",
                "-da:com.x",
                "-verbose:gc"
            ]
        );
        // Lossless: nothing is dropped but the leading spaces.
        use proptest::prelude::*;
        proptest::test_runner::TestRunner::default()
            .run(&"[ aDx=X-]{0,24}", |s| {
                prop_assert_eq!(vm_args_options(&s).join(" "), s.trim_start_matches(' '));
                Ok(())
            })
            .unwrap();
    }

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn argfiles_are_expanded_where_the_launcher_expands_them() {
        let mut read = |name: &str| match name {
            "gc.opts" => Some("-XX:+UseParallelGC # the collector\n-cp 'a b.jar' -Xss1m".into()),
            "main.opts" => Some("-Xmx1g com.example.Main -Xms9g @gc.opts".into()),
            "nested.opts" => Some("@gc.opts".into()),
            _ => None,
        };
        let opts = |a: &[&str], read: ArgfileReader| jvm_options_of_command(&args(a), read);
        // Options after the argfile count too; the argfile's own options come in its place.
        assert_eq!(
            opts(
                &["-Xms1g", "@gc.opts", "-Xmx2g", "-jar", "app.jar", "@gc.opts"],
                &mut read
            ),
            ["-Xms1g", "-XX:+UseParallelGC", "-Xss1m", "-Xmx2g"]
        );
        // An argfile can hold the main class: what follows it is the program's.
        assert_eq!(opts(&["@main.opts", "-Xss2m"], &mut read), ["-Xmx1g"]);
        // Not expanded inside an argfile, nor after --disable-@files; @@ is a literal @.
        assert!(opts(&["@nested.opts", "-Xmx1g"], &mut read).is_empty());
        assert!(opts(&["--disable-@files", "@gc.opts", "-Xmx1g"], &mut read).is_empty());
        assert!(opts(&["@@gc.opts", "-Xmx1g"], &mut read).is_empty());
        // An argfile that cannot be read is what the launcher fails on: nothing after it.
        assert_eq!(
            opts(&["-Xss1m", "@missing", "-Xmx1g"], &mut read),
            ["-Xss1m"]
        );
        let u = UserOptions::gather_with_argfiles(&[], &args(&["java", "@gc.opts"]), &mut read);
        assert_eq!(u.gc(), Some(Gc::Parallel));
        // The launcher expands them in JDK_JAVA_OPTIONS (and scripts' JAVA_OPTS), not the VM in
        // JAVA_TOOL_OPTIONS.
        for (var, gc) in [
            ("JDK_JAVA_OPTIONS", Some(Gc::Parallel)),
            ("JAVA_OPTS", Some(Gc::Parallel)),
            ("JAVA_TOOL_OPTIONS", None),
        ] {
            let e = env(&[(var, "-Xss1m @gc.opts")]);
            let u = UserOptions::gather_with_argfiles(&e, &[], &mut read);
            assert_eq!(u.gc(), gc, "{var}");
            assert!(u.has_prefix("-Xss1m"), "{var}");
        }
        assert_eq!(
            UserOptions::gather(&[], &args(&["java", "@gc.opts"])).gc(),
            None
        );
    }

    #[test]
    fn splitting_and_quotes() {
        assert_eq!(
            split_options("  -Xmx1g   -Dx='a b' \"-Dy=c d\" "),
            ["-Xmx1g", "-Dx=a b", "-Dy=c d"]
        );
        assert!(split_options("").is_empty());
        // HotSpot's rules: quotes join the text around them, the other quote is plain inside,
        // no escapes, C white space only (a no-break space is part of the option).
        assert_eq!(
            split_java_options("-Da='x y'z \"-Db=it's\" -Dc=\\\" \u{b}-Dd=\u{a0}").unwrap_err(),
            "unmatched \" quote"
        );
        assert_eq!(
            split_java_options("-Da='x y'z \"-Db=it's\" -Dc=\\ \u{b}-Dd=\u{a0}").unwrap(),
            ["-Da=x yz", "-Db=it's", "-Dc=\\", "-Dd=\u{a0}"]
        );
        assert_eq!(split_options("-Xmx1g -Dq='it"), ["-Xmx1g"]);
        assert_eq!(
            quote_java_option("-Dgreeting=hello world"),
            "\"-Dgreeting=hello world\""
        );
        assert_eq!(quote_java_option("-Dq=it's"), "\"-Dq=it's\"");
        assert_eq!(
            quote_java_option("-Dq=say \"hi\""),
            "\"-Dq=say \"'\"'hi'\"'"
        );
        assert_eq!(quote_java_option("-Xmx1g"), "-Xmx1g");
    }

    /// Whatever an option holds, the quoted form is read back by the JVM's rules as that one
    /// option, alone or among others.
    #[test]
    fn quoting_round_trips_through_the_jvms_splitting() {
        use proptest::prelude::*;
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases: 2000,
            ..Default::default()
        });
        let opt = prop::collection::vec(
            prop_oneof![
                Just("'".to_owned()),
                Just("\"".to_owned()),
                Just(" ".to_owned()),
                Just("\t".to_owned()),
                Just("\n".to_owned()),
                Just("\\".to_owned()),
                Just("-Dx=".to_owned()),
                "[a-z=]{0,3}",
                any::<String>(),
            ],
            0..8,
        )
        .prop_map(|v| v.concat());
        runner
            .run(&prop::collection::vec(opt, 0..5), |opts| {
                let joined = join_java_options(&opts);
                prop_assert_eq!(split_java_options(&joined).unwrap(), opts.clone());
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn vm_options_files_and_flags_files_are_read() {
        let mut read = |name: &str| match name {
            "/vm.opts" => Some("-Xms600m \"-Dname=a b\"\n-XX:+UseSerialGC".to_owned()),
            "/hotspotrc" => Some("# comment\n+UseParallelGC\nMinHeapSize=700m\n".to_owned()),
            _ => None,
        };
        let u = UserOptions::gather_with_argfiles(
            &env(&[("JAVA_TOOL_OPTIONS", "-XX:Flags=/hotspotrc")]),
            &args(&["java", "-XX:VMOptionsFile=/vm.opts", "-jar", "a.jar"]),
            &mut read,
        );
        let o: Vec<&str> = u.options.iter().map(|o| o.option.as_str()).collect();
        assert_eq!(
            o,
            [
                "-XX:Flags=/hotspotrc",
                "-XX:+UseParallelGC",
                "-XX:MinHeapSize=700m",
                "-XX:VMOptionsFile=/vm.opts",
                "-Xms600m",
                "-Dname=a b",
                "-XX:+UseSerialGC"
            ]
        );
        // -Xms on the command line comes after JAVA_TOOL_OPTIONS: it sets the minimum too.
        assert_eq!(u.min_heap().map(|(b, _)| b), Some(600 << 20));
        // The VM refuses VMOptionsFile in the environment: nothing is read from it there.
        let u = UserOptions::gather_with_argfiles(
            &env(&[("JAVA_TOOL_OPTIONS", "-XX:VMOptionsFile=/vm.opts")]),
            &[],
            &mut read,
        );
        assert_eq!(u.min_heap(), None);
    }

    #[test]
    fn min_heap_is_the_larger_of_initial_and_minimum() {
        let u = UserOptions::gather(
            &env(&[("JDK_JAVA_OPTIONS", "-XX:MinHeapSize=300m")]),
            &args(&[
                "java",
                "-Xms100m",
                "-XX:InitialHeapSize=200m",
                "-jar",
                "a.jar",
            ]),
        );
        // -Xms came later than MinHeapSize: it set the minimum to 100m; initial is 200m.
        assert_eq!(u.min_heap().map(|(b, _)| b), Some(200 << 20));
        let u = UserOptions::gather(&[], &args(&["-XX:MinHeapSize=1g", "-Xms10m"]));
        assert_eq!(u.min_heap().map(|(b, _)| b), Some(10 << 20));
        assert_eq!(
            UserOptions::gather(&[], &args(&["-Xmx1g"])).min_heap(),
            None
        );
    }

    #[test]
    fn conflicts_that_stop_the_jvm() {
        let u = UserOptions::gather(
            &env(&[(
                "_JAVA_OPTIONS",
                "-Xms512m -XX:-UseG1GC -XX:InitialCodeCacheSize=64m",
            )]),
            &[],
        );
        let ours = |f: &[&str]| {
            conflicts(&args(f), &u)
                .into_iter()
                .map(|c| c.flag)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ours(&[
                "-Xmx408m",
                "-XX:+UseSerialGC",
                "-XX:ReservedCodeCacheSize=32m",
                "-Xmx1m"
            ]),
            [
                "-Xmx408m",
                "-XX:+UseSerialGC",
                "-XX:ReservedCodeCacheSize=32m",
                "-Xmx1m",
                "-Xmx1m"
            ]
        );
        assert!(ours(&["-Xmx512m", "-XX:ReservedCodeCacheSize=64m"]).is_empty());
        let u = UserOptions::gather(&[], &args(&["-Xmx256m", "-XX:MaxDirectMemorySize=1m"]));
        assert_eq!(
            conflicts(&args(&["-Xms300m", "-XX:MaxDirectMemorySize=2m"]), &u).len(),
            2
        );
    }

    #[test]
    fn command_line_options_stop_at_the_main_class() {
        let a = args(&[
            "-cp",
            "/app/lib/*",
            "-Xmx2g",
            "-XX:+UseG1GC",
            "-jar",
            "app.jar",
            "-Xmx9g",
        ]);
        assert_eq!(
            jvm_options_of_command(&a, &mut |_| None),
            ["-Xmx2g", "-XX:+UseG1GC"]
        );
        assert_eq!(
            jvm_options_of_command(&args(&["com.example.Main", "-Xmx1g"]), &mut |_| None),
            Vec::<String>::new()
        );
    }

    #[test]
    fn precedence_and_families() {
        let e = env(&[
            ("JAVA_TOOL_OPTIONS", "-Xmx1g -XX:+UseSerialGC"),
            ("_JAVA_OPTIONS", "-Xmx3g"),
        ]);
        let u = UserOptions::gather(
            &e,
            &args(&[
                "/usr/bin/java",
                "-Xmx2g",
                "-XX:MaxRAMPercentage=80",
                "-jar",
                "x.jar",
            ]),
        );
        match u.max_heap() {
            Some(HeapSetting::Bytes(b, o)) => {
                assert_eq!(b, 3 << 30);
                assert_eq!(o.source, "_JAVA_OPTIONS");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(u.gc(), Some(Gc::Serial));
        assert!(u.sets_heap());
        let u = UserOptions::gather(
            &[],
            &args(&["-XX:MaxRAMPercentage=75.0", "-XX:ActiveProcessorCount=3"]),
        );
        assert!(matches!(u.max_heap(), Some(HeapSetting::Percent(p, _)) if p == 75.0));
        assert_eq!(u.active_processor_count(), Some(3));
        let u = UserOptions::gather(&[], &args(&["-XX:-UseG1GC"]));
        assert!(u.touches_gc() && u.gc().is_none());
    }

    #[test]
    fn secret_properties_are_hidden_when_shown() {
        let o = |s: &str| UserOption {
            source: "x".into(),
            option: s.into(),
        };
        assert_eq!(
            o("-Ddb.password=hunter2").display(),
            "-Ddb.password=<redacted>"
        );
        assert_eq!(o("-Dapi-key=k").display(), "-Dapi-key=<redacted>");
        // camelCase words count too (the review found these printed in full).
        for p in ["-Djavax.net.ssl.keyStorePassword=h", "-DdbPassword=h"] {
            assert!(o(p).display().ends_with("=<redacted>"), "{p}");
        }
        assert_eq!(o("-Duser.home=/h").display(), "-Duser.home=/h");
        assert_eq!(o("-Xmx1g").display(), "-Xmx1g");
        let json = serde_json::to_string(&UserOptions {
            options: vec![o("-Dsecret.token=abc")],
        })
        .unwrap();
        assert!(
            !json.contains("abc") && json.contains("<redacted>"),
            "{json}"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_jvm_size("4g"), Some(4 << 30));
        assert_eq!(parse_jvm_size("512M"), Some(512 << 20));
        assert_eq!(parse_jvm_size("1073741824"), Some(1 << 30));
        assert_eq!(parse_jvm_size("x"), None);
        assert_eq!(parse_jvm_size(""), None);
    }
}
