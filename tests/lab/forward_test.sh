#!/usr/bin/env bash
# `flatnet forward`, the forwarder a Windows host runs for a lighthouse inside WSL2, in a lab
# shaped like that case: "windows" is a router (NAT, filtering like a home router) between
# the internet and its private "wsl" network, where the target "wsl2" lives. Clients on the
# internet reach the target only through the forwarder on windows.
#
# Checks (any failure exits 1 naming what failed):
#  1. UDP: two clients send interleaved datagrams at once; each gets all of its own echoes and
#     none of the other's, and the target sees them from two different forwarder ports.
#  2. TCP: an 8 MB echo comes back intact (both directions), and a 20 MB one-way transfer
#     arrives with the same sha256 (through the standalone flatnet-forward binary).
#  3. The target changes address (WSL2 rebooted; TARGET is `cmd:cat FILE` and the test
#     rewrites FILE): a client talking across the change gets answers from the new address
#     on the same session, a new client is served by the new address, the forwarder logs the
#     change, and new TCP connections go to the new address.
#  4. Each session's end is logged with its counters when the forwarder stops.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"

lab_init forward
echo_tool=$(lab_tool lab-echo)
xfer=$(lab_tool lab-tcp-xfer)
flatnet=$FLATNET_BIN/flatnet
standalone=$FLATNET_BIN/flatnet-forward
[ -x "$flatnet" ] || lab_fail "flatnet not found at $flatnet"
[ -x "$standalone" ] || lab_fail "flatnet-forward not found at $standalone"

lab_segment internet
lab_router windows --upstream internet --downstream wsl --nat masq
lab_host wsl2 --on wsl
lab_host c1 --on internet
lab_host c2 --on internet
windows_ip=$(lab_ip windows)
old_ip=$(lab_ip wsl2)
new_ip=${old_ip%.*}.77
wsl_if=${LAB_IFACE[wsl2/wsl]}
address_file=$LAB_DIR/wsl2-address
echo "$old_ip" >"$address_file"
target="cmd:cat $address_file"

