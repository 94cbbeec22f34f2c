// Nebula 1.11.1's counter fix (#1841), checked here: a tunnel's send counter is the AEAD
// nonce, so it must never wrap. A tunnel refuses to seal once the counter reaches
// SendLimits::reject_after, Liveness starts a new handshake past rehandshake_after and
// closes a spent tunnel. The limits are injected small, instead of sending 2^34 packets.
#include <gtest/gtest.h>

#include "crypto/random.h"
#include "mesh/handshake_manager.h"
#include "mesh/host_map.h"
#include "mesh/liveness.h"
#include "mesh/relay_codec.h"
#include "mesh/seal.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr SendLimits kSmallLimits{/*rehandshake_after=*/10, /*reject_after=*/20};

std::shared_ptr<Tunnel> LimitedTunnel(
    const IpAddr& vpn_ip, SendLimits limits,
    std::shared_ptr<const cert::Certificate> peer = std::make_shared<const cert::Certificate>()) {
  noise::SessionKeys keys{crypto::CipherKind::kAes256Gcm, {}, {}};
  crypto::RandomBytes(keys.send);
  crypto::RandomBytes(keys.receive);
  return std::make_shared<Tunnel>(vpn_ip, 77, 78, keys, std::move(peer), firewall::PeerIdentity{},
                                  Addr("198.51.100.7:4242"), 1,
                                  /*initiator=*/true, /*via_relay=*/IpAddr(), limits);
}

long SealOne(Tunnel& tunnel) {
  uint8_t payload[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint8_t out[64];
  return tunnel.SealMessage(0, wire::MessageType::kMessage, wire::MessageSubType::kNone,
                            ByteSpan(payload, sizeof(payload)), out, sizeof(out));
}

}  // namespace

TEST(MeshSendLimit, DefaultsRehandshakeLongBeforeTheHardStopWhichIsShortOfTheWrap) {
  SendLimits limits;
  EXPECT_EQ(limits.rehandshake_after, uint64_t(1) << 34);
  EXPECT_LT(limits.rehandshake_after, limits.reject_after);
  // The hard stop leaves 2^40 counters before the wrap for threads racing the counter.
  EXPECT_EQ(~uint64_t(0) - limits.reject_after, uint64_t(1) << 40);
}

TEST(MeshSendLimit, ATunnelSealsUpToItsLimitAndNeverAgainAfter) {
  auto tunnel = LimitedTunnel(Ip("10.9.0.2"), kSmallLimits);
  // Counters 1 and 2 were the handshake's; data runs 3..20.
  uint64_t last_counter = 0;
  for (uint64_t c = 3; c <= kSmallLimits.reject_after; ++c) {
    uint8_t payload[4] = {};
    uint8_t out[64];
    long length = tunnel->SealMessage(0, wire::MessageType::kMessage, wire::MessageSubType::kNone,
                                      ByteSpan(payload, sizeof(payload)), out, sizeof(out));
    ASSERT_GT(length, 0) << "counter " << c;
    last_counter = wire::ParseHeader(ByteSpan(out, size_t(length)))->message_counter;
  }
  EXPECT_EQ(last_counter, kSmallLimits.reject_after);
  EXPECT_TRUE(tunnel->SendSpent());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(SealOne(*tunnel), kSendSpent);
  // Refused attempts do not move the counter on towards a wrap.
  EXPECT_EQ(tunnel->SendCounter(), kSmallLimits.reject_after);
}

TEST(MeshSendLimit, ASpentRelayTunnelWrapsNothingForTheRelay) {
  auto via = LimitedTunnel(Ip("10.9.0.3"), SendLimits{5, 6});
  uint8_t datagram[128] = {};
  size_t inner = 20;
  EXPECT_GT(WrapRelayed(*via, 0, 99, datagram, sizeof(datagram), inner), 0);  // counter 3
  for (int c = 4; c <= 6; ++c) EXPECT_GT(SealOne(*via), 0);
  EXPECT_EQ(WrapRelayed(*via, 0, 99, datagram, sizeof(datagram), inner), kSendSpent);
  // SealForPeer (seal.h) reports a spent tunnel as such, so it is counted as
  // tx_dropped_send_limit.
  HostMap no_relays;
  uint8_t payload[4] = {};
  SealedDatagram sealed = SealForPeer(
      *no_relays.Current(), *via, 0, wire::MessageType::kMessage, wire::MessageSubType::kNone,
      ByteSpan(payload, sizeof(payload)), MutableByteSpan(datagram));
  EXPECT_EQ(sealed.error, SealError::kSendSpent);
  Counters counters;
  CountSealFailure(counters, sealed.error);
  EXPECT_EQ(counters.tx_dropped_send_limit.load(), 1u);
}

