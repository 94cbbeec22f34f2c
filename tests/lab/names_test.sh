#!/usr/bin/env bash
# Names resolving from a member (names.*, docs/names.md), in a NATed mesh:
#
#   internet 203.0.113.0/24: lh (flatnet lighthouse), lh2 (stock nebula 1.11.1 lighthouse),
#     both with lighthouse.serve_dns on port 53; c (flatnet member, lighthouse lh2 only)
#   a and b behind MASQUERADE NATs: flatnet members, lighthouses lh and lh2
#   every member runs names with domain our-team; b is dual-stack (192.168.100.3 and
#   fd00:100::3, v2 certificates from flatnet-cert for everyone)
#
# Each member's namespace gets /etc/netns/<ns>/resolv.conf naming its own resolver, which
# `ip netns exec` mounts over /etc/resolv.conf (removed at teardown); no system bus is
# reachable (DBUS_SYSTEM_BUS_ADDRESS points nowhere), so the daemons take the "no
# systemd-resolved" path. Checks:
#  1. each member logs where its resolver listens and that there is no systemd-resolved;
#  2. before a and b have a tunnel, `getent` on a gives b's addresses for b and b.our-team
#     (IPv4 with ahostsv4; `getent hosts` asks AAAA first: b's IPv6 address), learned from
#     the lighthouses; c, whose only lighthouse is nebula 1.11.1, gets a's and b's the same
#     way, and holds no tunnel to either;
#  3. unknown names fail (NXDOMAIN, getent exit 2); a name outside the domain is REFUSED;
#     a member's own name answers;
#  4. after a pings b (a tunnel), both lighthouses are stopped: a still resolves b and
#     b.our-team from what it learnt of the tunnel, and an unknown name now fails with
#     SERVFAIL within the 1.5 s bound;
#  5. a's `flatnet status` counts the forwarded questions and the name that was not ours.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
command -v dig >/dev/null || lab_fail "dig is not installed (scripts/setup.sh installs dnsutils)"

lab_require flatnet nebula-1.11.1

lab_init names
lab_segment internet
lab_host lh --on internet
lab_host lh2 --on internet
lab_host c --on internet
lab_host_behind a --upstream internet --nat masq
lab_host_behind b --upstream internet --nat masq

# v2 certificates (b is dual-stack; lab_cert makes one IPv4 network only).
lab_v2_ca our-team
lab_v2_cert lh 192.168.100.1/24
lab_v2_cert lh2 192.168.100.10/24
lab_v2_cert a 192.168.100.2/24
lab_v2_cert b 192.168.100.3/24,fd00:100::3/64
lab_v2_cert c 192.168.100.4/24
names_config=$'names:\n  enabled: true\n  domain: our-team'
lab_config lh --am-lighthouse --serve-dns 53
lab_config lh2 --am-lighthouse --serve-dns 53
lab_config a --lighthouse lh --lighthouse lh2 --extra "$names_config"
lab_config b --lighthouse lh --lighthouse lh2 --extra "$names_config"
lab_config c --lighthouse lh2 --extra "$names_config"
lab_exec b sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 ||
  lab_fail "cannot enable IPv6 in b"
no_bus=DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_DIR/no-system-bus
lab_start_daemon lh flatnet
lab_start_daemon lh2 nebula-1.11.1
for host in a b c; do lab_start_daemon "$host" flatnet --env "$no_bus"; done

lh_ip=$(lab_overlay lh) lh2_ip=$(lab_overlay lh2)
a_ip=$(lab_overlay a) b_ip=$(lab_overlay b) c_ip=$(lab_overlay c)
b_ip6=fd00:100::3

# Each member's resolv.conf names its own resolver; `ip netns exec` mounts it.
for host in a b c; do
  lab_netns_file "$host" resolv.conf "nameserver $(lab_overlay "$host")
options timeout:2 attempts:1
"
done

# The lighthouses know every member once its update arrived: wait for each member's tunnel
# to its lighthouses (the first update rides on it).
for host in a b; do
  for ip in "$lh_ip" "$lh2_ip"; do
    lab_wait_for --timeout 10 -- lab_ping "$host" "$ip" || lab_fail "$host cannot reach lighthouse $ip"
  done
done
lab_wait_for --timeout 10 -- lab_ping c "$lh2_ip" || lab_fail "c cannot reach lighthouse lh2"

# ---- 1. where the resolver listens --------------------------------------------------------
for host in a b c; do
  log=$(lab_log_of "$host")
  grep -q "msg=\"Starting names resolver\" dnsListener=\"$(lab_overlay "$host"):53\"" "$log" ||
    lab_fail "$host did not log its resolver on $(lab_overlay "$host"):53: $(grep -i names "$log" | head -3)"
  grep -q 'No systemd-resolved to register with' "$log" ||
    lab_fail "$host did not say that there is no systemd-resolved"
done
echo "ok - each member's resolver listens on its overlay address port 53 and says there is no systemd-resolved"

