//! Property tests: every parser takes arbitrary input without panicking, and the ones with a
//! simple law obey it.

use ctune::parse::*;
use ctune::probe::cgroup::layout;
use proptest::prelude::*;

/// Text that looks a bit like kernel files: digits, separators, keywords and junk.
fn kernelish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("max".to_owned()),
            Just("-".to_owned()),
            Just(" ".to_owned()),
            Just("\n".to_owned()),
            Just(":".to_owned()),
            Just(",".to_owned()),
            Just("/".to_owned()),
            Just("\\040".to_owned()),
            Just("cgroup".to_owned()),
            Just("cgroup2".to_owned()),
            Just("0::/".to_owned()),
            "[0-9]{1,25}",
            any::<String>(),
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), kernelish()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_parser_panics(s in text(), b in prop::collection::vec(any::<u8>(), 0..200)) {
        let (mounts, _) = mountinfo::parse(&s);
        let lines = proc_cgroup::parse(&s).unwrap_or_default();
        let l = layout::layout(&mounts, &lines, Some(&s));
        for h in [&l.cpu, &l.memory, &l.cpuset].into_iter().flatten() {
            let _ = h.levels();
        }
        let _ = layout::translate(&s, "/sys/fs/cgroup", &s);
        let _ = cgroup_values::cpu_max(&s);
        let _ = cgroup_values::cfs_quota(&s, Some(&s));
        let _ = cgroup_values::u64_or_max(&s);
        let _ = cpulist::count(&s);
        let _ = psi::parse(&s);
        let _ = argfile::split(&s);
        let k = keyed::Keyed::space_separated(&s);
        for key in s.split_whitespace().take(5) { let _ = k.u64(key); }
        let _ = keyed::Keyed::colon_separated(&s).kib_as_bytes("MemTotal");
        let _ = passwd::find_uid(&s, 0);
        let _ = passwd::find_gid(&s, 0);
        let _ = idmap::parse(&s).map(|m| idmap::outside_id(&m, u32::MAX));
        let _ = release::get(&s, "JAVA_VERSION");
        let _ = caps::names(&s);
        for l in proc_cgroups::parse(&s) {
            prop_assert!(!l.name.is_empty() && !l.name.contains(|c: char| c.is_ascii_whitespace()));
        }
        let _ = environ::parse(&b);
        let _ = environ::redact(&b);
        let _ = ctune::assume::parse_bytes(&s);
        let _ = ctune::assume::Assumptions::parse(&[s.as_str()]);
        let _ = ctune::secrets::is_secret_name(&s);
    }

    /// Arguments written into an argfile in double quotes (backslash and quote escaped) are
    /// read back as they were, whatever they hold but line ends.
    #[test]
    fn argfile_quoting_round_trips(args in proptest::collection::vec("[^\r\n]{0,12}", 0..6)) {
        let file: String = args
            .iter()
            .map(|a| format!("\"{}\"", a.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect::<Vec<_>>()
            .join(" \n\t");
        prop_assert_eq!(argfile::split(&file), args);
    }

    /// The kernel's escaping of a path, undone, gives the path back.
    #[test]
    fn mountinfo_escapes_round_trip(p in "[ -~\t\n]{0,40}") {
        let escaped: String = p.chars().map(|c| match c {
            ' ' => "\\040".to_owned(), '\t' => "\\011".to_owned(), '\n' => "\\012".to_owned(),
            '\\' => "\\134".to_owned(), c => c.to_string(),
        }).collect();
        let line = format!("1 2 0:3 / /m{escaped} rw shared:1 - tmpfs tmpfs rw,size=1k");
        let m = mountinfo::parse_line(&line).unwrap();
        prop_assert_eq!(m.mount_point, format!("/m{p}"));
    }

    /// A CPU count is never more than the CPUs listed.
    #[test]
    fn cpulist_counts_are_bounded(ranges in prop::collection::vec((0u32..512, 0u32..64), 1..10)) {
        let list: Vec<String> = ranges.iter().map(|(a, n)| format!("{a}-{}", a + n)).collect();
        let n = cpulist::count(&list.join(",")).unwrap();
        let max = ranges.iter().map(|(a, n)| a + n).max().unwrap() + 1;
        prop_assert!(n >= 1 && n <= max);
    }

    /// Redaction keeps every variable and every non-secret value byte for byte.
    #[test]
    fn redaction_keeps_the_rest(vars in prop::collection::vec(("[A-Z_]{1,12}", prop::collection::vec(1u8..=255, 0..20)), 0..8)) {
        let mut raw = Vec::new();
        for (k, v) in &vars {
            raw.extend_from_slice(k.as_bytes());
            raw.push(b'=');
            raw.extend(v.iter().copied().filter(|&b| b != 0));
            raw.push(0);
        }
        let red = environ::redact(&raw);
        prop_assert_eq!(red.iter().filter(|&&b| b == 0).count(), raw.iter().filter(|&&b| b == 0).count());
        for (i, (orig, new)) in raw.split(|&b| b == 0).zip(red.split(|&b| b == 0)).enumerate() {
            let name = vars.get(i).map(|(k, _)| k.as_str()).unwrap_or("");
            if !ctune::secrets::is_secret_name(name) {
                prop_assert_eq!(orig, new);
            }
        }
    }

    /// The perf-data parser takes any bytes: an error with an offset inside the input, never a
    /// panic; what it accepts, the JVM-level reading takes too.
    #[test]
    fn perfdata_takes_arbitrary_bytes(b in prop::collection::vec(any::<u8>(), 0..4096), magic in any::<bool>(), order in 0u8..3) {
        let mut b = b;
        if magic && b.len() >= 8 {
            // Often past the magic and byte order checks, so the entry walk gets fuzzed too.
            b[..4].copy_from_slice(&perfdata::MAGIC.to_be_bytes());
            b[4] = order;
            b[5] = 2;
        }
        match perfdata::parse(&b) {
            Ok(p) => { let _ = ctune::probe::from_perf(&p); }
            Err(e) => prop_assert!(e.offset <= b.len().max(32), "{e}"),
        }
        let _ = perfdata::redact(
            &b,
            ctune::secrets::secret_property_value,
            ctune::jvm::options::starts_like_option,
        );
    }

    /// Real files with bytes changed and cut short: never a panic; a redaction keeps the size.
    #[test]
    fn perfdata_takes_mutated_real_files(
        which in 0usize..11,
        edits in prop::collection::vec((0usize..32768, any::<u8>()), 0..24),
        cut in prop::option::of(0usize..32768),
    ) {
        let mut names: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/perfdata"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "hsperf"))
            .collect();
        names.sort();
        let mut b = std::fs::read(&names[which % names.len()]).unwrap();
        for (at, v) in edits {
            if at < b.len() { b[at] = v; }
        }
        if let Some(c) = cut { b.truncate(c); }
        if let Ok(p) = perfdata::parse(&b) {
            let v = ctune::probe::from_perf(&p);
            let _ = (v.max_heap, v.gc_time);
        }
        prop_assert_eq!(perfdata::redact(
            &b,
            ctune::secrets::secret_property_value,
            ctune::jvm::options::starts_like_option,
        ).len(), b.len());
    }

    /// What `build` writes, `parse` reads back, in both byte orders.
    #[test]
    fn perfdata_round_trips(big in any::<bool>(), vals in prop::collection::vec(("[a-z.]{1,30}", any::<i64>()), 1..20)) {
        let entries: Vec<perfdata::RawEntry> = vals
            .iter()
            .map(|(n, v)| (n.as_str(), b'J', 4, 2, 0, perfdata::long_bytes(big, *v)))
            .collect();
        let p = perfdata::parse(&perfdata::build(big, &entries)).unwrap();
        prop_assert_eq!(p.entries.len(), vals.len());
        for (e, (n, v)) in p.entries.iter().zip(&vals) {
            prop_assert_eq!(&e.name, n);
            prop_assert_eq!(&e.value, &perfdata::Value::Int(*v));
        }
    }
}

/// Text shaped like a pressure file: its words, numbers and separators, shuffled.
fn psi_ish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("some ".to_owned()),
            Just("full ".to_owned()),
            Just("avg10=".to_owned()),
            Just("avg60=".to_owned()),
            Just("avg300=".to_owned()),
            Just("total=".to_owned()),
            Just(" ".to_owned()),
            Just("\n".to_owned()),
            Just(".".to_owned()),
            "[0-9]{1,22}",
            any::<String>(),
        ],
        0..30,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary input never panics, and whatever parses is within the format's ranges.
    #[test]
    fn psi_parser_takes_anything(s in prop_oneof![any::<String>(), psi_ish()]) {
        if let Ok(p) = psi::parse(&s) {
            for l in std::iter::once(p.some).chain(p.full) {
                for a in [l.avg10, l.avg60, l.avg300] {
                    prop_assert!(a.is_finite() && (0.0..=100.0).contains(&a));
                }
            }
        }
    }

    /// What the kernel prints (`%lu.%02lu` and `%llu`) parses back to the same numbers.
    #[test]
    fn psi_kernel_format_round_trips(
        lines in prop::collection::vec((0u32..=10000, 0u32..=10000, 0u32..=10000, any::<u64>()), 1..=2)
    ) {
        let text: String = lines.iter().zip(["some", "full"]).map(|((a, b, c, t), kind)| {
            format!("{kind} avg10={}.{:02} avg60={}.{:02} avg300={}.{:02} total={t}\n",
                a / 100, a % 100, b / 100, b % 100, c / 100, c % 100)
        }).collect();
        let p = psi::parse(&text).unwrap();
        let (a, b, c, t) = lines[0];
        prop_assert_eq!(p.some.avg10, a as f64 / 100.0);
        prop_assert_eq!(p.some.avg60, b as f64 / 100.0);
        prop_assert_eq!(p.some.avg300, c as f64 / 100.0);
        prop_assert_eq!(p.some.total_us, t);
        prop_assert_eq!(p.full.map(|f| f.total_us), lines.get(1).map(|l| l.3));
    }
}
