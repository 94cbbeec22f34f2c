#!/usr/bin/env bash
# The Debian package in a clean Debian 12 (issue 11, part 4): cpack builds the .deb from this
# build tree; debootstrap makes a minimal bookworm root (cached between runs, the copy used
# here is fresh); dpkg -i installs the package there with only the libraries its Depends line
# names (so a missing dependency fails the install); then, all from inside that root:
#  1. the files are where a Debian user looks (binaries in /usr/bin, the unit in
#     /usr/lib/systemd/system, flatnet-cni in /usr/lib/cni, /etc/flatnet, the docs) and
#     `flatnet -version` and `CNI_COMMAND=VERSION flatnet-cni` run;
#  2. `systemd-analyze verify` passes the packaged unit, and it runs /usr/bin/flatnet;
#  3. the installed flatnet-cert makes the CA and a host's certificate, and the installed
#     daemon, started as the unit starts it (`-test` first, then `-config
#     /etc/flatnet/config.yml`), carries a lab mesh with a flatnet of this build on the
#     other side: ping and a TCP transfer with matching sha256 both ways;
#  4. dpkg -r removes the binaries and the unit and keeps the member's /etc/flatnet files.
# Needs the network to Debian's mirror for the first debootstrap (FLATNET_DEBIAN_MIRROR, by
# default the first URIs: of /etc/apt/sources.list.d/debian.sources); the root is cached in
# FLATNET_LAB_CACHE (default /var/cache/flatnet-lab).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"

