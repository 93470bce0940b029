"""The Markdown table (results.md) and the plot (results.png) from the summaries."""

import os
import sys

from . import judge

MIB = 1024 * 1024


def entry(kind, cell, s):
    """One table entry: the medians with their spread, or what went wrong."""
    if not s["runs"]:
        return "not run"
    if s["refused"] == s["runs"]:
        return "refused: " + s["failures"][0].split(": ", 1)[-1]
    bad = s["runs"] - s["ok"]
    if s["ok"] == 0:
        what = "OOM-killed" if s["killed"] else ", ".join(s["failures"])
        return f"**{what}** ({bad}/{s['runs']})"
    if kind == "service":
        head = f"{med_fmt(s['rps'], '{:,.0f}')} req/s{spread(s['rps'])} · " \
               f"p99 {med_fmt(s['p99_ms'], '{:.0f}')} ms"
    else:
        head = f"{med_fmt(s['wall_s'], '{:.1f}')} s{spread(s['wall_s'])}"
    gc = s["gc_share"]["median"] * 100 if s["gc_share"] else None
    gc_cpu = s["gc_cpu_share"]["median"] * 100 if s.get("gc_cpu_share") else None
    peak = s["peak"]["max"] / cell.mem_bytes * 100 if s["peak"] else None
    tail = f" · GC {gc:.0f} %" if gc is not None else ""
    tail += f" ({gc_cpu:.0f} % of CPU)" if gc_cpu is not None else ""
    tail += f" · peak {peak:.0f} %" if peak is not None else ""
    if kind == "batch" and s.get("sys_s"):
        tail += f" · kernel {s['sys_s']['median']:.1f} s"
        if s.get("page_faults"):
            tail += f", {s['page_faults']['median'] * judge.PAGE / MIB:,.0f} MiB faulted in"
    if bad:
        what = "OOM-killed" if s["killed"] else ", ".join(f for f in s["failures"] if f)
        tail += f" · **{what} in {bad}/{s['runs']}**"
    return head + tail


VERDICT_LABELS = {judge.PASS: "PASS", judge.NOISE: "within noise", judge.FAIL: "**FAIL**"}


def tally(verdicts):
    """The count line under the verdict table."""
    n = {k: sum(1 for status, _ in verdicts.values() if status == k) for k in VERDICT_LABELS}
    are = "is" if n[judge.NOISE] == 1 else "are"
    return (f"{n[judge.PASS]} of {len(verdicts)} verdicts pass, {n[judge.NOISE]} {are} within "
            f"the runs' noise (medians past a criterion's edge that the runs cannot tell from "
            f"it, one-sided Mann-Whitney p > {judge.SIGNIFICANCE}), {n[judge.FAIL]} fail.")


def med_fmt(st, fmt):
    return fmt.format(st["median"]) if st else "?"


def spread(st):
    """The runs' range around the median, as ± % of it."""
    if not st or st["n"] < 2 or not st["median"]:
        return ""
    half = (st["max"] - st["min"]) / 2 / st["median"] * 100
    return f" ±{half:.0f} %"


def heap(s):
    return f"{s['max_heap'] / MIB:.0f}" if s.get("max_heap") else "?"


