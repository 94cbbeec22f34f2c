#!/usr/bin/env bash
# names.* through the real systemd-resolved (split DNS over D-Bus, dns/resolved_link.h).
#
#   internet 203.0.113.0/24: lh (flatnet lighthouse, lighthouse.serve_dns on 53), b (member)
#   a behind a MASQUERADE NAT: member with names (domain our-team) and, in its namespace, a
#     private system bus (dbus-daemon) and Debian's systemd-resolved, unpacked by
#     scripts/setup.sh into /opt/systemd-resolved (installing the package would take over
#     this machine's /etc/resolv.conf). Both run in a mount namespace of their own, where a
#     copy of /etc/passwd holds resolved's user and tmpfs hide /run and /etc/systemd (a
#     resolved.conf with no fallback servers, no LLMNR, no mDNS); a's resolv.conf (mounted
#     by `ip netns exec` from /etc/netns, removed at teardown) names resolved's stub.
#
# Checks:
#  1. flatnet logs that names under our-team resolve through systemd-resolved, and resolved
#     holds a's resolver as the tun's DNS server with ~our-team as its routing-only domain;
#  2. `getent ahostsv4 b.our-team` on a (glibc -> resolved's stub -> the tun's server ->
#     flatnet -> the lighthouse) gives b's overlay address, before any tunnel to b, and
#     `resolvectl query` says the same;
#  3. resolved sends flatnet no name outside our-team (default route off): after asking
#     for www.example.com, a's resolver has counted no query that was not its;
#  4. flatnet stops with RevertLink accepted: no warning in its log, resolved still runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"

resolved_root=/opt/systemd-resolved
resolved=$resolved_root/lib/systemd/systemd-resolved
resolvectl=$resolved_root/usr/bin/resolvectl
lab_require flatnet
[ -x "$resolved" ] && [ -x "$resolvectl" ] ||
  lab_fail "systemd-resolved not unpacked in $resolved_root (scripts/setup.sh does it)"
command -v dbus-daemon >/dev/null || lab_fail "dbus-daemon is not installed (scripts/setup.sh installs it)"
command -v busctl >/dev/null || lab_fail "busctl is not installed (Debian's systemd package has it)"

lab_init nmresolv
lab_segment internet
lab_host lh --on internet
lab_host b --on internet
lab_host_behind a --upstream internet --nat masq
lab_pki lh=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24
lab_config lh --am-lighthouse --serve-dns 53
lab_config b --lighthouse lh
lab_config a --lighthouse lh --extra $'names:\n  enabled: true\n  domain: our-team'
a_ip=$(lab_overlay a) b_ip=$(lab_overlay b)

# ---- a private system bus and systemd-resolved in a's namespace --------------------------
bus=unix:abstract=flatnet-$LAB_PREFIX-bus  # abstract sockets belong to a's network namespace
box=$LAB_DIR/resolved
mkdir -p "$box"
chmod 755 "$LAB_DIR" "$box"  # resolved drops to its own user
cat >"$box/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>$bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
uid=990
while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do uid=$((uid - 1)); done
{ cat /etc/passwd; echo "systemd-resolve:x:$uid:$uid:lab resolver:/:/usr/sbin/nologin"; } >"$box/passwd"
{ cat /etc/group; echo "systemd-resolve:x:$uid:"; } >"$box/group"
printf '[Resolve]\nFallbackDNS=\nLLMNR=no\nMulticastDNS=no\nDNSSEC=no\n' >"$box/resolved.conf"
# Runs inside `unshare -m`: the mounts below are this process tree's only.
cat >"$box/run.sh" <<EOF
set -e
mount --bind "$box/passwd" /etc/passwd
mount --bind "$box/group" /etc/group
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd
mount -t tmpfs tmpfs /etc/systemd
cp "$box/resolved.conf" /etc/systemd/resolved.conf
dbus-daemon --config-file="$box/bus.conf" --nofork >"$box/bus.log" 2>&1 &
for i in \$(seq 50); do busctl --address="$bus" list >/dev/null 2>&1 && break; sleep 0.1; done
DBUS_SYSTEM_BUS_ADDRESS="$bus" SYSTEMD_LOG_LEVEL=debug exec "$resolved"
EOF
lab_spawn a resolved unshare -m --propagation private sh "$box/run.sh"
on_bus() { lab_exec a busctl --address="$bus" list 2>/dev/null | grep -q '^org\.freedesktop\.resolve1 '; }
lab_wait_for --timeout 10 -- on_bus ||
  lab_fail "systemd-resolved did not come onto the private bus; its log: $(tail -5 "$LAB_DIR/resolved.out")"
