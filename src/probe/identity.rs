//! Who the process is: ids from `/proc/self/status`, the passwd entry parsed from the inspected
//! system's `/etc/passwd` (or an nss_wrapper file), `$HOME`, and the user namespace mapping.

use super::reader::Root;
use super::Shared;
use crate::facts::{env_lookup, Fact, IdentityFacts};
use crate::parse::{idmap, passwd};

/// The real id (first field) of a `Uid:` or `Gid:` line.
fn real_id(shared: &Shared, key: &str) -> Fact<u32> {
    let Some(k) = shared.status() else {
        return Fact::Unknown(shared.status.as_ref().err().cloned().unwrap_or_default());
    };
    match k.get(key) {
        None => Fact::Unknown(format!("/proc/self/status: no '{key}:' line")),
        Some(v) => v
            .split_ascii_whitespace()
            .next()
            .and_then(|f| f.parse().ok())
            .map(Fact::Known)
            .unwrap_or_else(|| {
                Fact::Unknown(format!("/proc/self/status: '{key}:' is not a list of ids"))
            }),
    }
}

/// The nss_wrapper passwd and group files, when the wrapper is preloaded and its library is
/// present: then the glibc JVM (and `id -gn`) sees the entries in those files.
fn nss_wrapper_files(root: &Root, env: &[(String, String)]) -> Option<(String, String)> {
    let preload = env_lookup(env, "LD_PRELOAD")?;
    let lib = preload
        .split([' ', ':'])
        .find(|l| l.contains("libnss_wrapper"))?;
    let present = if lib.starts_with('/') {
        root.is_file(lib)
    } else {
        [
            "/usr/lib64",
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/usr/lib",
            "/lib64",
        ]
        .iter()
        .any(|d| root.is_file(&format!("{d}/{lib}")))
    };
    let passwd = env_lookup(env, "NSS_WRAPPER_PASSWD")?;
    let group = env_lookup(env, "NSS_WRAPPER_GROUP")?;
    present.then(|| (passwd.to_owned(), group.to_owned()))
}

/// Whether `uid` (with primary group `gid`) may write to the directory `home`, from its owner
/// and mode bits (root may write anywhere). A home that does not exist (live) is not writable
/// either.
///
/// Under `--root` (a snapshot) owner and mode are the snapshot taker's, not the system's: only
/// a home of `/` for a uid other than 0 is judged (the root directory of an image is root's,
/// podman's `--user UID` entry); anything else is unknown.
fn home_writable(root: &Root, home: &str, uid: u32, gid: Option<u32>) -> Fact<bool> {
    if uid == 0 {
        return Fact::Known(true);
    }
    if !root.is_live() {
        return if home == "/" {
            Fact::Known(false)
        } else {
            Fact::Unknown(format!(
                "home directory {home}: owner and mode are not kept in a snapshot"
            ))
        };
    }
    match root.owner_and_mode(home) {
        Ok((owner, group, mode, is_dir)) => {
            Fact::Known(is_dir && may_write(uid, gid, owner, group, mode))
        }
        Err(e) if e.is_not_found() => Fact::Known(false),
        Err(e) => Fact::Unknown(format!("home directory {home}: {e}")),
    }
}

/// The permission bits' answer to "may `uid` write here" (ACLs aside).
fn may_write(uid: u32, gid: Option<u32>, owner: u32, group: u32, mode: u32) -> bool {
    uid == 0
        || (owner == uid && mode & 0o200 != 0)
        || (owner != uid && gid == Some(group) && mode & 0o020 != 0)
        || (owner != uid && gid != Some(group) && mode & 0o002 != 0)
}

/// `lean` (exec) skips the group name and the user-namespace mapping, which the advice does
/// not use.
pub(super) fn collect(root: &Root, shared: &Shared, lean: bool) -> IdentityFacts {
    let uid = real_id(shared, "Uid");
    let gid = real_id(shared, "Gid");
    let mut user = None;
    let mut passwd_source = None;
    let mut passwd_home = None;
    let wrapper = nss_wrapper_files(root, &shared.env);
    // No entry only when every passwd file was read (or is not there) and none has one.
    let mut passwd_entry = Fact::Unknown(match &uid {
        Fact::Unknown(r) => format!("uid unknown ({r})"),
        _ => "uid unknown".to_owned(),
    });
    if let Fact::Known(u) = uid {
        let mut sources = vec!["/etc/passwd".to_owned()];
        if let Some((f, _)) = &wrapper {
            sources.push(f.clone());
        }
        let mut unread = Vec::new();
        for src in sources {
            match root.read_string(&src) {
                Ok(t) => {
                    if let Some(e) = passwd::find_uid(&t, u) {
                        user = Some(e.name);
                        passwd_source = Some(src);
                        passwd_home = e.home.filter(|h| !h.is_empty());
                        break;
                    }
                }
                // A file that is not there has no entry (getpwuid finds none either).
                Err(e) if e.is_not_found() => {}
                Err(e) => unread.push(format!("{src}: {e}")),
            }
        }
        passwd_entry = if user.is_some() {
            Fact::Known(true)
        } else if unread.is_empty() {
            Fact::Known(false)
        } else {
            Fact::Unknown(unread.join("; "))
        };
    }
    let passwd_home_writable = match (&passwd_home, &uid) {
        (Some(h), Fact::Known(u)) => home_writable(root, h, *u, gid.known().copied()),
        _ => Fact::NotApplicable,
    };
    let group = match gid {
        Fact::Known(_) if lean => None,
        Fact::Known(g) => {
            // As getgrgid with nss_wrapper: /etc/group, then the wrapper's file.
            let mut files = vec!["/etc/group".to_owned()];
            if let Some((_, f)) = &wrapper {
                files.push(f.clone());
            }
            files.iter().find_map(|f| {
                root.read_string(f)
                    .ok()
                    .and_then(|t| passwd::find_gid(&t, g))
            })
        }
        _ => None,
    };
    let map = if lean {
        Err(super::NOT_PROBED.to_owned())
    } else {
        root.read_string("/proc/self/uid_map")
            .map_err(|e| e.to_string())
            .and_then(|t| idmap::parse(&t).map_err(|e| format!("/proc/self/uid_map: {e}")))
    };
    let (user_namespace, host_uid) = match (&map, &uid) {
        (Ok(m), Fact::Known(u)) => (
            Fact::Known(!idmap::is_identity(m)),
            idmap::outside_id(m, *u)
                .map(Fact::Known)
                .unwrap_or_else(|| {
                    Fact::Unknown(format!("uid {u} is not mapped in /proc/self/uid_map"))
                }),
        ),
        (Ok(m), _) => (
            Fact::Known(!idmap::is_identity(m)),
            Fact::Unknown("uid unknown".into()),
        ),
        (Err(e), _) => (Fact::Unknown(e.clone()), Fact::Unknown(e.clone())),
    };
    IdentityFacts {
        uid,
        gid,
        passwd_entry,
        user,
        group,
        passwd_source,
        passwd_home,
        passwd_home_writable,
        home: env_lookup(&shared.env, "HOME").map(str::to_owned),
        user_namespace,
        host_uid,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn write_permission_from_owner_and_mode() {
        use super::may_write;
        assert!(may_write(0, Some(0), 0, 0, 0o755));
        assert!(!may_write(4242, Some(4242), 0, 0, 0o755));
        assert!(may_write(4242, Some(0), 0, 0, 0o775));
        assert!(may_write(4242, Some(4242), 0, 0, 0o1777));
        assert!(may_write(4242, Some(1), 4242, 0, 0o700));
        assert!(!may_write(4242, Some(0), 4242, 0, 0o070));
    }
}
