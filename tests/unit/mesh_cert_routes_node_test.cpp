// tun.routes_from_certs on a whole Node (mesh/cert_routes.h, Node::RouteFor): a peer's
// certificate networks are routed through it once its tunnel is up, not before, not with the
// key off, not over a configured route, and no longer once the tunnel is gone. Real tunnels
// between created, never started nodes (mesh_test_support.h).
#include <gtest/gtest.h>

#include "firewall/packet.h"
#include "mesh/reload.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

// a's packet from its overlay address to `destination`, as RouteFor sees it.
firewall::Packet To(const char* destination) { return OutboundUdp("10.9.0.1", destination); }

// a at 192.0.2.1, b at 192.0.2.2 (neither is ever sent to: the nodes never start).
const std::string kStaticB = "static_host_map:\n  \"10.9.0.2\": [\"192.0.2.2:4242\"]\n";
const std::string kOn = "tun:\n  routes_from_certs: true\n";

// a (10.9.0.1, carrying 10.100.1.0/24) and b (10.9.0.2), whose certificate carries
// 10.100.2.0/24 and, wrongly, a's 10.100.1.0/24.
struct Pair {
  TestCa ca = MakeTestCa();
  TestHost a_host = MakeTestHost(ca, "a", "10.9.0.1/24", [](cert::Certificate& c) {
    c.unsafe_networks = {*ParseIpPrefix("10.100.1.0/24")};
  });
  TestHost b_host = MakeTestHost(ca, "b", "10.9.0.2/24", [](cert::Certificate& c) {
    c.unsafe_networks = {*ParseIpPrefix("10.100.2.0/24"), *ParseIpPrefix("10.100.1.0/24")};
  });
  std::unique_ptr<TestNode> a, b;

  explicit Pair(const std::string& a_rest) {
    a = TestNode::Create(MeshConfig(ca, a_host, kStaticB + a_rest));
    b = TestNode::Create(
        MeshConfig(ca, b_host, "static_host_map:\n  \"10.9.0.1\": [\"192.0.2.1:4242\"]\n"));
  }
  bool Connect() { return Handshake(*a, *b, "10.9.0.2", "192.0.2.1:4242", "192.0.2.2:4242"); }
  IpAddr ARoute(const char* destination) {
    a->node->RefreshCertRoutes();
    return a->node->RouteFor(To(destination), *a->node->host_map().Current());
  }
};

TEST(MeshCertRoutesNode, APeersNetworkIsRoutedThroughItOnceItsTunnelIsUp) {
  Pair pair(kOn);
  ASSERT_TRUE(pair.a && pair.b);
  EXPECT_FALSE(pair.ARoute("10.100.2.9").valid());  // no tunnel: nothing known of b yet
  ASSERT_TRUE(pair.Connect());
  EXPECT_EQ(pair.ARoute("10.100.2.9"), Ip("10.9.0.2"));
  EXPECT_FALSE(pair.ARoute("10.100.3.9").valid());
  // b's certificate also names a's own network: refused, and said so.
  EXPECT_FALSE(pair.ARoute("10.100.1.9").valid());
  EXPECT_NE(pair.a->log->find("Not routing an unsafe network of a peer's certificate"),
            std::string::npos);
  ASSERT_EQ(pair.a->node->cert_routes().Current()->size(), 1u);
}

TEST(MeshCertRoutesNode, TheRoutesGoWithTheTunnel) {
  Pair pair(kOn);
  ASSERT_TRUE(pair.a && pair.b && pair.Connect());
  ASSERT_EQ(pair.ARoute("10.100.2.9"), Ip("10.9.0.2"));
  Tunnel* tunnel = pair.a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2"));
  ASSERT_NE(tunnel, nullptr);
  pair.a->node->CloseTunnel(*tunnel, "test");
  EXPECT_FALSE(pair.ARoute("10.100.2.9").valid());
  EXPECT_NE(pair.a->log->find("Removing route from a certificate"), std::string::npos);
}

TEST(MeshCertRoutesNode, OffByDefault) {
  Pair pair("");
  ASSERT_TRUE(pair.a && pair.b && pair.Connect());
  EXPECT_FALSE(pair.ARoute("10.100.2.9").valid());
}

