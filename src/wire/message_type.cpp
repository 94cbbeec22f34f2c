#include "wire/message_type.h"

namespace flatnet::wire {

std::string_view TypeName(MessageType type) {
  switch (type) {
    case MessageType::kHandshake:
      return "handshake";
    case MessageType::kMessage:
      return "message";
    case MessageType::kRecvError:
      return "recvError";
    case MessageType::kLightHouse:
      return "lightHouse";
    case MessageType::kTest:
      return "test";
    case MessageType::kCloseTunnel:
      return "closeTunnel";
    case MessageType::kControl:
      return "control";
  }
  return "unknown";
}

std::string_view SubTypeName(MessageType type, MessageSubType subtype) {
  const uint8_t value = static_cast<uint8_t>(subtype);
  switch (type) {
    case MessageType::kMessage:
      if (value == 0) return "none";
      if (value == 1) return "relay";
      break;
    case MessageType::kTest:
      if (value == 0) return "testRequest";
      if (value == 1) return "testReply";
      break;
    case MessageType::kHandshake:
      if (value == 0) return "ix_psk0";
      break;
    case MessageType::kRecvError:
    case MessageType::kLightHouse:
    case MessageType::kCloseTunnel:
    case MessageType::kControl:
      if (value == 0) return "none";
      break;
  }
  return "unknown";
}

}  // namespace flatnet::wire
