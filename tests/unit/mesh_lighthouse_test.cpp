// The lighthouse protocol's handlers on their own: a Lighthouse built from its Deps with
// fakes (mesh_manager_fakes.h), fed decrypted lighthouse messages from tunnels the test
// makes, and what it sent, stored and asked the handshake manager for.
#include <gtest/gtest.h>

#include "mesh/lighthouse.h"
#include "mesh/lighthouse_addresses.h"
#include "mesh/netchecker.h"
#include "mesh/route_hint_codec.h"
#include "mesh/route_hints.h"
#include "mesh_manager_fakes.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;
using nebula::NebulaMeta;

namespace {

constexpr int64_t kMs = 1'000'000;

struct LighthouseUnderTest {
  TestCa ca = MakeTestCa();
  ManagerHost host;
  Lighthouse lighthouse;

  explicit LighthouseUnderTest(const std::string& rest)
      : host(MeshConfig(ca, MakeTestHost(ca, "me", "10.9.0.1/24"), rest)),
        lighthouse(Lighthouse::Deps{host.config, host.me, host.logger, host.counters, host.host_map,
                                    *host.addresses, host.send, host.handshakes, host.timers,
                                    [] { return uint16_t(4242); }}) {}

  // A tunnel to vpn_ip at `remote`, in the host map.
  Tunnel& Peer(const char* vpn_ip, const char* remote, uint32_t index,
               cert::Version version = cert::Version::kV1) {
    auto tunnel = MakeTunnel(Ip(vpn_ip), index, Addr(remote), version);
    host.host_map.Add(tunnel);
    return *tunnel;
  }
  void Receive(Tunnel& from, const NebulaMeta& meta, int64_t now_ns = 0) {
    Bytes bytes = wire::EncodeMessage(meta);
    lighthouse.HandleMessage(from, ByteSpan(bytes.data(), bytes.size()), now_ns);
  }
};

NebulaMeta Meta(NebulaMeta::MessageType type, const char* vpn_ip,
                const std::vector<const char*>& addresses,
                cert::Version version = cert::Version::kV1) {
  NebulaMeta meta;
  meta.set_type(type);
  EXPECT_TRUE(wire::SetMetaVpnAddr(meta.mutable_details(), version, Ip(vpn_ip)).ok());
  for (const char* a : addresses) AddAddress(meta.mutable_details(), Addr(a));
  return meta;
}

NebulaMeta Decoded(const Bytes& payload) {
  auto meta = wire::DecodeMeta(ByteSpan(payload.data(), payload.size()));
  EXPECT_TRUE(meta.ok());
  return meta.ok() ? *meta : NebulaMeta{};
}

IpAddr NamedIn(const NebulaMeta& meta) {
  auto named = wire::MetaVpnAddrOf(meta.details());
  return named.ok() ? named->addr : IpAddr();
}

std::vector<net::UdpAddr> Addrs(const std::vector<const char*>& texts) {
  std::vector<net::UdpAddr> out;
  for (const char* t : texts) out.push_back(Addr(t));
  return out;
}

const char* kAsLighthouse = "listen:\n  port: 4242\nlighthouse:\n  am_lighthouse: true\n";
const char* kAsMember =
    "static_host_map:\n  \"10.9.0.100\": [\"198.51.100.100:4242\"]\n"
    "lighthouse:\n  hosts: [\"10.9.0.100\"]\n"
    "  remote_allow_list:\n    \"192.0.2.0/24\": false\n";

}  // namespace

