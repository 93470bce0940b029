//! An image's facts as a static [`Target`], so the same advisor and checks run on it: the JDK
//! from the `release` file of the Java home it will run (`JAVA_HOME`, the command line's
//! `java`, `PATH`), the uid from `config.User` through the image's own `/etc/passwd`, the JVM
//! options from `Env` and `Entrypoint`/`Cmd`.

use super::view::{JavaHome, View};
use super::{ChosenJdk, Image, ImageUser};
use crate::jvm::options::{split_options, ENV_SOURCES};
use crate::sources::{At, EnvVar, Object, Pos, Site, Target};

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn home_of(homes: &[JavaHome], v: &View, dir: &str) -> Option<JavaHome> {
    let dir = dir.trim_end_matches('/');
    let mut tries = vec![format!("{dir}/release")];
    // JDK 8: `java` in `HOME/jre/bin`, the release file in HOME.
    if let Some(up) = dir.strip_suffix("/jre") {
        tries.push(format!("{up}/release"));
    }
    tries.iter().find_map(|t| {
        let real = v.resolve(t)?;
        homes
            .iter()
            .find(|h| h.release == format!("/{real}"))
            .cloned()
    })
}

/// The Java home the image will run, and why that one.
pub fn choose_jdk(
    v: &View,
    homes: &[JavaHome],
    env: &[(String, String)],
    command: &[String],
    notes: &mut Vec<String>,
) -> Option<ChosenJdk> {
    let var = |k: &str| {
        env.iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, x)| x.as_str())
    };
    let pick = |home: JavaHome, by: String| {
        Some(ChosenJdk {
            home,
            chosen_by: by,
        })
    };
    if let Some(jh) = var("JAVA_HOME").filter(|s| !s.is_empty()) {
        if let Some(h) = home_of(homes, v, jh) {
            return pick(h, "JAVA_HOME".into());
        }
        notes.push(format!(
            "JAVA_HOME={jh}: no release file there in the image"
        ));
    }
    let (java, _) = crate::sources::find_java(command);
    if let Some(first) = java.first().filter(|w| w.starts_with('/')) {
        if let Some(bin) = first
            .strip_suffix("/java")
            .and_then(|d| d.strip_suffix("/bin"))
        {
            if let Some(h) = home_of(homes, v, bin) {
                return pick(h, format!("the command line ({first})"));
            }
        }
        if let Some(real) = v.resolve(first) {
            if let Some(bin) = real.strip_suffix("/bin/java") {
                if let Some(h) = home_of(homes, v, &format!("/{bin}")) {
                    return pick(h, format!("the command line ({first})"));
                }
            }
        }
    }
    for dir in var("PATH").unwrap_or(DEFAULT_PATH).split(':') {
        if dir.is_empty() || !dir.starts_with('/') {
            continue;
        }
        let cand = format!("{}/java", dir.trim_end_matches('/'));
        if !v.exists(&cand) {
            continue;
        }
        let Some(real) = v.resolve(&cand) else {
            continue;
        };
        if let Some(bin) = real
            .strip_suffix("/bin/java")
            .or_else(|| (real == "bin/java").then_some(""))
        {
            if let Some(h) = home_of(homes, v, &format!("/{bin}")) {
                return pick(h, format!("PATH ({cand})"));
            }
        }
        notes.push(format!(
            "{cand} (first java on PATH) has no release file in its Java home"
        ));
        break;
    }
    match homes {
        [] => None,
        [one] => pick(one.clone(), "the only Java home in the image".into()),
        [first, ..] => {
            notes.push(format!(
                "{} Java homes and none on JAVA_HOME or PATH: took {}",
                homes.len(),
                first.home
            ));
            pick(first.clone(), "the first Java home in the image".into())
        }
    }
}

/// `config.User` (`name`, `uid`, `name:group`, `uid:gid`, empty = root) through the image's
/// `/etc/passwd`.
pub fn user_of(v: &View, user: &str, notes: &mut Vec<String>) -> ImageUser {
    let passwd = v.text("/etc/passwd");
    let name = user.split(':').next().unwrap_or("").trim();
    let entry_for = |uid: u32| {
        passwd
            .as_deref()
            .map(|p| crate::parse::passwd::find_uid(p, uid).is_some())
    };
    if name.is_empty() {
        return ImageUser {
            value: user.to_owned(),
            uid: Some(0),
            source: "config.User (unset: root)".into(),
            passwd_entry: entry_for(0),
        };
    }
    if let Ok(uid) = name.parse::<u32>() {
        let has = entry_for(uid);
        if has == Some(false) {
            notes.push(format!(
                "uid {uid} has no entry in the image's /etc/passwd (whoami, ssh, some JDK code paths fail)"
            ));
        }
        return ImageUser {
            value: user.to_owned(),
            uid: Some(uid),
            source: "config.User".into(),
            passwd_entry: has,
        };
    }
    let Some(p) = passwd else {
        notes.push(format!(
            "config.User {name}: the image has no /etc/passwd to resolve it (the runtime will refuse to start it)"
        ));
        return ImageUser {
            value: user.to_owned(),
            uid: None,
            source: "config.User (no /etc/passwd)".into(),
            passwd_entry: None,
        };
    };
    let found = crate::parse::passwd::entries(&p).find(|e| e.name == name);
    match found {
        Some(e) => ImageUser {
            value: user.to_owned(),
            uid: Some(e.id),
            source: format!("config.User {name} → /etc/passwd"),
            passwd_entry: Some(true),
        },
        None => {
            notes.push(format!(
                "config.User {name} is not in the image's /etc/passwd: the runtime will refuse to start it (unable to find user {name})"
            ));
            ImageUser {
                value: user.to_owned(),
                uid: None,
                source: format!("config.User {name} (not in /etc/passwd)"),
                passwd_entry: Some(false),
            }
        }
    }
}

