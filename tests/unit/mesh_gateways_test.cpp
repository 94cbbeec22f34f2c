// ECMP over an unsafe route's weighted `via` list (mesh/gateways.h): a flow keeps its gateway,
// flows spread by weight, a flow whose gateway has no tunnel moves to one that has, and a
// node routes through the list and hands the other gateways to its handshakes.
#include <gtest/gtest.h>

#include <map>

#include "crypto/random.h"
#include "mesh/gateways.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

std::shared_ptr<Tunnel> FakeTunnel(uint32_t vpn_ip, uint32_t local_index) {
  noise::SessionKeys keys{crypto::CipherKind::kAes256Gcm, {}, {}};
  crypto::RandomBytes(keys.send);
  crypto::RandomBytes(keys.receive);
  return std::make_shared<Tunnel>(vpn_ip, local_index, local_index + 1, keys,
                                  std::make_shared<const cert::Certificate>(),
                                  firewall::PeerIdentity{}, Addr("198.51.100.1:4242"), 1, true);
}

std::vector<config::Gateway> Gateways(std::initializer_list<std::pair<const char*, int>> list) {
  std::vector<config::Gateway> out;
  for (auto [ip, weight] : list) out.push_back({*config::IpAddress::Parse(ip), weight});
  return out;
}

firewall::Packet Flow(uint16_t local_port, uint16_t remote_port = 443, uint8_t protocol = 6) {
  firewall::Packet p;
  p.local_ip = IpAddr::V4(Ip("192.168.100.1"));
  p.remote_ip = IpAddr::V4(Ip("172.16.1.10"));
  p.local_port = local_port;
  p.remote_port = remote_port;
  p.protocol = protocol;
  return p;
}

// How many of 20000 flows (source ports) each gateway gets.
std::map<uint32_t, int> Spread(const GatewaySet& set) {
  std::map<uint32_t, int> count;
  for (int port = 10000; port < 30000; ++port) ++count[set.Pick(Flow(uint16_t(port)))];
  return count;
}

}  // namespace

TEST(MeshGateways, OneGatewayTakesEveryFlow) {
  GatewaySet set(Gateways({{"192.168.100.7", 1}}));
  EXPECT_EQ(Spread(set), (std::map<uint32_t, int>{{Ip("192.168.100.7"), 20000}}));
}

TEST(MeshGateways, AFlowAlwaysTakesTheSameGateway) {
  GatewaySet set(Gateways({{"192.168.100.7", 1}, {"192.168.100.8", 1}, {"192.168.100.9", 1}}));
  for (int port = 1; port < 2000; port += 7) {
    uint32_t first = set.Pick(Flow(uint16_t(port)));
    for (int again = 0; again < 3; ++again) EXPECT_EQ(set.Pick(Flow(uint16_t(port))), first);
  }
  // Another protocol or destination port is another flow, and lands elsewhere for some ports.
  int moved = 0;
  for (int port = 1; port < 2000; ++port)
    moved += set.Pick(Flow(uint16_t(port), 443, 6)) != set.Pick(Flow(uint16_t(port), 443, 17));
  EXPECT_GT(moved, 0);
}

TEST(MeshGateways, FlowsSpreadByWeight) {
  GatewaySet even(Gateways({{"192.168.100.7", 1}, {"192.168.100.8", 1}}));
  auto halves = Spread(even);
  EXPECT_NEAR(halves[Ip("192.168.100.7")], 10000, 600);
  EXPECT_NEAR(halves[Ip("192.168.100.8")], 10000, 600);

  GatewaySet weighted(Gateways({{"192.168.100.7", 3}, {"192.168.100.8", 1}}));
  auto quarters = Spread(weighted);
  EXPECT_NEAR(quarters[Ip("192.168.100.7")], 15000, 600);
  EXPECT_NEAR(quarters[Ip("192.168.100.8")], 5000, 600);

  // The largest weights config allows neither overflow nor starve the others.
  GatewaySet huge(Gateways({{"192.168.100.7", 2147483647}, {"192.168.100.8", 2147483647}}));
  auto big = Spread(huge);
  EXPECT_NEAR(big[Ip("192.168.100.7")], 10000, 600);
  EXPECT_EQ(big[Ip("192.168.100.7")] + big[Ip("192.168.100.8")], 20000);
}