TEST(MeshSendLimit, LivenessRehandshakesAWornTunnelAndClosesASpentOne) {
  TestCa ca = MakeTestCa();
  auto a = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "a", "10.9.0.1/16"), ""));
  ASSERT_TRUE(a);
  Node& node = *a->node;
  const IpAddr peer = Ip("10.9.0.2");
  // A certificate the node's CA signed: Liveness closes the tunnel of one that does not
  // verify (pki.disconnect_invalid, mesh/invalid_certs.h) before anything else.
  auto tunnel = LimitedTunnel(
      peer, kSmallLimits,
      std::make_shared<const cert::Certificate>(MakeTestHost(ca, "b", "10.9.0.2/16").cert));
  node.host_map().Add(tunnel);
  Liveness liveness(Liveness::Deps{node.settings(), node.logger(), node.control_counters(),
                                   node.host_map(), node, node, node, node.timers(),
                                   node.pinger()});

  // Below the threshold nothing happens.
  for (uint64_t c = 3; c < kSmallLimits.rehandshake_after; ++c) ASSERT_GT(SealOne(*tunnel), 0);
  liveness.Check(Node::NowNs());
  EXPECT_FALSE(node.handshakes().Pending(peer));
  EXPECT_EQ(a->Counter("tunnels_rekeyed"), 0u);

  // At the threshold a new handshake starts, its stage 1 goes to the peer, and the tunnel
  // stays in use meanwhile.
  ASSERT_GT(SealOne(*tunnel), 0);
  a->Take();
  liveness.Check(Node::NowNs());
  EXPECT_TRUE(node.handshakes().Pending(peer));
  EXPECT_EQ(a->Counter("tunnels_rekeyed"), 1u);
  bool stage1_sent = false;
  for (const Sent& sent : a->Take())
    stage1_sent = stage1_sent || (sent.header().type == wire::MessageType::kHandshake &&
                                  sent.to == Addr("198.51.100.7:4242"));
  EXPECT_TRUE(stage1_sent);
  EXPECT_EQ(node.host_map().Current()->FindByVpnIp(peer), tunnel.get());

  // Sending on to the hard stop: the node refuses and counts what could not be sealed.
  while (!tunnel->SendSpent())
    node.SendOnTunnel(*tunnel, wire::MessageType::kTest, wire::MessageSubType::kTestRequest, {});
  node.SendOnTunnel(*tunnel, wire::MessageType::kTest, wire::MessageSubType::kTestRequest, {});
  EXPECT_EQ(a->Counter("tx_dropped_send_limit"), 1u);

  // The spent tunnel is closed, locally.
  a->Take();
  liveness.Check(Node::NowNs());
  EXPECT_EQ(node.host_map().Current()->FindByVpnIp(peer), nullptr);
  EXPECT_EQ(node.host_map().Current()->FindByIndex(77), nullptr);
  EXPECT_EQ(a->Counter("tunnels_closed"), 1u);
  for (const Sent& sent : a->Take()) EXPECT_NE(sent.header().type, wire::MessageType::kCloseTunnel);
  EXPECT_NE(a->log->find("Dropping tunnel, message counter is exhausted"), std::string::npos);
}

// The metrics endpoint's per-peer tx bytes: inner bytes of what was sealed, nothing for
// what the limit refused.
TEST(MeshSendLimit, TxBytesCountWhatWasSealedOnly) {
  auto tunnel = LimitedTunnel(Ip("10.9.0.2"), kSmallLimits);
  EXPECT_EQ(tunnel->TxBytes(), 0u);
  ASSERT_GT(SealOne(*tunnel), 0);
  EXPECT_EQ(tunnel->TxBytes(), 8u);
  while (SealOne(*tunnel) > 0) {
  }
  const uint64_t sealed = tunnel->TxBytes();
  EXPECT_EQ(sealed, 8u * (kSmallLimits.reject_after - 2));  // counters 3..reject_after
  EXPECT_EQ(SealOne(*tunnel), kSendSpent);
  EXPECT_EQ(tunnel->TxBytes(), sealed);
}
