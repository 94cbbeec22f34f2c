// Wrapping and unwrapping relayed messages (see relay.h for their layout).
//
// Contract: both work in place, allocate nothing, and may be called from any thread with
// that thread's cipher slot. Wrap expects the inner packet already at out + 16 and writes
// the outer header in front and the tag behind it; Unwrap authenticates a whole relayed
// datagram on the via tunnel (replay window included) and returns the inner packet.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "mesh/host_map.h"
#include "mesh/tunnel.h"
#include "noise/tunnel_cipher.h"
#include "wire/header.h"

namespace flatnet::mesh {

// Where a tunnel that goes through a relay sends its packets: the tunnel to the relay and
// the relay's index for our established leg. False when that path is gone.
bool RelayPathOf(const HostMap::Snapshot& snapshot, const Tunnel& tunnel, Tunnel** via,
                 uint32_t* remote_index);

// What a relay message adds around its inner packet: a header in front, a tag behind.
inline constexpr size_t kRelayOverhead = wire::kHeaderSize + noise::TunnelCipher::kTagSize;

// Returns the relayed datagram's length (16 + inner_length + 16), or -1 when that exceeds
// `capacity` (nothing is written) or sealing fails, kSendSpent when `via` may send no more.
long WrapRelayed(Tunnel& via, int slot, uint32_t remote_relay_index, uint8_t* out, size_t capacity,
                 size_t inner_length);

enum class UnwrapResult { kOk, kReplay, kAuth };
// `datagram` has already been parsed as message/relay with this counter.
UnwrapResult UnwrapRelayed(Tunnel& via, int slot, uint64_t counter, ByteSpan datagram,
                           ByteSpan* inner);

}  // namespace flatnet::mesh
