// Relay setup on its own: RelayManagers built from their Deps with fakes
// (mesh_manager_fakes.h), fed CreateRelayRequest/Response messages from tunnels the test
// makes, in each of the three roles (the requester A, the relay R, the target B).
#include <gtest/gtest.h>

#include <map>

#include "mesh/relay_manager.h"
#include "mesh_manager_fakes.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;
using nebula::NebulaControl;

namespace {

struct RelayUnderTest {
  TestCa ca = MakeTestCa();
  ManagerHost host;
  RelayManager relays;

  RelayUnderTest(const char* cidr, bool am_relay)
      : host(MeshConfig(ca, MakeTestHost(ca, "me", cidr), "")),
        relays(RelayManager::Deps{am_relay, host.me, host.logger, host.counters, host.host_map,
                                  host.send, host.handshakes}) {}

  Tunnel& Peer(const char* vpn_ip, const char* remote, uint32_t index) {
    auto tunnel = MakeTunnel(Ip(vpn_ip), index, Addr(remote));
    host.host_map.Add(tunnel);
    return *tunnel;
  }
  void Receive(Tunnel& from, NebulaControl::MessageType type, uint32_t initiator_index,
               uint32_t responder_index, const char* relay_from, const char* relay_to) {
    NebulaControl message;
    message.set_type(type);
    message.set_initiatorrelayindex(initiator_index);
    message.set_responderrelayindex(responder_index);
    EXPECT_TRUE(wire::SetControlRelayAddrs(&message, cert::Version::kV1, Ip(relay_from),
                                           Ip(relay_to))
                    .ok());
    Bytes bytes = wire::EncodeMessage(message);
    relays.HandleMessage(from, ByteSpan(bytes.data(), bytes.size()), 0);
  }
  const Relay* Leg(const char* via, const char* peer) const {
    auto snapshot = host.host_map.Current();
    const Relay* leg = snapshot->FindRelay(Ip(via), Ip(peer));
    return leg ? &(last_legs_[leg->local_index] = *leg) : nullptr;
  }

 private:
  mutable std::map<uint32_t, Relay> last_legs_;  // copies outlive the snapshot
};

// The control messages sent so far, decoded, with whom they went to.
std::vector<std::pair<IpAddr, NebulaControl>> Controls(const FakeSender& send) {
  std::vector<std::pair<IpAddr, NebulaControl>> out;
  for (const auto& sent : send.to_vpn) {
    if (sent.type != wire::MessageType::kControl) continue;
    auto message = wire::DecodeControl(ByteSpan(sent.payload.data(), sent.payload.size()));
    EXPECT_TRUE(message.ok());
    if (message.ok()) out.emplace_back(sent.vpn_ip, *message);
  }
  return out;
}

IpAddr From(const NebulaControl& m) { return wire::ControlRelayAddrsOf(m)->from; }
IpAddr To(const NebulaControl& m) { return wire::ControlRelayAddrsOf(m)->to; }

}  // namespace

TEST(RelayManager, TheRelayAsksTheTargetThenAnswersTheRequesterWhenTheTargetDoes) {
  RelayUnderTest r("10.9.0.9/24", /*am_relay=*/true);
  Tunnel& a = r.Peer("10.9.0.1", "203.0.113.1:4242", 1);
  Tunnel& b = r.Peer("10.9.0.2", "203.0.113.2:4242", 2);
  r.Receive(a, NebulaControl::CreateRelayRequest, 111, 0, "10.9.0.1", "10.9.0.2");
  // Two forwarding legs, both waiting for B; a request to B under the leg towards it.
  const Relay* to_b = r.Leg("10.9.0.2", "10.9.0.1");
  const Relay* to_a = r.Leg("10.9.0.1", "10.9.0.2");
  ASSERT_TRUE(to_b && to_a);
  EXPECT_EQ(to_b->type, RelayType::kForwarding);
  EXPECT_EQ(to_b->state, RelayState::kRequested);
  EXPECT_EQ(to_a->state, RelayState::kRequested);
  EXPECT_EQ(to_a->remote_index, 111u);
  auto sent = Controls(r.host.send);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first, Ip("10.9.0.2"));
  EXPECT_EQ(sent[0].second.type(), NebulaControl::CreateRelayRequest);
  EXPECT_EQ(sent[0].second.initiatorrelayindex(), to_b->local_index);
  EXPECT_EQ(From(sent[0].second), Ip("10.9.0.1"));
  EXPECT_EQ(To(sent[0].second), Ip("10.9.0.2"));

  // B answers: both legs are up, and A hears its index answered with ours.
  r.host.send.Clear();
  r.Receive(b, NebulaControl::CreateRelayResponse, to_b->local_index, 222, "10.9.0.1", "10.9.0.2");
  to_b = r.Leg("10.9.0.2", "10.9.0.1");
  to_a = r.Leg("10.9.0.1", "10.9.0.2");
  EXPECT_EQ(to_b->state, RelayState::kEstablished);
  EXPECT_EQ(to_b->remote_index, 222u);
  EXPECT_EQ(to_a->state, RelayState::kEstablished);
  sent = Controls(r.host.send);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first, Ip("10.9.0.1"));
  EXPECT_EQ(sent[0].second.type(), NebulaControl::CreateRelayResponse);
  EXPECT_EQ(sent[0].second.initiatorrelayindex(), 111u);
  EXPECT_EQ(sent[0].second.responderrelayindex(), to_a->local_index);
}

