// ControlTimers: every timer of the control thread, in one queue, driven from one loop
// (Node::RunControl: wait for a ControlEvent or the next due timer, then run what is due).
// WireGuard's timers.c is the model: each timer is armed by the event that starts its wait
// and its expiry calls one function of the manager that owns the state. The whole state
// machine of a host's timers:
//
//   timer               armed when                                  on expiry
//   ------------------  ------------------------------------------  -----------------------------
//   handshake retry     a handshake starts, and at each resend,     HandshakeManager::RetryDue:
//   (per pending peer)  try_interval * attempts later               resend stage 1 to every
//                       (disarmed when the handshake ends)          address (and ask the
//                                                                   lighthouses when few are
//                                                                   known), or, after retries,
//                                                                   "Handshake timed out"
//   candidate expiry    a peer's first unproven candidate tunnel    HandshakeManager::
//   (per peer)          is kept; again for the next oldest          ExpireCandidates: candidates
//                                                                   older than 30 s go
//   tunnel check        Liveness::Start, then every 100 ms, one     Liveness: test probes for
//                       tenth of the tunnels each time              silent tunnels, dead and
//                                                                   inactive ones closed
//   conntrack purge     Node start, then every second               Firewall::PurgeExpired
//   expiry check        Node start, then every 100 ms, one tenth    Node::ExpiryCheckDue: tunnels
//                       of the tunnels each time                    with expired peer certs closed
//                                                                   (invalid_certs.h)
//   housekeeping        Node start, then every second               Node::HousekeepingDue: static
//                                                                   host names' new addresses applied
//                                                                   (static_hosts.h), handshakes
//                                                                   to ECMP gateways without one
//   lighthouse update   Lighthouse::Start (at once), then every     Lighthouse::UpdateDue:
//                       lighthouse.interval                         HostUpdateNotification
//   punch keepalive     Lighthouse::Start with punchy.punch, then   Lighthouse::PunchKeepaliveDue:
//                       every 10 s                                  1 byte to every remote
//   punch back          a HostPunchNotification, + punchy.delay     1 byte to each address it
//                       (and + punchy.early_delay when shorter)     named
//   punch respond       the same with punchy.respond,               a test message to the asker
//                       + punchy.respond_delay                      (a handshake if need be)
//
// Contract: control thread only (not thread-safe). Times are the steady clock in ns. RunDue
// fires every timer due at now_ns in due order (ties in the order armed), including ones an
// expiry arms that are already due; an expiry may arm and cancel timers freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "mesh/control_ports.h"
#include "net/timer_queue.h"

namespace flatnet::mesh {

class ControlTimers final : public TimerScheduler {
 public:
  TimerId At(int64_t due_ns, std::function<void(int64_t now_ns)> expired) override;
  void Cancel(TimerId id) override;

  // When the earliest armed timer is due, if any is.
  std::optional<int64_t> NextDue();
  // Runs every timer due at now_ns; returns how many ran.
  size_t RunDue(int64_t now_ns);
  size_t armed() const { return queue_.size(); }

 private:
  net::TimerQueue queue_;
  int64_t running_now_ns_ = 0;  // what RunDue passes to the expiries it runs
};

}  // namespace flatnet::mesh