TEST(MeshCertRoutesNode, AConfiguredUnsafeRouteWinsAndAReloadTurnsTheKeyOff) {
  Pair pair(kOn);
  ASSERT_TRUE(pair.a && pair.b && pair.Connect());
  ASSERT_EQ(pair.ARoute("10.100.2.9"), Ip("10.9.0.2"));
  // A third host, 10.9.0.3, is the configured gateway for 10.100.0.0/16.
  auto yaml = [&](const std::string& tun) {
    return MeshYaml(pair.ca, pair.a_host, kStaticB + tun);
  };
  auto configured = pair.a->node->Reload(
      ConfigFromYaml(yaml("tun:\n  routes_from_certs: true\n  unsafe_routes:\n"
                          "    - route: 10.100.0.0/16\n      via: 10.9.0.3\n")));
  ASSERT_TRUE(configured.ok()) << configured.status().message();
  EXPECT_EQ(pair.ARoute("10.100.2.9"), Ip("10.9.0.3"));
  EXPECT_TRUE(pair.a->node->cert_routes().Current()->empty());

  auto back = pair.a->node->Reload(ConfigFromYaml(yaml(kOn)));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(pair.ARoute("10.100.2.9"), Ip("10.9.0.2"));

  auto off = pair.a->node->Reload(ConfigFromYaml(yaml("")));
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_NE(std::find(off->changed.begin(), off->changed.end(), "tun.routes_from_certs"),
            off->changed.end());
  EXPECT_TRUE(off->restart_needed.empty());
  EXPECT_FALSE(pair.ARoute("10.100.2.9").valid());
}

}  // namespace

// Route hints (mesh/route_hints.h): a lighthouse's word routes a network before any tunnel;
// the tunnel's certificate then proves or refutes it, and nothing goes out on a refuted hint.
TEST(MeshCertRoutesNode, AHintRoutesBeforeTheTunnelAndTheCertificateThenDecides) {
  Pair pair(kOn);
  ASSERT_TRUE(pair.a && pair.b);
  RouteHints& hints = pair.a->node->route_hints();
  const IpAddr lighthouse = Ip("10.9.0.50");
  RouteHintsMessage reply;
  reply.is_reply = true;
  reply.query = hints.NextQuery(lighthouse);
  // b's certificate carries 10.100.2.0/24, not 10.100.9.0/24.
  reply.hosts = {{Ip("10.9.0.2"), {*ParseIpPrefix("10.100.2.0/24"), *ParseIpPrefix("10.100.9.0/24")}}};
  ASSERT_TRUE(hints.Accept(lighthouse, reply, 0, 1));
  EXPECT_EQ(pair.ARoute("10.100.2.9"), Ip("10.9.0.2"));  // no tunnel yet: the hint routes
  EXPECT_EQ(pair.ARoute("10.100.9.9"), Ip("10.9.0.2"));
  bool hinted = false;
  pair.a->node->cert_routes().GatewayFor(Ip("10.100.9.9"), &hinted);
  EXPECT_TRUE(hinted);

  ASSERT_TRUE(pair.Connect());
  // Before the control thread's next turn: the certificate is known, so the unproven
  // network has no route and its packets are refused as such.
  bool unproven = false;
  auto tunnels = pair.a->node->host_map().Current();
  EXPECT_FALSE(pair.a->node->RouteFor(To("10.100.9.9"), *tunnels, &unproven).valid());
  EXPECT_TRUE(unproven);
  Tunnel* b = tunnels->FindByVpnIp(Ip("10.9.0.2"));
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(pair.a->node->PeerMayReceive(*b, Ip("10.100.2.9")));
  EXPECT_FALSE(pair.a->node->PeerMayReceive(*b, Ip("10.100.9.9")));
  EXPECT_TRUE(pair.a->node->PeerMayReceive(*b, Ip("10.9.0.2")));

  // Then: 10.100.2.0/24 is b's by its certificate, 10.100.9.0/24 is refuted and withdrawn.
  EXPECT_EQ(pair.ARoute("10.100.2.9"), Ip("10.9.0.2"));
  pair.a->node->cert_routes().GatewayFor(Ip("10.100.2.9"), &hinted);
  EXPECT_FALSE(hinted);
  EXPECT_FALSE(pair.ARoute("10.100.9.9").valid());
  EXPECT_EQ(pair.a->node->control_counters().route_hints_refuted.load(), 1u);
  EXPECT_NE(pair.a->log->find("Dropping a lighthouse's route hint"), std::string::npos);
}
