"""The configurations ctune is judged against, and ctune itself.

Each turns (cell, java) into the command prefix that starts the JVM: either extra JVM options
(an alternative) or `ctune exec --profile P [--set ...] --` in front of `java` (ctune).
"""

import os
import re
import subprocess

MIB = 1024 * 1024


class Config:
    def __init__(self, name, label, is_ctune, profile=None):
        self.name, self.label, self.is_ctune, self.profile = name, label, is_ctune, profile

    def __repr__(self):
        return self.name


ALTERNATIVES = [
    Config("defaults", "JVM defaults", False),
    Config("mrp75", "MaxRAMPercentage=75", False),
    Config("fabric8", "fabric8 run-java.sh", False),
    Config("paketo", "Paketo memory calculator", False),
]


class Experiment(Config):
    """`run.py --try NAME=OPTIONS`: fixed JVM options, to measure a what-if before it becomes
    advice (an alternative like the others in the tables and verdicts)."""

    def __init__(self, name, options):
        super().__init__(name, f"try {name}: {' '.join(options)}", False)
        self.options = list(options)


def ctune_configs(profiles):
    return [Config(f"ctune-{p}", f"ctune {p}", True, p) for p in profiles]


class Refused(Exception):
    """The configuration cannot produce a command for this cell (as the real tool would exit)."""


def jvm_options(config, cell, java):
    """The JVM options an alternative adds (not for ctune configs)."""
    if isinstance(config, Experiment):
        return list(config.options)
    if config.name == "defaults":
        return []
    if config.name == "mrp75":
        # The internet's one-line advice.
        return ["-XX:MaxRAMPercentage=75"]
    if config.name == "fabric8":
        # fabric8 run-java.sh (9ef84dc) on JDK >= 10 adds no heap or thread flags, only this
        # (shared/domain.md §6). On older JDKs it would set -Xmx 50 % and thread flags.
        if java.major is not None and java.major < 10:
            raise Refused("fabric8's JDK < 10 branch is not modelled")
        return ["-XX:+ExitOnOutOfMemoryError"]
    if config.name == "paketo":
        return paketo_options(cell.mem_bytes, loaded_class_count(java, cell.workload))
    raise ValueError(config.name)


# --- Paketo / Cloud Foundry memory calculator (java-buildpack-memory-calculator v4, as used by
# Paketo libjvm's memory-calculator helper), from its documented algorithm:
#   headroom  = total * head-room%            (Paketo default BPL_JVM_HEAD_ROOM = 0)
#   direct    = -XX:MaxDirectMemorySize        (default 10M "in the absence of any heuristic")
#   metaspace = 5800 B * loaded classes + 14,000,000 B
#   code      = -XX:ReservedCodeCacheSize      (240M)
#   stacks    = -Xss (1M) * thread count       (Paketo default BPL_JVM_THREAD_COUNT = 250)
#   Xmx       = total - headroom - direct - metaspace - code - stacks; error if not positive.
# Loaded classes (Paketo libjvm): 0.35 x (class files in the JRE + class files of the app).
PAKETO_HEADROOM_PERCENT = 0
PAKETO_DIRECT = 10 * MIB
PAKETO_CODE_CACHE = 240 * MIB
PAKETO_THREADS = 250
PAKETO_STACK = 1 * MIB
PAKETO_CLASS_LOAD_FACTOR = 0.35


def paketo_metaspace(classes):
    return 5800 * classes + 14_000_000


def paketo_heap(total, classes):
    headroom = total * PAKETO_HEADROOM_PERCENT // 100
    return (total - headroom - PAKETO_DIRECT - paketo_metaspace(classes) - PAKETO_CODE_CACHE
            - PAKETO_THREADS * PAKETO_STACK)


def paketo_options(total, classes):
    heap = paketo_heap(total, classes)
    if heap <= 0:
        fixed = total - heap
        raise Refused(f"Paketo calculator: fixed regions {fixed // MIB} MiB exceed the "
                      f"{total // MIB} MiB limit")
    return [
        f"-XX:MaxDirectMemorySize={PAKETO_DIRECT // MIB}M",
        f"-Xmx{heap // 1024}K",
        f"-XX:MaxMetaspaceSize={paketo_metaspace(classes) // 1024}K",
        f"-XX:ReservedCodeCacheSize={PAKETO_CODE_CACHE // MIB}M",
        f"-Xss{PAKETO_STACK // MIB}M",
    ]


def loaded_class_count(java, workload):
    jre = java.class_files()
    return int(PAKETO_CLASS_LOAD_FACTOR * (jre + workload.app_class_files))


class Java:
    """The JDK under test: its `java`, major version and JRE class-file count."""

    def __init__(self, path):
        self.path = os.path.realpath(path)
        self.home = os.path.dirname(os.path.dirname(self.path))
        self.major = _major_version(self.home)
        self._classes = None

    def tool(self, name):
        p = os.path.join(self.home, "bin", name)
        return p if os.path.exists(p) else None

    def class_files(self):
        if self._classes is None:
            self._classes = _jre_class_files(self)
        return self._classes


def _major_version(home):
    try:
        with open(os.path.join(home, "release")) as f:
            m = re.search(r'^JAVA_VERSION="(\d+)(?:\.(\d+))?', f.read(), re.M)
    except OSError:
        return None
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def _jre_class_files(java):
    """Class files in the runtime image (Paketo counts them the same way); 26,588 for the
    Debian 17.0.15 JDK. Without `jimage` (a bare JRE), that figure stands in and says so."""
    jimage = java.tool("jimage")
    modules = os.path.join(java.home, "lib", "modules")
    if jimage and os.path.exists(modules):
        try:
            out = subprocess.run([jimage, "list", modules], capture_output=True, text=True,
                                 timeout=120).stdout
            n = sum(1 for line in out.splitlines() if line.strip().endswith(".class"))
            if n:
                return n
        except (OSError, subprocess.TimeoutExpired):
            pass
    return 26_588
