#!/usr/bin/env bash
# static_host_map entries given as host names: a member that knows its lighthouse only by a
# name ("lighthouse.lab.test", resolved through the member's own /etc/hosts) finds it, and
# a name that does not resolve is a warning, not a failed start.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"

lab_init hostnames
lab_segment wire 198.51.100.0/24
lab_host lh --on wire
lab_host a --on wire
lab_pki lh=192.168.100.1/24 a=192.168.100.2/24
# `ip netns exec` shows /etc/netns/NAME/hosts and resolv.conf as the namespace's own.
hosts_dir=/etc/netns/$(lab_ns a)
mkdir -p "$hosts_dir"
lab_on_teardown "rm -rf '$hosts_dir'"
printf '127.0.0.1 localhost\n%s lighthouse.lab.test\n' "$(lab_ip lh)" >"$hosts_dir/hosts"
# DNS only on the namespace's own loopback: a name not in hosts never leaves the lab.
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$hosts_dir/resolv.conf"

lab_config lh --am-lighthouse
lab_config a --lighthouse-at "lh=$(lab_ip lh):4242"
# Point a at the lighthouse by name, and add a peer whose name resolves nowhere.
sed -i "s|\"$(lab_ip lh):4242\"|\"lighthouse.lab.test:4242\"|" "$LAB_DIR/a.yml"
grep -q '"lighthouse.lab.test:4242"' "$LAB_DIR/a.yml" || lab_fail "could not put the name into a.yml"
sed -i 's|^static_host_map:|static_host_map:\n  "192.168.100.9": ["nowhere.lab.test:4242"]|' "$LAB_DIR/a.yml"
lab_start_daemon lh flatnet
lab_start_daemon a flatnet
lab_wait_for --timeout 10 -- lab_ping a "$(lab_overlay lh)" ||
  lab_fail "a cannot reach the lighthouse it knows by name; logs in $LAB_DIR"
echo "ok - a reaches its lighthouse at lighthouse.lab.test:4242"
grep -q "Failed to resolve host in static_host_map.*nowhere.lab.test" "$(lab_log_of a)" ||
  lab_fail "a did not warn about the name that does not resolve"
lab_daemon_alive a || lab_fail "a stopped over a name that does not resolve"
echo "ok - a name that does not resolve is a warning; a keeps running"
echo "static_host_names_test PASSED"
