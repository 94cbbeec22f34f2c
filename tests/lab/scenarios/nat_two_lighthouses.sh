#!/usr/bin/env bash
# Two lighthouses, one of them down: members behind NATs still find each other.
#
#   nat_two_lighthouses.sh --impl IMPL      (flatnet, nebula, nebula-VERSION)
#
# lh1 and lh2 on the internet; a and b behind their own home routers (MASQUERADE), each
# configured with both lighthouses (lh1 listed first).
#
# Checks, in order (any failure exits 1 with a line saying what failed):
#  1. lh1 is down from the start (never started): a and b ping each other through the
#     tunnel punched with lh2's help, and it is direct (datagrams from the peer's router);
#  2. lh1 comes up, lh2 is stopped, and a and b start afresh (no tunnel from before, and
#     their routers' mappings flushed): they find each other with lh1 alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/nat_lib.sh"

impl_arg=""
while [ $# -gt 0 ]; do
  case $1 in
    --impl) impl_arg=${2:-}; shift 2 ;;
    *) echo "nat_two_lighthouses.sh: unknown argument '$1' (usage: --impl IMPL: flatnet, nebula or nebula-VERSION)" >&2; exit 2 ;;
  esac
done
impl=$(nat_impl_list --impl "$impl_arg")
[ "$(wc -w <<<"$impl")" -eq 1 ] || { echo "nat_two_lighthouses.sh: --impl takes one IMPL" >&2; exit 2; }
started=$(lab_now_ms)

lab_init nat2lh
echo "NAT two-lighthouses scenario: impl=$impl"
lab_segment internet
lab_host lh1 --on internet
lab_host lh2 --on internet
lab_host_behind a --upstream internet --nat masq
lab_host_behind b --upstream internet --nat masq
lab_pki lh1=192.168.100.1/24 lh2=192.168.100.2/24 a=192.168.100.3/24 b=192.168.100.4/24
lab_config lh1 --am-lighthouse
lab_config lh2 --am-lighthouse
lab_config a --lighthouse lh1 --lighthouse lh2 --punchy
lab_config b --lighthouse lh1 --lighthouse lh2 --punchy

# meet WITH: a and b, started fresh, reach each other directly with only lighthouse WITH up.
meet() {
  local with=$1
  lab_start_daemon a "$impl"
  lab_start_daemon b "$impl"
  lab_wait_for --timeout 20 -- lab_ping a "$(lab_overlay b)" ||
    lab_fail "a cannot ping b within 20 s with only $with up; logs in $LAB_DIR"
  echo "   a pings b after ${LAB_WAITED_MS} ms"
  lab_wait_for --timeout 10 -- lab_ping b "$(lab_overlay a)" ||
    lab_fail "b cannot ping a within 10 s with only $with up"
  nat_expect_direct a b "$(lab_ip b-nat1)"
}

# ---- 1. The first lighthouse never came up --------------------------------------------
lab_start_daemon lh2 "$impl"
meet lh2
echo "ok 1 - lh1 down from the start: a and b meet through lh2"

# ---- 2. The other way round, with fresh members ----------------------------------------
lab_stop_daemon a
lab_stop_daemon b
lab_stop_daemon lh2
# The routers forget the holes punched in part 1, so the members must punch anew.
for router in a-nat1 b-nat1; do
  lab_exec "$router" conntrack -F 2>/dev/null || lab_fail "conntrack -F failed on $router (install conntrack)"
done
lab_start_daemon lh1 "$impl"
meet lh1
echo "ok 2 - lh2 stopped: fresh a and b meet through lh1"
echo "NAT two-lighthouses scenario PASSED: impl=$impl ($(( ($(lab_now_ms) - started) / 1000 )) s)"