TEST(RelayManager, AResponseOverAnotherTunnelThanTheLegsIsIgnored) {
  RelayUnderTest r("10.9.0.9/24", true);
  Tunnel& a = r.Peer("10.9.0.1", "203.0.113.1:4242", 1);
  r.Peer("10.9.0.2", "203.0.113.2:4242", 2);
  Tunnel& c = r.Peer("10.9.0.3", "203.0.113.3:4242", 3);
  r.Receive(a, NebulaControl::CreateRelayRequest, 111, 0, "10.9.0.1", "10.9.0.2");
  uint32_t index = r.Leg("10.9.0.2", "10.9.0.1")->local_index;
  r.host.send.Clear();
  r.Receive(c, NebulaControl::CreateRelayResponse, index, 333, "10.9.0.1", "10.9.0.2");
  EXPECT_EQ(r.Leg("10.9.0.2", "10.9.0.1")->state, RelayState::kRequested);
  EXPECT_TRUE(Controls(r.host.send).empty());
}

TEST(RelayManager, WithoutATunnelToTheTargetTheRelayStartsAHandshakeFirst) {
  RelayUnderTest r("10.9.0.9/24", true);
  Tunnel& a = r.Peer("10.9.0.1", "203.0.113.1:4242", 1);
  r.Receive(a, NebulaControl::CreateRelayRequest, 111, 0, "10.9.0.1", "10.9.0.2");
  EXPECT_EQ(r.host.handshakes.initiated, std::vector<IpAddr>{Ip("10.9.0.2")});
  EXPECT_EQ(r.host.host_map.Current()->relays_by_index.size(), 0u);
  EXPECT_TRUE(Controls(r.host.send).empty());
}

TEST(RelayManager, WhatARelayRefuses) {
  {  // Not a relay: nothing.
    RelayUnderTest r("10.9.0.9/24", /*am_relay=*/false);
    Tunnel& a = r.Peer("10.9.0.1", "203.0.113.1:4242", 1);
    r.Peer("10.9.0.2", "203.0.113.2:4242", 2);
    r.Receive(a, NebulaControl::CreateRelayRequest, 111, 0, "10.9.0.1", "10.9.0.2");
    EXPECT_TRUE(Controls(r.host.send).empty());
    EXPECT_EQ(r.host.host_map.Current()->relays_by_index.size(), 0u);
  }
  {  // A path from someone else than the requester, to itself, or out of our network.
    RelayUnderTest r("10.9.0.9/24", true);
    Tunnel& a = r.Peer("10.9.0.1", "203.0.113.1:4242", 1);
    r.Peer("10.9.0.2", "203.0.113.2:4242", 2);
    r.Receive(a, NebulaControl::CreateRelayRequest, 111, 0, "10.9.0.3", "10.9.0.2");
    r.Receive(a, NebulaControl::CreateRelayRequest, 112, 0, "10.9.0.1", "10.9.0.1");
    r.Receive(a, NebulaControl::CreateRelayRequest, 113, 0, "10.9.0.1", "192.168.7.7");
    EXPECT_TRUE(Controls(r.host.send).empty());
    EXPECT_TRUE(r.host.handshakes.initiated.empty());
    EXPECT_EQ(r.host.host_map.Current()->relays_by_index.size(), 0u);
    EXPECT_EQ(r.host.counters.relay_refused.load(), 2u);
  }
}

