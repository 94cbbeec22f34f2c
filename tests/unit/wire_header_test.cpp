// Nebula's 16-byte header: exact bytes against hand-computed examples, round trips, names
// as Nebula logs them, and refusal of short or foreign-version input.
#include <gtest/gtest.h>

#include "wire/header.h"

using namespace flatnet;
using namespace flatnet::wire;

namespace {

Bytes Encode(const Header& h) {
  Bytes out(kHeaderSize + 4, 0xee);  // trailing canaries: exactly 16 bytes are written
  EncodeHeader(h, out.data());
  return out;
}

TEST(WireHeader, EncodesTheHandComputedBytes) {
  Header h;
  h.type = MessageType::kLightHouse;
  h.subtype = MessageSubType::kNone;
  h.remote_index = 0xdeadbeef;
  h.message_counter = 0x0102030405060708;
  // 0x13: version 1 in the high nibble, type 3 in the low; then subtype, reserved, index,
  // counter, all big-endian.
  EXPECT_EQ(ToHex(Encode(h)), "13000000deadbeef0102030405060708eeeeeeee");

  Header stage2;
  stage2.type = MessageType::kHandshake;
  stage2.subtype = MessageSubType::kIxPsk0;
  stage2.remote_index = 0x00001234;
  stage2.message_counter = 2;
  EXPECT_EQ(ToHex(Encode(stage2)).substr(0, 32), "10000000000012340000000000000002");

  Header reply;
  reply.type = MessageType::kTest;
  reply.subtype = MessageSubType::kTestReply;
  reply.remote_index = 1;
  reply.message_counter = ~uint64_t{0};
  EXPECT_EQ(ToHex(Encode(reply)).substr(0, 32),
            "14010000"
            "00000001"
            "ffffffffffffffff");
}

TEST(WireHeader, ParsesTheHandComputedBytes) {
  const Bytes packet = {0x16, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01, 0x00,
                        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xaa, 0xbb};
  Result<Header> h = ParseHeader(packet);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->version, 1);
  EXPECT_EQ(h->type, MessageType::kControl);
  EXPECT_EQ(h->subtype, MessageSubType::kNone);
  EXPECT_EQ(h->reserved, 0);
  EXPECT_EQ(h->remote_index, 0x80000001u);
  EXPECT_EQ(h->message_counter, 256u);
}

TEST(WireHeader, RoundTripsEveryTypeAndSubtype) {
  for (uint8_t type = 0; type < 16; ++type) {
    for (uint8_t subtype : {0, 1, 255}) {
      Header h;
      h.type = static_cast<MessageType>(type);
      h.subtype = static_cast<MessageSubType>(subtype);
      h.reserved = 0x0102;
      h.remote_index = 0xfedcba98u - type;
      h.message_counter = 0x8000000000000000ull + subtype;
      Bytes bytes = Encode(h);
      Result<Header> back = ParseHeader(bytes);
      ASSERT_TRUE(back.ok()) << back.status().message();
      EXPECT_EQ(*back, h) << int(type) << "/" << int(subtype);
    }
  }
}

TEST(WireHeader, RefusesInputShorterThan16Bytes) {
  Bytes full = Encode(Header{});
  for (size_t len = 0; len < kHeaderSize; ++len) {
    Result<Header> h = ParseHeader(ByteSpan(full).first(len));
    ASSERT_FALSE(h.ok()) << len;
    EXPECT_EQ(h.status().message(),
              "packet of " + std::to_string(len) + " bytes is shorter than the 16-byte header");
  }
  EXPECT_TRUE(ParseHeader(ByteSpan(full).first(kHeaderSize)).ok());
}

TEST(WireHeader, RefusesVersionsOtherThan1) {
  for (uint8_t version : {0, 2, 15}) {
    Bytes bytes = Encode(Header{});
    bytes[0] = uint8_t(version << 4 | 1);
    Result<Header> h = ParseHeader(bytes);
    ASSERT_FALSE(h.ok()) << int(version);
    EXPECT_NE(h.status().message().find("version " + std::to_string(version)), std::string::npos)
        << h.status().message();
  }
}

TEST(WireHeader, NamesTypesAndSubtypesAsNebulaDoes) {
  EXPECT_EQ(TypeName(MessageType::kHandshake), "handshake");
  EXPECT_EQ(TypeName(MessageType::kMessage), "message");
  EXPECT_EQ(TypeName(MessageType::kRecvError), "recvError");
  EXPECT_EQ(TypeName(MessageType::kLightHouse), "lightHouse");
  EXPECT_EQ(TypeName(MessageType::kTest), "test");
  EXPECT_EQ(TypeName(MessageType::kCloseTunnel), "closeTunnel");
  EXPECT_EQ(TypeName(MessageType::kControl), "control");
  EXPECT_EQ(TypeName(static_cast<MessageType>(9)), "unknown");

  EXPECT_EQ(SubTypeName(MessageType::kMessage, MessageSubType::kNone), "none");
  EXPECT_EQ(SubTypeName(MessageType::kMessage, MessageSubType::kRelay), "relay");
  EXPECT_EQ(SubTypeName(MessageType::kTest, MessageSubType::kTestRequest), "testRequest");
  EXPECT_EQ(SubTypeName(MessageType::kTest, MessageSubType::kTestReply), "testReply");
  EXPECT_EQ(SubTypeName(MessageType::kHandshake, MessageSubType::kIxPsk0), "ix_psk0");
  EXPECT_EQ(SubTypeName(MessageType::kLightHouse, MessageSubType::kNone), "none");
  EXPECT_EQ(SubTypeName(MessageType::kCloseTunnel, MessageSubType::kNone), "none");
  // Pairings Nebula leaves undefined (handshake subtype 1 is its unused XX).
  EXPECT_EQ(SubTypeName(MessageType::kHandshake, static_cast<MessageSubType>(1)), "unknown");
  EXPECT_EQ(SubTypeName(MessageType::kLightHouse, static_cast<MessageSubType>(1)), "unknown");
  EXPECT_EQ(SubTypeName(static_cast<MessageType>(12), MessageSubType::kNone), "unknown");
}

TEST(WireHeader, PrintsLikeNebulasLogLine) {
  Header h;
  h.type = MessageType::kHandshake;
  h.subtype = MessageSubType::kIxPsk0;
  h.message_counter = 1;
  EXPECT_EQ(HeaderToString(h),
            "ver=1 type=handshake subtype=ix_psk0 reserved=0x0 remoteindex=0 messagecounter=1");
  h.type = MessageType::kTest;
  h.subtype = MessageSubType::kTestReply;
  h.reserved = 0x1f;
  h.remote_index = 42;
  EXPECT_EQ(HeaderToString(h),
            "ver=1 type=test subtype=testReply reserved=0x1f remoteindex=42 messagecounter=1");
}

}  // namespace
