// Encoding and decoding of Nebula's protobuf messages (proto/nebula.proto) with errors as
// values: every decoder refuses bytes that are not a well-formed message of its type, naming
// the type, so a garbage payload from a peer becomes a log line, not a crash.
//
// Where the payloads travel (all inside an encrypted tunnel except the handshake's):
//   NebulaHandshake  handshake packets, as the Noise payload (see noise/handshake_state.h)
//   NebulaMeta       type lightHouse: queries, replies, updates, punch notifications
//   NebulaPing       (defined by Nebula 1.6.1 but not sent by it; test packets are raw bytes)
//   NebulaControl    type control: relay requests and responses
#pragma once

#include <google/protobuf/message_lite.h>

#include "base/bytes.h"
#include "base/status.h"
#include "wire/proto/nebula.pb.h"

namespace flatnet::wire {

// Serialises any message (deterministically: fields in number order, map-free schemas).
Bytes EncodeMessage(const google::protobuf::MessageLite& message);

// Each decoder fails on malformed protobuf. DecodeHandshake also fails when Details is
// absent, because every use of a handshake reads it (Nebula rejects such packets too).
Result<nebula::NebulaHandshake> DecodeHandshake(ByteSpan bytes);
Result<nebula::NebulaMeta> DecodeMeta(ByteSpan bytes);
Result<nebula::NebulaPing> DecodePing(ByteSpan bytes);
Result<nebula::NebulaControl> DecodeControl(ByteSpan bytes);

}  // namespace flatnet::wire
