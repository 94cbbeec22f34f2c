// Nebula's 16-byte packet header (header/header.go, v1.6.1), all fields big-endian:
//
//   byte 0      version (high nibble, always 1) | message type (low nibble)
//   byte 1      subtype
//   bytes 2-3   reserved (sent as 0)
//   bytes 4-7   remote index: the receiver's index for this tunnel (0 in a first handshake)
//   bytes 8-15  message counter: the sender's per-tunnel packet number, also the AEAD nonce
//
// The header travels in clear in front of every packet and is the associated data of the
// tunnel's AEAD. Encoding and parsing allocate nothing.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "wire/message_type.h"

namespace flatnet::wire {

constexpr size_t kHeaderSize = 16;
constexpr uint8_t kHeaderVersion = 1;

struct Header {
  uint8_t version = kHeaderVersion;
  MessageType type = MessageType::kHandshake;
  MessageSubType subtype = MessageSubType::kNone;
  uint16_t reserved = 0;
  uint32_t remote_index = 0;
  uint64_t message_counter = 0;

  bool operator==(const Header&) const = default;
};

// Writes the 16 header bytes to out. Only the low nibbles of version and type fit; the
// reserved field is written as given (0 unless set), as Nebula always sends 0.
void EncodeHeader(const Header& header, uint8_t* out);

// Reads the header at the start of packet (the payload after it is left to the caller).
// Fails on fewer than 16 bytes and on a version other than 1; unknown types parse, so the
// caller can count and drop them by name.
Result<Header> ParseHeader(ByteSpan packet);

// "ver=1 type=handshake subtype=ix_psk0 reserved=0x0 remoteindex=0 messagecounter=1", the
// form Nebula logs.
std::string HeaderToString(const Header& header);

}  // namespace flatnet::wire
