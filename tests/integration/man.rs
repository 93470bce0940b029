//! The committed man pages in `man/` are what the clap definitions generate, have the
//! sections a man page reader looks for, and refer only to pages that are shipped. When the
//! first test fails, run `CTUNE_BLESS=1 cargo test --test integration man` and commit `man/`.

use crate::common::repo;
use std::fs;

#[test]
fn man_pages_are_current() {
    let dir = repo().join("man");
    let bless = std::env::var_os("CTUNE_BLESS").is_some();
    let pages = ctune::cli::man::pages();
    let mut stale = Vec::new();
    for (name, roff) in &pages {
        let path = dir.join(name);
        if bless {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, roff).unwrap();
        } else if fs::read(&path).ok().as_deref() != Some(roff.as_slice()) {
            stale.push(name.clone());
        }
    }
    // No page left behind that is no longer generated.
    for entry in fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !pages.iter().any(|(n, _)| *n == name) {
            if bless {
                fs::remove_file(dir.join(&name)).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(stale.is_empty(), "stale man pages {stale:?}: run `CTUNE_BLESS=1 cargo test --test integration man` and commit man/");
}

fn text(roff: &[u8]) -> String {
    // Roff escapes that matter for searching: \- is a hyphen, \fB..\fR fonts, quoted headings.
    String::from_utf8_lossy(roff)
        .replace("\\-", "-")
        .replace("\\fB", "")
        .replace("\\fI", "")
        .replace("\\fR", "")
        .replace("\\fP", "")
        .replace("\\*(Aq", "'")
        .replace("\\(aq", "'")
        .lines()
        .map(|l| match l.strip_prefix(".SH \"") {
            Some(h) => format!(".SH {}", h.trim_end_matches('"')),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_page_has_its_sections_and_the_global_options() {
    let pages = ctune::cli::man::pages();
    let commands = pages.iter().filter(|(n, _)| n.ends_with(".1"));
    let mut n = 0;
    for (name, roff) in commands {
        n += 1;
        let t = text(roff);
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH DESCRIPTION",
            ".SH EXIT STATUS",
            ".SH ENVIRONMENT",
            ".SH FILES",
            ".SH EXAMPLES",
            ".SH SEE ALSO",
            ".SH GLOBAL OPTIONS",
        ] {
            assert!(t.contains(section), "{name}: no {section}\n{t}");
        }
        for opt in ["--root", "--path", "--assume", "--color"] {
            assert!(t.contains(opt), "{name}: no {opt}");
        }
        let no_document = ["ctune-exec.1", "ctune-snapshot.1", "ctune-completions.1"];
        assert_eq!(
            t.contains("--format"),
            !no_document.contains(&name.as_str()),
            "{name}: --format only where the command takes one"
        );
        // The synopsis is how the command is typed: `ctune profiles show`, not the page name.
        let typed = name.trim_end_matches(".1").replace('-', " ");
        let synopsis = t
            .split(".SH SYNOPSIS")
            .nth(1)
            .and_then(|s| s.lines().nth(1))
            .unwrap_or("");
        assert!(
            synopsis.starts_with(&format!("{typed} ")) || synopsis == typed,
            "{name}: synopsis {synopsis:?}"
        );
    }
    assert!(n >= 10, "only {n} command pages");
}

#[test]
fn doctor_and_lint_list_every_finding_with_its_fix() {
    let pages = ctune::cli::man::pages();
    for page in ["ctune-doctor.1", "ctune-lint.1", "ctune.1"] {
        let (_, roff) = pages.iter().find(|(n, _)| n == page).expect(page);
        let t = text(roff);
        assert!(t.contains(".SH FINDINGS"), "{page}");
        for r in ctune::findings::RULES.iter() {
            assert!(t.contains(r.id), "{page}: no {}", r.id);
            let start: String = r.help.chars().take(40).collect();
            assert!(t.contains(&start), "{page}: no fix for {}", r.id);
        }
    }
}

#[test]
fn no_reference_to_a_page_that_is_not_shipped() {
    let pages = ctune::cli::man::pages();
    let shipped: Vec<String> = pages
        .iter()
        .map(|(n, _)| {
            let (stem, sec) = n.rsplit_once('.').unwrap();
            format!("{stem}({sec})")
        })
        .collect();
    assert!(shipped.contains(&"ctune-profile(5)".to_owned()));
    assert!(shipped.contains(&"ctune-profiles-show(1)".to_owned()));
    for (name, roff) in &pages {
        let t = text(roff);
        let mut rest = t.as_str();
        while let Some(i) = rest.find("ctune") {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(tail.len());
            if tail[end..].starts_with('(') && tail[end..].chars().nth(2) == Some(')') {
                let reference = &tail[..end + 3];
                assert!(
                    shipped.iter().any(|s| s == reference),
                    "{name} refers to {reference}, which is not shipped"
                );
            }
            rest = &tail[end.max(1)..];
        }
        assert!(!t.contains("ctune-help"), "{name}");
    }
}

#[test]
fn the_profile_page_documents_every_setting() {
    let pages = ctune::cli::man::pages();
    let (_, roff) = pages
        .iter()
        .find(|(n, _)| n == "ctune-profile.5")
        .expect("ctune-profile.5");
    let t = text(roff);
    let default = ctune::jvm::profile::load("default", &[]).unwrap();
    let toml = toml::to_string(&default).unwrap();
    let mut section = String::new();
    let mut n = 0;
    for line in toml.lines() {
        if let Some(s) = line.strip_prefix('[') {
            section = s.trim_end_matches(']').to_owned();
            assert!(t.contains(&format!(".SH [{section}]")), "no [{section}]");
        } else if let Some((key, _)) = line.split_once(" = ") {
            n += 1;
            let documented = if section.is_empty() {
                t.contains(&format!("\n{key}\n"))
            } else {
                t.contains(&format!("\n{key} (default:"))
            };
            assert!(documented, "{section}.{key} undocumented");
        }
    }
    assert!(n > 10, "{n} settings");
}

#[test]
fn completions_offer_the_real_values() {
    let out = crate::common::run_ok(crate::common::ctune().args(["completions", "bash"]));
    let bash = String::from_utf8(out.stdout).unwrap();
    // The case for an option's value: `--profile)` ... `;;`.
    let case = |opt: &str| -> String {
        let mut found = String::new();
        for block in bash.split(&format!("{opt})")).skip(1) {
            found.push_str(block.split(";;").next().unwrap_or(""));
        }
        assert!(!found.is_empty(), "no case for {opt}");
        found
    };
    let profile = case("--profile");
    for name in ctune::jvm::profile::builtin_names() {
        assert!(profile.contains(name), "--profile: no {name}: {profile}");
    }
    assert!(
        !profile.contains("compgen -f"),
        "--profile offers file names: {profile}"
    );
    let allow = case("--allow");
    for r in ctune::findings::RULES.iter() {
        assert!(allow.contains(r.id), "--allow: no {}", r.id);
    }
    assert!(!allow.contains("compgen -f"), "--allow offers file names");
    let format = case("--format");
    for f in [
        "table",
        "json",
        "sarif",
        "junit",
        "github",
        "spark-conf",
        "toml",
    ] {
        assert!(format.contains(f), "--format: no {f}");
    }
    assert!(!format.contains("compgen -f"), "--format offers file names");
    let color = case("--color");
    assert!(color.contains("auto always never"), "{color}");
}
