// SealForPeer: the one way every sender turns a payload into the datagram for a tunnel's
// peer — the inside path, the outside path's test replies and rejects, and the control
// thread.
//
// Contract: seals `payload` as (type, subtype) under the tunnel's next message counter with
// the calling thread's cipher `slot`, straight into `out`. A tunnel through a relay is then
// wrapped for the relay (relay_codec.h) with our established leg and goes to the relay's
// address; a direct one goes to the tunnel's remote. Allocates nothing and may run on any
// thread. On failure nothing is to be sent and the result says why, so the caller counts
// it (CountSealFailure): no established relay path, sealing failed or did not fit `out`,
// wrapping failed or did not fit, or the tunnel (or the relay's) may send no more
// (kSendSpent, tunnel.h SendLimits).
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "mesh/counters.h"
#include "mesh/host_map.h"
#include "mesh/tunnel.h"
#include "net/udp_addr.h"
#include "wire/header.h"

namespace flatnet::mesh {

enum class SealError { kNone, kNoRelayPath, kSeal, kWrap, kSendSpent };

struct SealedDatagram {
  SealError error = SealError::kNone;
  size_t length = 0;  // of the datagram at the start of `out`
  net::UdpAddr to;    // where it goes: the peer, or the relay
  bool ok() const { return error == SealError::kNone; }
};

SealedDatagram SealForPeer(const HostMap::Snapshot& tunnels, Tunnel& tunnel, int slot,
                           wire::MessageType type, wire::MessageSubType subtype, ByteSpan payload,
                           MutableByteSpan out);

// The counter of a failed SealForPeer: tx_dropped_no_route, tx_dropped_seal,
// tx_dropped_wrap or tx_dropped_send_limit.
void CountSealFailure(Counters& counters, SealError error);

}  // namespace flatnet::mesh
