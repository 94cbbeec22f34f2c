// Liveness, Nebula's connection manager: which tunnels get a test message and which are
// declared dead. A lighthouse answers each host's update at once, so a peer heard from in
// the tick we answered it is alive; a tunnel we send on without hearing back is tested, and
// removed when the test goes unanswered. What came in the tick before we answered counts too.
#include "mesh/liveness.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "mesh/host_map.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr const char* kPeerAddr = "198.51.100.7:4242";

struct LivenessUnderTest {
  TestCa ca = MakeTestCa();
  std::unique_ptr<TestNode> a =
      TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "a", "10.9.0.1/16"), ""));
  std::shared_ptr<Tunnel> tunnel;
  std::unique_ptr<Liveness> liveness;

  LivenessUnderTest() {
    if (!a) return;
    noise::SessionKeys keys{crypto::CipherKind::kAes256Gcm, {}, {}};
    crypto::RandomBytes(keys.send);
    crypto::RandomBytes(keys.receive);
    auto peer_cert =
        std::make_shared<const cert::Certificate>(MakeTestHost(ca, "b", "10.9.0.2/16").cert);
    tunnel = std::make_shared<Tunnel>(Ip("10.9.0.2"), 77, 78, keys, peer_cert,
                                      firewall::PeerIdentity{}, Addr(kPeerAddr), 1,
                                      /*initiator=*/true, /*via_relay=*/IpAddr(), SendLimits{});
    Node& node = *a->node;
    node.host_map().Add(tunnel);
    liveness = std::make_unique<Liveness>(
        Liveness::Deps{node.settings(), node.logger(), node.control_counters(), node.host_map(),
                       node, node, node, node.timers(), node.pinger()});
  }
  // Test requests sent to the peer since the last call.
  int TestsSent() {
    int tests = 0;
    for (const Sent& sent : a->Take())
      tests += sent.to == Addr(kPeerAddr) && sent.header().type == wire::MessageType::kTest &&
               sent.header().subtype == wire::MessageSubType::kTestRequest;
    return tests;
  }
  bool TunnelListed() const {
    return a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2")) != nullptr;
  }
};

}  // namespace

TEST(MeshLiveness, APeerHeardInTheTickWeAnsweredItIsAliveAndNotTested) {
  LivenessUnderTest t;
  ASSERT_TRUE(t.a && t.tunnel);
  int64_t now = Node::NowNs();
  t.liveness->Check(now);  // a new tunnel's one round-trip probe
  EXPECT_EQ(t.TestsSent(), 1);
  t.tunnel->TakeOut();  // that probe's own traffic
  // Ten update cycles: the host reports itself, we acknowledge in the same tick.
  for (int second = 1; second <= 100; ++second) {
    if (second % 10 == 0) {
      t.tunnel->MarkIn();
      t.tunnel->MarkOut();
    }
    t.liveness->Check(now + second * kSecond);
  }
  EXPECT_EQ(t.TestsSent(), 0);
  EXPECT_TRUE(t.TunnelListed());
}

TEST(MeshLiveness, ATunnelWeSendOnWithoutHearingBackIsTestedThenRemoved) {
  LivenessUnderTest t;
  ASSERT_TRUE(t.a && t.tunnel);
  int64_t now = Node::NowNs();
  t.liveness->Check(now);
  t.TestsSent();
  t.tunnel->TakeOut();
  // What came in two ticks before we send says nothing about the peer now.
  t.tunnel->MarkIn();
  t.liveness->Check(now + 1 * kSecond);
  t.liveness->Check(now + 2 * kSecond);
  t.tunnel->MarkOut();
  t.liveness->Check(now + 3 * kSecond);  // watched from here: alive_interval is 5 s
  for (int second = 4; second < 8; ++second) t.liveness->Check(now + second * kSecond);
  EXPECT_EQ(t.TestsSent(), 0);
  t.liveness->Check(now + 8 * kSecond);
  EXPECT_EQ(t.TestsSent(), 1);
  EXPECT_TRUE(t.TunnelListed());
  // No answer within pending_deletion_interval (10 s): dead, removed.
  for (int second = 9; second < 18; ++second) t.liveness->Check(now + second * kSecond);
  EXPECT_TRUE(t.TunnelListed());
  t.liveness->Check(now + 18 * kSecond);
  EXPECT_FALSE(t.TunnelListed());
}

TEST(MeshLiveness, AnUpdateAnsweredTheTickAfterItArrivedStillShowsThePeerAlive) {
  LivenessUnderTest t;
  ASSERT_TRUE(t.a && t.tunnel);
  int64_t now = Node::NowNs();
  t.liveness->Check(now);
  EXPECT_EQ(t.TestsSent(), 1);
  t.tunnel->TakeOut();
  // A busy lighthouse: each update arrives before a tick, its ack leaves after it.
  for (int second = 1; second <= 100; ++second) {
    if (second % 10 == 0) t.tunnel->MarkIn();
    if (second % 10 == 1 && second > 1) t.tunnel->MarkOut();
    t.liveness->Check(now + second * kSecond);
  }
  EXPECT_EQ(t.TestsSent(), 0);
  EXPECT_TRUE(t.TunnelListed());
}
