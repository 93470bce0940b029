//! Man pages generated from the clap definitions and the finding catalogue: `man/ctune.1`, one
//! page per command (`ctune-doctor.1`, `ctune-profiles-show.1`, ...) and `ctune-profile.5` for
//! the profile TOML format (from the commented `profiles/default.toml`). Every command page
//! has the global options, EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES and SEE ALSO; doctor and
//! lint list every finding id with its fix. Only pages generated here are referred to.
//! The committed files are checked by a test; `CTUNE_BLESS=1 cargo test` rewrites them.

use crate::findings::RULES;
use roff::{bold, italic, roman, Roff};

/// `(file name, roff)` for the top page, every command and the profile format.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut top = super::args::command()
        .disable_help_subcommand(true)
        .bin_name("ctune");
    // Building copies the global options into every command.
    top.build();
    let mut names = Vec::new();
    collect_names(&top, "ctune", &mut names);
    let mut out = Vec::new();
    page(&top, "ctune", "ctune", &names, &mut out);
    names.push("ctune-profile(5)".to_owned());
    out.push(("ctune-profile.5".to_owned(), profile_page()));
    out
}

fn collect_names(cmd: &clap::Command, prefix: &str, names: &mut Vec<String>) {
    for sub in cmd.get_subcommands() {
        let name = format!("{prefix}-{}", sub.get_name());
        names.push(format!("{name}(1)"));
        collect_names(sub, &name, names);
    }
}

/// One command's page, then its subcommands' (`file` is `ctune-profiles-show`, `invoked`
/// `ctune profiles show`).
fn page(
    cmd: &clap::Command,
    file: &str,
    invoked: &str,
    all: &[String],
    out: &mut Vec<(String, Vec<u8>)>,
) {
    let c = cmd
        .clone()
        .display_name(file.to_owned())
        .bin_name(invoked.to_owned())
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_subcommand(true);
    let man = clap_mangen::Man::new(c.clone())
        .title(file.to_uppercase())
        .source(format!("ctune {}", env!("CARGO_PKG_VERSION")))
        .manual("ctune manual");
    let mut buf = Vec::new();
    // Rendering into a Vec cannot fail.
    let _ = man.render_title(&mut buf);
    let _ = man.render_name_section(&mut buf);
    let _ = man.render_synopsis_section(&mut buf);
    let _ = man.render_description_section(&mut buf);
    let _ = man.render_options_section(&mut buf);
    let command = invoked.strip_prefix("ctune").unwrap_or("").trim();
    let mut r = Roff::new();
    if c.get_subcommands().next().is_some() {
        r.control("SH", ["COMMANDS"]);
        for sub in c.get_subcommands() {
            r.control("TP", []);
            r.text([bold(format!("{file}-{}", sub.get_name())), roman("(1)")]);
            if let Some(about) = sub.get_about() {
                r.text([roman(about.to_string())]);
            }
        }
    }
    if matches!(command, "doctor" | "lint" | "") {
        findings_section(&mut r);
    }
    exit_status(&mut r, command);
    environment(&mut r, command);
    files(&mut r, command);
    examples(&mut r, command);
    see_also(&mut r, file, all);
    r.control("SH", ["VERSION"]);
    r.text([roman(format!("v{}", env!("CARGO_PKG_VERSION")))]);
    let _ = r.to_writer(&mut buf);
    out.push((format!("{file}.1"), buf));
    for sub in cmd.get_subcommands() {
        page(
            sub,
            &format!("{file}-{}", sub.get_name()),
            &format!("{invoked} {}", sub.get_name()),
            all,
            out,
        );
    }
}

fn item(r: &mut Roff, term: &str, text: &str) {
    r.control("TP", []);
    r.text([bold(term)]);
    r.text([roman(text)]);
}

fn findings_section(r: &mut Roff) {
    r.control("SH", ["FINDINGS"]);
    r.text([roman(
        "Every check, by id (what --allow takes), with its usual severity, where it applies and its fix:",
    )]);
    for rule in RULES.iter() {
        r.control("TP", []);
        r.text([
            bold(rule.id),
            roman(format!(
                " ({}; {})",
                rule.severity.as_str(),
                rule.applies.as_str()
            )),
        ]);
        r.text([roman(format!("{} {}", rule.summary, rule.description))]);
        r.control("br", []);
        r.text([italic("Fix:"), roman(format!(" {}", rule.help))]);
    }
}

fn exit_status(r: &mut Roff, command: &str) {
    r.control("SH", ["EXIT STATUS"]);
    item(
        r,
        "0",
        match command {
            "lint" => "No finding at or above the --fail-on threshold.",
            "exec" => "Not returned by ctune itself: ctune becomes the command, whose status is the process's.",
            _ => "Success.",
        },
    );
    if matches!(command, "lint" | "") {
        item(
            r,
            "1",
            "lint: findings at or above the --fail-on threshold.",
        );
    }
    item(
        r,
        "2",
        "Usage error: a bad option or value, a bad --assume value, an unknown profile.",
    );
    item(
        r,
        "3",
        "Could not inspect: --root does not exist or holds no proc/, a snapshot could not be written.",
    );
    if matches!(command, "exec" | "") {
        item(
            r,
            "126, 127",
            "exec: the command is not executable, or not found (as a shell says).",
        );
    }
}

