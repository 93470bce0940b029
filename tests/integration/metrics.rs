//! `report --format openmetrics|prometheus` through the real consumers:
//! - `promtool check metrics` (Debian's `prometheus`) lints the Prometheus text flavour;
//! - `prometheus-node-exporter`'s textfile collector serves the file on 127.0.0.1, the way the
//!   README's first deployment does, and ctune's metrics come back out of `/metrics` typed;
//! - a real Prometheus server scrapes the OpenMetrics flavour from a tiny HTTP server that sets
//!   busybox httpd serving the file with the OpenMetrics content type (the README's sidecar),
//!   which makes it use its strict OpenMetrics parser; the scrape must succeed and the
//!   findings be queryable.

use crate::common::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kill and reap a server when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` over loopback with plain HTTP/1.0; the body, or None until the server answers.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    let (head, body) = resp.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200")
        .then(|| body.to_owned())
        .or_else(|| head.starts_with("HTTP/1.0 200").then(|| body.to_owned()))
}

/// Poll until `f` gives a value, or panic after `secs`.
fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn metrics(root: Option<&Path>, format: &str, extra: &[&str]) -> String {
    let mut c = ctune();
    if let Some(r) = root {
        c.arg("--root").arg(r);
    }
    let out = run_ok(c.args(extra).args(["report", "--format", format]));
    String::from_utf8(out.stdout).unwrap()
}

fn fixture(name: &str) -> std::path::PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// The finding ids `lint --format json` gives for the same root.
fn lint_ids(root: &Path) -> Vec<String> {
    let out = ctune()
        .arg("--root")
        .arg(root)
        .args(["lint", "--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ids: Vec<String> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn finding_ids(exposition: &str) -> Vec<String> {
    let mut ids: Vec<String> = exposition
        .lines()
        .filter_map(|l| l.strip_prefix("ctune_finding{id=\""))
        .map(|r| r.split('"').next().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn promtool_accepts_the_prometheus_flavour_everywhere() {
    if !have("promtool") {
        return skipped("promtool not installed (Debian package prometheus)");
    }
    let mut roots: Vec<Option<std::path::PathBuf>> = vec![None];
    for e in std::fs::read_dir(repo().join("tests/fixtures")).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            roots.push(Some(p));
        }
    }
    for root in &roots {
        for extra in [&[][..], &["--interval", "0.05"][..]] {
            let text = metrics(root.as_deref(), "prometheus", extra);
            let mut p = Command::new("promtool")
                .args(["check", "metrics"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            p.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
            let out = p.wait_with_output().unwrap();
            assert!(
                out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
                "promtool on {root:?} {extra:?}: {}{}\n{text}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    // One finding gauge per finding, the same ids lint reports.
    let root = fixture("v2-parent-limit");
    let text = metrics(Some(&root), "prometheus", &[]);
    assert_eq!(finding_ids(&text), lint_ids(&root));
    assert!(text.contains("ctune_finding{id=\"cpu-pressure-stalls\",severity=\"warning\"} 1\n"));
    // The running JVMs: one sample per JVM and value, as java_processes has them.
    let root = fixture("running-jvm");
    let text = metrics(Some(&root), "prometheus", &[]);
    let d = report_json(&root, &[]);
    let procs = d["java_processes"].as_array().unwrap();
    assert!(!procs.is_empty());
    for p in procs {
        let labels = format!(
            "{{pid=\"{}\",command=\"{}\"}}",
            p["pid"],
            p["command"].as_str().unwrap_or("")
        );
        if let Some(max) = p["max_heap_bytes"].as_u64() {
            assert!(
                text.contains(&format!("ctune_jvm_heap_max_bytes{labels} {max}\n")),
                "{labels}: {text}"
            );
        }
        if let Some(gc) = p["gc_time_seconds"].as_f64() {
            assert!(text.contains(&format!("ctune_jvm_gc_pause_seconds_total{labels} {gc}\n")));
        }
    }
}

#[test]
fn node_exporter_textfile_collector_serves_the_metrics() {
    if !have("prometheus-node-exporter") {
        return skipped("prometheus-node-exporter not installed");
    }
    let dir = scratch_dir("textfile");
    let root = fixture("v2-parent-limit");
    // What the README documents: write to a temporary name, then rename (atomic for the reader).
    let text = metrics(Some(&root), "prometheus", &[]);
    std::fs::write(dir.join("ctune.prom.tmp"), &text).unwrap();
    std::fs::rename(dir.join("ctune.prom.tmp"), dir.join("ctune.prom")).unwrap();
    let port = free_port();
    let _ne = Server(
        Command::new("prometheus-node-exporter")
            .arg("--collector.disable-defaults")
            .arg("--collector.textfile")
            .arg(format!("--collector.textfile.directory={}", dir.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let scraped = wait_for(15, "node exporter /metrics", || http_get(port, "/metrics"));
    assert!(
        scraped.contains("node_textfile_scrape_error 0"),
        "{scraped}"
    );
    assert_eq!(finding_ids(&scraped), lint_ids(&root));
    // Types and help survive the trip: a counter is a counter.
    assert!(scraped.contains("# TYPE ctune_cpu_throttled_seconds_total counter"));
    assert!(scraped.contains("# TYPE ctune_memory_limit_bytes gauge"));
    assert!(scraped.contains("ctune_memory_limit_bytes 5.36870912e+08"));
    assert!(scraped.contains(
        "ctune_pressure_stall_ratio{kind=\"some\",resource=\"memory\",scope=\"cgroup\",window=\"60s\"} 0.1465"
    ), "{scraped}");

    // The OpenMetrics flavour is read too (`# EOF` and `# UNIT` are comments to it), but each
    // counter loses its type and help: why the README sends the textfile collector the
    // prometheus flavour.
    std::fs::write(
        dir.join("ctune.prom"),
        metrics(Some(&root), "openmetrics", &[]),
    )
    .unwrap();
    let scraped = wait_for(15, "second scrape", || {
        http_get(port, "/metrics").filter(|s| s.contains("ctune_cpu_throttled_seconds_total"))
    });
    assert!(
        scraped.contains("node_textfile_scrape_error 0"),
        "{scraped}"
    );
    assert!(
        scraped.contains("# TYPE ctune_cpu_throttled_seconds_total untyped"),
        "{scraped}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A busybox for its `httpd` (the README's sidecar image): on PATH (Debian's `busybox`), or
/// the static one the VM tests keep in their cache.
fn busybox() -> Option<std::path::PathBuf> {
    if have("busybox") {
        return Some("busybox".into());
    }
    let cache = std::env::var_os("CTUNE_VM_CACHE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/ctune/vm")))?;
    let b = cache.join("busybox");
    b.is_file().then_some(b)
}

