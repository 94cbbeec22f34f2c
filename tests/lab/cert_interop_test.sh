#!/usr/bin/env bash
# Interop of flatnet-cert with the real nebula-cert, both ways. flatnet-cert follows nebula-cert
# 1.11.1 (default v2 certificates); (a)-(d) use Debian's nebula-cert 1.6.1, which knows only v1,
# so flatnet-cert makes its certificates there with -version 1; `print` follows 1.11.1, so
# every print comparison is against /opt/nebula/1.11.1/nebula-cert:
#  (a) certs made by nebula-cert: flatnet-cert prints them identically (text and JSON, so the
#      same fields and fingerprint) and verifies them;
#  (b) certs made by flatnet-cert: nebula-cert verifies them and prints them identically;
#  (c) each tool signs with the other's CA and keys, and the other verifies the result;
#  (e) 1.11.1's own v2 and P256 certificates (and a host file with v1 and v2 in it): printed
#      identically and verified by flatnet-cert;
#  (f) flatnet's v1/v2 x Curve25519/P256 certificates (tests/lab/tools/lab_cert_make.cpp):
#      nebula-cert 1.11.1 verifies and prints them;
#  (g) for nebula-cert 1.10.3 and 1.11.1: their v1, v2, P256 and encrypted CAs print, verify and
#      sign in flatnet-cert; flatnet-cert's (v1, v2, P256, encrypted) print identically and
#      verify in them; cross-signing both ways; a mixed v1+v2 CA bundle and a host file with a
#      v1 and a v2 certificate verify in both; nebula 1.11.1 -test loads flatnet-cert's files;
#  plus the same -h text per mode, and the same refusals for CA constraints.
# Needs no root and no network. Fails, never skips, when nebula-cert is missing.
set -euo pipefail

FLATNET_CERT="${FLATNET_BIN:?FLATNET_BIN must point at the build directory src/app}/flatnet-cert"
NEBULA_CERT="$(command -v nebula-cert || true)"
if [ -z "$NEBULA_CERT" ]; then
  echo "FAIL: nebula-cert is not installed (Debian package 'nebula'); interop cannot be tested"
  exit 1
fi
PRINT_CERT=/opt/nebula/1.11.1/nebula-cert
if [ ! -x "$PRINT_CERT" ]; then
  echo "FAIL: $PRINT_CERT is missing (setup installs nebula 1.11.1); print cannot be compared"
  exit 1
fi
if [ ! -x "$FLATNET_CERT" ]; then
  echo "FAIL: $FLATNET_CERT is not built"
  exit 1
fi

work="$(mktemp -d /tmp/cert-interop.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export TZ=UTC

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
# check NAME COMMAND...: the command must succeed.
check() {
  local name="$1"; shift
  if "$@" >"$work/last.out" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/     /' "$work/last.out"; fi
}
# same_output NAME FILE: nebula-cert 1.11.1 and flatnet-cert print FILE byte for byte alike.
same_output() {
  local name="$1" file="$2" flags="${3:-}"
  # shellcheck disable=SC2086
  if diff <("$PRINT_CERT" print $flags -path "$file" 2>&1) \
          <("$FLATNET_CERT" print $flags -path "$file" 2>&1) >"$work/last.diff"; then
    pass "$name"
  else
    fail "$name"; sed 's/^/     /' "$work/last.diff"
  fi
}

echo "# nebula-cert $("$NEBULA_CERT" -version), print compared with $("$PRINT_CERT" -version)," \
  "flatnet-cert $("$FLATNET_CERT" -version)"

# (a) nebula-cert's certificates, read by flatnet-cert.
mkdir a && cd a
"$NEBULA_CERT" ca -name "Nebula CA" -duration 8760h -groups "servers,laptops" \
  -ips "192.168.100.0/24" -subnets "10.10.0.0/16"
"$NEBULA_CERT" sign -name lighthouse -ip 192.168.100.1/24 -groups servers -subnets 10.10.1.0/24
"$NEBULA_CERT" sign -name laptop -ip 192.168.100.2/24 -groups laptops -duration 24h
for c in ca.crt lighthouse.crt laptop.crt; do
  same_output "(a) print $c matches nebula-cert" "$c"
  same_output "(a) print -json $c matches nebula-cert" "$c" -json