/// The target an image is: everything at line 1 of the archive (the evidence names the config
/// field or layer file).
pub fn to_target(img: &Image) -> Target {
    let pos = Pos { line: 1, column: 1 };
    let name = img.reference.clone().unwrap_or_else(|| img.config.clone());
    let mut t = Target {
        object: Object {
            kind: "Image".into(),
            name: Some(name.clone()),
            namespace: None,
            container: None,
        },
        pos,
        image: Some(At::new(name, pos)),
        ..Target::default()
    };
    if let Some(j) = &img.jdk {
        t.jdk = j.home.version.clone();
        t.jdk_source = Some(format!("image archive: {}", j.home.release));
    }
    for (k, v) in &img.env {
        if ENV_SOURCES.contains(&k.as_str()) || k == "_JAVA_OPTIONS" {
            for w in split_options(v) {
                t.sites.push(Site {
                    source: k.clone(),
                    text: w,
                    pos,
                });
            }
        }
        if crate::sources::secret_name(k) && !v.is_empty() {
            t.secrets.push(At::new(k.clone(), pos));
        }
        t.env.push(EnvVar {
            name: k.clone(),
            value: Some(v.clone()),
            name_pos: pos,
            value_pos: pos,
        });
    }
    match img.user.uid {
        Some(u) => t.uid = Some(At::new(u, pos)),
        None if !img.user.value.is_empty() => {
            t.user_name = Some(At::new(img.user.value.clone(), pos));
        }
        None => {}
    }
    let line: Vec<(String, Pos)> = img
        .entrypoint
        .iter()
        .flatten()
        .chain(img.cmd.iter().flatten())
        .map(|w| (w.clone(), pos))
        .collect();
    crate::sources::k8s::set_command(&line, &mut t);
    t.notes = img.notes.clone();
    if t.java_command.is_empty() {
        if let Some((first, _)) = line.first() {
            t.notes.push(format!(
                "the entrypoint runs {first}, not java: the JVM options a start script adds are not visible"
            ));
        }
    }
    if t.ctune_exec.is_some() && img.ctune_binary.is_none() {
        t.notes
            .push("the entrypoint is `ctune exec` but no ctune binary is in the image".into());
    }
    t.image_archive = Some(Box::new(img.clone()));
    t
}

/// The evidence line naming the image, and the config field or layer file behind a finding.
pub fn evidence(img: &Image, id: &str) -> String {
    let label = img.label();
    let jdk = || match &img.jdk {
        Some(j) => format!(
            "{}: JAVA_VERSION={} (chosen by {})",
            j.home.release,
            j.home.version.as_deref().unwrap_or("?"),
            j.chosen_by
        ),
        None => "no Java home with a release file in the layers".into(),
    };
    let what = match id {
        "running-as-root" | "uid-without-passwd-entry" => format!(
            "{} = {:?} → uid {}",
            img.user.source,
            img.user.value,
            img.user.uid.map_or("unknown".to_owned(), |u| u.to_string())
        ),
        "jvm-blind-to-cgroup" | "jvm-without-container-support" | "cpu-count-from-shares" => jdk(),
        "secret-in-environment" => "config.Env".into(),
        _ => {
            let opts: Vec<&str> = img
                .env
                .iter()
                .filter(|(k, _)| ENV_SOURCES.contains(&k.as_str()) || k == "_JAVA_OPTIONS")
                .map(|(k, _)| k.as_str())
                .collect();
            let mut parts = Vec::new();
            if !opts.is_empty() {
                parts.push(format!("config.Env {}", opts.join(", ")));
            }
            if img.entrypoint.is_some() || img.cmd.is_some() {
                parts.push("config.Entrypoint/Cmd".into());
            }
            parts.push(jdk());
            parts.join("; ")
        }
    };
    format!("{label}: {what}")
}