TEST(Lighthouse, AnUpdateIsKeptForItsSenderAndAcknowledgedInItsGeneration) {
  LighthouseUnderTest t(kAsLighthouse);
  Tunnel& h = t.Peer("10.9.0.5", "203.0.113.5:4242", 5);
  // An address inside the overlay is never taken (a loop through the tunnel itself).
  t.Receive(h, Meta(NebulaMeta::HostUpdateNotification, "10.9.0.5",
                    {"198.51.100.5:4242", "10.9.0.77:4242"}));
  EXPECT_EQ(t.host.addresses->Reported(Ip("10.9.0.5")), Addrs({"198.51.100.5:4242"}));
  ASSERT_EQ(t.host.send.on_tunnel.size(), 1u);
  EXPECT_EQ(t.host.send.on_tunnel[0].vpn_ip, Ip("10.9.0.5"));
  NebulaMeta ack = Decoded(t.host.send.on_tunnel[0].payload);
  EXPECT_EQ(ack.type(), NebulaMeta::HostUpdateNotificationAck);
  EXPECT_EQ(ack.details().oldvpnaddr(), Ip("10.9.0.5").v4());  // v1 names the host

  // v2: the ack is empty, the tunnel says who it is for.
  Tunnel& v2 = t.Peer("10.9.0.6", "203.0.113.6:4242", 6, cert::Version::kV2);
  t.Receive(v2, Meta(NebulaMeta::HostUpdateNotification, "10.9.0.6", {"198.51.100.6:4242"},
                     cert::Version::kV2));
  ASSERT_EQ(t.host.send.on_tunnel.size(), 2u);
  ack = Decoded(t.host.send.on_tunnel[1].payload);
  EXPECT_EQ(ack.type(), NebulaMeta::HostUpdateNotificationAck);
  EXPECT_EQ(ack.details().oldvpnaddr(), 0u);
  EXPECT_EQ(t.host.addresses->Reported(Ip("10.9.0.6")), Addrs({"198.51.100.6:4242"}));
}

TEST(Lighthouse, AnUpdateAboutAnotherHostIsRefused) {
  LighthouseUnderTest t(kAsLighthouse);
  Tunnel& h = t.Peer("10.9.0.5", "203.0.113.5:4242", 5);
  t.Receive(h, Meta(NebulaMeta::HostUpdateNotification, "10.9.0.7", {"198.51.100.7:4242"}));
  EXPECT_TRUE(t.host.addresses->Reported(Ip("10.9.0.7")).empty());
  EXPECT_TRUE(t.host.addresses->Reported(Ip("10.9.0.5")).empty());
  EXPECT_TRUE(t.host.send.on_tunnel.empty());
}

TEST(Lighthouse, AQueryIsAnsweredAndTheTargetToldToPunchTowardsTheAsker) {
  LighthouseUnderTest t(kAsLighthouse);
  Tunnel& target = t.Peer("10.9.0.5", "203.0.113.5:1111", 5);
  t.Receive(target, Meta(NebulaMeta::HostUpdateNotification, "10.9.0.5", {"198.51.100.5:4242"}));
  Tunnel& asker = t.Peer("10.9.0.8", "203.0.113.8:2222", 8);
  t.Receive(asker, Meta(NebulaMeta::HostUpdateNotification, "10.9.0.8", {"198.51.100.8:4242"}));
  t.host.send.Clear();

  t.Receive(asker, Meta(NebulaMeta::HostQuery, "10.9.0.5", {}));
  // The reply: the target's tunnel remote (the outside of its NAT) first, then what it reported.
  ASSERT_EQ(t.host.send.on_tunnel.size(), 1u);
  EXPECT_EQ(t.host.send.on_tunnel[0].vpn_ip, Ip("10.9.0.8"));
  NebulaMeta reply = Decoded(t.host.send.on_tunnel[0].payload);
  EXPECT_EQ(reply.type(), NebulaMeta::HostQueryReply);
  EXPECT_EQ(NamedIn(reply), Ip("10.9.0.5"));
  EXPECT_EQ(AddressesOf(reply.details()), Addrs({"203.0.113.5:1111", "198.51.100.5:4242"}));
  // The punch notification to the target, naming the asker and where it is.
  ASSERT_EQ(t.host.send.to_vpn.size(), 1u);
  EXPECT_EQ(t.host.send.to_vpn[0].vpn_ip, Ip("10.9.0.5"));
  NebulaMeta punch = Decoded(t.host.send.to_vpn[0].payload);
  EXPECT_EQ(punch.type(), NebulaMeta::HostPunchNotification);
  EXPECT_EQ(NamedIn(punch), Ip("10.9.0.8"));
  EXPECT_EQ(AddressesOf(punch.details()), Addrs({"203.0.113.8:2222", "198.51.100.8:4242"}));

  // A host nobody knows: silence, as nebula.
  t.host.send.Clear();
  t.Receive(asker, Meta(NebulaMeta::HostQuery, "10.9.0.99", {}));
  EXPECT_TRUE(t.host.send.on_tunnel.empty());
  EXPECT_TRUE(t.host.send.to_vpn.empty());
}

