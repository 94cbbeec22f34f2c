// tun.use_system_route_table (mesh/system_routes.h): rtnetlink route messages as Nebula 1.11.1
// reads them, built here byte by byte, and the learned table's longest-prefix lookups.
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "mesh/system_routes.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr int kTun = 7;
IpPrefix Net(const char* text) { return *ParseIpPrefix(text); }
// A dual-stack host: an IPv4 and an IPv6 overlay network.
const std::vector<IpPrefix> kOverlay = {IpPrefix::From(Ip("192.168.100.0"), 24),
                                        IpPrefix::From(Ip("fd00:100::"), 64)};

// A route message under construction: nlmsghdr, rtmsg, attributes.
class RouteMessage {
 public:
  RouteMessage(uint16_t type, int dst_len, uint8_t family = AF_INET) {
    Grow(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg)));
    auto* h = header();
    h->nlmsg_type = type;
    auto* r = reinterpret_cast<rtmsg*>(bytes_.data() + NLMSG_HDRLEN);
    r->rtm_family = family;
    r->rtm_dst_len = uint8_t(dst_len);
    r->rtm_table = RT_TABLE_MAIN;
    r->rtm_type = RTN_UNICAST;
  }
  RouteMessage& Ip4(uint16_t type, const char* ip) {
    return Attr(type, Ip(ip).bytes().data(), 4);
  }
  // 16 bytes; an IPv4 address as its IPv4-mapped form ::ffff:a.b.c.d.
  RouteMessage& Ip6(uint16_t type, const char* ip) {
    return Attr(type, Ip(ip).bytes16().data(), 16);
  }
  // RTA_VIA: a gateway of the given family (IPv4 4 bytes, IPv6 16).
  RouteMessage& Via(const char* ip) {
    IpAddr gateway = Ip(ip);
    Bytes via(sizeof(rtvia) + gateway.bytes().size());
    auto* v = reinterpret_cast<rtvia*>(via.data());
    v->rtvia_family = gateway.is_v4() ? AF_INET : AF_INET6;
    std::memcpy(v->rtvia_addr, gateway.bytes().data(), gateway.bytes().size());
    return Attr(RTA_VIA, via.data(), via.size());
  }
  RouteMessage& Oif(int index) { return Attr(RTA_OIF, &index, 4); }
  // RTA_MULTIPATH with (ifindex, hops, gateway) next hops.
  RouteMessage& Multipath(std::initializer_list<std::tuple<int, int, const char*>> hops) {
    Bytes nest;
    for (auto [ifindex, weight_minus_one, gateway] : hops) {
      rtnexthop hop{};
      hop.rtnh_ifindex = ifindex;
      hop.rtnh_hops = uint8_t(weight_minus_one);
      const IpAddr via = Ip(gateway);  // kept: bytes() points into it
      ByteSpan address = via.bytes();   // 4 or 16 bytes
      hop.rtnh_len = uint16_t(RTNH_ALIGN(sizeof(rtnexthop)) + RTA_SPACE(address.size()));
      size_t at = nest.size();
      nest.resize(at + hop.rtnh_len);
      std::memcpy(nest.data() + at, &hop, sizeof(hop));
      auto* attr = reinterpret_cast<rtattr*>(nest.data() + at + RTNH_ALIGN(sizeof(rtnexthop)));
      attr->rta_type = RTA_GATEWAY;
      attr->rta_len = uint16_t(RTA_LENGTH(address.size()));
      std::memcpy(RTA_DATA(attr), address.data(), address.size());
    }
    return Attr(RTA_MULTIPATH, nest.data(), nest.size());
  }
  ByteSpan span() const { return ByteSpan(bytes_.data(), bytes_.size()); }
  std::optional<RouteUpdate> Parse() const { return ParseRouteUpdate(span(), kTun, kOverlay); }

 private:
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(bytes_.data()); }
  void Grow(size_t n) {
    bytes_.resize(bytes_.size() + n);
    header()->nlmsg_len = uint32_t(bytes_.size());
  }
  RouteMessage& Attr(uint16_t type, const void* data, size_t len) {
    size_t at = bytes_.size();
    Grow(RTA_SPACE(len));
    auto* attr = reinterpret_cast<rtattr*>(bytes_.data() + at);
    attr->rta_type = type;
    attr->rta_len = uint16_t(RTA_LENGTH(len));
    std::memcpy(RTA_DATA(attr), data, len);
    return *this;
  }
  Bytes bytes_;
};

}  // namespace

