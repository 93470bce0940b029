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
