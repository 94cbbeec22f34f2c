// The Pinger (mesh/pinger.h): `flatnet ping` and the round trips `flatnet status` shows are
// test requests carrying a probe id, timed when the peer echoes it back.
#include "mesh/pinger.h"

#include <gtest/gtest.h>

#include <optional>

#include "mesh_manager_fakes.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr int64_t kMs = 1'000'000;

struct PingerTest : ::testing::Test {
  TestCa ca = MakeTestCa();
  ManagerHost host{MeshConfig(ca, MakeTestHost(ca, "me", "10.9.0.1/24"), "")};
  Pinger pinger{Pinger::Deps{host.me, host.host_map, host.send, host.handshakes, host.timers}};
  std::optional<PingResult> result;

  void Ping(const std::string& target, int64_t now, int64_t timeout = 1000 * kMs) {
    result.reset();
    pinger.Ping({target, timeout}, now, [this](PingResult r) {
      ASSERT_FALSE(result) << "done called twice";
      result = std::move(r);
    });
  }
  // The payload of the only test request sent since the last call.
  Bytes TakeProbe() {
    EXPECT_EQ(host.send.on_tunnel.size(), 1u);
    if (host.send.on_tunnel.empty()) return {};
    auto sent = host.send.on_tunnel.back();
    host.send.Clear();
    EXPECT_EQ(sent.type, wire::MessageType::kTest);
    EXPECT_EQ(sent.subtype, wire::MessageSubType::kTestRequest);
    return sent.payload;
  }
};

}  // namespace

TEST_F(PingerTest, PingsAPeerByNameAndTimesTheEchoedProbe) {
  auto tunnel = MakeTunnel(Ip("10.9.0.2"), 5, Addr("198.51.100.7:4242"));  // named "peer 2"
  host.host_map.Add(tunnel);
  Ping("peer 2", 100 * kMs);
  EXPECT_FALSE(result);
  Bytes probe = TakeProbe();
  ASSERT_EQ(probe.size(), Pinger::kProbeSize);
  EXPECT_TRUE(Pinger::LooksLikeProbe(probe));
  // The peer echoes it (as every nebula does) 3 ms later, from its address.
  pinger.Answered(*tunnel, probe, Addr("198.51.100.7:4242"), 103 * kMs);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->outcome, PingResult::Outcome::kReply);
  EXPECT_EQ(result->rtt_ns, 3 * kMs);
  EXPECT_EQ(result->vpn_ip, "10.9.0.2");
  EXPECT_EQ(result->cert_name, "peer 2");
  EXPECT_FALSE(result->handshake);
  EXPECT_FALSE(result->relayed);
  EXPECT_EQ(result->remote, "198.51.100.7:4242");
  EXPECT_EQ(tunnel->rtt_ns(), 3 * kMs);  // what `flatnet status` shows
  // The same reply again (a replayed or duplicated echo) changes nothing.
  pinger.Answered(*tunnel, probe, Addr("198.51.100.7:4242"), 150 * kMs);
  EXPECT_EQ(tunnel->rtt_ns(), 3 * kMs);
}

TEST_F(PingerTest, AReplyThatNamesNoOutstandingProbeOfThatPeerIsIgnoredAndThePingTimesOut) {
  auto b = MakeTunnel(Ip("10.9.0.2"), 5, Addr("198.51.100.7:4242"));
  auto c = MakeTunnel(Ip("10.9.0.3"), 6, Addr("198.51.100.8:4242"));
  host.host_map.Add(b);
  host.host_map.Add(c);
  Ping("10.9.0.2", 0);
  Bytes probe = TakeProbe();
  // Another peer can't answer b's probe, and a reply without a probe's shape is nothing.
  pinger.Answered(*c, probe, Addr("198.51.100.8:4242"), 1 * kMs);
  Bytes forged = probe;
  forged[15] ^= 1;
  pinger.Answered(*b, forged, Addr("198.51.100.7:4242"), 1 * kMs);
  pinger.Answered(*b, Bytes{}, Addr("198.51.100.7:4242"), 1 * kMs);
  EXPECT_FALSE(result);
  EXPECT_EQ(b->rtt_ns(), 0);
  EXPECT_EQ(c->rtt_ns(), 0);
  host.timers.RunDue(999 * kMs);
  EXPECT_FALSE(result);
  host.timers.RunDue(1000 * kMs);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->outcome, PingResult::Outcome::kTimeout);
  EXPECT_TRUE(result->tunnel);
  EXPECT_EQ(result->remote, "198.51.100.7:4242");
  // The late reply still measures the tunnel, but the ping is over: done was called once.
  pinger.Answered(*b, probe, Addr("198.51.100.7:4242"), 1200 * kMs);
  EXPECT_EQ(b->rtt_ns(), 1200 * kMs);
}

