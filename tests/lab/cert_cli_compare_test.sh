#!/usr/bin/env bash
# flatnet-cert's command line against nebula-cert 1.11.1's: for each command line below, both
# run in identical copies of one set of files (made by nebula-cert 1.11.1) with argv[0]
# "nebula-cert", and must give the same exit code, the same stderr, the same stdout and
# create the same files. `same` compares stdout byte for byte; `made` is for runs that make
# keys and certificates (random keys, the clock), where stdout must be equally empty or not.
# Known, deliberate differences (docs/flatnet-cert.md) are not listed: -version's number,
# flatnet refusing to overwrite a -out-qr or keygen output, an empty -crt file, messages
# about malformed PEM that name the banner found, and sign's -duration past the CA's end
# (nebula-cert refuses it, flatnet-cert signs to 1 second before the CA with a warning;
# tests/unit/cert_cli_test.cpp checks it).
# Needs no root and no network. Fails, never skips, when nebula-cert 1.11.1 is missing.
set -euo pipefail

FLATNET_CERT="${FLATNET_BIN:?FLATNET_BIN must point at the build directory src/app}/flatnet-cert"
NEBULA_CERT=/opt/nebula/1.11.1/nebula-cert
for tool in "$FLATNET_CERT" "$NEBULA_CERT"; do
  if [ ! -x "$tool" ]; then echo "FAIL: $tool is missing"; exit 1; fi
done

work="$(mktemp -d /tmp/cert-cli-compare.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export TZ=UTC
unset NEBULA_CA_PASSPHRASE

# The shared inputs, made once by nebula-cert 1.11.1.
fx="$work/fixtures"
mkdir -p "$fx/v1" "$fx/p256" "$fx/enc" "$fx/old"
(
  cd "$fx"
  n() { "$NEBULA_CERT" "$@"; }
  n ca -name "CA v2" -networks 10.0.0.0/8,fd00::/8 -groups a,b
  n ca -name "CA v1" -version 1 -out-crt v1/ca.crt -out-key v1/ca.key
  n ca -name "CA p256" -curve P256 -out-crt p256/ca.crt -out-key p256/ca.key
  NEBULA_CA_PASSPHRASE=secret n ca -name "CA enc" -encrypt -argon-memory 64 \
    -argon-iterations 1 -argon-parallelism 1 -out-crt enc/ca.crt -out-key enc/ca.key
  n ca -name "CA old" -duration 1s -out-crt old/ca.crt -out-key old/ca.key
  n keygen -out-key host.key -out-pub host.pub
  n keygen -curve P256 -out-key p256/host.key -out-pub p256/host.pub
  n sign -name h1 -networks 10.1.0.1/16 -groups a -in-pub host.pub -out-crt h1.crt
  n sign -name h1v1 -version 1 -networks 10.1.0.2/16 -in-pub host.pub -out-crt h1v1.crt
  n sign -name hv1 -networks 10.9.0.1/16 -ca-crt v1/ca.crt -ca-key v1/ca.key -in-pub host.pub -out-crt hv1.crt
  cat h1v1.crt h1.crt > both.crt
  cat ca.crt v1/ca.crt p256/ca.crt > bundle.crt
  echo garbage > garbage.txt
  : > empty.txt
)
sleep 2  # old/ca.crt has expired

passed=0
failed=0
case_no=0
# run TOOL DIR ARGS...: in DIR, as "nebula-cert", stdin from $STDIN_FILE (default /dev/null).
run() {
  local tool="$1" dir="$2"; shift 2
  (cd "$dir" && exec -a nebula-cert "$tool" "$@" <"${STDIN_FILE:-/dev/null}" \
     >"$dir.out" 2>"$dir.err"; ) && echo 0 >"$dir.rc" || echo $? >"$dir.rc"
  (cd "$dir" && find . -newer "$work/stamp" -type f | sort) >"$dir.files"
}
compare() {
  local mode="$1"; shift
  case_no=$((case_no + 1))
  local a="$work/c$case_no.nebula" b="$work/c$case_no.flatnet"
  cp -a "$fx" "$a"; cp -a "$fx" "$b"
  touch "$work/stamp"; sleep 0.01
  run "$NEBULA_CERT" "$a" "$@"
  run "$FLATNET_CERT" "$b" "$@"
  local what=(rc err files)
  if [ "$mode" = same ]; then what+=(out); fi
  local bad=""
  for part in "${what[@]}"; do
    cmp -s "$a.$part" "$b.$part" || bad+=" $part"
  done
  if [ "$mode" = made ] && [ "$(test -s "$a.out" && echo y)" != "$(test -s "$b.out" && echo y)" ]; then
    bad+=" out"
  fi
  if [ -z "$bad" ]; then
    passed=$((passed + 1)); echo "ok   $*"
  else
    failed=$((failed + 1)); echo "FAIL $* (differs:$bad)"
    for part in $bad; do diff <(cat "$a.$part") <(cat "$b.$part") | sed 's/^/     /' | head -20 || true; done
  fi
  rm -rf "$a" "$b" "$a".* "$b".*
}