TEST(MeshSystemRoutes, ARouteThroughTheTunWithAnOverlayGatewayIsLearned) {
  auto update = RouteMessage(RTM_NEWROUTE, 24)
                    .Ip4(RTA_DST, "10.99.0.0")
                    .Oif(kTun)
                    .Ip4(RTA_GATEWAY, "192.168.100.5")
                    .Parse();
  ASSERT_TRUE(update);
  EXPECT_TRUE(update->add);
  EXPECT_EQ(update->network.ToString(), "10.99.0.0/24");
  ASSERT_EQ(update->gateways.size(), 1u);
  EXPECT_EQ(update->gateways[0].address.ToString(), "192.168.100.5");
  EXPECT_EQ(update->gateways[0].weight, 1);

  auto removed = RouteMessage(RTM_DELROUTE, 24)
                     .Ip4(RTA_DST, "10.99.0.0")
                     .Oif(kTun)
                     .Ip4(RTA_GATEWAY, "192.168.100.5")
                     .Parse();
  ASSERT_TRUE(removed);
  EXPECT_FALSE(removed->add);
}

TEST(MeshSystemRoutes, RoutesThatAreNotFlatnetsMeanNothing) {
  // Another device.
  EXPECT_FALSE(RouteMessage(RTM_NEWROUTE, 24)
                   .Ip4(RTA_DST, "10.99.0.0")
                   .Oif(kTun + 1)
                   .Ip4(RTA_GATEWAY, "192.168.100.5")
                   .Parse());
  // A gateway outside the overlay.
  EXPECT_FALSE(RouteMessage(RTM_NEWROUTE, 24)
                   .Ip4(RTA_DST, "10.99.0.0")
                   .Oif(kTun)
                   .Ip4(RTA_GATEWAY, "192.168.101.5")
                   .Parse());
  // No gateway: the device's own network.
  EXPECT_FALSE(RouteMessage(RTM_NEWROUTE, 24).Ip4(RTA_DST, "10.99.0.0").Oif(kTun).Parse());
  // No destination: a default route, which Nebula ignores too.
  EXPECT_FALSE(RouteMessage(RTM_NEWROUTE, 0).Oif(kTun).Ip4(RTA_GATEWAY, "192.168.100.5").Parse());
  // An IPv6 route without a gateway, another family, another message type, a truncated
  // message.
  EXPECT_FALSE(RouteMessage(RTM_NEWROUTE, 64, AF_INET6).Ip6(RTA_DST, "fd99::").Oif(kTun).Parse());
  EXPECT_FALSE(RouteMessage(RTM_NEWROUTE, 24, AF_BRIDGE)
                   .Ip4(RTA_DST, "10.99.0.0")
                   .Oif(kTun)
                   .Ip4(RTA_GATEWAY, "192.168.100.5")
                   .Parse());
  EXPECT_FALSE(RouteMessage(RTM_NEWLINK, 24).Ip4(RTA_DST, "10.99.0.0").Parse());
  RouteMessage whole = RouteMessage(RTM_NEWROUTE, 24)
                           .Ip4(RTA_DST, "10.99.0.0")
                           .Oif(kTun)
                           .Ip4(RTA_GATEWAY, "192.168.100.5");
  for (size_t cut = 0; cut < whole.span().size(); ++cut)
    EXPECT_FALSE(ParseRouteUpdate(whole.span().subspan(0, cut), kTun, kOverlay)) << cut;
}

