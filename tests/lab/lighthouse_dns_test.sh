#!/usr/bin/env bash
# A flatnet lighthouse with lighthouse.serve_dns answers, over the overlay, A queries for
# the certificate names of hosts it has met and of itself, TXT queries with a host's
# certificate, and says NXDOMAIN for unknown names but NOERROR (NODATA) for AAAA of an
# IPv4-only host, as nebula 1.11 does. A nebula 1.11.1 lighthouse beside it (lh2) gets the
# same A/AAAA questions and must give the same answers (TXT is left out there: 1.11 answers
# it only to itself and in JSON, where flatnet still has 1.6.1's text and askers).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
command -v dig >/dev/null || lab_fail "dig is not installed (scripts/setup.sh installs dnsutils)"

lab_init lhdns
lab_segment wire 198.51.100.0/24
lab_host lh --on wire
lab_host a --on wire
lab_host b --on wire
lab_host lh2 --on wire
lab_require flatnet nebula-1.11.1
lab_pki lh=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24 lh2=192.168.100.4/24
lab_config lh --am-lighthouse --serve-dns 5353
lab_config lh2 --am-lighthouse --serve-dns 5353
lab_config a --lighthouse lh --lighthouse lh2
lab_config b --lighthouse lh --lighthouse lh2
lab_start_daemon lh flatnet
lab_start_daemon lh2 nebula-1.11.1
lab_start_daemon a flatnet
lab_start_daemon b flatnet
lh_ip=$(lab_overlay lh)
lh2_ip=$(lab_overlay lh2)
for host in a b; do
  for ip in "$lh_ip" "$lh2_ip"; do
    lab_wait_for --timeout 10 -- lab_ping "$host" "$ip" || lab_fail "$host cannot reach lighthouse $ip"
  done
done

# check_111 LIGHTHOUSE_NAME IP: the answers nebula 1.11 gives, from LIGHTHOUSE_NAME at IP.
check_111() {
  local name=$1 ip=$2 answer status reply
  answer=$(lab_exec a dig +short +time=2 +tries=2 -p 5353 "@$ip" b A)
  [ "$answer" = "$(lab_overlay b)" ] || lab_fail "$name: A for b answered '$answer'"
  status=$(lab_exec a dig +time=2 +tries=2 -p 5353 "@$ip" nobody A | grep -o 'status: [A-Z]*')
  [ "$status" = "status: NXDOMAIN" ] || lab_fail "$name: an unknown name got '$status', expected NXDOMAIN"
  reply=$(lab_exec a dig +time=2 +tries=2 -p 5353 "@$ip" b AAAA)
  grep -q 'status: NOERROR' <<<"$reply" || lab_fail "$name: AAAA for IPv4-only b is not NOERROR: $reply"
  grep -q 'ANSWER: 0' <<<"$reply" || lab_fail "$name: AAAA for IPv4-only b has an answer: $reply"
  answer=$(lab_exec a dig +short +time=2 +tries=2 -p 5353 "@$ip" "$name" A)
  [ "$answer" = "$ip" ] || lab_fail "$name: A for its own name answered '$answer', expected $ip"
  echo "ok - $name: A for a host, NXDOMAIN for an unknown name, NODATA for AAAA of an IPv4-only host, its own name"
}
check_111 lh2 "$lh2_ip"  # nebula 1.11.1: the reference
check_111 lh "$lh_ip"    # flatnet gives the same

answer=$(lab_exec b dig +short +time=2 +tries=2 -p 5353 "@$lh_ip" -q A -t A)
[ "$answer" = "$(lab_overlay a)" ] || lab_fail "A query for A (any case) answered '$answer'"
echo "ok - names match in any letter case"
txt=$(lab_exec a dig +short +time=2 +tries=2 -p 5353 "@$lh_ip" "$(lab_overlay b)" TXT)
grep -q '"Name: b"' <<<"$txt" || lab_fail "TXT query for b's IP did not name its certificate: $txt"
echo "ok - TXT for $(lab_overlay b) shows its certificate"
echo "lighthouse_dns_test PASSED"
