// The handshake state machine on its own: HandshakeManagers built from their Deps with fakes
// (mesh_manager_fakes.h), real stage 1 and stage 2 datagrams carried between them by the
// test, a wall clock the test sets, and forged stage 1s.
#include <gtest/gtest.h>

#include "mesh/handshake_manager.h"
#include "mesh_manager_fakes.h"
#include "noise/handshake_state.h"
#include "wire/messages.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr const char* kAddrA = "192.0.2.1:4242";
constexpr const char* kAddrB = "192.0.2.2:4242";
constexpr int64_t kMs = 1'000'000;
constexpr uint64_t kNow = uint64_t(1'800'000'000) * 1'000'000'000;  // wall clock, 2027

// A host with its own HandshakeManager wired to the fakes; its wall clock reads `wall_ns`.
struct Peer {
  ManagerHost host;
  uint64_t wall_ns = kNow;
  std::vector<config::CalculatedRemotes> calculated_remotes;  // none
  std::unique_ptr<HandshakeManager> handshakes;

  Peer(const TestCa& ca, const TestHost& me, const std::string& rest, bool use_relays = false)
      : host(MeshConfig(ca, me, rest)) {
    handshakes = std::make_unique<HandshakeManager>(HandshakeManager::Deps{
        host.me, host.settings, use_relays, host.logger, host.counters, host.host_map,
        *host.addresses, calculated_remotes, host.send, host.tunnels, host.lighthouse, host.relays,
        host.timers, [this] { return wall_ns; }});
  }
  Tunnel* TunnelTo(const char* vpn_ip) const {
    return host.host_map.Current()->FindByVpnIp(Ip(vpn_ip));
  }
};

std::string Rest(const char* peer_vpn_ip = "10.9.0.2", const char* peer_addr = kAddrB) {
  return std::string("static_host_map:\n  \"") + peer_vpn_ip + "\": [\"" + peer_addr +
         "\"]\nhandshakes:\n  try_interval: 100ms\n  retries: 3\n";
}

ByteSpan Span(const Bytes& bytes) { return ByteSpan(bytes.data(), bytes.size()); }

// Carries a's stage 1 to b and b's stage 2 back; returns b's tunnel to a.
Tunnel* Complete(Peer& a, Peer& b, int64_t now_ns) {
  auto stage1 = a.host.send.Handshakes(1);
  EXPECT_FALSE(stage1.empty());
  if (stage1.empty()) return nullptr;
  b.host.send.Clear();
  b.handshakes->HandlePacket(Addr(kAddrA), Span(stage1.back().datagram), now_ns);
  auto stage2 = b.host.send.Handshakes(2);
  EXPECT_EQ(stage2.size(), 1u) << *b.host.log;
  if (stage2.empty()) return nullptr;
  a.handshakes->HandlePacket(Addr(kAddrB), Span(stage2[0].datagram), now_ns);
  Tunnel* at_a = a.TunnelTo("10.9.0.2");
  return at_a ? b.host.host_map.Current()->FindByIndex(at_a->remote_index()) : nullptr;
}

// A stage 1 as a forger makes it: the member's certificate and static public key (both seen
// in clear) with a key pair of its own, and any time it likes.
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

struct Mesh {
  TestCa ca = MakeTestCa();
  TestHost a_host = MakeTestHost(ca, "a", "10.9.0.1/24");
  TestHost b_host = MakeTestHost(ca, "b", "10.9.0.2/24");
};

}  // namespace

