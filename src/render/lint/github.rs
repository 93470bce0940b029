//! `ctune lint --format github`: GitHub Actions workflow commands (annotations).

use super::{verdict, Report};
use crate::findings::Severity;

/// Escape an annotation's message (`%`, CR, LF).
pub fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape an annotation property (`file`, `title`): the message's escapes plus `:` and `,`.
pub fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command per finding (`::warning file=k8s/app.yaml,line=23,col=17,title=ctune
/// ID: title::message`; the live system's point at `--artifact`, line 1), `info` as `::notice`, then a
/// plain verdict line for the log.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for l in r.active() {
        let x = &l.finding;
        let cmd = match x.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (path, line, col) = r.position(l);
        let col = col.map(|c| format!(",col={c}")).unwrap_or_default();
        let mut msg = match &l.place {
            Some(p) => format!("[{}] ", p.object.label()),
            None => String::new(),
        };
        msg.push_str(&format!("{}\n\nFix: {}", x.detail, x.fix));
        for e in &x.evidence {
            msg.push_str(&format!("\nEvidence: {e}"));
        }
        out.push_str(&format!(
            "::{cmd} file={},line={line}{col},title={}::{}\n",
            gh_escape_property(path),
            gh_escape_property(&format!("ctune {}: {}", x.id(), x.title)),
            gh_escape_data(&msg)
        ));
    }
    // The verdict, as a plain log line (not a workflow command).
    out.push_str(&verdict(r));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(gh_escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(gh_escape_property("a: b, c"), "a%3A b%2C c");
    }
}
