//! `ctune lint --format junit`: JUnit XML for CI test reports, written by `quick-junit` (the
//! writer cargo-nextest uses), so escaping and characters XML cannot carry are its concern.

use super::{headline, Report};
use crate::findings::Located;
use quick_junit::{NonSuccessKind, Report as Junit, TestCase, TestCaseStatus, TestSuite};

fn finding_body(l: &Located) -> String {
    let x = &l.finding;
    let mut body = format!("{}\n\nfix: {}\n", x.detail, x.fix);
    for e in &x.evidence {
        body.push_str(&format!("evidence: {e}\n"));
    }
    body
}

/// One test suite per group (the live system, or each file target), one test case per check
/// the group can raise. A finding at or above `--fail-on` is a `<failure>`; one below it passes
/// with the finding as `<system-out>`; an allowed check is `<skipped>`. So `failures > 0`
/// exactly when lint exits 1.
pub fn render(r: &Report) -> String {
    let mut report = Junit::new("ctune");
    for g in r.groups() {
        let mut suite = TestSuite::new(g.name.clone());
        for rule in &g.rules {
            let found = g.findings.iter().copied().find(|l| l.finding.is(rule));
            let suppressed = found.and_then(|l| l.suppressed.clone()).or_else(|| {
                r.policy
                    .allows(rule)
                    .then(|| format!("allowed with --allow {}", rule.id))
            });
            let mut case = match found {
                _ if suppressed.is_some() => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(suppressed.unwrap_or_default());
                    TestCase::new(rule.id, s)
                }
                Some(l) if r.policy.fails(l.finding.severity) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_type(l.finding.severity.as_str())
                        .set_message(headline(l))
                        .set_description(finding_body(l));
                    TestCase::new(rule.id, s)
                }
                Some(l) => {
                    let mut c = TestCase::new(rule.id, TestCaseStatus::success());
                    c.set_system_out(format!(
                        "{}: {}\n{}",
                        l.finding.severity.as_str(),
                        headline(l),
                        finding_body(l)
                    ));
                    c
                }
                None => TestCase::new(rule.id, TestCaseStatus::success()),
            };
            case.set_classname(g.name.clone());
            case.extra.insert("file".into(), g.file.into());
            if let Some(p) = found.and_then(|l| l.place.as_ref()) {
                case.extra
                    .insert("line".into(), p.location.line.to_string().into());
                case.extra
                    .insert("column".into(), p.location.column.to_string().into());
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    // Writing into a String cannot fail on I/O; the writer refuses nothing we give it.
    let mut xml = report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- ctune: JUnit XML could not be written: {e} -->"));
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Finding, Severity, RULES};
    use crate::render::lint::{FailOn, Policy};

    #[test]
    fn characters_xml_cannot_carry_do_not_break_the_document() {
        let x = Located::live(Finding {
            rule: RULES.iter().copied().find(|r| r.applies.live()).unwrap(),
            severity: Severity::Error,
            title: "<a & 'b'>\u{1}".into(),
            detail: "d".into(),
            fix: "f".into(),
            evidence: vec![],
            at: None,
        });
        let p = Policy::new(Some(FailOn::Warning), None, &[]);
        let found = [x];
        let xml = render(&Report::live(&found, "deploy/app.yaml", &p));
        assert!(xml.contains("&lt;a &amp; &apos;b&apos;&gt;"), "{xml}");
        assert!(!xml.contains('\u{1}'), "{xml}");
        assert!(xml.contains("failures=\"1\""), "{xml}");
        quick_junit::Report::deserialize_from_str(&xml).expect("parses back");
    }
}