TEST(HandshakeManager, QueuedPacketsAndMessagesLeaveOnTheNewTunnelOnceStage2Arrives) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest()), b(m.ca, m.b_host, "");
  const int64_t t0 = 1000 * kMs;
  a.handshakes->QueueOutbound(
      Ip("10.9.0.2"), {wire::MessageType::kMessage, wire::MessageSubType::kNone, {1, 2, 3}}, t0);
  a.handshakes->QueueOutbound(
      Ip("10.9.0.2"), {wire::MessageType::kLightHouse, wire::MessageSubType::kNone, {9}}, t0);
  // One handshake for both, its stage 1 to the static address at once, and a query.
  EXPECT_TRUE(a.handshakes->Pending(Ip("10.9.0.2")));
  ASSERT_EQ(a.host.send.Handshakes(1).size(), 1u);
  EXPECT_EQ(a.host.send.Handshakes(1)[0].to, Addr(kAddrB));
  EXPECT_EQ(a.host.lighthouse.queried, std::vector<IpAddr>{Ip("10.9.0.2")});
  EXPECT_TRUE(a.host.send.queued.empty());

  Tunnel* at_b = Complete(a, b, t0 + kMs);
  ASSERT_NE(at_b, nullptr);
  Tunnel* at_a = a.TunnelTo("10.9.0.2");
  ASSERT_NE(at_a, nullptr);
  EXPECT_FALSE(a.handshakes->Pending(Ip("10.9.0.2")));
  EXPECT_EQ(at_a->vpn_ip(), Ip("10.9.0.2"));
  EXPECT_EQ(at_b->vpn_ip(), Ip("10.9.0.1"));
  EXPECT_TRUE(at_a->proven());   // stage 2 proves the responder
  EXPECT_FALSE(at_b->proven());  // stage 1 proves nothing
  EXPECT_EQ(a.host.tunnels.established, std::vector<IpAddr>{Ip("10.9.0.2")});
  EXPECT_EQ(b.host.tunnels.established, std::vector<IpAddr>{Ip("10.9.0.1")});
  // What waited goes now, in order: the inside packet through the firewall path, the
  // lighthouse message sealed as it is.
  ASSERT_EQ(a.host.send.queued.size(), 1u);
  EXPECT_EQ(a.host.send.queued[0].packet, (Bytes{1, 2, 3}));
  EXPECT_EQ(a.host.send.queued[0].local_index, at_a->local_index());
  ASSERT_EQ(a.host.send.on_tunnel.size(), 1u);
  EXPECT_EQ(a.host.send.on_tunnel[0].type, wire::MessageType::kLightHouse);
  EXPECT_EQ(a.host.send.on_tunnel[0].payload, Bytes{9});
  EXPECT_EQ(a.host.counters.handshakes_completed.load(), 1u);
  EXPECT_EQ(b.host.counters.handshakes_completed.load(), 1u);
  // Only the side that started counts it (nebula's handshake_manager.initiated).
  EXPECT_EQ(a.host.counters.handshakes_initiated.load(), 1u);
  EXPECT_EQ(b.host.counters.handshakes_initiated.load(), 0u);
}

TEST(HandshakeManager, RetriesBackOffLinearlyThenTimeOut) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest());
  const int64_t t0 = 1000 * kMs;
  a.handshakes->Initiate(Ip("10.9.0.2"), t0);
  ASSERT_EQ(a.host.send.Handshakes(1).size(), 1u);
  const Bytes stage1 = a.host.send.Handshakes(1)[0].datagram;
  a.host.send.Clear();
  // try_interval * attempts: the 2nd send after 100 ms, the 3rd 200 ms after that.
  EXPECT_EQ(a.host.timers.NextDue(), t0 + 100 * kMs);  // the handshake retry timer
  a.host.timers.RunDue(t0 + 99 * kMs);
  EXPECT_TRUE(a.host.send.raw.empty());
  a.host.timers.RunDue(t0 + 100 * kMs);
  ASSERT_EQ(a.host.send.Handshakes(1).size(), 1u);
  EXPECT_EQ(a.host.send.Handshakes(1)[0].datagram, stage1);  // resent as it is
  EXPECT_EQ(a.host.timers.NextDue(), t0 + 300 * kMs);
  a.host.timers.RunDue(t0 + 299 * kMs);
  EXPECT_EQ(a.host.send.Handshakes(1).size(), 1u);
  a.host.timers.RunDue(t0 + 300 * kMs);
  EXPECT_EQ(a.host.send.Handshakes(1).size(), 2u);
  // retries: 3 sends, then the next due time gives up, and no timer is left.
  a.host.timers.RunDue(t0 + 10'000 * kMs);
  EXPECT_EQ(a.host.send.Handshakes(1).size(), 2u);
  EXPECT_FALSE(a.handshakes->Pending(Ip("10.9.0.2")));
  EXPECT_EQ(a.host.counters.handshakes_timed_out.load(), 1u);
  EXPECT_NE(a.host.log->find("Handshake timed out"), std::string::npos);
  EXPECT_EQ(a.host.timers.NextDue(), std::nullopt);
}

