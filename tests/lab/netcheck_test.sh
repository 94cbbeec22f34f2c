#!/usr/bin/env bash
# `flatnet netcheck` against two lighthouses, one flatnet and one stock nebula 1.11.1.
#
#   internet 203.0.113.0/24: lh1 (flatnet lighthouse), lh2 (nebula 1.11.1 lighthouse),
#                            p (flatnet, public, only lh1 as lighthouse)
#   m behind an ordinary MASQUERADE NAT (one mapping for every destination)
#   s behind a symmetric NAT (MASQUERADE --random-fully: a mapping per destination)
#
# Checks, on what the user sees (the verdict line and the -json fields):
#  1. m: both lighthouses answer over UDP and see the same public ip:port, the NAT
#     router's address with m's port: "one mapping ... punching works";
#  2. s: both answer, each sees the NAT router's address but on a different port:
#     "symmetric NAT: peers behind another NAT will need a relay";
#  3. p: the one lighthouse sees p's own address: "no NAT in the way";
#  4. the text form fits 80 columns (a long verdict wraps);
#  5. errors are one line and exit 2: on a lighthouse (nothing to check), without a daemon;
#  6. the largest packet: lh2 drops every UDP packet over 1400 bytes silently (a black hole
#     like a tunnel or PPPoE link that eats ICMP makes): m measures 1400 to lh2 and 1500 (its
#     own MTU) to lh1, in -json and in the text.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"

lab_require flatnet nebula-1.11.1
lab_init netchk
lab_segment internet
lab_host lh1 --on internet
lab_host lh2 --on internet
lab_host p --on internet
lab_host_behind m --upstream internet --nat masq
lab_host_behind s --upstream internet --nat symmetric
lab_ca
lab_cert lh1 192.168.100.1/24
lab_cert lh2 192.168.100.2/24
lab_cert m 192.168.100.3/24
lab_cert s 192.168.100.4/24
lab_cert p 192.168.100.5/24
lab_config lh1 --am-lighthouse
lab_config lh2 --am-lighthouse
lab_config m --lighthouse lh1 --lighthouse lh2
lab_config s --lighthouse lh1 --lighthouse lh2
lab_config p --lighthouse lh1
# lh2 receives no UDP packet over 1400 bytes (check 6): dropped silently, as a black hole.
# (Not a lower veth MTU: a veth admits 4 bytes over its MTU, room for a VLAN tag.)
lab_exec lh2 iptables -A INPUT -p udp --dport 4242 -m length --length 1401:65535 -j DROP
lab_start_daemon lh1 flatnet
lab_start_daemon lh2 nebula-1.11.1
lab_start_daemon m flatnet
lab_start_daemon s flatnet
lab_start_daemon p flatnet
FLATNET=$FLATNET_BIN/flatnet
netcheck() { "$FLATNET" netcheck -socket "$LAB_DIR/$1.sock" "${@:2}"; }

# Each lighthouse's tunnel comes up with the members' first update; a netcheck before that
# makes the handshake itself. Wait (bounded) until every lighthouse has answered one.
all_answered() {
  [ "$(netcheck "$1" -json | jq '[.lighthouses[] | select(.answered)] | length')" = "$2" ]
}
lab_wait_for --timeout 20 -- all_answered m 2 || lab_fail "m: not both lighthouses answer: $(netcheck m -json)"
lab_wait_for --timeout 20 -- all_answered s 2 || lab_fail "s: not both lighthouses answer: $(netcheck s -json)"
lab_wait_for --timeout 20 -- all_answered p 1 || lab_fail "p: lh1 does not answer: $(netcheck p -json)"

# ---- 1. m behind MASQUERADE --------------------------------------------------------------
m_json=$(netcheck m -json)
lab_log "m: $m_json"
m_public=$(lab_ip m-nat1)
[ "$(jq -r .mapping <<<"$m_json")" = one ] || lab_fail "m: mapping is not \"one\": $m_json"
[ "$(jq -r .verdict <<<"$m_json")" = "our NAT keeps one mapping for all destinations: punching works" ] ||
  lab_fail "m: wrong verdict: $m_json"
