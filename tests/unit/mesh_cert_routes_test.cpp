// tun.routes_from_certs (mesh/cert_routes.h): which peers' certificate networks become
// routes, which are refused (our own networks, configured routes, a network another peer
// holds), how they are withdrawn, and which kernel routes come and go with them.
#include <gtest/gtest.h>

#include <algorithm>

#include "mesh/cert_routes.h"
#include "mesh_manager_fakes.h"

namespace flatnet::mesh {
namespace {

IpAddr Ip(const char* text) { return *ParseIpAddr(text); }
IpPrefix Net(const char* text) { return *ParseIpPrefix(text); }

CertRouteClaim Claim(const char* gateway, std::vector<const char*> networks, int64_t since = 0) {
  CertRouteClaim claim;
  claim.gateway = Ip(gateway);
  claim.name = std::string("host-") + gateway;
  for (const char* n : networks) claim.networks.push_back(Net(n));
  claim.since_unix_ns = since;
  return claim;
}

// Our host: 192.168.100.1/24, carrying 10.100.1.0/24 itself.
CertRouteLimits Limits(std::vector<const char*> configured = {}) {
  CertRouteLimits limits;
  limits.own = {Net("192.168.100.0/24"), Net("10.100.1.0/24")};
  for (const char* n : configured) limits.configured.push_back(Net(n));
  return limits;
}

std::vector<std::string> Texts(const CertRouteTable& table) {
  std::vector<std::string> out;
  for (const CertRoute& r : table)
    out.push_back(r.network.ToString() + " via " + r.gateway.ToString());
  return out;
}

// Records what CertRoutes asks of the kernel; refuses the networks in `existing`, as the
// kernel refuses a route that is there already.
class FakeKernel : public KernelRouteSink {
 public:
  std::vector<std::string> calls;
  std::set<IpPrefix> existing;
  Status Add(const IpPrefix& network) override {
    calls.push_back("add " + network.ToString());
    if (existing.count(network)) return Status::Error("adding route: File exists");
    return Status::Ok();
  }
  Status Remove(const IpPrefix& network) override {
    calls.push_back("remove " + network.ToString());
    return Status::Ok();
  }
};

log::Logger Quiet() {
  return log::Logger([](std::string_view) {});
}

TEST(MeshCertRoutes, EachPeersCertificateNetworksRouteThroughIt) {
  CertRouteBuild build =
      BuildCertRoutes({Claim("192.168.100.2", {"10.100.2.0/24"}),
                       Claim("192.168.100.3", {"10.100.3.0/24", "10.200.0.0/16", "fd00:3::/64"})},
                      {}, Limits());
  EXPECT_EQ(Texts(build.routes),
            (std::vector<std::string>{
                "fd00:3::/64 via 192.168.100.3", "10.100.2.0/24 via 192.168.100.2",
                "10.100.3.0/24 via 192.168.100.3", "10.200.0.0/16 via 192.168.100.3"}));
  EXPECT_TRUE(build.refused.empty());
}

TEST(MeshCertRoutes, NetworksAreMaskedAndListedOnce) {
  CertRouteBuild build =
      BuildCertRoutes({Claim("192.168.100.2", {"10.100.2.7/24", "10.100.2.0/24"})}, {}, Limits());
  EXPECT_EQ(Texts(build.routes), (std::vector<std::string>{"10.100.2.0/24 via 192.168.100.2"}));
}

TEST(MeshCertRoutes, NetworksOverlappingOurOwnAreRefused) {
  CertRouteBuild build =
      BuildCertRoutes({Claim("192.168.100.2",
                             {"10.100.1.0/24",     // our certificate's own unsafe network
                              "10.100.1.128/25",   // inside it
                              "10.100.0.0/16",     // holding it
                              "192.168.0.0/16",    // holding our overlay
                              "10.100.2.0/24"})},  // fine
                      {}, Limits());
  EXPECT_EQ(Texts(build.routes), (std::vector<std::string>{"10.100.2.0/24 via 192.168.100.2"}));
  ASSERT_EQ(build.refused.size(), 4u);
  for (const RefusedCertRoute& r : build.refused) {
    EXPECT_EQ(r.reason, CertRouteRefusal::kOwnNetwork) << r.network.ToString();
    EXPECT_EQ(r.gateway, Ip("192.168.100.2"));
  }
  EXPECT_EQ(build.refused[3].network.ToString(), "192.168.0.0/16");
  EXPECT_EQ(build.refused[3].conflict.ToString(), "192.168.100.0/24");
}

TEST(MeshCertRoutes, ConfiguredRoutesWinOverSameAndOverlappingPrefixes) {
  CertRouteBuild build =
      BuildCertRoutes({Claim("192.168.100.2",
                             {"10.100.2.0/24", "10.100.3.0/24", "10.100.4.0/24", "10.100.8.0/24"})},
                      {}, Limits({"10.100.2.0/24", "10.100.3.0/25", "10.100.4.0/22"}));
  // .2 the same prefix, .3 holds a configured /25, .4 lies inside a configured /22.
  EXPECT_EQ(Texts(build.routes), (std::vector<std::string>{"10.100.8.0/24 via 192.168.100.2"}));
  ASSERT_EQ(build.refused.size(), 3u);
  for (const RefusedCertRoute& r : build.refused)
    EXPECT_EQ(r.reason, CertRouteRefusal::kConfiguredRoute) << r.network.ToString();
  EXPECT_EQ(build.refused[2].conflict.ToString(), "10.100.4.0/22");
}

TEST(MeshCertRoutes, TheEarlierTunnelWinsASharedNetworkAndKeepsIt) {
  // .3's tunnel came up first.
  std::vector<CertRouteClaim> claims = {Claim("192.168.100.2", {"10.100.9.0/24"}, 200),
                                        Claim("192.168.100.3", {"10.100.9.0/24"}, 100)};
  CertRouteBuild first = BuildCertRoutes(claims, {}, Limits());
  EXPECT_EQ(Texts(first.routes), (std::vector<std::string>{"10.100.9.0/24 via 192.168.100.3"}));
  ASSERT_EQ(first.refused.size(), 1u);
  EXPECT_EQ(first.refused[0].reason, CertRouteRefusal::kClaimedByOther);
  EXPECT_EQ(first.refused[0].gateway, Ip("192.168.100.2"));
  EXPECT_EQ(first.refused[0].holder, Ip("192.168.100.3"));

  // .3 handshakes again (a newer tunnel): it still holds the network.
  claims[1].since_unix_ns = 300;
  CertRouteBuild again = BuildCertRoutes(claims, first.routes, Limits());
  EXPECT_EQ(Texts(again.routes), Texts(first.routes));

  // .3 goes: .2 takes over; when .3 comes back, .2 keeps it.
  CertRouteBuild gone = BuildCertRoutes({claims[0]}, again.routes, Limits());
  EXPECT_EQ(Texts(gone.routes), (std::vector<std::string>{"10.100.9.0/24 via 192.168.100.2"}));
  CertRouteBuild back = BuildCertRoutes(claims, gone.routes, Limits());
  EXPECT_EQ(Texts(back.routes), (std::vector<std::string>{"10.100.9.0/24 via 192.168.100.2"}));
}

TEST(MeshCertRoutes, EqualTimesGoToTheLowerAddress) {
  CertRouteBuild build = BuildCertRoutes(
      {Claim("192.168.100.9", {"10.100.9.0/24"}, 5), Claim("192.168.100.4", {"10.100.9.0/24"}, 5)},
      {}, Limits());
  EXPECT_EQ(Texts(build.routes), (std::vector<std::string>{"10.100.9.0/24 via 192.168.100.4"}));
}

TEST(MeshCertRoutes, OverlappingPrefixesOfTwoPeersAreBothRouted) {
  CertRoutes routes(Quiet());
  routes.Update(
      {Claim("192.168.100.2", {"10.50.0.0/16"}), Claim("192.168.100.3", {"10.50.7.0/24"})},
      Limits(), nullptr);
  EXPECT_EQ(routes.GatewayFor(Ip("10.50.7.9")), Ip("192.168.100.3"));  // the longer prefix
  EXPECT_EQ(routes.GatewayFor(Ip("10.50.8.9")), Ip("192.168.100.2"));
  EXPECT_FALSE(routes.GatewayFor(Ip("10.51.0.1")).valid());
}

TEST(MeshCertRoutes, UpdateInstallsAndWithdrawsKernelRoutes) {
  CertRoutes routes(Quiet());
  FakeKernel kernel;
  routes.Update({Claim("192.168.100.2", {"10.100.2.0/24"}),
                 Claim("192.168.100.3", {"10.100.3.0/24", "fd00:3::/64"})},
                Limits(), &kernel);
  // In the table's order: longest prefix first.
  EXPECT_EQ(kernel.calls, (std::vector<std::string>{"add fd00:3::/64", "add 10.100.2.0/24",
                                                    "add 10.100.3.0/24"}));
  EXPECT_EQ(routes.GatewayFor(Ip("fd00:3::8")), Ip("192.168.100.3"));

  // The same claims again: nothing changes in the kernel.
  kernel.calls.clear();
  routes.Update({Claim("192.168.100.2", {"10.100.2.0/24"}),
                 Claim("192.168.100.3", {"10.100.3.0/24", "fd00:3::/64"})},
                Limits(), &kernel);
  EXPECT_TRUE(kernel.calls.empty());

  // .3 leaves (its tunnel is gone): its routes leave the table and the kernel.
  routes.Update({Claim("192.168.100.2", {"10.100.2.0/24"})}, Limits(), &kernel);
  EXPECT_EQ(kernel.calls, (std::vector<std::string>{"remove fd00:3::/64", "remove 10.100.3.0/24"}));
  EXPECT_FALSE(routes.GatewayFor(Ip("10.100.3.1")).valid());
  EXPECT_EQ(routes.GatewayFor(Ip("10.100.2.1")), Ip("192.168.100.2"));
  EXPECT_EQ(routes.installed(), (std::set<IpPrefix>{Net("10.100.2.0/24")}));
}

TEST(MeshCertRoutes, ACertificateChangeMovesTheRoutes) {
  CertRoutes routes(Quiet());
  FakeKernel kernel;
  routes.Update({Claim("192.168.100.2", {"10.100.2.0/24"})}, Limits(), &kernel);
  // The peer came back with a certificate carrying another network.
  routes.Update({Claim("192.168.100.2", {"10.100.22.0/24"})}, Limits(), &kernel);
  EXPECT_EQ(kernel.calls, (std::vector<std::string>{"add 10.100.2.0/24", "remove 10.100.2.0/24",
                                                    "add 10.100.22.0/24"}));
  // And then with none at all.
  routes.Update({}, Limits(), &kernel);
  EXPECT_TRUE(routes.Current()->empty());
  EXPECT_TRUE(routes.installed().empty());
}

TEST(MeshCertRoutes, ANewGatewayKeepsTheKernelRoute) {
  CertRoutes routes(Quiet());
  FakeKernel kernel;
  CertRouteClaim first = Claim("192.168.100.2", {"10.100.9.0/24"}, 1);
  CertRouteClaim second = Claim("192.168.100.3", {"10.100.9.0/24"}, 2);
  routes.Update({first, second}, Limits(), &kernel);
  routes.Update({second}, Limits(), &kernel);  // the holder left; the other takes over
  EXPECT_EQ(routes.GatewayFor(Ip("10.100.9.1")), Ip("192.168.100.3"));
  EXPECT_EQ(kernel.calls, (std::vector<std::string>{"add 10.100.9.0/24"}));
}

TEST(MeshCertRoutes, AKernelRouteThatExistedIsNeverTouched) {
  CertRoutes routes(Quiet());
  FakeKernel kernel;
  kernel.existing.insert(Net("10.100.2.0/24"));  // someone else's route
  routes.Update({Claim("192.168.100.2", {"10.100.2.0/24"})}, Limits(), &kernel);
  // flatnet still routes what the kernel hands its TUN device for that network.
  EXPECT_EQ(routes.GatewayFor(Ip("10.100.2.1")), Ip("192.168.100.2"));
  EXPECT_TRUE(routes.installed().empty());
  routes.Update({}, Limits(), &kernel);  // withdrawn: the foreign route is not deleted
  EXPECT_EQ(kernel.calls, (std::vector<std::string>{"add 10.100.2.0/24"}));
}

TEST(MeshCertRoutes, AConfiguredRouteAddedLaterWithdrawsTheCertRoute) {
  CertRoutes routes(Quiet());
  FakeKernel kernel;
  std::vector<CertRouteClaim> claims = {Claim("192.168.100.2", {"10.100.2.0/24"})};
  routes.Update(claims, Limits(), &kernel);
  routes.Update(claims, Limits({"10.100.0.0/16"}), &kernel);  // a reload's tun.unsafe_routes
  EXPECT_FALSE(routes.GatewayFor(Ip("10.100.2.1")).valid());
  EXPECT_EQ(kernel.calls, (std::vector<std::string>{"add 10.100.2.0/24", "remove 10.100.2.0/24"}));
}

TEST(MeshCertRoutes, ARefusedClaimIsLoggedOnceWhileItLasts) {
  std::vector<std::string> lines;
  CertRoutes routes(log::Logger([&](std::string_view line) { lines.emplace_back(line); }));
  std::vector<CertRouteClaim> claims = {Claim("192.168.100.2", {"10.100.1.0/24"})};  // ours
  auto refusals = [&] {
    return std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
      return l.find("Not routing an unsafe network") != std::string::npos &&
             l.find("network=10.100.1.0/24") != std::string::npos &&
             l.find("vpnIp=192.168.100.2") != std::string::npos;
    });
  };
  routes.Update(claims, Limits(), nullptr);
  routes.Update(claims, Limits(), nullptr);
  EXPECT_EQ(refusals(), 1);
  routes.Update({}, Limits(), nullptr);      // the peer left
  routes.Update(claims, Limits(), nullptr);  // and came back
  EXPECT_EQ(refusals(), 2);
  EXPECT_TRUE(routes.Current()->empty());
}

