#!/usr/bin/env python3
"""Does the advice win? The outcome benchmark of issue 20.

Runs issue20a's workloads (benches/advice/workloads/) in real cgroup v1 pairs it creates
(memory limit + CFS quota) under the JVM's defaults, -XX:MaxRAMPercentage=75, fabric8's
run-java.sh flags, the Paketo memory calculator's formula and `ctune exec` with each profile;
records req/s and p99 (wrk --latency) or wall seconds, the GC pause share (-Xlog:gc), failures
(OutOfMemoryError, direct-buffer and code-cache exhaustion), kernel OOM kills
(memory.oom_control) and peak memory (memory.max_usage_in_bytes); writes medians of interleaved
runs with their spread (results.md, results.png, runs.jsonl) and judges the issue's criteria.

    sudo benches/advice/run.py                    # the default matrix, 3 runs each
    benches/advice/run.py --matrix large --runs 5
    benches/advice/run.py --matrix quick --runs 1 --out /tmp/x   # smoke test

Needs root, a cgroup v1 host (memory and cpu hierarchies), a JDK (javac), wrk, cargo (it
builds target/release/ctune once) and, for the plot, matplotlib (installed from PyPI into
~/.cache/ctune/advice-pylib when missing).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from harness import cgroup, configs, judge, matrix, measure, report  # noqa: E402

CGROUP_PREFIX = "ctune-advice-"
PYLIB = os.path.expanduser("~/.cache/ctune/advice-pylib")
PROFILES = ["default", "throughput", "latency"]


class Env:
    """Everything a run needs that is not the cell or the configuration."""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--matrix", choices=sorted(matrix.MATRICES), default="default")
    ap.add_argument("--runs", type=int, default=3, help="runs per configuration and cell (>= 3 "
                    "for the medians the README quotes)")
    ap.add_argument("--profiles", default=",".join(PROFILES),
                    help="ctune profiles, comma-separated ('all' = every built-in profile)")
    ap.add_argument("--only", default="", help="only cells whose id contains this")
    ap.add_argument("--java", default=shutil.which("java") or "java")
    ap.add_argument("--ctune", default="", help="ctune binary (default: build target/release)")
    ap.add_argument("--warmup", type=int, default=2, help="service warm-up seconds (wrk)")
    ap.add_argument("--measure", type=int, default=4, help="service measured seconds (wrk)")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--alternatives", default=",".join(c.name for c in configs.ALTERNATIVES),
                    help="the alternatives to run, comma-separated (all four by default)")
    ap.add_argument("--try", dest="tries", action="append", default=[], metavar="NAME=OPTIONS",
                    help="an experiment: one more alternative that adds these JVM options "
                    "(space-separated), e.g. --try 'x346=-Xmx346m -XX:NewRatio=3'; repeatable")
    ap.add_argument("--from", dest="from_runs", default="",
                    help="no runs: the table, plot and verdicts from an earlier runs.jsonl")
    a = ap.parse_args()

    if a.from_runs:
        return _from_runs(a)
    why = cgroup.available() or _missing_tools()
    if why:
        print(f"benches/advice: {why}", file=sys.stderr)
        return 2
    cgroup.sweep(CGROUP_PREFIX)
    env = _environment(a)
    cells = [c for c in matrix.MATRICES[a.matrix]() if a.only in c.id]
    profiles = _profiles(a.profiles, env.ctune)
    cfgs = _alternatives(a) + configs.ctune_configs(profiles)
    for w in {c.workload for c in cells}:
        w.app_class_files = env.app_class_files

    order = schedule(cells, cfgs, a.runs)
    print(f"benches/advice: {len(cells)} cells x {len(cfgs)} configurations x {a.runs} runs = "
          f"{len(order)} runs; {env.machine}", flush=True)
    started = time.monotonic()
    records = []
    os.makedirs(a.out, exist_ok=True)
    jsonl = os.path.join(a.out, "runs.jsonl")
    with open(jsonl, "w") as log:
        for seq, (cell, cf, rep) in enumerate(order):
            rec = measure.run(cell, cf, env, rep, seq)
            records.append(rec)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(f"[{seq + 1}/{len(order)} {time.monotonic() - started:.0f}s load "
                  f"{rec.get('loadavg_before')}] {cell.id} {cf.name} #{rep}: {_brief(rec)}",
                  flush=True)
    elapsed = time.monotonic() - started

    shutil.rmtree(env.workdir, ignore_errors=True)
    machine = _machine_line(f"{env.machine}; {_first_touch('after them')}", a, records, elapsed)
    with open(os.path.join(a.out, "machine.txt"), "w") as f:
        f.write(machine + "\n")
    return _write(a, cells, cfgs, records, machine)


def _alternatives(a):
    wanted = [n for n in a.alternatives.split(",") if n]
    known = {c.name: c for c in configs.ALTERNATIVES}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        sys.exit(f"benches/advice: unknown alternative(s) {', '.join(unknown)} "
                 f"(known: {', '.join(known)})")
    tries = []
    for t in a.tries:
        name, sep, opts = t.partition("=")
        if not sep or not name or not opts.split():
            sys.exit(f"benches/advice: --try wants NAME=OPTIONS, not {t!r}")
        tries.append(configs.Experiment(name, opts.split()))
    return [known[n] for n in wanted] + tries


def _from_runs(a):
    with open(a.from_runs) as f:
        records = [json.loads(line) for line in f if line.strip()]
    cells = [c for c in matrix.MATRICES[a.matrix]() if any(r["cell"] == c.id for r in records)]
    names = {r["config"] for r in records}
    cfgs = [cf for cf in _alternatives(a) + configs.ctune_configs(_profiles(a.profiles, ""))
            if cf.name in names]
    mpath = os.path.join(os.path.dirname(a.from_runs), "machine.txt")
    machine = open(mpath).read().strip() if os.path.exists(mpath) else \
        f"Rendered from {a.from_runs} ({len(records)} runs)."
    os.makedirs(a.out, exist_ok=True)
    return _write(a, cells, cfgs, records, machine)


def _write(a, cells, cfgs, records, machine):
    summaries, verdicts = summarise(cells, cfgs, records)
    md = report.markdown(cells, cfgs, summaries, verdicts, machine)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(md)
    print()
    print(md)
    if not a.no_plot:
        _ensure_matplotlib()
        err = report.plot(cells, cfgs, summaries, os.path.join(a.out, "results.png"), PYLIB)
        print(err or f"plot: {os.path.join(a.out, 'results.png')}")
    return 0 if all(status != judge.FAIL for status, _ in verdicts.values()) else 1


def schedule(cells, cfgs, runs):
    """Interleaved: round r runs every (cell, configuration) once, configurations rotated by r,
    so that a configuration's runs are spread over the whole benchmark and none always follows
    the same neighbour (the machine is shared; its speed drifts)."""
    order = []
    for r in range(runs):
        for cell in cells:
            k = r % len(cfgs)
            for cf in cfgs[k:] + cfgs[:k]:
                order.append((cell, cf, r))
    return order


def summarise(cells, cfgs, records):
    summaries, verdicts = {}, {}
    for c in cells:
        for cf in cfgs:
            runs = [r for r in records if r["cell"] == c.id and r["config"] == cf.name]
            summaries[(c.id, cf.name)] = judge.summarise(runs)
        alts = {cf.name: summaries[(c.id, cf.name)] for cf in cfgs if not cf.is_ctune}
        for cf in cfgs:
            if cf.is_ctune:
                verdicts[(c.id, cf.name)] = judge.judge(c.workload.kind, c.native_heavy, alts,
                                                        summaries[(c.id, cf.name)])
    return summaries, verdicts


def _brief(rec):
    if rec.get("status") != "ok":
        return f"{rec.get('status')}: {rec.get('failure')}"
    peak = rec.get("peak_bytes") or 0
    gc = rec.get("gc_share")
    gc = f"{gc * 100:.1f}%" if gc is not None else "?"
    if rec.get("gc_cpu_share") is not None:
        gc += f" ({rec['gc_cpu_share'] * 100:.0f}% cpu)"
    if "rps" in rec:
        return f"{rec['rps']:.0f} req/s p99 {rec['p99_ms']:.0f} ms gc {gc} peak {peak >> 20} MiB"
    return f"{rec['wall_s']:.2f} s gc {gc} peak {peak >> 20} MiB"


def _missing_tools():
    for t in ("wrk", "javac", "cargo"):
        if not shutil.which(t):
            return f"needs {t} on PATH"
    return None


def _environment(a):
    env = Env()
    env.java = configs.Java(a.java)
    env.ctune = os.path.abspath(a.ctune) if a.ctune else _build_ctune()
    env.classes, env.app_class_files = _compile_workloads(env.java)
    env.workdir = os.path.join("/tmp", f"ctune-advice-{os.getpid()}")
    os.makedirs(env.workdir, exist_ok=True)
    env.cgroup_prefix = CGROUP_PREFIX
    env.warmup_s, env.measure_s = a.warmup, a.measure
    env.start_timeout_s, env.batch_timeout_s = 90, 300
    env.machine = _machine(env, given_ctune=bool(a.ctune))
    return env


def _build_ctune():
    print("benches/advice: cargo build --release (the ctune of this checkout)", flush=True)
    subprocess.run(["cargo", "build", "--release", "-q", "--bin", "ctune"], cwd=REPO, check=True)
    return os.path.join(REPO, "target", "release", "ctune")


def _compile_workloads(java):
    """issue20a's build script (javac --release 11), with the JDK under test's javac."""
    out = os.path.join(REPO, "target", "advice-workloads")
    shutil.rmtree(out, ignore_errors=True)
    javac = java.tool("javac") or shutil.which("javac")
    subprocess.run(["sh", os.path.join(HERE, "workloads", "build.sh"), out], check=True,
                   env={**os.environ, "JAVAC": javac}, stdout=subprocess.DEVNULL)
    n = sum(1 for _, _, fs in os.walk(out) for f in fs if f.endswith(".class"))
    return out, n


def _profiles(spec, ctune):
    if spec != "all":
        return [p for p in spec.split(",") if p]
    out = subprocess.run([ctune, "profiles"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip() and
            not line.startswith(" ")] or PROFILES


def _machine(env, given_ctune):
    java_v = subprocess.run([env.java.path, "-version"], capture_output=True,
                            text=True).stderr.splitlines()
    commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    if given_ctune:
        commit = f"{env.ctune} (given; checkout {commit})"
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name")), "?")
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.node()}: Linux {platform.release()}, {os.cpu_count()} x {cpu}, "
            f"{mem:.0f} GiB, cgroup v1; {java_v[1] if len(java_v) > 1 else java_v}; "
            f"ctune {commit}; {_first_touch('before the runs')}")


# What committing fresh memory costs on this host. A larger heap touches more pages, once; in a
# VM whose host backs guest memory lazily that is a short job's largest cost. On the dev VM
# (virtio balloon, free page reporting at order 9) 2 GiB took 2.8-14.5 s over ten tries, 5-24 us
# a page, while 1 GiB, mostly pages the guest had used recently, took about 1 s. It changes over
# hours, so it is measured before the runs and again after them. Two runs of the same 13 cells
# two hours apart (results/large-2cpu-r7 and -r4): the 4 GiB service at 60 % live under ctune
# spent 3.4-4.3 s of kernel CPU in the first and 2.3-2.4 s in the second; the probe before each
# said 2.3 s and 1.8 s.
FIRST_TOUCH = """
import mmap, time
n = 2 << 30
m = mmap.mmap(-1, n)
t = time.monotonic()
for off in range(0, n, 4096):
    m[off] = 1
