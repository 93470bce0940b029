//! Capability masks of `/proc/self/status` (`CapEff: 000001ffffffffff`): bit n = capability n.

use super::{quote, ParseError};

/// Names by bit number (linux/capability.h), lower case as capabilities(7) and `capsh` print.
pub const NAMES: [&str; 41] = [
    "cap_chown",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_linux_immutable",
    "cap_net_bind_service",
    "cap_net_broadcast",
    "cap_net_admin",
    "cap_net_raw",
    "cap_ipc_lock",
    "cap_ipc_owner",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_chroot",
    "cap_sys_ptrace",
    "cap_sys_pacct",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_nice",
    "cap_sys_resource",
    "cap_sys_time",
    "cap_sys_tty_config",
    "cap_mknod",
    "cap_lease",
    "cap_audit_write",
    "cap_audit_control",
    "cap_setfcap",
    "cap_mac_override",
    "cap_mac_admin",
    "cap_syslog",
    "cap_wake_alarm",
    "cap_block_suspend",
    "cap_audit_read",
    "cap_perfmon",
    "cap_bpf",
    "cap_checkpoint_restore",
];

/// The names of the capabilities set in a hex mask; bits past the table are `cap_N`.
pub fn names(hex: &str) -> Result<Vec<String>, ParseError> {
    let t = hex.trim();
    let mask = u64::from_str_radix(t, 16).map_err(|_| {
        ParseError(format!(
            "expected a hexadecimal capability mask, found {}",
            quote(t)
        ))
    })?;
    Ok((0..64)
        .filter(|b| mask & (1u64 << b) != 0)
        .map(|b| {
            NAMES
                .get(b)
                .map_or_else(|| format!("cap_{b}"), |n| (*n).to_owned())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn docker_default_set() {
        let n = super::names("00000000a80425fb").unwrap();
        assert_eq!(n.len(), 14);
        assert!(n.contains(&"cap_net_bind_service".to_owned()));
        assert!(!n.contains(&"cap_sys_admin".to_owned()));
        assert_eq!(super::names("000001ffffffffff").unwrap().len(), 41);
        assert!(super::names("zz").is_err());
    }
}
