#!/usr/bin/env bash
# The real-container suite's machine work (tests/integration/containers.rs), usable by hand:
#
#   tests/containers/setup.sh            # prepare; prints key=value lines (see the end)
#   eval "$(tests/containers/setup.sh)"; CONTAINERS_CONF=$containers_conf \
#     CONTAINERS_STORAGE_CONF=$storage_conf podman run --rm --network none \
#     --rootfs "$rootfs:O" debian-jdk java -version
#
# 1. Checks for root, podman, crun, runc and debootstrap (.ci/run installs them); exits 77 with
#    `skip: WHY` on stderr when this machine cannot run containers.
# 2. Makes the host's cgroup layout one crun accepts: on a hybrid host crun refuses a cgroup2
#    mount that still holds a controller, so such a controller (hugetlb here) is mounted as a v1
#    hierarchy under /sys/fs/cgroup, which takes it out of cgroup2.
# 3. Writes a private containers.conf and storage.conf (nothing in /etc is touched) under
#    $CTUNE_CONTAINERS_CACHE (default ~/.cache/ctune/containers):
#    - cgroup_manager = "cgroupfs" (no systemd here), events_logger = "file" (no journald);
#    - default_ulimits at this machine's hard limits: without CAP_SYS_RESOURCE podman's own
#      defaults (nofile 1048576) fail with `crun: setrlimit RLIMIT_NOFILE: Operation not
#      permitted`;
#    - its own storage root, so that these containers never meet anyone else's.
# 4. Builds ONCE a minimal Debian root file system with a JDK (debootstrap --variant=minbase
#    bookworm + openjdk-17-jre-headless + libnss-wrapper) at ~/.cache/ctune/rootfs-<hash of the
#    recipe>; tests run it with `podman run --rootfs DIR:O`, an overlay on top, so the cache stays
#    clean. A warm run takes well under a second.
set -euo pipefail

cache=${CTUNE_CONTAINERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ctune}
mirror=${CTUNE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
packages=openjdk-17-jre-headless,libnss-wrapper

skip() { echo "skip: $*" >&2; exit 77; }
die() { echo "setup.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (podman with cgroupfs limits, debootstrap)"
for tool in podman crun runc debootstrap conmon; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (.ci/run installs it)"
done

# --- 2. the cgroup layout -----------------------------------------------------------------
fstype_at() { awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++); t = $(i + 1) } END { print t }' /proc/self/mountinfo; }
v2=
for m in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
  [ "$(fstype_at "$m")" = cgroup2 ] && v2=$m
done
if [ -n "$v2" ] && [ "$(fstype_at /sys/fs/cgroup)" = tmpfs ]; then
  for ctl in $(cat "$v2/cgroup.controllers"); do
    [ -d "/sys/fs/cgroup/$ctl" ] && [ "$(fstype_at "/sys/fs/cgroup/$ctl")" = cgroup ] && continue
    mkdir -p "/sys/fs/cgroup/$ctl"
    mount -t cgroup -o "$ctl" "$ctl" "/sys/fs/cgroup/$ctl" ||
      die "cannot mount the $ctl controller as a v1 hierarchy (crun refuses $v2 holding it)"
    echo "setup.sh: mounted $ctl as a v1 hierarchy (it was in $v2)" >&2
  done
  [ -z "$(cat "$v2/cgroup.controllers")" ] || die "$v2 still holds: $(cat "$v2/cgroup.controllers")"
fi

# --- 3. podman's configuration ---------------------------------------------------------------
conf=$cache/containers
mkdir -p "$conf/storage" "$conf/run"
hard() { awk -v k="$1" 'index($0, k) == 1 { print $(NF - 1) }' /proc/self/limits; }
nofile=$(hard "Max open files"); nproc=$(hard "Max processes")
[ "$nofile" = unlimited ] && nofile=1048576
[ "$nproc" = unlimited ] && nproc=4194304
# podman 4.3 runs conmon (and so the runtime) with RLIMIT_NPROC at most 32768 (measured: 32768
# works, 65536 fails even under a hard limit of 96367).
((nproc > 32768)) && nproc=32768
cat >"$conf/containers.conf.new" <<CONF
# Written by tests/containers/setup.sh
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$conf/events.log"
CONF
mv "$conf/containers.conf.new" "$conf/containers.conf"
cat >"$conf/storage.conf.new" <<CONF
# Written by tests/containers/setup.sh
[storage]
driver = "overlay"
graphroot = "$conf/storage"
runroot = "$conf/run"
CONF
mv "$conf/storage.conf.new" "$conf/storage.conf"
# podman appends to its event log forever: start afresh when it has grown past 16 MiB.
if [ -f "$conf/events.log" ] && [ "$(stat -c %s "$conf/events.log")" -gt 16777216 ]; then
  : >"$conf/events.log"
fi

# --- 4. the root file system -------------------------------------------------------------
recipe="debootstrap --variant=minbase --include=$packages $suite; setup v1"
hash=$(printf '%s' "$recipe" | sha256sum | cut -c1-12)
rootfs=$cache/rootfs-$hash
exec 9>"$cache/rootfs-$hash.lock"
flock 9
if [ ! -x "$rootfs/usr/bin/java" ]; then
  echo "setup.sh: building $rootfs ($recipe) from $mirror; this happens once" >&2
  start=$(date +%s)
  tmp=$cache/rootfs-$hash.tmp
  # A broken earlier attempt may have left debootstrap's proc/sys mounts behind.
  awk -v t="$tmp/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
  rm -rf --one-file-system "$tmp"
  debootstrap --variant=minbase --include="$packages" "$suite" "$tmp" "$mirror" >"$cache/rootfs-$hash.log" 2>&1 ||
    die "debootstrap failed, see $cache/rootfs-$hash.log: $(tail -3 "$cache/rootfs-$hash.log")"
  awk -v t="$tmp/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
  [ -x "$tmp/usr/lib/jvm/java-17-openjdk-amd64/bin/java" ] ||
    die "the new root file system has no java"
  mv "$tmp" "$rootfs"
  echo "setup.sh: built $rootfs in $(($(date +%s) - start)) s" >&2
fi
flock -u 9

echo "rootfs=$rootfs"
echo "containers_conf=$conf/containers.conf"
echo "storage_conf=$conf/storage.conf"
echo "podman_version=$(podman --version | awk '{print $3}')"
echo "crun_version=$(crun --version | awk 'NR == 1 {print $3}')"
echo "runc_version=$(runc --version | awk 'NR == 1 {print $3}')"
echo "java_version=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$rootfs"/usr/lib/jvm/*/release | head -1)"
