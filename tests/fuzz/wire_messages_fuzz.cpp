// Nebula's protobuf messages as a peer sends them inside a tunnel (src/wire/messages.h):
// lighthouse NebulaMeta (queries, replies, updates, punches) with their addresses,
// NebulaControl (relay requests), NebulaPing and NebulaHandshake, with the overlay address
// fields of both generations (wire/versioned_fields.h: 1.6.1's uint32 ones, 1.10+'s Addr),
// and flatnet's own route hints (mesh/route_hint_codec.h).
//
// Input: byte 0 picks the decoder, the rest is the message. Whatever decodes must
// re-encode to bytes that decode to the same message (flatnet re-sends lighthouse
// replies it built from such messages), and the overlay addresses read from one must be
// what writing them back into a fresh message of the same version gives. The hosts of a
// route hints reply, encoded again, must come back the same in parts within the bound.
#include <cstdint>

#include "mesh/lighthouse_addresses.h"
#include "mesh/route_hint_codec.h"
#include "tests/fuzz/fuzz_support.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

using namespace flatnet;

namespace {

template <typename Message>
void CheckRoundTrip(const Message& message, Result<Message> (*decode)(ByteSpan)) {
  Bytes encoded = wire::EncodeMessage(message);
  auto again = decode(encoded);
  if (!again.ok()) fuzz::Fail("a decoded message does not decode after re-encoding");
  if (wire::EncodeMessage(*again) != encoded) fuzz::Fail("re-encoding is not stable");
}

void CheckMetaFields(const nebula::NebulaMetaDetails& details) {
  (void)wire::MetaRelaysOf(details);
  auto named = wire::MetaVpnAddrOf(details);
  if (!named.ok()) return;
  nebula::NebulaMetaDetails fresh;
  // v1 fields hold IPv4 only; a v1 message's address always is one.
  if (!wire::SetMetaVpnAddr(&fresh, named->version, named->addr).ok()) {
    if (named->version == cert::Version::kV1) fuzz::Fail("a v1 address cannot be written back");
    return;
  }
  auto again = wire::MetaVpnAddrOf(fresh);
  if (!again.ok() || again->version != named->version || again->addr != named->addr)
    fuzz::Fail("a lighthouse address does not survive being written back");
}

void CheckControlFields(const nebula::NebulaControl& control) {
  auto addrs = wire::ControlRelayAddrsOf(control);
  if (!addrs.ok()) return;
  nebula::NebulaControl fresh;
  if (!wire::SetControlRelayAddrs(&fresh, addrs->version, addrs->from, addrs->to).ok()) {
    if (addrs->version == cert::Version::kV1) fuzz::Fail("v1 relay addresses cannot be written");
    return;
  }
  auto again = wire::ControlRelayAddrsOf(fresh);
  if (!again.ok() || again->version != addrs->version || again->from != addrs->from ||
      again->to != addrs->to)
    fuzz::Fail("relay addresses do not survive being written back");
}

void CheckRouteHints(ByteSpan bytes) {
  auto hints = mesh::DecodeRouteHints(bytes);
  if (!hints.ok() || !hints->is_reply) return;
  size_t left_out = 0;
  std::vector<mesh::RouteHintHost> again;
  for (const Bytes& part : mesh::EncodeRouteHintsReply(hints->query, hints->hosts, &left_out)) {
    if (part.size() > mesh::kMaxRouteHintsMessage) fuzz::Fail("a route hints part past the bound");
    auto decoded = mesh::DecodeRouteHints(part);
    if (!decoded.ok()) fuzz::Fail("a route hints reply we encoded does not decode");
    again.insert(again.end(), decoded->hosts.begin(), decoded->hosts.end());
  }
  if (left_out == 0 && again != hints->hosts) fuzz::Fail("route hints do not survive re-encoding");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ByteSpan bytes(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      auto meta = wire::DecodeMeta(bytes);
      if (!meta.ok()) return 0;
      (void)mesh::AddressesOf(meta->details());
      CheckMetaFields(meta->details());
      CheckRoundTrip(*meta, &wire::DecodeMeta);
      return 0;
    }
    case 1: {
      auto control = wire::DecodeControl(bytes);
      if (!control.ok()) return 0;
      CheckControlFields(*control);
      CheckRoundTrip(*control, &wire::DecodeControl);
      return 0;
    }
    case 2: {
      auto ping = wire::DecodePing(bytes);
      if (ping.ok()) CheckRoundTrip(*ping, &wire::DecodePing);
      return 0;
    }
    case 4:
      CheckRouteHints(bytes);
      return 0;
    default: {
      auto handshake = wire::DecodeHandshake(bytes);
      if (!handshake.ok()) return 0;
      if (handshake->has_details()) (void)wire::HandshakeCertVersionOf(handshake->details());
      CheckRoundTrip(*handshake, &wire::DecodeHandshake);
      return 0;
    }
  }
}
