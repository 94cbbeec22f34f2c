// The member's route hints (mesh/route_hints.h): a lighthouse's answer counts once all its
// parts of the latest query arrived and then replaces what it said before; hints become
// hinted claims only for hosts without a tunnel; a tunnel's certificate lacking a hinted
// network refutes it for as long as the lighthouse lists it; stale answers expire.
#include <gtest/gtest.h>

#include "mesh/route_hints.h"
#include "mesh_manager_fakes.h"

namespace flatnet::mesh {
namespace {

using testing::Addr;
using testing::MakeTunnel;

IpAddr Ip(const char* text) { return *ParseIpAddr(text); }
IpPrefix Net(const char* text) { return *ParseIpPrefix(text); }

const IpAddr kLighthouse = Ip("192.168.100.1");
constexpr int64_t kS = 1'000'000'000;

RouteHintsMessage Reply(uint32_t query, std::vector<RouteHintHost> hosts, uint32_t part = 0,
                        uint32_t parts = 1) {
  RouteHintsMessage m;
  m.is_reply = true;
  m.query = query;
  m.part = part;
  m.parts = parts;
  m.hosts = std::move(hosts);
  return m;
}

bool NotOurs(const IpAddr&) { return false; }

std::vector<std::string> Texts(const std::vector<CertRouteClaim>& claims) {
  std::vector<std::string> out;
  for (const CertRouteClaim& c : claims)
    for (const IpPrefix& n : c.networks)
      out.push_back(n.ToString() + " via " + c.gateway.ToString() + (c.hinted ? " hinted" : ""));
  return out;
}

TEST(RouteHints, AnAnswerCountsOnceEveryPartOfTheLatestQueryArrived) {
  RouteHints hints;
  HostMap tunnels;
  const uint32_t old_query = hints.NextQuery(kLighthouse);
  const uint32_t query = hints.NextQuery(kLighthouse);
  // A part of the earlier query is ignored.
  EXPECT_FALSE(hints.Accept(kLighthouse,
                            Reply(old_query, {{Ip("192.168.100.9"), {Net("10.9.0.0/24")}}}), 0, 1));
  EXPECT_FALSE(hints.Accept(kLighthouse,
                            Reply(query, {{Ip("192.168.100.2"), {Net("10.100.2.0/24")}}}, 0, 2),
                            0, 1));
  EXPECT_TRUE(hints.Sync(*tunnels.Current(), NotOurs).claims.empty());  // half an answer
  // Another lighthouse's reply to our query number is not this one's.
  EXPECT_FALSE(hints.Accept(Ip("192.168.100.50"),
                            Reply(query, {{Ip("192.168.100.9"), {Net("10.9.0.0/24")}}}, 1, 2),
                            0, 1));
  EXPECT_TRUE(hints.Accept(kLighthouse,
                           Reply(query, {{Ip("192.168.100.3"), {Net("10.100.3.0/24")}}}, 1, 2),
                           0, 1));
  EXPECT_EQ(Texts(hints.Sync(*tunnels.Current(), NotOurs).claims),
            (std::vector<std::string>{"10.100.2.0/24 via 192.168.100.2 hinted",
                                      "10.100.3.0/24 via 192.168.100.3 hinted"}));
  // A repeated part after the answer is complete changes nothing.
  EXPECT_FALSE(hints.Accept(kLighthouse,
                            Reply(query, {{Ip("192.168.100.9"), {Net("10.9.0.0/24")}}}, 1, 2),
                            0, 1));
}

TEST(RouteHints, ANewAnswerReplacesTheLastSoAHostNoLongerListedLosesItsHints) {
  RouteHints hints;
  HostMap tunnels;
  hints.Accept(kLighthouse,
               Reply(hints.NextQuery(kLighthouse), {{Ip("192.168.100.2"), {Net("10.100.2.0/24")}},
                                                    {Ip("192.168.100.3"), {Net("10.100.3.0/24")}}}),
               0, 1);
  const uint64_t version = hints.version();
  // The same answer again: nothing changed.
  EXPECT_FALSE(hints.Accept(
      kLighthouse,
      Reply(hints.NextQuery(kLighthouse), {{Ip("192.168.100.2"), {Net("10.100.2.0/24")}},
                                           {Ip("192.168.100.3"), {Net("10.100.3.0/24")}}}),
      kS, 2));
  EXPECT_EQ(hints.version(), version);
  EXPECT_TRUE(hints.Accept(
      kLighthouse,
      Reply(hints.NextQuery(kLighthouse), {{Ip("192.168.100.2"), {Net("10.100.2.0/24")}}}), 2 * kS,
      3));
  EXPECT_NE(hints.version(), version);
  EXPECT_EQ(Texts(hints.Sync(*tunnels.Current(), NotOurs).claims),
            (std::vector<std::string>{"10.100.2.0/24 via 192.168.100.2 hinted"}));
}

TEST(RouteHints, AClaimIsAsOldAsItsFirstHint) {
  RouteHints hints;
  HostMap tunnels;
  hints.Accept(kLighthouse,
               Reply(hints.NextQuery(kLighthouse), {{Ip("192.168.100.2"), {Net("10.100.2.0/24")}}}),
               0, 100);
  hints.Accept(kLighthouse,
               Reply(hints.NextQuery(kLighthouse), {{Ip("192.168.100.2"), {Net("10.100.2.0/24")}}}),
               kS, 200);
  auto claims = hints.Sync(*tunnels.Current(), NotOurs).claims;
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].since_unix_ns, 100);
}

