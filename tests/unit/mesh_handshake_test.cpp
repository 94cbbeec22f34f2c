// The handshake manager driven without a running node: real stage 1 and stage 2 datagrams
// between two created nodes (mesh_test_support.h), and what hostile ones do.
#include <gtest/gtest.h>

#include <map>

#include "mesh/handshake_manager.h"
#include "mesh/host_credentials.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"
#include "noise/handshake_state.h"
#include "wire/messages.h"

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

// Finding 6: a CA may sign a certificate with no network; its stage 1 must be refused
// and counted, not read networks[0] of an empty list. (Nebula 1.11.1 refuses a v1 one when
// parsing it; Sign would too, so the test signs the bytes itself.)
TEST(MeshHandshake, Stage1WithACertificateWithoutIpIsRefused) {
  TestCa ca = MakeTestCa();
  // The sender's node can't start with such a cert, so it starts with a good one and its
  // handshake then carries the IP-less one, signed by the CA, for the same key.
  TestHost good = MakeTestHost(ca, "no-ip", "10.9.0.3/24");
  cert::Certificate no_ip = good.cert;
  no_ip.networks.clear();
  crypto::Ed25519Signature signature;
  ASSERT_TRUE(crypto::Ed25519Sign(ca.key, no_ip.MarshalForSigning(), signature));
  no_ip.signature.assign(signature.begin(), signature.end());
  auto sender = TestNode::Create(MeshConfig(ca, good, StaticMapTo("10.9.0.2", kAddrB)));
  auto b = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "b", "10.9.0.2/24"), ""));
  ASSERT_TRUE(sender && b);
  auto& credentials = const_cast<HostCredentials&>(sender->node->credentials());
  auto forged = std::make_shared<HandshakeCredential>(*credentials.v1);
  forged->handshake_bytes = no_ip.MarshalForHandshakes();
  credentials.v1 = forged;
  sender->node->handshakes().Initiate(Ip("10.9.0.2"), Node::NowNs());
  auto stage1 = Stage1s(*sender);
  ASSERT_EQ(stage1.size(), 1u);
  b->node->handshakes().HandlePacket(Addr(kAddrA), Span(stage1[0]), Node::NowNs());
  EXPECT_TRUE(b->Take().empty());
  EXPECT_EQ(b->Counter("handshakes_dropped"), 1u);
  EXPECT_TRUE(b->node->host_map().Current()->by_vpn_ip.empty());
  EXPECT_NE(b->log->find("Invalid certificate from host"), std::string::npos) << *b->log;
}

TEST(MeshCredentials, OverlayIpOfACertificateWithoutIpIsAnError) {
  cert::Certificate c;
  EXPECT_FALSE(OverlayIpOf(c).ok());
  c.networks = {*ParseIpPrefix("fd00::3/64")};
  ASSERT_TRUE(OverlayIpOf(c).ok());  // v2 may carry IPv6 only: that is its overlay
  EXPECT_EQ(OverlayIpOf(c)->ToString(), "fd00::3");
  c.networks.insert(c.networks.begin(), *ParseIpPrefix("10.9.0.3/24"));
  ASSERT_TRUE(OverlayIpOf(c).ok());
  EXPECT_EQ(OverlayIpOf(c)->ToString(), "10.9.0.3");  // the first network's address
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

// Finding 8: a resend asks the lighthouse, and a lighthouse without a tunnel gets a
// handshake of its own, inserted into the pending map while resends are due. Every pending
// handshake must still be resent exactly once (a rehash under a live iterator skips some
// and repeats others). Peer counts around the map's growth points make the rehash happen.
TEST(MeshHandshake, ResendsEachPendingHandshakeOnceWhileALighthouseHandshakeStarts) {
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
    a->node->timers().RunDue(t0 + 100 * ms);  // every peer resends and asks for the lighthouse
    EXPECT_TRUE(handshakes.Pending(Ip("10.9.255.1")));
    std::map<std::string, int> stage1_to;
    for (const Sent& s : a->Take())
      if (s.header().type == wire::MessageType::kHandshake) ++stage1_to[s.to.ToString()];
    for (int i = 0; i < peers; ++i)
      EXPECT_EQ(stage1_to["198.18.0." + std::to_string(i + 1) + ":4242"], 1)
          << peers << " peers, peer " << i;
  }
}

