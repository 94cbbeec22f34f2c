#!/usr/bin/env bash
# stats.type prometheus: two flatnet hosts with a tunnel; each serves its metrics on
# loopback inside its namespace, scraped with curl and parsed.
#  1. a pings b; a's endpoint answers 200 with Content-Type text/plain; version=0.0.4, and
#     every metric name carries the configured namespace and subsystem;
#  2. a's handshake_manager.initiated (nebula's name) is > 0, and a's per-peer bytes for b
#     are > 0 each way; b's bytes for a are too; another path is 404;
#  3. the counters only grow: after more pings, rx_packets and the peer bytes are larger;
#  4. bad stats.listen is a clear error at start naming the key: unparsable (-test), and
#     a port in use (the daemon exits non-zero);
#  5. nebula's names, beside stock nebula 1.11.1: b becomes a flatnet lighthouse, a (flatnet)
#     and c (nebula 1.11.1) its members, both with stats.message_metrics and
#     lighthouse_metrics. Every nebula-named metric flatnet exports (all but flatnet_*) is
#     one nebula 1.11.1 exports too, a gauge in both; and a's handshake, lighthouse and test
#     message counts and its lighthouse update/ack counts are > 0, as c's are.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
reference=nebula-1.11.1
lab_require flatnet "$reference"

lab_init metrics
lab_segment wire 198.51.100.0/24
lab_host a --on wire
lab_host b --on wire
lab_host c --on wire
lab_pki a=192.168.100.1/24 b=192.168.100.2/24 c=192.168.100.3/24
stats() {  # stats NAMESPACE SUBSYSTEM LISTEN [INTERVAL]
  printf 'stats:\n  type: prometheus\n  listen: "%s"\n  path: /metrics\n  namespace: \"%s\"\n  subsystem: \"%s\"\n  interval: %s\n' \
    "$3" "$1" "$2" "${4:-10s}"
}
lab_config a --static b --extra "$(stats labns labsub 127.0.0.1:9100)"
lab_config b --static a --extra "$(stats other "" 127.0.0.1:9100)"
lab_start_daemon a flatnet
lab_start_daemon b flatnet

# scrape HOST [PATH]: the body; headers in $LAB_DIR/HOST.headers.
scrape() {
  lab_exec "$1" curl -sS --max-time 5 -D "$LAB_DIR/$1.headers" "http://127.0.0.1:9100${2:-/metrics}"
}
# value FILE NAME_AND_LABELS: the sample's value, or "missing".
value() { awk -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "missing" }' "$1"; }
# positive VALUE: a number above 0 (nebula writes large ones as 3.1535996e+07).
positive() { [[ $1 =~ ^[0-9.e+]+$ ]] && awk -v v="$1" 'BEGIN { exit !(v + 0 > 0) }'; }

lab_wait_for --timeout 10 -- lab_ping a 192.168.100.2 || lab_fail "a cannot ping b over the overlay"
lab_ping a 192.168.100.2 || lab_fail "a's second ping to b failed"
scrape a >"$LAB_DIR/a.1.prom" || lab_fail "curl could not scrape a's metrics; log in $LAB_DIR/a.log"
head -1 "$LAB_DIR/a.headers" | grep -q ' 200' || lab_fail "a's /metrics: $(head -1 "$LAB_DIR/a.headers")"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$LAB_DIR/a.headers" ||
  lab_fail "a's /metrics has the wrong Content-Type: $(grep -i content-type "$LAB_DIR/a.headers")"
samples=$(grep -vc '^#' "$LAB_DIR/a.1.prom")
[ "$samples" -gt 20 ] || lab_fail "a's /metrics has only $samples samples"
bad_names=$(grep -v '^#' "$LAB_DIR/a.1.prom" | grep -vc '^labns_labsub_[a-zA-Z0-9_]*[{ ]' || true)
[ "$bad_names" = 0 ] || lab_fail "$bad_names samples lack the labns_labsub_ prefix: $(grep -v '^#' "$LAB_DIR/a.1.prom" | grep -v '^labns_labsub_' | head -3)"
grep -q '^# TYPE labns_labsub_handshake_manager_initiated gauge$' "$LAB_DIR/a.1.prom" ||
  lab_fail "no TYPE line for labns_labsub_handshake_manager_initiated"
