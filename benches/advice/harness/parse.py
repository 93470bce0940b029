"""Pure parsers of what a run leaves behind: wrk's report, the GC log, the JVM's own output.
Text in, values out; nothing here touches the file system."""

import json
import re

_UNITS_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    return float(m.group(1)) * _UNITS_S[m.group(2)] if m else None


def wrk(text):
    """wrk's report (run with --latency): req/s, p99 seconds, requests, errors."""
    out = {"rps": None, "p99_s": None, "requests": None, "non_2xx": 0, "socket_errors": 0}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if m:
        out["rps"] = float(m.group(1))
    m = re.search(r"^\s+99(?:\.000)?%\s+(\S+)", text, re.M)
    if m:
        out["p99_s"] = _seconds(m.group(1))
    m = re.search(r"^\s+(\d+) requests in", text, re.M)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non_2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["socket_errors"] = sum(int(g) for g in m.groups())
    return out


# -Xlog:gc with the uptime decoration, JDK 11-25:
#   [12.345s][info][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(256M) 3.456ms
#   [12.400s][info][gc] GC(4) Pause Full (Allocation Failure) 300M->290M(310M) 512.1ms
# Concurrent phases ("Concurrent Mark Cycle 45ms") run beside the application: not counted.
_PAUSE = re.compile(r"^\[([\d.]+)s\].*\bGC\(\d+\) Pause .* ([\d.]+)ms\s*$")


def gc_pauses(text):
    """[(uptime_s at the end of the pause, pause_s)] from an -Xlog:gc:...:uptime log."""
    out = []
    for line in text.splitlines():
        m = _PAUSE.match(line)
        if m:
            out.append((float(m.group(1)), float(m.group(2)) / 1000.0))
    return out


def gc_share(pauses, start_s=None, end_s=None):
    """Share of the wall time [start_s, end_s] (JVM uptime) spent in stop-the-world pauses; a
    pause that straddles an edge counts for its part inside."""
    if start_s is None:
        start_s = 0.0
    if end_s is None:
        end_s = pauses[-1][0] if pauses else 0.0
    span = end_s - start_s
    if span <= 0:
        return None
    inside = 0.0
    for end, dur in pauses:
        lo, hi = max(end - dur, start_s), min(end, end_s)
        if hi > lo:
            inside += hi - lo
    return inside / span


def cpu_delta(before, after, key):
    """How much the workload's CPU counter `key` (`cpu_s`, `sys_s`, `gc_cpu_s`) grew between two
    of its result objects (before=None: since the JVM started), or None where one is missing
    or could not be read (the workload reports -1)."""
    def value(r):
        v = r.get(key) if isinstance(r, dict) else None
        return v if isinstance(v, (int, float)) and v >= 0 else None
    b = 0.0 if before is None else value(before)
    a = value(after)
    return None if a is None or b is None else max(0.0, a - b)


def gc_cpu_share(before, after):
    """The collector threads' share of the process's CPU between two result objects, or None.
    Unlike the pause share it counts a concurrent collector's work beside the application."""
    cpu, gc = cpu_delta(before, after, "cpu_s"), cpu_delta(before, after, "gc_cpu_s")
    return gc / cpu if cpu and gc is not None else None


def results(stdout):
    """The workload's `RESULT {json}` lines, in order (garbage lines are skipped)."""
    out = []
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            try:
                v = json.loads(line[7:])
            except ValueError:
                continue
            if isinstance(v, dict):
                out.append(v)
    return out


# What a JVM prints when it runs out of something (stdout, stderr, or the workload's "error").
_FAILURES = [
    ("direct-buffer exhaustion", re.compile(r"Direct buffer memory|Cannot reserve .*direct buffer")),
    ("code-cache exhaustion", re.compile(r"CodeCache is full|code cache.*(full|exhausted)", re.I)),
    ("OOME metaspace", re.compile(r"OutOfMemoryError: (Metaspace|Compressed class space)")),
    ("OOME native thread", re.compile(r"unable to create (new )?native thread")),
    ("OOME GC overhead", re.compile(r"GC overhead limit exceeded")),
    ("OOME heap", re.compile(r"java\.lang\.OutOfMemoryError")),
    ("JVM did not start", re.compile(r"Could not create the Java Virtual Machine|"
                                     r"Error occurred during initialization of VM|"
                                     r"Unrecognized VM option|Invalid maximum heap size")),
]


def failure(text):
    """The first kind of exhaustion the output reports, or None. ctune's own line (which names
    flags such as -XX:+ExitOnOutOfMemoryError) is not the JVM's output."""
    found = failure_line(text)
    return found[0] if found else None


def failure_line(text):
    """(kind, the line that says so) for the first kind of exhaustion reported, or None."""
    lines = [line for line in text.splitlines() if not line.startswith("ctune")]
    for kind, rx in _FAILURES:
        for line in lines:
            if rx.search(line):
                return kind, line.strip()[:300]
    return None


def ctune_line(stderr):
    """ctune exec's one line of standard error saying what it applied."""
    for line in stderr.splitlines():
        if line.startswith("ctune"):
            return line.strip()
    return None
