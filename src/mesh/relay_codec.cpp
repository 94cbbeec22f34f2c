#include "mesh/relay_codec.h"

#include "noise/tunnel_cipher.h"
#include "wire/header.h"

namespace flatnet::mesh {

bool RelayPathOf(const HostMap::Snapshot& snapshot, const Tunnel& tunnel, Tunnel** via,
                 uint32_t* remote_index) {
  const Relay* leg = snapshot.FindRelay(tunnel.via_relay(), tunnel.vpn_ip());
  // The leg names the peer as our handshake did, which may be another of its addresses.
  for (size_t i = 1; !leg && i < tunnel.vpn_addrs().size(); ++i)
    leg = snapshot.FindRelay(tunnel.via_relay(), tunnel.vpn_addrs()[i]);
  *via = snapshot.FindByVpnIp(tunnel.via_relay());
  if (!leg || leg->state != RelayState::kEstablished || !*via) return false;
  *remote_index = leg->remote_index;
  return true;
}

long WrapRelayed(Tunnel& via, int slot, uint32_t remote_relay_index, uint8_t* out, size_t capacity,
                 size_t inner_length) {
  if (inner_length + kRelayOverhead > capacity) return -1;
  wire::Header header;
  header.type = wire::MessageType::kMessage;
  header.subtype = wire::MessageSubType::kRelay;
  header.remote_index = remote_relay_index;
  header.message_counter = via.NextSendCounter();
  if (header.message_counter == 0) return kSendSpent;
  wire::EncodeHeader(header, out);
  // Nothing is encrypted: the header and the inner packet are all associated data, and
  // the output is just the tag.
  size_t authenticated = wire::kHeaderSize + inner_length;
  long tag = via.CipherFor(slot).Seal(header.message_counter, ByteSpan(out, authenticated),
                                      ByteSpan(), out + authenticated);
  if (tag < 0) return -1;
  via.MarkOut();
  return long(authenticated) + tag;
}

UnwrapResult UnwrapRelayed(Tunnel& via, int slot, uint64_t counter, ByteSpan datagram,
                           ByteSpan* inner) {
  constexpr size_t kTag = noise::TunnelCipher::kTagSize;
  if (datagram.size() < wire::kHeaderSize + kTag) return UnwrapResult::kAuth;
  if (!via.ReplayCheck(counter)) return UnwrapResult::kReplay;
  ByteSpan authenticated = datagram.first(datagram.size() - kTag);
  ByteSpan tag = datagram.last(kTag);
  uint8_t scratch[1];
  if (via.CipherFor(slot).Open(counter, authenticated, tag, scratch) != 0)
    return UnwrapResult::kAuth;
  if (!via.ReplayUpdate(counter)) return UnwrapResult::kReplay;
  via.MarkIn();
  *inner = authenticated.subspan(wire::kHeaderSize);
  return UnwrapResult::kOk;
}

}  // namespace flatnet::mesh
