#!/bin/sh
# Guest payload of the Java boot (tests/integration/vm.rs asserts every section): the host's /
# over virtio-9p at /mnt/host with the guest's own proc, sys, cgroup2, dev and tmp mounted over
# it, so the host's JVMs run in the guest's cgroups through chroot. /ctune is copied to the
# guest tmpfs; /javas lists the JVMs to run (host paths), one a line.
. /lib.sh
hostfs_chroot || exit 1

# The cgroups of the cgroup boot's first two scenarios: limits on the process's own cgroup,
# and limits only on the parent.
mkdir "$CG/limited"
set_cg limited cpu.max "150000 100000"
set_cg limited memory.max 536870912
set_cg limited memory.swap.max 0
mkdir "$CG/P"
set_cg P cpu.max "100000 100000"
set_cg P memory.max 805306368
set_cg P cgroup.subtree_control "+cpu +memory"
mkdir "$CG/P/C"

# Everything for one cgroup; the two cgroups run side by side (two vCPUs, and a JVM's start is
# mostly one thread), each printing into its own file, shown one after the other at the end.
job() {
  cg=$1 c=$2
  run "$c.report" "$cg" $IN /tmp/ctune report --format json
  n=0
  for java in $(cat /javas); do
    tag="$c.java$n"
    run "$tag.advice" "$cg" $IN /tmp/ctune jvm --java "$java" --format json
    run "$tag.flags" "$cg" $IN /tmp/ctune jvm --java "$java" --format flags
    flags=$(cat "$RUN_OUT")
    KEEP=$JVM_KEEP run "$tag.alone" "$cg" $IN "$java" $SEE -XshowSettings:system -version
    # The recommended flags, then the same questions (the Java side's view is not needed).
    # shellcheck disable=SC2086 # the flags are words
    KEEP=$JVM_KEEP run "$tag.tuned" "$cg" $IN "$java" $flags $SEE -version
    n=$((n + 1))
  done
}
job limited limited >/tmp/job-limited 2>&1 &
job P/C P-C >/tmp/job-P-C 2>&1 &
wait
cat /tmp/job-limited /tmp/job-P-C
