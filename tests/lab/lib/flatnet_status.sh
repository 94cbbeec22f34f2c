# Reading a running flatnet's status in lab tests (sourced after netlab.sh).
#
#   lab_status HOST            the JSON `flatnet status -json` prints for HOST's daemon
#   lab_counter HOST NAME      one counter (e.g. rx_dropped_replay) as a number
#   lab_tunnel_field HOST VPNIP FIELD   a field of HOST's tunnel to VPNIP ("" if none)
#   lab_tunnel_count HOST      how many tunnels HOST holds

lab_status() {
  "$FLATNET_BIN/flatnet" status -json -socket "$LAB_DIR/$1.sock"
}

lab_counter() {
  lab_status "$1" | jq -r --arg name "$2" '.counters[$name] // error("no counter \($name)")'
}

lab_tunnel_field() {
  lab_status "$1" | jq -r --arg ip "$2" --arg field "$3" \
    '[.tunnels[] | select(.vpnIp == $ip)][0][$field] // ""'
}

lab_tunnel_count() {
  lab_status "$1" | jq '.tunnels | length'
}
