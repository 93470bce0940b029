# Sourced by the guest payloads (/lib.sh in the initramfs): what they print and how a command
# is run in a cgroup. The host reads each section between `CTUNE-VM-BEGIN NAME` and
# `CTUNE-VM-END NAME rc=N t=UPTIME` on the console.
CG=/sys/fs/cgroup

# section NAME FILE RC: FILE's text as the section NAME, with the exit status RC.
section() {
  echo "CTUNE-VM-BEGIN $1"
  cat "$2"
  echo
  echo "CTUNE-VM-END $1 rc=$3 t=$(cut -d' ' -f1 /proc/uptime)"
}

# run NAME CGROUP CMD...: CMD in the cgroup CGROUP (relative to /sys/fs/cgroup); its stdout is
# the section NAME (only the lines matching the regex $KEEP when that is set), its stderr (when
# there is any) the section NAME.err. Afterwards $RUN_OUT is the file holding that stdout.
# Each command is announced on the console as it starts (payloads that run jobs in the
# background print their sections only at the end), and killed after RUN_TIMEOUT seconds
# (rc=137), so a guest that hangs says where instead of running into qemu's timeout silently.
RUN_TIMEOUT=${RUN_TIMEOUT:-240}
run() {
  _name=$1 _cg=$2
  shift 2
  RUN_OUT=/tmp/run-$(echo "$_name" | tr / -).out
  _err=${RUN_OUT%.out}.err
  echo "CTUNE-VM-RUN $_name t=$(cut -d' ' -f1 /proc/uptime)" >/dev/console
  timeout -s KILL "$RUN_TIMEOUT" \
    sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$_cg" "$@" >"$RUN_OUT" 2>"$_err"
  _rc=$?
  if [ -n "${KEEP:-}" ]; then
    grep -E "$KEEP" "$RUN_OUT" >"$RUN_OUT.kept"
    mv "$RUN_OUT.kept" "$RUN_OUT"
  fi
  section "$_name" "$RUN_OUT" $_rc
  if [ -s "$_err" ]; then section "$_name.err" "$_err" $_rc; fi
  return 0
}

# set_cg CGROUP FILE VALUE: write a cgroup file, loudly when the kernel refuses.
set_cg() {
  echo "$3" >"$CG/$1/$2" || echo "CTUNE-VM-ERROR cannot write '$3' to $CG/$1/$2"
}

# hostfs_chroot: the host's / (shared over virtio-9p, `vm.sh boot --hostfs`) at $H with the
# guest's own proc, sys, cgroup2, dev and tmp mounted over it, /ctune copied to its /tmp; sets
# $IN (the chroot prefix for a command), $SEE (what a JVM is asked to print) and $JVM_KEEP
# (the lines of that to keep).
hostfs_chroot() {
  H=/mnt/host
  mkdir -p $H
  mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot $H \
    || { echo "CTUNE-VM-ERROR 9p mount"; return 1; }
  # The guest's pseudo-file systems over the host's (never the host's /proc through 9p).
  mount -t proc proc $H/proc
  mount -t sysfs sysfs $H/sys
  mount -t cgroup2 -o nsdelegate cgroup2 $H/sys/fs/cgroup
  mount -t devtmpfs devtmpfs $H/dev
  mount -t tmpfs tmpfs $H/tmp
  cp /ctune $H/tmp/ctune
  IN="chroot $H /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C"
  # What the JVM chose: PrintFlagsFinal (heap, collector) and the processor count HotSpot settled
  # on (-Xlog:os); plus, for the JVM alone, the Java side's view of the container
  # (-XshowSettings:system, on stderr). -Xint: no JIT, whose fresh code TCG would translate again
  # and again (java -version takes about 3.5 s instead of 1.7 s); it changes only compiler and
  # code-cache flags, never the heap, collector or processor ergonomics.
  SEE="-Xint -XX:+PrintFlagsFinal -Xlog:os=debug"
  JVM_KEEP=' (MaxHeapSize|MaxRAM|ActiveProcessorCount|ReservedCodeCacheSize|MaxDirectMemorySize|ExitOnOutOfMemoryError|Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC) |Initial active processor count'
}
