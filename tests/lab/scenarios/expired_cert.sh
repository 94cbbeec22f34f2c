#!/usr/bin/env bash
# Expired peer certificate (pki.disconnect_invalid, Nebula 1.8+ default true): a tunnel whose
# peer's certificate expires while it is up is closed, and the peer cannot come back with it.
#
#   expired_cert.sh --peer IMPL     (IMPL: flatnet, nebula, nebula-VERSION; see docs/lab.md)
#
# Hosts on one segment, static_host_map only:
#   a       flatnet, pki.disconnect_invalid absent (true): the host under test
#   keep    flatnet, pki.disconnect_invalid: false: keeps its tunnels from expired certs
#   short   IMPL, a certificate signed by flatnet-cert -duration LIFETIME
#   short2  flatnet, the same kind of short-lived certificate (flatnet on both ends)
# Checks, in order (any failure exits 1 saying what failed):
#  1. a and keep reach short and short2 while their certificates are valid;
#  2. once they expire, a logs "Remote certificate is no longer valid" for each (bounded
#     wait) and can no longer reach either: its new handshakes are refused too;
#  3. keep still reaches short over the tunnel it kept; every daemon is still running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"

peer_impl=""
while [ $# -gt 0 ]; do
  case $1 in
    --peer) peer_impl=$2; shift 2 ;;
    *) echo "expired_cert.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
lab_impl_ok "$peer_impl" || { echo "expired_cert.sh: --peer '$peer_impl' is not one of $(lab_impl_names)" >&2; exit 2; }
# Long enough for four daemons to start and four tunnels to come up on a loaded machine.
LIFETIME=${EXPIRED_LIFETIME:-30}

lab_init expcert
lab_segment wire 198.51.100.0/24
for host in a keep short short2; do lab_host "$host" --on wire; done
lab_ca
lab_cert a 192.168.100.1/24
lab_cert keep 192.168.100.2/24
LAB_CERT_TOOL=flatnet lab_cert short 192.168.100.3/24 --duration "${LIFETIME}s"
LAB_CERT_TOOL=flatnet lab_cert short2 192.168.100.4/24 --duration "${LIFETIME}s"
expires_at=$(($(date +%s) + LIFETIME))

lab_config a --static short --static short2
lab_config keep --static short --static short2
sed -i '/^  key: /a\  disconnect_invalid: false' "$LAB_DIR/keep.yml"
grep -q '^  disconnect_invalid: false' "$LAB_DIR/keep.yml" || lab_fail "could not set disconnect_invalid in keep.yml"
lab_config short --static a --static keep
lab_config short2 --static a --static keep
lab_start_daemon a flatnet
lab_start_daemon keep flatnet
lab_start_daemon short "$peer_impl"
lab_start_daemon short2 flatnet

for from in a keep; do
  for to in short short2; do
    lab_wait_for --timeout 10 -- lab_ping "$from" "$(lab_overlay "$to")" ||
      lab_fail "$from cannot reach $to while its certificate is valid; logs in $LAB_DIR"
  done
done
[ "$(date +%s)" -lt "$expires_at" ] ||
  lab_fail "the tunnels took longer than the certificates' ${LIFETIME}s to come up: raise EXPIRED_LIFETIME"
echo "ok 1 - a and keep reach short ($peer_impl) and short2 (flatnet) while their certificates are valid"

for to in short short2; do
  lab_wait_for --timeout $((LIFETIME + 30)) --interval 1 -- \
    grep -q "Remote certificate is no longer valid.*certName=$to\b" "$(lab_log_of a)" ||
    lab_fail "a did not close its tunnel to $to when $to's certificate expired; log $(lab_log_of a)"
done
[ "$(date +%s)" -ge "$expires_at" ] || lab_fail "a closed a tunnel before the certificate expired"
grep "Remote certificate is no longer valid.*certName=short\b" "$(lab_log_of a)" | grep -q "certificate is expired" ||
  lab_fail "a's teardown line does not say the certificate is expired"
for to in short short2; do
  for try in 1 2 3; do
    ! lab_ping a "$(lab_overlay "$to")" 1 || lab_fail "a still reaches $to (try $try) after its certificate expired"
  done
done
echo "ok 2 - a closed its tunnels to both once their certificates expired, and cannot reach them again"

lab_wait_for --timeout 5 -- lab_ping keep "$(lab_overlay short)" ||
  lab_fail "keep (disconnect_invalid: false) lost its tunnel to short; log $(lab_log_of keep)"
! grep -q "Remote certificate is no longer valid" "$(lab_log_of keep)" ||
  lab_fail "keep tore down a tunnel although disconnect_invalid is false"
for host in a keep short short2; do
  lab_daemon_alive "$host" || lab_fail "the daemon on $host stopped; log $(lab_log_of "$host")"
done
echo "ok 3 - keep (disconnect_invalid: false) still reaches short; every daemon still runs"
echo "expired_cert scenario PASSED (peer $peer_impl)"