namespace {

// What a worker's outside path does with a sealed message for `to`: find the tunnel by index,
// open it, and report a tunnel's first proof to the handshake manager.
bool DeliverLikeWorker(TestNode& to, const Bytes& datagram) {
  auto header = wire::ParseHeader(datagram);
  if (!header.ok()) return false;
  auto snapshot = to.node->host_map().Current();
  Tunnel* tunnel = snapshot->FindByIndex(header->remote_index);
  if (!tunnel || !tunnel->ReplayCheck(header->message_counter)) return false;
  Bytes plain(datagram.size());
  ByteSpan bytes = Span(datagram);
  if (tunnel->CipherFor(1).Open(header->message_counter, bytes.first(wire::kHeaderSize),
                                bytes.subspan(wire::kHeaderSize), plain.data()) < 0)
    return false;
  tunnel->ReplayUpdate(header->message_counter);
  if (tunnel->NoteAuthenticated()) to.node->handshakes().Proven(header->remote_index);
  return true;
}

// Runs a whole handshake from `a` to the peer at vpn_ip, node `b`, and returns b's tunnel.
Tunnel* Handshake(TestNode& a, TestNode& b, const char* b_vpn_ip, const char* a_addr) {
  a.node->handshakes().Initiate(Ip(b_vpn_ip), Node::NowNs());
  auto stage1 = Stage1s(a);
  EXPECT_EQ(stage1.size(), 1u);
  if (stage1.empty()) return nullptr;
  b.node->handshakes().HandlePacket(Addr(a_addr), Span(stage1[0]), Node::NowNs());
  for (Sent& s : b.Take())
    if (s.header().type == wire::MessageType::kHandshake)
      a.node->handshakes().HandlePacket(Addr(kAddrB), Span(s.datagram), Node::NowNs());
  return b.node->host_map().Current()->FindByIndex(
      a.node->host_map().Current()->FindByVpnIp(Ip(b_vpn_ip))
          ? a.node->host_map().Current()->FindByVpnIp(Ip(b_vpn_ip))->remote_index()
          : 0);
}

// `a` sends one authenticated message on its tunnel to vpn_ip, delivered to `b`.
bool SendOneMessage(TestNode& a, TestNode& b, const char* b_vpn_ip) {
  Tunnel* tunnel = a.node->host_map().Current()->FindByVpnIp(Ip(b_vpn_ip));
  if (!tunnel) return false;
  a.Take();
  a.node->SendOnTunnel(*tunnel, wire::MessageType::kTest, wire::MessageSubType::kTestRequest, {});
  auto sent = a.Take();
  return sent.size() == 1 && DeliverLikeWorker(b, sent[0].datagram);
}

// A stage 1 as a forger makes it: the member's certificate and static public key (seen in
// clear) with a private key of its own, and any time it likes.
Bytes ForgedStage1(const TestHost& member, uint64_t time_ns) {
  crypto::X25519KeyPair keys = crypto::X25519Generate();
  keys.public_key = member.keys.public_key;  // message 1 of IX sends it; no DH proves it
  noise::HandshakeState state(crypto::CipherKind::kAes256Gcm, noise::Role::kInitiator, keys);
  nebula::NebulaHandshake message;
  auto* details = message.mutable_details();
  details->set_initiatorindex(0x1234567);
  details->set_time(time_ns);
  Bytes cert = member.cert.MarshalForHandshakes();
  details->set_cert(cert.data(), cert.size());
  Bytes noise_message;
  EXPECT_TRUE(state.WriteMessage(wire::EncodeMessage(message), noise_message).ok());
  Bytes out(wire::kHeaderSize + noise_message.size());
  wire::Header header;
  header.type = wire::MessageType::kHandshake;
  header.subtype = wire::MessageSubType::kIxPsk0;
  header.message_counter = 1;
  wire::EncodeHeader(header, out.data());
  std::copy(noise_message.begin(), noise_message.end(), out.begin() + wire::kHeaderSize);
  return out;
}

constexpr uint64_t kFarFuture = uint64_t(4'000'000'000) * 1'000'000'000;  // year 2096

}  // namespace

// Finding 2: a forged stage 1 claiming to be a member, with a time far in the future, must
// neither replace the member's live tunnel nor lock out its real handshakes; a real restart
// of the member still takes over at its first packet.
TEST(MeshHandshake, ForgedFarFutureStage1NeitherReplacesALiveTunnelNorLocksOutTheMember) {
  TestCa ca = MakeTestCa();
  TestHost a_host = MakeTestHost(ca, "a", "10.9.0.1/24");
  config::Config a_config = MeshConfig(ca, a_host, StaticMapTo("10.9.0.2", kAddrB));
  auto a = TestNode::Create(a_config);
  auto b = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "b", "10.9.0.2/24"), ""));
  ASSERT_TRUE(a && b);
  Tunnel* live = Handshake(*a, *b, "10.9.0.2", kAddrA);
  ASSERT_NE(live, nullptr);
  EXPECT_FALSE(live->proven());
  ASSERT_TRUE(SendOneMessage(*a, *b, "10.9.0.2"));  // a's first packet proves b's tunnel
  EXPECT_TRUE(live->proven());
  const IpAddr vpn_a = Ip("10.9.0.1");
  ASSERT_EQ(b->node->host_map().Current()->FindByVpnIp(vpn_a), live);

  // The forgery: answered (it can't be told from a real one yet), but b keeps using the
  // live tunnel, which still carries a's packets.
  b->node->handshakes().HandlePacket(Addr("203.0.113.66:4242"),
                                     Span(ForgedStage1(a_host, kFarFuture)), Node::NowNs());
  EXPECT_EQ(b->node->host_map().Current()->FindByVpnIp(vpn_a), live);
  EXPECT_TRUE(SendOneMessage(*a, *b, "10.9.0.2"));
  EXPECT_EQ(b->node->host_map().Current()->FindByVpnIp(vpn_a), live);

  // a restarts (same cert and key, a fresh handshake at the real time): not "too old", and
  // its first packet makes its new tunnel b's tunnel to a.
  auto a2 = TestNode::Create(a_config);
  ASSERT_TRUE(a2);
  b->Take();
  Tunnel* fresh = Handshake(*a2, *b, "10.9.0.2", kAddrA);
  ASSERT_NE(fresh, nullptr) << *b->log;
  EXPECT_EQ(b->log->find("Handshake too old"), std::string::npos) << *b->log;
  EXPECT_EQ(b->node->host_map().Current()->FindByVpnIp(vpn_a), live);  // not before proof
  ASSERT_TRUE(SendOneMessage(*a2, *b, "10.9.0.2"));
  auto snapshot = b->node->host_map().Current();
  EXPECT_EQ(snapshot->FindByVpnIp(vpn_a), fresh);
  // The forged candidate and the old tunnel are gone: one index left for a.
  size_t indexes_for_a = 0;
  for (const auto& [index, tunnel] : snapshot->by_local_index)
    indexes_for_a += tunnel->vpn_ip() == vpn_a;
  EXPECT_EQ(indexes_for_a, 1u);
}

