"""What runs: the workloads (issue20a's Java sources in benches/advice/workloads/, driven by
system properties, see their README) and the cells of each matrix."""

MIB = 1024 * 1024


class Workload:
    def __init__(self, name, kind, main):
        self.name, self.kind, self.main = name, kind, main
        self.app_class_files = 0  # set once compiled (the Paketo class count uses it)

    def props(self, cell, port):
        p = [f"-Dlive.share={cell.live}", f"-Dlive.of={cell.mem_mib}m"]
        if self.kind == "service":
            p.append(f"-Dport={port}")
        return p + [f"-D{k}={v}" for k, v in cell.extra.items()]


HTTP = Workload("http", "service", "Http")
BATCH = Workload("batch", "batch", "Batch")


class Cell:
    """One workload at one limit: memory MiB, CPUs, live share of the limit, and the extra
    load (NativeLoad properties). `ctune_set` is what a user tells ctune about the app
    (`--set`), e.g. its thread count; `native_heavy` marks the cells of the last criterion."""

    def __init__(self, workload, mem_mib, cpus, live, extra=None, ctune_set=(), native_heavy=False,
                 tag=None):
        self.workload, self.mem_mib, self.cpus, self.live = workload, mem_mib, cpus, live
        self.extra = dict(extra or {})
        self.ctune_set = list(ctune_set)
        self.native_heavy = native_heavy
        mem = f"{mem_mib // 1024}g" if mem_mib % 1024 == 0 else f"{mem_mib}m"
        self.tag = tag or workload.name
        self.id = f"{self.tag}-{mem}-{cpus:g}cpu-live{int(round(live * 100))}"

    @property
    def mem_bytes(self):
        return self.mem_mib * MIB

    def title(self):
        extra = ", ".join(f"{k}={v}" for k, v in self.extra.items())
        return self.short(self.workload.name) + (f", {extra}" if extra else "")

    def short(self, name=None):
        cpu = f"{self.cpus:g} CPU" + ("s" if self.cpus > 1 else "")
        mem = f"{self.mem_mib // 1024} GiB" if self.mem_mib % 1024 == 0 else f"{self.mem_mib} MiB"
        return f"{name or self.tag}, {mem} / {cpu}, live {int(round(self.live * 100))} %"


# The native-heavy loads of the issue: +240 MiB held off-heap at a 35 % live set (MRP=75 was
# killed by the kernel in 3 of 3 runs at 1 GiB), and 900 threads touching ~300 KiB of stack each
# at a 45 % live set (killed too). ctune is told what a user would know (`--set`).
OFF_HEAP = {"direct.mib": 240}
OFF_HEAP_SET = ["memory.direct_mib=240"]
THREADS = {"threads": 900, "stack.kib": 300}
THREADS_SET = ["memory.threads=900"]

# Batch work per run: enough to reach a steady state, short enough for the matrix.
BATCH_WORK = {"work.mib": 2048}


def default_matrix():
    """A few minutes: the limits' range (256 MiB-4 GiB, 0.5-2 CPUs) and the issue's cases."""
    return [
        Cell(HTTP, 1024, 1, 0.35),
        Cell(HTTP, 512, 1, 0.35),
        Cell(HTTP, 2048, 2, 0.35),
        Cell(BATCH, 1024, 1, 0.35, BATCH_WORK),
        Cell(BATCH, 256, 0.5, 0.10, BATCH_WORK),
        Cell(BATCH, 4096, 2, 0.10, BATCH_WORK),
        Cell(HTTP, 1024, 1, 0.35, OFF_HEAP, OFF_HEAP_SET, True, tag="http+direct240m"),
        # Half the work: a failing run here thrashes in full collections for 30 s first.
        Cell(BATCH, 1024, 1, 0.45, {"work.mib": 1024, **THREADS}, THREADS_SET, True,
             tag="batch+900threads"),
    ]


def large_matrix():
    """The issue's grid and more: live 10/35/60 % at 256 MiB-4 GiB, 0.5-2 CPUs, plus the
    native-heavy loads (direct buffers, threads, generated classes, JIT)."""
    cells = []
    for mem, cpus in ((256, 0.5), (512, 1), (1024, 1), (1024, 0.5), (2048, 1.5), (2048, 2),
                      (4096, 2)):
        for live in (0.10, 0.35, 0.60):
            cells.append(Cell(HTTP, mem, cpus, live))
            cells.append(Cell(BATCH, mem, cpus, live, BATCH_WORK))
    for mem in (1024, 2048):
        cells.append(Cell(HTTP, mem, 1, 0.35, OFF_HEAP, OFF_HEAP_SET, True,
                          tag="http+direct240m"))
        cells.append(Cell(BATCH, mem, 1, 0.45, {**BATCH_WORK, **THREADS}, THREADS_SET, True,
                          tag="batch+900threads"))
    cells.append(Cell(HTTP, 1024, 1, 0.35, {"classes": 30000}, ["memory.loaded_classes=40000"],
                      True, tag="http+30kclasses"))
    cells.append(Cell(HTTP, 1024, 1, 0.35, {"jit.methods": 3000}, [], True, tag="http+jit"))
    # The default matrix's 4 GiB batch allocates 2 GiB in all, less than the heaps it is given:
    # there a larger heap only costs first touches of fresh pages. Eight times the work.
    cells.append(Cell(BATCH, 4096, 2, 0.10, {"work.mib": 16384}, tag="batch-long"))
    return cells


def quick_matrix():
    """A smoke test of the harness itself (one cell of each workload kind)."""
    return [Cell(HTTP, 1024, 1, 0.35), Cell(BATCH, 512, 1, 0.10, {"work.mib": 1024})]


MATRICES = {"quick": quick_matrix, "default": default_matrix, "large": large_matrix}
