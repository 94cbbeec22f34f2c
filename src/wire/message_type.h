// The message types and subtypes of Nebula's packet header (header/header.go, v1.6.1), and
// the names Nebula prints for them, so logs read the same on both implementations.
#pragma once

#include <cstdint>
#include <string_view>

namespace flatnet::wire {

// The low nibble of the header's first byte.
enum class MessageType : uint8_t {
  kHandshake = 0,
  kMessage = 1,
  kRecvError = 2,
  kLightHouse = 3,
  kTest = 4,
  kCloseTunnel = 5,
  kControl = 6,
};

// The header's second byte. Its meaning depends on the type, hence the shared values.
enum class MessageSubType : uint8_t {
  kNone = 0,         // every type without subtypes; also message/none, a tunnelled packet
  kRelay = 1,        // message/relay: the payload is another packet being relayed
  kTestRequest = 0,  // test
  kTestReply = 1,    // test
  kIxPsk0 = 0,       // handshake: Noise IX (the name is historical; no PSK is used)
};

// "handshake", "message", "recvError", "lightHouse", "test", "closeTunnel", "control", or
// "unknown".
std::string_view TypeName(MessageType type);
// "none", "relay", "testRequest", "testReply", "ix_psk0", or "unknown" for a pairing Nebula
// does not define.
std::string_view SubTypeName(MessageType type, MessageSubType subtype);

}  // namespace flatnet::wire
