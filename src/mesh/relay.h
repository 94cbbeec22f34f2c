// Relay: one leg of a relayed path (Nebula 1.6's relays), as one host sees it.
//
// A relayed path A -> R -> B has four legs, two on R and one on each end. Every leg lives on
// a tunnel to its next hop (`via`) and has an index pair on that tunnel: ours (`local_index`,
// which the next hop puts in the header of relayed messages it sends us) and the next hop's
// (`remote_index`, which we put in ours). On A and B the leg is kTerminal (the relayed
// payload is for us); on R both legs are kForwarding and name each other through `peer`.
//
// A relayed message is a header of type message/relay naming the leg's remote index, then the
// inner Nebula packet as it is (sealed end to end by A and B, which R cannot open), then a
// 16-byte AEAD tag made with the via tunnel's key over the header and the inner packet: R
// proves who sent it without being able to read it.
#pragma once

#include <cstdint>

#include "base/ip_prefix.h"

namespace flatnet::mesh {

enum class RelayType : uint8_t { kTerminal, kForwarding };
enum class RelayState : uint8_t { kRequested, kEstablished };

struct Relay {
  RelayType type = RelayType::kTerminal;
  RelayState state = RelayState::kRequested;
  uint32_t local_index = 0;
  uint32_t remote_index = 0;
  IpAddr via;   // overlay IP of the next hop (the tunnel this leg runs on)
  IpAddr peer;  // terminal: the far end; forwarding: the host on the other leg
};

}  // namespace flatnet::mesh
