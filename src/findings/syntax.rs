//! Checks on a file itself, before any workload in it is read: a manifest kubectl refuses (a
//! repeated mapping key) and a file that does not parse. Both are errors: what ctune reads
//! from such a file is not what the cluster would get, if it gets anything.

use super::{Applies, Family, Finding, Rule, Severity};
/// This family's checks, in report order: adding a check here is what puts it in
/// [`super::RULES`] (and so in `--list-checks`, SARIF, JUnit, the man pages and completions).
pub(super) static RULES: &[&Rule] = &[&FILE_UNPARSABLE, &DUPLICATE_KEY];

pub static FILE_UNPARSABLE: Rule = Rule {
    id: "file-unparsable",
    severity: Severity::Error,
    family: Family::Syntax,
    applies: Applies::Files,
    name: "FileUnparsable",
    summary: "A manifest is not valid YAML or JSON (from the offending line on).",
    description: "kubectl apply and Helm refuse the file, and nothing after the error was checked: an unrendered template or a broken indentation would otherwise pass the gate silently.",
    help: "Fix the syntax at the line given; lint the rendered output of a template (helm template ... | ctune lint -), not the template.",
};

/// `file-unparsable` at the parser's error.
pub fn unparsable(message: &str) -> Finding {
    Finding {
        rule: &FILE_UNPARSABLE,
        severity: Severity::Error,
        title: format!("Not valid YAML: {message}"),
        detail: "The YAML parser stops here: kubectl and Helm refuse the file, and the documents from this one up to the next `---` were not checked.".into(),
        fix: "Fix the syntax at this line. For a template (Helm, Jinja, envsubst), lint what it renders: `helm template ./chart | ctune lint -`.".into(),
        evidence: vec![format!("YAML parser: {message}")],
        at: None,
    }
}

pub static DUPLICATE_KEY: Rule = Rule {
    id: "duplicate-key",
    severity: Severity::Error,
    family: Family::Syntax,
    applies: Applies::Files,
    name: "DuplicateKey",
    summary: "A mapping in a manifest repeats a key.",
    description: "kubectl 1.21 and later decode strictly and refuse the object (\"mapping key already defined\"); older clients and tools silently keep one of the two values, so what is reviewed is not what runs.",
    help: "Merge the two entries into one key.",
};

/// `duplicate-key` at the repeated key, naming the line of the first.
pub fn duplicate_key(key: &str, first_line: u32) -> Finding {
    Finding {
        rule: &DUPLICATE_KEY,
        severity: Severity::Error,
        title: format!("Key `{key}` repeats the one at line {first_line}"),
        detail: format!("The mapping already has `{key}` at line {first_line}. kubectl 1.21 and later refuse the object (strict decoding: \"mapping key \\\"{key}\\\" already defined at line {first_line}\"); tools that accept it keep only one of the two values, and ctune, like the API server's lenient decoder, reads the last one."),
        fix: format!("Merge the two `{key}` entries into one."),
        evidence: vec![format!("`{key}` also at line {first_line}")],
        at: None,
    }
}
