#!/usr/bin/env bash
# An IPv6-only overlay across IPv4 NATs: a lighthouse on the internet segment, two members
# each behind its own home router (MASQUERADE), all with version-2 certificates holding one
# IPv6 network (lh fd00:100::1, a fd00:100::2, b fd00:100::3; the underlay stays IPv4). The
# members must find each other through the lighthouse (the Addr fields of its updates,
# queries, replies and punch notifications are IPv6 addresses now) and meet directly.
#
#   ipv6_nat.sh --lighthouse IMPL --members IMPL[,IMPL]   (IMPL: flatnet, nebula-VERSION >= 1.10)
#
# Checks, in order (any failure exits 1 with a line saying what failed):
#  1. a pings b over the overlay, and b pings a;
#  2. the tunnel is direct, as a user would see it: while a pings b, datagrams from b's
#     router's public address reach a (and the other way round; counted by iptables); a
#     flatnet member's `flatnet status -json` shows the tunnel's remote at that address; a
#     nebula member logged the handshake with the peer's IPv6 address from that address;
#  3. the lighthouse is stopped: pings keep coming back both ways, and a new TCP connection
#     between the members carries 1 MB with matching sha256.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/nat_lib.sh"
source "$here/ipv6_lib.sh"

lh_arg="" members_arg=""
while [ $# -gt 0 ]; do
  case $1 in
    --lighthouse) lh_arg=${2:-}; shift 2 ;;
    --members) members_arg=${2:-}; shift 2 ;;
    *) echo "ipv6_nat.sh: unknown argument '$1' (usage: --lighthouse IMPL --members IMPL[,IMPL])" >&2; exit 2 ;;
  esac
done
lh_impl=$(nat_impl_list --lighthouse "$lh_arg")
[ "$(wc -w <<<"$lh_impl")" -eq 1 ] || { echo "ipv6_nat.sh: --lighthouse takes one IMPL" >&2; exit 2; }
members=$(nat_impl_list --members "$members_arg")
[ "$(wc -w <<<"$members")" -le 2 ] || { echo "ipv6_nat.sh: --members takes one or two IMPLs" >&2; exit 2; }
impl_a=$(nat_impl_at "$members" 0)
impl_b=$(nat_impl_at "$members" 1)
for impl in "$lh_impl" "$impl_a" "$impl_b"; do
  ipv6_impl_ok "$impl" || { echo "ipv6_nat.sh: IMPL '$impl': nebula before 1.10 reads no version-2 certificate" >&2; exit 2; }
done
summary="lighthouse=$lh_impl a=$impl_a b=$impl_b, IPv6-only overlay"
started=$(lab_now_ms)

lab_init ipv6nat
echo "IPv6 NAT scenario: $summary"
lab_segment internet
lab_host lh --on internet
lab_host_behind a --upstream internet --nat masq
lab_host_behind b --upstream internet --nat masq
ipv6_enable lh a b
ipv6_pki lh=fd00:100::1/64 a=fd00:100::2/64 b=fd00:100::3/64
lab_config lh --am-lighthouse
lab_config a --lighthouse lh --punchy
lab_config b --lighthouse lh --punchy
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
for pair in "a b $b_public" "b a $a_public"; do
  read -r host other public <<<"$pair"
  [ "$(cat "$LAB_DIR/$host.impl")" = flatnet ] && continue  # flatnet status was checked above
  from=$(ipv6_nebula_handshake_from "$host" "$(lab_overlay "$other")")
  [ "${from%:*}" = "$public" ] ||
    lab_fail "nebula on $host logged its handshake with $other ($(lab_overlay "$other")) from '$from', not from $other's router $public"
  echo "   evidence: nebula on $host logged the handshake with $(lab_overlay "$other") from $from"
done
echo "ok 3 - the tunnel is direct: a<->b between $a_public and $b_public, not via the lighthouse $(lab_ip lh)"

# ---- 3. Without the lighthouse --------------------------------------------------------
nat_expect_without_lighthouse lh a b
head -c 1M /dev/urandom >"$LAB_DIR/blob"
lab_tcp_transfer a b "$(lab_overlay b)" "$LAB_DIR/blob"
echo "ok 4 - lighthouse stopped: 25 pings a->b and 5 b->a all answered, a new TCP connection a->b works"
echo "IPv6 NAT scenario PASSED: $summary ($(( ($(lab_now_ms) - started) / 1000 )) s)"
