#!/usr/bin/env bash
# static_host_map entries given as host names: a member that knows its lighthouse only by a
# name ("lighthouse.lab.test", resolved through the member's own /etc/hosts) finds it, a
# name that does not resolve is a warning, not a failed start, and a name that changes its
# address while flatnet runs is resolved again (static_map.cadence) and reached at the new
# address.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"

lab_init hostnames
lab_segment wire 198.51.100.0/24
lab_host lh --on wire
lab_host a --on wire
lab_host b --on wire
lab_pki lh=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24
# peer.lab.test first names an address nobody has (on the segment, so nothing leaves it).
nobody=198.51.100.250
write_hosts() {  # in place: the namespace's bind mount of the file keeps its inode
  lab_netns_file a hosts "127.0.0.1 localhost
$(lab_ip lh) lighthouse.lab.test
$1 peer.lab.test
"
}
# `ip netns exec` shows /etc/netns/NAME/hosts and resolv.conf as the namespace's own.
write_hosts "$nobody"
# DNS only on the namespace's own loopback: a name not in hosts never leaves the lab.
lab_netns_file a resolv.conf $'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n'

lab_config lh --am-lighthouse
lab_config a --lighthouse-at "lh=$(lab_ip lh):4242"
# Point a at the lighthouse by name, and add a peer whose name resolves nowhere.
sed -i "s|\"$(lab_ip lh):4242\"|\"lighthouse.lab.test:4242\"|" "$LAB_DIR/a.yml"
grep -q '"lighthouse.lab.test:4242"' "$LAB_DIR/a.yml" || lab_fail "could not put the name into a.yml"
sed -i 's|^static_host_map:|static_host_map:\n  "192.168.100.9": ["nowhere.lab.test:4242"]|' "$LAB_DIR/a.yml"
# b, by name only: b itself uses no lighthouse, so the name is a's only way to find it.
sed -i 's|^static_host_map:|static_host_map:\n  "192.168.100.3": ["peer.lab.test:4242"]|' "$LAB_DIR/a.yml"
printf 'static_map:\n  cadence: 1s\n' >>"$LAB_DIR/a.yml"
lab_config b
lab_start_daemon lh flatnet
lab_start_daemon a flatnet
lab_start_daemon b flatnet
lab_wait_for --timeout 10 -- lab_ping a "$(lab_overlay lh)" ||
  lab_fail "a cannot reach the lighthouse it knows by name; logs in $LAB_DIR"
echo "ok - a reaches its lighthouse at lighthouse.lab.test:4242"
grep -q "Failed to resolve host in static_host_map.*nowhere.lab.test" "$(lab_log_of a)" ||
  lab_fail "a did not warn about the name that does not resolve"
lab_daemon_alive a || lab_fail "a stopped over a name that does not resolve"
echo "ok - a name that does not resolve is a warning; a keeps running"

b_ip=$(lab_overlay b)
for try in 1 2 3; do
  ! lab_ping a "$b_ip" 1 || lab_fail "a reached b while peer.lab.test named $nobody (try $try)"
done
write_hosts "$(lab_ip b)"
lab_wait_for --timeout 20 -- lab_ping a "$b_ip" ||
  lab_fail "a did not reach b after peer.lab.test moved to $(lab_ip b); log $(lab_log_of a)"
grep -q "DNS results changed for host list.*$(lab_ip b):4242" "$(lab_log_of a)" ||
  lab_fail "a did not log the changed address of peer.lab.test"
echo "ok - peer.lab.test moved from $nobody to $(lab_ip b) while a ran: a resolved it again and reached b"
echo "static_host_names_test PASSED"
