// RelayManager: setting up relayed paths (Nebula 1.6's CreateRelayRequest/Response), on the
// control thread. The legs it creates live in the HostMap (relay.h); workers forward and
// unwrap relayed messages with them.
//
// Setup of A -> R -> B, started by A's handshake manager when B has relays and no direct
// tunnel comes up:
//   A: leg (via R, peer B, terminal, requested); CreateRelayRequest{A's index, A->B} to R.
//   R (relay.am_relay only, and only towards a host it has a direct tunnel with):
//      leg (via B, peer A, forwarding, requested); CreateRelayRequest{R's index, A->B} to B;
//      leg (via A, peer B, forwarding) answering A's index.
//   B: leg (via R, peer A, terminal, established); CreateRelayResponse to R.
//   R: both legs established; CreateRelayResponse to A.   A: leg established.
// Then A's handshake with B goes through R (relayed stage 1 and 2), and the tunnel A-B
// carries data through R, which can authenticate but not read it.
//
// Dependencies (Deps) are explicit and narrow (control_ports.h): who we are, the host map
// the legs live in, how to send, and the handshake manager's Initiate and Trigger. A unit
// test builds one with fakes. Control thread only.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/log.h"
#include "mesh/control_ports.h"
#include "mesh/counters.h"

namespace nebula {
class NebulaControl;
}

namespace flatnet::mesh {

class HostMap;
struct HostCredentials;
class Tunnel;

class RelayManager : public RelayPaths {
 public:
  // Paths one peer may have set up through us as a relay (each is two legs). More requests
  // are refused and counted (relay_refused), so a member cannot fill our host map.
  static constexpr size_t kMaxPathsPerPeer = 32;

  struct Deps {
    bool am_relay;  // relay.am_relay at start
    const HostCredentials& me;
    const log::Logger& logger;
    Counters& counters;  // the control thread's
    HostMap& host_map;
    ControlSender& send;
    HandshakeStarter& handshakes;
  };
  explicit RelayManager(Deps deps);

  bool am_relay() const { return am_relay_; }
  // A reload (reload.h): whether new requests to relay for others are served. Paths through
  // us set up before stay until one of their tunnels ends (Nebula keeps them too).
  void set_am_relay(bool am_relay) { am_relay_ = am_relay; }
  // A decrypted control message from the tunnel's peer.
  void HandleMessage(Tunnel& from, ByteSpan payload, int64_t now_ns);
  // Handshake manager: get (or keep asking for) a relayed path to `target` through `relay`,
  // whose tunnel exists. Returns true when the leg is established.
  bool EnsurePath(Tunnel& relay, const IpAddr& target) override;
  // Sends a whole inner packet (a handshake) to `target` through `relay`'s established leg.
  bool SendThrough(const IpAddr& relay, const IpAddr& target, ByteSpan inner) override;

 private:
  // relay_from / relay_to: read from either generation's fields (wire/versioned_fields.h).
  void HandleRequest(Tunnel& from, const nebula::NebulaControl& request, const IpAddr& relay_from,
                     const IpAddr& relay_to, int64_t now_ns);
  void HandleResponse(Tunnel& from, const nebula::NebulaControl& response, const IpAddr& relay_from,
                      const IpAddr& relay_to);
  // Sends with the address fields of the receiving tunnel's certificate version.
  void SendControl(const IpAddr& to, int type, uint32_t initiator_index, uint32_t responder_index,
                   const IpAddr& relay_from, const IpAddr& relay_to);
  uint32_t NewRelayIndex() const;

  const Deps deps_;
  bool am_relay_;
};

}  // namespace flatnet::mesh
