// Underlay addresses in lighthouse messages, IPv4 and IPv6, in nebula's encoding.
#include <gtest/gtest.h>

#include "mesh/lighthouse_addresses.h"
#include "wire/messages.h"

using namespace flatnet;

TEST(LighthouseAddresses, Ipv4IsAHostOrderIntegerAndAPort) {
  nebula::NebulaMetaDetails details;
  mesh::AddAddress(&details, *net::UdpAddr::Parse("203.0.113.7:4242"));
  ASSERT_EQ(details.v4addrports_size(), 1);
  EXPECT_EQ(details.v4addrports(0).addr(), 0xcb007107u);
  EXPECT_EQ(details.v4addrports(0).port(), 4242u);
  EXPECT_EQ(details.v6addrports_size(), 0);
}

TEST(LighthouseAddresses, Ipv6IsTwoBigEndianHalves) {
  nebula::NebulaMetaDetails details;
  mesh::AddAddress(&details, *net::UdpAddr::Parse("[2001:db8::1:2]:4243"));
  ASSERT_EQ(details.v6addrports_size(), 1);
  EXPECT_EQ(details.v6addrports(0).hi(), 0x20010db800000000ull);
  EXPECT_EQ(details.v6addrports(0).lo(), 0x0000000000010002ull);
  EXPECT_EQ(details.v6addrports(0).port(), 4243u);
}

TEST(LighthouseAddresses, RoundTripThroughTheWireKeepsEveryAddress) {
  std::vector<net::UdpAddr> addresses = {*net::UdpAddr::Parse("198.51.100.1:4242"),
                                         *net::UdpAddr::Parse("[2001:db8::7]:1"),
                                         *net::UdpAddr::Parse("10.0.0.2:65535")};
  nebula::NebulaMeta meta;
  meta.set_type(nebula::NebulaMeta::HostQueryReply);
  for (const auto& a : addresses) mesh::AddAddress(meta.mutable_details(), a);
  auto decoded = wire::DecodeMeta(wire::EncodeMessage(meta));
  ASSERT_TRUE(decoded.ok());
  auto back = mesh::AddressesOf(decoded->details());
  // IPv4 ones first, as nebula lists them.
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0], addresses[0]);
  EXPECT_EQ(back[1], addresses[2]);
  EXPECT_EQ(back[2], addresses[1]);
}
