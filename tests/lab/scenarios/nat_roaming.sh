#!/usr/bin/env bash
# Roaming: a member's NAT mapping changes under a running tunnel, and the mesh recovers.
#
#   nat_roaming.sh --impl IMPL      (flatnet, nebula, nebula-VERSION)
#
# a sits behind a home router (MASQUERADE). It has tunnels to s, a server on the internet,
# and to b, behind a home router of its own; a lighthouse is on the internet. Then a's
# router forgets every mapping (`conntrack -F`) and from now on maps to ports 20000-29999,
# as a router does after a reboot or a DHCP renewal. a's datagrams arrive from a new port,
# and the old one is dead.
#
# Checks, in order (any failure exits 1 with a line saying what failed):
#  1. a pings s and b (the tunnels are up) and datagrams come from a's router's port 4242;
#  2. after the change, a reaches s again within 10 s: s gets a's datagrams from the new
#     port (s has no NAT in front, so it can simply follow a: nebula logs "Host roamed");
#     for flatnet, s's tunnel to a has its remote at the new port;
#  3. a reaches b again within 60 s (b's router drops datagrams from the unknown new port,
#     so the old tunnel dies and a new one is punched through the lighthouse; nebula 1.6.1
#     takes about 30 s); b gets a's datagrams from the new port, and, for flatnet, b's
#     tunnel to a has its remote at the new port; and b reaches a.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/nat_lib.sh"

impl_arg=""
while [ $# -gt 0 ]; do
  case $1 in
    --impl) impl_arg=${2:-}; shift 2 ;;
    *) echo "nat_roaming.sh: unknown argument '$1' (usage: --impl IMPL: flatnet, nebula or nebula-VERSION)" >&2; exit 2 ;;
  esac
done
impl=$(nat_impl_list --impl "$impl_arg")
[ "$(wc -w <<<"$impl")" -eq 1 ] || { echo "nat_roaming.sh: --impl takes one IMPL" >&2; exit 2; }
readonly NEW_PORTS=20000-29999
started=$(lab_now_ms)

lab_init natroam
echo "NAT roaming scenario: impl=$impl"
lab_segment internet
lab_host lh --on internet
lab_host s --on internet
lab_host_behind a --upstream internet --nat masq
lab_host_behind b --upstream internet --nat masq
lab_pki lh=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24 s=192.168.100.4/24
lab_config lh --am-lighthouse
for host in a b s; do lab_config "$host" --lighthouse lh --punchy; done
for host in lh a b s; do lab_start_daemon "$host" "$impl"; done
a_public=$(lab_ip a-nat1)

