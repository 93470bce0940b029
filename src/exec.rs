//! `ctune exec`'s plan: where the recommended flags go and what the environment becomes. Pure:
//! the command edge (`cli::exec`) probes, writes files and calls `exec`.
//!
//! Every argument and environment byte the user gave passes through untouched (`OsString`); only
//! the variables named in [`Plan::set_env`] change.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// Where the flags go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Right after the `java` command, before the user's own options (which then win).
    Args,
    JavaToolOptions,
    JdkJavaOptions,
}

impl Place {
    pub fn describe(self) -> &'static str {
        match self {
            Place::Args => "on the command line",
            Place::JavaToolOptions => "in JAVA_TOOL_OPTIONS",
            Place::JdkJavaOptions => "in JDK_JAVA_OPTIONS",
        }
    }
}

/// What will be executed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub program: OsString,
    /// Arguments after the program (argv[1..]).
    pub args: Vec<OsString>,
    /// Variables to set (everything else is inherited as it is).
    pub set_env: Vec<(OsString, OsString)>,
    /// The flags added and where, for the one-line message.
    pub applied: Vec<String>,
    pub place: Option<Place>,
}

impl Plan {
    /// The command exactly as given.
    pub fn unchanged(command: &[OsString]) -> Plan {
        Plan {
            program: command.first().cloned().unwrap_or_default(),
            args: command.iter().skip(1).cloned().collect(),
            set_env: Vec::new(),
            applied: Vec::new(),
            place: None,
        }
    }
}

/// Whether `cmd` runs a JVM directly: named `java` (bare or as a path), or `$JAVA_HOME/bin/java`.
pub fn is_java(cmd: &OsStr, java_home: Option<&OsStr>) -> bool {
    let b = cmd.as_bytes();
    let base = b.rsplit(|&c| c == b'/').next().unwrap_or(b);
    if base == b"java" {
        return true;
    }
    match java_home {
        Some(h) => {
            let mut p = h.as_bytes().to_vec();
            while p.last() == Some(&b'/') {
                p.pop();
            }
            p.extend_from_slice(b"/bin/java");
            p == b
        }
        None => false,
    }
}

/// Append flags to an options variable's current value (a space between).
fn appended(current: Option<&OsStr>, flags: &[String]) -> OsString {
    let mut v: Vec<u8> = current.map(|c| c.as_bytes().to_vec()).unwrap_or_default();
    for f in flags {
        if !v.is_empty() && !v.ends_with(b" ") {
            v.push(b' ');
        }
        v.extend_from_slice(f.as_bytes());
    }
    OsString::from_vec(v)
}

/// Put `flags` where the JVM of `command` reads them. `auto`: after a `java` command, else in
/// `JAVA_TOOL_OPTIONS` (read by every JVM, however it is started). `env` is the environment
/// the command will inherit, `extra_env` variables ctune sets anyway (nss_wrapper, HOME).
pub fn plan(
    command: &[OsString],
    env: &[(OsString, OsString)],
    flags: &[String],
    forced: Option<Place>,
    extra_env: Vec<(OsString, OsString)>,
) -> Plan {
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_os_str());
    let mut p = Plan::unchanged(command);
    p.set_env = extra_env;
    if flags.is_empty() || command.is_empty() {
        return p;
    }
    let place = forced.unwrap_or_else(|| {
        if is_java(&p.program, get("JAVA_HOME")) {
            Place::Args
        } else {
            Place::JavaToolOptions
        }
    });
    match place {
        Place::Args => {
            let mut args: Vec<OsString> = flags.iter().map(OsString::from).collect();
            args.append(&mut p.args);
            p.args = args;
        }
        Place::JavaToolOptions | Place::JdkJavaOptions => {
            let var = if place == Place::JavaToolOptions {
                "JAVA_TOOL_OPTIONS"
            } else {
                "JDK_JAVA_OPTIONS"
            };
            // The options variables split on white space: a flag holding some cannot go there.
            let ok: Vec<String> = flags
                .iter()
                .filter(|f| !f.contains(char::is_whitespace))
                .cloned()
                .collect();
            p.set_env
                .push((OsString::from(var), appended(get(var), &ok)));
        }
    }
    p.applied = flags.to_vec();
    p.place = Some(place);
    p
}