TEST(HandshakeManager, AFinishedHandshakeDisarmsItsRetryAndUnprovenCandidatesExpire) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest()), b(m.ca, m.b_host, "");
  a.handshakes->Initiate(Ip("10.9.0.2"), 0);
  ASSERT_NE(Complete(a, b, kMs), nullptr);
  EXPECT_EQ(a.host.timers.NextDue(), std::nullopt);  // no retry left behind
  Tunnel* live = b.TunnelTo("10.9.0.1");
  ASSERT_TRUE(live->NoteAuthenticated());
  b.handshakes->Proven(live->local_index());
  // Forged stage 1s: at most kMaxCandidatesPerPeer candidates, gone after their lifetime.
  const uint64_t far_future = uint64_t(4'000'000'000) * 1'000'000'000;
  for (int i = 0; i < 10; ++i)
    b.handshakes->HandlePacket(Addr("203.0.113.66:4242"),
                               Span(ForgedStage1(m.a_host, far_future + i)), 2 * kMs + i);
  EXPECT_EQ(b.host.host_map.Current()->by_local_index.size(),
            1 + HandshakeManager::kMaxCandidatesPerPeer);
  // One timer for the peer's candidates, armed for the oldest (the 7th forgery now).
  b.host.timers.RunDue(2 * kMs + 6 + HandshakeManager::kCandidateLifetimeNs);
  EXPECT_EQ(b.host.host_map.Current()->by_local_index.size(), 1 + 3u);
  b.host.timers.RunDue(2 * kMs + 9 + HandshakeManager::kCandidateLifetimeNs);
  EXPECT_EQ(b.host.host_map.Current()->by_local_index.size(), 1u);
  EXPECT_EQ(b.host.host_map.Current()->FindByVpnIp(Ip("10.9.0.1")), live);
  EXPECT_EQ(b.host.timers.NextDue(), std::nullopt);
}

TEST(HandshakeManager, AResentStage1GetsTheSameStage2AndNoSecondTunnel) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest()), b(m.ca, m.b_host, "");
  a.handshakes->Initiate(Ip("10.9.0.2"), 0);
  const Bytes stage1 = a.host.send.Handshakes(1)[0].datagram;
  b.handshakes->HandlePacket(Addr(kAddrA), Span(stage1), 0);
  b.handshakes->HandlePacket(Addr(kAddrA), Span(stage1), kMs);
  auto stage2 = b.host.send.Handshakes(2);
  ASSERT_EQ(stage2.size(), 2u);
  EXPECT_EQ(stage2[0].datagram, stage2[1].datagram);
  EXPECT_EQ(b.host.host_map.Current()->by_local_index.size(), 1u);
  EXPECT_EQ(b.host.counters.handshakes_completed.load(), 1u);
}

TEST(HandshakeManager, AProvenTunnelDropsItsCachedHandshakeAndALateDuplicateMakesNoTunnel) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest()), b(m.ca, m.b_host, "");
  a.handshakes->Initiate(Ip("10.9.0.2"), 0);
  const Bytes stage1 = a.host.send.Handshakes(1)[0].datagram;
  b.handshakes->HandlePacket(Addr(kAddrA), Span(stage1), 0);
  Tunnel* live = b.host.host_map.Current()->FindByVpnIp(Ip("10.9.0.1"));
  ASSERT_NE(live, nullptr);
  EXPECT_FALSE(live->control().stage2_packet.empty());  // kept for a resend of stage 1
  ASSERT_TRUE(live->NoteAuthenticated());
  b.handshakes->Proven(live->local_index());
  EXPECT_TRUE(live->control().stage1_packet.empty());
  EXPECT_TRUE(live->control().stage2_packet.empty());
  // The same stage 1 arriving late: no newer than the proven tunnel, so no second tunnel.
  b.host.send.Clear();
  b.handshakes->HandlePacket(Addr(kAddrA), Span(stage1), 2 * kMs);
  EXPECT_TRUE(b.host.send.Handshakes(2).empty());
  EXPECT_EQ(b.host.host_map.Current()->by_local_index.size(), 1u);
  EXPECT_EQ(b.host.host_map.Current()->FindByVpnIp(Ip("10.9.0.1")), live);
}