done
check "(a) flatnet-cert verifies nebula-cert's lighthouse.crt" \
  "$FLATNET_CERT" verify -ca ca.crt -crt lighthouse.crt
check "(a) flatnet-cert verifies nebula-cert's laptop.crt" \
  "$FLATNET_CERT" verify -ca ca.crt -crt laptop.crt
cd ..

# (b) flatnet-cert's certificates, read by nebula-cert.
mkdir b && cd b
"$FLATNET_CERT" ca -version 1 -name "Flatnet CA" -duration 8760h -groups "servers,laptops" \
  -ips "192.168.100.0/24" -subnets "10.10.0.0/16"
"$FLATNET_CERT" sign -name lighthouse -ip 192.168.100.1/24 -groups servers -subnets 10.10.1.0/24
"$FLATNET_CERT" sign -name laptop -ip 192.168.100.2/24 -groups laptops -duration 24h
for c in ca.crt lighthouse.crt laptop.crt; do
  same_output "(b) nebula-cert prints flatnet-cert's $c the same" "$c"
  same_output "(b) nebula-cert print -json of flatnet-cert's $c is the same" "$c" -json
done
check "(b) nebula-cert verifies flatnet-cert's lighthouse.crt" \
  "$NEBULA_CERT" verify -ca ca.crt -crt lighthouse.crt
check "(b) nebula-cert verifies flatnet-cert's laptop.crt" \
  "$NEBULA_CERT" verify -ca ca.crt -crt laptop.crt
# The nebula daemon itself loads flatnet-cert's CA, cert and key (-test checks the config,
# including that the key belongs to the cert, and exits without opening a tun or socket).
write_config() {
  cat >config.yml <<EOF
pki: {ca: ca.crt, cert: lighthouse.crt, key: $1}
static_host_map: {}
lighthouse: {am_lighthouse: false}
listen: {host: 127.0.0.1, port: 0}
tun: {disabled: true}
firewall: {outbound: [{port: any, proto: any, host: any}], inbound: []}
EOF
}
if command -v nebula >/dev/null; then
  write_config lighthouse.key
  check "(b) nebula -test accepts flatnet-cert's ca.crt, lighthouse.crt, lighthouse.key" \
    timeout 20 nebula -test -config config.yml
  write_config laptop.key
  if timeout 20 nebula -test -config config.yml >"$work/last.out" 2>&1; then
    fail "(b) nebula -test accepted a key that is not the cert's"
  else
    pass "(b) nebula -test refuses a key that is not the cert's"
  fi
else
  fail "(b) the nebula daemon is not installed"
fi

fp_nebula="$("$PRINT_CERT" print -json -path lighthouse.crt | sed 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/')"
fp_flatnet="$("$FLATNET_CERT" print -json -path lighthouse.crt | sed 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/')"
if [ -n "$fp_nebula" ] && [ "$fp_nebula" = "$fp_flatnet" ]; then
  pass "(b) fingerprint agrees: $fp_nebula"
else
  fail "(b) fingerprint differs: nebula $fp_nebula, flatnet $fp_flatnet"
fi
cd ..

# (c) each tool signs with the other's CA; keys made by one are used by the other.
mkdir c && cd c
"$NEBULA_CERT" ca -name "Nebula CA" -out-crt nebula-ca.crt -out-key nebula-ca.key
"$FLATNET_CERT" ca -version 1 -name "Flatnet CA" -out-crt flatnet-ca.crt -out-key flatnet-ca.key
check "(c) flatnet-cert signs with nebula-cert's CA" \
  "$FLATNET_CERT" sign -ca-crt nebula-ca.crt -ca-key nebula-ca.key -name f1 -ip 10.0.0.1/24
check "(c) nebula-cert verifies it" "$NEBULA_CERT" verify -ca nebula-ca.crt -crt f1.crt
check "(c) nebula-cert signs with flatnet-cert's CA" \
  "$NEBULA_CERT" sign -ca-crt flatnet-ca.crt -ca-key flatnet-ca.key -name n1 -ip 10.0.0.2/24
check "(c) flatnet-cert verifies it" "$FLATNET_CERT" verify -ca flatnet-ca.crt -crt n1.crt
check "(c) nebula-cert verifies it too" "$NEBULA_CERT" verify -ca flatnet-ca.crt -crt n1.crt