# Top level and help.
compare same
compare same -h
compare same -help
compare same -x
compare same -version=false
compare same foo
compare same -h foo
compare same -h sign
for mode in ca keygen sign print verify; do compare same "$mode" -h; compare same "$mode" -nope; done

# ca
compare made ca -name n1 -out-crt n.crt -out-key n.key
compare made ca -name n1 -version 1 -out-crt n.crt -out-key n.key
compare made ca -name n1 -curve P256 -networks 10.0.0.0/8 -unsafe-networks 192.168.0.0/16 -out-crt n.crt -out-key n.key
compare made ca -name n1 -ips 10.0.0.0/8 -subnets 192.168.0.0/16 -groups " x , y,," -out-crt n.crt -out-key n.key
compare made ca -name n1 -out-key - -out-crt n.crt
compare made ca -name n1 -out-crt - -out-key n.key
compare same ca
compare same ca -name n1 -out-key ""
compare same ca -name n1 -out-crt ""
compare same ca -name n1 -version 3
compare same ca -name n1 -version -1
compare same ca -name n1 -version 99999999999999999999
compare same ca -name n1 -curve foo
compare same ca -name n1 -duration 0
compare same ca -name n1 -duration x
compare same ca -name n1 -networks bad
compare same ca -name n1 -networks 10.0.0.0/33
compare same ca -name n1 -unsafe-networks 10.0.0.0
compare same ca -name n1 -version 1 -networks fd00::/8
compare same ca -name n1 -version 1 -unsafe-networks fd00::/8
compare same ca -name n1 -out-key - -out-crt -
compare same ca -name n1 -out-crt - -out-qr -
compare same ca -name n1 -out-key host.key
compare same ca -name n1 -out-key new.key -out-crt h1.crt
compare same ca -name n1 -encrypt -argon-memory 64 -out-key n.key -out-crt n.crt
compare same ca -name n1 -encrypt -argon-memory 0
compare same ca -name n1 -encrypt -argon-parallelism 256
compare same ca -name n1 -encrypt -argon-iterations 0
compare same ca -name n1 -encrypt -argon-iterations 4294967296
compare same ca -name n1 -out-key nodir/k.key

# keygen
compare made keygen -out-key k -out-pub p
compare made keygen -curve P256 -out-key k -out-pub p
compare made keygen -curve X25519 -out-key - -out-pub p
compare same keygen
compare same keygen -out-key k
compare same keygen -out-key k -out-pub p -curve foo
compare same keygen -out-key - -out-pub -

