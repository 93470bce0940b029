#!/bin/sh
# Guest payload of the cgroup v2 boot (tests/integration/vm.rs asserts every section): the
# static ctune at /ctune, the cgroup-namespace helper at /cgns. Each scenario makes its
# cgroups, runs ctune in them and prints its JSON as a section.
. /lib.sh
R="/ctune report --format json"

# 1. Limits on the process's own cgroup.
mkdir "$CG/limited"
set_cg limited cpu.max "150000 100000"
set_cg limited memory.max 536870912
set_cg limited memory.swap.max 0
run child limited $R

# 2. Limits only on the parent; the process sits in an unlimited child. P delegates cpu and
# memory (C has its own cpu.max = max, memory.max = max); Q delegates nothing (C has no such
# files at all).
mkdir "$CG/P"
set_cg P cpu.max "100000 100000"
set_cg P memory.max 805306368
set_cg P cgroup.subtree_control "+cpu +memory"
mkdir "$CG/P/C"
run parent P/C $R
mkdir "$CG/Q"
set_cg Q cpu.max "50000 100000"
set_cg Q memory.max 268435456
mkdir "$CG/Q/C"
run parent-undelegated Q/C $R

# 3. A cgroup namespace rooted at the limited cgroup: /proc/self/cgroup reads 0::/. As
# container runtimes do it: a new mount namespace too, with cgroup2 mounted afresh inside (its
# mountinfo root is /). Then bare `unshare --cgroup`: the cgroup2 mount inherited from outside
# the namespace shows the root /.. (the domain guide's case 5).
REMOUNT='mount --make-rprivate / && umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 99'
SHOW='cat /proc/self/cgroup; grep " - cgroup2 " /proc/self/mountinfo'
run cgns.proc limited /cgns -m sh -c "$REMOUNT; $SHOW"
run cgns limited /cgns -m sh -c "$REMOUNT; exec $R"
run cgns-inherited.proc limited /cgns sh -c "$SHOW"
run cgns-inherited limited /cgns $R

# 4a. memory.high below memory.max, and real CPU throttling: a busy loop for one second under
# a 0.5 CPU quota.
mkdir "$CG/pressure"
set_cg pressure cpu.max "50000 100000"
set_cg pressure memory.max 268435456
set_cg pressure memory.high 134217728
run burn pressure timeout 1 sh -c 'while :; do :; done'
section pressure.cpu.stat "$CG/pressure/cpu.stat" 0
run pressure pressure $R

# 4b. A real OOM kill: dd's 64 MiB buffer in a 32 MiB cgroup without swap.
mkdir "$CG/oom"
set_cg oom memory.max 33554432
set_cg oom memory.swap.max 0
run oom-hog oom dd if=/dev/zero of=/dev/null bs=64M count=1
section oom.memory.events "$CG/oom/memory.events" 0
run oom oom $R

# 5. --interval and PSI: a busy loop under a 0.2 CPU quota, `ctune --interval 2` in the same
# cgroup, the kernel's cpu.stat and cpu.pressure read just before and just after it; then lint
# over an interval of the same.
mkdir "$CG/stall"
set_cg stall cpu.max "20000 100000"
sh -c 'echo $$ >"$0/cgroup.procs" && exec sh -c "while :; do :; done"' "$CG/stall" &
BUSY=$!
sleep 1
cat "$CG/stall/cpu.stat" "$CG/stall/cpu.pressure" >/tmp/stall.before
run stall stall /ctune --interval 2 report --format json
cat "$CG/stall/cpu.stat" "$CG/stall/cpu.pressure" >/tmp/stall.after
section stall.before /tmp/stall.before 0
section stall.after /tmp/stall.after 0
run stall-lint stall /ctune --interval 1 lint --format json --fail-on never
kill $BUSY

# 6. Snapshots: the live report and `ctune snapshot` from one process tree (same cgroup and
# namespaces), the snapshot carried out as a base64 tar.gz.
snap() {
  name=$1 cg=$2 setup=$3
  shift 3
  run "snap-$name.live" "$cg" "$@" sh -c "$setup $R && /ctune snapshot /tmp/snap-$name"
  tar cz -C "/tmp/snap-$name" . | base64 >/tmp/snap.b64
  section "snap-$name.tar" /tmp/snap.b64 $?
}
snap child limited ""
snap parent P/C ""
snap cgns limited "$REMOUNT;" /cgns -m