"$NEBULA_CERT" keygen -out-key nk.key -out-pub nk.pub
"$FLATNET_CERT" keygen -out-key fk.key -out-pub fk.pub
check "(c) flatnet-cert signs nebula-cert's public key" \
  "$FLATNET_CERT" sign -ca-crt flatnet-ca.crt -ca-key flatnet-ca.key -name nk -ip 10.0.0.3/24 \
  -in-pub nk.pub
check "(c) nebula-cert signs flatnet-cert's public key" \
  "$NEBULA_CERT" sign -ca-crt nebula-ca.crt -ca-key nebula-ca.key -name fk -ip 10.0.0.4/24 \
  -in-pub fk.pub
check "(c) nebula-cert verifies the cert of nebula's key" \
  "$NEBULA_CERT" verify -ca flatnet-ca.crt -crt nk.crt
check "(c) flatnet-cert verifies the cert of flatnet's key" \
  "$FLATNET_CERT" verify -ca nebula-ca.crt -crt fk.crt

# A CA file with both CAs: each tool verifies every cert against the bundle.
cat nebula-ca.crt flatnet-ca.crt > both.crt
for c in f1.crt n1.crt nk.crt fk.crt; do
  check "(c) nebula-cert verifies $c against a two-CA file" \
    "$NEBULA_CERT" verify -ca both.crt -crt "$c"
  check "(c) flatnet-cert verifies $c against a two-CA file" \
    "$FLATNET_CERT" verify -ca both.crt -crt "$c"
done
same_output "(c) print of a two-CA file matches nebula-cert" both.crt
same_output "(c) print -json of a two-CA file matches nebula-cert" both.crt -json

# Wrong CA: both tools refuse.
if ! "$NEBULA_CERT" verify -ca nebula-ca.crt -crt n1.crt >/dev/null 2>&1 &&
   ! "$FLATNET_CERT" verify -ca nebula-ca.crt -crt n1.crt >/dev/null 2>&1; then
  pass "(c) both refuse a cert from another CA"
else
  fail "(c) a cert from another CA was accepted"
fi
cd ..

# The same CA constraints refuse the same certificates with the same words as nebula-cert
# 1.11.1 ("error while signing: <reason>"), and leave no file behind.
mkdir d && cd d
"$NEBULA_CERT" ca -name limited -ips 10.1.0.0/16 -groups servers -duration 10h
for args in "-ip 10.2.0.1/24" "-ip 10.1.0.1/24 -groups laptops"; do
  # shellcheck disable=SC2086
  n_err="$("$PRINT_CERT" sign -name x $args -out-crt n.crt -out-key n.key 2>&1 | head -1)" || true
  # shellcheck disable=SC2086
  f_err="$("$FLATNET_CERT" sign -name x $args -out-crt f.crt -out-key f.key 2>&1 | head -1)" || true
  if [ -n "$n_err" ] && [ "$n_err" = "$f_err" ] && [ ! -e f.crt ] && [ ! -e f.key ]; then
    pass "constraint refusal for '$args': $f_err"
  else
    fail "constraint refusal for '$args': nebula '$n_err' flatnet '$f_err'"
  fi
done
# A -duration that outlives the CA: nebula-cert refuses it; flatnet-cert (deliberately, see
# docs/flatnet-cert.md) signs it to end one second before the CA, with a warning naming both.
n_err="$("$PRINT_CERT" sign -name x -ip 10.1.0.1/24 -duration 11h -out-crt n.crt -out-key n.key 2>&1 | head -1)" || true
f_err="$("$FLATNET_CERT" sign -name x -ip 10.1.0.1/24 -duration 11h -out-crt f.crt -out-key f.key 2>&1 | head -1)" || true
ca_end=$("$FLATNET_CERT" print -json -path ca.crt | jq -r '.[0].details.notAfter')
f_end=$([ -e f.crt ] && "$FLATNET_CERT" print -json -path f.crt | jq -r '.[0].details.notAfter')
if [[ $n_err == *"certificate expires after signing certificate"* ]] && [ ! -e n.crt ] &&
  [[ $f_err == Warning:*"$ca_end"* ]] &&
  [ "$(date -d "$f_end" +%s)" = "$(( $(date -d "$ca_end" +%s) - 1 ))" ]; then
  pass "-duration past the CA: nebula-cert refuses, flatnet-cert signs to $f_end (CA ends $ca_end)"
