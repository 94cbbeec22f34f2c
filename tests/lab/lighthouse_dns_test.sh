#!/usr/bin/env bash
# A flatnet lighthouse with lighthouse.serve_dns answers, over the overlay, A queries for
# the certificate names of hosts it has met and of itself, TXT queries with a host's
# certificate, and says NXDOMAIN for unknown names but NOERROR (NODATA) for AAAA of an
# IPv4-only host, as nebula 1.11 does.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
command -v dig >/dev/null || lab_fail "dig is not installed (scripts/setup.sh installs dnsutils)"

lab_init lhdns
lab_segment wire 198.51.100.0/24
lab_host lh --on wire
lab_host a --on wire
lab_host b --on wire
lab_pki lh=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24
lab_config lh --am-lighthouse --serve-dns 5353
lab_config a --lighthouse lh
lab_config b --lighthouse lh
lab_start_daemon lh flatnet
lab_start_daemon a flatnet
lab_start_daemon b flatnet
lh_ip=$(lab_overlay lh)
lab_wait_for --timeout 10 -- lab_ping a "$lh_ip" || lab_fail "a cannot reach the lighthouse"
lab_wait_for --timeout 10 -- lab_ping b "$lh_ip" || lab_fail "b cannot reach the lighthouse"

answer=$(lab_exec a dig +short +time=2 +tries=2 -p 5353 "@$lh_ip" b A)
[ "$answer" = "$(lab_overlay b)" ] || lab_fail "A query for b answered '$answer', expected $(lab_overlay b)"
echo "ok - the lighthouse resolves b to $answer over the overlay"
answer=$(lab_exec b dig +short +time=2 +tries=2 -p 5353 "@$lh_ip" -q A -t A)
[ "$answer" = "$(lab_overlay a)" ] || lab_fail "A query for A (any case) answered '$answer'"
echo "ok - names match in any letter case"
answer=$(lab_exec a dig +short +time=2 +tries=2 -p 5353 "@$lh_ip" nobody A)
[ -z "$answer" ] || lab_fail "an unknown name got an answer: '$answer'"
echo "ok - an unknown name gets no answer"
status=$(lab_exec a dig +time=2 +tries=2 -p 5353 "@$lh_ip" nobody A | grep -o 'status: [A-Z]*')
[ "$status" = "status: NXDOMAIN" ] || lab_fail "an unknown name got '$status', expected NXDOMAIN"
echo "ok - an unknown name is NXDOMAIN"
reply=$(lab_exec a dig +time=2 +tries=2 -p 5353 "@$lh_ip" b AAAA)
grep -q 'status: NOERROR' <<<"$reply" || lab_fail "AAAA for IPv4-only b is not NOERROR: $reply"
grep -q 'ANSWER: 0' <<<"$reply" || lab_fail "AAAA for IPv4-only b has an answer: $reply"
echo "ok - AAAA for an IPv4-only host is NODATA (NOERROR, no answer)"
answer=$(lab_exec a dig +short +time=2 +tries=2 -p 5353 "@$lh_ip" lh A)
[ "$answer" = "$lh_ip" ] || lab_fail "A query for the lighthouse's own name answered '$answer'"
echo "ok - the lighthouse answers its own name"
txt=$(lab_exec a dig +short +time=2 +tries=2 -p 5353 "@$lh_ip" "$(lab_overlay b)" TXT)
grep -q '"Name: b"' <<<"$txt" || lab_fail "TXT query for b's IP did not name its certificate: $txt"
echo "ok - TXT for $(lab_overlay b) shows its certificate"
echo "lighthouse_dns_test PASSED"
