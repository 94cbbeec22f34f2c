// Liveness: Nebula's connection manager. A tunnel we send on but hear nothing back from for
// timers.connection_alive_interval gets a test message; if still nothing arrives within
// timers.pending_deletion_interval, the tunnel is dead and is removed, so the next packet
// starts a fresh handshake. Tunnels that carry traffic both ways cost nothing here.
//
// Send limits (tunnel.h SendLimits): a tunnel whose send counter passed rehandshake_after
// gets a new handshake (which replaces it when done); one that reached reject_after can
// seal nothing more and is closed locally, so the next packet handshakes anew.
//
// Contract: Tick runs on the control thread about once a second and reads the per-tunnel
// traffic flags the workers set (Tunnel::MarkIn/MarkOut).
//
// tunnels.drop_inactive (Nebula 1.10+, off by default): a tunnel that carried nothing
// either way for tunnels.inactivity_timeout (10m) is closed, the peer told with a
// closeTunnel message, to be handshaken again when traffic returns. Lighthouse updates and
// liveness tests count as traffic, as in Nebula.
//
// Each tick first closes the tunnels whose peer certificate is no longer valid
// (pki.disconnect_invalid, invalid_certs.h), as Nebula's traffic check does first.
#pragma once

#include <cstdint>

namespace flatnet::mesh {

class Node;

class Liveness {
 public:
  explicit Liveness(Node& node) : node_(node) {}
  // Returns when it next needs to run.
  int64_t Tick(int64_t now_ns);

 private:
  Node& node_;
};

}  // namespace flatnet::mesh