TEST(MeshSystemRoutes, AnIpv6RouteWithAnIpv6OverlayGatewayIsLearned) {
  // ip -6 route add fd99::/64 via fd00:100::5 dev nebula1
  auto update = RouteMessage(RTM_NEWROUTE, 64, AF_INET6)
                    .Ip6(RTA_DST, "fd99::")
                    .Oif(kTun)
                    .Ip6(RTA_GATEWAY, "fd00:100::5")
                    .Parse();
  ASSERT_TRUE(update);
  EXPECT_TRUE(update->add);
  EXPECT_EQ(update->network.ToString(), "fd99::/64");
  ASSERT_EQ(update->gateways.size(), 1u);
  EXPECT_EQ(update->gateways[0].address.ToString(), "fd00:100::5");
  EXPECT_EQ(update->gateways[0].weight, 1);
  // The destination is masked, as for IPv4.
  auto masked = RouteMessage(RTM_DELROUTE, 48, AF_INET6)
                    .Ip6(RTA_DST, "fd99:0:0:1::")
                    .Oif(kTun)
                    .Ip6(RTA_GATEWAY, "fd00:100::5")
                    .Parse();
  ASSERT_TRUE(masked);
  EXPECT_FALSE(masked->add);
  EXPECT_EQ(masked->network.ToString(), "fd99::/48");
}

TEST(MeshSystemRoutes, AGatewayOfTheOtherFamilyCountsWhenItIsInTheOverlay) {
  // ip route add 10.99.0.0/24 via inet6 fd00:100::5 dev nebula1 (RTA_VIA)
  auto v4_via_v6 = RouteMessage(RTM_NEWROUTE, 24)
                       .Ip4(RTA_DST, "10.99.0.0")
                       .Oif(kTun)
                       .Via("fd00:100::5")
                       .Parse();
  ASSERT_TRUE(v4_via_v6);
  EXPECT_EQ(v4_via_v6->network.ToString(), "10.99.0.0/24");
  ASSERT_EQ(v4_via_v6->gateways.size(), 1u);
  EXPECT_EQ(v4_via_v6->gateways[0].address.ToString(), "fd00:100::5");
  // An IPv6 route through an IPv4 overlay gateway, and one whose IPv4-mapped gateway is
  // read as the IPv4 address it maps (Nebula unmaps it too).
  auto v6_via_v4 = RouteMessage(RTM_NEWROUTE, 64, AF_INET6)
                       .Ip6(RTA_DST, "fd99::")
                       .Oif(kTun)
                       .Via("192.168.100.5")
                       .Parse();
  ASSERT_TRUE(v6_via_v4);
  EXPECT_EQ(v6_via_v4->gateways[0].address.ToString(), "192.168.100.5");
  auto mapped = RouteMessage(RTM_NEWROUTE, 64, AF_INET6)
                    .Ip6(RTA_DST, "fd99::")
                    .Oif(kTun)
                    .Ip6(RTA_GATEWAY, "192.168.100.5")  // sent as ::ffff:192.168.100.5
                    .Parse();
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->gateways[0].address.is_v4());
  EXPECT_EQ(mapped->gateways[0].address.ToString(), "192.168.100.5");
  // An IPv6 gateway outside our IPv6 overlay network.
  EXPECT_FALSE(RouteMessage(RTM_NEWROUTE, 64, AF_INET6)
                   .Ip6(RTA_DST, "fd99::")
                   .Oif(kTun)
                   .Ip6(RTA_GATEWAY, "fd00:101::5")
                   .Parse());
  // An IPv4-only host learns nothing through an IPv6 gateway.
  const std::vector<IpPrefix> v4_only = {IpPrefix::From(Ip("192.168.100.0"), 24)};
  RouteMessage through_v6 = RouteMessage(RTM_NEWROUTE, 64, AF_INET6)
                                .Ip6(RTA_DST, "fd99::")
                                .Oif(kTun)
                                .Ip6(RTA_GATEWAY, "fd00:100::5");
  EXPECT_FALSE(ParseRouteUpdate(through_v6.span(), kTun, v4_only));
  for (size_t cut = 0; cut < through_v6.span().size(); ++cut)
    EXPECT_FALSE(ParseRouteUpdate(through_v6.span().subspan(0, cut), kTun, kOverlay)) << cut;
}

TEST(MeshSystemRoutes, MultipathNextHopsWeighTheirHopsPlusOne) {
  auto update = RouteMessage(RTM_NEWROUTE, 16)
                    .Ip4(RTA_DST, "10.98.0.0")
                    .Multipath({{kTun, 0, "192.168.100.5"},
                                {kTun + 1, 0, "192.168.100.6"},  // another device: left out
                                {kTun, 2, "192.168.100.7"}})
                    .Parse();
  ASSERT_TRUE(update);
  ASSERT_EQ(update->gateways.size(), 2u);
  EXPECT_EQ(update->gateways[0].address.ToString(), "192.168.100.5");
  EXPECT_EQ(update->gateways[0].weight, 1);
  EXPECT_EQ(update->gateways[1].address.ToString(), "192.168.100.7");
  EXPECT_EQ(update->gateways[1].weight, 3);
}

