#!/usr/bin/env bash
# Migration scenario: a host in the middle of moving from v1 to v2 certificates. "m" holds
# a v1 and a v2 certificate for one key in one pki.cert (a v1 CA, which every version
# reads, signed both); "old" runs nebula 1.6.1 with a v1 certificate, "new" runs nebula
# 1.11.1 with a v2 certificate only. All three on one segment, static_host_map, no
# lighthouse.
#
#   migration.sh [--m IMPL]   (default flatnet)
#
# Checks (any failure exits 1 with a line saying what failed):
#  1. m reaches old and new at once (m initiates both, with its default v1 certificate;
#     new, without v1, answers in v2);
#  2. m is restarted; old and new initiate: both reach m again, and new's log shows m's
#     certificate as version 2 (m answered new's v2 handshake with its v2 certificate);
#  3. old and new still reach m together, 2 MB each way between m and each (sha256).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"

impl_m=flatnet
while [ $# -gt 0 ]; do
  case $1 in
    --m) impl_m=$2; shift 2 ;;
    *) echo "migration.sh: unknown argument '$1' (usage: migration.sh [--m IMPL])" >&2; exit 2 ;;
  esac
done
lab_impl_ok "$impl_m" || { echo "migration.sh: IMPL '$impl_m' is not one of $(lab_impl_names)" >&2; exit 2; }

lab_init migration
echo "migration scenario: m=$impl_m old=nebula-1.6.1 new=nebula-1.11.1"
export LAB_CERT_TOOL=nebula-1.11.1
lab_segment wire 198.51.100.0/24
lab_host m --on wire
lab_host old --on wire
lab_host new --on wire
LAB_CERT_VERSION=both lab_ca
LAB_CERT_VERSION=both lab_cert m 192.168.100.1/24
LAB_CERT_VERSION=1 lab_cert old 192.168.100.2/24
LAB_CERT_VERSION=2 lab_cert new 192.168.100.3/24
grep -c "BEGIN NEBULA CERTIFICATE" "$LAB_DIR/pki/m.crt" | grep -qx 2 || lab_fail "m.crt does not hold two certificates"
grep -q "BEGIN NEBULA CERTIFICATE V2" "$LAB_DIR/pki/new.crt" || lab_fail "new.crt is not a v2 certificate"
lab_config m --static old --static new
lab_config old --static m
lab_config new --static m
lab_start_daemon old nebula-1.6.1
lab_start_daemon new nebula-1.11.1
lab_start_daemon m "$impl_m"
m_ip=$(lab_overlay m)

# ---- 1. m initiates to both ----------------------------------------------------------
for peer in old new; do
  lab_wait_for --timeout 10 -- lab_ping m "$(lab_overlay "$peer")" ||
    lab_fail "m ($impl_m) cannot ping $peer at $(lab_overlay "$peer") within 10 s; logs in $LAB_DIR"
  echo "ok - m pings $peer (first reply after ${LAB_WAITED_MS} ms)"
done
echo "ok 1 - m reaches a v1 peer (1.6.1) and a v2 peer (1.11.1) at once"

# ---- 2. m restarts; the peers initiate -------------------------------------------------
lab_stop_daemon m
mark=$(wc -l <"$LAB_DIR/new.log")
lab_start_daemon m "$impl_m"
for peer in old new; do
  lab_wait_for --timeout 10 -- lab_ping "$peer" "$m_ip" ||
    lab_fail "$peer cannot ping m at $m_ip within 10 s after m restarted; logs in $LAB_DIR"
  echo "ok - $peer pings m after its restart (first reply after ${LAB_WAITED_MS} ms)"
done
tail -n +"$((mark + 1))" "$LAB_DIR/new.log" | grep "Handshake message received" | grep "certName=m" |
  grep -q "certVersion=2" || {
  tail -n +"$((mark + 1))" "$LAB_DIR/new.log" | grep -i handshake >&2 || true
  lab_fail "new's log has no handshake with m's certificate as version 2 after m restarted"
}
echo "ok 2 - after m's restart both peers reach it; new saw m's v2 certificate"

# ---- 3. Traffic with both at once ----------------------------------------------------
xfer=$(lab_tool lab-tcp-xfer)
blob="$LAB_DIR/blob"
head -c 2M /dev/urandom >"$blob"
sum=$(sha256sum <"$blob" | cut -d' ' -f1)
port=5001
for peer in old new; do
  for dir in "m $peer" "$peer m"; do
    set -- $dir
    rm -f "$LAB_DIR/recv.sha"
    lab_spawn "$2" "recv-$1-$2" bash -c "'$xfer' recv --port $port --time-limit 30 | sha256sum >'$LAB_DIR/recv.sha'"
    lab_exec "$1" "$xfer" send --to "$(lab_overlay "$2"):$port" --time-limit 30 <"$blob" >/dev/null 2>&1 ||
      lab_fail "TCP transfer $1 -> $2 failed"
    lab_wait_for --timeout 10 -- test -s "$LAB_DIR/recv.sha" || lab_fail "receiver on $2 did not finish"
    [ "$(cut -d' ' -f1 <"$LAB_DIR/recv.sha")" = "$sum" ] || lab_fail "sha256 mismatch $1 -> $2"
    port=$((port + 1))
  done
done
echo "ok 3 - 2 MB each way between m and each peer, checksums match"
echo "migration scenario PASSED: m=$impl_m"
