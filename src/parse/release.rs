//! A Java home's `release` file: `KEY="value"` lines (`JAVA_VERSION="17.0.15"`).

/// Look up one key; surrounding double quotes are removed.
pub fn get<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        if k.trim() != key {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        (!v.is_empty()).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let t = "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"17.0.15\"\nX=\n";
        assert_eq!(get(t, "JAVA_VERSION"), Some("17.0.15"));
        assert_eq!(get(t, "IMPLEMENTOR"), Some("Eclipse Adoptium"));
        assert_eq!(get(t, "X"), None);
        assert_eq!(get(t, "Y"), None);
    }
}