TEST(MeshGateways, AFlowWhoseGatewayHasNoTunnelTakesOneThatHas) {
  GatewaySet set(Gateways({{"192.168.100.7", 1}, {"192.168.100.8", 1}}));
  HostMap::Snapshot none;
  HostMap::Snapshot only_8;
  only_8.by_vpn_ip[Ip("192.168.100.8")] = FakeTunnel(Ip("192.168.100.8"), 100);
  HostMap::Snapshot both = only_8;
  both.by_vpn_ip[Ip("192.168.100.7")] = FakeTunnel(Ip("192.168.100.7"), 200);
  int checked = 0;
  for (int port = 1000; port < 1100; ++port) {
    firewall::Packet flow = Flow(uint16_t(port));
    uint32_t chosen = set.Pick(flow);
    EXPECT_EQ(set.PickLive(flow, none), chosen);  // nothing up: the flow's own, to handshake
    EXPECT_EQ(set.PickLive(flow, both), chosen);
    EXPECT_EQ(set.PickLive(flow, only_8), Ip("192.168.100.8"));
    checked += chosen == Ip("192.168.100.7");
  }
  EXPECT_GT(checked, 0);  // some flows did have to move
}

// A node with an ECMP route: packets to the unsafe network go to the gateways, and a gateway
// without a tunnel names the others for handshakes.
TEST(MeshGateways, ANodeRoutesAnUnsafeNetworkOverItsGateways) {
  TestCa ca = MakeTestCa();
  auto node = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "a", "192.168.100.1/24"),
                                          "tun:\n  unsafe_routes:\n"
                                          "    - route: 172.16.1.0/24\n"
                                          "      via:\n"
                                          "        - gateway: 192.168.100.7\n"
                                          "          weight: 1\n"
                                          "        - gateway: 192.168.100.8\n"
                                          "          weight: 1\n"));
  ASSERT_TRUE(node);
  HostMap::Snapshot none;
  std::map<uint32_t, int> count;
  for (int port = 1000; port < 3000; ++port)
    ++count[node->node->RouteFor(Flow(uint16_t(port)), none)];
  EXPECT_EQ(count.size(), 2u);
  EXPECT_GT(count[Ip("192.168.100.7")], 0);
  EXPECT_GT(count[Ip("192.168.100.8")], 0);
  firewall::Packet inside = Flow(1);
  inside.remote_ip = IpAddr::V4(Ip("192.168.100.3"));
  EXPECT_EQ(node->node->RouteFor(inside, none), Ip("192.168.100.3"));
  firewall::Packet nowhere = Flow(1);
  nowhere.remote_ip = IpAddr::V4(Ip("10.1.1.1"));
  EXPECT_EQ(node->node->RouteFor(nowhere, none), 0u);
  EXPECT_EQ(node->node->OtherGateways(Ip("192.168.100.7")),
            std::vector<uint32_t>{Ip("192.168.100.8")});
  EXPECT_TRUE(node->node->OtherGateways(Ip("192.168.100.3")).empty());
}

TEST(MeshGateways, AGatewayOutsideTheNetworkIsRefusedByName) {
  TestCa ca = MakeTestCa();
  auto config = MeshConfig(ca, MakeTestHost(ca, "a", "192.168.100.1/24"),
                           "tun:\n  unsafe_routes:\n"
                           "    - route: 172.16.1.0/24\n"
                           "      via:\n"
                           "        - gateway: 192.168.100.7\n"
                           "        - gateway: 10.0.0.8\n");
  auto node = Node::Create(config, log::Logger([](std::string_view) {}));
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.status().message().find("via 10.0.0.8 is not in this host's network"),
            std::string::npos)
      << node.status().message();
}