TEST(Lighthouse, AMemberIgnoresQueriesAndUpdates) {
  LighthouseUnderTest t(kAsMember);
  Tunnel& h = t.Peer("10.9.0.5", "203.0.113.5:4242", 5);
  t.Receive(h, Meta(NebulaMeta::HostUpdateNotification, "10.9.0.5", {"198.51.100.5:4242"}));
  t.Receive(h, Meta(NebulaMeta::HostQuery, "10.9.0.1", {}));
  EXPECT_TRUE(t.host.addresses->Reported(Ip("10.9.0.5")).empty());
  EXPECT_TRUE(t.host.send.on_tunnel.empty());
  EXPECT_TRUE(t.host.send.to_vpn.empty());
}

TEST(Lighthouse,
     AReplyFromALighthouseFillsTheAddressBookWithinTheAllowListAndRestartsTheHandshake) {
  LighthouseUnderTest t(kAsMember);
  Tunnel& lighthouse = t.Peer("10.9.0.100", "198.51.100.100:4242", 100);
  t.Receive(lighthouse,
            Meta(NebulaMeta::HostQueryReply, "10.9.0.5", {"198.51.100.5:4242", "192.0.2.5:4242"}));
  // 192.0.2.0/24 is denied by lighthouse.remote_allow_list.
  EXPECT_EQ(t.host.addresses->Candidates(Ip("10.9.0.5")), Addrs({"198.51.100.5:4242"}));
  EXPECT_EQ(t.host.handshakes.triggered, std::vector<IpAddr>{Ip("10.9.0.5")});
}

