#!/usr/bin/env bash
# The issue's topology: the lighthouse and a web service (port 3000) in a Docker container,
# in WSL2, on a Windows PC, in an office: three nested NATs. UDP 4242 is forwarded inwards
# at each layer (office router, Windows PC, Docker's -p). Members sit on the office LAN and
# behind a home router on the internet. See nat_lib.sh for the picture.
#
#   nat_wsl2.sh --lighthouse nebula|flatnet --members IMPL[,IMPL...] [--forwarder dnat|flatnet]
#
# --members gives lan1, lan2, home1 their implementations in turn (cycling). --forwarder
# picks the Windows PC's forward: iptables DNAT (default), or `flatnet forward udp`, the
# userspace forwarder a real Windows host runs; through it, the lighthouse sees every
# member at the forwarder's address.
#
# Checks, in order (any failure exits 1 with a line saying what failed):
#  1. lan1 (office LAN) fetches http://192.168.100.1:3000/ (the lighthouse's overlay address)
#     and the service saw lan1's overlay address;
#  2. home1 (behind a home NAT, on the internet) does the same across the office router,
#     the Windows PC's NAT and Docker's NAT;
#  3. lan1 and lan2 talk directly: their datagrams come from each other's LAN addresses
#     (and, for flatnet, `flatnet status` shows the peer's LAN address as the remote), and
#     they keep talking once the lighthouse is stopped.
# Not checked: home1 <-> lan1. Seen through the forward, they cannot punch to each other;
# that needs a relay.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/nat_lib.sh"

lh_arg="" members_arg="" forwarder=dnat
while [ $# -gt 0 ]; do
  case $1 in
    --lighthouse) lh_arg=${2:-}; shift 2 ;;
    --members) members_arg=${2:-}; shift 2 ;;
    --forwarder) forwarder=${2:-}; shift 2 ;;
    *) echo "nat_wsl2.sh: unknown argument '$1' (usage: --lighthouse IMPL --members IMPL[,IMPL...] [--forwarder dnat|flatnet])" >&2; exit 2 ;;
  esac
done
lh_impl=$(nat_impl_list --lighthouse "$lh_arg")
[ "$(wc -w <<<"$lh_impl")" -eq 1 ] || { echo "nat_wsl2.sh: --lighthouse takes one IMPL" >&2; exit 2; }
members=$(nat_impl_list --members "$members_arg")
case $forwarder in dnat | flatnet) ;; *) echo "nat_wsl2.sh: --forwarder '$forwarder' is not dnat or flatnet" >&2; exit 2 ;; esac
summary="lighthouse=$lh_impl members=${members// /,} forwarder=$forwarder"
started=$(lab_now_ms)

lab_init natwsl2
echo "NAT WSL2 scenario: $summary"
nat_wsl2_build
nat_wsl2_forward "$forwarder"
nat_start_service lh "the web service next to the lighthouse"
nat_wsl2_start "$lh_impl" "$members"
url="http://$(lab_overlay lh):$NAT_SERVICE_PORT/"

# fetch_from MEMBER: the member GETs the service; the body must name the member's overlay IP.
fetch_from() {
  local member=$1 body=""
  lab_wait_for --timeout 20 -- nat_fetch "$member" "$url" ||
    lab_fail "$member ($(cat "$LAB_DIR/$member.impl")) cannot fetch $url within 20 s; logs in $LAB_DIR"
  body=$(nat_fetch "$member" "$url") || lab_fail "$member: second fetch of $url failed"
  [[ $body == *"you are $(lab_overlay "$member")"* ]] ||
    lab_fail "$member fetched '$body': the service did not see $member's overlay address"
  echo "   $member: $body"
}

# ---- 1./2. The service behind three NATs ----------------------------------------------
fetch_from lan1
echo "ok 1 - lan1 on the office LAN fetches $url (after ${LAB_WAITED_MS} ms)"
fetch_from home1
echo "ok 2 - home1 behind a home NAT fetches $url across three NATs (after ${LAB_WAITED_MS} ms)"

# ---- 3. LAN members meet directly -----------------------------------------------------
lab_wait_for --timeout 20 -- lab_ping lan1 "$(lab_overlay lan2)" ||
  lab_fail "lan1 cannot ping lan2 within 20 s"
echo "   lan1 pings lan2 (first reply after ${LAB_WAITED_MS} ms)"
nat_expect_direct lan1 lan2 "$(lab_ip lan2)"
nat_expect_direct lan2 lan1 "$(lab_ip lan1)"
lab_stop_daemon lh
nat_pings lan1 lan2 25 || lab_fail "lan1 lost lan2 once the lighthouse stopped"
echo "ok 3 - lan1 and lan2 talk directly over the office LAN, also with the lighthouse stopped"
echo "NAT WSL2 scenario PASSED: $summary ($(( ($(lab_now_ms) - started) / 1000 )) s)"
