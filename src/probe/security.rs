//! Privileges: effective capabilities, seccomp and no_new_privs from `/proc/self/status`, and
//! the LSM label from `/proc/self/attr/current`.

use super::reader::Root;
use super::Shared;
use crate::facts::{Fact, Seccomp, SecurityFacts};
use crate::parse::caps;

pub(super) fn collect(root: &Root, shared: &Shared) -> SecurityFacts {
    let status = shared.status();
    let capabilities = match (&status, &shared.status) {
        (Some(k), _) => match k.get("CapEff") {
            Some(v) => caps::names(v)
                .map_err(|e| format!("/proc/self/status CapEff: {e}"))
                .into(),
            None => Fact::Unknown("/proc/self/status: no 'CapEff:' line".into()),
        },
        (None, Err(e)) => Fact::Unknown(e.clone()),
        (None, Ok(_)) => Fact::Unknown("/proc/self/status unreadable".into()),
    };
    let seccomp = status.as_ref().and_then(|k| match k.get("Seccomp")? {
        "0" => Some(Seccomp::Disabled),
        "1" => Some(Seccomp::Strict),
        "2" => Some(Seccomp::Filter),
        _ => None,
    });
    let no_new_privs = status.as_ref().and_then(|k| match k.get("NoNewPrivs")? {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    });
    SecurityFacts {
        capabilities,
        seccomp,
        no_new_privs,
        lsm: lsm(root),
    }
}

/// The label, `unconfined`, or None when no LSM answers (reading fails with EINVAL).
fn lsm(root: &Root) -> Option<String> {
    [
        "/proc/self/attr/current",
        "/proc/self/attr/apparmor/current",
    ]
    .iter()
    .find_map(|p| {
        let t = root.read_bytes(p).ok()?;
        let s = String::from_utf8_lossy(&t);
        let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        (!s.is_empty()).then(|| s.to_owned())
    })
}
