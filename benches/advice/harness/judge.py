"""Medians over the runs, and the issue's "Done when" criteria, judged per cell and profile.
Pure functions of the run records."""

import itertools
import math
import statistics

THROUGHPUT_FLOOR = 0.95  # ctune's throughput >= 0.95 x the best surviving alternative's
RATIO_CEILING = 1.2      # ctune's p99 and GC share <= 1.2 x that alternative's
# GC share below a few percent is noise on a shared 2-CPU machine (one extra 20 ms pause in a
# 5 s window is 0.4 points): the GC criterion also passes within this many points.
GC_SLACK_POINTS = 1.0
# A median past a criterion's edge is a failure only when the runs show it: a one-sided
# Mann-Whitney test of "ctune's throughput is below 0.95 x the best's" (or its p99 or GC share
# above 1.2 x the best's) at this level. Else the verdict is
# "noise": on this shared 2-CPU machine two runs of one configuration differ by 15-25 %
# (the JVM's defaults and fabric8's flags, which on JDK 10+ differ only in
# -XX:+ExitOnOutOfMemoryError, are 10 % apart on the 4 GiB batch), and with 5 runs a median
# is not a measurement to 5 %. Significant: p <= 0.05 (with 3 runs each, p is at least
# 1/20, reached only when every ctune run is below every scaled run of the best).
SIGNIFICANCE = 0.05

PASS, NOISE, FAIL = "pass", "noise", "fail"

PAGE = 4096  # bytes a page fault brings in (the JVM's heap is not on huge pages by default)
MIB = 1024 * 1024


def summarise(runs):
    """One configuration in one cell: counts, failures, medians with their spread."""
    ok = [r for r in runs if r.get("status") == "ok"]
    s = {
        "runs": len(runs),
        "ok": len(ok),
        "killed": sum(1 for r in runs if r.get("status") == "killed"),
        "refused": sum(1 for r in runs if r.get("status") == "refused"),
        "failures": sorted({r.get("failure", "") for r in runs if r.get("status") != "ok"}),
        "max_heap": _median([r.get("max_heap") for r in runs]),
        "peak": _stat([r.get("peak_bytes") for r in runs if r.get("status") != "refused"]),
        "ctune": next((r["ctune"] for r in runs if r.get("ctune")), None),
    }
    for key in ("rps", "p99_ms", "wall_s", "gc_share", "gc_cpu_share", "sys_s", "page_faults"):
        s[key] = _stat([r.get(key) for r in ok])
    s["survived"] = bool(runs) and len(ok) == len(runs)
    return s


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _stat(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs),
            "values": xs}


def med(s, key):
    v = s.get(key)
    return v["median"] if v else None


def better(kind, a, b):
    """Is summary a's throughput better than b's? req/s up for a service, wall time down."""
    if kind == "service":
        return med(a, "rps") > med(b, "rps")
    return med(a, "wall_s") < med(b, "wall_s")


def relative_throughput(kind, s, ref):
    """s's throughput as a multiple of ref's (1.0 = equal, > 1 = better)."""
    if kind == "service":
        a, b = med(s, "rps"), med(ref, "rps")
        return a / b if a and b else None
    a, b = med(s, "wall_s"), med(ref, "wall_s")
    return b / a if a and b else None


def judge(kind, native_heavy, alternatives, ctune):
    """Verdict of one ctune profile in one cell: (PASS | NOISE | FAIL, [reasons]).

    alternatives: {name: summary}; ctune: summary. A configuration "completes" when all its
    runs completed (a configuration killed in 1 of 3 runs does not). NOISE: the only shortfalls
    are medians past a criterion's edge that the runs cannot tell from it."""
    reasons = []
    if not ctune["runs"]:
        return FAIL, ["not run"]
    if ctune["killed"]:
        reasons.append(f"kernel OOM-killed in {ctune['killed']} of {ctune['runs']} runs")
    surviving = {n: s for n, s in alternatives.items() if s["survived"]}
    if not ctune["survived"]:
        if surviving:
            reasons.append(f"failed ({', '.join(ctune['failures'])}) where "
                           f"{', '.join(sorted(surviving))} completed")
        elif native_heavy and alternatives.get("mrp75", {}).get("killed"):
            reasons.append("failed where MaxRAMPercentage=75 was OOM-killed")
        return _status(reasons), reasons or ["nobody completes"]
    if not surviving:
        return _status(reasons), reasons or ["only ctune completes"]
    best_name = None
    for n, s in surviving.items():
        if best_name is None or better(kind, s, surviving[best_name]):
            best_name = n
    best = surviving[best_name]
    rel = relative_throughput(kind, ctune, best)
    checks = [_throughput(kind, ctune, best, best_name, rel)]
    if kind == "service":
        checks.append(_ceiling(ctune, best, best_name, "p99_ms", "p99", _ms))
    key, what = gc_measure(ctune, best)
    checks.append(_ceiling(ctune, best, best_name, key, what, _pct, GC_SLACK_POINTS))
    failed = reasons + [why for status, why in checks if status == FAIL]
    if failed:
        return FAIL, failed
    noise = [why for status, why in checks if status == NOISE]
    if noise:
        return NOISE, noise
    return PASS, [f"vs {best_name}: throughput {_fmt(rel)}x"]


def _status(reasons):
    return FAIL if reasons else PASS