/// The command line, shell-quoted, for `--dry-run` and messages. Bytes that are not UTF-8
/// are shown as `$'\xNN'` escapes so the line can be pasted back into bash.
pub fn display_command(program: &OsStr, args: &[OsString]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(OsString::as_os_str))
        .map(quote_os)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn quote_os(s: &OsStr) -> String {
    match s.to_str() {
        Some(t) => crate::render::jvm::shell_quote(t),
        None => {
            let mut out = String::from("$'");
            for &b in s.as_bytes() {
                match b {
                    b'\'' | b'\\' => out.push_str(&format!("\\{}", b as char)),
                    0x20..=0x7e => out.push(b as char),
                    _ => out.push_str(&format!("\\x{b:02x}")),
                }
            }
            out.push('\'');
            out
        }
    }
}

/// A passwd line and a group line for a uid without an entry, appended to the system's files
/// (nss_wrapper replaces the databases wholesale, so the existing entries are kept).
pub fn nss_files(
    passwd: &str,
    group: &str,
    uid: u32,
    gid: u32,
    name: &str,
    home: &str,
) -> (String, String) {
    let mut p = passwd.to_owned();
    if !p.is_empty() && !p.ends_with('\n') {
        p.push('\n');
    }
    p.push_str(&format!(
        "{name}:x:{uid}:{gid}:ctune generated entry:{home}:/bin/sh\n"
    ));
    let mut g = group.to_owned();
    if crate::parse::passwd::find_gid(group, gid).is_none() {
        if !g.is_empty() && !g.ends_with('\n') {
            g.push('\n');
        }
        g.push_str(&format!("{name}:x:{gid}:\n"));
    }
    (p, g)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn java_is_found_by_name_path_and_java_home() {
        assert!(is_java(OsStr::new("java"), None));
        assert!(is_java(OsStr::new("/usr/lib/jvm/x/bin/java"), None));
        assert!(!is_java(OsStr::new("javac"), None));
        assert!(!is_java(OsStr::new("/opt/app/run.sh"), None));
        assert!(is_java(
            OsStr::new("/opt/jdk/bin/java"),
            Some(OsStr::new("/opt/jdk/"))
        ));
    }

    #[test]
    fn auto_puts_flags_after_java_and_in_java_tool_options_otherwise() {
        let flags = vec!["-Xmx100m".to_owned()];
        let p = plan(
            &os(&["java", "-Xmx2g", "-jar", "a.jar"]),
            &[],
            &flags,
            None,
            vec![],
        );
        assert_eq!(p.args, os(&["-Xmx100m", "-Xmx2g", "-jar", "a.jar"]));
        assert_eq!(p.place, Some(Place::Args));
        let env = vec![(OsString::from("JAVA_TOOL_OPTIONS"), OsString::from("-Dx=1"))];
        let p = plan(&os(&["./run.sh", ""]), &env, &flags, None, vec![]);
        assert_eq!(p.args, os(&[""]));
        assert_eq!(
            p.set_env,
            vec![(
                OsString::from("JAVA_TOOL_OPTIONS"),
                OsString::from("-Dx=1 -Xmx100m")
            )]
        );
        let p = plan(
            &os(&["java"]),
            &[],
            &flags,
            Some(Place::JdkJavaOptions),
            vec![],
        );
        assert_eq!(p.set_env[0].0, "JDK_JAVA_OPTIONS");
        assert!(p.args.is_empty());
    }

    #[test]
    fn non_utf8_is_kept_and_quoted_for_display() {
        let arg = OsString::from_vec(vec![b'a', 0xff, b'\'']);
        let p = plan(
            &[OsString::from("echo"), arg.clone()],
            &[],
            &[],
            None,
            vec![],
        );
        assert_eq!(p.args, vec![arg.clone()]);
        assert_eq!(display_command(&p.program, &p.args), r"echo $'a\xff\''");
    }

    #[test]
    fn nss_entries_keep_the_system_ones() {
        let (p, g) = nss_files(
            "root:x:0:0::/root:/bin/sh",
            "root:x:0:\n",
            1000680000,
            0,
            "app",
            "/tmp/h",
        );
        assert!(p.starts_with("root:x:0:0::/root:/bin/sh\n"));
        assert!(p.ends_with("app:x:1000680000:0:ctune generated entry:/tmp/h:/bin/sh\n"));
        assert_eq!(g, "root:x:0:\n", "gid 0 already has a group");
    }
}
