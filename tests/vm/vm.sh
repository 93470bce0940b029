#!/usr/bin/env bash
# vm.sh - boot a real Linux kernel with a pure cgroup v2 hierarchy under qemu (TCG) and run a
# payload script in it; driven by tests/integration/vm.rs, usable by hand too.
#
#   vm.sh fetch
#       Find qemu (apt-get install qemu-system-x86 when root and missing), download the Debian
#       kernels and busybox-static with `apt-get download` into the cache, unpack them with
#       `dpkg -x` (never installed into the host), extract the ELF vmlinux for PVH boot. Prints
#       `key=value` lines (qemu, busybox, kernel_cloud, kernel_generic, modules_generic).
#       Exit 77 with `skip: <why>` on stderr when this machine cannot do it.
#       Also Debian's newest 7.x kernel from trixie-backports (flavour `kernel7`, through a
#       private apt configuration; `kernel_kernel7=` or `kernel_kernel7_skip=<why>`).
#   vm.sh boot --kernel cloud|generic|kernel7 --payload FILE --log FILE [--add SRC:DEST]... [--hostfs]
#              [--timeout SECS] [--work DIR]
#       Build an initramfs (busybox, tests/vm/init, the payload as /payload.sh, each --add file,
#       and for `generic` the virtio/9p modules), boot it (2 vCPUs, 1 GiB) with the serial
#       console into --log, and wait for the guest to power off. --hostfs shares the host's /
#       read-only over virtio-9p (tag `hostroot`). Exit 0 when the guest ran the payload to the
#       end (`CTUNE-VM-DONE` on the console); otherwise the log's tail goes to stderr.
#
# Cache: $CTUNE_VM_CACHE, default ~/.cache/ctune/vm (the .debs are kept; a warm run uses no apt).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CTUNE_VM_CACHE:-${HOME:-/root}/.cache/ctune/vm}
# Modules for 9p over virtio-pci on the generic kernel, dependencies first (their depends=).
MODULES_9P="virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci 9pnet 9pnet_virtio netfs fscache 9p"

