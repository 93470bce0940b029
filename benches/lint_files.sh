#!/usr/bin/env bash
# Benchmark, not a test: `ctune lint` on a generated `helm template`-style stream of N
# workload objects (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods with varied
# images, limits, JVM options and security contexts), against checkov (PyPI) on the same
# file in the same run. Prints objects per second for both.
#
#   benches/lint_files.sh [N]        (default 5000; CTUNE=path, CHECKOV=path to override)
set -euo pipefail
n=${1:-5000}
cd "$(dirname "$0")/.."
ctune=${CTUNE:-target/release/ctune}
checkov=${CHECKOV:-$(command -v checkov || echo /work/venv-checkov/bin/checkov)}
[ -x "$ctune" ] || { echo "build first: cargo build --release ($ctune)" >&2; exit 2; }
dir=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
file=$dir/stream.yaml

kinds=(Deployment StatefulSet DaemonSet Job CronJob Pod)
images=(eclipse-temurin:17.0.9_9-jre openjdk:11.0.2-jre-slim amazoncorretto:21 eclipse-temurin:17.0.2_8-jre openjdk:8u181-jre registry.access.redhat.com/ubi9/openjdk-17:1.20)
mems=(512Mi 1Gi 2G 1500Mi 4Gi 3Gi)
xmx=(-Xmx400m -Xmx900m -Xmx1900m "-XX:MaxRAMPercentage=75" "-XX:MaxRAMPercentage=90" -Xmx3g)
{
  for ((i = 0; i < n; i++)); do
    k=${kinds[i % 6]}; img=${images[i % 6]}; mem=${mems[(i / 6) % 6]}; opt=${xmx[(i / 3) % 6]}
    uid=$(( i % 7 == 0 ? 0 : 10001 ))
    printf -- '---\n# Source: bench/templates/w%d.yaml\n' "$i"
    case $k in Pod) api=v1 ;; Job | CronJob) api=batch/v1 ;; *) api=apps/v1 ;; esac
    printf 'apiVersion: %s\nkind: %s\nmetadata:\n  name: w%d\n  namespace: bench\n' "$api" "$k" "$i"
    case $k in
      Pod) ind="" ; printf 'spec:\n' ;;
      CronJob) ind="        "; printf 'spec:\n  schedule: "0 * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n' ;;
      *) ind="    "; printf 'spec:\n  selector:\n    matchLabels: {app: w%d}\n  template:\n    metadata:\n      labels: {app: w%d}\n    spec:\n' "$i" "$i" ;;
    esac
    if [ "$k" = Job ] || [ "$k" = CronJob ]; then printf '%s  restartPolicy: Never\n' "$ind"; fi
    printf '%s  securityContext: {runAsUser: %d}\n' "$ind" "$uid"
    printf '%s  containers:\n%s    - name: app\n%s      image: %s\n' "$ind" "$ind" "$ind" "$img"
    printf '%s      env:\n%s        - name: JAVA_TOOL_OPTIONS\n%s          value: "%s -XX:+UseG1GC"\n' "$ind" "$ind" "$ind" "$opt"
    printf '%s      resources:\n%s        requests: {cpu: 250m, memory: %s}\n%s        limits: {cpu: "1", memory: %s}\n' "$ind" "$ind" "$mem" "$ind" "$mem"
  done
} > "$file"
echo "stream: $n objects, $(wc -l < "$file") lines, $(du -h "$file" | cut -f1)"

now() { date +%s.%N; }
# Wall time, and CPU time (user + sys: what the tool costs on a machine shared with others).
TIMEFORMAT='%U %S'
t0=$(now)
{ time "$ctune" lint --format json --fail-on never "$file" > "$dir/ctune.json"; } 2> "$dir/ctune.time"
t1=$(now)
ctune_cpu=$(awk '{print $1 + $2}' "$dir/ctune.time")
targets=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["targets"]), len(d["findings"]))' "$dir/ctune.json")
ctune_s=$(echo "$t1 - $t0" | bc -l)
printf 'ctune:   %6.2f s wall  %8.0f objects/s; %6.2f s CPU  %8.0f objects/CPU-s  (targets, findings: %s)\n' \
  "$ctune_s" "$(echo "$n / $ctune_s" | bc -l)" "$ctune_cpu" "$(echo "$n / $ctune_cpu" | bc -l)" "$targets"

if [ -x "$checkov" ]; then
  t0=$(now)
  { time "$checkov" -f "$file" --framework kubernetes --quiet --compact -o json > "$dir/checkov.json" 2>/dev/null || true; } 2> "$dir/checkov.time"
  t1=$(now)
  ck_cpu=$(awk '{print $1 + $2}' "$dir/checkov.time")
  failed=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
d=d if isinstance(d,list) else [d]
print(sum(r.get("summary",{}).get("failed",0) for r in d), sum(r.get("summary",{}).get("passed",0) for r in d))' "$dir/checkov.json" 2>/dev/null || echo "?")
  ck_s=$(echo "$t1 - $t0" | bc -l)
  printf 'checkov: %6.2f s wall  %8.1f objects/s; %6.2f s CPU  %8.1f objects/CPU-s  (failed, passed checks: %s)\n' \
    "$ck_s" "$(echo "$n / $ck_s" | bc -l)" "$ck_cpu" "$(echo "$n / $ck_cpu" | bc -l)" "$failed"
  printf 'ratio:   ctune is %.0fx checkov (wall), %.0fx (CPU)\n' "$(echo "$ck_s / $ctune_s" | bc -l)" "$(echo "$ck_cpu / $ctune_cpu" | bc -l)"
else
  echo "skipped: checkov not found (pip install checkov)"
fi
