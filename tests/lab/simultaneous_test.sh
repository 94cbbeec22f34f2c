#!/usr/bin/env bash
# Both ends initiate at the same moment: the race ends in one working tunnel that both
# sides agree on. Run flatnet <-> flatnet (indexes cross-checked through `flatnet status`)
# and flatnet <-> each listed nebula release.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"

# Rounds: flatnet, then every listed nebula release (tests/lab/nebula_versions, or
# LAB_NEBULA_VERSIONS). Hosts a<i>/b<i> for round i.
versions=$(lab_nebula_versions)
rounds=(flatnet)
for v in $versions; do rounds+=("nebula-$v"); done

lab_init simul
lab_segment wire 198.51.100.0/24
lab_ca
for i in "${!rounds[@]}"; do
  lab_host "a$i" --on wire
  lab_host "b$i" --on wire
  lab_cert "a$i" "192.168.100.$((i * 2 + 1))/24"
  lab_cert "b$i" "192.168.100.$((i * 2 + 2))/24"
done

for i in "${!rounds[@]}"; do
  round=${rounds[$i]} a=a$i b=b$i
  # Long handshake retry interval: the first stage 1 of each side crosses the other's.
  lab_config "$a" --static "$b" --extra $'handshakes:\n  try_interval: 1s'
  lab_config "$b" --static "$a" --extra $'handshakes:\n  try_interval: 1s'
  lab_start_daemon "$a" flatnet
  lab_start_daemon "$b" "$round"
  a_ip=$(lab_overlay "$a") b_ip=$(lab_overlay "$b")
  lab_exec "$a" ping -c 5 -i 0.2 -W 2 -q "$b_ip" >/dev/null 2>&1 & p1=$!
  lab_exec "$b" ping -c 5 -i 0.2 -W 2 -q "$a_ip" >/dev/null 2>&1 & p2=$!
  wait $p1 || true
  wait $p2 || true
  lab_wait_for --timeout 10 -- lab_ping "$a" "$b_ip" || lab_fail "$round: a cannot ping b after the race"
  lab_wait_for --timeout 10 -- lab_ping "$b" "$a_ip" || lab_fail "$round: b cannot ping a after the race"
  [ "$(lab_tunnel_count "$a")" = 1 ] || lab_fail "$round: a holds $(lab_tunnel_count "$a") tunnels, expected 1"
  if [ "$round" = flatnet ]; then
    a_local=$(lab_tunnel_field "$a" "$b_ip" localIndex) a_remote=$(lab_tunnel_field "$a" "$b_ip" remoteIndex)
    b_local=$(lab_tunnel_field "$b" "$a_ip" localIndex) b_remote=$(lab_tunnel_field "$b" "$a_ip" remoteIndex)
    [ "$a_local" = "$b_remote" ] && [ "$b_local" = "$a_remote" ] ||
      lab_fail "the two ends disagree on the tunnel: a=$a_local/$a_remote b=$b_local/$b_remote"
  fi
  echo "ok - simultaneous initiation flatnet <-> $round ends in one working tunnel"
done
echo "simultaneous_test PASSED"
