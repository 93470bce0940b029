//! Property tests for the static-source parsers: arbitrary text (and text made of the
//! characters YAML, JSON and Dockerfiles care about) never panics, and adversarial inputs
//! stay linear: doubling the input roughly doubles the time (a quadratic parser would
//! quadruple it).

use super::{dockerfile, k8s, quantity, yaml};
use proptest::prelude::*;
use std::time::Duration;

fn yamlish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("kind: Deployment\n".to_owned()),
            Just("spec:\n  template:\n    spec:\n      containers:\n".to_owned()),
            Just("        - name: app\n".to_owned()),
            Just("          image: eclipse-temurin:17\n".to_owned()),
            Just("          resources: {limits: {memory: 2Gi, cpu: 500m}}\n".to_owned()),
            Just("          env: [{name: JAVA_TOOL_OPTIONS, value: '-Xmx1g'}]\n".to_owned()),
            Just("---\n".to_owned()),
            Just("kind: List\nitems:\n".to_owned()),
            Just("&a ".to_owned()),
            Just("*a".to_owned()),
            Just("<<: *a\n".to_owned()),
            "[\\[\\]{}:,\\-'\"#&*!|>%@` \t\na-z0-9.]{0,12}",
        ],
        0..60,
    )
    .prop_map(|v| v.concat())
}

fn dockerish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("FROM eclipse-temurin:${V:-17}-jre AS a\n".to_owned()),
            Just("FROM a\n".to_owned()),
            Just("ARG V=21\n".to_owned()),
            Just("ENV JAVA_TOOL_OPTIONS=\"-Xmx1g\" K=v \\\n".to_owned()),
            Just("RUN <<EOF\n".to_owned()),
            Just("EOF\n".to_owned()),
            Just("# escape=`\n".to_owned()),
            Just("USER 0\n".to_owned()),
            Just("ENTRYPOINT [\"java\", \"-jar\"]\n".to_owned()),
            Just("CMD java $JAVA_OPTS -jar x\n".to_owned()),
            "[${}\\[\\]\"'`\\\\<>=:,\\- \t\na-zA-Z0-9]{0,16}",
        ],
        0..60,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
        let _ = yaml::parse(&s);
        let _ = k8s::parse(&s);
        let _ = dockerfile::parse(&s, None);
        let _ = dockerfile::parse(&s, Some("a"));
        let _ = quantity::parse(&s);
        let _ = super::image::jdk_of(&s);
    }

    #[test]
    fn every_repeated_key_is_reported_once_at_its_line(keys in proptest::collection::vec("[a-d]{1,2}", 0..60)) {
        let text: String = keys.iter().enumerate().map(|(i, k)| format!("{k}: {i}\n")).collect();
        let s = yaml::parse(&text);
        let mut seen = std::collections::HashMap::new();
        let mut want = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            match seen.get(k) {
                Some(&first) => want.push((k.clone(), i as u32 + 1, first)),
                None => {
                    seen.insert(k.clone(), i as u32 + 1);
                }
            }
        }
        let have: Vec<(String, u32, u32)> = s
            .duplicates
            .iter()
            .map(|d| (d.key.clone(), d.pos.line, d.first.line))
            .collect();
        prop_assert_eq!(have, want);
    }

    #[test]
    fn manifest_like_text_never_panics(s in yamlish()) {
        let p = k8s::parse(&s);
        for t in &p.targets {
            prop_assert!(t.pos.line >= 1);
        }
    }

    #[test]
    fn dockerfile_like_text_never_panics(s in dockerish()) {
        let p = dockerfile::parse(&s, None);
        prop_assert!(p.targets.len() <= 1);
        for t in &p.targets {
            prop_assert!(t.pos.line >= 1 && t.pos.column >= 1);
        }
    }

    #[test]
    fn quantities_never_panic_and_round_up(num in "[+-]?[0-9]{0,30}(\\.[0-9]{0,30})?", suf in "(|n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[+-]?[0-9]{1,4})") {
        let s = format!("{num}{suf}");
        if let Ok(q) = quantity::parse(&s) {
            // Value() is the nanos rounded up to a whole unit.
            if q.nanos < 10u128.pow(30) {
                let v = q.value().unsigned_abs();
                prop_assert!(v * 1_000_000_000 >= q.nanos, "{s}: {v} < {}", q.nanos);
                prop_assert!(v == 0 || (v - 1) * 1_000_000_000 < q.nanos, "{s}");
            }
            prop_assert_eq!(q.negative, s.starts_with('-') && q.nanos > 0);
        }
    }
}

/// This thread's CPU time: unlike the wall clock, it does not count the time spent waiting
/// for a CPU on a shared machine.
fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn time(f: &dyn Fn()) -> Duration {
    let t = cpu_now();
    f();
    cpu_now().saturating_sub(t)
}

