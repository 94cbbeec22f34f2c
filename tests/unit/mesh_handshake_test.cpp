// The handshake manager driven without a running node: real stage 1 and stage 2 datagrams
// between two created nodes (mesh_test_support.h), and what hostile ones do.
#include <gtest/gtest.h>

#include <map>

#include "mesh/handshake_manager.h"
#include "mesh/host_credentials.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr const char* kAddrA = "192.0.2.1:4242";
constexpr const char* kAddrB = "192.0.2.2:4242";

std::string StaticMapTo(const char* vpn_ip, const char* addr) {
  return std::string("static_host_map:\n  \"") + vpn_ip + "\": [\"" + addr + "\"]\n";
}

ByteSpan Span(const Bytes& bytes) { return ByteSpan(bytes.data(), bytes.size()); }

// Stage 1 datagrams `from` sent so far (and forgets everything it sent).
std::vector<Bytes> Stage1s(TestNode& from) {
  std::vector<Bytes> out;
  for (Sent& s : from.Take())
    if (s.header().type == wire::MessageType::kHandshake && s.header().message_counter == 1)
      out.push_back(std::move(s.datagram));
  return out;
}

}  // namespace

TEST(MeshHandshake, CompletesBetweenTwoNodesAndBothHoldTheTunnel) {
  TestCa ca = MakeTestCa();
  auto a = TestNode::Create(
      MeshConfig(ca, MakeTestHost(ca, "a", "10.9.0.1/24"), StaticMapTo("10.9.0.2", kAddrB)));
  auto b = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "b", "10.9.0.2/24"), ""));
  ASSERT_TRUE(a && b);
  a->node->handshakes().Initiate(Ip("10.9.0.2"), Node::NowNs());
  auto stage1 = Stage1s(*a);
  ASSERT_EQ(stage1.size(), 1u);
  b->node->handshakes().HandlePacket(Addr(kAddrA), Span(stage1[0]), Node::NowNs());
  auto replies = b->Take();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].to, Addr(kAddrA));
  a->node->handshakes().HandlePacket(Addr(kAddrB), Span(replies[0].datagram), Node::NowNs());
  EXPECT_NE(a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2")), nullptr);
  EXPECT_NE(b->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.1")), nullptr);
  EXPECT_EQ(a->Counter("handshakes_completed"), 1u);
}

// Finding 6: a CA may sign a certificate with no IP; its stage 1 must be refused and
// counted, not read ips[0] of an empty list.
TEST(MeshHandshake, Stage1WithACertificateWithoutIpIsRefused) {
  TestCa ca = MakeTestCa();
  // The sender's node can't start with such a cert, so it starts with a good one and its
  // handshake then carries the IP-less one, signed by the CA, for the same key.
  TestHost good = MakeTestHost(ca, "no-ip", "10.9.0.3/24");
  cert::Certificate no_ip = good.cert;
  no_ip.ips.clear();
  ASSERT_TRUE(no_ip.Sign(ca.key).ok());
  auto sender = TestNode::Create(MeshConfig(ca, good, StaticMapTo("10.9.0.2", kAddrB)));
  auto b = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "b", "10.9.0.2/24"), ""));
  ASSERT_TRUE(sender && b);
  const_cast<HostCredentials&>(sender->node->credentials()).certificate_without_key =
      no_ip.MarshalWithoutPublicKey();
  sender->node->handshakes().Initiate(Ip("10.9.0.2"), Node::NowNs());
  auto stage1 = Stage1s(*sender);
  ASSERT_EQ(stage1.size(), 1u);
  b->node->handshakes().HandlePacket(Addr(kAddrA), Span(stage1[0]), Node::NowNs());
  EXPECT_TRUE(b->Take().empty());
  EXPECT_EQ(b->Counter("handshakes_dropped"), 1u);
  EXPECT_TRUE(b->node->host_map().Current()->by_vpn_ip.empty());
  EXPECT_NE(b->log->find("certificate has no IP"), std::string::npos) << *b->log;
}

TEST(MeshCredentials, OverlayIpOfACertificateWithoutIpIsAnError) {
  cert::Certificate c;
  EXPECT_FALSE(OverlayIpOf(c).ok());
  c.ips = {cert::Ipv4Net{0x0a090003, 0xffffff00}};
  ASSERT_TRUE(OverlayIpOf(c).ok());
  EXPECT_EQ(*OverlayIpOf(c), 0x0a090003u);
}

// Finding 6: a subnet mask that is not a prefix (PrefixLength -1) must not become a network
// that holds every address (or a shift by 33).
TEST(MeshCredentials, NonPrefixSubnetVouchesForNoAddress) {
  cert::Certificate c;
  c.ips = {cert::Ipv4Net{0x0a090003, 0xffffff00}};
  c.subnets = {cert::Ipv4Net{0xc0a80000, 0xff00ff00}};
  firewall::PeerIdentity identity = IdentityOf(c, cert::CaPool());
  EXPECT_TRUE(identity.MayUseAddress(0x0a090003));
  EXPECT_FALSE(identity.MayUseAddress(0x01020304));
  EXPECT_FALSE(identity.MayUseAddress(0xc0a80000));  // not even its own address
  EXPECT_FALSE(identity.MayUseAddress(0xc0a80101));
}