fn environment(r: &mut Roff, command: &str) {
    r.control("SH", ["ENVIRONMENT"]);
    if command != "exec" {
        item(
            r,
            "NO_COLOR",
            "When set (not empty), no colour with --color auto.",
        );
        item(
            r,
            "TERM",
            "dumb (or unset) turns colour off with --color auto.",
        );
        item(
            r,
            "COLUMNS",
            "The width to lay tables out for when the output is not a terminal (a terminal's own width wins); 80 otherwise.",
        );
    }
    if command == "exec" {
        item(
            r,
            "CTUNE_BYPASS",
            "1: run the command untouched, and say so once. Read at every start.",
        );
        item(
            r,
            "CTUNE_PROFILE, CTUNE_SET, CTUNE_QUIET",
            "The profile when --profile is not given; KEY=VALUE pairs separated by spaces, applied before any --set; 1: as --quiet. Options on the command line win.",
        );
    }
    item(
        r,
        "JAVA_HOME, PATH",
        "Where the java binary is looked for, in this order, when --java is not given.",
    );
    item(
        r,
        "JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, JAVA_OPTS, _JAVA_OPTIONS",
        "The JVM options already set: ctune never recommends again what they set.",
    );
    item(
        r,
        "TMPDIR, SPARK_LOCAL_DIRS",
        "Data directories inspected besides the working directory and --path.",
    );
}

fn files(r: &mut Roff, command: &str) {
    r.control("SH", ["FILES"]);
    if command == "snapshot" {
        item(
            r,
            "DIR/ctune-snapshot.json",
            "What the snapshot is: the ctune version and the number of entries.",
        );
    }
    item(
        r,
        "/proc/self/cgroup, /proc/self/mountinfo, /sys/fs/cgroup",
        "The cgroup, its limits and its usage (v1 and v2, and the limits of every ancestor).",
    );
    item(
        r,
        "/proc/meminfo, /proc/cpuinfo, /sys/devices/system/cpu/online",
        "The host's memory and CPUs, and whether a hypervisor is there.",
    );
    item(
        r,
        "/proc/self/status, /proc/self/uid_map, /etc/passwd, /etc/group",
        "Identity, user namespace, capabilities, seccomp.",
    );
    item(
        r,
        "FILE.toml",
        "A workload profile given to --profile; see ctune-profile(5).",
    );
    r.text([roman(
        "With --root DIR every path above is read under DIR instead.",
    )]);
}

fn examples(r: &mut Roff, command: &str) {
    let list: &[(&str, &str)] = match command {
        "" => &[
            ("ctune doctor", "What is wrong here, why, and the fix."),
            (
                "ctune jvm --format flags",
                "The JVM flags for this container.",
            ),
            (
                "ctune --assume memory=2Gi --assume cpus=1.5 jvm",
                "The flags for a container of that size.",
            ),
        ],
        "report" => &[
            ("ctune report", "The facts as a table."),
            (
                "ctune snapshot /tmp/s && ctune --root /tmp/s report --format json",
                "Read a snapshot back, as JSON.",
            ),
        ],
        "jvm" => &[
            (
                "ctune jvm",
                "What the JVM alone would pick, and the recommendation.",
            ),
            (
                "eval \"$(ctune jvm --format env)\"",
                "Export JAVA_TOOL_OPTIONS with the flags.",
            ),
            (
                "ctune jvm --profile spark-executor --format spark-conf",
                "spark-submit sizing for executors.",
            ),
            (
                "ctune jvm -- -Xmx2g -jar app.jar",
                "Advice around your own options (never recommended again).",
            ),
        ],
        "doctor" => &[
            ("ctune doctor", "The findings for a person."),
            (
                "ctune doctor --format json | jq .counts",
                "How many of each severity.",
            ),
        ],
        "lint" => &[
            (
                "ctune lint --format sarif > ctune.sarif",
                "For GitHub code scanning.",
            ),
            (
                "ctune lint --fail-on error --allow running-as-root",
                "Fail the build on errors only, and never on root.",
            ),
        ],
        "exec" => &[
            (
                "ENTRYPOINT [\"ctune\", \"exec\", \"--\", \"java\", \"-jar\", \"/app.jar\"]",
                "A Dockerfile entrypoint: tune, then become java.",
            ),
            (
                "ctune exec --dry-run -- java -jar app.jar",
                "Print what would run.",
            ),
        ],
        "snapshot" => &[(
            "ctune snapshot /tmp/s && tar czf s.tgz -C /tmp s",
            "Capture this environment for a bug report.",
        )],
        "profiles" => &[
            ("ctune profiles", "The built-in profiles."),
            (
                "ctune profiles show default > mine.toml",
                "A profile to edit (see ctune-profile(5)).",
            ),
        ],
        "profiles show" => &[(
            "ctune profiles show spark-executor --set memory.threads=400",
            "The resolved profile with one setting changed.",
        )],
        "completions" => &[(
            "ctune completions bash > /etc/bash_completion.d/ctune",
            "Install bash completions.",
        )],
        _ => &[],
    };
    if list.is_empty() {
        return;
    }
    r.control("SH", ["EXAMPLES"]);
    for (cmd, what) in list {
        r.control("TP", []);
        r.text([bold(*cmd)]);
        r.text([roman(*what)]);
    }
}