TEST(MeshCertRoutes, AddedAndWithdrawnRoutesAreLoggedWithTheReason) {
  std::vector<std::string> lines;
  CertRoutes routes(log::Logger([&](std::string_view line) { lines.emplace_back(line); }));
  routes.Update({Claim("192.168.100.2", {"10.100.2.0/24"})}, Limits(), nullptr);
  routes.Update({}, Limits(), nullptr);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("Adding route from a certificate"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("via=192.168.100.2"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("Removing route from a certificate"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("the peer has no tunnel any more"), std::string::npos) << lines[1];
}

TEST(MeshCertRoutes, ClaimsComeFromThePrimaryTunnelsCertificates) {
  HostMap map;
  auto with = testing::MakeTunnel(Ip("192.168.100.2"), 10, net::UdpAddr());
  auto cert = std::make_shared<cert::Certificate>(with->peer_cert());
  cert->unsafe_networks = {Net("10.100.2.0/24")};
  auto gateway = std::make_shared<Tunnel>(
      with->vpn_ip(), 11, 1011, noise::SessionKeys{crypto::CipherKind::kAes256Gcm, {}, {}}, cert,
      firewall::PeerIdentity{}, net::UdpAddr(), 1, /*initiator=*/true, IpAddr());
  map.Add(gateway);
  map.Add(testing::MakeTunnel(Ip("192.168.100.3"), 20, net::UdpAddr()));  // no unsafe networks
  std::vector<CertRouteClaim> claims = ClaimsOf(*map.Current());
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].gateway, Ip("192.168.100.2"));
  EXPECT_EQ(claims[0].name, cert->name);
  EXPECT_EQ(claims[0].networks, (std::vector<IpPrefix>{Net("10.100.2.0/24")}));
  EXPECT_EQ(claims[0].since_unix_ns, gateway->created_unix_ns());
  map.Remove(*gateway);
  EXPECT_TRUE(ClaimsOf(*map.Current()).empty());
}

}  // namespace
}  // namespace flatnet::mesh

