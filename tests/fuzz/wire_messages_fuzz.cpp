// Nebula's protobuf messages as a peer sends them inside a tunnel (src/wire/messages.h):
// lighthouse NebulaMeta (queries, replies, updates, punches) with their addresses,
// NebulaControl (relay requests), NebulaPing and NebulaHandshake.
//
// Input: byte 0 picks the decoder, the rest is the message. Whatever decodes must
// re-encode to bytes that decode to the same message (flatnet re-sends lighthouse
// replies it built from such messages).
#include <cstdint>

#include "mesh/lighthouse_addresses.h"
#include "tests/fuzz/fuzz_support.h"
#include "wire/messages.h"

using namespace flatnet;

namespace {

template <typename Message>
void CheckRoundTrip(const Message& message, Result<Message> (*decode)(ByteSpan)) {
  Bytes encoded = wire::EncodeMessage(message);
  auto again = decode(encoded);
  if (!again.ok()) fuzz::Fail("a decoded message does not decode after re-encoding");
  if (wire::EncodeMessage(*again) != encoded) fuzz::Fail("re-encoding is not stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ByteSpan bytes(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto meta = wire::DecodeMeta(bytes);
      if (!meta.ok()) return 0;
      (void)mesh::AddressesOf(meta->details());
      CheckRoundTrip(*meta, &wire::DecodeMeta);
      return 0;
    }
    case 1: {
      auto control = wire::DecodeControl(bytes);
      if (control.ok()) CheckRoundTrip(*control, &wire::DecodeControl);
      return 0;
    }
    case 2: {
      auto ping = wire::DecodePing(bytes);
      if (ping.ok()) CheckRoundTrip(*ping, &wire::DecodePing);
      return 0;
    }
    default: {
      auto handshake = wire::DecodeHandshake(bytes);
      if (handshake.ok()) CheckRoundTrip(*handshake, &wire::DecodeHandshake);
      return 0;
    }
  }
}
