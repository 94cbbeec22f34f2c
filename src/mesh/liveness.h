// Liveness: Nebula's connection manager. A tunnel we send on but hear nothing back from for
// timers.connection_alive_interval gets a test message; if still nothing arrives within
// timers.pending_deletion_interval, the tunnel is dead and is removed, so the next packet
// starts a fresh handshake. Tunnels that carry traffic both ways cost nothing here.
//
// Send limits (tunnel.h SendLimits): a tunnel whose send counter passed rehandshake_after
// gets a new handshake (which replaces it when done); one that reached reject_after can
// seal nothing more and is closed locally, so the next packet handshakes anew.
//
// Test messages go through the Pinger, which measures their round trip; each new tunnel
// gets one such probe at its first check, and every check notes on the tunnel whether the
// peer was heard from (Tunnel::last_heard_ns), for `flatnet status`.
//
// Contract: every tunnel is checked once a second on the control thread (the tunnel check
// timer, control_timers.h, which Start arms), which reads the per-tunnel traffic flags the
// workers set (Tunnel::MarkIn/MarkOut). The timer checks one of kSlices slices of the host
// map's shards every 1/kSlices s, so a lighthouse with 50,000 tunnels never stalls its
// control thread for a whole pass (which held its query replies up by some 10 ms a second);
// Check does one whole pass at once (tests, and nothing else).
//
// tunnels.drop_inactive (Nebula 1.10+, off by default): a tunnel that carried nothing
// either way for tunnels.inactivity_timeout (10m) is closed, the peer told with a
// closeTunnel message, to be handshaken again when traffic returns. Lighthouse updates and
// liveness tests count as traffic, as in Nebula.
//
// Dependencies are explicit (control_ports.h): the timers' settings, the control thread's
// counters, the host map (read only), how to send, how to close a tunnel, how to start a
// handshake, and the timer queue. (Tunnels whose peer certificate is no longer valid are
// closed by the housekeeping timer, control_timers.h.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "base/log.h"
#include "mesh/control_ports.h"
#include "mesh/counters.h"
#include "mesh/settings.h"

namespace flatnet::mesh {

class HostMap;
class Pinger;

class Liveness {
 public:
  struct Deps {
    const NodeSettings& settings;  // alive and pending-deletion intervals, drop_inactive
    const log::Logger& logger;
    Counters& counters;  // the control thread's: tunnels_rekeyed
    const HostMap& host_map;
    ControlSender& send;
    TunnelEvents& tunnels;
    HandshakeStarter& handshakes;  // re-handshakes for worn-out send counters
    TimerScheduler& timers;
    Pinger& pinger;  // sends the test messages, measuring round trips (pinger.h)
  };
  explicit Liveness(Deps deps) : deps_(std::move(deps)) {}
  // Arms the tunnel check timer: the first slice is due 1/kSlices s from now.
  void Start(int64_t now_ns);
  // One pass over every tunnel: test probes, dead and inactive tunnels closed.
  void Check(int64_t now_ns);
  static constexpr int kSlices = 10;

 private:
  void ArmSlice(int64_t now_ns, int slice);
  // The pass over the tunnels in the host map's shards [first_shard, last_shard).
  void CheckShards(int64_t now_ns, size_t first_shard, size_t last_shard);
  const Deps deps_;
};

}  // namespace flatnet::mesh