TEST(HandshakeManager, ForgedFarFutureStage1DoesNotReplaceAProvenTunnelAndARestartStillWins) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest()), b(m.ca, m.b_host, "");
  a.handshakes->Initiate(Ip("10.9.0.2"), 0);
  Tunnel* live = Complete(a, b, kMs);
  ASSERT_NE(live, nullptr);
  ASSERT_TRUE(live->NoteAuthenticated());  // a's first packet opened, as a worker sees it
  b.handshakes->Proven(live->local_index());
  const IpAddr vpn_a = Ip("10.9.0.1");

  // Far in the future (year 2096): answered, as it can't be told from a real one, but only
  // as a candidate; b's packets keep using the live tunnel.
  const uint64_t far_future = uint64_t(4'000'000'000) * 1'000'000'000;
  b.host.send.Clear();
  b.handshakes->HandlePacket(Addr("203.0.113.66:4242"), Span(ForgedStage1(m.a_host, far_future)),
                             2 * kMs);
  auto snapshot = b.host.host_map.Current();
  EXPECT_EQ(snapshot->FindByVpnIp(vpn_a), live);
  EXPECT_EQ(snapshot->by_local_index.size(), 2u);  // the live tunnel and the candidate
  for (const auto& [index, tunnel] : snapshot->by_local_index)
    EXPECT_LE(tunnel->handshake_time_ns(), kNow);  // the claimed time is kept to our clock
  EXPECT_EQ(b.host.tunnels.established, std::vector<IpAddr>{vpn_a});  // not again

  // a restarts: a new manager with the same certificate and key, and a time earlier than
  // the forger claimed. Not "too old": its handshake completes at once.
  Peer a2(m.ca, m.a_host, Rest());
  a2.wall_ns = kNow + 1;
  a2.handshakes->Initiate(Ip("10.9.0.2"), 3 * kMs);
  Tunnel* fresh = Complete(a2, b, 3 * kMs);
  ASSERT_NE(fresh, nullptr) << *b.host.log;
  EXPECT_EQ(b.host.log->find("Handshake too old"), std::string::npos) << *b.host.log;
  ASSERT_NE(a2.TunnelTo("10.9.0.2"), nullptr);
  EXPECT_EQ(b.host.host_map.Current()->FindByVpnIp(vpn_a), live);  // until proven
  // Its first packet proves it: it replaces the live tunnel, and the forged candidate goes.
  ASSERT_TRUE(fresh->NoteAuthenticated());
  b.handshakes->Proven(fresh->local_index());
  snapshot = b.host.host_map.Current();
  EXPECT_EQ(snapshot->FindByVpnIp(vpn_a), fresh);
  EXPECT_EQ(snapshot->by_local_index.size(), 1u);
}

TEST(HandshakeManager, AStage1NoNewerThanTheProvenTunnelIsTooOldAndTheTunnelIsTested) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest()), b(m.ca, m.b_host, "");
  a.handshakes->Initiate(Ip("10.9.0.2"), 0);
  Tunnel* live = Complete(a, b, kMs);
  ASSERT_NE(live, nullptr);
  ASSERT_TRUE(live->NoteAuthenticated());
  b.handshakes->Proven(live->local_index());
  b.host.send.Clear();
  // A replay of an older handshake (a stale time) changes nothing; b checks the live tunnel.
  b.handshakes->HandlePacket(Addr("203.0.113.66:4242"), Span(ForgedStage1(m.a_host, kNow - 1)),
                             2 * kMs);
  EXPECT_NE(b.host.log->find("Handshake too old"), std::string::npos);
  EXPECT_TRUE(b.host.send.Handshakes(2).empty());
  ASSERT_EQ(b.host.send.on_tunnel.size(), 1u);
  EXPECT_EQ(b.host.send.on_tunnel[0].local_index, live->local_index());
  EXPECT_EQ(b.host.send.on_tunnel[0].subtype, wire::MessageSubType::kTestRequest);
  EXPECT_EQ(b.host.host_map.Current()->by_local_index.size(), 1u);
}

