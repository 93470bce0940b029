//! `/etc/passwd` and `/etc/group` (passwd(5), group(5)).
//!
//! Parsed directly rather than through `getpwuid`, so a snapshot and a `--root` give the same
//! answer as the live system and a static binary does not depend on NSS modules. Blank lines,
//! comments and NIS `+`/`-` lines are skipped; the first entry for a uid wins, as in glibc.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub id: u32,
    pub gid: Option<u32>,
    pub home: Option<String>,
}

/// Find the first passwd entry with this uid. Malformed lines are skipped.
pub fn find_uid(text: &str, uid: u32) -> Option<Entry> {
    entries(text).find(|e| e.id == uid)
}

/// Find the first group entry with this gid (`name:pw:gid:members`).
pub fn find_gid(text: &str, gid: u32) -> Option<String> {
    text.lines()
        .filter(|l| usable(l))
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let _pw = f.next()?;
            let id: u32 = f.next()?.trim().parse().ok()?;
            (id == gid && !name.is_empty()).then(|| name.to_owned())
        })
        .next()
}

fn usable(l: &str) -> bool {
    let t = l.trim_start();
    !(t.is_empty() || t.starts_with('#') || t.starts_with('+') || t.starts_with('-'))
}

/// The well-formed passwd entries of a file, in order.
pub fn entries(text: &str) -> impl Iterator<Item = Entry> + '_ {
    text.lines().filter(|l| usable(l)).filter_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 3 || f[0].is_empty() {
            return None;
        }
        Some(Entry {
            name: f[0].to_owned(),
            id: f[2].trim().parse().ok()?,
            gid: f.get(3).and_then(|g| g.trim().parse().ok()),
            home: f.get(5).filter(|h| !h.is_empty()).map(|h| (*h).to_owned()),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup() {
        let t = "# c\n\n+nis\nroot:x:0:0:root:/root:/bin/bash\nbad\nfirst:x:1000:1000::/home/a:/bin/sh\nsecond:x:1000:1000::/home/b:/bin/sh\n";
        assert_eq!(find_uid(t, 0).unwrap().home.as_deref(), Some("/root"));
        assert_eq!(find_uid(t, 1000).unwrap().name, "first");
        assert!(find_uid(t, 1000680000).is_none());
        assert_eq!(
            find_gid("root:x:0:\nstaff:x:50:a,b\n", 50).as_deref(),
            Some("staff")
        );
    }
}
