#!/bin/sh
# Guest payload of the Java boot on Debian's 7.x kernel (trixie-backports; built without
# CONFIG_MEMCG_V1 and CONFIG_CPUSETS_V1, so /proc/cgroups lists no memory and no cpuset line):
# every JVM in /javas (host paths, one a line) in one 512 MiB / 1.5 CPU cgroup, alone, with
# ctune's flags, and asked for the Java side's view (-XshowSettings:system, which throws on
# some JDKs here, so it is a run of its own). tests/integration/vm.rs asserts every section.
. /lib.sh
hostfs_chroot || exit 1
section proc-cgroups /proc/cgroups 0
mkdir "$CG/limited"
set_cg limited cpu.max "150000 100000"
set_cg limited memory.max 536870912
set_cg limited memory.swap.max 0
run limited.report limited $IN /tmp/ctune report --format json
n=0
for java in $(cat /javas); do
  tag="limited.java$n"
  run "$tag.advice" limited $IN /tmp/ctune jvm --java "$java" --format json
  run "$tag.flags" limited $IN /tmp/ctune jvm --java "$java" --format flags
  flags=$(cat "$RUN_OUT")
  KEEP=$JVM_KEEP run "$tag.alone" limited $IN "$java" $SEE -version
  run "$tag.settings" limited $IN "$java" -Xint -XshowSettings:system -version
  # shellcheck disable=SC2086 # the flags are words
  KEEP=$JVM_KEEP run "$tag.tuned" limited $IN "$java" $flags $SEE -version
  n=$((n + 1))
done