[ "$(jq .ipv4 <<<"$m_json")" = true ] || lab_fail "m: IPv4 not usable: $m_json"
for lh in lh1 lh2; do
  entry=$(jq -c --arg ip "$(lab_overlay "$lh")" '.lighthouses[] | select(.vpnIp == $ip)' <<<"$m_json")
  [ "$(jq -r .certName <<<"$entry")" = "$lh" ] || lab_fail "m: $lh's entry names no certificate: $entry"
  [ "$(jq -r .remote <<<"$entry")" = "$(lab_ip "$lh"):4242" ] || lab_fail "m: $lh not reached at its address: $entry"
  [ "$(jq -r .family <<<"$entry")" = ipv4 ] || lab_fail "m: $lh not reached over IPv4: $entry"
  [ "$(jq -c .reflexive <<<"$entry")" = "[\"$m_public:4242\"]" ] ||
    lab_fail "m: $lh does not see m at the NAT's $m_public:4242: $entry"
done
m_text=$(netcheck m)
[ "$(tail -n1 <<<"$m_text")" = "verdict: our NAT keeps one mapping for all destinations: punching works" ] ||
  lab_fail "m: the text does not end in the verdict: $m_text"
grep -qx "  sees us at $m_public:4242 (our NAT's mapping)" <<<"$m_text" || lab_fail "m: text lacks the mapping: $m_text"

# ---- 2. s behind a symmetric NAT ---------------------------------------------------------
s_json=$(netcheck s -json)
lab_log "s: $s_json"
s_public=$(lab_ip s-nat1)
[ "$(jq -r .mapping <<<"$s_json")" = perDestination ] || lab_fail "s: mapping is not per destination: $s_json"
[ "$(jq -r .verdict <<<"$s_json")" = "symmetric NAT: peers behind another NAT will need a relay" ] ||
  lab_fail "s: wrong verdict: $s_json"
mapped=$(jq -r '.lighthouses[].reflexive[0]' <<<"$s_json" | sort -u)
[ "$(wc -l <<<"$mapped")" = 2 ] || lab_fail "s: the lighthouses do not see two mappings: $s_json"
while read -r addr; do
  [ "${addr%:*}" = "$s_public" ] || lab_fail "s: a lighthouse sees $addr, not the NAT's $s_public: $s_json"
done <<<"$mapped"
s_text=$(netcheck s)
[ "$(tail -n1 <<<"$s_text")" = "verdict: symmetric NAT: peers behind another NAT will need a relay" ] ||
  lab_fail "s: the text does not end in the verdict: $s_text"

# ---- 3. p on the internet itself ---------------------------------------------------------
p_json=$(netcheck p -json)
[ "$(jq -r .mapping <<<"$p_json")" = none ] || lab_fail "p: mapping is not \"none\": $p_json"
[ "$(jq -c '.lighthouses[0].seen' <<<"$p_json")" = "[\"$(lab_ip p):4242\"]" ] ||
  lab_fail "p: lh1 does not see p's own address: $p_json"
[ "$(netcheck p | tail -n1)" = "verdict: no NAT in the way: peers can reach us directly" ] ||
  lab_fail "p: wrong verdict: $(netcheck p)"

# ---- 4. 80 columns -----------------------------------------------------------------------
for text in "$m_text" "$s_text"; do
  long=$(awk 'length > 80' <<<"$text")
  [ -z "$long" ] || lab_fail "lines over 80 columns: $long"
done

# ---- 5. Errors ---------------------------------------------------------------------------
set +e
err=$(netcheck lh1 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 2 ] || lab_fail "netcheck on a lighthouse exits $rc, not 2"
[ "$err" = "flatnet netcheck: this host is a lighthouse (lighthouse.am_lighthouse): nothing to check" ] ||
  lab_fail "netcheck on a lighthouse says: $err"
set +e
err=$("$FLATNET" netcheck -socket "$LAB_DIR/nobody.sock" 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] || lab_fail "netcheck without a daemon: exit $rc, $err"
lab_log "netcheck: masquerade, symmetric and public verdicts as expected"

# ---- 6. The largest packet ---------------------------------------------------------------
for lh in lh1 lh2; do
  want=1500
  [ "$lh" = lh2 ] && want=1400
  got=$(jq -r --arg ip "$(lab_overlay "$lh")" '.lighthouses[] | select(.vpnIp == $ip) | .largestPacket' <<<"$m_json")
  [ "$got" = "$want" ] || lab_fail "m: largest packet to $lh is $got, not $want: $m_json"
done
grep -qx "  largest packet through: 1400 bytes" <<<"$m_text" ||
  lab_fail "m: the text does not show the 1400-byte packet to lh2: $m_text"
lab_log "netcheck: largest packet 1500 to lh1, 1400 to lh2 (its MTU)"
