#!/usr/bin/env bash
# flatnet-forward.exe, the Windows build of the forwarder (cross-compiled with mingw-w64 by
# scripts/build-windows.sh), run under wine on the loopback of a lab namespace:
#  1. it runs (-version) and reports a failing cmd: target (run by cmd.exe) as exit 1;
#  2. UDP: two clients get only their own echoes, through two upstream sockets;
#  3. the target is `cmd:type Z:\...\address.txt` (cmd.exe's type, through wine's Z: drive);
#     when the file changes, a new client is served by the new address;
#  4. TCP: an 8 MB echo comes back intact, and a 20 MB one-way transfer keeps its sha256.
# Fails (never skips) when wine or the .exe is missing. The .exe is
# $FLATNET_WINDOWS_EXE, by default $FLATNET_SRC/build-windows/flatnet-forward.exe.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"

exe=${FLATNET_WINDOWS_EXE:-$LAB_SRC/build-windows/flatnet-forward.exe}
command -v wine >/dev/null || { echo "FAIL: wine is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
[ -f "$exe" ] || { echo "FAIL: $exe not found (build it with scripts/build-windows.sh)" >&2; exit 1; }

lab_init fwwin
echo_tool=$(lab_tool lab-echo)
xfer=$(lab_tool lab-tcp-xfer)
lab_segment wire 198.51.100.0/24
lab_host w --on wire  # everything below talks over this namespace's loopback

# A fresh wine prefix in the lab's dir: no display, no Mono/Gecko installers.
wine_env=(env WINEPREFIX="$LAB_DIR/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=")
# The wineserver started inside the namespace is killed by the teardown; this also ends it
# should it have outlived its namespace.
lab_on_teardown "WINEPREFIX='$LAB_DIR/wineprefix' wineserver -k 2>/dev/null"
win() { lab_exec w "${wine_env[@]}" wine "$exe" "$@"; }
spawn_win() {  # LABEL ARGS...
  local label=$1
  shift
  lab_spawn w "$label" "${wine_env[@]}" wine "$exe" "$@"
  lab_wait_for --timeout 30 -- grep -q "msg=forwarding" "$LAB_DIR/$label.out" ||
    lab_fail "flatnet-forward.exe ($label) did not start: $(cat "$LAB_DIR/$label.out")"
}

# ---- 1. it runs; a failing command is an error -----------------------------------------
# The first run also creates the wine prefix, and wine says so on stderr.
version=$(win -version 2>"$LAB_DIR/wine-first-run.txt") ||
  lab_fail "flatnet-forward.exe -version failed: $version $(cat "$LAB_DIR/wine-first-run.txt")"
[[ $version == "Version: "* ]] || lab_fail "unexpected -version output: $version"
echo "ok - $exe runs under $(wine --version 2>/dev/null): $version"
status=0
error=$(win udp 127.0.0.1:7000 "cmd:exit 3" 2>&1) || status=$?
[ "$status" -eq 1 ] && [[ $error == *'the command (run with cmd /c) exited with status 3'* ]] ||
  lab_fail "a failing cmd: target should exit 1 naming cmd /c, got status $status: $error"
echo "ok - a failing target command: exit 1, \"$error\""

# ---- 2. UDP: two clients, only their own replies ------------------------------------------
address_file=$LAB_DIR/address.txt
echo "127.0.0.2" >"$address_file"
windows_path="Z:${address_file//\//\\}"
lab_spawn w echo1 "$echo_tool" udp-serve --bind 127.0.0.2 --port 7001 --name boot1 --time-limit 300
spawn_win fwd-udp udp 127.0.0.1:7000 "cmd:type $windows_path" -target-port 7001 \
  -resolve-interval 1s
ask() {  # TAG OUT ARGS...
  local tag=$1 out=$2
  shift 2
  lab_exec w "$echo_tool" udp-ask --to 127.0.0.1:7000 --tag "$tag" --time-limit 20 "$@" >"$out"
}
ask c1 "$LAB_DIR/ask-c1.txt" --count 200 --interval-ms 5 --expect-name boot1 &
p1=$!
ask c2 "$LAB_DIR/ask-c2.txt" --count 200 --interval-ms 5 --expect-name boot1 &
p2=$!
wait "$p1" || lab_fail "client c1: $(cat "$LAB_DIR/ask-c1.txt")"
wait "$p2" || lab_fail "client c2: $(cat "$LAB_DIR/ask-c2.txt")"
seen1=$(sed -n 's/.* seen-as \([^ :]*:[0-9]*\):.*/\1/p' "$LAB_DIR/ask-c1.txt")
seen2=$(sed -n 's/.* seen-as \([^ :]*:[0-9]*\):.*/\1/p' "$LAB_DIR/ask-c2.txt")
[ -n "$seen1" ] && [ -n "$seen2" ] && [ "$seen1" != "$seen2" ] ||
  lab_fail "the target should see the clients at two forwarder ports, saw '$seen1' and '$seen2'"
echo "ok - udp: 200 echoes each for two clients, none crossed (seen as $seen1 and $seen2)"

# ---- 3. the cmd: target changes ---------------------------------------------------------
lab_stop echo1
lab_spawn w echo2 "$echo_tool" udp-serve --bind 127.0.0.3 --port 7001 --name boot2 --time-limit 300
echo "127.0.0.3" >"$address_file"
lab_wait_for --timeout 20 --interval 0.2 -- ask fresh "$LAB_DIR/ask-fresh.txt" --count 3 \
  --interval-ms 50 --expect-name boot2 ||
  lab_fail "no answer from the new address within 20 s: $(cat "$LAB_DIR/ask-fresh.txt")"
grep -q 'msg="target address changed".*new="127.0.0.3:7001".*old="127.0.0.2:7001"' \
  "$LAB_DIR/fwd-udp.out" || lab_fail "no target change logged: $(tail -5 "$LAB_DIR/fwd-udp.out")"
grep -q 'msg="udp session start"' "$LAB_DIR/fwd-udp.out" ||
  lab_fail "no session logged: $(tail -5 "$LAB_DIR/fwd-udp.out")"
echo "ok - udp: the target moved to 127.0.0.3 and the forwarder followed"

# ---- 4. TCP: echo both ways, and a checksummed transfer -----------------------------------
lab_spawn w tcp-echo "$echo_tool" tcp-serve --bind 127.0.0.2 --port 7101 --time-limit 300
spawn_win fwd-tcp tcp 127.0.0.1:7100 127.0.0.2:7101
lab_exec w "$echo_tool" tcp-ask --to 127.0.0.1:7100 --bytes $((8 << 20)) --time-limit 60 \
  >"$LAB_DIR/tcp-ask.txt" || lab_fail "tcp echo through the .exe: $(cat "$LAB_DIR/tcp-ask.txt")"
echo "ok - tcp: $(cat "$LAB_DIR/tcp-ask.txt")"

spawn_win fwd-xfer tcp 127.0.0.1:7200 127.0.0.1:7201
head -c $((20 << 20)) /dev/urandom >"$LAB_DIR/payload.bin"
lab_spawn w xfer-recv sh -c "exec '$xfer' recv --port 7201 --time-limit 60 >'$LAB_DIR/received.bin'"
lab_wait_for --timeout 5 -- lab_exec w sh -c "ss -ltn | grep -q ':7201 '" ||
  lab_fail "lab-tcp-xfer did not listen"
lab_exec w "$xfer" send --to 127.0.0.1:7200 --time-limit 60 <"$LAB_DIR/payload.bin" \
  2>"$LAB_DIR/xfer-send.txt" || lab_fail "tcp transfer: $(cat "$LAB_DIR/xfer-send.txt")"
lab_wait_for --timeout 10 -- sh -c "! kill -0 ${LAB_PID[xfer-recv]} 2>/dev/null" ||
  lab_fail "lab-tcp-xfer recv did not finish"
sent_sum=$(sha256sum <"$LAB_DIR/payload.bin" | cut -d' ' -f1)
got_sum=$(sha256sum <"$LAB_DIR/received.bin" | cut -d' ' -f1)
[ "$sent_sum" = "$got_sum" ] ||
  lab_fail "20 MB transfer: sha256 $got_sum arrived, $sent_sum was sent ($(stat -c %s "$LAB_DIR/received.bin") bytes)"
grep -q 'msg="tcp connection end".*bytes_to_target=20971520.*reason=closed' "$LAB_DIR/fwd-xfer.out" ||
  lab_fail "the .exe did not log the connection's end with its bytes: $(tail -3 "$LAB_DIR/fwd-xfer.out")"
echo "ok - tcp: 20 MB through the .exe, sha256 matches ($(cat "$LAB_DIR/xfer-send.txt"))"
echo "PASS forward_windows"