build_dir=$(cd "$FLATNET_BIN/../.." && pwd)
cache=${FLATNET_LAB_CACHE:-/var/cache/flatnet-lab}
mirror=${FLATNET_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
mirror=${mirror:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || { echo "deb_package_test: debootstrap is missing (scripts/setup.sh installs it)" >&2; exit 1; }
command -v cpack >/dev/null || { echo "deb_package_test: cpack is missing (Debian's cmake has it)" >&2; exit 1; }

lab_init debpkg
xfer=$(lab_tool lab-tcp-xfer)

# ---- The package --------------------------------------------------------------------
(cd "$build_dir" && cpack -G DEB -B "$LAB_DIR/cpack" >"$LAB_DIR/cpack.log" 2>&1) || {
  tail -n 30 "$LAB_DIR/cpack.log" >&2
  lab_fail "cpack -G DEB failed in $build_dir (log above)"
}
deb=$(ls "$LAB_DIR"/cpack/flatnet_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || lab_fail "cpack wrote no flatnet_*.deb into $LAB_DIR/cpack (log: $LAB_DIR/cpack.log)"
depends=$(dpkg-deb -f "$deb" Depends)
[ -n "$depends" ] || lab_fail "$(basename "$deb") has no Depends line (dpkg-shlibdeps did not run?)"
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB; Depends: $depends"
# The packages Depends names, without version constraints or alternatives after the first.
dep_names=$(echo "$depends" | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$' | sort -u | paste -sd, -)

# ---- A clean Debian 12 root ---------------------------------------------------------
# The cache holds a root made once per set of extra packages; every run installs into a
# copy, so what the test does never leaks into the next run.
extra="systemd,$dep_names"
key=$(echo "$extra $mirror" | sha256sum | cut -c1-12)
pristine="$cache/bookworm-minbase-$key"
if [ ! -e "$pristine/.flatnet-complete" ]; then
  rm -rf "$pristine"
  mkdir -p "$cache"
  echo "debootstrap bookworm (minbase + $extra) from $mirror into $pristine"
  if ! debootstrap --variant=minbase --include="$extra" bookworm "$pristine" "$mirror" \
    >"$LAB_DIR/debootstrap.log" 2>&1; then
    tail -n 30 "$LAB_DIR/debootstrap.log" >&2
    rm -rf "$pristine"
    lab_fail "debootstrap of bookworm from $mirror failed (log above)"
  fi
  touch "$pristine/.flatnet-complete"
fi
root="$LAB_DIR/root"
cp -a "$pristine" "$root"
# /proc inside the root while the installed programs run; unmounted before the temp dir
# goes (teardown hooks run first), so removing it never walks into a mount.
lab_on_teardown "mountpoint -q '$root/proc' && umount -l '$root/proc' || true"
mount -t proc proc "$root/proc"
mkdir -p "$root/dev/net"
[ -c "$root/dev/net/tun" ] || mknod "$root/dev/net/tun" c 10 200
in_root() { chroot "$root" "$@"; }

# ---- 1. Installed with dpkg ---------------------------------------------------------
cp "$deb" "$root/tmp/flatnet.deb"
in_root dpkg -i /tmp/flatnet.deb >"$LAB_DIR/dpkg.log" 2>&1 || {
  cat "$LAB_DIR/dpkg.log" >&2
  lab_fail "dpkg -i $(basename "$deb") failed in a clean bookworm root with its Depends installed (log above)"
}
for f in /usr/bin/flatnet /usr/bin/flatnet-cert /usr/bin/flatnet-forward /usr/lib/cni/flatnet-cni \
  /usr/lib/systemd/system/flatnet.service /usr/share/doc/flatnet/README.md /usr/share/doc/flatnet/cni.md; do
  [ -e "$root$f" ] || lab_fail "the package did not install $f"
done
[ -d "$root/etc/flatnet" ] || lab_fail "the package did not make /etc/flatnet"
version=$(in_root flatnet -version) || lab_fail "the installed flatnet -version failed (missing library?)"
cni_versions=$(in_root env -i CNI_COMMAND=VERSION /usr/lib/cni/flatnet-cni </dev/null) ||
  lab_fail "the installed flatnet-cni VERSION failed: $cni_versions"
[[ $cni_versions == *'"supportedVersions":["0.4.0","1.0.0"]'* ]] ||
  lab_fail "the installed flatnet-cni VERSION said: $cni_versions"
echo "ok 1 - dpkg -i installs flatnet ($version) into a clean Debian 12 root; files in place"

# ---- 2. The unit ----------------------------------------------------------------------
unit="$root/usr/lib/systemd/system/flatnet.service"
grep -qx 'ExecStart=/usr/bin/flatnet -config /etc/flatnet/config.yml' "$unit" ||
  lab_fail "the packaged unit does not run /usr/bin/flatnet -config /etc/flatnet/config.yml: $(grep Exec "$unit")"
if ! in_root systemd-analyze verify /usr/lib/systemd/system/flatnet.service >"$LAB_DIR/verify.log" 2>&1; then
  cat "$LAB_DIR/verify.log" >&2
  lab_fail "systemd-analyze verify refused the packaged flatnet.service (above)"
fi
[ ! -s "$LAB_DIR/verify.log" ] || { cat "$LAB_DIR/verify.log" >&2; lab_fail "systemd-analyze verify warned about flatnet.service (above)"; }
echo "ok 2 - systemd-analyze verify passes the packaged flatnet.service"

# ---- 3. The installed programs carry a mesh ------------------------------------------
lab_segment wire 198.51.100.0/24
lab_host a --on wire
lab_host b --on wire
# a's CA and certificate from the installed flatnet-cert, in the root's /etc/flatnet.
in_root flatnet-cert ca -name "deb-lab" -duration 2h -out-crt /etc/flatnet/ca.crt \
  -out-key /etc/flatnet/ca.key >/dev/null || lab_fail "the installed flatnet-cert ca failed"
in_root flatnet-cert sign -ca-crt /etc/flatnet/ca.crt -ca-key /etc/flatnet/ca.key -name a \
  -networks 192.168.100.1/24 -out-crt /etc/flatnet/host.crt -out-key /etc/flatnet/host.key \
  >/dev/null || lab_fail "the installed flatnet-cert sign failed"
# b's from this build's flatnet-cert, signed by the same CA.
pki="$LAB_DIR/pki"
cp "$root/etc/flatnet/ca.crt" "$pki/ca.crt"
cp "$root/etc/flatnet/ca.key" "$pki/ca.key"
"$FLATNET_BIN/flatnet-cert" sign -ca-crt "$pki/ca.crt" -ca-key "$pki/ca.key" -name b \
  -networks 192.168.100.2/24 -out-crt "$pki/b.crt" -out-key "$pki/b.key" >/dev/null
cp "$root/etc/flatnet/host.crt" "$pki/a.crt"
cp "$root/etc/flatnet/host.key" "$pki/a.key"
LAB_OVERLAY[a]=192.168.100.1 LAB_OVERLAY[b]=192.168.100.2
lab_config a --static b
lab_config b --static a
# a's config as a member's: everything under /etc/flatnet.
sed -e "s#$pki/ca.crt#/etc/flatnet/ca.crt#; s#$pki/a.crt#/etc/flatnet/host.crt#" \
  -e "s#$pki/a.key#/etc/flatnet/host.key#; s#$LAB_DIR/a.sock#/run/flatnet.sock#" \
  "$LAB_DIR/a.yml" >"$root/etc/flatnet/config.yml"
! grep -q "$LAB_DIR" "$root/etc/flatnet/config.yml" || lab_fail "a's config still names $LAB_DIR"
in_root flatnet -test -config /etc/flatnet/config.yml >"$LAB_DIR/a-test.log" 2>&1 || {
  cat "$LAB_DIR/a-test.log" >&2
  lab_fail "the installed flatnet -test refused /etc/flatnet/config.yml (the unit's ExecStartPre)"
}
lab_spawn a installed-flatnet chroot "$root" /usr/bin/flatnet -config /etc/flatnet/config.yml
lab_start_daemon b flatnet
lab_wait_for --timeout 10 -- ip -n "$(lab_ns a)" link show "$(lab_tun a)" up ||
  { cat "$LAB_DIR/installed-flatnet.out" >&2; lab_fail "the installed daemon did not bring up its tun (log above)"; }
lab_wait_for --timeout 10 -- lab_ping b 192.168.100.1 ||
  { tail -n 20 "$LAB_DIR/installed-flatnet.out" >&2; lab_fail "b cannot ping the installed daemon on a within 10 s"; }
lab_ping a 192.168.100.2 || lab_fail "a (installed) cannot ping b"
blob="$LAB_DIR/blob"
head -c 20M /dev/urandom >"$blob"
want=$(sha256sum <"$blob" | cut -d' ' -f1)
transfer() {  # FROM TO
  local from=$1 to=$2 got
  lab_spawn "$to" "recv-$to" bash -c "'$xfer' recv --port 5001 --time-limit 60 | sha256sum >'$LAB_DIR/$to.sha'"
  lab_wait_for --timeout 5 -- lab_exec "$to" bash -c "ss -ltn | grep -q ':5001 '" || lab_fail "receiver on $to did not listen"
  lab_exec "$from" "$xfer" send --to "${LAB_OVERLAY[$to]}:5001" --time-limit 60 <"$blob" ||
    lab_fail "TCP transfer $from -> $to failed"
  lab_wait_for --timeout 10 -- test -s "$LAB_DIR/$to.sha" || lab_fail "receiver on $to never finished"
  got=$(cut -d' ' -f1 "$LAB_DIR/$to.sha")
  [ "$got" = "$want" ] || lab_fail "sha256 after $from -> $to is $got, sent $want"
}
transfer a b
transfer b a
echo "ok 3 - the installed flatnet-cert and daemon carry a mesh with this build's flatnet: ping, 20 MB each way, sha256 equal"

# ---- 4. Removed ---------------------------------------------------------------------
lab_stop installed-flatnet
in_root dpkg -r flatnet >"$LAB_DIR/dpkg-r.log" 2>&1 || { cat "$LAB_DIR/dpkg-r.log" >&2; lab_fail "dpkg -r flatnet failed"; }
for f in /usr/bin/flatnet /usr/bin/flatnet-cert /usr/lib/cni/flatnet-cni /usr/lib/systemd/system/flatnet.service; do
  [ ! -e "$root$f" ] || lab_fail "dpkg -r left $f behind"
done
[ -f "$root/etc/flatnet/host.key" ] || lab_fail "dpkg -r removed the member's /etc/flatnet/host.key"
echo "ok 4 - dpkg -r removes the programs and the unit, keeps the member's keys in /etc/flatnet"
echo "deb_package_test: 4 checks passed"