echo "ok 1 - a's endpoint answers 200 text/plain; version=0.0.4, $samples samples, all named labns_labsub_*"

initiated=$(value "$LAB_DIR/a.1.prom" labns_labsub_handshake_manager_initiated)
positive "$initiated" || lab_fail "a's handshake_manager_initiated is $initiated after pinging b"
peer_b='{peer="b",vpn_ip="192.168.100.2"}'
tx1=$(value "$LAB_DIR/a.1.prom" "labns_labsub_flatnet_peer_tx_bytes_total$peer_b")
rx1=$(value "$LAB_DIR/a.1.prom" "labns_labsub_flatnet_peer_rx_bytes_total$peer_b")
positive "$tx1" && positive "$rx1" || lab_fail "a's bytes for b are tx=$tx1 rx=$rx1 after pings"
scrape b >"$LAB_DIR/b.prom" || lab_fail "curl could not scrape b's metrics"
peer_a='{peer="a",vpn_ip="192.168.100.1"}'
b_rx=$(value "$LAB_DIR/b.prom" "other_flatnet_peer_rx_bytes_total$peer_a")
positive "$b_rx" || lab_fail "b's rx bytes from a are $b_rx (b's names need the other_ prefix, no subsystem)"
[ "$(value "$LAB_DIR/b.prom" other_hostmap_main_hosts)" = 1 ] || lab_fail "b's hostmap_main_hosts is not 1"
scrape a /nope >/dev/null || true
head -1 "$LAB_DIR/a.headers" | grep -q ' 404' || lab_fail "a's /nope: $(head -1 "$LAB_DIR/a.headers"), not 404"
echo "ok 2 - handshakes initiated $initiated; a->b bytes tx=$tx1 rx=$rx1; b got $b_rx from a; other paths 404"

for _ in 1 2 3; do lab_ping a 192.168.100.2 || lab_fail "a's ping to b failed"; done
scrape a >"$LAB_DIR/a.2.prom" || lab_fail "second scrape of a failed"
for key in labns_labsub_flatnet_rx_packets_total "labns_labsub_flatnet_peer_tx_bytes_total$peer_b" \
  "labns_labsub_flatnet_peer_rx_bytes_total$peer_b"; do
  before=$(value "$LAB_DIR/a.1.prom" "$key") after=$(value "$LAB_DIR/a.2.prom" "$key")
  [ "$after" -gt "$before" ] || lab_fail "$key did not grow after 3 pings: $before -> $after"
done
echo "ok 3 - counters grew after more pings"

# ---- 4. Bad stats.listen ----------------------------------------------------------------
lab_config a --static b --extra "$(stats labns labsub 127.0.0.1:notaport)"
if out=$(lab_exec a "$(lab_daemon_binary flatnet)" -config "$LAB_DIR/a.yml" -test 2>&1); then
  lab_fail "flatnet -test accepted stats.listen 127.0.0.1:notaport"
fi
grep -q 'stats.listen' <<<"$out" || lab_fail "the unparsable-listen error does not name stats.listen: $out"
lab_stop_daemon b
lab_spawn b holder "$(lab_tool lab-http-serve)" --port 9100 --time-limit 60
lab_wait_for --timeout 5 -- lab_exec b curl -s --max-time 1 -o /dev/null http://127.0.0.1:9100/ ||
  lab_fail "the port holder on b did not come up"
log_lines=$(wc -l <"$(lab_log_of b)")
lab_start_daemon b flatnet --no-wait
pid=$(lab_daemon_pid b)
lab_wait_for --timeout 10 -- bash -c "! kill -0 $pid 2>/dev/null" ||
  lab_fail "b kept running although its stats.listen port is in use"
