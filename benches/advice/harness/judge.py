"""Medians over the runs, and the issue's "Done when" criteria, judged per cell and profile.
Pure functions of the run records."""

import statistics

THROUGHPUT_FLOOR = 0.95  # ctune's throughput >= 0.95 x the best surviving alternative's
RATIO_CEILING = 1.2      # ctune's p99 and GC share <= 1.2 x that alternative's
# GC share below a few percent is noise on a shared 2-CPU machine (one extra 20 ms pause in a
# 5 s window is 0.4 points): the GC criterion also passes within this many points.
GC_SLACK_POINTS = 1.0


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
    for key in ("rps", "p99_ms", "wall_s", "gc_share"):
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
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


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
    """Verdict of one ctune profile in one cell: (passed, [reasons]).

    alternatives: {name: summary}; ctune: summary. A configuration "completes" when all its
    runs completed (a configuration killed in 1 of 3 runs does not)."""
    reasons = []
    if not ctune["runs"]:
        return False, ["not run"]
    if ctune["killed"]:
        reasons.append(f"kernel OOM-killed in {ctune['killed']} of {ctune['runs']} runs")
    surviving = {n: s for n, s in alternatives.items() if s["survived"]}
    if not ctune["survived"]:
        if surviving:
            reasons.append(f"failed ({', '.join(ctune['failures'])}) where "
                           f"{', '.join(sorted(surviving))} completed")
        elif native_heavy and alternatives.get("mrp75", {}).get("killed"):
            reasons.append("failed where MaxRAMPercentage=75 was OOM-killed")
        return (not reasons), reasons or ["nobody completes"]
    if not surviving:
        return (not reasons), reasons or ["only ctune completes"]
    best_name = None
    for n, s in surviving.items():
        if best_name is None or better(kind, s, surviving[best_name]):
            best_name = n
    best = surviving[best_name]
    rel = relative_throughput(kind, ctune, best)
    if rel is None or rel < THROUGHPUT_FLOOR:
        reasons.append(f"throughput {_fmt(rel)}x {best_name}'s (< {THROUGHPUT_FLOOR})"
                       + _overlap(kind, ctune, best))
    if kind == "service":
        a, b = med(ctune, "p99_ms"), med(best, "p99_ms")
        if a is None or b is None or a > RATIO_CEILING * b:
            reasons.append(f"p99 {_fmt(a)} ms vs {best_name}'s {_fmt(b)} ms "
                           f"(> {RATIO_CEILING}x)")
    a, b = med(ctune, "gc_share"), med(best, "gc_share")
    if a is None or b is None or (a > RATIO_CEILING * b and (a - b) * 100 > GC_SLACK_POINTS):
        reasons.append(f"GC share {_pct(a)} vs {best_name}'s {_pct(b)} (> {RATIO_CEILING}x "
                       f"and > {GC_SLACK_POINTS:g} point)")
    return (not reasons), reasons or [f"vs {best_name}: throughput {_fmt(rel)}x"]


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
