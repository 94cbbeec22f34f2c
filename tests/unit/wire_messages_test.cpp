// Nebula's protobuf messages: field numbers pinned by hand-encoded bytes, round trips of
// every message, and garbage refused with an error naming the message type.
#include <gtest/gtest.h>

#include <string>

#include "hex_for_tests.h"
#include "wire/messages.h"

using namespace flatnet;
using namespace flatnet::wire;

namespace {

// NebulaMeta{Type: HostQuery, Details{OldVpnAddr 10.0.0.1, V4AddrPorts [10.0.0.1:4242],
// counter 7, V6AddrPorts [{Hi 1, Lo 2, Port 3}], OldRelayVpnAddrs [5, 6]}} (1.6.1's VpnIp,
// Ip4AndPorts, Ip6AndPorts, RelayVpnIp), encoded by hand from nebula.proto's field numbers
// (fields in number order, repeated scalars packed).
const char kMetaHex[] =
    "0801"                  // 1 Type = 1
    "121d"                  // 2 Details, 29 bytes:
    "0881808050"            //   1 OldVpnAddr = 0x0a000001
    "12080881808050109221"  //   2 V4AddrPorts {1 Addr, 2 Port = 4242}
    "1807"                  //   3 counter = 7
    "2206080110021803"      //   4 V6AddrPorts {1 Hi = 1, 2 Lo = 2, 3 Port = 3}
    "2a020506";             //   5 OldRelayVpnAddrs = [5, 6], packed

TEST(WireMessages, NebulaMetaMatchesHandEncodedBytes) {
  nebula::NebulaMeta meta;
  meta.set_type(nebula::NebulaMeta::HostQuery);
  auto* d = meta.mutable_details();
  d->set_oldvpnaddr(0x0a000001);
  auto* v4 = d->add_v4addrports();
  v4->set_addr(0x0a000001);
  v4->set_port(4242);
  d->set_counter(7);
  auto* v6 = d->add_v6addrports();
  v6->set_hi(1);
  v6->set_lo(2);
  v6->set_port(3);
  d->add_oldrelayvpnaddrs(5);
  d->add_oldrelayvpnaddrs(6);
  EXPECT_EQ(ToHex(EncodeMessage(meta)), kMetaHex);

  Result<nebula::NebulaMeta> back = DecodeMeta(FromHex(kMetaHex));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->type(), nebula::NebulaMeta::HostQuery);
  EXPECT_EQ(back->details().oldvpnaddr(), 0x0a000001u);
  ASSERT_EQ(back->details().v4addrports_size(), 1);
  EXPECT_EQ(back->details().v4addrports(0).port(), 4242u);
  EXPECT_EQ(back->details().counter(), 7u);
  ASSERT_EQ(back->details().v6addrports_size(), 1);
  EXPECT_EQ(back->details().v6addrports(0).lo(), 2u);
  ASSERT_EQ(back->details().oldrelayvpnaddrs_size(), 2);
  EXPECT_EQ(back->details().oldrelayvpnaddrs(1), 6u);
}

TEST(WireMessages, MetaTypeNumbersAreNebulas) {
  EXPECT_EQ(nebula::NebulaMeta::HostQueryReply, 2);
  EXPECT_EQ(nebula::NebulaMeta::HostUpdateNotification, 3);
  EXPECT_EQ(nebula::NebulaMeta::HostPunchNotification, 5);
  EXPECT_EQ(nebula::NebulaMeta::PathCheckReply, 9);
  EXPECT_EQ(nebula::NebulaMeta::HostUpdateNotificationAck, 10);
  EXPECT_EQ(nebula::NebulaControl::CreateRelayRequest, 1);
  EXPECT_EQ(nebula::NebulaControl::CreateRelayResponse, 2);
  EXPECT_EQ(nebula::NebulaPing::Reply, 1);
}

