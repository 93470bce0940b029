//! Which environment variable names look like they hold a secret.
//!
//! Used by the snapshot (to replace values before they are written) and by the findings (to
//! name, never print, such variables). A name is split at `_`; it is secret-looking when a part
//! is one of the words below, or two neighbouring parts form `API_KEY`, `ACCESS_KEY` or
//! `PRIVATE_KEY`. Names ending in `_FILE` or `_PATH` point at a file that holds the secret (the
//! Docker secrets convention), so their values are paths, not secrets.

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
    if matches!(parts.last(), Some(&"FILE") | Some(&"PATH")) {
        return false;
    }
    parts.iter().any(|p| WORDS.contains(p))
        || parts
            .windows(2)
            .any(|w| PAIRS.iter().any(|(a, b)| w[0] == *a && w[1] == *b))
}

#[cfg(test)]
mod tests {
    use super::is_secret_name;

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
        ] {
            assert!(!is_secret_name(s), "{s}");
        }
    }
}