TEST(RouteHints, AHostWithATunnelIsProvenOrRefutedByItsCertificate) {
  RouteHints hints;
  HostMap tunnels;
  hints.Accept(kLighthouse,
               Reply(hints.NextQuery(kLighthouse),
                     {{Ip("192.168.100.2"), {Net("10.100.2.0/24")}},
                      {Ip("192.168.100.3"), {Net("10.100.3.0/24"), Net("10.100.33.0/24")}}}),
               0, 1);
  // 2's certificate carries its hinted network; 3's carries only 10.100.3.0/24.
  tunnels.Add(MakeTunnel(Ip("192.168.100.2"), 2, Addr("203.0.113.2:4242"), cert::Version::kV1,
                         {}, {}, {Net("10.100.2.0/24")}));
  tunnels.Add(MakeTunnel(Ip("192.168.100.3"), 3, Addr("203.0.113.3:4242"), cert::Version::kV1,
                         {}, {}, {Net("10.100.0.0/16")}));
  RouteHints::SyncResult sync = hints.Sync(*tunnels.Current(), NotOurs);
  EXPECT_TRUE(sync.claims.empty());  // both certificates speak for their hosts now
  ASSERT_EQ(sync.refuted.size(), 0u) << "10.100.0.0/16 holds both of 3's hinted networks";

  HostMap other;
  other.Add(MakeTunnel(Ip("192.168.100.3"), 3, Addr("203.0.113.3:4242"), cert::Version::kV1, {},
                       {}, {Net("10.100.3.0/24")}));
  sync = hints.Sync(*other.Current(), NotOurs);
  ASSERT_EQ(sync.refuted.size(), 1u);
  EXPECT_EQ(sync.refuted[0].network, Net("10.100.33.0/24"));
  EXPECT_EQ(sync.refuted[0].gateway, Ip("192.168.100.3"));
  EXPECT_EQ(Texts(sync.claims), (std::vector<std::string>{"10.100.2.0/24 via 192.168.100.2 hinted"}));
  // Refuted once; and not hinted again when the tunnel goes, while the lighthouse lists it.
  HostMap none;
  sync = hints.Sync(*none.Current(), NotOurs);
  EXPECT_TRUE(sync.refuted.empty());
  EXPECT_EQ(Texts(sync.claims), (std::vector<std::string>{"10.100.2.0/24 via 192.168.100.2 hinted",
                                                          "10.100.3.0/24 via 192.168.100.3 hinted"}));
  // Once the lighthouse stops listing it and lists it again, it is a fresh hint.
  hints.Accept(kLighthouse,
               Reply(hints.NextQuery(kLighthouse), {{Ip("192.168.100.3"), {Net("10.100.3.0/24")}}}),
               kS, 2);
  hints.Accept(kLighthouse,
               Reply(hints.NextQuery(kLighthouse),
                     {{Ip("192.168.100.3"), {Net("10.100.3.0/24"), Net("10.100.33.0/24")}}}),
               2 * kS, 3);
  EXPECT_EQ(Texts(hints.Sync(*none.Current(), NotOurs).claims),
            (std::vector<std::string>{"10.100.3.0/24 via 192.168.100.3 hinted",
                                      "10.100.33.0/24 via 192.168.100.3 hinted"}));
}

TEST(RouteHints, OurOwnAddressIsNeverAHintsGateway) {
  RouteHints hints;
  HostMap tunnels;
  hints.Accept(kLighthouse,
               Reply(hints.NextQuery(kLighthouse), {{Ip("192.168.100.7"), {Net("10.100.7.0/24")}}}),
               0, 1);
  auto ours = [](const IpAddr& ip) { return ip == Ip("192.168.100.7"); };
  EXPECT_TRUE(hints.Sync(*tunnels.Current(), ours).claims.empty());
}

TEST(RouteHints, StaleAnswersAndThoseOfLighthousesNoLongerConfiguredExpire) {
  RouteHints hints;
  HostMap tunnels;
  const IpAddr other = Ip("192.168.100.50");
  hints.Accept(kLighthouse,
               Reply(hints.NextQuery(kLighthouse), {{Ip("192.168.100.2"), {Net("10.100.2.0/24")}}}),
               0, 1);
  hints.Accept(other, Reply(hints.NextQuery(other), {{Ip("192.168.100.3"), {Net("10.100.3.0/24")}}}),
               5 * kS, 1);
  EXPECT_FALSE(hints.Expire(10 * kS, 30 * kS, {kLighthouse, other}));
  EXPECT_TRUE(hints.Expire(31 * kS, 30 * kS, {kLighthouse, other}));  // kLighthouse's is stale
  EXPECT_EQ(Texts(hints.Sync(*tunnels.Current(), NotOurs).claims),
            (std::vector<std::string>{"10.100.3.0/24 via 192.168.100.3 hinted"}));
  EXPECT_TRUE(hints.Expire(32 * kS, 30 * kS, {kLighthouse}));  // `other` no longer configured
  EXPECT_TRUE(hints.Sync(*tunnels.Current(), NotOurs).claims.empty());
}

}  // namespace
}  // namespace flatnet::mesh
