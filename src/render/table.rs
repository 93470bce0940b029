//! `--format table`: the report for a person, one section after another, every limit with the
//! file it came from and every unknown with its reason.

use super::bytes;
use crate::facts::{Fact, Facts, IntervalFacts, Limit, PressureFacts};
use comfy_table::{
    presets::UTF8_BORDERS_ONLY, Cell, ColumnConstraint, ContentArrangement, Table, Width,
};

struct Section {
    rows: Vec<[String; 3]>,
}

impl Section {
    fn new() -> Self {
        Section { rows: Vec::new() }
    }

    fn row(&mut self, name: &str, value: impl Into<String>, why: impl Into<String>) {
        self.rows.push([name.to_owned(), value.into(), why.into()]);
    }

    fn fact<T>(&mut self, name: &str, f: &Fact<T>, show: impl Fn(&T) -> String, why: &str) {
        match f {
            Fact::Known(v) => self.row(name, show(v), why),
            Fact::NotApplicable => self.row(name, "-", "not applicable here"),
            Fact::Unknown(r) => self.row(name, "unknown", r.as_str()),
        }
    }

    fn limit<T: Copy>(&mut self, name: &str, l: &Limit<T>, show: impl Fn(T) -> String) {
        match l {
            Limit::Limited {
                value,
                source,
                inherited,
                note,
                own,
            } => {
                let mut why = source.clone();
                if *inherited {
                    why.push_str(" (set on an ancestor cgroup)");
                }
                if let Some(o) = own {
                    why.push_str(&format!(
                        "; the process's own cgroup sets {}, which is what a JVM that reads only its own cgroup sees",
                        show(*o)
                    ));
                }
                if let Some(n) = note {
                    why.push_str("; ");
                    why.push_str(n);
                }
                self.row(name, show(*value), why)
            }
            Limit::Unlimited { why, hidden } => match hidden {
                Some(h) => self.row(
                    name,
                    "no limit visible",
                    format!(
                        "{why}; the levels above {} are not visible here and may set one",
                        h.highest_level
                    ),
                ),
                None => self.row(name, "unlimited", why.as_str()),
            },
            Limit::Unknown { reason } => self.row(name, "unknown", reason.as_str()),
        }
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn or_unknown<T>(f: &Fact<T>, show: impl Fn(&T) -> String) -> String {
    f.known().map_or_else(|| "?".to_owned(), show)
}

/// One block of rows per running JVM; `?` marks a value that could not be read (the reason is
/// in the row's third column when it is the perf data's).
fn running_jvms(f: &Facts) -> Section {
    let mut s = Section::new();
    for p in &f.java_processes {
        s.row(
            &format!("pid {}", p.pid),
            p.command.known().cloned().unwrap_or_else(|| "?".into()),
            p.version.known().cloned().unwrap_or_default(),
        );
        let why = match (&p.source, p.max_heap_bytes.unknown_reason()) {
            (Some(src), None) => src.clone(),
            (_, Some(r)) => r.to_owned(),
            (None, None) => String::new(),
        };
        s.row(
            "heap",
            format!(
                "{} used, {} committed, {} max",
                or_unknown(&p.heap_used_bytes, |v| bytes(*v)),
                or_unknown(&p.heap_committed_bytes, |v| bytes(*v)),
                or_unknown(&p.max_heap_bytes, |v| bytes(*v)),
            ),
            why,
        );
        s.row(
            "off heap",
            format!(
                "metaspace {} committed; {} threads",
                or_unknown(&p.metaspace_committed_bytes, |v| bytes(*v)),
                or_unknown(&p.threads, |v| v.to_string()),
            ),
            "",
        );
        s.fact("resident", &p.rss_bytes, |v| bytes(*v), "VmRSS");
        let share = match (p.gc_time_seconds.known(), p.uptime_seconds.known()) {
            (Some(g), Some(u)) if *u > 0.0 => format!(" ({:.1}% of {u:.0} s)", 100.0 * g / u),
            _ => String::new(),
        };
        s.row(
            "gc",
            format!(
                "{}: {} collections, {} s in pauses{share}",
                or_unknown(&p.gc, |g| g.as_str().to_owned()),
                or_unknown(&p.gc_count, |v| v.to_string()),
                or_unknown(&p.gc_time_seconds, |v| format!("{v:.2}")),
            ),
            "",
        );
    }
    s
}

/// The report as one table no wider than `width` columns (the terminal's).
pub fn report(f: &Facts, width: usize) -> String {
    let mut rows: Vec<[String; 3]> = Vec::new();
    let mut add = |title: &str, s: Section| {
        rows.push([format!("[{title}]"), String::new(), String::new()]);
        for [a, b, c] in s.rows {
            rows.push([format!("  {a}"), b, c]);
        }
    };

    let mut s = Section::new();
    let c = &f.cgroup;
    s.row(
        "version",
        c.version.as_str(),
        if c.hybrid {
            "hybrid: v1 controllers beside an empty cgroup2 mount"
        } else {
            "hierarchy holding cpu and memory"
        },
    );
    s.fact("path", &c.path, |p| p.clone(), "/proc/self/cgroup");
    if let Some(r) = &c.resolution {
        s.row(
            "resolved",
            c.memory_dir
                .clone()
                .or(c.cpu_dir.clone())
                .unwrap_or_default(),
            r.as_str(),
        );
    }
    s.fact(
        "/proc/cgroups",
        &c.proc_cgroups,
        crate::jvm::ergonomics::proc_cgroups_summary,
        "controllers HotSpot requires",
    );
    add("cgroup", s);

    let mut s = Section::new();
    let cpu = &f.cpu;
    s.limit("limit", &cpu.limit, super::cores_label);
    s.fact(
        "host CPUs",
        &cpu.host_count,
        |n| n.to_string(),
        "/sys/devices/system/cpu/online",
    );
    s.fact(
        "allowed CPUs",
        &cpu.cpuset_count,
        |n| n.to_string(),
        "affinity (Cpus_allowed_list) / cpuset",
    );
    s.fact(
        "effective",
        &cpu.effective_count,
        |n| n.to_string(),
        "min(allowed, ceil(limit)): what HotSpot, Go and num_cpus use",
    );
    s.fact(
        "effective (floor)",
        &cpu.effective_count_floor,
        |n| n.to_string(),
        "min(allowed, floor(limit)): what automaxprocs and Rust's std use",
    );
    s.fact(
        "shares",
        &cpu.shares,
        |n| n.to_string(),
        "cpu.shares: relative weight, not a CPU count",
    );
    s.fact(
        "weight",
        &cpu.weight,
        |n| n.to_string(),
        "cpu.weight: relative weight, not a CPU count",
    );
    s.fact(
        "throttling",
        &cpu.throttling,
        |t| {
            let pct = if t.periods > 0 {
                100.0 * t.throttled_periods as f64 / t.periods as f64
            } else {
                0.0
            };
            format!(
                "{}/{} periods ({pct:.1}%), {:.2} s",
                t.throttled_periods, t.periods, t.throttled_seconds
            )
        },
        "cpu.stat since the cgroup was created",
    );
    add("cpu", s);

    let mut s = Section::new();
    let m = &f.memory;
    s.limit("limit", &m.limit, bytes);
    s.limit("high", &m.high, bytes);
    s.limit("swap limit", &m.swap_limit, bytes);
    if let (Some(_), Fact::Known(0)) = (m.swap_limit.value(), &m.host_swap_bytes) {
        if let Some(last) = s.rows.last_mut() {
            last[2].push_str(
                "; the host has no swap (SwapTotal 0 in /proc/meminfo), so this limit is moot",
            );
        }
    }
    s.limit("reservation", &m.reservation, bytes);
    s.fact(
        "host RAM",
        &m.host_total_bytes,
        |n| bytes(*n),
        "/proc/meminfo MemTotal",
    );
    s.fact(
        "host swap",
        &m.host_swap_bytes,
        |n| bytes(*n),
        "/proc/meminfo SwapTotal",
    );
    let why = [
        ("usage_bytes", "charged to the cgroup, page cache included"),
        (
            "anon_bytes",
            "heap, stacks, malloc: not reclaimable without swap",
        ),
        ("file_bytes", "page cache, tmpfs included"),
        (
            "active_file_bytes",
            "recently used cache: counts in the working set",
        ),
        ("inactive_file_bytes", "cache the kernel reclaims first"),
        (
            "shmem_bytes",
            "tmpfs and shared memory: stays until the files are deleted",
        ),
        ("dirty_bytes", "written, not yet on disk"),
        ("writeback_bytes", "being written to disk"),
        (
            "working_set_bytes",
            "usage - inactive_file: what the kubelet evicts on",
        ),
    ];
    for ((name, fact), (_, w)) in m.usage_fields().into_iter().zip(why) {
        s.fact(name.trim_end_matches("_bytes"), fact, |n| bytes(*n), w);
    }
    s.fact(
        "oom kills",
        &m.oom_kills,
        |n| n.to_string(),
        "memory.events oom_kill / memory.oom_control",
    );
    add("memory", s);
    add("pressure", pressure_section(&f.pressure));
    if let Some(i) = &f.interval {
        add("interval", interval_section(i));
    }

    let mut s = Section::new();
    let i = &f.identity;
    s.fact(
        "uid",
        &i.uid,
        |u| u.to_string(),
        "/proc/self/status Uid (real)",
    );
    s.fact(
        "gid",
        &i.gid,
        |g| g.to_string(),
        "/proc/self/status Gid (real)",
    );
    s.row(
        "user",
        i.user.clone().unwrap_or_else(|| "(none)".into()),
        match (&i.passwd_source, &i.passwd_entry) {
            (Some(src), _) => format!("passwd entry in {src}"),
            (None, Fact::Unknown(r)) => format!("passwd entry unknown: {r}"),
            (None, _) => "no passwd entry for this uid".into(),
        },
    );
    s.row(
        "group",
        i.group.clone().unwrap_or_else(|| "(none)".into()),
        "/etc/group",
    );
    s.row(
        "home",
        i.home.clone().unwrap_or_else(|| "(unset)".into()),
        "$HOME",
    );
    s.fact(
        "user namespace",
        &i.user_namespace,
        |b| yes_no(*b),
        if i.in_user_namespace() {
            "/proc/self/uid_map is not the identity map"
        } else {
            "/proc/self/uid_map is the identity map"
        },
    );
    s.fact(
        "host uid",
        &i.host_uid,
        |u| u.to_string(),
        "what the uid is outside the user namespace",
    );
    add("identity", s);

    let mut s = Section::new();
    let ct = &f.container;
    s.row(
        "container",
        if ct.detected {
            ct.runtime
                .map(|r| r.as_str())
                .unwrap_or("yes (runtime unknown)")
        } else {
            "not detected"
        },
        ct.evidence.join("; "),
    );
    for (name, ns) in &f.namespaces {
        let shared = match &ns.shared_with_init {
            Fact::Known(true) => "the host's initial namespace",
            Fact::Known(false) => "private (not the host's initial one)",
            Fact::Unknown(r) => r.as_str(),
            Fact::NotApplicable => "-",
        };
        s.fact(name, &ns.inode, |n| n.to_string(), shared);
    }
    add("container", s);

    let mut s = Section::new();
    let sec = &f.security;
    s.fact(
        "capabilities",
        &sec.capabilities,
        |c| format!("{} effective", c.len()),
        "/proc/self/status CapEff",
    );
    s.row(
        "seccomp",
        sec.seccomp
            .map(|x| format!("{x:?}").to_lowercase())
            .unwrap_or_else(|| "unknown".into()),
        "/proc/self/status Seccomp",
    );
    s.row(
        "no_new_privs",
        sec.no_new_privs
            .map(yes_no)
            .unwrap_or_else(|| "unknown".into()),
        "/proc/self/status NoNewPrivs",
    );
    s.row(
        "LSM",
        sec.lsm.clone().unwrap_or_else(|| "none active".into()),
        "/proc/self/attr/current",
    );
    add("security", s);

    let mut s = Section::new();
    match &f.host.hypervisor {
        Fact::Known(h) if h == "unknown" => s.row(
            "hypervisor",
            "unknown (not named)",
            "virtualised: the cpuinfo 'hypervisor' flag is set, but neither DMI nor /sys/hypervisor names it",
        ),
        Fact::Known(h) => s.row(
            "hypervisor",
            h.as_str(),
            "cpuinfo 'hypervisor' flag, DMI, /sys/hypervisor",
        ),
        Fact::NotApplicable => s.row(
            "hypervisor",
            "none (bare metal)",
            "no 'hypervisor' CPU flag",
        ),
        Fact::Unknown(r) => s.row("hypervisor", "unknown", r.as_str()),
    }
    add("host", s);

    let mut s = Section::new();
    for mt in &f.mounts {
        let mut what = format!(
            "{} {} on {} ({})",
            mt.kind.as_str(),
            mt.fs_type,
            mt.mount_point,
            mt.source
        );
        if let Some(b) = &mt.block_device {
            what.push_str(&format!(", device {b} [{}]", mt.device));
        }
        if let Some(bf) = &mt.backing_file {
            what.push_str(&format!(", backing file {bf}"));
        }
        if mt.read_only {
            what.push_str(", read-only");
        }
        s.row(&mt.path, mt.role.as_str(), what);
    }
    if f.mounts.is_empty() {
        s.row("(none)", "", "no data directory could be inspected");
    }
    add("data directories", s);

    let mut s = Section::new();
    match &f.jvm {
        Some(j) => {
            s.row(
                "java",
                j.path.clone().unwrap_or_else(|| "(assumed)".into()),
                j.home.clone().unwrap_or_default(),
            );
            s.row(
                "version",
                j.version.clone().unwrap_or_else(|| "unknown".into()),
                j.version_source.as_str(),
            );
            s.row(
                "vendor",
                j.vendor.clone().unwrap_or_else(|| "unknown".into()),
                "release IMPLEMENTOR",
            );
        }
        None => s.row("java", "not found", "$JAVA_HOME/bin/java, then PATH"),
    }
    add("jvm", s);

    if !f.java_processes.is_empty() {
        add("running jvms", running_jvms(f));
    }

    if !f.notes.is_empty() {
        let mut s = Section::new();
        for n in &f.notes {
            s.row("note", "", n.as_str());
        }
        add("notes", s);
    }
    let mut out = layout(rows, width).to_string();
    out.push('\n');
    out
}

/// `some` (and `full`) stalls of each resource, for the cgroup and the host.
fn pressure_section(p: &PressureFacts) -> Section {
    let mut s = Section::new();
    for (scope, set) in [("cgroup", &p.cgroup), ("host", &p.host)] {
        // One row when all three are unknown for the same reason (no PSI here at all).
        let reasons: Vec<_> = set.resources().map(|(_, f)| f.unknown_reason()).into();
        if let [Some(a), Some(b), Some(c)] = reasons[..] {
            if a == b && b == c {
                s.row(scope, "unknown", a);
                continue;
            }
        }
        for (res, f) in set.resources() {
            let from = set.dir.as_deref().unwrap_or("");
            let why = if scope == "cgroup" {
                format!("{from}/{res}.pressure: avg10 / avg60 / avg300 of wall time stalled")
            } else {
                format!("{from}/{res}: avg10 / avg60 / avg300 of wall time stalled")
            };
            s.fact(
                &format!("{scope} {res}"),
                f,
                |p| {
                    let l = |x: &crate::facts::PressureLine| {
                        format!("{:.2}/{:.2}/{:.2}%", x.avg10, x.avg60, x.avg300)
                    };
                    match &p.full {
                        Fact::Known(full) => format!("some {}, full {}", l(&p.some), l(full)),
                        _ => format!("some {}", l(&p.some)),
                    }
                },
                &why,
            );
        }
    }
    s
}

/// Rates between the two readings of `--interval`.
fn interval_section(i: &IntervalFacts) -> Section {
    let mut s = Section::new();
    s.row(
        "seconds",
        format!("{:.2}", i.seconds),
        "between the two readings",
    );
    s.fact(
        "throttled",
        &i.cpu_throttling,
        |t| {
            format!(
                "{}/{} periods ({:.1}%), {:.2} s",
                t.throttled_periods,
                t.periods,
                100.0 * t.throttled_share,
                t.throttled_seconds
            )
        },
        "cpu.stat deltas over the interval",
    );
    s.fact(
        "memory growth",
        &i.memory.usage_bytes_per_second,
        |r| format!("{}/s", signed_bytes(*r)),
        "usage at the second reading minus the first, per second",
    );
    for j in &i.java_processes {
        s.fact(
            &format!("JVM {} GC", j.pid),
            &j.gc_share,
            |g| format!("{:.1}% of the time", 100.0 * g),
            "GC pause time over the interval (perf data)",
        );
    }
    for (scope, set) in [("cgroup", &i.pressure.cgroup), ("host", &i.pressure.host)] {
        let reasons: Vec<_> = set.resources().map(|(_, f)| f.unknown_reason()).into();
        if let [Some(a), Some(b), Some(c)] = reasons[..] {
            if a == b && b == c {
                s.row(&format!("{scope} stalls"), "unknown", a);
                continue;
            }
        }
        for (res, f) in set.resources() {
            s.fact(
                &format!("{scope} {res} stall"),
                f,
                |st| match &st.full {
                    Fact::Known(full) => format!(
                        "some {:.1}%, full {:.1}%",
                        100.0 * st.some.share,
                        100.0 * full.share
                    ),
                    _ => format!("some {:.1}%", 100.0 * st.some.share),
                },
                "pressure 'total' deltas over the interval",
            );
        }
    }
    s
}

fn signed_bytes(r: f64) -> String {
    let b = bytes(r.abs().round() as u64);
    if r < 0.0 {
        format!("-{b}")
    } else {
        format!("+{b}")
    }
}

/// The three columns within `width`: names as they are (narrow), values up to a third of
/// what is left, the explanation the rest.
fn layout(rows: Vec<[String; 3]>, width: usize) -> Table {
    let room = room(width, 3);
    let name_w = (room / 4).max(20).min(room / 3);
    let value_w = ((room - name_w.min(longest(&rows, 0))) / 3).max(5);
    let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
    let header = ["", "value", "from / why"].map(String::from).to_vec();
    fit(Some(header), rows, width, &[name_w, value_w])
}

/// What `n` columns leave for their text within `width`: two borders, `n - 1` column
/// separators (spaces in this preset) and one space of padding each side of every column.
pub(crate) fn room(width: usize, n: usize) -> usize {
    width.saturating_sub(2 + (n - 1) + 2 * n).max(8 * n)
}

fn longest<R: AsRef<[String]>>(rows: &[R], i: usize) -> usize {
    rows.iter()
        .filter_map(|r| r.as_ref().get(i))
        .flat_map(|c| c.lines())
        .map(textwrap::core::display_width)
        .max()
        .unwrap_or(0)
}

/// A borderless-inside table no wider than `width`: every column but the last at most its
/// `caps` entry (and no wider than its longest cell), the last the rest. Cells are wrapped here
/// (at spaces, and after a `/` inside a long path) so that comfy-table has nothing left to cut
/// mid-word. A first-column cell indented by two spaces keeps the indent on its first line.
pub(crate) fn fit(
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
    width: usize,
    caps: &[usize],
) -> Table {
    use super::text::wrap;
    let n = caps.len() + 1;
    let room = room(width, n);
    let mut widths: Vec<usize> = caps
        .iter()
        .enumerate()
        .map(|(i, &cap)| {
            let head = header.as_ref().map_or(0, |h| longest(&[h], i));
            longest(&rows, i).max(head).max(1).min(cap.max(4))
        })
        .collect();
    let used: usize = widths.iter().sum();
    widths.push(room.saturating_sub(used).max(8));
    let cell = |i: usize, text: &str| -> String {
        let w = widths[i];
        let lines = match text.strip_prefix("  ") {
            Some(t) if i == 0 => wrap(t, w, 2, 4),
            _ => text.lines().flat_map(|l| wrap(l, w, 0, 0)).collect(),
        };
        lines.join("\n")
    };
    let wrapped: Vec<bool> = (0..n).map(|i| longest(&rows, i) > widths[i]).collect();
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Disabled);
    if let Some(h) = header {
        t.set_header(
            h.iter()
                .enumerate()
                .map(|(i, c)| Cell::new(cell(i, c)))
                .collect::<Vec<_>>(),
        );
    }
    for r in rows {
        t.add_row(
            r.iter()
                .enumerate()
                .map(|(i, c)| cell(i, c))
                .collect::<Vec<_>>(),
        );
    }
    // Text that had to be wrapped fills the width, as a paragraph would, instead of ending at
    // its longest wrapped line.
    for (i, _) in wrapped.iter().enumerate().filter(|(_, w)| **w) {
        let w = u16::try_from(widths[i] + 2).unwrap_or(u16::MAX);
        if let Some(c) = t.column_mut(i) {
            c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(w)));
        }
    }
    t
}
