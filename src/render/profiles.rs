//! `ctune profiles` (the built-in workload profiles, one line each) and `ctune profiles show
//! NAME` (one profile, resolved, as TOML a user can copy into a file, or as JSON).

use super::json::{pretty, SCHEMA_VERSION};
use super::text::wrap;
use crate::jvm::profile::Profile;
use serde::Serialize;

/// The list for a person: name, then the description wrapped beside it within `width`.
pub fn list(profiles: &[Profile], width: usize) -> String {
    let name_w = profiles.iter().map(|p| p.name.len()).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for p in profiles {
        let lines = wrap(&p.description, width, name_w, name_w);
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                out.push_str(&format!("{:<name_w$}{}", p.name, &l[name_w.min(l.len())..]));
            } else {
                out.push_str(l);
            }
            out.push('\n');
        }
    }
    out.push('\n');
    for l in wrap(
        "`ctune profiles show NAME` prints one; `ctune jvm --profile FILE.toml` takes your own; \
         man 5 ctune-profile describes every setting.",
        width,
        0,
        0,
    ) {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct Entry<'a> {
    name: &'a str,
    description: &'a str,
}

#[derive(Serialize)]
struct ListDoc<'a> {
    schema_version: u32,
    profiles: Vec<Entry<'a>>,
}

/// `ctune profiles --format json`: `{schema_version, profiles: [{name, description}]}`.
pub fn list_json(profiles: &[Profile]) -> String {
    pretty(&ListDoc {
        schema_version: SCHEMA_VERSION,
        profiles: profiles
            .iter()
            .map(|p| Entry {
                name: &p.name,
                description: &p.description,
            })
            .collect(),
    })
}

#[derive(Serialize)]
struct ShowDoc<'a> {
    schema_version: u32,
    name: &'a str,
    #[serde(flatten)]
    profile: &'a Profile,
}

/// `ctune profiles show NAME --format json`: the resolved profile, with its name.
pub fn show_json(p: &Profile) -> String {
    pretty(&ShowDoc {
        schema_version: SCHEMA_VERSION,
        name: &p.name,
        profile: p,
    })
}

/// `ctune profiles show NAME`: the resolved profile as TOML. A string value too long for
/// `width` is written as a multi-line string whose line ends are escaped, which TOML reads
/// back as the very same one-line value.
pub fn show_toml(p: &Profile, width: usize) -> Result<String, toml::ser::Error> {
    let body = toml::to_string(p)?;
    let mut out = String::new();
    for l in wrap(
        &format!(
            "profile {} (resolved: extends and defaults applied)",
            p.name
        ),
        width.saturating_sub(2),
        0,
        2,
    ) {
        out.push_str(&format!("# {l}\n"));
    }
    for line in body.lines() {
        out.push_str(&fold_string(line, width));
        out.push('\n');
    }
    Ok(out)
}

/// `key = "a long value"` wider than `width` as `key = """\` + wrapped lines ending in `\` +
/// `"""`; any other line as it is.
fn fold_string(line: &str, width: usize) -> String {
    let Some((key, value)) = line.split_once(" = \"") else {
        return line.to_owned();
    };
    if line.chars().count() <= width
        || !value.ends_with('"')
        || value.contains('\\')
        || value.contains("\"\"")
    {
        return line.to_owned();
    }
    let text = &value[..value.len() - 1];
    // Each wrapped line but the last ends in " \": the space is part of the value, the
    // backslash eats the line break and the next line's indentation.
    let lines = wrap(text, width.saturating_sub(2), 2, 2);
    let n = lines.len();
    let mut out = format!("{key} = \"\"\"\\\n");
    for (i, l) in lines.into_iter().enumerate() {
        if i + 1 < n {
            out.push_str(&format!("{l} \\\n"));
        } else {
            out.push_str(&format!("{l}\"\"\""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folded_string_reads_back_as_the_same_value() {
        let mut p = crate::jvm::profile::load("default", &[]).expect("default");
        p.description = "word ".repeat(40).trim_end().to_owned();
        for width in [40, 60, 80] {
            let text = show_toml(&p, width).expect("toml");
            for l in text.lines() {
                assert!(l.chars().count() <= width, "{width}: {l:?}");
            }
            let back: Profile = toml::from_str(&text).expect("reads back");
            assert_eq!(back.description, p.description, "{text}");
        }
    }
}