/// Doubling twice (4x the input) must cost well under 16x (quadratic) the time. Measured from
/// twice the base size up, past the sizes where caches make small inputs look cheap.
fn assert_linear(name: &str, make: &dyn Fn(usize) -> String, parse: &dyn Fn(&str)) {
    let small = make(2);
    let big = make(8);
    assert!(
        big.len() >= 3 * small.len(),
        "{name}: generator did not grow"
    );
    // Alternate the two sizes and keep the fastest of each (the least disturbed).
    let (mut ts, mut tb) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        ts = ts.min(time(&|| parse(&small)));
        tb = tb.min(time(&|| parse(&big)));
    }
    let ratio = tb.as_secs_f64() / ts.as_secs_f64().max(1e-6);
    assert!(
        ratio < 9.0,
        "{name}: 4x the input took {ratio:.1}x the time ({ts:?} -> {tb:?})"
    );
}

/// A named input of size n.
type Generator = Box<dyn Fn(usize) -> String>;

#[test]
fn adversarial_inputs_stay_linear() {
    let n = 2000;
    let k8s_cases: Vec<(&str, Generator)> = vec![
        (
            "many documents",
            Box::new(move |m| {
                "---\n# Source: c/t.yaml\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: 'amazoncorretto:21', resources: {limits: {memory: 1Gi}}}]}\n".repeat(n * m / 4)
            }),
        ),
        (
            "one huge env list",
            Box::new(move |m| {
                let mut s = "kind: Pod\nspec:\n  volumes:\n".to_owned();
                for i in 0..n * m {
                    s.push_str(&format!(
                        "    - {{name: v{i}, emptyDir: {{medium: Memory}}}}\n"
                    ));
                }
                s.push_str("  containers:\n    - name: a\n      volumeMounts:\n");
                for i in 0..n * m {
                    s.push_str(&format!("        - {{name: v{i}, mountPath: /d{i}}}\n"));
                }
                s.push_str("      env:\n");
                for i in 0..n * m {
                    s.push_str(&format!("        - {{name: SECRET_{i}, value: x}}\n"));
                }
                s
            }),
        ),
        (
            "deep nesting",
            Box::new(move |m| {
                "[".repeat(100).to_owned() + &"a, ".repeat(n * m * 4) + &"]".repeat(100)
            }),
        ),
        (
            "aliases",
            Box::new(move |m| {
                let mut s = "a: &a [x, y, z]\n".to_owned();
                for i in 0..n * m {
                    s.push_str(&format!("k{i}: [*a, *a, *a, *a]\n"));
                }
                s
            }),
        ),
        (
            "one key repeated",
            Box::new(move |m| {
                let mut s = "kind: Pod\nspec:\n".to_owned();
                for i in 0..n * m * 4 {
                    s.push_str(&format!("  resources: {i}\n"));
                }
                s
            }),
        ),
        (
            "long scalars",
            Box::new(move |m| {
                format!(
                    "a: \"{}\"\nb: {}\n",
                    "x ".repeat(n * m * 8),
                    "y ".repeat(n * m * 8)
                )
            }),
        ),
    ];
    for (name, make) in &k8s_cases {
        assert_linear(name, make.as_ref(), &|s| {
            let _ = k8s::parse(s);
        });
    }
    let docker_cases: Vec<(&str, Generator)> = vec![
        (
            "many ENV pairs on one line",
            Box::new(move |m| {
                let mut s = "FROM eclipse-temurin:21\nENV".to_owned();
                for i in 0..n * m {
                    s.push_str(&format!(" K{i}=${{K{}:-v}}", i / 2));
                }
                s.push('\n');
                s
            }),
        ),
        (
            "many ENV lines",
            Box::new(move |m| {
                "FROM x\n".to_owned()
                    + &(0..n * m)
                        .map(|i| format!("ENV A{i}=$A{}\n", i / 3))
                        .collect::<String>()
            }),
        ),
        (
            "continuations",
            Box::new(move |m| {
                "FROM x\nRUN a \\\n".to_owned() + &"  # c\n  b \\\n".repeat(n * m) + "  c\n"
            }),
        ),
        (
            "heredocs",
            Box::new(move |m| {
                "FROM x\n".to_owned() + &"RUN <<A <<B\na\nA\nb\nB\n".repeat(n * m / 2)
            }),
        ),
        (
            "stages",
            Box::new(move |m| {
                (0..n * m / 4)
                    .map(|i| format!("FROM img{i} AS s{i}\nENV X{i}=1\n"))
                    .collect::<String>()
            }),
        ),
    ];
    for (name, make) in &docker_cases {
        assert_linear(name, make.as_ref(), &|s| {
            let _ = dockerfile::parse(s, None);
        });
    }
}
