#!/usr/bin/env bash
# Start-up benchmark: in one run, median wall time and peak memory of
#   /bin/true                                   (the floor: fork + exec + exit)
#   ctune exec -- /bin/true                     (what an entrypoint adds)
#   ctune report --format json
#   ctune jvm --format flags
#   java -XshowSettings:system -version         (what the JVM takes to tell the same)
# and the ratios. Uses the static musl build when present (the shipped binary), else the
# release build. Needs hyperfine (apt-get install hyperfine) and python3.
#   CTUNE=path/to/ctune RUNS=500 ROUNDS=10 benches/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-500}
CTUNE=${CTUNE:-}
if [ -z "$CTUNE" ]; then
  if [ -x target/x86_64-unknown-linux-musl/release/ctune ]; then CTUNE=target/x86_64-unknown-linux-musl/release/ctune
  else cargo build --release -q; CTUNE=target/release/ctune; fi
fi
command -v hyperfine >/dev/null || { echo "benches/startup.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
export CTUNE
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cmds=("/bin/true" "$CTUNE exec --quiet -- /bin/true" "$CTUNE report --format json" "$CTUNE jvm --format flags")
if command -v java >/dev/null; then
  cmds+=("java -XshowSettings:system -version")
fi
echo "binary: $CTUNE ($(stat -c %s "$CTUNE") bytes); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
# hyperfine runs one command's runs, then the next's: on a shared VM the machine's speed drifts
# between them by more than the differences measured. So the fast commands run in ROUNDS
# rounds of RUNS/ROUNDS runs each, alternating, and the medians are over all rounds.
ROUNDS=${ROUNDS:-10}
per=$(( (RUNS + ROUNDS - 1) / ROUNDS ))
for r in $(seq "$ROUNDS"); do
  hyperfine -N --warmup 10 --runs "$per" --export-json "$out/fast.$r.json" "${cmds[@]:0:4}" >/dev/null 2>&1
done
# java is slow: fewer runs keep the whole benchmark under a minute.
if [ ${#cmds[@]} -gt 4 ]; then
  hyperfine -N --warmup 3 --runs 20 --export-json "$out/java.json" "${cmds[4]}" >/dev/null 2>&1
fi
for c in "${cmds[@]}"; do
  # shellcheck disable=SC2086
  /usr/bin/time -f "%M" $c >/dev/null 2>"$out/rss" || true
  echo "$(tail -1 "$out/rss")" >> "$out/rss.all"
done
python3 - "$out" <<'PY'
import json, sys, os, statistics
d = sys.argv[1]
res = []
rounds = sorted(f for f in os.listdir(d) if f.startswith("fast."))
times = {}
for f in rounds:
    for r in json.load(open(os.path.join(d, f)))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
res += [{"command": c, "median": statistics.median(t)} for c, t in times.items()]
p = os.path.join(d, "java.json")
if os.path.exists(p):
    res += json.load(open(p))["results"]
rss = [int(x) for x in open(os.path.join(d, "rss.all")).read().split()]
med = {r["command"]: r["median"] * 1000 for r in res}
floor = med.get("/bin/true")
print(f"{'command':<48} {'median ms':>9} {'added ms':>9} {'peak RSS':>9}")
for r, m in zip(res, rss):
    c = r["command"]
    added = med[c] - floor if floor is not None else float("nan")
    name = c.replace(os.environ["CTUNE"], "ctune") if os.environ.get("CTUNE") else c
    print(f"{name[-48:]:<48} {med[c]:>9.2f} {added:>9.2f} {m/1024:>7.1f} MiB")
java = [c for c in med if c.startswith("java ")]
flags = [c for c in med if c.endswith("jvm --format flags")]
if java and flags:
    print(f"ctune jvm --format flags is {med[java[0]] / med[flags[0]]:.0f}x faster than asking the JVM")
PY