print(time.monotonic() - t)
"""


def _first_touch(when):
    try:
        out = subprocess.run([sys.executable, "-c", FIRST_TOUCH], capture_output=True,
                             text=True, timeout=120).stdout
        s = float(out.strip())
    except (OSError, ValueError, subprocess.TimeoutExpired):
        s = None
    return first_touch_text(s, when)


def first_touch_text(seconds, when):
    """The probe's result for machine.txt: `seconds` for 2 GiB (None: not measured)."""
    if seconds is None:
        return f"first touch of 2 GiB {when}: not measured"
    return (f"first touch of 2 GiB of fresh memory {seconds:.1f} s {when} "
            f"({seconds / 524288 * 1e6:.1f} us a page)")


def _machine_line(machine, a, records, elapsed):
    loads = [r[k] for r in records for k in ("loadavg_before", "loadavg_after")
             if r.get(k) is not None]
    load = (f"load average (1 min) over the runs: min {min(loads):.1f}, median "
            f"{statistics.median(loads):.1f}, max {max(loads):.1f}") if loads else ""
    # The start: the runs began `elapsed` seconds before now.
    when = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=elapsed)
            ).strftime("%Y-%m-%d %H:%M UTC")
    cmd = " ".join(["benches/advice/run.py"] + sys.argv[1:])
    return (f"Ran `{cmd}` on {when} in {elapsed / 60:.1f} min ({len(records)} runs, "
            f"configurations interleaved; service: {a.warmup:g} s warm-up + {a.measure:g} s "
            f"measured per run). Machine: {machine}; {load}.")


def _ensure_matplotlib():
    sys.path.insert(0, PYLIB)
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    print(f"benches/advice: installing matplotlib into {PYLIB} (pip)", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", PYLIB,
                    "matplotlib"], check=False)


def _on_signal(signum, _frame):
    # Leave no cgroup and no JVM behind: the runs' `with Cgroup` blocks clean up on the way out.
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        cgroup.sweep(CGROUP_PREFIX, include_own=True)
        print("benches/advice: interrupted; cgroups removed", file=sys.stderr)
        sys.exit(130)