else
  fail "-duration past the CA: nebula '$n_err', flatnet '$f_err' (cert ends '${f_end:-none}', CA '$ca_end')"
fi
cd ..

# (e) nebula-cert 1.11.1's v2 and P256 certificates, read by flatnet-cert.
mkdir e && cd e
"$PRINT_CERT" ca -name "V2 CA" -duration 8760h -groups "servers,laptops" \
  -networks "192.168.100.0/24,fd00:100::/64" -unsafe-networks "10.10.0.0/16,fd99::/48" \
  -out-crt v2ca.crt -out-key v2ca.key
"$PRINT_CERT" sign -ca-crt v2ca.crt -ca-key v2ca.key -name v2host -groups servers \
  -networks "192.168.100.5/24,fd00:100::5/64" -unsafe-networks "10.10.1.0/24" \
  -out-crt v2host.crt -out-key v2host.key
"$PRINT_CERT" keygen -out-key dual.key -out-pub dual.pub
"$PRINT_CERT" sign -ca-crt v2ca.crt -ca-key v2ca.key -name dual -version 1 \
  -networks 192.168.100.6/24 -in-pub dual.pub -out-crt dual1.crt
"$PRINT_CERT" sign -ca-crt v2ca.crt -ca-key v2ca.key -name dual -version 2 \
  -networks "192.168.100.6/24,fd00:100::6/64" -in-pub dual.pub -out-crt dual2.crt
cat dual1.crt dual2.crt > dual.crt
"$PRINT_CERT" ca -curve P256 -name "P256 CA" -duration 8760h -out-crt p256ca.crt \
  -out-key p256ca.key
"$PRINT_CERT" sign -ca-crt p256ca.crt -ca-key p256ca.key -name p256host \
  -networks 192.168.100.7/24 -out-crt p256host.crt -out-key p256host.key
"$PRINT_CERT" ca -curve P256 -version 1 -name "P256 v1 CA" -duration 8760h \
  -out-crt p256v1ca.crt -out-key p256v1ca.key
"$PRINT_CERT" sign -ca-crt p256v1ca.crt -ca-key p256v1ca.key -name p256v1host \
  -networks 192.168.100.8/24 -out-crt p256v1host.crt -out-key p256v1host.key
cat v2ca.crt p256ca.crt p256v1ca.crt > mixed.crt
for c in v2ca.crt v2host.crt dual.crt p256ca.crt p256host.crt p256v1ca.crt p256v1host.crt \
         mixed.crt; do
  same_output "(e) print $c matches nebula-cert 1.11.1" "$c"
  same_output "(e) print -json $c matches nebula-cert 1.11.1" "$c" -json
done
for pair in v2ca:v2host v2ca:dual p256ca:p256host p256v1ca:p256v1host mixed:v2host \
            mixed:p256host mixed:p256v1host; do
  check "(e) flatnet-cert verifies ${pair#*:}.crt against ${pair%%:*}.crt" \
    "$FLATNET_CERT" verify -ca "${pair%%:*}.crt" -crt "${pair#*:}.crt"
done
if ! "$FLATNET_CERT" verify -ca p256ca.crt -crt v2host.crt >/dev/null 2>&1; then
  pass "(e) flatnet-cert refuses a Curve25519 cert against a P256 CA"
else
  fail "(e) flatnet-cert accepted a cert from another CA"
fi
cd ..

# (f) flatnet's certificates of every version and curve, read by nebula-cert 1.11.1.
CERT_MAKE="${FLATNET_BIN}/../../tests/lab/tools/lab-cert-make"
mkdir f && cd f
if [ -x "$CERT_MAKE" ] && "$CERT_MAKE" . >made.txt; then
  while read -r stem fingerprint; do
    kind="$(basename "$stem")"
    check "(f) nebula-cert 1.11.1 verifies flatnet's $kind host cert" \
      "$PRINT_CERT" verify -ca "${kind}_ca.crt" -crt "${kind}_host.crt"
    printed="$("$PRINT_CERT" print -json -path "${kind}_host.crt" |
               sed 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/')"
    if [ "$printed" = "$fingerprint" ]; then
      pass "(f) nebula-cert 1.11.1 prints flatnet's $kind fingerprint: $printed"
    else
      fail "(f) $kind fingerprint: nebula-cert '$printed', flatnet '$fingerprint'"
    fi
    same_output "(f) print of flatnet's $kind host cert matches nebula-cert 1.11.1" \
      "${kind}_host.crt"
  done <made.txt
  [ "$(wc -l <made.txt)" -eq 4 ] || fail "(f) lab-cert-make did not make 4 kinds"