# sign
compare made sign -name h2 -networks 10.1.0.3/16
compare made sign -name h2 -ip 10.1.0.3/16 -subnets 10.2.0.0/16
compare made sign -name h2 -networks 10.1.0.3/16,fd00::3/64 -groups a,b
compare made sign -name h2 -version 1 -networks 10.1.0.3/16
compare made sign -name h2 -networks 10.9.0.3/16 -ca-crt v1/ca.crt -ca-key v1/ca.key
compare made sign -name h2 -version 2 -networks 10.9.0.3/16 -ca-crt v1/ca.crt -ca-key v1/ca.key
compare made sign -name h2 -networks 10.1.0.3/16 -ca-crt p256/ca.crt -ca-key p256/ca.key
compare made sign -name h2 -networks 10.1.0.3/16 -ca-crt p256/ca.crt -ca-key p256/ca.key -in-pub p256/host.pub
compare made sign -name h2 -networks 10.1.0.3/16 -in-pub host.pub -out-crt -
compare made sign -name h2 -networks 10.1.0.3/16 -out-key - -duration 1h
compare made sign -name h2 -networks 10.1.0.3/16 -out-crt x.crt -out-qr x.png
STDIN_FILE="$fx/host.pub" compare made sign -name h2 -networks 10.1.0.3/16 -in-pub - -out-crt -
STDIN_FILE="$fx/ca.crt" compare made sign -name h2 -networks 10.1.0.3/16 -ca-crt -
compare same sign
compare same sign -name h2
compare same sign -name h2 -ca-key ""
compare same sign -name h2 -ca-crt ""
compare same sign -name h2 -networks 10.1.0.3/16 -in-pub host.pub -out-key k
compare same sign -name h2 -networks 10.1.0.3/16 -version 3
compare same sign -name h2 -networks 10.1.0.3/16 -ca-key - -ca-crt -
compare same sign -name h2 -networks 10.1.0.3/16 -out-key - -out-crt -
compare same sign -name h2 -networks 10.1.0.3/16 -in-pub host.pub -out-key - -out-crt -
compare same sign -name h2 -networks 10.1.0.3/16 -ca-key nope.key
compare same sign -name h2 -networks 10.1.0.3/16 -ca-key garbage.txt
compare same sign -name h2 -networks 10.1.0.3/16 -ca-key host.key
compare same sign -name h2 -networks 10.1.0.3/16 -ca-key v1/ca.key
compare same sign -name h2 -networks 10.1.0.3/16 -ca-crt nope.crt
compare same sign -name h2 -networks 10.1.0.3/16 -ca-crt old/ca.crt -ca-key old/ca.key
compare same sign -name h2 -networks bad
compare same sign -name h2 -networks 10.1.0.3/16 -unsafe-networks bad
compare same sign -name h2 -networks 10.1.0.3/16 -in-pub nope.pub
compare same sign -name h2 -networks 10.1.0.3/16 -in-pub ca.crt
compare same sign -name h2 -networks 10.1.0.3/16 -in-pub p256/host.pub
compare same sign -name h2 -networks 10.1.0.3/16 -out-crt h1.crt
compare same sign -name h2 -networks 10.1.0.3/16 -out-key host.key
compare same sign -name h2 -version 1 -networks 10.1.0.3/16,10.1.0.4/16
compare same sign -name h2 -version 1 -networks 10.1.0.3/16,fd00::3/64
compare same sign -name h2 -version 1 -networks fd00::3/64
compare same sign -name h2 -version 1 -networks 10.1.0.3/16 -unsafe-networks fd01::/64
compare same sign -name h2 -networks 11.1.0.3/16
compare same sign -name h2 -networks 10.1.0.3/16 -groups c
compare same sign -name h2 -networks 10.1.0.3/16 -ca-crt enc/ca.crt -ca-key enc/ca.key
NEBULA_CA_PASSPHRASE=wrong compare same sign -name h2 -networks 10.1.0.3/16 -ca-crt enc/ca.crt -ca-key enc/ca.key
export NEBULA_CA_PASSPHRASE=secret
compare made sign -name h2 -networks 10.1.0.3/16 -ca-crt enc/ca.crt -ca-key enc/ca.key
compare made ca -name n1 -encrypt -argon-memory 64 -argon-iterations 1 -argon-parallelism 1 -out-crt n.crt -out-key n.key
unset NEBULA_CA_PASSPHRASE

# print
for f in ca.crt v1/ca.crt p256/ca.crt enc/ca.crt h1.crt h1v1.crt hv1.crt both.crt bundle.crt; do
  compare same print -path "$f"
  compare same print -json -path "$f"
done
STDIN_FILE="$fx/both.crt" compare same print -path -
STDIN_FILE="$fx/both.crt" compare same print -json -path - -out-qr q.png
compare made print -path h1.crt -out-qr -  # PNG bytes: another QR encoder
compare same print
compare same print -path nope.crt
compare same print -path garbage.txt
compare same print -path empty.txt
compare same print -path - -out-qr -

# verify
compare same verify -ca ca.crt -crt h1.crt
compare same verify -ca bundle.crt -crt h1.crt
compare same verify -ca bundle.crt -crt hv1.crt
compare same verify -ca bundle.crt -crt both.crt
compare same verify -ca v1/ca.crt -crt both.crt
compare same verify -ca ca.crt -crt ca.crt
compare same verify -ca p256/ca.crt -crt h1.crt
compare same verify -ca old/ca.crt -crt h1.crt
STDIN_FILE="$fx/h1.crt" compare same verify -ca bundle.crt -crt -
STDIN_FILE="$fx/bundle.crt" compare same verify -ca - -crt h1.crt
compare same verify
compare same verify -ca ca.crt
compare same verify -ca - -crt -
compare same verify -ca nope.crt -crt h1.crt
compare same verify -ca ca.crt -crt nope.crt
compare same verify -ca ca.crt -crt garbage.txt
compare same verify -ca h1.crt -crt h1.crt

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