def _shortfall(p, why, what_noise):
    """A criterion missed by the medians: FAIL when the runs show it (p <= SIGNIFICANCE, or no
    per-run values to test), NOISE when they cannot tell it from the criterion's edge."""
    if p is not None and p > SIGNIFICANCE:
        return NOISE, f"{what_noise}: the runs cannot tell it from the criterion's edge " \
                      f"(one-sided Mann-Whitney p = {p:.2f})"
    return FAIL, why + (f" (p = {p:.3f})" if p is not None else "")


def _throughput(kind, ctune, best, best_name, rel):
    """Throughput >= THROUGHPUT_FLOOR x the best's: (status, why or None)."""
    if rel is not None and rel >= THROUGHPUT_FLOOR:
        return PASS, None
    xs, ys = throughputs(kind, ctune), throughputs(kind, best)
    p = mann_whitney_below(xs, [THROUGHPUT_FLOOR * y for y in ys]) if xs and ys else None
    what = f"throughput {_fmt(rel)}x {_possessive(best_name)}"
    status, why = _shortfall(p, f"{what} (< {THROUGHPUT_FLOOR})", what)
    return status, why + _overlap(kind, ctune, best) + _more_faulted(ctune, best, best_name)


def _ceiling(ctune, best, best_name, key, what, fmt, slack_points=None):
    """ctune's `key` (p99, a GC share) <= RATIO_CEILING x the best's, or (a share) within
    `slack_points` percentage points of it."""
    a, b = med(ctune, key), med(best, key)
    slack = slack_points / 100 if slack_points else 0.0
    if a is not None and b is not None and (a <= RATIO_CEILING * b or a - b <= slack):
        return PASS, None
    why = f"{what} {fmt(a)} vs {_possessive(best_name)} {fmt(b)}"
    limit = f"> {RATIO_CEILING}x" + (f" and > {slack_points:g} point" if slack_points else "")
    xs = (ctune.get(key) or {}).get("values")
    ys = (best.get(key) or {}).get("values")
    p = mann_whitney_below([RATIO_CEILING * y for y in ys], xs) if xs and ys else None
    return _shortfall(p, f"{why} ({limit})", why)


def _possessive(name):
    return name + ("'" if name.endswith("s") else "'s")


def _ms(x):
    return "?" if x is None else f"{_fmt(x)} ms"


def gc_measure(a, b):
    """Which GC share the verdict compares: the collector threads' share of the process's CPU
    where both configurations' runs recorded it (it counts G1's concurrent work, which a pause
    share leaves out and Parallel's pauses do not), else the share of time in pauses."""
    if med(a, "gc_cpu_share") is not None and med(b, "gc_cpu_share") is not None:
        return "gc_cpu_share", "GC share of CPU"
    return "gc_share", "GC pause share"


def throughputs(kind, s):
    """The per-run throughputs (req/s, or 1 / wall seconds), higher is better."""
    st = s.get("rps" if kind == "service" else "wall_s")
    if not st or not st.get("values"):
        return None
    return list(st["values"]) if kind == "service" else [1.0 / v for v in st["values"] if v > 0]


def mann_whitney_below(xs, ys):
    """P(U >= observed) for U = #(x < y) + #(x = y) / 2 over all splits of the pooled runs
    (exact up to 50,000 splits; the normal approximation beyond)."""
    def u(a, b):
        return sum((x < y) + 0.5 * (x == y) for x in a for y in b)
    observed = u(xs, ys)
    pooled, n, m = xs + ys, len(xs), len(ys)
    if math.comb(n + m, n) > 50_000:
        mean, sd = n * m / 2, math.sqrt(n * m * (n + m + 1) / 12)
        return 0.5 * math.erfc((observed - 0.5 - mean) / sd / math.sqrt(2))
    hits = total = 0
    for idx in itertools.combinations(range(n + m), n):
        chosen = set(idx)
        a = [pooled[i] for i in idx]
        b = [pooled[i] for i in range(n + m) if i not in chosen]
        total += 1
        hits += u(a, b) >= observed - 1e-9
    return hits / total


# Faulting in this much more than the best alternative is worth a word in a verdict: below it,
# the difference is the runs' noise (the same flags' medians differ by a few MiB).
MORE_FAULTED_SHARE = 0.10


def _more_faulted(ctune, best, best_name):
    """Where ctune's median run faulted in clearly more memory than the best's, say how much:
    on a host where fresh memory is dear (run.py's first-touch probe) that is the larger
    heap's cost, paid once, not the collector's work."""
    a, b = med(ctune, "page_faults"), med(best, "page_faults")
    if a is None or b is None or a <= b * (1 + MORE_FAULTED_SHARE):
        return ""
    more = (a - b) * PAGE / MIB
    return f"; its runs faulted in {more:,.0f} MiB more than {_possessive(best_name)}"


def _overlap(kind, a, b):
    """When the two configurations' per-run ranges overlap, say so: the medians' order may
    be the runs' noise (the verdict still stands; the reader sees how close it was)."""
    key = "rps" if kind == "service" else "wall_s"
    x, y = a.get(key), b.get(key)
    if not x or not y or x["max"] < y["min"] or y["max"] < x["min"]:
        return ""
    unit = " req/s" if kind == "service" else " s"
    return (f"; the runs overlap ({_fmt(x['min'])}-{_fmt(x['max'])}{unit} against "
            f"{_fmt(y['min'])}-{_fmt(y['max'])}{unit})")


def _fmt(x):
    return "?" if x is None else f"{x:.3g}" if x < 10 else f"{x:.0f}"


def _pct(x):
    return "?" if x is None else f"{100 * x:.1f} %"
