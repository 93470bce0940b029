//! Which environment variable names look like they hold a secret.
//!
//! Used by the snapshot (to replace values before they are written) and by the findings (to
//! name, never print, such variables). A name is split at `_`; it is secret-looking when a part
//! is one of the words below, or two neighbouring parts form `API_KEY`, `ACCESS_KEY` or
//! `PRIVATE_KEY`. Names that say where a secret lives are not secrets: `*_FILE` and `*_PATH`
//! (the Docker secrets convention: the value is a path), `NSS_WRAPPER_*` (nss_wrapper's
//! passwd and group files), and `*_SOCK`, `*_SOCKET`, `*_DIR` (an agent's socket,
//! `PASSWORD_STORE_DIR`).

const WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PASSPHRASE",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
];
const PAIRS: &[(&str, &str)] = &[("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY")];

pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let parts: Vec<&str> = upper.split('_').filter(|p| !p.is_empty()).collect();
    if matches!(
        parts.last(),
        Some(&"FILE") | Some(&"PATH") | Some(&"SOCK") | Some(&"SOCKET") | Some(&"DIR")
    ) || upper.starts_with("NSS_WRAPPER_")
    {
        return false;
    }
    parts.iter().any(|p| WORDS.contains(p))
        || parts
            .windows(2)
            .any(|w| PAIRS.iter().any(|(a, b)| w[0] == *a && w[1] == *b))
}

/// Whether a Java system property name looks like it holds a secret (`db.password`,
/// `javax.net.ssl.keyStorePassword`): its dotted, dashed and camelCase words checked as an
/// environment variable name would be.
pub fn is_secret_property(name: &str) -> bool {
    let mut s = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '.' || c == '-' {
            s.push('_');
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            s.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        s.push(c);
    }
    is_secret_name(&s)
}

/// For a `-Dname=value` argument whose name looks secret, the byte range of its value.
pub fn secret_property_value(arg: &[u8]) -> Option<std::ops::Range<usize>> {
    let rest = arg.strip_prefix(b"-D")?;
    let eq = rest.iter().position(|&b| b == b'=')?;
    let name = std::str::from_utf8(&rest[..eq]).ok()?;
    is_secret_property(name).then(|| 2 + eq + 1..arg.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties() {
        for p in [
            "db.password",
            "javax.net.ssl.keyStorePassword",
            "app.apiKey",
            "oauth.token",
        ] {
            assert!(is_secret_property(p), "{p}");
        }
        for p in [
            "app.name",
            "java.io.tmpdir",
            "user.home",
            "passwordFile.path",
        ] {
            assert!(!is_secret_property(p), "{p}");
        }
        assert_eq!(secret_property_value(b"-Ddb.password=x1"), Some(14..16));
        assert_eq!(secret_property_value(b"-Dapp.name=x"), None);
        assert_eq!(secret_property_value(b"-Xmx1g"), None);
    }

    #[test]
    fn names() {
        for s in [
            "DB_PASSWORD",
            "github_token",
            "AWS_SECRET_ACCESS_KEY",
            "STRIPE_API_KEY",
            "PASS",
            "X_AUTH",
        ] {
            assert!(is_secret_name(s), "{s}");
        }
        for s in [
            "PATH",
            "COMPASS",
            "DB_PASSWORD_FILE",
            "TOKEN_PATH",
            "HOME",
            "AUTHOR",
            "KEYBOARD",
            "API",
            // Where a secret lives, not the secret.
            "NSS_WRAPPER_PASSWD",
            "NSS_WRAPPER_GROUP",
            "SSH_AUTH_SOCK",
            "PASSWORD_STORE_DIR",
            "VAULT_TOKEN_SOCKET",
        ] {
            assert!(!is_secret_name(s), "{s}");
        }
    }
}
