//! `ctune jvm` output: the table for a person, the contract's JSON, and the forms other tools
//! take (`flags`, `env`, `spark-conf`).

use super::{bytes, json::SCHEMA_VERSION};
use crate::jvm::advise::Advice;
use crate::jvm::ergonomics::MIB;
use comfy_table::{presets::UTF8_BORDERS_ONLY, ContentArrangement, Table};
use serde::Serialize;

/// Quote one argument for a POSIX shell, only where needed.
pub fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=:+./,@%".contains(c));
    if safe {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// One line of arguments.
pub fn flags(a: &Advice) -> String {
    let mut s = a
        .recommended
        .flags
        .iter()
        .map(|f| shell_quote(f))
        .collect::<Vec<_>>()
        .join(" ");
    s.push('\n');
    s
}

/// `export JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:+$JAVA_TOOL_OPTIONS }..."` for `eval`: the
/// current value is kept by reference, never printed (it may hold secrets).
pub fn env(a: &Advice) -> String {
    let ours: String = a
        .recommended
        .flags
        .join(" ")
        .chars()
        .flat_map(|c| match c {
            '"' | '$' | '`' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("export JAVA_TOOL_OPTIONS=\"${{JAVA_TOOL_OPTIONS:+$JAVA_TOOL_OPTIONS }}{ours}\"\n")
}

/// Spark's minimum memory overhead for a JVM executor or driver.
pub const SPARK_MIN_OVERHEAD: u64 = 384 * MIB;

/// `spark-defaults.conf` lines so that memory + overhead = the container's limit.
pub fn spark_conf(a: &Advice, limit: u64) -> String {
    let heap = a
        .recommended
        .max_heap_bytes
        .min(limit.saturating_sub(SPARK_MIN_OVERHEAD))
        .max(MIB);
    let heap_mib = heap / MIB;
    let overhead_mib = (limit / MIB)
        .saturating_sub(heap_mib)
        .max(SPARK_MIN_OVERHEAD / MIB);
    // Spark sets -Xmx/-Xms itself from *.memory and rejects them in extraJavaOptions.
    let extra: Vec<String> = a
        .recommended
        .flags
        .iter()
        .filter(|f| !f.starts_with("-Xmx") && !f.starts_with("-Xms"))
        .cloned()
        .collect();
    let mut out = format!(
        "# ctune {} for a {} MiB container: memory + memoryOverhead = {} MiB\n",
        a.profile,
        limit / MIB,
        heap_mib + overhead_mib
    );
    for role in ["executor", "driver"] {
        out.push_str(&format!("spark.{role}.memory {heap_mib}m\n"));
        out.push_str(&format!("spark.{role}.memoryOverhead {overhead_mib}m\n"));
        out.push_str(&format!(
            "spark.{role}.cores {}\n",
            a.recommended.active_processor_count
        ));
        if !extra.is_empty() {
            out.push_str(&format!(
                "spark.{role}.extraJavaOptions {}\n",
                extra.join(" ")
            ));
        }
    }
    out
}

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    #[serde(flatten)]
    advice: &'a Advice,
}

pub fn json(a: &Advice) -> String {
    let mut s = serde_json::to_string_pretty(&Doc {
        schema_version: SCHEMA_VERSION,
        advice: a,
    })
    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// `ctune jvm`: what the JVM would pick alone beside the recommendation, the memory budget,
/// the flags with why, then warnings and the user's own options, all within `width` columns.
pub fn table(a: &Advice, width: usize, color: bool) -> String {
    let w = u16::try_from(width).unwrap_or(u16::MAX);
    let heading = |s: &str| super::text::heading(s, color);
    let mut out = String::new();
    let java = match &a.java {
        Some(j) => format!(
            "JDK {} ({})",
            j.version,
            j.path.as_deref().unwrap_or("assumed")
        ),
        None => "no Java found".into(),
    };
    for l in super::text::wrap(
        &format!("profile {} · {java} · {}", a.profile, a.memory_basis),
        width,
        0,
        2,
    ) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push('\n');

    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(w);
    t.set_header(vec!["", "the JVM alone", "recommended"]);
    let v = &a.jvm_view;
    let r = &a.recommended;
    t.add_row(vec![
        "reads the container's limits".into(),
        if v.container_aware { "yes" } else { "no" }.to_owned(),
        String::new(),
    ]);
    t.add_row(vec![
        "processors".into(),
        v.active_processor_count.to_string(),
        r.active_processor_count.to_string(),
    ]);
    t.add_row(vec![
        "max heap".into(),
        bytes(v.max_heap_bytes),
        bytes(r.max_heap_bytes),
    ]);
    t.add_row(vec![
        "collector".into(),
        v.gc.as_str().to_owned(),
        r.gc.as_str().to_owned(),
    ]);
    out.push_str(&t.to_string());
    out.push_str(&format!("\n\n{}\n", heading("memory budget")));
    let b = &r.budget;
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(w);
    for (name, v) in [
        ("heap", b.heap),
        ("metaspace", b.metaspace),
        ("code cache", b.code_cache),
        ("thread stacks", b.thread_stacks),
        ("direct buffers", b.direct),
        ("page cache reserve", b.page_cache_reserve),
        ("headroom", b.headroom),
        ("total", b.total()),
    ] {
        t.add_row(vec![name.to_owned(), bytes(v)]);
    }
    out.push_str(&t.to_string());
    out.push_str(&format!("\n\n{}\n", heading("flags")));
    if a.rationale.is_empty() {
        out.push_str("  (none: this JVM sizes itself right for this environment and profile)\n");
    }
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(w);
    for r in &a.rationale {
        t.add_row(vec![r.flag.clone(), r.why.clone()]);
    }
    if !a.rationale.is_empty() {
        out.push_str(&t.to_string());
        out.push('\n');
    }
    let yours: Vec<String> = a
        .user_options
        .options
        .iter()
        .map(|o| format!("{} ({})", o.display(), o.source))
        .collect();
    for (title, list) in [
        ("squeezed", &a.squeezed),
        ("warnings", &a.warnings),
        ("your options", &yours),
    ] {
        if !list.is_empty() {
            out.push_str(&format!("\n{}\n", heading(title)));
            for l in list {
                for line in super::text::wrap(&format!("- {l}"), width, 2, 4) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("-Xmx512m"), "-Xmx512m");
        assert_eq!(shell_quote("-Dx=a b"), "'-Dx=a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