#[test]
fn prometheus_scrapes_the_openmetrics_flavour_strictly() {
    if !have("prometheus") {
        return skipped("prometheus not installed (Debian package prometheus)");
    }
    let Some(bb) = busybox() else {
        return skipped("no busybox for httpd (Debian package busybox)");
    };
    let root = fixture("v2-parent-limit");
    let body = metrics(Some(&root), "openmetrics", &[]);
    assert!(body.ends_with("# EOF\n"));
    let dir = scratch_dir("prometheus");
    // The sidecar of the README: busybox httpd serving the shared directory, `.om` files with
    // the OpenMetrics content type. A control, the same text without `# EOF`, is not
    // OpenMetrics: its scrape must fail, which shows Prometheus parsed strictly.
    let www = dir.join("www");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(www.join("ctune.om"), &body).unwrap();
    std::fs::write(www.join("broken.om"), body.trim_end_matches("# EOF\n")).unwrap();
    std::fs::write(
        dir.join("httpd.conf"),
        ".om:application/openmetrics-text; version=1.0.0; charset=utf-8\n",
    )
    .unwrap();
    let web = free_port();
    let _httpd = Server(
        Command::new(&bb)
            .args(["httpd", "-f", "-p", &format!("127.0.0.1:{web}"), "-h"])
            .arg(&www)
            .arg("-c")
            .arg(dir.join("httpd.conf"))
            .spawn()
            .unwrap(),
    );
    let served = wait_for(10, "busybox httpd", || http_get(web, "/ctune.om"));
    assert_eq!(served, body);
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: ctune\n    metrics_path: /ctune.om\n    static_configs:\n      - targets: ['127.0.0.1:{web}']\n  - job_name: broken\n    metrics_path: /broken.om\n    static_configs:\n      - targets: ['127.0.0.1:{web}']\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let _prom = Server(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // The target is up only when the scrape parsed: a malformed exposition sets lastError.
    let job = |name: &str| {
        let t = http_get(port, "/api/v1/targets")?;
        let v: Value = serde_json::from_str(&t).ok()?;
        let t = v["data"]["activeTargets"]
            .as_array()?
            .iter()
            .find(|t| t["labels"]["job"] == name)?
            .clone();
        (t["health"] != "unknown").then_some(t)
    };
    let t = wait_for(40, "a scrape of ctune", || job("ctune"));
    assert_eq!(t["health"], "up", "{t}");
    assert_eq!(t["lastError"], "", "{t}");
    let t = wait_for(20, "a scrape of the control", || job("broken"));
    assert_eq!(t["health"], "down", "{t}");
    assert!(t["lastError"].as_str().unwrap().contains("EOF"), "{t}");
    let q = wait_for(20, "ctune_finding in the TSDB", || {
        let r = http_get(port, "/api/v1/query?query=ctune_finding")?;
        let v: Value = serde_json::from_str(&r).ok()?;
        let res = v["data"]["result"].as_array()?.clone();
        (!res.is_empty()).then_some(res)
    });
    let mut ids: Vec<String> = q
        .iter()
        .map(|s| s["metric"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, lint_ids(&root));
    // The counter came through as a counter sample (`_total`), its value intact.
    let r = wait_for(10, "the PSI counter", || {
        http_get(
            port,
            "/api/v1/query?query=ctune_pressure_stalled_seconds_total%7Bscope%3D%22cgroup%22%2Cresource%3D%22memory%22%2Ckind%3D%22some%22%7D",
        )
    });
    let v: Value = serde_json::from_str(&r).unwrap();
    assert_eq!(v["data"]["result"][0]["value"][1], "96.112455", "{v}");
    drop(_prom);
    std::fs::remove_dir_all(&dir).unwrap();
}