TEST(MeshCredentials, OwnCertificateWithNonPrefixMaskIsRefusedAtStart) {
  TestCa ca = MakeTestCa();
  TestHost host = MakeTestHost(ca, "odd", "10.9.0.1/24",
                               [](cert::Certificate& c) { c.ips[0].mask = 0xff00ff00; });
  config::Config config = MeshConfig(ca, host, "");
  auto node = Node::Create(config, log::Logger([](std::string_view) {}));
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.status().message().find("pki.cert"), std::string::npos) << node.status().message();
  EXPECT_NE(node.status().message().find("not a prefix"), std::string::npos);
}

// Finding 7: stage 2 from an underlay address lighthouse.remote_allow_list denies is refused
// as stage 1 is, and the handshake stays pending for a real answer.
TEST(MeshHandshake, Stage2FromADeniedAddressIsRefusedAndTheHandshakeStaysPending) {
  TestCa ca = MakeTestCa();
  auto a = TestNode::Create(
      MeshConfig(ca, MakeTestHost(ca, "a", "10.9.0.1/24"),
                 StaticMapTo("10.9.0.2", kAddrB) +
                     "lighthouse:\n  remote_allow_list:\n    198.51.100.0/24: false\n"));
  auto b = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "b", "10.9.0.2/24"), ""));
  ASSERT_TRUE(a && b);
  a->node->handshakes().Initiate(Ip("10.9.0.2"), Node::NowNs());
  auto stage1 = Stage1s(*a);
  ASSERT_EQ(stage1.size(), 1u);
  b->node->handshakes().HandlePacket(Addr(kAddrA), Span(stage1[0]), Node::NowNs());
  auto replies = b->Take();
  ASSERT_EQ(replies.size(), 1u);
  a->node->handshakes().HandlePacket(Addr("198.51.100.7:4242"), Span(replies[0].datagram),
                                     Node::NowNs());
  EXPECT_EQ(a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2")), nullptr);
  EXPECT_TRUE(a->node->handshakes().Pending(Ip("10.9.0.2")));
  EXPECT_EQ(a->Counter("handshakes_dropped"), 1u);
  // The same answer from an allowed address completes it.
  a->node->handshakes().HandlePacket(Addr(kAddrB), Span(replies[0].datagram), Node::NowNs());
  EXPECT_NE(a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2")), nullptr);
}

// Finding 8: a resend in Tick asks the lighthouse, and a lighthouse without a tunnel gets a
// handshake of its own, inserted into the pending map Tick is walking. Every pending
// handshake must still be resent exactly once (a rehash under a live iterator skips some
// and repeats others). Peer counts around the map's growth points make the rehash happen.
TEST(MeshHandshake, TickResendsEachPendingHandshakeOnceWhileALighthouseHandshakeStarts) {
  TestCa ca = MakeTestCa();
  TestHost a_host = MakeTestHost(ca, "a", "10.9.0.1/16");
  for (int peers = 1; peers <= 64; ++peers) {
    std::string yaml = "static_host_map:\n  \"10.9.255.1\": [\"192.0.2.250:4242\"]\n";
    for (int i = 0; i < peers; ++i)
      yaml += "  \"10.9.1." + std::to_string(i + 1) + "\": [\"198.18.0." + std::to_string(i + 1) +
              ":4242\"]\n";
    yaml +=
        "lighthouse:\n  hosts: [\"10.9.255.1\"]\n"
        "handshakes:\n  try_interval: 100ms\n  retries: 2\n";
    auto a = TestNode::Create(MeshConfig(ca, a_host, yaml));
    ASSERT_TRUE(a);
    HandshakeManager& handshakes = a->node->handshakes();
    // A tunnel to the lighthouse while the peers start, so the map grows only to `peers`;
    // then the lighthouse's tunnel goes, and the next resend asks for it again.
    noise::SessionKeys keys{crypto::CipherKind::kAes256Gcm, {}, {}};
    auto lighthouse = std::make_shared<Tunnel>(
        Ip("10.9.255.1"), 77, 88, keys, std::make_shared<const cert::Certificate>(),
        firewall::PeerIdentity{}, Addr("192.0.2.250:4242"), 1, true);
    a->node->host_map().Add(lighthouse);
    const int64_t ms = 1'000'000, t0 = Node::NowNs();
    for (int i = 0; i < peers; ++i)
      handshakes.Initiate(Ip(("10.9.1." + std::to_string(i + 1)).c_str()), t0);
    ASSERT_FALSE(handshakes.Pending(Ip("10.9.255.1")));
    a->node->CloseTunnel(*lighthouse, "test");
    a->Take();
    handshakes.Tick(t0 + 100 * ms);  // every peer resends and asks for the lighthouse
    EXPECT_TRUE(handshakes.Pending(Ip("10.9.255.1")));
    std::map<std::string, int> stage1_to;
    for (const Sent& s : a->Take())
      if (s.header().type == wire::MessageType::kHandshake) ++stage1_to[s.to.ToString()];
    for (int i = 0; i < peers; ++i)
      EXPECT_EQ(stage1_to["198.18.0." + std::to_string(i + 1) + ":4242"], 1)
          << peers << " peers, peer " << i;
  }
}