TEST(Lighthouse, RepliesAndPunchNotificationsFromOtherHostsAreIgnored) {
  LighthouseUnderTest t(kAsMember);
  Tunnel& stranger = t.Peer("10.9.0.66", "203.0.113.66:4242", 66);
  t.Receive(stranger, Meta(NebulaMeta::HostQueryReply, "10.9.0.5", {"198.51.100.5:4242"}));
  t.Receive(stranger, Meta(NebulaMeta::HostPunchNotification, "10.9.0.8", {"198.51.100.8:4242"}),
            0);
  t.host.timers.RunDue(10'000 * kMs);
  EXPECT_TRUE(t.host.addresses->Candidates(Ip("10.9.0.5")).empty());
  EXPECT_TRUE(t.host.handshakes.triggered.empty());
  for (const auto& sent : t.host.send.raw) EXPECT_NE(sent.to, Addr("198.51.100.8:4242"));
}

TEST(Lighthouse, APunchNotificationPunchesEarlyThenAfterTheDelayAndRespondsWhenAsked) {
  LighthouseUnderTest t(std::string(kAsMember) +
                        "punchy:\n  delay: 2s\n  respond: true\n  respond_delay: 5s\n");
  Tunnel& lighthouse = t.Peer("10.9.0.100", "198.51.100.100:4242", 100);
  const int64_t t0 = 1000 * kMs;
  t.Receive(lighthouse, Meta(NebulaMeta::HostPunchNotification, "10.9.0.8", {"198.51.100.8:4242"}),
            t0);
  auto punches_to = [&](const char* addr) {
    int n = 0;
    for (const auto& sent : t.host.send.raw)
      n += sent.to == Addr(addr) && sent.datagram.size() == 1;
    return n;
  };
  t.host.timers.RunDue(t0 + 99 * kMs);
  EXPECT_EQ(punches_to("198.51.100.8:4242"), 0);
  t.host.timers.RunDue(t0 + 100 * kMs);  // the early punch back (punchy.early_delay's 100 ms)
  EXPECT_EQ(punches_to("198.51.100.8:4242"), 1);
  t.host.timers.RunDue(t0 + 1999 * kMs);  // the punch back timer
  EXPECT_EQ(punches_to("198.51.100.8:4242"), 1);
  t.host.timers.RunDue(t0 + 2000 * kMs);
  EXPECT_EQ(punches_to("198.51.100.8:4242"), 2);
  auto tests_to_asker = [&] {
    int n = 0;
    for (const auto& sent : t.host.send.to_vpn)
      n += sent.vpn_ip == Ip("10.9.0.8") && sent.type == wire::MessageType::kTest &&
           sent.subtype == wire::MessageSubType::kTestRequest;
    return n;
  };
  EXPECT_EQ(tests_to_asker(), 0);
  t.host.timers.RunDue(t0 + 5000 * kMs);  // the punch respond timer
  EXPECT_EQ(tests_to_asker(), 1);
  EXPECT_EQ(punches_to("198.51.100.8:4242"), 2);  // no more
  // The asker's addresses are kept for the handshake punchy.respond starts.
  EXPECT_EQ(t.host.addresses->Candidates(Ip("10.9.0.8")), Addrs({"198.51.100.8:4242"}));
}

TEST(Lighthouse, AnEarlyDelayNoShorterThanTheDelayLeavesNebulasOnePunch) {
  LighthouseUnderTest t(std::string(kAsMember) + "punchy:\n  delay: 300ms\n  early_delay: 300ms\n");
  Tunnel& lighthouse = t.Peer("10.9.0.100", "198.51.100.100:4242", 100);
  t.Receive(lighthouse, Meta(NebulaMeta::HostPunchNotification, "10.9.0.8", {"198.51.100.8:4242"}),
            0);
  std::vector<size_t> punches;  // how many were sent by each 100 ms
  for (int64_t ms = 0; ms <= 1000; ms += 100) {
    t.host.timers.RunDue(ms * kMs);
    size_t n = 0;
    for (const auto& sent : t.host.send.raw) n += sent.to == Addr("198.51.100.8:4242");
    punches.push_back(n);
  }
  EXPECT_EQ(punches, (std::vector<size_t>{0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1}));
}

TEST(Lighthouse, AMemberQueriesAndUpdatesItsLighthousesInTheirTunnelsGeneration) {
  LighthouseUnderTest t(std::string(kAsMember) + "  advertise_addrs: [\"198.51.100.200:4242\"]\n");
  t.lighthouse.Query(Ip("10.9.0.5"));
  t.lighthouse.Query(Ip("10.9.0.100"));  // never the lighthouse itself
  ASSERT_EQ(t.host.send.to_vpn.size(), 1u);
  EXPECT_EQ(t.host.send.to_vpn[0].vpn_ip, Ip("10.9.0.100"));
  NebulaMeta query = Decoded(t.host.send.to_vpn[0].payload);
  EXPECT_EQ(query.type(), NebulaMeta::HostQuery);
  EXPECT_EQ(query.details().oldvpnaddr(), Ip("10.9.0.5").v4());  // v1 before any tunnel says more

  // With a v2 tunnel to the lighthouse, the update speaks v2: no OldVpnAddr.
  t.Peer("10.9.0.100", "198.51.100.100:4242", 100, cert::Version::kV2).control().my_cert_version =
      cert::Version::kV2;
  t.host.send.Clear();
  t.lighthouse.Start(0);  // the lighthouse update timer, due at once
  t.host.timers.RunDue(0);
  ASSERT_EQ(t.host.send.to_vpn.size(), 1u);
  NebulaMeta update = Decoded(t.host.send.to_vpn[0].payload);
  EXPECT_EQ(update.type(), NebulaMeta::HostUpdateNotification);
  EXPECT_EQ(update.details().oldvpnaddr(), 0u);
  auto advertised = AddressesOf(update.details());
  EXPECT_NE(std::find(advertised.begin(), advertised.end(), Addr("198.51.100.200:4242")),
            advertised.end());
  // Not again before lighthouse.interval (10 s by default).
  t.host.send.Clear();
  t.host.timers.RunDue(9'999 * kMs);
  EXPECT_TRUE(t.host.send.to_vpn.empty());
  t.host.timers.RunDue(10'000 * kMs);
  EXPECT_EQ(t.host.send.to_vpn.size(), 1u);
}

// `flatnet netcheck`'s question: where does the lighthouse see us?
TEST(Lighthouse, AQueryForUsGoesOutAndItsReplyGoesToTheObserverNotTheAddressBook) {
  LighthouseUnderTest t(kAsMember);
  Tunnel& lighthouse = t.Peer("10.9.0.100", "198.51.100.100:4242", 100);
  std::vector<net::UdpAddr> observed;
  t.lighthouse.SetSelfReplyObserver(
      [&](const Tunnel& from, const std::vector<net::UdpAddr>& seen) {
        EXPECT_EQ(&from, &lighthouse);
        observed = seen;
      });
  t.lighthouse.QueryForUs(Ip("10.9.0.100"));
  ASSERT_EQ(t.host.send.to_vpn.size(), 1u);
  EXPECT_EQ(t.host.send.to_vpn[0].vpn_ip, Ip("10.9.0.100"));
  NebulaMeta query = Decoded(t.host.send.to_vpn[0].payload);
  EXPECT_EQ(query.type(), NebulaMeta::HostQuery);
  EXPECT_EQ(NamedIn(query), Ip("10.9.0.1"));
  t.Receive(lighthouse, Meta(NebulaMeta::HostQueryReply, "10.9.0.1",
                             {"203.0.113.7:31000", "10.0.0.2:4242"}));
  EXPECT_EQ(observed, Addrs({"203.0.113.7:31000", "10.0.0.2:4242"}));
  EXPECT_TRUE(t.host.addresses->Candidates(Ip("10.9.0.1")).empty());
  EXPECT_TRUE(t.host.handshakes.triggered.empty());
}

TEST(Netchecker, EachLighthouseAnswersOrIsMarkedSilentAfterTheWait) {
  LighthouseUnderTest t(
      "static_host_map:\n  \"10.9.0.100\": [\"198.51.100.100:4242\"]\n"
      "  \"10.9.0.101\": [\"198.51.100.101:4242\"]\n"
      "lighthouse:\n  hosts: [\"10.9.0.100\", \"10.9.0.101\"]\n");
  ASSERT_EQ(t.lighthouse.lighthouses().size(), 2u);
  Tunnel& lh1 = t.Peer("10.9.0.100", "198.51.100.100:4242", 100);
  t.Peer("10.9.0.101", "198.51.100.101:4242", 101);
  Netchecker netchecker(Netchecker::Deps{t.host.host_map, t.lighthouse, t.host.timers});
  int64_t now = 0;
  t.lighthouse.SetSelfReplyObserver(
      [&](const Tunnel& from, const std::vector<net::UdpAddr>& seen) {
        netchecker.Answered(from, seen, now);
      });
  std::vector<NetcheckReport> reports;
  netchecker.Run(now, [&](NetcheckReport r) { reports.push_back(std::move(r)); });
  EXPECT_EQ(t.host.send.to_vpn.size(), 2u);  // a query to each lighthouse
  now = 2 * kMs;
  t.Receive(lh1, Meta(NebulaMeta::HostQueryReply, "10.9.0.1", {"203.0.113.7:31000"}));
  EXPECT_TRUE(reports.empty());  // still waiting for the second
  t.host.timers.RunDue(Netchecker::kWaitNs);
  ASSERT_EQ(reports.size(), 1u);
  const NetcheckReport& r = reports[0];
  EXPECT_TRUE(r.error.empty());
  ASSERT_EQ(r.lighthouses.size(), 2u);
  EXPECT_EQ(r.lighthouses[0].vpn_ip, "10.9.0.100");
  EXPECT_TRUE(r.lighthouses[0].answered);
  EXPECT_EQ(r.lighthouses[0].rtt_ns, 2 * kMs);
  EXPECT_EQ(r.lighthouses[0].remote, "198.51.100.100:4242");
  EXPECT_EQ(r.lighthouses[0].seen, std::vector<std::string>{"203.0.113.7:31000"});
  EXPECT_FALSE(r.lighthouses[1].answered);
  EXPECT_TRUE(r.ipv4);
  // A late reply, for no run, is ignored.
  t.Receive(lh1, Meta(NebulaMeta::HostQueryReply, "10.9.0.1", {"203.0.113.7:31000"}));
  EXPECT_EQ(reports.size(), 1u);
}

TEST(Netchecker, NothingToCheckWithoutLighthousesOrOnALighthouse) {
  for (const char* config : {"", kAsLighthouse}) {
    SCOPED_TRACE(config);
    LighthouseUnderTest t(config);
    Netchecker netchecker(Netchecker::Deps{t.host.host_map, t.lighthouse, t.host.timers});
    std::string error;
    netchecker.Run(0, [&](NetcheckReport r) { error = r.error; });
    EXPECT_EQ(error, *config ? "this host is a lighthouse (lighthouse.am_lighthouse): nothing to check"
                             : "no lighthouses configured (lighthouse.hosts)");
    EXPECT_TRUE(t.host.send.to_vpn.empty());
  }
}

// Route hints (mesh/route_hint_codec.h): a lighthouse answers with the unsafe networks of
// the certificates of the hosts it has tunnels with; a member asks with each update and
// takes the answers of its lighthouses only.
namespace {

IpPrefix Net(const char* text) { return *ParseIpPrefix(text); }
const char* kAsHintingMember =
    "static_host_map:\n  \"10.9.0.100\": [\"198.51.100.100:4242\"]\n"
    "lighthouse:\n  hosts: [\"10.9.0.100\"]\n"
    "tun:\n  routes_from_certs: true\n";

Result<RouteHintsMessage> DecodedHints(const Bytes& payload) {
  return DecodeRouteHints(ByteSpan(payload.data(), payload.size()));
}

void ReceiveBytes(LighthouseUnderTest& t, Tunnel& from, const Bytes& bytes) {
  t.lighthouse.HandleMessage(from, ByteSpan(bytes.data(), bytes.size()), 0);
}

}  // namespace

TEST(Lighthouse, ARouteHintsQueryIsAnsweredWithTheOtherHostsCertificateNetworks) {
  LighthouseUnderTest t(kAsLighthouse);
  auto asker_tunnel = MakeTunnel(Ip("10.9.0.2"), 2, Addr("203.0.113.2:4242"), cert::Version::kV1,
                                 {}, {}, {Net("10.100.2.0/24")});
  t.host.host_map.Add(asker_tunnel);
  Tunnel& asker = *asker_tunnel;
  t.host.host_map.Add(MakeTunnel(Ip("10.9.0.3"), 3, Addr("203.0.113.3:4242"), cert::Version::kV2,
                                 {}, {}, {Net("10.100.3.0/24"), Net("fd00:3::/64")}));
  t.Peer("10.9.0.4", "203.0.113.4:4242", 4);  // no unsafe networks: nothing to hint
  ReceiveBytes(t, asker, EncodeRouteHintsQuery(77));
  ASSERT_EQ(t.host.send.on_tunnel.size(), 1u);
  EXPECT_EQ(t.host.send.on_tunnel[0].vpn_ip, Ip("10.9.0.2"));
  auto reply = DecodedHints(t.host.send.on_tunnel[0].payload);
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_TRUE(reply->is_reply);
  EXPECT_EQ(reply->query, 77u);
  EXPECT_EQ(reply->hosts, (std::vector<RouteHintHost>{
                              {Ip("10.9.0.3"), {Net("10.100.3.0/24"), Net("fd00:3::/64")}}}));
  EXPECT_EQ(t.host.counters.rx_lighthouse_other.load(), 1u);  // not one of Nebula's types
}

TEST(Lighthouse, AMemberAsksForRouteHintsWithEachUpdateAndTakesItsLighthousesAnswers) {
  LighthouseUnderTest t(kAsHintingMember);
  RouteHints hints;
  t.lighthouse.SetRouteHints(&hints);
  Tunnel& lighthouse = t.Peer("10.9.0.100", "198.51.100.100:4242", 100);
  t.lighthouse.Start(0);
  t.host.timers.RunDue(0);
  // The update, then the query.
  ASSERT_EQ(t.host.send.to_vpn.size(), 2u);
  auto query = DecodedHints(t.host.send.to_vpn[1].payload);
  ASSERT_TRUE(query.ok());
  EXPECT_FALSE(query->is_reply);
  EXPECT_EQ(t.host.send.to_vpn[1].vpn_ip, Ip("10.9.0.100"));

  // A host that is not our lighthouse is not heard; a malformed reply is dropped; both counted.
  Tunnel& stranger = t.Peer("10.9.0.5", "203.0.113.5:4242", 5);
  const std::vector<Bytes> reply =
      EncodeRouteHintsReply(query->query, {{Ip("10.9.0.3"), {Net("10.100.3.0/24")}}});
  ReceiveBytes(t, stranger, reply[0]);
  Bytes malformed = reply[0];
  malformed.back() ^= 0x7f;  // the last network's prefix length, now past 32
  ReceiveBytes(t, lighthouse, malformed);
  EXPECT_EQ(t.host.counters.rx_dropped_route_hints.load(), 2u);
  HostMap none;
  auto never_ours = [](const IpAddr&) { return false; };
  EXPECT_TRUE(hints.Sync(*none.Current(), never_ours).claims.empty());

  ReceiveBytes(t, lighthouse, reply[0]);
  auto claims = hints.Sync(*none.Current(), never_ours).claims;
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].gateway, Ip("10.9.0.3"));
  EXPECT_TRUE(claims[0].hinted);

  // Asked again at the next update (lighthouse.interval: 10 s).
  t.host.send.Clear();
  t.host.timers.RunDue(10'000 * kMs);
  ASSERT_EQ(t.host.send.to_vpn.size(), 2u);
  EXPECT_TRUE(DecodedHints(t.host.send.to_vpn[1].payload).ok());
}

TEST(Lighthouse, WithoutRoutesFromCertsAMemberAsksNothing) {
  LighthouseUnderTest t(kAsMember);
  RouteHints hints;
  t.lighthouse.SetRouteHints(&hints);
  t.Peer("10.9.0.100", "198.51.100.100:4242", 100);
  t.lighthouse.Start(0);
  t.host.timers.RunDue(0);
  ASSERT_EQ(t.host.send.to_vpn.size(), 1u);  // the update alone
  EXPECT_FALSE(DecodedHints(t.host.send.to_vpn[0].payload).ok());
}

TEST(Lighthouse, AHostNotHeardFromForThreeIntervalsIsNotHinted) {
  LighthouseUnderTest t(kAsLighthouse);  // lighthouse.interval 10 s: 30 s
  Tunnel& asker = t.Peer("10.9.0.2", "203.0.113.2:4242", 2);
  auto quiet = MakeTunnel(Ip("10.9.0.3"), 3, Addr("203.0.113.3:4242"), cert::Version::kV1, {}, {},
                          {Net("10.100.3.0/24")});
  t.host.host_map.Add(quiet);
  quiet->set_last_heard_ns(100 * 1'000'000'000LL);
  const Bytes query = EncodeRouteHintsQuery(1);
  t.lighthouse.HandleMessage(asker, ByteSpan(query.data(), query.size()), 130 * 1'000'000'000LL);
  auto reply = DecodedHints(t.host.send.on_tunnel.back().payload);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->hosts.size(), 1u);  // 30 s: still listed
  t.lighthouse.HandleMessage(asker, ByteSpan(query.data(), query.size()), 131 * 1'000'000'000LL);
  reply = DecodedHints(t.host.send.on_tunnel.back().payload);
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->hosts.empty());
}

TEST(Lighthouse, AnAskerIsAnsweredAtMostOnceASecondFromAListAtMostASecondOld) {
  LighthouseUnderTest t(kAsLighthouse);
  Tunnel& asker = t.Peer("10.9.0.2", "203.0.113.2:4242", 2);
  t.host.host_map.Add(MakeTunnel(Ip("10.9.0.3"), 3, Addr("203.0.113.3:4242"), cert::Version::kV1,
                                 {}, {}, {Net("10.100.3.0/24")}));
  const Bytes query = EncodeRouteHintsQuery(1);
  constexpr int64_t kS = 1'000'000'000;
  t.lighthouse.HandleMessage(asker, ByteSpan(query.data(), query.size()), 10 * kS);
  ASSERT_EQ(t.host.send.on_tunnel.size(), 1u);
  // A second query within the second is dropped and counted, not answered.
  t.lighthouse.HandleMessage(asker, ByteSpan(query.data(), query.size()), 10 * kS + kS / 2);
  EXPECT_EQ(t.host.send.on_tunnel.size(), 1u);
  EXPECT_EQ(t.host.counters.route_hints_queries_refused.load(), 1u);

  // A host that arrives is listed once the list is a second old.
  t.host.host_map.Add(MakeTunnel(Ip("10.9.0.4"), 4, Addr("203.0.113.4:4242"), cert::Version::kV1,
                                 {}, {}, {Net("10.100.4.0/24")}));
  t.lighthouse.HandleMessage(asker, ByteSpan(query.data(), query.size()), 11 * kS);
  ASSERT_EQ(t.host.send.on_tunnel.size(), 2u);
  auto reply = DecodedHints(t.host.send.on_tunnel.back().payload);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->hosts, (std::vector<RouteHintHost>{{Ip("10.9.0.3"), {Net("10.100.3.0/24")}},
                                                      {Ip("10.9.0.4"), {Net("10.100.4.0/24")}}}));
}