TEST(MeshHandshake, ForgedStage1BeforeAnyTunnelDoesNotLockOutTheMember) {
  TestCa ca = MakeTestCa();
  TestHost a_host = MakeTestHost(ca, "a", "10.9.0.1/24");
  auto a = TestNode::Create(MeshConfig(ca, a_host, StaticMapTo("10.9.0.2", kAddrB)));
  auto b = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "b", "10.9.0.2/24"), ""));
  ASSERT_TRUE(a && b);
  b->node->handshakes().HandlePacket(Addr("203.0.113.66:4242"),
                                     Span(ForgedStage1(a_host, kFarFuture)), Node::NowNs());
  Tunnel* real = Handshake(*a, *b, "10.9.0.2", kAddrA);
  ASSERT_NE(real, nullptr);
  EXPECT_EQ(b->log->find("Handshake too old"), std::string::npos) << *b->log;
  ASSERT_TRUE(SendOneMessage(*a, *b, "10.9.0.2"));
  EXPECT_EQ(b->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.1")), real);
  EXPECT_EQ(b->node->host_map().Current()->by_local_index.size(), 1u);
}

TEST(MeshHandshake, UnprovenCandidatesArePerPeerBoundedAndExpire) {
  TestCa ca = MakeTestCa();
  TestHost a_host = MakeTestHost(ca, "a", "10.9.0.1/24");
  auto a = TestNode::Create(MeshConfig(ca, a_host, StaticMapTo("10.9.0.2", kAddrB)));
  auto b = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "b", "10.9.0.2/24"), ""));
  ASSERT_TRUE(a && b);
  ASSERT_NE(Handshake(*a, *b, "10.9.0.2", kAddrA), nullptr);
  ASSERT_TRUE(SendOneMessage(*a, *b, "10.9.0.2"));
  const int64_t now = Node::NowNs();
  for (int i = 0; i < 20; ++i)
    b->node->handshakes().HandlePacket(Addr("203.0.113.66:4242"),
                                       Span(ForgedStage1(a_host, kFarFuture + i)), now);
  EXPECT_EQ(b->node->host_map().Current()->by_local_index.size(),
            1 + HandshakeManager::kMaxCandidatesPerPeer);
  b->node->timers().RunDue(now + HandshakeManager::kCandidateLifetimeNs);
  EXPECT_EQ(b->node->host_map().Current()->by_local_index.size(), 1u);
}
