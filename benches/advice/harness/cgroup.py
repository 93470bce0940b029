"""A real cgroup v1 pair (memory + cpu) for one run: created, limited, read, removed.

This machine kind is a cgroup v1 hybrid host (shared/domain.md §9): writable hierarchies at
/sys/fs/cgroup/memory and /sys/fs/cgroup/cpu. The JVM reads its limits from the cgroup it is
in, so each run gets its own pair, never shared, removed at the end whatever happened.
"""

import os
import signal
import time

V1 = "/sys/fs/cgroup"
PERIOD_US = 100_000


def available():
    """Why this host cannot run the benchmark, or None."""
    if os.geteuid() != 0:
        return "needs root (it creates cgroups)"
    for c in ("memory", "cpu"):
        if not os.path.exists(os.path.join(V1, c, "cgroup.procs")):
            return f"needs a writable cgroup v1 '{c}' hierarchy at {V1}/{c}"
    return None


class Cgroup:
    """`with Cgroup(name, mem_bytes, cpus) as cg:` then `preexec_fn=cg.enter` in Popen."""

    def __init__(self, name, mem_bytes, cpus):
        self.dirs = {c: os.path.join(V1, c, name) for c in ("memory", "cpu")}
        self.mem_bytes = mem_bytes
        self.cpus = cpus

    def __enter__(self):
        for d in self.dirs.values():
            os.makedirs(d, exist_ok=False)
        m = self.dirs["memory"]
        # No swap on the benchmark host, but if there is some, the limit must still be the
        # limit: swappiness 0 and mem+swap = mem (when swap accounting exists).
        _write(os.path.join(m, "memory.swappiness"), "0")
        _write(os.path.join(m, "memory.limit_in_bytes"), str(self.mem_bytes))
        memsw = os.path.join(m, "memory.memsw.limit_in_bytes")
        if os.path.exists(memsw):
            _write(memsw, str(self.mem_bytes))
        c = self.dirs["cpu"]
        _write(os.path.join(c, "cpu.cfs_period_us"), str(PERIOD_US))
        _write(os.path.join(c, "cpu.cfs_quota_us"), str(int(round(self.cpus * PERIOD_US))))
        return self

    def enter(self):
        """Runs in the child between fork and exec: move this process into the pair."""
        pid = str(os.getpid())
        for d in self.dirs.values():
            _write(os.path.join(d, "cgroup.procs"), pid)

    def max_usage(self):
        return _read_int(os.path.join(self.dirs["memory"], "memory.max_usage_in_bytes"))

    def oom_kills(self):
        """The kernel's OOM-kill count in this cgroup (memory.oom_control, kernel >= 4.13)."""
        return _keyed(os.path.join(self.dirs["memory"], "memory.oom_control")).get("oom_kill")

    def page_faults(self):
        """The page faults of the run's processes (memory.stat's total_pgfault), or None. Each
        fault on fresh memory is one 4 KiB page the kernel zeroes, and in a VM whose host backs
        memory lazily, one the host faults in too (run.py's first-touch probe prices it)."""
        return _keyed(os.path.join(self.dirs["memory"], "memory.stat")).get("total_pgfault")

    def throttled(self):
        """(nr_periods, nr_throttled) from cpu.stat."""
        st = _keyed(os.path.join(self.dirs["cpu"], "cpu.stat"))
        return st.get("nr_periods"), st.get("nr_throttled")

    def pids(self):
        out = set()
        for d in self.dirs.values():
            try:
                with open(os.path.join(d, "cgroup.procs")) as f:
                    out.update(int(x) for x in f.read().split())
            except OSError:
                pass
        return out

    def kill_all(self, deadline_s=10):
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            pids = self.pids()
            if not pids:
                return True
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        return not self.pids()

    def __exit__(self, *exc):
        self.kill_all()
        for d in self.dirs.values():
            for _ in range(100):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)
        return False


def sweep(prefix, include_own=False):
    """Removes cgroups a killed earlier run of the benchmark left behind: names are
    PREFIX<pid>-<n>, and only those whose benchmark process <pid> is gone (or is this one, with
    include_own) are touched."""
    for c in ("memory", "cpu"):
        base = os.path.join(V1, c)
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for n in names:
            owner = n[len(prefix):].split("-")[0] if n.startswith(prefix) else ""
            mine = include_own and owner == str(os.getpid())
            if owner.isdigit() and (mine or not os.path.exists(f"/proc/{owner}")):
                d = os.path.join(base, n)
                try:
                    with open(os.path.join(d, "cgroup.procs")) as f:
                        for p in f.read().split():
                            try:
                                os.kill(int(p), signal.SIGKILL)
                            except ProcessLookupError:
                                pass
                    time.sleep(0.2)
                    os.rmdir(d)
                except OSError:
                    pass


def _write(path, value):
    with open(path, "w") as f:
        f.write(value)


def _read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _keyed(path):
    """A cgroup file of "key value" lines (memory.stat, memory.oom_control, cpu.stat) as
    {key: int}: lines that are not a key and a number are left out, an unreadable file is {}."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.partition(" ")
                try:
                    out[k] = int(v)
                except ValueError:
                    pass
    except OSError:
        pass
    return out
