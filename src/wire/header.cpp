#include "wire/header.h"

#include <cstdio>

namespace flatnet::wire {

void EncodeHeader(const Header& header, uint8_t* out) {
  out[0] = uint8_t((header.version & 0x0f) << 4 | (static_cast<uint8_t>(header.type) & 0x0f));
  out[1] = static_cast<uint8_t>(header.subtype);
  StoreBig16(out + 2, header.reserved);
  StoreBig32(out + 4, header.remote_index);
  StoreBig64(out + 8, header.message_counter);
}

Result<Header> ParseHeader(ByteSpan packet) {
  if (packet.size() < kHeaderSize) {
    return Status::Error("packet of " + std::to_string(packet.size()) +
                         " bytes is shorter than the 16-byte header");
  }
  Header header;
  header.version = packet[0] >> 4;
  if (header.version != kHeaderVersion) {
    return Status::Error("header version " + std::to_string(header.version) +
                         " is not supported (only version 1 exists)");
  }
  header.type = static_cast<MessageType>(packet[0] & 0x0f);
  header.subtype = static_cast<MessageSubType>(packet[1]);
  header.reserved = LoadBig16(&packet[2]);
  header.remote_index = LoadBig32(&packet[4]);
  header.message_counter = LoadBig64(&packet[8]);
  return header;
}

std::string HeaderToString(const Header& header) {
  char reserved[8];
  std::snprintf(reserved, sizeof reserved, "%#x", header.reserved);
  std::string out = "ver=" + std::to_string(header.version);
  out += " type=";
  out += TypeName(header.type);
  out += " subtype=";
  out += SubTypeName(header.type, header.subtype);
  out += " reserved=";
  // Go's %#x prints zero as 0x0; C's prints it as 0.
  out += header.reserved == 0 ? "0x0" : reserved;
  out += " remoteindex=" + std::to_string(header.remote_index);
  out += " messagecounter=" + std::to_string(header.message_counter);
  return out;
}

}  // namespace flatnet::wire