TEST(HandshakeManager, WithoutAProvenTunnelANewStage1TakesOverAndTheOldStaysACandidate) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest()), b(m.ca, m.b_host, "");
  // A forgery first (nothing proven yet): it is used at once...
  b.handshakes->HandlePacket(Addr("203.0.113.66:4242"), Span(ForgedStage1(m.a_host, kNow + 5)), 0);
  Tunnel* forged = b.host.host_map.Current()->FindByVpnIp(Ip("10.9.0.1"));
  ASSERT_NE(forged, nullptr);
  // ...but the real member's handshake replaces it, and proves itself.
  a.handshakes->Initiate(Ip("10.9.0.2"), kMs);
  Tunnel* real = Complete(a, b, kMs);
  ASSERT_NE(real, nullptr);
  EXPECT_EQ(b.host.host_map.Current()->FindByVpnIp(Ip("10.9.0.1")), real);
  ASSERT_TRUE(real->NoteAuthenticated());
  b.handshakes->Proven(real->local_index());
  EXPECT_EQ(b.host.host_map.Current()->by_local_index.size(), 1u);
}

TEST(HandshakeManager, BothSidesInitiatingEndWithOneTunnelThatOfTheHigherIp) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest()), b(m.ca, m.b_host, Rest("10.9.0.1", kAddrA));
  a.handshakes->Initiate(Ip("10.9.0.2"), 0);
  b.handshakes->Initiate(Ip("10.9.0.1"), 0);
  const Bytes from_a = a.host.send.Handshakes(1)[0].datagram;
  const Bytes from_b = b.host.send.Handshakes(1)[0].datagram;
  a.host.send.Clear();
  b.host.send.Clear();
  // b (10.9.0.2, the higher) keeps its own handshake and refuses a's stage 1...
  b.handshakes->HandlePacket(Addr(kAddrA), Span(from_a), kMs);
  EXPECT_TRUE(b.host.send.Handshakes(2).empty());
  EXPECT_TRUE(b.handshakes->Pending(Ip("10.9.0.1")));
  // ...while a gives up its own and answers b's.
  a.handshakes->HandlePacket(Addr(kAddrB), Span(from_b), kMs);
  EXPECT_FALSE(a.handshakes->Pending(Ip("10.9.0.2")));
  auto stage2 = a.host.send.Handshakes(2);
  ASSERT_EQ(stage2.size(), 1u);
  b.handshakes->HandlePacket(Addr(kAddrA), Span(stage2[0].datagram), kMs);
  Tunnel* at_a = a.TunnelTo("10.9.0.2");
  Tunnel* at_b = b.TunnelTo("10.9.0.1");
  ASSERT_TRUE(at_a && at_b);
  EXPECT_EQ(at_a->remote_index(), at_b->local_index());
  EXPECT_EQ(at_b->remote_index(), at_a->local_index());
}

TEST(HandshakeManager, AStage1FromAnAddressTheAllowListDeniesIsDropped) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest());
  Peer b(m.ca, m.b_host, "lighthouse:\n  remote_allow_list:\n    \"192.0.2.0/24\": false\n");
  a.handshakes->Initiate(Ip("10.9.0.2"), 0);
  b.handshakes->HandlePacket(Addr(kAddrA), Span(a.host.send.Handshakes(1)[0].datagram), 0);
  EXPECT_TRUE(b.host.send.raw.empty());
  EXPECT_EQ(b.host.host_map.Current()->by_local_index.size(), 0u);
  EXPECT_EQ(b.host.counters.handshakes_dropped.load(), 1u);
}

TEST(HandshakeManager, APeerWithRelaysGetsItsStage1ThroughAnEstablishedPath) {
  Mesh m;
  Peer a(m.ca, m.a_host, Rest(), /*use_relays=*/true);
  const IpAddr relay = Ip("10.9.0.9"), b = Ip("10.9.0.2");
  a.host.addresses->SetRelays(b, Ip("10.9.0.100"), {relay});
  // No tunnel to the relay yet: the pass that found it starts one after the resends.
  a.handshakes->Initiate(b, 0);
  EXPECT_TRUE(a.host.relays.ensured.empty());
  a.host.timers.RunDue(100 * kMs);
  EXPECT_TRUE(a.handshakes->Pending(relay));
  // With a tunnel to the relay and the path up, stage 1 goes through it as it is.
  a.host.host_map.Add(MakeTunnel(relay, 77, Addr("198.51.100.9:4242")));
  a.host.relays.established = true;
  a.handshakes->Trigger(b);
  ASSERT_EQ(a.host.relays.through.size(), 1u);
  EXPECT_EQ(a.host.relays.through[0].relay, relay);
  EXPECT_EQ(a.host.relays.through[0].target, b);
  EXPECT_EQ(a.host.relays.through[0].inner, a.host.send.Handshakes(1)[0].datagram);
}