rctl() { lab_exec a env DBUS_SYSTEM_BUS_ADDRESS="$bus" "$resolvectl" "$@"; }

lab_start_daemon lh flatnet
lab_start_daemon b flatnet
lab_start_daemon a flatnet --env "DBUS_SYSTEM_BUS_ADDRESS=$bus"
tun=$(lab_tun a)
lab_wait_for --timeout 10 -- lab_ping a "$(lab_overlay lh)" || lab_fail "a cannot reach the lighthouse"
lab_wait_for --timeout 10 -- lab_ping b "$(lab_overlay lh)" || lab_fail "b cannot reach the lighthouse"

# ---- 1. registered with resolved -----------------------------------------------------------
grep -q 'msg="Names under names.domain resolve through systemd-resolved"' "$(lab_log_of a)" ||
  lab_fail "a did not register with systemd-resolved: $(grep -i 'resolve' "$(lab_log_of a)" | tail -3)"
dns=$(rctl dns "$tun")
[[ $dns == *"$a_ip"* ]] || lab_fail "resolvectl dns $tun says '$dns', expected $a_ip"
domain=$(rctl domain "$tun")
[[ $domain == *"~our-team"* ]] || lab_fail "resolvectl domain $tun says '$domain', expected ~our-team"
echo "ok - resolved holds $a_ip as $tun's DNS server for ~our-team"

# ---- 2. a name through glibc and resolved --------------------------------------------------
lab_netns_file a resolv.conf $'nameserver 127.0.0.53\noptions timeout:3 attempts:1\n'
[ -z "$(lab_tunnel_field a "$b_ip" vpnIp)" ] || lab_fail "a already holds a tunnel to b"
got=$(lab_exec a getent ahostsv4 b.our-team | awk 'NR == 1 {print $1}')
[ "$got" = "$b_ip" ] || lab_fail "getent ahostsv4 b.our-team through resolved gave '$got', expected $b_ip"
query=$(rctl query -4 b.our-team)
[[ $query == *"$b_ip"* ]] || lab_fail "resolvectl query b.our-team said: $query"
[[ $query == *"link: $tun"* ]] || lab_fail "resolvectl did not answer b.our-team from $tun: $query"
echo "ok - getent and resolvectl resolve b.our-team to $b_ip through systemd-resolved and $tun"

# ---- 3. nothing else reaches flatnet -------------------------------------------------------
queries_before=$(lab_counter a names_queries)
rctl query www.example.com >/dev/null 2>&1 || true
lab_exec a getent hosts www.example.com >/dev/null 2>&1 || true
[ "$(lab_counter a names_not_ours)" = 0 ] || lab_fail "resolved sent a name outside our-team to flatnet"
[ "$(lab_counter a names_queries)" = "$queries_before" ] ||
  lab_fail "resolved sent flatnet a query for www.example.com"
echo "ok - resolved keeps names outside our-team away from flatnet"

# ---- 4. revert on stop ---------------------------------------------------------------------
lab_stop_daemon a
! grep -q 'Failed to take the names resolver back' "$(lab_log_of a)" ||
  lab_fail "RevertLink failed: $(grep 'Failed to take' "$(lab_log_of a)")"
grep -q 'member=RevertLink' "$LAB_DIR/resolved.out" ||
  lab_fail "resolved logged no RevertLink: $(grep -i 'link' "$LAB_DIR/resolved.out" | tail -3)"
on_bus || lab_fail "systemd-resolved is gone after flatnet stopped"
echo "ok - flatnet reverted the link on stop; resolved runs on"
echo "names_resolved_test PASSED"
