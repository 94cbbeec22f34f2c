#!/usr/bin/env bash
# Direct tunnel through two NATs: two members, each behind its own home router (MASQUERADE),
# and a lighthouse on the internet segment. They must meet directly after hole punching.
#
#   nat_direct.sh --lighthouse IMPL --members IMPL[,IMPL]   (IMPL: flatnet, nebula, nebula-VERSION)
#
# --members gives a's implementation and then b's (one name: both). Mixed meshes:
#   nat_direct.sh --lighthouse nebula  --members flatnet,flatnet
#   nat_direct.sh --lighthouse flatnet --members nebula,nebula
#
# Checks, in order (any failure exits 1 with a line saying what failed):
#  1. a pings b over the overlay (the lighthouse tells a where b is; both punch), and b
#     pings a;
#  2. the tunnel is direct: while a pings b, datagrams from b's router's public address
#     reach a (and the other way round); on a flatnet member, `flatnet status` shows the
#     tunnel's remote at the peer's router's public address, not the lighthouse's;
#  3. the lighthouse is stopped: pings keep coming back both ways for 5 s, and a new TCP
#     connection between the members works (an HTTP GET to a web service on b).
# Flatnet members run with tun.routes_from_certs, so they ask the lighthouse for route hints
# (flatnet's own lighthouse message, mesh/route_hint_codec.h) with every update: before
# check 3, a flatnet member must have sent such queries and a Nebula lighthouse must have
# logged no error about a lighthouse message (it ignores the unknown type).
# The lighthouse is no relay, so nothing between a and b could pass through it anyway;
# check 3 is what a user would try.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/nat_lib.sh"

lh_arg="" members_arg=""
while [ $# -gt 0 ]; do
  case $1 in
    --lighthouse) lh_arg=${2:-}; shift 2 ;;
    --members) members_arg=${2:-}; shift 2 ;;
    *) echo "nat_direct.sh: unknown argument '$1' (usage: --lighthouse IMPL --members IMPL[,IMPL])" >&2; exit 2 ;;
  esac
done
lh_impl=$(nat_impl_list --lighthouse "$lh_arg")
[ "$(wc -w <<<"$lh_impl")" -eq 1 ] || { echo "nat_direct.sh: --lighthouse takes one IMPL" >&2; exit 2; }
members=$(nat_impl_list --members "$members_arg")
[ "$(wc -w <<<"$members")" -le 2 ] || { echo "nat_direct.sh: --members takes one or two IMPLs" >&2; exit 2; }
impl_a=$(nat_impl_at "$members" 0)
impl_b=$(nat_impl_at "$members" 1)
summary="lighthouse=$lh_impl a=$impl_a b=$impl_b"
started=$(lab_now_ms)

lab_init natdirect
echo "NAT direct scenario: $summary"
lab_segment internet
lab_host lh --on internet
lab_host_behind a --upstream internet --nat masq
lab_host_behind b --upstream internet --nat masq
lab_pki lh=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24
lab_config lh --am-lighthouse
# flatnet members ask for route hints every 2 s (lighthouse.interval), so that several
# queries reach the lighthouse during the scenario.
member_flags() { [ "$1" != flatnet ] || echo "--routes-from-certs --lighthouse-interval 2"; }
# shellcheck disable=SC2046 # the flags are words
lab_config a --lighthouse lh --punchy $(member_flags "$impl_a")
# shellcheck disable=SC2046
lab_config b --lighthouse lh --punchy $(member_flags "$impl_b")
lab_start_daemon lh "$lh_impl"
lab_start_daemon a "$impl_a"
lab_start_daemon b "$impl_b"
a_public=$(lab_ip a-nat1)
b_public=$(lab_ip b-nat1)

# ---- 1. They meet ---------------------------------------------------------------------
nat_expect_meet a b

# ---- 2. Directly ----------------------------------------------------------------------
nat_expect_direct a b "$b_public"
nat_expect_direct b a "$a_public"
echo "ok 3 - the tunnel is direct: a<->b between $a_public and $b_public, not via the lighthouse $(lab_ip lh)"

# ---- Route hints queries: a Nebula lighthouse ignores them -----------------------------
for m in a b; do
  impl=$impl_a
  [ "$m" = a ] || impl=$impl_b
  [ "$impl" = flatnet ] || continue
  queries=$("$FLATNET_BIN/flatnet" status -json -socket "$LAB_DIR/$m.sock" | jq '.counters.tx_lighthouse_other')
  [ "$queries" -ge 1 ] || lab_fail "flatnet member $m sent no route hints query (tx_lighthouse_other $queries)"
done
if [ "$lh_impl" != flatnet ]; then
  if grep -E "Failed to unmarshal lighthouse packet|Invalid lighthouse update|panic" "$(lab_log_of lh)"; then
    lab_fail "the $lh_impl lighthouse logged errors about the flatnet members' route hints queries"
  fi
fi
echo "ok - route hints queries from the flatnet members; the $lh_impl lighthouse logged no error about them"

# ---- 3. Without the lighthouse --------------------------------------------------------
nat_expect_without_lighthouse lh a b
nat_start_service b "b"
body=""
lab_wait_for --timeout 5 -- nat_fetch a "http://$(lab_overlay b):$NAT_SERVICE_PORT/" &&
  body=$(nat_fetch a "http://$(lab_overlay b):$NAT_SERVICE_PORT/")
[[ $body == *"you are $(lab_overlay a)"* ]] ||
  lab_fail "a new TCP connection a -> b failed without the lighthouse (got '$body')"
echo "ok 4 - lighthouse stopped: 25 pings a->b and 5 b->a all answered, a new TCP connection a->b works"
echo "NAT direct scenario PASSED: $summary ($(( ($(lab_now_ms) - started) / 1000 )) s)"
