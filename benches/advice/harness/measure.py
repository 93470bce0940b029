"""One run: one workload, one configuration, one cell, in its own cgroup pair, bounded in time.
Returns a plain dict (one line of runs.jsonl)."""

import os
import signal
import socket
import subprocess
import time
import urllib.request

from . import parse
from .cgroup import Cgroup
from .configs import Refused, jvm_options

MIB = 1024 * 1024
WRK_CONNECTIONS = 32


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(cell, config, env, gc_log, port):
    """The argv that starts this run, or raises Refused."""
    w = cell.workload
    java_args = [f"-Xlog:gc:file={gc_log}:uptime"] + w.props(cell, port) + [
        "-cp", env.classes, w.main]
    if config.is_ctune:
        hints = []
        for s in cell.ctune_set:
            hints += ["--set", s]
        return [env.ctune, "exec", "--profile", config.profile] + hints + [
            "--", env.java.path] + java_args
    return [env.java.path] + jvm_options(config, cell, env.java) + java_args


def run(cell, config, env, rep, seq):
    """Runs once; never raises for what the JVM or the kernel did (that is the result)."""
    rec = {"cell": cell.id, "config": config.name, "rep": rep,
           "loadavg_before": _loadavg()}
    rundir = os.path.join(env.workdir, f"{seq:04d}-{cell.id}-{config.name}-{rep}")
    os.makedirs(rundir, exist_ok=True)
    gc_log = os.path.join(rundir, "gc.log")
    port = free_port()
    try:
        argv = command(cell, config, env, gc_log, port)
    except Refused as e:
        rec.update(status="refused", failure=str(e))
        return rec
    rec["argv"] = argv
    name = f"{env.cgroup_prefix}{os.getpid()}-{seq}"
    with Cgroup(name, cell.mem_mib * MIB, cell.cpus) as cg:
        out_path, err_path = os.path.join(rundir, "stdout"), os.path.join(rundir, "stderr")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            t0 = time.monotonic()
            try:
                proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                        cwd=rundir, preexec_fn=cg.enter, start_new_session=True)
            except OSError as e:
                rec.update(status="failed", failure=f"could not start: {e}")
                return rec
            try:
                if cell.workload.kind == "service":
                    _service(proc, t0, port, cell, env, out_path, rec)
                else:
                    _batch(proc, t0, env, rec)
            finally:
                _stop(proc)
                rec["exit"] = proc.returncode
        rec["peak_bytes"] = cg.max_usage()
        rec["oom_kills"] = cg.oom_kills()
        rec["page_faults"] = cg.page_faults()
        periods, throttled = cg.throttled()
        rec["throttled_share"] = (throttled / periods) if periods else None
    stdout, stderr = _read(out_path), _read(err_path)
    _conclude(rec, stdout, stderr, _read(gc_log))
    rec["loadavg_after"] = _loadavg()
    return rec


def _service(proc, t0, port, cell, env, out_path, rec):
    deadline = t0 + env.start_timeout_s
    while True:
        if proc.poll() is not None:
            rec["died"] = "before ready"
            return
        if any(r.get("event") == "ready" for r in parse.results(_read(out_path))):
            break
        if time.monotonic() > deadline:
            rec["died"] = f"not ready after {env.start_timeout_s} s"
            return
        time.sleep(0.05)
    rec["ready_s"] = time.monotonic() - t0
    url = f"http://127.0.0.1:{port}/"
    if env.warmup_s > 0:
        _wrk(url, env.warmup_s, latency=False)
    if proc.poll() is not None:
        rec["died"] = "during warm-up"
        return
    before = _stats(url)
    start = time.monotonic() - t0
    text = _wrk(url, env.measure_s, latency=True)
    end = time.monotonic() - t0
    rec["cpu_window"] = [before, _stats(url)]
    with open(os.path.join(os.path.dirname(out_path), "wrk"), "w") as f:
        f.write(text)
    rec["window_s"] = [start, end]
    rec["wrk"] = parse.wrk(text)
    if proc.poll() is not None:
        rec["died"] = "during the measurement"


