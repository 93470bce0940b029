//! `/proc/PID/environ`: `NAME=value` entries separated by NUL bytes.
//!
//! Names and values may hold any byte but NUL. The probe only needs a handful of variables as
//! text, so values are decoded lossily here; `exec` passes the real environment through from
//! the process itself, never from this parse.

/// All entries, in order, decoded lossily. Entries without `=` are skipped.
pub fn parse(bytes: &[u8]) -> Vec<(String, String)> {
    bytes
        .split(|&b| b == 0)
        .filter_map(|e| {
            let eq = e.iter().position(|&b| b == b'=')?;
            if eq == 0 {
                return None;
            }
            Some((
                String::from_utf8_lossy(&e[..eq]).into_owned(),
                String::from_utf8_lossy(&e[eq + 1..]).into_owned(),
            ))
        })
        .collect()
}

/// The value put in place of a secret-looking variable's value in a snapshot.
pub const REDACTED: &[u8] = b"<redacted by ctune>";

/// Replace the values of secret-looking variables, keeping every other byte as it was.
pub fn redact(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, e) in bytes.split(|&b| b == 0).enumerate() {
        if i > 0 {
            out.push(0);
        }
        match e.iter().position(|&b| b == b'=') {
            Some(eq) if crate::secrets::is_secret_name(&String::from_utf8_lossy(&e[..eq])) => {
                out.extend_from_slice(&e[..=eq]);
                out.extend_from_slice(REDACTED);
            }
            _ => out.extend_from_slice(e),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_redact() {
        let raw = b"PATH=/bin\0DB_PASSWORD=hunter2\0BIN=\xff\xfe\0=x\0NOEQ\0";
        let v = parse(raw);
        assert_eq!(v[0], ("PATH".into(), "/bin".into()));
        assert_eq!(v.len(), 3);
        let r = redact(raw);
        assert!(!r.windows(7).any(|w| w == b"hunter2"));
        assert!(r.windows(8).any(|w| w == b"BIN=\xff\xfe\0="));
        assert_eq!(r.len(), raw.len() - 7 + REDACTED.len());
    }
}
