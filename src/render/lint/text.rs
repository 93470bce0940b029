//! `ctune lint --format text`: for a CI log. A finding in a file is one compiler-style line
//! (`PATH:LINE:COL: SEVERITY ID: title [object]`, hadolint's shape); one of the live system is a
//! block with why, the fix and the evidence. Then the verdict.

use super::{headline, verdict, Report};

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for l in r.active() {
        let x = &l.finding;
        if l.place.is_some() {
            out.push_str(&headline(l));
            out.push('\n');
            continue;
        }
        out.push_str(&format!(
            "{}[{}]: {}\n",
            x.severity.as_str(),
            x.id(),
            x.title
        ));
        out.push_str(&format!("  {}\n", x.detail));
        out.push_str(&format!("  fix: {}\n", x.fix));
        for e in &x.evidence {
            out.push_str(&format!("  evidence: {e}\n"));
        }
        out.push('\n');
    }
    if let Some(f) = &r.files {
        for (loc, msg) in f.problems {
            out.push_str(&format!(
                "{}:{}:{}: note: {msg}\n",
                loc.path, loc.line, loc.column
            ));
        }
    }
    out.push_str(&verdict(r));
    out
}