log() { printf 'vm: %s\n' "$*" >&2; }
die() { printf 'vm: error: %s\n' "$*" >&2; exit 1; }
skip() { printf 'skip: %s\n' "$*" >&2; exit 77; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

# ------------------------------------------------------------------------------------ fetch
have_qemu() { command -v qemu-system-x86_64 >/dev/null 2>&1; }

ensure_qemu() {
  have_qemu && return 0
  [ "$(id -u)" = 0 ] || skip "qemu-system-x86_64 is not installed and installing it needs root"
  command -v apt-get >/dev/null || skip "qemu-system-x86_64 is not installed and there is no apt-get"
  log "installing qemu-system-x86"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null 2>&1 \
      || skip "apt-get install qemu-system-x86 failed (no package access?)"
  fi
  have_qemu || skip "qemu-system-x86_64 still missing after apt-get install"
}

# The versioned kernel package behind a meta package (linux-image-cloud-amd64 ->
# linux-image-6.1.0-N-cloud-amd64).
kernel_pkg() {
  local meta=$1 p
  p=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  if [ -z "$p" ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    p=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  fi
  [ -n "$p" ] || skip "apt cannot resolve $meta (no Debian package lists?)"
  echo "$p"
}

# `apt-get download` into $CACHE/debs (once); prints the .deb's path.
download() {
  local p=$1 deb
  deb=$(ls "$CACHE/debs/${p}"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    command -v apt-get >/dev/null || skip "no apt-get to download $p"
    log "apt-get download $p"
    (cd "$CACHE/debs" && apt-get download "$p" >/dev/null 2>"$CACHE/debs/.err") \
      || skip "apt-get download $p failed: $(grep -v unsandboxed "$CACHE/debs/.err" | tail -1)"
    deb=$(ls "$CACHE/debs/${p}"_*.deb 2>/dev/null | head -1 || true)
    [ -n "$deb" ] || skip "apt-get download $p left no .deb"
  fi
  echo "$deb"
}

is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

# The ELF vmlinux inside a bzImage (as linux/scripts/extract-vmlinux does): qemu boots it
# through its PVH entry, which skips the in-guest decompressor (seconds under TCG).
extract_vmlinux() {
  local img=$1 out=$2 magic tag cmd pos
  while read -r magic tag cmd; do
    command -v "${cmd%% *}" >/dev/null || continue
    for pos in $(tr "$magic\n$tag" "\n$tag=" <"$img" | grep -abo "^$tag"); do
      pos=${pos%%:*}
      tail -c+"$pos" "$img" | $cmd >"$out.tmp" 2>/dev/null || true
      if is_elf "$out.tmp"; then mv "$out.tmp" "$out"; return 0; fi
    done
  done <<'MAGIC'
\002!L\030 xxx lz4 -dc
\3757zXZ\000 abcde xz -dc
(\265/\375 xxx zstd -dc
\037\213\010 xy gzip -dc
MAGIC
  rm -f "$out.tmp"
  return 1
}

# Module files for `$@` and their dependencies, dependencies first, from the .ko's depends=.
moddeps() {
  local moddir=$1; shift
  declare -A seen=()
  local index; index=$(find "$moddir" -name '*.ko')
  visit() {
    local m=$1 ko d
    [ -n "${seen[$m]:-}" ] && return 0
    seen[$m]=1
    ko=$(printf '%s\n' "$index" | awk -v m="$m" '{n=$0; sub(/.*\//,"",n); sub(/\.ko$/,"",n); gsub(/-/,"_",n); if (n==m) {print; exit}}')
    [ -n "$ko" ] || die "module $m not found in $moddir"
    for d in $(tr '\0' '\n' <"$ko" | sed -n 's/^depends=//p' | head -1 | tr , ' '); do visit "$d"; done
    echo "$ko"
  }
  for m in "$@"; do visit "$m"; done
}

# One kernel flavour into $CACHE/<flavour>: vmlinux (ELF), config, and (generic) the 9p
# modules with their load order. The rest of the 400 MB package is not kept.
unpack_kernel() {
  local flavour=$1 meta=$2 dir="$CACHE/$1" pkg deb tmp img m
  [ -f "$dir/ready" ] && return 0
  pkg=$(kernel_pkg "$meta")
  deb=$(download "$pkg")
  tmp="$CACHE/.unpack-$flavour"
  rm -rf "$tmp" "$dir"
  mkdir -p "$tmp" "$dir/modules"
  dpkg -x "$deb" "$tmp"
  img=$(ls "$tmp"/boot/vmlinuz-* | head -1)
  cp "$tmp"/boot/config-* "$dir/config"
  if ! extract_vmlinux "$img" "$dir/vmlinux"; then
    log "no ELF vmlinux in $(basename "$img") (no lz4/xz?): booting the bzImage"
    cp "$img" "$dir/vmlinux"
  fi
  if [ "$flavour" = generic ]; then
    for m in $(moddeps "$(echo "$tmp"/lib/modules/*)" $MODULES_9P); do
      cp "$m" "$dir/modules/"
      basename "$m" >>"$dir/modules/load.list"
    done
  fi
  printf '%s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" >"$dir/package"
  rm -rf "$tmp"
  touch "$dir/ready"
  log "unpacked $pkg ($(stat -c %s "$deb") byte .deb) into $dir"
}

# ---------------------------------------------- Debian's 7.x kernel from trixie-backports
# Reached through a private apt configuration under $CACHE/apt-kernel7 (its own one-line
# sources list, package lists and cache): the machine's own apt sources are never changed. The
# mirror URI and keyring are the ones the machine's Debian sources use.
KERNEL7_SUITE=trixie-backports
KERNEL7_MODULES="netfs 9pnet 9pnet_virtio 9p"  # virtio_pci is built in on these kernels

k7apt() {
  local a="$CACHE/apt-kernel7" tool=$1; shift
  "$tool" -o Dir::Etc::sourcelist="$a/sources.list" -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache" "$@"
}

# `deb [signed-by=KEYRING] URI SUITE main` from the machine's Debian sources (deb822 or one-line).
kernel7_source_line() {
  local uri="" key="" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/ && /debian\/?( |$)/ {print $2; exit}' "$f")
    key=$(awk '/^Signed-By:/ {print $2; exit}' "$f")
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" {for (i=2;i<=NF;i++) if ($i ~ /^(https?|file):/ && $i ~ /debian\/?$/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  uri=${uri:-http://deb.debian.org/debian}
  key=${key:-/usr/share/keyrings/debian-archive-keyring.gpg}
  echo "deb [signed-by=$key] $uri $KERNEL7_SUITE main"
}

unpack_kernel7() {
  local dir="$CACHE/kernel7" a="$CACHE/apt-kernel7" ver tmp img m ko deb
  [ -f "$dir/ready" ] && return 0
  command -v apt-get >/dev/null || skip "no apt-get to fetch the $KERNEL7_SUITE kernel"
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/debs"
  kernel7_source_line >"$a/sources.list"
  k7apt apt-get update -qq >/dev/null 2>"$a/.err" \
    || skip "apt-get update of $KERNEL7_SUITE (private configuration) failed: $(tail -1 "$a/.err")"
  ver=$(k7apt apt-cache pkgnames linux-binary-unsigned-7. \
    | sed -n 's/^linux-binary-unsigned-\(7\.[0-9.]*+deb[0-9]*-amd64\)$/\1/p' | sort -V | tail -1)
  [ -n "$ver" ] || skip "$KERNEL7_SUITE has no 7.x amd64 kernel"
  for m in "linux-binary-unsigned-$ver" "linux-modules-$ver"; do
    if ! ls "$a/debs/${m}"_*.deb >/dev/null 2>&1; then
      log "apt-get download $m ($KERNEL7_SUITE, private configuration)"
      (cd "$a/debs" && k7apt apt-get download "$m" >/dev/null 2>"$a/.err") \
        || skip "apt-get download $m failed: $(grep -v unsandboxed "$a/.err" | tail -1)"
    fi
  done
  tmp="$CACHE/.unpack-kernel7"
  rm -rf "$tmp" "$dir"
  mkdir -p "$tmp" "$dir/modules"
  for deb in "$a/debs/linux-binary-unsigned-${ver}"_*.deb "$a/debs/linux-modules-${ver}"_*.deb; do
    dpkg -x "$deb" "$tmp"
  done
  img=$(ls "$tmp"/usr/lib/modules/*/vmlinuz.unsigned | head -1)
  if ! extract_vmlinux "$img" "$dir/vmlinux"; then
    log "no ELF vmlinux in $(basename "$img") (no zstd?): booting the bzImage"
    cp "$img" "$dir/vmlinux"
  fi
  for m in $KERNEL7_MODULES; do
    ko=$(find "$tmp/usr/lib/modules" -name "$m.ko*" | head -1)
    [ -n "$ko" ] || die "module $m not in linux-modules-$ver"
    case "$ko" in
      *.xz) xz -dc "$ko" >"$dir/modules/$m.ko" ;;
      *.zst) zstd -qdc "$ko" >"$dir/modules/$m.ko" ;;
      *) cp "$ko" "$dir/modules/$m.ko" ;;
    esac
    echo "$m.ko" >>"$dir/modules/load.list"
  done
  printf '%s\n' "linux-binary-unsigned-$ver" \
    "$(dpkg-deb -f "$(ls "$a/debs/linux-binary-unsigned-${ver}"_*.deb | head -1)" Version)" >"$dir/package"
  rm -rf "$tmp"
  touch "$dir/ready"
  log "unpacked $ver from $KERNEL7_SUITE into $dir"
}

cmd_fetch() {
  local t0; t0=$(now)
  ensure_qemu
  mkdir -p "$CACHE/debs" 2>/dev/null || skip "cannot create the cache directory $CACHE"
  exec 9>"$CACHE/.lock"
  flock 9  # another test run may be filling the cache
  if [ ! -x "$CACHE/busybox" ]; then
    local deb tmp="$CACHE/.unpack-busybox"
    deb=$(download busybox-static)
    rm -rf "$tmp"; mkdir -p "$tmp"
    dpkg -x "$deb" "$tmp"
    cp "$tmp/bin/busybox" "$CACHE/busybox.new" && mv "$CACHE/busybox.new" "$CACHE/busybox"
    rm -rf "$tmp"
  fi
  unpack_kernel cloud linux-image-cloud-amd64
  unpack_kernel generic linux-image-amd64
  # The 7.x kernel is one more flavour: when it cannot be had, the other boots still run and
  # its tests say why (kernel_kernel7_skip).
  local k7err
  if k7err=$( (unpack_kernel7) 2>&1 >/dev/null); then
    echo "kernel_kernel7=$CACHE/kernel7/vmlinux"
    echo "kernel_kernel7_package=$(head -1 "$CACHE/kernel7/package") $(sed -n 2p "$CACHE/kernel7/package")"
  else
    echo "kernel_kernel7_skip=$(printf '%s\n' "$k7err" | sed -n 's/^skip: //p; s/^vm: error: //p' | tail -1)"
  fi
  exec 9>&-
  echo "qemu=$(command -v qemu-system-x86_64)"
  echo "qemu_version=$(qemu-system-x86_64 --version | head -1)"
  echo "busybox=$CACHE/busybox"
  echo "kernel_cloud=$CACHE/cloud/vmlinux"
  echo "kernel_cloud_package=$(head -1 "$CACHE/cloud/package") $(sed -n 2p "$CACHE/cloud/package")"
  echo "kernel_generic=$CACHE/generic/vmlinux"
  echo "kernel_generic_package=$(head -1 "$CACHE/generic/package") $(sed -n 2p "$CACHE/generic/package")"
  echo "fetch_seconds=$(since "$t0")"
}

# ------------------------------------------------------------------------------------- boot
cmd_boot() {
  local kernel="" payload="" logf="" timeout=300 work="" hostfs=0 adds=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --kernel) kernel=$2; shift 2 ;;
      --payload) payload=$2; shift 2 ;;
      --log) logf=$2; shift 2 ;;
      --add) adds+=("$2"); shift 2 ;;
      --hostfs) hostfs=1; shift ;;
      --timeout) timeout=$2; shift 2 ;;
      --work) work=$2; shift 2 ;;
      *) die "boot: unknown option $1" ;;
    esac
  done
  [ -n "$kernel" ] && [ -n "$payload" ] && [ -n "$logf" ] || die "boot needs --kernel, --payload and --log"
  local kdir="$CACHE/$kernel"
  [ -f "$kdir/ready" ] && [ -x "$CACHE/busybox" ] || die "cache not ready: run '$0 fetch' first"
  if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/ctune-vm.XXXXXX")
    trap 'rm -rf "$work"' EXIT
  fi
  local root="$work/rootfs" initrd="$work/initrd.gz" a t0
  rm -rf "$root"
  mkdir -p "$root"/{bin,dev,proc,sys,tmp,mnt,modules}
  cp "$CACHE/busybox" "$root/bin/busybox"
  install -m 755 "$HERE/init" "$root/init"
  install -m 644 "$HERE/lib.sh" "$root/lib.sh"
  install -m 755 "$payload" "$root/payload.sh"
  for a in "${adds[@]}"; do
    mkdir -p "$root/$(dirname "${a#*:}")"
    cp -L "${a%%:*}" "$root/${a#*:}"
  done
  if [ -f "$kdir/modules/load.list" ]; then cp "$kdir"/modules/* "$root/modules/"; fi
  (cd "$root" && find . | "$CACHE/busybox" cpio -o -H newc -R 0:0 2>/dev/null | gzip -1 >"$initrd")

  local qemu=(qemu-system-x86_64 -machine pc,accel=tcg -m 1024 -smp 2
    -kernel "$kdir/vmlinux" -initrd "$initrd"
    # no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can time out
    # and panic ("IO-APIC + timer doesn't work"), seen once with the 7.x kernel at load 11.
    # ctune.stall: when the guest is still running this much later, init prints where it waits.
    -append "console=ttyS0 loglevel=1 panic=-1 no_timer_check ctune.stall=$((timeout > 60 ? timeout - 30 : timeout / 2))"
    -nodefaults -nographic -no-user-config -nic none -serial stdio -no-reboot)
  if [ "$hostfs" = 1 ]; then
    # multidevs=remap: / spans several host file systems and 9p names files by inode number.
    qemu+=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")
  fi
  log "boot $kernel: $(stat -c %s "$initrd") byte initramfs, timeout ${timeout}s, log $logf"
  t0=$(now)
  local rc=0
  timeout --kill-after=10 "$timeout" "${qemu[@]}" </dev/null >"$logf" 2>"$logf.qemu" || rc=$?
  local wall; wall=$(since "$t0")
  log "boot $kernel: qemu exited $rc after ${wall}s"
  echo "boot_seconds=$wall"
  if ! tr -d '\r' <"$logf" | grep -q '^CTUNE-VM-DONE'; then
    {
      [ "$rc" = 124 ] && echo "vm: the guest did not finish within ${timeout}s (timeout)"
      echo "vm: no CTUNE-VM-DONE on the console (qemu exit $rc); last lines of $logf:"
      tail -n 40 "$logf" | tr -d '\r' | cut -c1-300
      if tr -d '\r' <"$logf" | grep -q '^CTUNE-VM-STALL '; then
        echo "--- where the guest waited (init's stall report):"
        tr -d '\r' <"$logf" | sed -n '/^CTUNE-VM-STALL /,/^CTUNE-VM-STALL end/p' | cut -c1-300
      fi
      echo "--- qemu stderr:"; tail -n 10 "$logf.qemu"
    } >&2
    exit 1
  fi
}

case "${1:-}" in
  fetch) shift; cmd_fetch "$@" ;;
  boot) shift; cmd_boot "$@" ;;
  *) echo "usage: $0 fetch | boot --kernel cloud|generic --payload FILE --log FILE [--add SRC:DEST]... [--hostfs] [--timeout S] [--work DIR]" >&2; exit 2 ;;
esac