def markdown(cells, configs, summaries, verdicts, machine):
    lines = []
    for kind, title in (("service", "HTTP service (`wrk -t1 -c32`): req/s ±spread · p99 · "
                                    "GC pause share (GC threads' share of CPU) · peak memory "
                                    "of the limit"),
                        ("batch", "Batch job: wall seconds ±spread · GC pause share (GC "
                                  "threads' share of CPU) · peak memory of the limit · kernel "
                                  "CPU, memory faulted in (page faults x 4 KiB)")):
        ks = [c for c in cells if c.workload.kind == kind]
        if not ks:
            continue
        lines += [f"**{title}**", ""]
        lines.append("| | " + " | ".join(c.title() for c in ks) + " |")
        lines.append("|---" * (len(ks) + 1) + "|")
        for cf in configs:
            row = [entry(kind, c, summaries[(c.id, cf.name)]) for c in ks]
            lines.append(f"| {cf.label} | " + " | ".join(row) + " |")
        lines.append("| *max heap MiB* | " + " | ".join(
            " · ".join(f"{heap(summaries[(c.id, cf.name)])}" for cf in configs) for c in ks)
            + " |")
        lines.append("")
    lines += ["**Verdict** (the issue's \"Done when\", per cell and ctune profile)", ""]
    profiles = [cf for cf in configs if cf.is_ctune]
    lines.append("| cell | " + " | ".join(p.label for p in profiles) + " |")
    lines.append("|---" * (len(profiles) + 1) + "|")
    for c in cells:
        row = []
        for p in profiles:
            status, why = verdicts[(c.id, p.name)]
            row.append(VERDICT_LABELS[status] + ": " + "; ".join(why))
        lines.append(f"| {c.title()} | " + " | ".join(row) + " |")
    lines += ["", tally(verdicts), ""]
    lines += ["ctune's flags per cell (from `ctune exec`'s line):", ""]
    for c in cells:
        for p in profiles:
            line = summaries[(c.id, p.name)].get("ctune")
            if line:
                lines.append(f"- {c.id}, {p.label}: `{line}`")
    lines += ["", machine]
    return "\n".join(lines) + "\n"


def plot(cells, configs, summaries, path, pylib):
    """Relative throughput per cell (1.0 = the best configuration that completed every run),
    the runs' range as error bars, failures marked. Returns an error string or None."""
    if pylib and pylib not in sys.path:
        sys.path.insert(0, pylib)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        return f"no plot: {e}"
    n = len(cells)
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    colours = ["#999999", "#d08c3c", "#b5a642", "#7c6fb0"] + ["#2a7ab0", "#3fa34d", "#c0392b",
                                                               "#16a085", "#8e44ad"]
    for i, c in enumerate(cells):
        ax = axes[i // cols][i % cols]
        kind = c.workload.kind
        ok = [cf for cf in configs if summaries[(c.id, cf.name)]["survived"]]
        ref = None
        for cf in ok:
            s = summaries[(c.id, cf.name)]
            if ref is None or judge.better(kind, s, ref):
                ref = s
        for j, cf in enumerate(configs):
            s = summaries[(c.id, cf.name)]
            col = colours[j % len(colours)]
            rel = judge.relative_throughput(kind, s, ref) if ref and s["ok"] else None
            if rel is None:
                label = ("refused" if s["refused"] else "OOM-killed" if s["killed"]
                         else (s["failures"] or ["failed"])[0][:24])
                ax.bar(j, 0.02, color="#c0392b")
                ax.text(j, 0.05, label, rotation=90, ha="center", va="bottom", fontsize=7,
                        color="#c0392b")
                continue
            key = "rps" if kind == "service" else "wall_s"
            st, r = s[key], judge.med(ref, key)
            lo, hi = ((st["min"] / r, st["max"] / r) if kind == "service"
                      else (r / st["max"], r / st["min"]))
            ax.bar(j, rel, color=col, hatch=None if s["survived"] else "//",
                   yerr=[[max(rel - lo, 0)], [max(hi - rel, 0)]], capsize=2)
            if not s["survived"]:
                ax.text(j, rel + 0.05, "some runs failed", rotation=90, ha="center",
                        va="bottom", fontsize=6)
        ax.axhline(0.95, color="#555555", lw=0.8, ls="--")
        ax.set_xticks(range(len(configs)))
        ax.set_xticklabels([cf.label.replace("MaxRAMPercentage", "MRP").replace(
            " memory calculator", "").replace(" run-java.sh", "") for cf in configs],
            rotation=60, ha="right", fontsize=7)
        ax.set_ylim(0, 1.3)
        ax.set_title(c.short(), fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        if i % cols == 0:
            ax.set_ylabel("throughput / best completing", fontsize=8)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.suptitle("Does the advice win? Throughput relative to the best configuration that "
                 "completed every run (dashed: 0.95)", fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None