TEST_F(PingerTest, WithoutATunnelItHandshakesFirstThenProbesAndSaysSo) {
  Ping("10.9.0.4", 0);
  ASSERT_EQ(host.handshakes.initiated.size(), 1u);
  EXPECT_EQ(host.handshakes.initiated[0], Ip("10.9.0.4"));
  EXPECT_TRUE(host.send.on_tunnel.empty());
  // The handshake completes 20 ms later; the probe leaves from a timer due at once (after
  // the responder's stage 2).
  auto tunnel = MakeTunnel(Ip("10.9.0.4"), 7, Addr("203.0.113.9:4242"));
  host.host_map.Add(tunnel);
  pinger.TunnelUp(tunnel->vpn_ip(), "peer 4", 20 * kMs);
  EXPECT_TRUE(host.send.on_tunnel.empty());
  host.timers.RunDue(20 * kMs);
  Bytes probe = TakeProbe();
  pinger.Answered(*tunnel, probe, Addr("203.0.113.9:4242"), 22 * kMs);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->outcome, PingResult::Outcome::kReply);
  EXPECT_TRUE(result->handshake);
  EXPECT_EQ(result->handshake_ns, 20 * kMs);
  EXPECT_EQ(result->rtt_ns, 2 * kMs);
  // Its name is remembered once the tunnel is gone.
  host.host_map.Remove(*tunnel);
  Ping("peer 4", 30 * kMs);
  EXPECT_FALSE(result);
  EXPECT_EQ(host.handshakes.initiated.size(), 2u);
}

TEST_F(PingerTest, AHandshakeThatNeverCompletesIsATimeoutWithoutATunnel) {
  Ping("10.9.0.5", 0, 500 * kMs);
  host.timers.RunDue(500 * kMs);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->outcome, PingResult::Outcome::kTimeout);
  EXPECT_TRUE(result->handshake);
  EXPECT_FALSE(result->tunnel);
}

TEST_F(PingerTest, ARelayedPeerIsReportedWithItsRelaysName) {
  auto relay = MakeTunnel(Ip("10.9.0.9"), 8, Addr("203.0.113.1:4242"));  // "peer 9"
  auto peer = MakeTunnel(Ip("10.9.0.3"), 9, net::UdpAddr(), cert::Version::kV1, Ip("10.9.0.9"));
  host.host_map.Add(relay);
  host.host_map.Add(peer);
  Ping("peer 3", 0);
  Bytes probe = TakeProbe();
  pinger.Answered(*peer, probe, net::UdpAddr(), 4 * kMs);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->outcome, PingResult::Outcome::kReply);
  EXPECT_TRUE(result->relayed);
  EXPECT_EQ(result->relay_vpn_ip, "10.9.0.9");
  EXPECT_EQ(result->relay_name, "peer 9");
  EXPECT_EQ(result->remote, "");
}

TEST_F(PingerTest, UnknownNamesAndForeignOrOwnAddressesAreErrorsNamingThem) {
  Ping("nobody", 0);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->outcome, PingResult::Outcome::kError);
  EXPECT_NE(result->error.find("no peer named \"nobody\""), std::string::npos) << result->error;
  Ping("192.0.2.7", 0);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->outcome, PingResult::Outcome::kError);
  EXPECT_NE(result->error.find("192.0.2.7 is not in this host's overlay network 10.9.0.0/24"),
            std::string::npos)
      << result->error;
  Ping("10.9.0.1", 0);
  ASSERT_TRUE(result);
  EXPECT_NE(result->error.find("this host's own address"), std::string::npos) << result->error;
  Ping("me", 0);
  ASSERT_TRUE(result);
  EXPECT_NE(result->error.find("this host's own name"), std::string::npos) << result->error;
  EXPECT_TRUE(host.handshakes.initiated.empty());
  EXPECT_TRUE(host.send.on_tunnel.empty());
}

TEST_F(PingerTest, AnIpv6AddressOfAPeersCertificateFindsItsTunnel) {
  auto cert = std::make_shared<cert::Certificate>();
  cert->name = "dual";
  cert->networks = {*ParseIpPrefix("10.9.0.6/24"), *ParseIpPrefix("2001:db8::6/64")};
  noise::SessionKeys keys{crypto::CipherKind::kAes256Gcm, {}, {}};
  auto tunnel = std::make_shared<Tunnel>(Ip("10.9.0.6"), 10, 11, keys, cert,
                                         firewall::PeerIdentity{}, Addr("198.51.100.6:4242"), 1,
                                         true);
  host.host_map.Add(tunnel);
  Ping("2001:db8::6", 0);
  EXPECT_FALSE(result);
  Bytes probe = TakeProbe();
  pinger.Answered(*tunnel, probe, Addr("198.51.100.6:4242"), 1 * kMs);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->vpn_ip, "10.9.0.6");
  EXPECT_EQ(result->cert_name, "dual");
}

TEST_F(PingerTest, OutstandingProbesAreBounded) {
  auto tunnel = MakeTunnel(Ip("10.9.0.2"), 5, Addr("198.51.100.7:4242"));
  host.host_map.Add(tunnel);
  pinger.Probe(*tunnel, 0);
  Bytes first = TakeProbe();
  for (size_t i = 0; i < Pinger::kMaxOutstanding; ++i) pinger.Probe(*tunnel, 1);
  host.send.Clear();
  // The oldest was forgotten to make room: its echo measures nothing.
  pinger.Answered(*tunnel, first, Addr("198.51.100.7:4242"), 5 * kMs);
  EXPECT_EQ(tunnel->rtt_ns(), 0);
}
