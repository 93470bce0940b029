//! A finding where it was found: the one type every `lint` writer takes, for the live system
//! (no location: the finding is about the whole environment) and for files (the file, line,
//! column and object of the node that causes it).

use super::Finding;
use serde::Serialize;

/// `location` in JSON: 1-based line and column in `path` (as given on the command line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub column: u32,
}

/// Which object a file target belongs to (`object` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Object {
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub container: Option<String>,
}

impl Object {
    /// `Deployment/orders app`, `Dockerfile/runtime`.
    pub fn label(&self) -> String {
        let mut s = format!("{}/{}", self.kind, self.name.as_deref().unwrap_or("-"));
        if let Some(c) = &self.container {
            s.push(' ');
            s.push_str(c);
        }
        s
    }
}

/// Where in a file, and in which object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub location: Location,
    pub object: Object,
}

/// A finding, where it was found, and whether it is allowed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Located {
    #[serde(flatten)]
    pub finding: Finding,
    /// `None` on the live system.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// Why it is allowed (`--allow`, the annotation, `.ctune.toml`), when it is.
    #[serde(skip)]
    pub suppressed: Option<String>,
}

impl Located {
    /// A finding of the live system.
    pub fn live(finding: Finding) -> Self {
        Located {
            finding,
            place: None,
            suppressed: None,
        }
    }

    /// SARIF `partialFingerprints`: the id, and for a file the path and the object, so the
    /// same object in two files (overlays, copies) stays two alerts.
    pub fn fingerprint(&self) -> String {
        match &self.place {
            Some(p) => format!(
                "{}:{}:{}",
                self.finding.id(),
                p.location.path,
                p.object.label()
            ),
            None => self.finding.id().to_owned(),
        }
    }
}