# count_ports PEER FIRST:LAST: from now on, count datagrams from a's router with a source
# port in that range at PEER. ports_seen PEER FIRST:LAST: the count.
count_ports() {
  lab_exec "$1" iptables -I INPUT -p udp -s "$a_public" --sport "$2" \
    -m comment --comment "natlab-a-ports-$2" || lab_fail "cannot add a counting rule on $1"
}
ports_seen() {
  lab_exec "$1" iptables -nvxL INPUT |
    awk -v tag="/* natlab-a-ports-$2 */" 'index($0, tag) { print $1; found = 1 } END { if (!found) print 0 }'
}
# flatnet_remote_in PEER FIRST LAST: PEER's tunnel to a has its remote at a's router, on a
# port in FIRST..LAST (flatnet peers only; true for nebula, which has no status to read).
flatnet_remote_in() {
  local peer=$1 first=$2 last=$3 remote port
  [ "$impl" = flatnet ] || return 0
  remote=$(nat_tunnel_remote "$peer" a)
  port=${remote##*:}
  [ "${remote%:*}" = "$a_public" ] && [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge "$first" ] &&
    [ "$port" -le "$last" ]
}

# ---- 1. Tunnels up, a seen from port 4242 ---------------------------------------------
for peer in s b; do
  count_ports "$peer" 4242
  lab_wait_for --timeout 20 -- lab_ping a "$(lab_overlay "$peer")" ||
    lab_fail "a cannot ping $peer within 20 s; logs in $LAB_DIR"
  nat_pings a "$peer" 3 || lab_fail "a -> $peer: pings lost"
  [ "$(ports_seen "$peer" 4242)" -ge 3 ] || lab_fail "$peer did not see a's datagrams from $a_public:4242"
  flatnet_remote_in "$peer" 4242 4242 ||
    lab_fail "flatnet status on $peer: tunnel to a via '$(nat_tunnel_remote "$peer" a)', expected $a_public:4242"
done
echo "ok 1 - a reaches s and b; both see a at $a_public:4242"

# ---- The change -----------------------------------------------------------------------
router=$(lab_ns a-nat1)
upif=$(ip netns exec "$router" iptables -t nat -S POSTROUTING |
  sed -n 's/^-A POSTROUTING -o \([^ ]*\) -j MASQUERADE$/\1/p')
[ -n "$upif" ] || lab_fail "a-nat1 has no MASQUERADE rule to change"
ip netns exec "$router" iptables -t nat -R POSTROUTING 1 -o "$upif" -p udp -j MASQUERADE \
  --to-ports "$NEW_PORTS"
ip netns exec "$router" iptables -t nat -A POSTROUTING -o "$upif" -j MASQUERADE
count_ports s "${NEW_PORTS/-/:}"
count_ports b "${NEW_PORTS/-/:}"
ip netns exec "$router" conntrack -F 2>/dev/null || lab_fail "conntrack -F failed on a-nat1 (install conntrack)"
changed=$(lab_now_ms)
echo "   a-nat1 flushed its mappings; a's datagrams now leave from ports $NEW_PORTS"

# ---- 2. The server follows a ----------------------------------------------------------
lab_wait_for --timeout 10 --interval 0.1 -- lab_ping a "$(lab_overlay s)" 0.5 ||
  lab_fail "a cannot reach s within 10 s of its NAT mapping change; logs in $LAB_DIR"
nat_pings s a 3 || lab_fail "s cannot ping a after the change"
[ "$(ports_seen s "${NEW_PORTS/-/:}")" -ge 3 ] ||
  lab_fail "s gets nothing from a's new ports ($a_public:$NEW_PORTS)"
flatnet_remote_in s 20000 29999 ||
  lab_fail "flatnet status on s: tunnel to a via '$(nat_tunnel_remote s a)', expected $a_public:$NEW_PORTS"
echo "ok 2 - a reaches s again $(($(lab_now_ms) - changed)) ms after the change; s sees a at a new port$(
  [ "$impl" = flatnet ] && echo " ($(nat_tunnel_remote s a))")"

# ---- 3. The NATed peer: a new punch ----------------------------------------------------
lab_wait_for --timeout 60 --interval 0.5 -- lab_ping a "$(lab_overlay b)" ||
  lab_fail "a cannot reach b within 60 s of its NAT mapping change; logs in $LAB_DIR"
took=$(($(lab_now_ms) - changed))
lab_wait_for --timeout 10 -- lab_ping b "$(lab_overlay a)" || lab_fail "b cannot ping a after the change"
nat_pings a b 3 || lab_fail "a -> b: pings lost after the recovery"
[ "$(ports_seen b "${NEW_PORTS/-/:}")" -ge 3 ] ||
  lab_fail "b gets nothing from a's new ports ($a_public:$NEW_PORTS)"
flatnet_remote_in b 20000 29999 ||
  lab_fail "flatnet status on b: tunnel to a via '$(nat_tunnel_remote b a)', expected $a_public:$NEW_PORTS"
echo "ok 3 - a and b meet again ${took} ms after the change; b sees a at a new port$(
  [ "$impl" = flatnet ] && echo " ($(nat_tunnel_remote b a))")"
echo "NAT roaming scenario PASSED: impl=$impl ($(( ($(lab_now_ms) - started) / 1000 )) s)"