# ---- 2. names before a tunnel: learned from the lighthouses --------------------------------
# ahostsv4 NAME's first address (IPv4), or nothing.
v4_of() { lab_exec "$1" getent ahostsv4 "$2" | awk 'NR == 1 {print $1}'; }
[ -z "$(lab_tunnel_field a "$b_ip" vpnIp)" ] || lab_fail "a already holds a tunnel to b"
for name in b b.our-team B.Our-Team; do
  got=$(v4_of a "$name")
  [ "$got" = "$b_ip" ] || lab_fail "on a, getent ahostsv4 $name gave '$got', expected $b_ip"
done
got=$(lab_exec a getent hosts b.our-team | awk '{print $1}')
[ "$got" = "$b_ip6" ] || lab_fail "on a, getent hosts b.our-team (AAAA first) gave '$got', expected $b_ip6"
[ -z "$(lab_tunnel_field a "$b_ip" vpnIp)" ] || lab_fail "resolving b made a tunnel from a to b"
echo "ok - before any tunnel, a resolves b and b.our-team to $b_ip (and AAAA $b_ip6) from the lighthouses"

for name in a.our-team b.our-team; do
  want=$(lab_overlay "${name%%.*}")
  got=$(v4_of c "$name")
  [ "$got" = "$want" ] || lab_fail "on c (lighthouse: nebula 1.11.1 only), $name gave '$got', expected $want"
done
got=$(lab_exec c getent hosts b)
[[ $got == "$b_ip6 "* ]] || lab_fail "on c, getent hosts b gave '$got', expected $b_ip6 from nebula's AAAA"
[ "$(lab_tunnel_count c)" = 1 ] || lab_fail "c holds $(lab_tunnel_count c) tunnels; only lh2's was expected"
echo "ok - c resolves a and b through a stock nebula 1.11.1 lighthouse, without tunnels to them"

# ---- 3. unknown, foreign and own names ------------------------------------------------------
for name in nobody nobody.our-team; do
  rc=0
  lab_exec a getent hosts "$name" >/dev/null || rc=$?
  [ "$rc" = 2 ] || lab_fail "on a, getent hosts $name exited $rc, expected 2 (not found)"
done
status=$(lab_exec a dig +time=2 +tries=1 "@$a_ip" nobody.our-team A | grep -o 'status: [A-Z]*')
[ "$status" = "status: NXDOMAIN" ] || lab_fail "nobody.our-team got '$status', expected NXDOMAIN"
status=$(lab_exec a dig +time=2 +tries=1 "@$a_ip" www.example.com A | grep -o 'status: [A-Z]*')
[ "$status" = "status: REFUSED" ] || lab_fail "www.example.com got '$status', expected REFUSED"
got=$(v4_of a a.our-team)
[ "$got" = "$a_ip" ] || lab_fail "a's own name gave '$got', expected $a_ip"
echo "ok - unknown names are not found (NXDOMAIN), www.example.com is REFUSED, a's own name answers"

# ---- 4. after a tunnel, without lighthouses ------------------------------------------------
lab_wait_for --timeout 10 -- lab_ping a "$b_ip" || lab_fail "a cannot ping b"
[ -n "$(lab_tunnel_field a "$b_ip" vpnIp)" ] || lab_fail "a has no tunnel to b after pinging it"
lab_stop_daemon lh
lab_stop_daemon lh2
for name in b b.our-team; do
  got=$(v4_of a "$name")
  [ "$got" = "$b_ip" ] || lab_fail "with the lighthouses gone, on a $name gave '$got', expected $b_ip"
done
start=$(lab_now_ms)
status=$(lab_exec a dig +time=4 +tries=1 "@$a_ip" nobody.our-team A | grep -o 'status: [A-Z]*')
waited=$(($(lab_now_ms) - start))
[ "$status" = "status: SERVFAIL" ] || lab_fail "with no lighthouse, nobody.our-team got '$status', expected SERVFAIL"
[ "$waited" -lt 3000 ] || lab_fail "the SERVFAIL took ${waited} ms (bound: 1.5 s)"
echo "ok - with both lighthouses stopped, a still resolves b from its tunnel; an unknown name is SERVFAIL after ${waited} ms"

# ---- 5. counters ---------------------------------------------------------------------------
forwarded=$(lab_counter a names_forwarded)
not_ours=$(lab_counter a names_not_ours)
failed=$(lab_counter a names_forward_failed)
[ "$forwarded" -ge 6 ] || lab_fail "a counted $forwarded forwarded questions, expected at least 6"
[ "$not_ours" -ge 1 ] || lab_fail "a counted $not_ours names that were not ours, expected at least 1"
[ "$failed" -ge 1 ] || lab_fail "a counted $failed failed forwards, expected at least 1"
echo "ok - a's status counts $forwarded forwarded questions, $failed failed, $not_ours not ours"
echo "names_test PASSED"
