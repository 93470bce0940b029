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

/// The nss_wrapper passwd file, when the wrapper is preloaded and its library is present:
/// then the glibc JVM sees the entries in that file.
fn nss_wrapper_passwd(root: &Root, env: &[(String, String)]) -> Option<String> {
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
    let file = env_lookup(env, "NSS_WRAPPER_PASSWD")?;
    (present && env_lookup(env, "NSS_WRAPPER_GROUP").is_some()).then(|| file.to_owned())
}

/// `lean` (exec) skips the group name and the user-namespace mapping, which the advice does
/// not use.
pub(super) fn collect(root: &Root, shared: &Shared, lean: bool) -> IdentityFacts {
    let uid = real_id(shared, "Uid");
    let gid = real_id(shared, "Gid");
    let mut user = None;
    let mut passwd_source = None;
    if let Fact::Known(u) = uid {
        let mut sources = vec!["/etc/passwd".to_owned()];
        if let Some(f) = nss_wrapper_passwd(root, &shared.env) {
            sources.push(f);
        }
        for src in sources {
            if let Some(e) = root
                .read_string(&src)
                .ok()
                .and_then(|t| passwd::find_uid(&t, u))
            {
                user = Some(e.name);
                passwd_source = Some(src);
                break;
            }
        }
    }
    let group = match gid {
        Fact::Known(_) if lean => None,
        Fact::Known(g) => root
            .read_string("/etc/group")
            .ok()
            .and_then(|t| passwd::find_gid(&t, g)),
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
            !idmap::is_identity(m),
            idmap::outside_id(m, *u)
                .map(Fact::Known)
                .unwrap_or_else(|| {
                    Fact::Unknown(format!("uid {u} is not mapped in /proc/self/uid_map"))
                }),
        ),
        (Ok(m), _) => (!idmap::is_identity(m), Fact::Unknown("uid unknown".into())),
        (Err(e), _) => (false, Fact::Unknown(e.clone())),
    };
    IdentityFacts {
        uid,
        gid,
        passwd_entry: user.is_some(),
        user,
        group,
        passwd_source,
        home: env_lookup(&shared.env, "HOME").map(str::to_owned),
        user_namespace,
        host_uid,
    }
}