def _batch(proc, t0, env, rec):
    try:
        proc.wait(timeout=env.batch_timeout_s)
        rec["wall_s"] = time.monotonic() - t0
    except subprocess.TimeoutExpired:
        rec["died"] = f"no result after {env.batch_timeout_s} s"


def _stats(url):
    """The service's own counters (GET /stats: CPU seconds, its collector threads' among them),
    or None: bracketing the measured window, they give the collector's share of its CPU."""
    try:
        with urllib.request.urlopen(url + "stats", timeout=10) as r:
            found = parse.results("RESULT " + r.read().decode("utf-8", "replace"))
    except (OSError, ValueError):
        return None
    return found[0] if found else None


def _wrk(url, seconds, latency):
    argv = ["wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{int(seconds)}s", "--timeout", "5s"]
    if latency:
        argv.append("--latency")
    try:
        return subprocess.run(argv + [url], capture_output=True, text=True,
                              timeout=seconds + 30).stdout
    except subprocess.TimeoutExpired as e:
        return e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")


def _stop(proc):
    """SIGTERM (the service prints its last result line), then SIGKILL the whole session."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _conclude(rec, stdout, stderr, gclog):
    """Status: ok | failed (with the kind) | killed (kernel OOM kill)."""
    results = parse.results(stdout)
    last = results[-1] if results else {}
    rec["max_heap"] = next((r["max_heap"] for r in results if "max_heap" in r), None)
    rec["collectors"] = next((r["collectors"] for r in results if "collectors" in r), None)
    rec["ctune"] = parse.ctune_line(stderr)
    text = stdout + "\n" + stderr + "\n" + str(last.get("error", ""))
    found = parse.failure_line(text)
    kind = found[0] if found else None
    if found:
        rec["message"] = found[1]
    pauses = parse.gc_pauses(gclog)
    if rec.get("oom_kills"):
        rec["status"], rec["failure"] = "killed", "kernel OOM kill"
    elif kind:
        rec["status"], rec["failure"] = "failed", kind
    elif rec.get("exit") == 3 and "-XX:+ExitOnOutOfMemoryError" in " ".join(
            rec.get("argv", []) + [rec.get("ctune") or ""]):
        # -XX:+ExitOnOutOfMemoryError exits 3, sometimes before anything is printed.
        rec["status"], rec["failure"] = "failed", "OOME (exit 3)"
    elif rec.get("died") or "error" in last:
        rec["status"] = "failed"
        rec["failure"] = last.get("error") or f"died {rec['died']} (exit {rec.get('exit')})"
    elif "wrk" in rec:
        w = rec["wrk"]
        if not w["rps"] or w["non_2xx"] > 0.01 * (w["requests"] or 0):
            rec["status"], rec["failure"] = "failed", f"wrk: {w}"
        else:
            rec["status"] = "ok"
            rec["rps"] = w["rps"]
            rec["p99_ms"] = w["p99_s"] * 1000 if w["p99_s"] is not None else None
            rec["gc_share"] = parse.gc_share(pauses, *rec["window_s"])
            before, after = rec.get("cpu_window") or [None, None]
            if after is not None:
                rec["gc_cpu_share"] = parse.gc_cpu_share(before, after)
                rec["sys_s"] = parse.cpu_delta(before, after, "sys_s")
    elif "wall_s" in rec:
        if rec.get("exit") != 0:
            rec["status"], rec["failure"] = "failed", f"exit {rec.get('exit')}"
        else:
            rec["status"] = "ok"
            rec["gc_share"] = parse.gc_share(pauses, 0.0, rec["wall_s"])
            rec["gc_cpu_share"] = parse.gc_cpu_share(None, last)
            rec["sys_s"] = parse.cpu_delta(None, last, "sys_s")
    else:
        rec["status"], rec["failure"] = "failed", "no result"
    if rec["status"] != "ok":
        rec["tail"] = (stderr.strip().splitlines() or [""])[-1][:300]


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
