#include "wire/messages.h"

#include <climits>
#include <string>

namespace flatnet::wire {
namespace {

template <typename M>
Result<M> Decode(ByteSpan bytes) {
  M message;
  if (bytes.size() > size_t(INT_MAX) || !message.ParseFromArray(bytes.data(), int(bytes.size()))) {
    return Status::Error("malformed " + message.GetTypeName() + " (" +
                         std::to_string(bytes.size()) + " bytes)");
  }
  return message;
}

}  // namespace

Bytes EncodeMessage(const google::protobuf::MessageLite& message) {
  Bytes out(message.ByteSizeLong());
  // Cannot fail for the messages of nebula.proto: they have no required fields.
  message.SerializeWithCachedSizesToArray(out.data());
  return out;
}

Result<nebula::NebulaHandshake> DecodeHandshake(ByteSpan bytes) {
  Result<nebula::NebulaHandshake> handshake = Decode<nebula::NebulaHandshake>(bytes);
  if (handshake.ok() && !handshake->has_details()) {
    return Status::Error("nebula.NebulaHandshake carries no Details");
  }
  return handshake;
}

Result<nebula::NebulaMeta> DecodeMeta(ByteSpan bytes) { return Decode<nebula::NebulaMeta>(bytes); }

Result<nebula::NebulaPing> DecodePing(ByteSpan bytes) { return Decode<nebula::NebulaPing>(bytes); }

Result<nebula::NebulaControl> DecodeControl(ByteSpan bytes) {
  return Decode<nebula::NebulaControl>(bytes);
}

}  // namespace flatnet::wire
