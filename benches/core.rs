//! `cargo bench`: the parsers, the probe and the advisor on realistic inputs (the shared
//! samples and the fixture roots). A plain harness: each case runs for ~0.3 s and prints the
//! median time per iteration over 15 batches, so the figures are comparable run to run.

use ctune::jvm::{advise, options::UserOptions, profile};
use ctune::parse::{cpulist, keyed::Keyed, mountinfo, proc_cgroup};
use ctune::probe::{self, cgroup::layout, reader::Root};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn bench(name: &str, mut f: impl FnMut()) {
    // Find a batch size that takes ~20 ms, then time 15 batches.
    let mut n = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        if t.elapsed() > Duration::from_millis(20) || n > 1 << 24 {
            break;
        }
        n *= 2;
    }
    let mut per: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    per.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let med = per[per.len() / 2];
    let (v, unit) = if med > 1e6 {
        (med / 1e6, "ms")
    } else if med > 1e3 {
        (med / 1e3, "µs")
    } else {
        (med, "ns")
    };
    println!("{name:<44} {v:>9.2} {unit}/iter");
}

fn sample(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/samples")
        .join(name);
    let t = std::fs::read_to_string(&p).unwrap_or_default();
    // Drop the `# source:` header line.
    t.split_once('\n')
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default()
}