TEST(WireMessages, HandshakeFieldNumbersAndRoundTrip) {
  // NebulaHandshake{Details{Cert "abc", InitiatorIndex 4242, ResponderIndex 1, Cookie 0,
  // Time 1700000000123456789}, Hmac "h"}
  const Bytes hand = FromHex(
      "0a14"
      "0a03616263"
      "109221"
      "1801"
      "28959a97ece39fe7cb17"
      "120168");
  Result<nebula::NebulaHandshake> hs = DecodeHandshake(hand);
  ASSERT_TRUE(hs.ok()) << hs.status().message();
  EXPECT_EQ(hs->details().cert(), "abc");
  EXPECT_EQ(hs->details().initiatorindex(), 4242u);
  EXPECT_EQ(hs->details().responderindex(), 1u);
  EXPECT_EQ(hs->details().time(), 1700000000123456789ull);
  EXPECT_EQ(hs->hmac(), "h");
  EXPECT_EQ(EncodeMessage(*hs), hand);
}

TEST(WireMessages, ControlAndPingRoundTrip) {
  nebula::NebulaControl control;
  control.set_type(nebula::NebulaControl::CreateRelayResponse);
  control.set_initiatorrelayindex(11);
  control.set_responderrelayindex(22);
  control.set_oldrelaytoaddr(0xc0a86401);
  control.set_oldrelayfromaddr(0xc0a86402);
  Result<nebula::NebulaControl> c = DecodeControl(EncodeMessage(control));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->SerializeAsString(), control.SerializeAsString());
  EXPECT_EQ(c->oldrelayfromaddr(), 0xc0a86402u);
  EXPECT_EQ(ToHex(EncodeMessage(control)).substr(0, 4), "0802");

  nebula::NebulaPing ping;
  ping.set_type(nebula::NebulaPing::Reply);
  ping.set_time(99);
  Result<nebula::NebulaPing> p = DecodePing(EncodeMessage(ping));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type(), nebula::NebulaPing::Reply);
  EXPECT_EQ(p->time(), 99u);
}

TEST(WireMessages, EmptyInputIsTheDefaultMessageExceptForHandshakes) {
  EXPECT_TRUE(DecodeMeta({}).ok());
  EXPECT_TRUE(DecodeControl({}).ok());
  Result<nebula::NebulaHandshake> hs = DecodeHandshake({});
  ASSERT_FALSE(hs.ok());
  EXPECT_EQ(hs.status().message(), "nebula.NebulaHandshake carries no Details");
}

TEST(WireMessages, GarbageFailsWithTheMessageTypeNamed) {
  const char* garbage[] = {
      "0880",                    // varint cut short
      "12100801",                // length 16 but 2 bytes follow
      "0f",                      // wire type 7 does not exist
      "0001",                    // field number 0
      "ffffffffffffffffffffff",  // varint longer than 10 bytes
      "0c",                      // end-group without a start
  };
  for (const char* hex : garbage) {
    Bytes bytes = FromHex(hex);
    Result<nebula::NebulaMeta> meta = DecodeMeta(bytes);
    ASSERT_FALSE(meta.ok()) << hex;
    EXPECT_EQ(meta.status().message(),
              "malformed nebula.NebulaMeta (" + std::to_string(bytes.size()) + " bytes)");
    Result<nebula::NebulaHandshake> hs = DecodeHandshake(bytes);
    ASSERT_FALSE(hs.ok()) << hex;
    EXPECT_NE(hs.status().message().find("nebula.NebulaHandshake"), std::string::npos);
    EXPECT_FALSE(DecodeControl(bytes).ok()) << hex;
    EXPECT_FALSE(DecodePing(bytes).ok()) << hex;
  }
  // A truncated copy of a real message fails too.
  Bytes meta = FromHex(kMetaHex);
  EXPECT_FALSE(DecodeMeta(ByteSpan(meta).first(meta.size() - 3)).ok());
}

}  // namespace
