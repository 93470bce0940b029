//! `/proc/self/cgroup` (cgroups(7)): `HIERARCHY-ID:CONTROLLER-LIST:PATH` per line.
//!
//! Split at the first two colons only: systemd unit names put `:` in PATH. Only hierarchy id `0`
//! is cgroup v2; v1 also has named hierarchies (`1:name=systemd:/...`) and lines with an empty
//! controller list (`12::/`) that are *not* v2.

use super::{quote, ParseError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupLine {
    pub hierarchy_id: u32,
    /// Controller tokens, `name=systemd` included; empty for v2 and for empty v1 lines.
    pub controllers: Vec<String>,
    pub path: String,
}

impl CgroupLine {
    pub fn is_v2(&self) -> bool {
        self.hierarchy_id == 0 && self.controllers.is_empty()
    }

    pub fn has_controller(&self, name: &str) -> bool {
        self.controllers.iter().any(|c| c == name)
    }
}

/// Parse every line; a line that does not fit is an error for the whole file, because a
/// misread membership would send the walk to the wrong directory.
pub fn parse(text: &str) -> Result<Vec<CgroupLine>, ParseError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ':');
        let (id, ctl, path) = match (parts.next(), parts.next(), parts.next()) {
            (Some(id), Some(ctl), Some(path)) => (id, ctl, path),
            _ => {
                return Err(ParseError(format!(
                    "line {}: expected 'ID:CONTROLLERS:PATH', found {}",
                    i + 1,
                    quote(line)
                )))
            }
        };
        let hierarchy_id = id.trim().parse().map_err(|_| {
            ParseError(format!(
                "line {}: hierarchy id {} is not a number",
                i + 1,
                quote(id)
            ))
        })?;
        if !path.starts_with('/') {
            return Err(ParseError(format!(
                "line {}: cgroup path {} is not absolute",
                i + 1,
                quote(path)
            )));
        }
        out.push(CgroupLine {
            hierarchy_id,
            controllers: ctl
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            path: path.to_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colons_in_path_and_empty_v1_lines() {
        let l = parse("12::/\n11:cpu,cpuacct:/\n1:name=systemd:/system.slice/sshd@1-10.0.0.1:22-10.0.0.2:3.service\n0::/x\n")
            .unwrap();
        assert!(!l[0].is_v2());
        assert!(l[1].has_controller("cpuacct"));
        assert_eq!(
            l[2].path,
            "/system.slice/sshd@1-10.0.0.1:22-10.0.0.2:3.service"
        );
        assert!(l[3].is_v2());
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse("abc").is_err());
        assert!(parse("x:cpu:/").is_err());
        assert!(parse("1:cpu:relative").is_err());
    }
}