TEST(RelayManager, APeerGetsAtMostItsShareOfPathsAndTheRefusalsAreCounted) {
  RelayUnderTest r("10.9.0.9/16", true);
  Tunnel& a = r.Peer("10.9.0.1", "203.0.113.1:4242", 1);
  const size_t extra = 3;
  for (size_t i = 0; i < RelayManager::kMaxPathsPerPeer + extra; ++i) {
    std::string target = "10.9.1." + std::to_string(i + 1);
    r.Peer(target.c_str(), "203.0.113.2:4242", uint32_t(100 + i));
    r.Receive(a, NebulaControl::CreateRelayRequest, uint32_t(1000 + i), 0, "10.9.0.1",
              target.c_str());
  }
  EXPECT_EQ(Controls(r.host.send).size(), RelayManager::kMaxPathsPerPeer);
  EXPECT_EQ(r.host.counters.relay_refused.load(), extra);
  // A request for a path it already has is no new path: asked again, it is not refused.
  r.Receive(a, NebulaControl::CreateRelayRequest, 1000, 0, "10.9.0.1", "10.9.1.1");
  EXPECT_EQ(r.host.counters.relay_refused.load(), extra);
}

TEST(RelayManager, TheTargetAnswersWithAnEstablishedTerminalLegAndAgainWithTheSameOne) {
  RelayUnderTest b("10.9.0.2/24", false);
  Tunnel& relay = b.Peer("10.9.0.9", "203.0.113.9:4242", 9);
  b.Receive(relay, NebulaControl::CreateRelayRequest, 555, 0, "10.9.0.1", "10.9.0.2");
  const Relay* leg = b.Leg("10.9.0.9", "10.9.0.1");
  ASSERT_NE(leg, nullptr);
  EXPECT_EQ(leg->type, RelayType::kTerminal);
  EXPECT_EQ(leg->state, RelayState::kEstablished);
  EXPECT_EQ(leg->remote_index, 555u);
  uint32_t index = leg->local_index;
  b.Receive(relay, NebulaControl::CreateRelayRequest, 555, 0, "10.9.0.1", "10.9.0.2");
  auto sent = Controls(b.host.send);
  ASSERT_EQ(sent.size(), 2u);
  for (const auto& [to, message] : sent) {
    EXPECT_EQ(to, Ip("10.9.0.9"));
    EXPECT_EQ(message.type(), NebulaControl::CreateRelayResponse);
    EXPECT_EQ(message.initiatorrelayindex(), 555u);
    EXPECT_EQ(message.responderrelayindex(), index);  // a resent request: the same leg
  }
}

TEST(RelayManager, TheRequesterAsksUntilTheRelayAnswersThenTheHandshakeGoesThrough) {
  RelayUnderTest a("10.9.0.1/24", false);
  Tunnel& relay = a.Peer("10.9.0.9", "203.0.113.9:4242", 9);
  EXPECT_FALSE(a.relays.EnsurePath(relay, Ip("10.9.0.2")));
  EXPECT_FALSE(a.relays.EnsurePath(relay, Ip("10.9.0.2")));  // asks again, same index
  auto sent = Controls(a.host.send);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].second.initiatorrelayindex(), sent[1].second.initiatorrelayindex());
  uint32_t index = sent[0].second.initiatorrelayindex();
  EXPECT_FALSE(a.relays.SendThrough(Ip("10.9.0.9"), Ip("10.9.0.2"), Bytes{1, 2, 3}));

  a.Receive(relay, NebulaControl::CreateRelayResponse, index, 777, "10.9.0.1", "10.9.0.2");
  EXPECT_EQ(a.host.handshakes.triggered, std::vector<IpAddr>{Ip("10.9.0.2")});
  EXPECT_TRUE(a.relays.EnsurePath(relay, Ip("10.9.0.2")));
  // Through the relay: a relay message under our leg's index there, to the relay's address.
  a.host.send.Clear();
  Bytes inner(40, 0x33);
  EXPECT_TRUE(a.relays.SendThrough(Ip("10.9.0.9"), Ip("10.9.0.2"), inner));
  ASSERT_EQ(a.host.send.raw.size(), 1u);
  EXPECT_EQ(a.host.send.raw[0].to, Addr("203.0.113.9:4242"));
  wire::Header header = a.host.send.raw[0].header();
  EXPECT_EQ(header.subtype, wire::MessageSubType::kRelay);
  EXPECT_EQ(header.remote_index, 777u);
  EXPECT_TRUE(std::equal(inner.begin(), inner.end(), a.host.send.raw[0].datagram.begin() + 16));
}
