#!/usr/bin/env bash
# Both ends initiate at the same moment: the race ends in one working tunnel that both
# sides agree on. Run flatnet <-> flatnet (indexes cross-checked through `flatnet status`)
# and flatnet <-> nebula.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"

lab_init simul
lab_segment wire 198.51.100.0/24
for round in flatnet nebula; do
  a=a$round b=b$round
  lab_host "$a" --on wire
  lab_host "$b" --on wire
done
lab_pki aflatnet=192.168.100.1/24 bflatnet=192.168.100.2/24 anebula=192.168.100.3/24 bnebula=192.168.100.4/24

for round in flatnet nebula; do
  a=a$round b=b$round
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