# What `netsh advfirewall firewall add rule ... localport=...` does on Windows.
for rule in "udp 4242" "tcp 5000" "tcp 5001"; do
  lab_exec windows iptables -I INPUT -p ${rule% *} --dport ${rule#* } -j ACCEPT
done
lab_exec c1 "$echo_tool" udp-ask --to "$old_ip:4242" --tag direct --count 1 --time-limit 2 >/dev/null &&
  lab_fail "c1 reaches wsl2 directly; the forwarder would not be what the test checks"

lab_spawn wsl2 echo1 "$echo_tool" udp-serve --port 4242 --name wsl-boot1 --time-limit 300
lab_spawn wsl2 tcp-echo "$echo_tool" tcp-serve --port 5000 --time-limit 300
lab_spawn windows fwd-udp "$flatnet" forward -resolve-interval 1s udp 0.0.0.0:4242 "$target"
lab_spawn windows fwd-tcp "$flatnet" forward tcp :5000 "$target" -resolve-interval 1s
lab_spawn windows fwd-xfer "$standalone" tcp :5001 "$old_ip:5001"
for label in fwd-udp fwd-tcp fwd-xfer; do
  lab_wait_for --timeout 5 -- grep -q "msg=forwarding" "$LAB_DIR/$label.out" ||
    lab_fail "$label did not start: $(cat "$LAB_DIR/$label.out")"
done
echo "ok - forwarders running on windows ($windows_ip), target $old_ip"

# ---- 1. two UDP clients, interleaved, each gets only its own replies ---------------------
ask() {  # NODE TAG OUT ARGS...
  local node=$1 tag=$2 out=$3
  shift 3
  lab_exec "$node" "$echo_tool" udp-ask --to "$windows_ip:4242" --tag "$tag" --time-limit 20 "$@" >"$out"
}
ask c1 c1 "$LAB_DIR/ask-c1.txt" --count 200 --interval-ms 5 --expect-name wsl-boot1 &
p1=$!
ask c2 c2 "$LAB_DIR/ask-c2.txt" --count 200 --interval-ms 5 --expect-name wsl-boot1 &
p2=$!
wait "$p1" || lab_fail "client c1: $(cat "$LAB_DIR/ask-c1.txt")"
wait "$p2" || lab_fail "client c2: $(cat "$LAB_DIR/ask-c2.txt")"
seen1=$(sed -n 's/.* seen-as \([^ :]*:[0-9]*\):.*/\1/p' "$LAB_DIR/ask-c1.txt")
seen2=$(sed -n 's/.* seen-as \([^ :]*:[0-9]*\):.*/\1/p' "$LAB_DIR/ask-c2.txt")
[ -n "$seen1" ] && [ -n "$seen2" ] && [ "$seen1" != "$seen2" ] ||
  lab_fail "the target should see the clients at two forwarder ports, saw '$seen1' and '$seen2'"
echo "ok - c1 and c2: 200 echoes each, none crossed; the target saw them as $seen1 and $seen2"

# ---- 2. TCP: echo both ways, and a checksummed one-way transfer --------------------------
lab_exec c1 "$echo_tool" tcp-ask --to "$windows_ip:5000" --bytes $((8 << 20)) --time-limit 60 \
  >"$LAB_DIR/tcp-ask.txt" || lab_fail "tcp echo through the forwarder: $(cat "$LAB_DIR/tcp-ask.txt")"
echo "ok - tcp: $(cat "$LAB_DIR/tcp-ask.txt")"
head -c $((20 << 20)) /dev/urandom >"$LAB_DIR/payload.bin"
lab_spawn wsl2 xfer-recv sh -c "exec '$xfer' recv --port 5001 --time-limit 60 >'$LAB_DIR/received.bin'"
lab_wait_for --timeout 5 -- lab_exec wsl2 sh -c "ss -ltn | grep -q ':5001 '" ||
  lab_fail "lab-tcp-xfer did not listen on wsl2"
lab_exec c1 "$xfer" send --to "$windows_ip:5001" --time-limit 60 <"$LAB_DIR/payload.bin" \
  2>"$LAB_DIR/xfer-send.txt" || lab_fail "tcp transfer: $(cat "$LAB_DIR/xfer-send.txt")"
lab_wait_for --timeout 10 -- sh -c "! kill -0 ${LAB_PID[xfer-recv]} 2>/dev/null" ||
  lab_fail "lab-tcp-xfer recv did not finish"
sent_sum=$(sha256sum <"$LAB_DIR/payload.bin" | cut -d' ' -f1)
got_sum=$(sha256sum <"$LAB_DIR/received.bin" | cut -d' ' -f1)
[ "$sent_sum" = "$got_sum" ] ||
  lab_fail "20 MB transfer: sha256 $got_sum arrived, $sent_sum was sent ($(stat -c %s "$LAB_DIR/received.bin") bytes)"
echo "ok - tcp: 20 MB through flatnet-forward, sha256 matches ($(cat "$LAB_DIR/xfer-send.txt"))"

# ---- 3. WSL2 reboots: new address, the forwarder follows --------------------------------
# c1 keeps one session open across the change: 600 datagrams, 20 ms apart (~12 s).
ask c1 across "$LAB_DIR/ask-across.txt" --count 600 --interval-ms 20 --min-replies 100 &
p_across=$!
sleep 2
lab_stop echo1
lab_exec wsl2 ip addr del "$old_ip/24" dev "$wsl_if"
lab_exec wsl2 ip addr add "$new_ip/24" dev "$wsl_if"
lab_spawn wsl2 echo2 "$echo_tool" udp-serve --port 4242 --name wsl-boot2 --time-limit 300
echo "$new_ip" >"$address_file"
changed_at=$(lab_now_ms)
lab_wait_for --timeout 15 --interval 0.2 -- ask c2 fresh "$LAB_DIR/ask-fresh.txt" --count 3 \
  --interval-ms 50 --expect-name wsl-boot2 ||
  lab_fail "no answer from the new address $new_ip within 15 s: $(cat "$LAB_DIR/ask-fresh.txt")"
echo "ok - target moved $old_ip -> $new_ip; a new client is served by it $(($(lab_now_ms) - changed_at)) ms after the change"
wait "$p_across" || lab_fail "the client talking across the change: $(cat "$LAB_DIR/ask-across.txt")"
grep -q " from wsl-boot1,wsl-boot2 " "$LAB_DIR/ask-across.txt" ||
  lab_fail "the client across the change should hear both boots: $(cat "$LAB_DIR/ask-across.txt")"
echo "ok - the session across the change went on: $(cat "$LAB_DIR/ask-across.txt")"
grep -q "msg=\"target address changed\".*new=\"$new_ip:4242\".*old=\"$old_ip:4242\"" \
  "$LAB_DIR/fwd-udp.out" || lab_fail "the udp forwarder did not log the change: $(tail -5 "$LAB_DIR/fwd-udp.out")"
lab_exec c1 "$echo_tool" tcp-ask --to "$windows_ip:5000" --bytes $((1 << 20)) --time-limit 30 \
  >"$LAB_DIR/tcp-ask2.txt" || lab_fail "tcp echo after the change: $(cat "$LAB_DIR/tcp-ask2.txt")"
grep -q "msg=\"tcp connection start\".*target=\"$new_ip:5000\"" "$LAB_DIR/fwd-tcp.out" ||
  lab_fail "the new tcp connection did not go to $new_ip: $(tail -5 "$LAB_DIR/fwd-tcp.out")"
echo "ok - tcp after the change goes to $new_ip"

# ---- 4. per-session logs ---------------------------------------------------------------
lab_stop fwd-udp
lab_wait_for --timeout 5 -- grep -q "msg=\"forwarder stopped\"" "$LAB_DIR/fwd-udp.out" ||
  lab_fail "the udp forwarder did not stop cleanly on TERM: $(tail -5 "$LAB_DIR/fwd-udp.out")"
starts=$(grep -c 'msg="udp session start"' "$LAB_DIR/fwd-udp.out")
ends=$(grep -c 'msg="udp session end"' "$LAB_DIR/fwd-udp.out")
[ "$starts" -ge 4 ] && [ "$starts" -eq "$ends" ] ||
  lab_fail "expected a start and an end line per session, got $starts starts and $ends ends"
grep 'msg="udp session end"' "$LAB_DIR/fwd-udp.out" | grep -q "packets_to_client=200 packets_to_target=200 reason=stopped" ||
  lab_fail "no session end with 200 datagrams each way: $(grep 'session end' "$LAB_DIR/fwd-udp.out")"
echo "ok - $starts udp sessions, each with a start and an end line carrying its counters"
echo "PASS forward"