namespace flatnet::mesh {
namespace {

CertRouteClaim Hinted(const char* gateway, std::vector<const char*> networks, int64_t since = 0) {
  CertRouteClaim claim = Claim(gateway, std::move(networks), since);
  claim.name.clear();
  claim.hinted = true;
  return claim;
}

TEST(MeshCertRoutes, HintedClaimsObeyTheSameRefusalsAndRouteAsHinted) {
  CertRouteBuild build = BuildCertRoutes(
      {Hinted("192.168.100.2", {"10.100.2.0/24", "10.100.1.0/25", "10.50.0.0/16"}),
       Claim("192.168.100.3", {"10.100.3.0/24"}, 5), Hinted("192.168.100.4", {"10.100.3.0/24"}, 9)},
      {}, Limits({"10.50.0.0/16"}));
  ASSERT_EQ(build.routes.size(), 2u);
  EXPECT_EQ(build.routes[0], (CertRoute{Net("10.100.2.0/24"), Ip("192.168.100.2"), "", true}));
  EXPECT_EQ(build.routes[1],
            (CertRoute{Net("10.100.3.0/24"), Ip("192.168.100.3"), "host-192.168.100.3", false}));
  std::vector<CertRouteRefusal> reasons;
  for (const RefusedCertRoute& r : build.refused) reasons.push_back(r.reason);
  EXPECT_EQ(reasons, (std::vector<CertRouteRefusal>{CertRouteRefusal::kOwnNetwork,
                                                    CertRouteRefusal::kConfiguredRoute,
                                                    CertRouteRefusal::kClaimedByOther}));
}

TEST(MeshCertRoutes, AHintProvenByTheCertificateKeepsItsKernelRoute) {
  CertRoutes routes(Quiet());
  FakeKernel kernel;
  routes.Update({Hinted("192.168.100.2", {"10.100.2.0/24"})}, Limits(), &kernel);
  bool hinted = false;
  EXPECT_EQ(routes.GatewayFor(Ip("10.100.2.9"), &hinted), Ip("192.168.100.2"));
  EXPECT_TRUE(hinted);
  // The tunnel came up and the certificate carries it: the same route, proven.
  routes.Update({Claim("192.168.100.2", {"10.100.2.0/24"})}, Limits(), &kernel);
  EXPECT_EQ(routes.GatewayFor(Ip("10.100.2.9"), &hinted), Ip("192.168.100.2"));
  EXPECT_FALSE(hinted);
  // The tunnel went, the lighthouse still lists it: hinted again, still in the kernel.
  routes.Update({Hinted("192.168.100.2", {"10.100.2.0/24"})}, Limits(), &kernel);
  EXPECT_EQ(kernel.calls, (std::vector<std::string>{"add 10.100.2.0/24"}));
  // No lighthouse lists it any more: withdrawn.
  routes.Update({}, Limits(), &kernel);
  EXPECT_EQ(kernel.calls, (std::vector<std::string>{"add 10.100.2.0/24", "remove 10.100.2.0/24"}));
  EXPECT_FALSE(routes.GatewayFor(Ip("10.100.2.9")).valid());
}

}  // namespace
}  // namespace flatnet::mesh
