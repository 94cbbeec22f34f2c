// A raw UDP datagram from anyone, through the outside path's parsers (mesh/outside.cpp),
// without a running Node (Worker::ConsumeOutsidePacket needs one, with its sockets and TUN):
//   header -> by type:
//     handshake (counter 1, index 0) -> the stage-1 parse chain (handshake_chain.h)
//     message/relay -> relay unwrap on a known tunnel, then the inner datagram again
//     message, test, lightHouse, control, closeTunnel -> AEAD open, then the payload's parser:
//       the firewall's packet parser; NebulaMeta with its underlay addresses and its
//       versioned overlay fields (wire/versioned_fields.h: v1 OldVpnAddr or 1.10+ VpnAddr,
//       both relay lists); NebulaControl with its v1 or v2 relay addresses
// Forged tags never open, so each authenticated step is run twice: once on the stranger's
// bytes (which must be refused) and once on the same bytes sealed by the peer's end of the
// tunnel, which must come back unchanged and then reach the parser behind the AEAD.
#include <cstdint>
#include <cstring>
#include <vector>

#include "firewall/packet.h"
#include "mesh/lighthouse_addresses.h"
#include "mesh/relay_codec.h"
#include "net/udp_batch.h"
#include "tests/fuzz/handshake_chain.h"
#include "wire/versioned_fields.h"

using namespace flatnet;
using wire::MessageSubType;
using wire::MessageType;

namespace {

constexpr int kSlot = 0;

fuzz::TunnelPair& Tunnels() {
  static fuzz::TunnelPair pair = fuzz::MakeTunnelPair();
  return pair;
}

void ParseAuthenticated(const wire::Header& header, ByteSpan payload) {
  switch (header.type) {
    case MessageType::kMessage: {
      firewall::Packet packet;
      firewall::ParsePacket(payload, /*incoming=*/true, &packet);
      return;
    }
    case MessageType::kLightHouse: {
      auto meta = wire::DecodeMeta(payload);
      if (!meta.ok()) return;
      (void)mesh::AddressesOf(meta->details());
      (void)wire::MetaRelaysOf(meta->details());
      if (auto named = wire::MetaVpnAddrOf(meta->details()); named.ok()) {
        if (!named->addr.valid()) fuzz::Fail("a lighthouse message named an invalid address");
        (void)named->addr.ToString();
      }
      return;
    }
    case MessageType::kControl: {
      auto control = wire::DecodeControl(payload);
      if (!control.ok()) return;
      if (auto addrs = wire::ControlRelayAddrsOf(*control); addrs.ok()) {
        (void)addrs->from.ToString();
        (void)addrs->to.ToString();
      }
      return;
    }
    default:
      return;
  }
}

void ConsumeDatagram(ByteSpan datagram, bool via_relay);

void ConsumeRelayed(const wire::Header& header, ByteSpan datagram) {
  fuzz::TunnelPair& tunnels = Tunnels();
  ByteSpan inner;
  if (mesh::UnwrapRelayed(*tunnels.inbound, kSlot, header.message_counter, datagram, &inner) ==
      mesh::UnwrapResult::kOk)
    fuzz::Fail("a forged relayed datagram was authenticated");
  // The same inner bytes relayed by the genuine peer.
  ByteSpan original = datagram.subspan(wire::kHeaderSize);
  std::vector<uint8_t> buffer(original.size() + 2 * wire::kHeaderSize);
  std::memcpy(buffer.data() + wire::kHeaderSize, original.data(), original.size());
  long length = mesh::WrapRelayed(*tunnels.outbound, kSlot, 11, buffer.data(), buffer.size(),
                                  original.size());
  if (length < 0) fuzz::Fail("relay wrap failed");
  ByteSpan wrapped(buffer.data(), size_t(length));
  auto wrapped_header = wire::ParseHeader(wrapped);
  if (!wrapped_header.ok()) fuzz::Fail("wrapped relay header does not parse");
  if (mesh::UnwrapRelayed(*tunnels.inbound, kSlot, wrapped_header->message_counter, wrapped,
                          &inner) != mesh::UnwrapResult::kOk)
    fuzz::Fail("a genuine relayed datagram was refused");
  if (inner.size() != original.size() || !std::equal(inner.begin(), inner.end(), original.begin()))
    fuzz::Fail("relay unwrap changed the inner datagram");
  ConsumeDatagram(inner, /*via_relay=*/true);
}

void ConsumeTunnelMessage(const wire::Header& header, ByteSpan datagram) {
  fuzz::TunnelPair& tunnels = Tunnels();
  std::vector<uint8_t> copy(datagram.begin(), datagram.end());
  mesh::Tunnel& in = *tunnels.inbound;
  if (in.ReplayCheck(header.message_counter) &&
      in.CipherFor(kSlot).Open(
          header.message_counter, ByteSpan(copy.data(), wire::kHeaderSize),
          ByteSpan(copy.data() + wire::kHeaderSize, copy.size() - wire::kHeaderSize),
          copy.data() + wire::kHeaderSize) >= 0)
    fuzz::Fail("a forged tunnel message was authenticated");
  // The payload as the peer would have sent it.
  ByteSpan payload = datagram.subspan(wire::kHeaderSize);
  std::vector<uint8_t> sealed(payload.size() + 2 * wire::kHeaderSize);
  long length = tunnels.outbound->SealMessage(kSlot, header.type, header.subtype, payload,
                                              sealed.data(), sealed.size());
  if (length < 0) fuzz::Fail("seal failed");
  auto sealed_header = wire::ParseHeader(ByteSpan(sealed.data(), size_t(length)));
  if (!sealed_header.ok() || !in.ReplayCheck(sealed_header->message_counter))
    fuzz::Fail("a fresh sealed message was refused before its AEAD");
  uint8_t* plaintext = sealed.data() + wire::kHeaderSize;
  long opened = in.CipherFor(kSlot).Open(
      sealed_header->message_counter, ByteSpan(sealed.data(), wire::kHeaderSize),
      ByteSpan(plaintext, size_t(length) - wire::kHeaderSize), plaintext);
  if (opened < 0 || size_t(opened) != payload.size() ||
      !std::equal(payload.begin(), payload.end(), plaintext))
    fuzz::Fail("a genuine tunnel message did not open to its payload");
  if (!in.ReplayUpdate(sealed_header->message_counter)) fuzz::Fail("replay update refused");
  ParseAuthenticated(*sealed_header, ByteSpan(plaintext, size_t(opened)));
}

void ConsumeDatagram(ByteSpan datagram, bool via_relay) {
  if (datagram.size() > net::kMaxDatagramSize && !via_relay) return;
  auto header = wire::ParseHeader(datagram);
  if (!header.ok()) return;
  switch (header->type) {
    case MessageType::kHandshake:
      if (header->subtype == MessageSubType::kIxPsk0 && header->message_counter == 1 &&
          header->remote_index == 0)
        fuzz::HandleStage1Datagram(datagram);
      return;
    case MessageType::kMessage:
      if (header->subtype == MessageSubType::kRelay) {
        if (!via_relay) ConsumeRelayed(*header, datagram);
        return;
      }
      if (header->subtype != MessageSubType::kNone) return;
      [[fallthrough]];
    case MessageType::kTest:
    case MessageType::kLightHouse:
    case MessageType::kControl:
    case MessageType::kCloseTunnel:
      ConsumeTunnelMessage(*header, datagram);
      return;
    default:
      return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool setup = (fuzz::SilenceLogs(), Tunnels(), true);
  (void)setup;
  ConsumeDatagram(ByteSpan(data, size), /*via_relay=*/false);
  return 0;
}
