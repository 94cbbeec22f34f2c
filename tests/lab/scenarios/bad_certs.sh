#!/usr/bin/env bash
# Bad-certificate scenario: a victim running IMPL refuses hosts whose certificate it must
# not trust, and its log says why. The intruders and the good host run INTRUDERS.
#
#   bad_certs.sh --impl IMPL [--intruders IMPL]   (IMPL: flatnet, nebula, nebula-VERSION;
#                                                  intruders default to nebula, i.e. 1.6.1)
#
# On one segment: the victim, a good host (control: proves the victim works at all), and
# three intruders that each try to reach the victim over the overlay:
#   other-ca   cert signed by a CA the victim does not trust
#   expired    cert valid for a few seconds; the intruder starts while it is still valid
#              (nebula refuses to start with an expired cert) and knocks after it expired
#   blocked    cert from the right CA whose fingerprint is in the victim's pki.blocklist
# Each intruder must get no tunnel (its pings go unanswered), and the victim's log must
# hold nebula's "Invalid certificate from host" line for that intruder's address with the
# reason nebula gives (flatnet logs the same wording, so operators grep one thing). The
# blocklist reason is the one wording that changed: 1.6.1 says "certificate has been
# blocked", 1.11 "certificate is in the block list", and flatnet's certificates follow 1.11.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"

impl="" intruders=nebula
while [ $# -gt 0 ]; do
  case $1 in
    --impl) impl=$2; shift 2 ;;
    --intruders) intruders=$2; shift 2 ;;
    *) echo "bad_certs.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for arg in "$impl" "$intruders"; do
  lab_impl_ok "$arg" || { echo "bad_certs.sh: IMPL '$arg' is not one of $(lab_impl_names)" >&2; exit 2; }
done

# The victim's log line, and the reason for each intruder (1.11.1's cert/errors.go).
readonly REJECTED="Invalid certificate from host"
declare -A REASON=(
  [other-ca]="could not find ca for the certificate"
  [expired]="certificate is expired"
  [blocked]="certificate is in the block list"
)
# Nebula 1.6.1 words the blocklist refusal its own way; flatnet and 1.10+ say 1.11.1's.
case $impl in nebula | nebula-1.6.1) REASON[blocked]="certificate has been blocked" ;; esac
readonly EXPIRED_LIFETIME=4  # seconds; long enough for nebula to start with it

lab_init badcerts
echo "bad certificates scenario: victim=$impl, intruders=$intruders"
lab_segment wire 198.51.100.0/24
for host in victim good other-ca expired blocked; do lab_host "$host" --on wire; done

# Certificates. The short-lived one is signed last and its daemon started right away.
lab_ca
lab_ca --out rogue-ca --name "rogue CA"
lab_cert victim 192.168.100.1/24
lab_cert good 192.168.100.2/24
lab_cert other-ca 192.168.100.3/24 --ca rogue-ca
lab_cert blocked 192.168.100.5/24

lab_config victim --blocklist "$(lab_fingerprint blocked)"
lab_config good --static victim
lab_config other-ca --static victim --ca rogue-ca
lab_config blocked --static victim
for host in victim good other-ca blocked; do
  lab_start_daemon "$host" "$([ "$host" = victim ] && echo "$impl" || echo "$intruders")"
done
lab_cert expired 192.168.100.4/24 --duration "${EXPIRED_LIFETIME}s"
expires_at=$(($(date +%s) + EXPIRED_LIFETIME))
lab_config expired --static victim
lab_start_daemon expired "$intruders"
victim_ip=$(lab_overlay victim)

# ---- Control: a host with a good cert gets its tunnel ----------------------------------
lab_wait_for --timeout 10 -- lab_ping good "$victim_ip" ||
  lab_fail "control host ($intruders) with a good cert cannot reach the $impl victim; logs in $LAB_DIR"
echo "ok 1 - good cert: tunnel to the victim up after ${LAB_WAITED_MS} ms"

# ---- Intruders --------------------------------------------------------------------------
n=1
# check_refused INTRUDER: no reply within 4 s of pinging, and the victim logged why.
check_refused() {
  local who=$1 addr pattern
  addr="$(lab_ip "$who"):4242"
  if lab_wait_for --timeout 4 -- lab_ping "$who" "$victim_ip"; then
    lab_fail "$who: the victim answered over the overlay; a $who cert must get no tunnel"
  fi
  # One log line names the intruder's address, the rejection and the reason.
  pattern="udpAddr=\"\\?${addr//./\\.}\\(\"\\| \\|\$\\)"  # udpAddr=ADDR or udpAddr="ADDR"
  rejected() {
    grep -F "$REJECTED" "$(lab_log_of victim)" | grep -F "${REASON[$who]}" | grep -q "$pattern"
  }
  if ! lab_wait_for --timeout 2 -- rejected; then
    echo "--- victim log lines about $addr:" >&2
    grep -F "$addr" "$(lab_log_of victim)" | tail -n 5 >&2 || true
    lab_fail "$who: the victim's log has no '$REJECTED' line for $addr with '${REASON[$who]}'"
  fi
  n=$((n + 1))
  echo "ok $n - $who: no tunnel; victim logged \"$REJECTED\" ... \"${REASON[$who]}\""
}
check_refused other-ca
check_refused blocked
# Knock only once the short-lived cert has surely expired (whole seconds plus margin).
now=$(date +%s)
[ "$now" -gt "$expires_at" ] || sleep $((expires_at - now + 1))
lab_daemon_alive expired || lab_fail "the intruder with the short-lived cert exited early; see $(lab_log_of expired)"
check_refused expired

# The victim still serves the good host after all that.
lab_wait_for --timeout 5 -- lab_ping good "$victim_ip" ||
  lab_fail "the victim stopped answering the good host after the intruders"
echo "ok $((n + 1)) - victim still serves the good host"
echo "bad certificates scenario PASSED: victim=$impl, intruders=$intruders"