fn main() {
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let want = |n: &str| filter.as_deref().is_none_or(|f| n.contains(f));

    let fedora = sample("mountinfo.fedora-host-v1-devicemapper-cifs-escape.opencontainers-cgroups");
    let bedrock = sample("mountinfo.bedrock-duplicate-cgroup-mounts.opencontainers-cgroups");
    let stat_v2 = sample("memory.stat.v2.opencontainers-cgroups");
    let cg_lines = sample("proc-self-cgroup.hybrid-user-slice.hotspot");
    if want("parse") {
        bench(
            &format!("parse mountinfo fedora ({} lines)", fedora.lines().count()),
            || {
                black_box(mountinfo::parse(black_box(&fedora)));
            },
        );
        bench("parse memory.stat v2 (6 keys looked up)", || {
            let k = Keyed::space_separated(black_box(&stat_v2));
            for key in [
                "anon",
                "file",
                "active_file",
                "inactive_file",
                "shmem",
                "file_dirty",
            ] {
                black_box(k.u64(key).ok());
            }
        });
        bench("parse cpu list 0-3,8,10-11,64-127", || {
            black_box(cpulist::count(black_box("0-3,8,10-11,64-127")).ok());
        });
        let (mounts, _) = mountinfo::parse(&bedrock);
        let lines = proc_cgroup::parse(&cg_lines).unwrap_or_default();
        bench(
            &format!("cgroup layout, bedrock ({} mounts)", mounts.len()),
            || {
                black_box(layout::layout(black_box(&mounts), black_box(&lines), None));
            },
        );
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for fx in ["v2-k8s-cgroupns", "v1-docker-no-cgroupns"] {
        let root = Root::at(fixtures.join(fx));
        if want("probe") {
            bench(&format!("probe collect, fixture {fx}"), || {
                black_box(probe::collect(&root, &probe::Options::default()));
            });
            bench(&format!("probe collect lean (exec), fixture {fx}"), || {
                black_box(probe::collect(
                    &root,
                    &probe::Options {
                        lean: true,
                        ..Default::default()
                    },
                ));
            });
        }
        if want("advise") {
            let facts = probe::collect(&root, &probe::Options::default());
            let p = profile::load("default", &[]).unwrap();
            let user = UserOptions::gather(&facts.env, &[]);
            bench(&format!("advise default, fixture {fx}"), || {
                black_box(advise::advise(black_box(&facts), &p, &user));
            });
        }
    }
    if want("deep") {
        // A pure v2 root whose process sits 200 cgroups deep: every level is walked for each
        // limit, so the cost of resolving a path inside `--root` shows (it was quadratic in
        // the depth: 0.69 s here before the resolved directories were remembered).
        let depth = std::env::var("CTUNE_BENCH_DEPTH")
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(200);
        let dir = deep_v2_root(depth);
        let root = Root::at(&dir);
        bench(
            &format!("probe collect, --root with a {depth}-level cgroup"),
            || {
                black_box(probe::collect(&root, &probe::Options::default()));
            },
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    if want("scan") {
        // What `report` and `doctor` pay for the running JVMs: 100 of them, each with its
        // /proc files and a real perf-data file (tests/perfdata), under --root.
        let n = 100;
        let dir = many_jvms_root(&fixtures.join("running-jvm"), n);
        let root = Root::at(&dir);
        let with = probe::Options {
            running_jvms: true,
            ..Default::default()
        };
        let found = probe::collect(&root, &with).java_processes.len();
        assert_eq!(found, n + 2, "the fixture's 2 JVMs and the {n} added");
        bench(
            &format!("probe collect, --root with {n} running JVMs"),
            || {
                black_box(probe::collect(&root, &with));
            },
        );
        bench(
            "probe collect, same root, running JVMs not looked for",
            || {
                black_box(probe::collect(&root, &probe::Options::default()));
            },
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    if want("profile") {
        bench("profile load spark-executor (3-file chain)", || {
            black_box(profile::load("spark-executor", &[]).ok());
        });
    }
    if want("probe") {
        let live = Root::live();
        bench("probe collect, live system", || {
            black_box(probe::collect(&live, &probe::Options::default()));
        });
        // What `ctune exec` runs (warm: the same process again and again, so the first-use
        // costs `benches/startup.sh` sees are not in it).
        let env: Vec<(String, String)> = std::env::vars().collect();
        bench("probe collect lean (exec), live system", || {
            black_box(probe::collect(
                &live,
                &probe::Options {
                    lean: true,
                    env: Some(env.clone()),
                    ..Default::default()
                },
            ));
        });
    }
}

/// A copy of the `running-jvm` fixture with `n` more JVMs (pids 1000 on): each with the
/// fixture's /proc files and one of the captured perf-data files.
fn many_jvms_root(fixture: &Path, n: usize) -> std::path::PathBuf {
    use std::fs;
    let dir = std::env::temp_dir().join(format!("ctune-bench-jvms-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let ok = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixture)
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "copy {}", fixture.display());
    let perf_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/perfdata");
    let mut perf: Vec<_> = fs::read_dir(&perf_dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "hsperf"))
        .collect();
    perf.sort();
    let model = dir.join("proc/7");
    let status = fs::read_to_string(model.join("status")).unwrap();
    let stat = fs::read_to_string(model.join("stat")).unwrap();
    for i in 0..n {
        let pid = 1000 + i;
        let p = dir.join(format!("proc/{pid}"));
        fs::create_dir_all(&p).unwrap();
        for f in ["cmdline", "cgroup"] {
            fs::copy(model.join(f), p.join(f)).unwrap();
        }
        std::os::unix::fs::symlink("/opt/java/openjdk/bin/java", p.join("exe")).unwrap();
        let fix = |t: &str| {
            t.replace("Pid:\t7\n", &format!("Pid:\t{pid}\n"))
                .replace("Tgid:\t7\n", &format!("Tgid:\t{pid}\n"))
                .replace("NSpid:\t7\n", &format!("NSpid:\t{pid}\n"))
        };
        fs::write(p.join("status"), fix(&status)).unwrap();
        fs::write(p.join("stat"), stat.replacen("7 ", &format!("{pid} "), 1)).unwrap();
        fs::copy(
            &perf[i % perf.len()],
            dir.join(format!("tmp/hsperfdata_app/{pid}")),
        )
        .unwrap();
    }
    dir
}

/// A minimal pure cgroup v2 root under the temp directory, the process `depth` levels deep
/// with a memory and CPU limit on every tenth level.
fn deep_v2_root(depth: usize) -> std::path::PathBuf {
    use std::fs;
    let dir = std::env::temp_dir().join(format!("ctune-bench-deep-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let path: String = (0..depth).map(|i| format!("/l{i}")).collect();
    let leaf = dir.join(format!("sys/fs/cgroup{path}"));
    fs::create_dir_all(&leaf).unwrap();
    fs::create_dir_all(dir.join("proc/self")).unwrap();
    fs::write(
        dir.join("proc/self/mountinfo"),
        "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
    )
    .unwrap();
    fs::write(dir.join("proc/self/cgroup"), format!("0::{path}\n")).unwrap();
    fs::write(dir.join("proc/meminfo"), "MemTotal: 16384000 kB\n").unwrap();
    fs::write(dir.join("sys/fs/cgroup/cgroup.controllers"), "cpu memory\n").unwrap();
    let mut d = dir.join("sys/fs/cgroup");
    for i in 0..depth {
        d = d.join(format!("l{i}"));
        fs::write(d.join("cgroup.controllers"), "cpu memory\n").unwrap();
        let (mem, cpu) = if i % 10 == 0 {
            (
                format!("{}\n", (1u64 << 30) + i as u64 * 4096),
                "200000 100000\n".to_owned(),
            )
        } else {
            ("max\n".to_owned(), "max 100000\n".to_owned())
        };
        fs::write(d.join("memory.max"), mem).unwrap();
        fs::write(d.join("cpu.max"), cpu).unwrap();
    }
    dir
}