fn see_also(r: &mut Roff, file: &str, all: &[String]) {
    r.control("SH", ["SEE ALSO"]);
    let others: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .chain(["ctune(1)", "ctune-profile(5)"])
        .filter(|p| !p.starts_with(&format!("{file}(")))
        .collect();
    let mut seen = Vec::new();
    for p in others {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    r.text([roman(seen.join(", "))]);
}

/// `ctune-profile(5)`: the TOML format, every setting with the comment `profiles/default.toml`
/// gives it and its default.
fn profile_page() -> Vec<u8> {
    let mut r = Roff::new();
    let version = format!("ctune {}", env!("CARGO_PKG_VERSION"));
    r.control("TH", ["CTUNE-PROFILE", "5", "", &version, "ctune manual"]);
    r.control("SH", ["NAME"]);
    r.text([roman(
        "ctune-profile - a workload profile for ctune jvm, doctor, lint and exec",
    )]);
    r.control("SH", ["SYNOPSIS"]);
    r.text([
        bold("ctune jvm --profile "),
        italic("FILE.toml"),
        roman(", "),
        bold("ctune profiles show "),
        italic("NAME"),
    ]);
    r.control("SH", ["DESCRIPTION"]);
    r.text([roman(
        "A profile says what kind of workload the JVM runs, and so how ctune divides the \
         container's memory and CPUs. It is a TOML file; every setting is optional and \
         takes its value from the profile named by extends, or from the default profile. \
         ctune profiles lists the built-in profiles; ctune profiles show NAME prints one \
         resolved, ready to copy and edit. --set SECTION.KEY=VALUE overrides one setting \
         on the command line.",
    )]);
    r.text([roman(
        "Sizes are MiB (or KiB where the name says so); fractions are of the container's \
         memory limit.",
    )]);
    r.control("SH", ["TOP-LEVEL KEYS"]);
    item(
        &mut r,
        "extends",
        "The built-in profile (or file) this one starts from. Default: default.",
    );
    item(&mut r, "description", "One line shown by ctune profiles.");
    let mut section = String::new();
    for (sec, key, value, comment) in profile_keys() {
        if sec != section {
            section = sec.clone();
            r.control("SH", [format!("[{sec}]").as_str()]);
        }
        r.control("TP", []);
        r.text([bold(key), roman(format!(" (default: {value})"))]);
        r.text([roman(if comment.is_empty() {
            "See the memory budget in ctune jvm.".to_owned()
        } else {
            comment
        })]);
    }
    r.control("SH", ["EXAMPLE"]);
    r.text([roman(
        "A service with many threads and a larger native reserve:",
    )]);
    r.control("nf", []);
    r.text([roman(
        "extends = \"default\"\ndescription = \"Thread-heavy API\"\n\n[memory]\nthreads = 400\nheadroom_fraction = 0.15",
    )]);
    r.control("fi", []);
    r.control("SH", ["SEE ALSO"]);
    r.text([roman(
        "ctune(1), ctune-jvm(1), ctune-profiles(1), ctune-exec(1)",
    )]);
    let mut buf = Vec::new();
    let _ = r.to_writer(&mut buf);
    buf
}

/// `(section, key, default value, comment)` for every setting, from the commented default
/// profile shipped in the binary.
pub fn profile_keys() -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in crate::jvm::profile::BUILTIN
        .iter()
        .find(|(n, _)| *n == "default")
        .map_or("", |(_, t)| t)
        .lines()
    {
        let indented = line.starts_with(' ');
        let line = line.trim();
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_owned();
            continue;
        }
        if section.is_empty() {
            continue;
        }
        if let Some(more) = line.strip_prefix('#') {
            // An indented comment line goes on with the setting above it.
            if let Some(last) = out.last_mut().filter(|_| indented) {
                let last: &mut (String, String, String, String) = last;
                last.3 = format!("{} {}", last.3, more.trim());
            }
            continue;
        }
        let Some((key, rest)) = line.split_once('=') else {
            continue;
        };
        let (value, comment) = rest.split_once('#').unwrap_or((rest, ""));
        out.push((
            section.clone(),
            key.trim().to_owned(),
            value.trim().to_owned(),
            comment.trim().to_owned(),
        ));
    }
    out
}