TEST(MeshSystemRoutes, Ipv6MultipathNextHopsThroughTheTunAreEcmp) {
  auto update = RouteMessage(RTM_NEWROUTE, 64, AF_INET6)
                    .Ip6(RTA_DST, "fd98::")
                    .Multipath({{kTun, 0, "fd00:100::5"},
                                {kTun, 1, "fd00:101::6"},  // outside the overlay: left out
                                {kTun, 3, "fd00:100::7"}})
                    .Parse();
  ASSERT_TRUE(update);
  EXPECT_EQ(update->network.ToString(), "fd98::/64");
  ASSERT_EQ(update->gateways.size(), 2u);
  EXPECT_EQ(update->gateways[0].address.ToString(), "fd00:100::5");
  EXPECT_EQ(update->gateways[0].weight, 1);
  EXPECT_EQ(update->gateways[1].address.ToString(), "fd00:100::7");
  EXPECT_EQ(update->gateways[1].weight, 4);
}

TEST(MeshSystemRoutes, LearnedRoutesOfBothFamiliesAreFoundByTheirOwnFamily) {
  SystemRoutes routes(log::Logger([](std::string_view) {}), kOverlay);
  std::shared_ptr<const void> hold;
  routes.Apply({true, Net("fd99::/64"), {{Ip("fd00:100::5"), 1}}});
  routes.Apply({true, Net("10.99.0.0/24"), {{Ip("192.168.100.6"), 1}}});
  const SystemRoutes::Route* v6 = routes.Find(Ip("fd99::1"), &hold);
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(v6->gateways.addresses(), std::vector<IpAddr>{Ip("fd00:100::5")});
  const SystemRoutes::Route* v4 = routes.Find(Ip("10.99.0.1"), &hold);
  ASSERT_NE(v4, nullptr);
  EXPECT_EQ(v4->gateways.addresses(), std::vector<IpAddr>{Ip("192.168.100.6")});
  EXPECT_EQ(routes.Find(Ip("fd98::1"), &hold), nullptr);
  // ::ffff:10.99.0.1 is an IPv6 address, not 10.99.0.1.
  EXPECT_EQ(routes.Find(IpAddr::V6(Ip("10.99.0.1").bytes16()), &hold), nullptr);
  routes.Apply({false, Net("fd99::/64"), {}});
  EXPECT_EQ(routes.Find(Ip("fd99::1"), &hold), nullptr);
  EXPECT_NE(routes.Find(Ip("10.99.0.1"), &hold), nullptr);
}

TEST(MeshSystemRoutes, TheLongestLearnedRouteWinsAndADeleteRemovesIt) {
  SystemRoutes routes(log::Logger([](std::string_view) {}), kOverlay);
  std::shared_ptr<const void> hold;
  EXPECT_EQ(routes.Find(Ip("10.99.0.5"), &hold), nullptr);
  routes.Apply({true, Net("10.99.0.0/16"), {{*config::ParseIp("192.168.100.5"), 1}}});
  routes.Apply({true, Net("10.99.0.0/24"), {{*config::ParseIp("192.168.100.6"), 1}}});
  const SystemRoutes::Route* found = routes.Find(Ip("10.99.0.5"), &hold);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->network.bits(), 24);
  EXPECT_EQ(found->gateways.addresses(), std::vector<IpAddr>{Ip("192.168.100.6")});
  EXPECT_EQ(routes.Find(Ip("10.99.1.5"), &hold)->network.bits(), 16);
  // A delete names the destination; its gateways do not have to match.
  routes.Apply({false, Net("10.99.0.0/24"), {{*config::ParseIp("192.168.100.9"), 1}}});
  EXPECT_EQ(routes.Find(Ip("10.99.0.5"), &hold)->network.bits(), 16);
  routes.Apply({false, Net("10.99.0.0/16"), {}});
  EXPECT_EQ(routes.Find(Ip("10.99.0.5"), &hold), nullptr);
}
