//! `ctune lint --format junit`: JUnit XML for CI test reports, written by `quick-junit` (the
//! writer cargo-nextest uses), so escaping and characters XML cannot carry are its concern.

use super::Policy;
use crate::findings::{Finding, RULES};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

fn finding_body(x: &Finding) -> String {
    let mut body = format!("{}\n\nfix: {}\n", x.detail, x.fix);
    for e in &x.evidence {
        body.push_str(&format!("evidence: {e}\n"));
    }
    body
}

/// One test case per check in the catalogue. A finding at or above `--fail-on` is a
/// `<failure>`; one below it passes with the finding as `<system-out>`; an `--allow`ed check is
/// `<skipped>`. So `failures > 0` exactly when lint exits 1.
pub fn render(findings: &[Finding], policy: &Policy, artifact: &str) -> String {
    let mut suite = TestSuite::new("ctune");
    for r in RULES {
        let allowed = policy.allowed.iter().any(|a| a == r.id);
        let found = findings.iter().find(|x| x.id == r.id);
        let mut case = match found {
            _ if allowed => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("allowed with --allow {}", r.id));
                TestCase::new(r.id, s)
            }
            Some(x) if policy.fails(x.severity) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_type(x.severity.as_str())
                    .set_message(x.title.as_str())
                    .set_description(finding_body(x));
                TestCase::new(r.id, s)
            }
            Some(x) => {
                let mut c = TestCase::new(r.id, TestCaseStatus::success());
                c.set_system_out(format!(
                    "{}: {}\n{}",
                    x.severity.as_str(),
                    x.title,
                    finding_body(x)
                ));
                c
            }
            None => TestCase::new(r.id, TestCaseStatus::success()),
        };
        case.set_classname("ctune");
        case.extra.insert("file".into(), artifact.into());
        suite.add_test_case(case);
    }
    let mut report = Report::new("ctune");
    report.add_test_suite(suite);
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
    use crate::findings::Severity;

    #[test]
    fn characters_xml_cannot_carry_do_not_break_the_document() {
        let x = Finding {
            id: RULES[0].id,
            severity: Severity::Error,
            title: "<a & 'b'>\u{1}".into(),
            detail: "d".into(),
            fix: "f".into(),
            evidence: vec![],
        };
        let p = Policy {
            fail_on: Some(Severity::Warning),
            allowed: vec![],
        };
        let xml = render(&[x], &p, "deploy/app.yaml");
        assert!(xml.contains("&lt;a &amp; &apos;b&apos;&gt;"), "{xml}");
        assert!(!xml.contains('\u{1}'), "{xml}");
        assert!(xml.contains("failures=\"1\""), "{xml}");
        quick_junit::Report::deserialize_from_str(&xml).expect("parses back");
    }
}
