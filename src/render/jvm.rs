//! `ctune jvm` output: the table for a person, the contract's JSON, and the forms other tools
//! take (`flags`, `env`, `spark-conf`).

use super::table::{fit, room};
use super::{bytes, json::SCHEMA_VERSION};
use crate::jvm::advise::Advice;
use crate::jvm::budget::Budget;
use crate::jvm::ergonomics::MIB;
use comfy_table::Table;
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
    // Quoted twice: for the JVM, which splits the variable at white space and groups quotes
    // (a value with a space stays one option), then for the shell's double quotes.
    let ours: String = crate::jvm::options::join_java_options(&a.recommended.flags)
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

/// `spark-defaults.conf` lines so that memory + overhead = the container's limit. Without a
/// limit (`None`) the sizes come from the budget against host RAM, and the header says so
/// instead of naming a container size nobody set.
pub fn spark_conf(a: &Advice, limit: Option<u64>) -> String {
    let size = limit.unwrap_or(a.recommended.budget.total());
    let heap = a
        .recommended
        .max_heap_bytes
        .min(size.saturating_sub(SPARK_MIN_OVERHEAD))
        .max(MIB);
    let heap_mib = heap / MIB;
    let overhead_mib = (size / MIB)
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
    let mut out = match limit {
        Some(l) => format!(
            "# ctune {} for a {} memory limit: memory + memoryOverhead = {} MiB\n",
            a.profile,
            bytes(l),
            heap_mib + overhead_mib
        ),
        None => format!(
            "# ctune {}: {}.\n# So no container size to divide: these are the JVM's own heap and the budget's other\n# parts against host RAM (memory + memoryOverhead = {} MiB). For the executors'\n# containers, give their size: ctune --assume memory=SIZE jvm --format spark-conf\n",
            a.profile,
            a.memory_basis,
            heap_mib + overhead_mib
        ),
    };
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

/// What each part of the budget is, where it is shown.
const BUDGET_PARTS: [(&str, &str); 7] = [
    ("heap", "Java objects (-Xmx)"),
    (
        "metaspace",
        "class metadata: 5 KiB a loaded class (memory.loaded_classes)",
    ),
    (
        "code cache",
        "JIT-compiled code committed (memory.code_cache_mib), not the reservation",
    ),
    (
        "thread stacks",
        "stack pages threads touch (memory.threads × memory.stack_touched_kib), not -Xss",
    ),
    (
        "direct buffers",
        "NIO and Netty buffers the application holds (memory.direct_mib)",
    ),
    (
        "page cache reserve",
        "kept free for the page cache of files the application writes, which the kernel charges to the container (memory.page_cache_fraction)",
    ),
    (
        "headroom",
        "the collector's structures for this heap, the JVM's runtime and libraries, the JIT compilers' peak, and a margin (memory.headroom_fraction)",
    ),
];

/// The budget, each part with what it is, the total beside the limit (marked when over).
fn budget_table(b: &Budget, limit: Option<u64>, width: usize) -> Table {
    let values = [
        b.heap,
        b.metaspace,
        b.code_cache,
        b.thread_stacks,
        b.direct,
        b.page_cache_reserve,
        b.headroom,
    ];
    let mut rows: Vec<Vec<String>> = BUDGET_PARTS
        .iter()
        .zip(values)
        .map(|((name, what), v)| vec![name.to_string(), bytes(v), what.to_string()])
        .collect();
    let total = b.total();
    let verdict = match limit {
        Some(l) if total > l => format!(
            "OVER the {} limit by {}: the kernel may OOM-kill the JVM",
            bytes(l),
            bytes(total - l)
        ),
        Some(l) => format!("fits the {} limit ({} spare)", bytes(l), bytes(l - total)),
        None => "no memory limit: budgeted against host RAM".to_owned(),
    };
    rows.push(vec!["total".to_owned(), bytes(total), verdict]);
    if let Some(l) = limit {
        rows.push(vec![
            "limit".to_owned(),
            bytes(l),
            "the container's memory limit".to_owned(),
        ]);
    }
    fit(None, rows, width, &[18, 12])
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
/// `limit` is the memory limit, if any, shown beside the budget's total.
pub fn table(a: &Advice, limit: Option<u64>, width: usize, color: bool) -> String {
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

    let v = &a.jvm_view;
    let r = &a.recommended;
    let row = |a: &str, b: String, c: String| vec![a.to_owned(), b, c];
    let rows = vec![
        row(
            "reads the container's limits",
            if v.container_aware { "yes" } else { "no" }.to_owned(),
            String::new(),
        ),
        row(
            "processors",
            v.active_processor_count.to_string(),
            r.active_processor_count.to_string(),
        ),
        row("max heap", bytes(v.max_heap_bytes), bytes(r.max_heap_bytes)),
        row(
            "collector",
            v.gc.as_str().to_owned(),
            r.gc.as_str().to_owned(),
        ),
    ];
    let header = ["", "the JVM alone", "recommended"]
        .map(String::from)
        .to_vec();
    let room3 = room(width, 3);
    let t = fit(Some(header), rows, width, &[room3 / 2, room3 / 4]);
    out.push_str(&t.to_string());
    out.push_str(&format!(
        "\n\n{}\n",
        heading("memory budget (what the JVM will use, part by part)")
    ));
    out.push_str(&budget_table(&r.budget, limit, width).to_string());
    out.push_str(&format!("\n\n{}\n", heading("flags")));
    if a.rationale.is_empty() {
        out.push_str("  (none: this JVM sizes itself right for this environment and profile)\n");
    }
    let rows = a
        .rationale
        .iter()
        .map(|r| vec![r.flag.clone(), r.why.clone()])
        .collect();
    let t = fit(None, rows, width, &[room(width, 2) / 2]);
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
    let squeezed: Vec<String> = a.squeezed.iter().map(ToString::to_string).collect();
    for (title, list) in [
        ("squeezed", &squeezed),
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

    #[test]
    fn the_budget_total_stands_beside_the_limit() {
        use crate::findings::test_facts::{advice, container};
        let a = advice(&container(), &[]);
        let total = a.recommended.budget.total();
        let fits = super::table(&a, Some(total + (1 << 20)), 80, false);
        assert!(fits.contains("fits the"), "{fits}");
        assert!(fits.contains("headroom") && fits.contains("collector"));
        assert!(
            fits.contains("page cache reserve") && fits.contains("kept free for the page cache")
        );
        let over = super::table(&a, Some(total - (64 << 20)), 80, false);
        assert!(over.contains("OVER the"), "{over}");
        assert!(over.contains("by 64 MiB"), "{over}");
        let none = super::table(&a, None, 80, false);
        assert!(none.contains("no memory limit"), "{none}");
        for t in [fits, over, none] {
            for l in t.lines() {
                assert!(l.chars().count() <= 80, "{l}");
            }
        }
    }
}