tail -n +"$((log_lines + 1))" "$(lab_log_of b)" | grep -q 'stats.listen "127.0.0.1:9100"' ||
  lab_fail "b's error for a port in use does not name stats.listen: $(tail -n 3 "$(lab_log_of b)")"
echo "ok 4 - bad stats.listen: '$(grep -m1 stats.listen <<<"$out")'; port in use: b exited naming stats.listen"

# ---- 5. nebula's names, beside nebula 1.11.1 ----------------------------------------------
lab_stop_daemon b
lab_stop_daemon a
optional=$'  message_metrics: true\n  lighthouse_metrics: true'
lab_config b --am-lighthouse
lab_config a --lighthouse b --lighthouse-interval 1 --extra "$(stats nebula "" 127.0.0.1:9100 1s)
$optional"
lab_config c --lighthouse b --lighthouse-interval 1 --extra "$(stats nebula "" 127.0.0.1:9100 1s)
$optional"
lab_start_daemon b flatnet
lab_start_daemon a flatnet
lab_start_daemon c "$reference"
for host in a c; do
  lab_wait_for --timeout 15 -- lab_ping "$host" 192.168.100.2 ||
    lab_fail "$host cannot ping the lighthouse b; log in $(lab_log_of "$host")"
done
# Updates go every second: wait until each member has had one acknowledged.
acked() {
  scrape "$1" >"$LAB_DIR/$1.5.prom" &&
    positive "$(value "$LAB_DIR/$1.5.prom" nebula_lighthouse_rx_HostUpdateNotificationAck)"
}
for host in a c; do
  lab_wait_for --timeout 15 -- acked "$host" ||
    lab_fail "$host's lighthouse_rx_HostUpdateNotificationAck stayed 0: $(grep -i lighthouse "$LAB_DIR/$host.5.prom" | grep -v '^#' | head -12)"
done
names() { grep -v '^#' "$1" | sed 's/[{ ].*//' | sort -u; }
names "$LAB_DIR/a.5.prom" | grep -v '^nebula_flatnet_' >"$LAB_DIR/a.nebula-names"
names "$LAB_DIR/c.5.prom" >"$LAB_DIR/c.names"
only_ours=$(comm -23 "$LAB_DIR/a.nebula-names" "$LAB_DIR/c.names")
[ -z "$only_ours" ] || lab_fail "flatnet exports nebula-style names nebula 1.11.1 does not: $(echo $only_ours)"
shared=$(wc -l <"$LAB_DIR/a.nebula-names")
[ "$shared" -ge 30 ] || lab_fail "flatnet exports only $shared of nebula's names: $(echo $(cat "$LAB_DIR/a.nebula-names"))"
while read -r name; do
  grep -q "^# TYPE $name gauge\$" "$LAB_DIR/c.5.prom" ||
    lab_fail "nebula 1.11.1's $name is not a gauge: $(grep "^# TYPE $name " "$LAB_DIR/c.5.prom")"
  grep -q "^# TYPE $name gauge\$" "$LAB_DIR/a.5.prom" || lab_fail "flatnet's $name is not a gauge"
done <"$LAB_DIR/a.nebula-names"
for host in a c; do
  for name in nebula_messages_tx_handshake_ixpsk0 nebula_messages_rx_handshake_ixpsk0 \
    nebula_messages_tx_lighthouse nebula_messages_rx_lighthouse nebula_lighthouse_tx_HostUpdateNotification \
    nebula_certificate_ttl_seconds nebula_routines; do
    positive "$(value "$LAB_DIR/$host.5.prom" "$name")" ||
      lab_fail "$host's $name is $(value "$LAB_DIR/$host.5.prom" "$name")"
  done
done
echo "ok 5 - $shared nebula names exported, each one nebula 1.11.1 has (all gauges); handshake, lighthouse update/ack counts > 0 on flatnet and nebula alike"
echo "metrics_test PASSED"
