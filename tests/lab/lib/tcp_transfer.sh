# shellcheck shell=bash
# tcp_transfer.sh — a checksummed bulk TCP transfer through the overlay, what the tunnel,
# relay and IPv6 scenarios (tests/lab/scenarios/) and ipv6_overlay_test.sh check with. Source
# it after netlab.sh.
#
#   lab_tcp_transfer FROM TO ADDR FILE [PORT]
#       FROM sends FILE over one TCP connection (lab-tcp-xfer, default port 5001) to ADDR,
#       one of TO's addresses, IPv4 or IPv6; TO hashes what arrives. Fails the test unless
#       the transfer completes within 120 s and both sha256 match. Prints one line:
#       "ok - N MB FROM -> TO at ADDR, sha256 match; sent B bytes in T s (R Mbit/s)".

lab_tcp_transfer() {
  local from=$1 to=$2 addr=$3 file=$4 port=${5:-5001} label sent_sum received limit=120 xfer to_arg
  xfer=$(lab_tool lab-tcp-xfer)
  label="xfer-$from-to-$to-$port-$(lab_now_ms)"
  to_arg="$addr:$port"
  [[ $addr == *:* ]] && to_arg="[$addr]:$port"
  sent_sum=$(sha256sum <"$file" | cut -d' ' -f1)
  lab_spawn "$to" "$label-recv" bash -c "set -o pipefail; '$xfer' recv --port $port --time-limit $limit \
    | sha256sum >'$LAB_DIR/$label.sha'; echo \$? >'$LAB_DIR/$label.rc'"
  if ! lab_exec "$from" "$xfer" send --to "$to_arg" --time-limit "$limit" <"$file" 2>"$LAB_DIR/$label.send"; then
    cat "$LAB_DIR/$label.send" "$LAB_DIR/$label-recv.out" >&2 || true
    lab_fail "TCP transfer $from -> $to ($addr) failed"
  fi
  lab_wait_for --timeout 10 -- test -s "$LAB_DIR/$label.rc" ||
    lab_fail "receiver on $to ($addr) did not finish after the sender closed"
  [ "$(cat "$LAB_DIR/$label.rc")" = 0 ] || {
    cat "$LAB_DIR/$label-recv.out" >&2
    lab_fail "receiver on $to ($addr) failed"
  }
  received=$(cut -d' ' -f1 <"$LAB_DIR/$label.sha")
  [ "$received" = "$sent_sum" ] ||
    lab_fail "$from -> $to ($addr): sha256 differs (sent $sent_sum, received $received)"
  echo "ok - $(($(stat -c %s "$file") / 1048576)) MB $from -> $to at $addr, sha256 match; $(sed 's/^lab-tcp-xfer: //' "$LAB_DIR/$label.send")"
}