else
  fail "(f) $CERT_MAKE is missing or failed (build the lab-tools target)"
fi
cd ..

# (g) nebula-cert 1.10.3 and 1.11.1, both ways, every version and curve, an encrypted CA.
export NEBULA_CA_PASSPHRASE="lab passphrase"
small_argon=(-argon-memory 256 -argon-iterations 1 -argon-parallelism 1)
fp_of() { "$PRINT_CERT" print -json -path "$1" | sed 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/'; }
for version in 1.10.3 1.11.1; do
  NC="/opt/nebula/$version/nebula-cert"
  if [ ! -x "$NC" ]; then fail "(g) $NC is missing"; continue; fi
  mkdir "g-$version" && cd "g-$version"
  # Each tool's CAs: v1, v2, P256 (v2) and an encrypted v2 one.
  for tool in nebula flatnet; do
    if [ "$tool" = nebula ]; then T="$NC"; else T="$FLATNET_CERT"; fi
    "$T" ca -name "$tool v1" -version 1 -networks 10.1.0.0/16 -out-crt "$tool-v1.crt" -out-key "$tool-v1.key"
    "$T" ca -name "$tool v2" -networks 10.2.0.0/16,fd02::/64 -out-crt "$tool-v2.crt" -out-key "$tool-v2.key"
    "$T" ca -name "$tool p256" -curve P256 -out-crt "$tool-p256.crt" -out-key "$tool-p256.key"
    "$T" ca -name "$tool enc" -encrypt "${small_argon[@]}" -out-crt "$tool-enc.crt" -out-key "$tool-enc.key"
  done
  # Every tool signs with every CA of both tools; the other tool verifies.
  for signer in nebula flatnet; do
    if [ "$signer" = nebula ]; then S="$NC"; V="$FLATNET_CERT"; else S="$FLATNET_CERT"; V="$NC"; fi
    for owner in nebula flatnet; do
      for kind in v1 v2 p256 enc; do
        ca="$owner-$kind"
        case "$kind" in v1) net=10.1.0.9/16 ;; v2) net=10.2.0.9/16,fd02::9/64 ;; *) net=10.3.0.9/16 ;; esac
        out="$signer-by-$ca"
        check "(g $version) $signer signs with $ca" \
          "$S" sign -ca-crt "$ca.crt" -ca-key "$ca.key" -name "$out" -networks "$net" \
          -out-crt "$out.crt" -out-key "$out.key"
        [ -e "$out.crt" ] || continue
        check "(g $version) the other tool verifies $out.crt" "$V" verify -ca "$ca.crt" -crt "$out.crt"
        check "(g $version) $signer verifies its own $out.crt" "$S" verify -ca "$ca.crt" -crt "$out.crt"
        if [ "$(fp_of "$out.crt")" = "$("$FLATNET_CERT" print -json -path "$out.crt" |
              sed 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/')" ]; then
          pass "(g $version) same fingerprint for $out.crt"
        else
          fail "(g $version) fingerprints differ for $out.crt"
        fi
      done
    done
  done
  # Print: flatnet-cert prints every certificate as nebula-cert 1.11.1 does, and
  # nebula-cert $version prints flatnet's as it prints its own (the same fields).
  for c in nebula-v1 nebula-v2 nebula-p256 nebula-enc flatnet-v1 flatnet-v2 flatnet-p256 \
           flatnet-enc nebula-by-flatnet-v2 flatnet-by-nebula-p256; do
    same_output "(g $version) print $c.crt" "$c.crt"
    same_output "(g $version) print -json $c.crt" "$c.crt" -json
    if diff <("$NC" print -path "$c.crt" 2>&1) <("$FLATNET_CERT" print -path "$c.crt" 2>&1) \
         >"$work/last.diff"; then
      pass "(g $version) nebula-cert $version prints $c.crt as flatnet-cert does"
    else
      fail "(g $version) nebula-cert $version prints $c.crt differently"; sed 's/^/     /' "$work/last.diff"
    fi
  done
  # A mixed v1+v2 CA bundle of both tools, and a host file with a v1 and a v2 certificate of
  # one key (sign twice with the same -in-pub, concatenate).
  cat nebula-v1.crt flatnet-v2.crt nebula-p256.crt flatnet-v1.crt > bundle.crt
  "$FLATNET_CERT" keygen -out-key dual.key -out-pub dual.pub
  "$FLATNET_CERT" sign -ca-crt flatnet-v1.crt -ca-key flatnet-v1.key -name dual -version 1 \
    -networks 10.1.0.20/16 -in-pub dual.pub -out-crt - > dual.crt
  "$NC" sign -ca-crt flatnet-v2.crt -ca-key flatnet-v2.key -name dual -version 2 \
    -networks 10.2.0.20/16 -in-pub dual.pub -out-crt - >> dual.crt
  for c in dual.crt nebula-by-flatnet-v1.crt flatnet-by-nebula-v1.crt flatnet-by-flatnet-v2.crt \
           nebula-by-nebula-p256.crt; do
    check "(g $version) nebula-cert $version verifies $c against the mixed bundle" \
      "$NC" verify -ca bundle.crt -crt "$c"
    check "(g $version) flatnet-cert verifies $c against the mixed bundle" \
      "$FLATNET_CERT" verify -ca bundle.crt -crt "$c"
  done
  same_output "(g $version) print of the mixed bundle" bundle.crt
  same_output "(g $version) print of the v1+v2 host file" dual.crt -json
  # A wrong passphrase is refused by flatnet-cert and writes nothing.
  if NEBULA_CA_PASSPHRASE=wrong "$FLATNET_CERT" sign -ca-crt nebula-enc.crt -ca-key nebula-enc.key \
       -name wrong -networks 10.3.0.30/16 >"$work/last.out" 2>&1; then
    fail "(g $version) a wrong passphrase was accepted"
  elif grep -q "invalid passphrase or corrupt private key" "$work/last.out" && [ ! -e wrong.crt ] &&
       [ ! -e wrong.key ]; then
    pass "(g $version) a wrong passphrase for nebula-cert's encrypted CA is refused, nothing written"
  else
    fail "(g $version) wrong passphrase: $(cat "$work/last.out")"
  fi
  cd ..
done
unset NEBULA_CA_PASSPHRASE

# nebula 1.11.1 -test loads flatnet-cert's v2 CA, a v1+v2 host file and its key.
mkdir h && cd h
"$FLATNET_CERT" ca -name "Flatnet v2"
"$FLATNET_CERT" keygen -out-key lighthouse.key -out-pub lighthouse.pub
"$FLATNET_CERT" sign -name lighthouse -version 1 -networks 192.168.100.1/24 -in-pub lighthouse.pub -out-crt lh1.crt
"$FLATNET_CERT" sign -name lighthouse -networks 192.168.100.1/24,fd00::1/64 -in-pub lighthouse.pub -out-crt lh2.crt
cat lh1.crt lh2.crt > lighthouse.crt
write_config lighthouse.key
check "(h) nebula 1.11.1 -test accepts flatnet-cert's v2 CA and v1+v2 host file" \
  timeout 20 /opt/nebula/1.11.1/nebula -test -config config.yml
cd ..

# Every mode's -h lists the same flags, defaults and words as nebula-cert 1.11.1
# (cert_cli_compare_test.sh compares many more command lines).
for mode in ca keygen sign print verify; do
  n_help="$("$PRINT_CERT" "$mode" -h 2>&1 | sed "s#$PRINT_CERT#PROGRAM#; s#nebula-cert#PROGRAM#g")"
  f_help="$("$FLATNET_CERT" "$mode" -h 2>&1 | sed "s#$FLATNET_CERT#PROGRAM#; s#flatnet-cert#PROGRAM#g; s#nebula-cert#PROGRAM#g")"
  if [ "$n_help" = "$f_help" ]; then pass "$mode -h matches"; else
    fail "$mode -h differs"; diff <(echo "$n_help") <(echo "$f_help") | sed 's/^/     /' || true
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
