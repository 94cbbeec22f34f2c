// Route hints on the wire (mesh/route_hint_codec.h): what a query and a reply carry, that a
// reply is split into bounded parts, that Nebula's NebulaMeta reads each as a message of a
// type it lacks with Details present, and that malformed ones are refused.
#include <gtest/gtest.h>

#include <string>

#include "mesh/route_hint_codec.h"
#include "wire/messages.h"
#include "wire/proto/flatnet_route_hints.pb.h"

namespace flatnet::mesh {
namespace {

IpAddr Ip(const char* text) { return *ParseIpAddr(text); }
IpPrefix Net(const char* text) { return *ParseIpPrefix(text); }

Result<RouteHintsMessage> Decode(const Bytes& bytes) {
  return DecodeRouteHints(ByteSpan(bytes.data(), bytes.size()));
}

Bytes Encode(const flatnet::RouteHintsMeta& meta) { return wire::EncodeMessage(meta); }

// A well-formed one-part reply naming one host, to be spoiled by each test.
flatnet::RouteHintsMeta GoodReply() {
  flatnet::RouteHintsMeta meta;
  meta.set_type(kRouteHintsReplyType);
  meta.mutable_details();
  auto* hints = meta.mutable_hints();
  hints->set_query(7);
  hints->set_parts(1);
  auto* host = hints->add_hosts();
  host->set_vpnaddr(std::string("\xc0\xa8\x64\x03", 4));
  auto* network = host->add_networks();
  network->set_addr(std::string("\x0a\x64\x03\x00", 4));
  network->set_bits(24);
  return meta;
}

TEST(RouteHintCodec, AQueryCarriesItsNumber) {
  auto query = Decode(EncodeRouteHintsQuery(42));
  ASSERT_TRUE(query.ok()) << query.status().message();
  EXPECT_FALSE(query->is_reply);
  EXPECT_EQ(query->query, 42u);
}

TEST(RouteHintCodec, AReplyCarriesHostsAndTheirNetworksOfBothFamilies) {
  std::vector<RouteHintHost> hosts = {
      {Ip("192.168.100.3"), {Net("10.100.3.0/24"), Net("fd00:3::/64")}},
      {Ip("fd00::4"), {Net("10.100.4.0/24")}}};
  std::vector<Bytes> parts = EncodeRouteHintsReply(9, hosts);
  ASSERT_EQ(parts.size(), 1u);
  auto reply = Decode(parts[0]);
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_TRUE(reply->is_reply);
  EXPECT_EQ(reply->query, 9u);
  EXPECT_EQ(reply->part, 0u);
  EXPECT_EQ(reply->parts, 1u);
  EXPECT_EQ(reply->hosts, hosts);
}

TEST(RouteHintCodec, TheAskerIsLeftOutOfItsOwnReplyAndNotCounted) {
  std::vector<RouteHintHost> hosts = {{Ip("192.168.100.2"), {Net("10.100.2.0/24")}},
                                      {Ip("192.168.100.3"), {Net("10.100.3.0/24")}}};
  size_t left_out = 99;
  std::vector<Bytes> parts = EncodeRouteHintsReply(4, hosts, &left_out, Ip("192.168.100.2"));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(left_out, 0u);
  auto reply = Decode(parts[0]);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->hosts, std::vector<RouteHintHost>(hosts.begin() + 1, hosts.end()));
}

TEST(RouteHintCodec, AnEmptyReplyIsOnePartWithNoHosts) {
  std::vector<Bytes> parts = EncodeRouteHintsReply(3, {});
  ASSERT_EQ(parts.size(), 1u);
  auto reply = Decode(parts[0]);
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->hosts.empty());
  EXPECT_EQ(reply->parts, 1u);
}

TEST(RouteHintCodec, ALargeReplyIsSplitIntoBoundedPartsThatTogetherHoldEveryHost) {
  std::vector<RouteHintHost> hosts;
  for (int i = 0; i < 500; ++i) {
    const std::string v4 = "192.168." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    const std::string net = "10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".0/24";
    hosts.push_back({Ip(v4.c_str()), {Net(net.c_str()), Net("fd00:1234:5678::/48")}});
  }
  size_t left_out = 99;
  std::vector<Bytes> parts = EncodeRouteHintsReply(5, hosts, &left_out);
  EXPECT_EQ(left_out, 0u);
  ASSERT_GT(parts.size(), 1u);
  std::vector<RouteHintHost> seen;
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_LE(parts[i].size(), kMaxRouteHintsMessage);
    auto reply = Decode(parts[i]);
    ASSERT_TRUE(reply.ok()) << reply.status().message();
    EXPECT_EQ(reply->part, i);
    EXPECT_EQ(reply->parts, parts.size());
    seen.insert(seen.end(), reply->hosts.begin(), reply->hosts.end());
  }
  EXPECT_EQ(seen, hosts);
}

