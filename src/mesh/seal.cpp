#include "mesh/seal.h"

#include "mesh/relay_codec.h"

namespace flatnet::mesh {

SealedDatagram SealForPeer(const HostMap::Snapshot& tunnels, Tunnel& tunnel, int slot,
                           wire::MessageType type, wire::MessageSubType subtype, ByteSpan payload,
                           MutableByteSpan out) {
  SealedDatagram result;
  if (!tunnel.via_relay().valid()) {
    long sealed = tunnel.SealMessage(slot, type, subtype, payload, out.data(), out.size());
    if (sealed < 0) {
      result.error = sealed == kSendSpent ? SealError::kSendSpent : SealError::kSeal;
      return result;
    }
    result.length = size_t(sealed);
    result.to = tunnel.remote();
    return result;
  }
  Tunnel* via = nullptr;
  uint32_t relay_index = 0;
  if (!RelayPathOf(tunnels, tunnel, &via, &relay_index)) {
    result.error = SealError::kNoRelayPath;
    return result;
  }
  // The sealed message is the relay message's inner packet: it goes where Wrap expects it.
  if (out.size() < wire::kHeaderSize) {
    result.error = SealError::kSeal;
    return result;
  }
  long sealed = tunnel.SealMessage(slot, type, subtype, payload, out.data() + wire::kHeaderSize,
                                   out.size() - wire::kHeaderSize);
  if (sealed < 0) {
    result.error = sealed == kSendSpent ? SealError::kSendSpent : SealError::kSeal;
    return result;
  }
  long wrapped = WrapRelayed(*via, slot, relay_index, out.data(), out.size(), size_t(sealed));
  if (wrapped < 0) {
    result.error = wrapped == kSendSpent ? SealError::kSendSpent : SealError::kWrap;
    return result;
  }
  result.length = size_t(wrapped);
  result.to = via->remote();
  return result;
}

void CountSealFailure(Counters& counters, SealError error) {
  switch (error) {
    case SealError::kNone:
      return;
    case SealError::kNoRelayPath:
      Counters::Add(counters.tx_dropped_no_route);
      return;
    case SealError::kSeal:
      Counters::Add(counters.tx_dropped_seal);
      return;
    case SealError::kWrap:
      Counters::Add(counters.tx_dropped_wrap);
      return;
    case SealError::kSendSpent:
      Counters::Add(counters.tx_dropped_send_limit);
      return;
  }
}

}  // namespace flatnet::mesh