TEST(RouteHintCodec, HostsPastThePartBoundAreLeftOutAndCounted) {
  std::vector<RouteHintHost> hosts;
  std::vector<IpPrefix> many;
  for (size_t i = 0; i < kMaxRouteHintNetworksPerHost; ++i)
    many.push_back(IpPrefix::From(IpAddr::V6({0xfd, 0, 0, 0, 0, 0, 0, uint8_t(i)}), 64));
  for (int i = 0; i < 2000; ++i) hosts.push_back({IpAddr::V4(0xc0a80000 + i), many});
  size_t left_out = 0;
  std::vector<Bytes> parts = EncodeRouteHintsReply(5, hosts, &left_out);
  EXPECT_EQ(parts.size(), kMaxRouteHintsParts);
  EXPECT_GT(left_out, 0u);
  size_t carried = 0;
  for (const Bytes& part : parts) {
    EXPECT_LE(part.size(), kMaxRouteHintsMessage);
    auto reply = Decode(part);
    ASSERT_TRUE(reply.ok());
    carried += reply->hosts.size();
  }
  EXPECT_EQ(carried + left_out, hosts.size());
}

TEST(RouteHintCodec, NebulasNebulaMetaReadsAnUnknownTypeWithDetailsPresent) {
  // What Nebula's lighthouse handler sees: it needs Details (else it logs an error) and
  // then matches no type of its own.
  for (const Bytes& bytes : {EncodeRouteHintsQuery(1), EncodeRouteHintsReply(1, {})[0]}) {
    auto meta = wire::DecodeMeta(ByteSpan(bytes.data(), bytes.size()));
    ASSERT_TRUE(meta.ok());
    EXPECT_TRUE(meta->has_details());
    EXPECT_GT(int(meta->type()), int(nebula::NebulaMeta::HostUpdateNotificationAck));
  }
}

TEST(RouteHintCodec, MalformedMessagesAreRefused) {
  EXPECT_TRUE(Decode(Encode(GoodReply())).ok());
  const uint8_t garbage[] = {0xff, 0xff, 0xff};
  EXPECT_FALSE(DecodeRouteHints(ByteSpan(garbage, sizeof garbage)).ok());

  auto spoiled = [](auto spoil) {
    flatnet::RouteHintsMeta meta = GoodReply();
    spoil(meta);
    return Decode(Encode(meta)).ok();
  };
  EXPECT_FALSE(spoiled([](auto& m) { m.set_type(3); }));  // a Nebula type
  EXPECT_FALSE(spoiled([](auto& m) { m.mutable_hints()->set_parts(0); }));
  EXPECT_FALSE(spoiled([](auto& m) { m.mutable_hints()->set_part(1); }));
  EXPECT_FALSE(spoiled([](auto& m) { m.mutable_hints()->set_parts(kMaxRouteHintsParts + 1); }));
  EXPECT_FALSE(spoiled([](auto& m) { m.mutable_hints()->mutable_hosts(0)->set_vpnaddr("abc"); }));
  EXPECT_FALSE(spoiled(
      [](auto& m) { m.mutable_hints()->mutable_hosts(0)->mutable_networks(0)->set_bits(33); }));
  EXPECT_FALSE(spoiled(
      [](auto& m) { m.mutable_hints()->mutable_hosts(0)->mutable_networks(0)->set_addr(""); }));
  EXPECT_FALSE(spoiled([](auto& m) {
    auto* host = m.mutable_hints()->mutable_hosts(0);
    while (size_t(host->networks_size()) <= kMaxRouteHintNetworksPerHost)
      *host->add_networks() = host->networks(0);
  }));
  // Longer than any message a lighthouse sends.
  Bytes big(kMaxRouteHintsMessage + 1, 0);
  EXPECT_FALSE(Decode(big).ok());
}

}  // namespace
}  // namespace flatnet::mesh
