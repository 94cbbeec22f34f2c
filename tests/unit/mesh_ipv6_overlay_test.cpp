// IPv6 and several overlay addresses per host in the mesh (issue 10): credentials keeping
// every network of a certificate, the host map keyed by every address of a peer, handshakes
// to any address of a peer (Nebula 1.11.1's initiator check and v2 for IPv6), pending
// handshakes to two addresses of one peer ending in one tunnel, the lighthouse with IPv6
// and secondary addresses, relays naming IPv6 addresses over v2, and ECMP hashing and
// calculated remotes of IPv6 flows and addresses.
#include <gtest/gtest.h>

#include <ctime>
#include <set>

#include "cert/key_pem.h"
#include "crypto/ed25519.h"
#include "mesh/calculated_remotes.h"
#include "mesh/gateways.h"
#include "mesh/handshake_manager.h"
#include "mesh/host_credentials.h"
#include "mesh/lighthouse.h"
#include "mesh/lighthouse_addresses.h"
#include "mesh/relay_manager.h"
#include "mesh_manager_fakes.h"
#include "mesh_test_support.h"
#include "noise/dh.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;
using nebula::NebulaControl;
using nebula::NebulaMeta;

namespace {

constexpr const char* kAddrA = "192.0.2.1:4242";
constexpr const char* kAddrB = "192.0.2.2:4242";

struct Ca {
  cert::Certificate cert;
  Bytes key;
};

Ca MakeCa() {
  Ca ca;
  ca.cert.version = cert::Version::kV1;  // a v1 CA signs v1 and v2 certificates alike
  ca.cert.name = "test ca";
  ca.cert.is_ca = true;
  ca.cert.not_before = std::time(nullptr) - 3600;
  ca.cert.not_after = std::time(nullptr) + 10 * 3600;
  crypto::Ed25519KeyPair pair = crypto::Ed25519Generate();
  ca.key.assign(pair.private_key.begin(), pair.private_key.end());
  ca.cert.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  EXPECT_TRUE(ca.cert.Sign(cert::Curve::kCurve25519, ca.key).ok());
  return ca;
}

// One key; a certificate of each listed version for `networks` (a v1 one takes the first).
struct Host {
  noise::DhKeyPair keys;
  std::vector<cert::Certificate> certs;
  std::string CertPem() const {
    std::string pem;
    for (const auto& c : certs) pem += c.MarshalToPem();
    return pem;
  }
  std::string KeyPem() const {
    return cert::FormatPrivateKeyPem(cert::Curve::kCurve25519, false, keys.private_key);
  }
};

Host MakeHost(const Ca& ca, const std::string& name, std::vector<const char*> networks,
              std::vector<cert::Version> versions = {cert::Version::kV2},
              std::vector<const char*> unsafe = {}) {
  Host host;
  host.keys = *noise::DhGenerate(noise::DhKind::kCurve25519);
  for (cert::Version version : versions) {
    cert::Certificate c;
    c.version = version;
    c.name = name;
    for (const char* n : networks) {
      c.networks.push_back(*ParseIpPrefix(n));
      if (version == cert::Version::kV1) break;
    }
    for (const char* n : unsafe) c.unsafe_networks.push_back(*ParseIpPrefix(n));
    c.not_before = ca.cert.not_before + 1;
    c.not_after = ca.cert.not_after - 1;
    c.public_key = host.keys.public_key;
    c.issuer = ca.cert.Fingerprint();
    EXPECT_TRUE(c.Sign(cert::Curve::kCurve25519, ca.key).ok()) << name;
    host.certs.push_back(c);
  }
  return host;
}

std::string Yaml(const Ca& ca, const Host& host, const std::string& rest) {
  return MeshYamlPem(ca.cert.MarshalToPem(), host.CertPem(), host.KeyPem(), rest);
}

Result<HostCredentials> Load(const std::string& yaml) {
  config::Config config = ConfigFromYaml(yaml);
  return HostCredentials::Load(config.pki, log::Logger([](std::string_view) {}));
}

ByteSpan Span(const Bytes& bytes) { return ByteSpan(bytes.data(), bytes.size()); }

std::string StaticMap(const char* vpn_ip) {
  return std::string("static_host_map:\n  \"") + vpn_ip + "\": [\"" + kAddrB + "\"]\n";
}

// The handshake a -> b that a's Initiate (or queued sends) started: stage 1 to b, stage 2
// back. True when a holds a tunnel for `b_addr`.
bool CompleteHandshake(TestNode& a, TestNode& b, const char* b_addr) {
  auto stage1 = a.Take();
  if (stage1.empty()) return false;
  b.node->handshakes().HandlePacket(Addr(kAddrA), Span(stage1[0].datagram), Node::NowNs());
  auto stage2 = b.Take();
  if (stage2.size() != 1) return false;
  a.node->handshakes().HandlePacket(Addr(kAddrB), Span(stage2[0].datagram), Node::NowNs());
  return a.node->host_map().Current()->FindByVpnIp(Ip(b_addr)) != nullptr;
}

}  // namespace

// ---- Credentials --------------------------------------------------------------------------

TEST(MeshIpv6Credentials, AnIpv6OnlyCertificateIsAnOverlay) {
  Ca ca = MakeCa();
  auto c = Load(Yaml(ca, MakeHost(ca, "six", {"fd00:100::2/64"}), ""));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->vpn_ip, Ip("fd00:100::2"));
  EXPECT_TRUE(c->InOurNetwork(Ip("fd00:100::77")));
  EXPECT_FALSE(c->InOurNetwork(Ip("fd00:101::2")));
  EXPECT_FALSE(c->InOurNetwork(Ip("10.0.0.1")));
  EXPECT_FALSE(c->v1_vpn_ip.valid());
  EXPECT_EQ(c->AddressFor(cert::Version::kV1), Ip("fd00:100::2"));  // no v1: never used
}

TEST(MeshIpv6Credentials, EveryNetworkOfTheCertificateIsOurs) {
  Ca ca = MakeCa();
  auto c = Load(Yaml(ca,
                     MakeHost(ca, "multi", {"10.99.0.3/24", "192.168.100.3/24", "fd00:100::3/64"},
                              {cert::Version::kV1, cert::Version::kV2}),
                     ""));
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->networks.size(), 3u);
  EXPECT_EQ(c->vpn_ip, Ip("10.99.0.3"));  // v2 sorts its networks: the first is primary
  for (const char* ip : {"192.168.100.9", "10.99.0.9", "fd00:100::9"})
    EXPECT_TRUE(c->InOurNetwork(Ip(ip))) << ip;
  for (const char* ip : {"192.168.100.3", "10.99.0.3", "fd00:100::3"})
    EXPECT_TRUE(c->IsOurAddress(Ip(ip))) << ip;
  EXPECT_FALSE(c->IsOurAddress(Ip("10.99.0.4")));
  EXPECT_EQ(c->NetworksText(), "10.99.0.3/24, 192.168.100.3/24, fd00:100::3/64");
}

TEST(MeshIpv6Credentials, AV1PeerKnowsUsByOurV1CertificatesAddress) {
  Ca ca = MakeCa();
  // The v1 certificate holds the v2's first network (pki.cert's rule).
  auto c = Load(Yaml(
      ca, MakeHost(ca, "both", {"10.9.0.1/24", "fd00::1/64"}, {cert::Version::kV1, cert::Version::kV2}),
      ""));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->v1_vpn_ip, Ip("10.9.0.1"));
  EXPECT_EQ(c->AddressFor(cert::Version::kV1), Ip("10.9.0.1"));
  EXPECT_EQ(c->AddressFor(cert::Version::kV2), Ip("10.9.0.1"));
}

TEST(MeshIpv6Credentials, APeersIdentityHoldsEveryAddressAndUnsafeNetwork) {
  Ca ca = MakeCa();
  Host peer = MakeHost(ca, "p", {"10.9.0.5/24", "fd00::5/64"}, {cert::Version::kV2},
                       {"10.50.0.0/16", "fd50::/48"});
  auto pool = cert::CaPool::FromPem(ca.cert.MarshalToPem());
  ASSERT_TRUE(pool.ok());
  firewall::PeerIdentity identity = IdentityOf(peer.certs[0], *pool);
  EXPECT_EQ(identity.overlay_ip, Ip("10.9.0.5"));
  EXPECT_TRUE(identity.MayUseAddress(Ip("fd00::5")));
  EXPECT_FALSE(identity.MayUseAddress(Ip("fd00::6")));  // its address, not its network
  EXPECT_TRUE(identity.MayUseAddress(Ip("fd50::1234")));
  EXPECT_TRUE(identity.MayUseAddress(Ip("10.50.3.4")));
  EXPECT_EQ(OverlayAddressesOf(peer.certs[0]), (std::vector<IpAddr>{Ip("10.9.0.5"), Ip("fd00::5")}));
}

// ---- Host map -----------------------------------------------------------------------------

TEST(MeshHostMapAddresses, ATunnelIsFoundByEveryAddressOfItsPeerAndListedOnce) {
  HostMap map;
  auto t = MakeTunnel(Ip("10.9.0.2"), 7, Addr(kAddrB), cert::Version::kV2, {},
                      {Ip("10.10.0.2"), Ip("fd00::2")});
  map.Add(t);
  auto snapshot = map.Current();
  for (const char* ip : {"10.9.0.2", "10.10.0.2", "fd00::2"})
    EXPECT_EQ(snapshot->FindByVpnIp(Ip(ip)), t.get()) << ip;
  EXPECT_EQ(snapshot->FindByVpnIp(Ip("fd00::3")), nullptr);
  EXPECT_EQ(snapshot->by_primary.size(), 1u);
  map.Remove(*t);
  snapshot = map.Current();
  EXPECT_TRUE(snapshot->by_vpn_ip.empty());
  EXPECT_TRUE(snapshot->by_primary.empty());
  EXPECT_EQ(snapshot->FindByIndex(7), nullptr);
}

TEST(MeshHostMapAddresses, ReplacingATunnelDropsTheAddressesTheNewOneLacks) {
  HostMap map;
  auto old_tunnel = MakeTunnel(Ip("10.9.0.2"), 7, Addr(kAddrB), cert::Version::kV2, {},
                               {Ip("fd00::2")});
  auto new_tunnel = MakeTunnel(Ip("10.9.0.2"), 8, Addr(kAddrB), cert::Version::kV2, {},
                               {Ip("fd00::22")});
  map.Add(old_tunnel);
  EXPECT_EQ(map.Add(new_tunnel), old_tunnel);
  auto snapshot = map.Current();
  EXPECT_EQ(snapshot->FindByVpnIp(Ip("10.9.0.2")), new_tunnel.get());
  EXPECT_EQ(snapshot->FindByVpnIp(Ip("fd00::22")), new_tunnel.get());
  EXPECT_EQ(snapshot->FindByVpnIp(Ip("fd00::2")), nullptr);  // the old certificate's only
  EXPECT_EQ(snapshot->FindByIndex(7), nullptr);
}

TEST(MeshHostMapAddresses, AnAddressTwoPeersClaimGoesBackWhenTheLaterOneGoes) {
  HostMap map;
  auto first = MakeTunnel(Ip("10.9.0.2"), 7, Addr(kAddrA), cert::Version::kV2, {},
                          {Ip("fd00::9")});
  auto second = MakeTunnel(Ip("10.9.0.3"), 8, Addr(kAddrB), cert::Version::kV2, {},
                           {Ip("fd00::9")});
  map.Add(first);
  map.Add(second);
  EXPECT_EQ(map.Current()->FindByVpnIp(Ip("fd00::9")), second.get());
  EXPECT_EQ(map.Current()->FindByVpnIp(Ip("10.9.0.2")), first.get());
  map.Remove(*second);
  EXPECT_EQ(map.Current()->FindByVpnIp(Ip("fd00::9")), first.get());
}

TEST(MeshHostMapAddresses, ACandidateIsFoundByIndexOnly) {
  HostMap map;
  auto candidate = MakeTunnel(Ip("fd00::2"), 9, Addr(kAddrB), cert::Version::kV2);
  map.AddCandidate(candidate);
  EXPECT_EQ(map.Current()->FindByVpnIp(Ip("fd00::2")), nullptr);
  EXPECT_EQ(map.Current()->FindByIndex(9), candidate.get());
}

// ---- Handshakes ---------------------------------------------------------------------------

TEST(MeshIpv6Handshake, TwoIpv6OnlyHostsMakeATunnel) {
  Ca ca = MakeCa();
  auto a = TestNode::Create(
      ConfigFromYaml(Yaml(ca, MakeHost(ca, "a", {"fd00:100::1/64"}), StaticMap("fd00:100::2"))));
  auto b = TestNode::Create(ConfigFromYaml(Yaml(ca, MakeHost(ca, "b", {"fd00:100::2/64"}), "")));
  ASSERT_TRUE(a && b);
  a->node->handshakes().Initiate(Ip("fd00:100::2"), Node::NowNs());
  ASSERT_TRUE(CompleteHandshake(*a, *b, "fd00:100::2"));
  EXPECT_NE(b->node->host_map().Current()->FindByVpnIp(Ip("fd00:100::1")), nullptr);
  Tunnel* ab = a->node->host_map().Current()->FindByVpnIp(Ip("fd00:100::2"));
  EXPECT_EQ(ab->peer_cert().version, cert::Version::kV2);
  EXPECT_EQ(ab->identity().overlay_ip, Ip("fd00:100::2"));
}

// Initiating to any of a peer's addresses ends in its one tunnel, found by all of them; an
// IPv6 address makes the initiator send its v2 certificate even with initiating_version 1.
TEST(MeshIpv6Handshake, ATunnelToASecondaryAddressIsTheHostsTunnel) {
  Ca ca = MakeCa();
  Host a_host = MakeHost(ca, "a", {"10.9.0.1/24", "fd00::1/64"},
                         {cert::Version::kV1, cert::Version::kV2});
  Host b_host = MakeHost(ca, "b", {"10.9.0.2/24", "10.10.0.2/24", "fd00::2/64"},
                         {cert::Version::kV1, cert::Version::kV2});
  auto a = TestNode::Create(ConfigFromYaml(Yaml(ca, a_host, StaticMap("fd00::2"))));
  auto b = TestNode::Create(ConfigFromYaml(Yaml(ca, b_host, "")));
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->node->credentials().initiating_version, cert::Version::kV1);
  a->node->handshakes().Initiate(Ip("fd00::2"), Node::NowNs());
  ASSERT_TRUE(CompleteHandshake(*a, *b, "fd00::2"));
  auto snapshot = a->node->host_map().Current();
  Tunnel* ab = snapshot->FindByVpnIp(Ip("fd00::2"));
  EXPECT_EQ(ab->vpn_ip(), Ip("10.9.0.2"));  // primary: the certificate's first network
  EXPECT_EQ(snapshot->FindByVpnIp(Ip("10.10.0.2")), ab);
  EXPECT_EQ(snapshot->FindByVpnIp(Ip("10.9.0.2")), ab);
  EXPECT_EQ(ab->control().my_cert_version, cert::Version::kV2);
  EXPECT_EQ(ab->peer_cert().version, cert::Version::kV2);
  EXPECT_EQ(b->node->host_map().Current()->FindByVpnIp(Ip("fd00::1")),
            b->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.1")));
}

TEST(MeshIpv6Handshake, AHostWithoutTheInitiatedAddressIsTheWrongHost) {
  Ca ca = MakeCa();
  auto a = TestNode::Create(
      ConfigFromYaml(Yaml(ca, MakeHost(ca, "a", {"10.9.0.1/24", "fd00::1/64"}), StaticMap("fd00::7"))));
  auto b = TestNode::Create(ConfigFromYaml(Yaml(ca, MakeHost(ca, "b", {"10.9.0.2/24", "fd00::2/64"}), "")));
  ASSERT_TRUE(a && b);
  a->node->handshakes().Initiate(Ip("fd00::7"), Node::NowNs());
  EXPECT_FALSE(CompleteHandshake(*a, *b, "fd00::7"));
  EXPECT_EQ(a->node->host_map().Current()->FindByVpnIp(Ip("fd00::2")), nullptr);
  EXPECT_NE(a->log->find("Incorrect host responded to handshake"), std::string::npos);
  EXPECT_FALSE(a->node->handshakes().Pending(Ip("fd00::7")));
}

// Messages for two addresses of one peer started two handshakes; the first to finish
// carries what both had queued, and the other is done with.
TEST(MeshIpv6Handshake, QueuedMessagesForEveryAddressOfAPeerUseItsOneTunnel) {
  Ca ca = MakeCa();
  auto a = TestNode::Create(ConfigFromYaml(
      Yaml(ca, MakeHost(ca, "a", {"10.9.0.1/24", "fd00::1/64"}),
           std::string("static_host_map:\n  \"10.9.0.2\": [\"") + kAddrB + "\"]\n  \"fd00::2\": [\"" +
               kAddrB + "\"]\n")));
  auto b = TestNode::Create(
      ConfigFromYaml(Yaml(ca, MakeHost(ca, "b", {"10.9.0.2/24", "fd00::2/64"}), "")));
  ASSERT_TRUE(a && b);
  a->node->SendToVpn(Ip("10.9.0.2"), wire::MessageType::kTest, wire::MessageSubType::kTestRequest, {});
  a->node->SendToVpn(Ip("fd00::2"), wire::MessageType::kTest, wire::MessageSubType::kTestRequest, {});
  EXPECT_EQ(a->node->handshakes().pending_count(), 2u);
  auto stage1s = a->Take();
  ASSERT_EQ(stage1s.size(), 2u);
  b->node->handshakes().HandlePacket(Addr(kAddrA), Span(stage1s[1].datagram), Node::NowNs());
  auto stage2 = b->Take();
  ASSERT_EQ(stage2.size(), 1u);
  a->node->handshakes().HandlePacket(Addr(kAddrB), Span(stage2[0].datagram), Node::NowNs());
  EXPECT_EQ(a->node->handshakes().pending_count(), 0u);
  int tests = 0;
  for (const Sent& sent : a->Take()) tests += sent.header().type == wire::MessageType::kTest;
  EXPECT_EQ(tests, 2);
}

TEST(MeshIpv6Handshake, AStaticHostMayBeNamedByItsIpv6Address) {
  Ca ca = MakeCa();
  auto created = Node::Create(
      ConfigFromYaml(Yaml(ca, MakeHost(ca, "a", {"fd00:100::1/64"}), StaticMap("fd00:100::2"))),
      log::Logger([](std::string_view) {}));
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_TRUE((*created)->addresses().IsStatic(Ip("fd00:100::2")));
}

// ---- Lighthouse ---------------------------------------------------------------------------

namespace {

struct LighthouseOf {
  TestCa ca = MakeTestCa();
  ManagerHost host;
  Lighthouse lighthouse;

  LighthouseOf(const std::string& rest, std::vector<const char*> more_networks)
      : host(MeshConfig(ca,
                        MakeTestHost(ca, "me", "10.9.0.1/24",
                                     [&](cert::Certificate& c) {
                                       c.version = cert::Version::kV2;
                                       for (const char* n : more_networks)
                                         c.networks.push_back(*ParseIpPrefix(n));
                                     }),
                        rest)),
        lighthouse(Lighthouse::Deps{host.config, host.me, host.logger, host.counters,
                                    host.host_map, *host.addresses, host.send, host.handshakes,
                                    host.timers, [] { return uint16_t(4242); }}) {}

  Tunnel& Peer(const char* vpn_ip, const char* remote, uint32_t index, cert::Version version,
               std::vector<IpAddr> more = {}) {
    auto tunnel = MakeTunnel(Ip(vpn_ip), index, Addr(remote), version, {}, more);
    tunnel->control().my_cert_version = version;
    host.host_map.Add(tunnel);
    return *tunnel;
  }
  void Receive(Tunnel& from, const NebulaMeta& meta) {
    Bytes bytes = wire::EncodeMessage(meta);
    lighthouse.HandleMessage(from, Span(bytes), 0);
  }
};

NebulaMeta Meta(NebulaMeta::MessageType type, const IpAddr& vpn_ip, cert::Version version,
                const std::vector<const char*>& addresses = {}) {
  NebulaMeta meta;
  meta.set_type(type);
  if (vpn_ip.valid()) {
    EXPECT_TRUE(wire::SetMetaVpnAddr(meta.mutable_details(), version, vpn_ip).ok());
  }
  for (const char* a : addresses) AddAddress(meta.mutable_details(), Addr(a));
  return meta;
}

NebulaMeta Decoded(const Bytes& payload) {
  auto meta = wire::DecodeMeta(Span(payload));
  EXPECT_TRUE(meta.ok());
  return meta.ok() ? *meta : NebulaMeta{};
}

const char* kLighthouse = "listen:\n  port: 4242\nlighthouse:\n  am_lighthouse: true\n";

}  // namespace

// A host's v2 update (no address named) is kept under each of its addresses: a query for
// its IPv6 address is answered, in the v2 field, with what it reported.
TEST(MeshIpv6Lighthouse, AQueryForAnyAddressOfAHostIsAnswered) {
  LighthouseOf t(kLighthouse, {"fd00::1/64"});
  Tunnel& b = t.Peer("10.9.0.2", "203.0.113.2:4242", 2, cert::Version::kV2, {Ip("fd00::2")});
  Tunnel& c = t.Peer("fd00::3", "203.0.113.3:4242", 3, cert::Version::kV2);
  t.Receive(b, Meta(NebulaMeta::HostUpdateNotification, IpAddr(), cert::Version::kV2,
                    {"198.51.100.2:4242"}));
  t.host.send.on_tunnel.clear();
  t.host.send.to_vpn.clear();
  t.Receive(c, Meta(NebulaMeta::HostQuery, Ip("fd00::2"), cert::Version::kV2));
  ASSERT_EQ(t.host.send.on_tunnel.size(), 1u);
  NebulaMeta reply = Decoded(t.host.send.on_tunnel[0].payload);
  EXPECT_EQ(reply.type(), NebulaMeta::HostQueryReply);
  EXPECT_EQ(reply.details().oldvpnaddr(), 0u);
  EXPECT_EQ(wire::MetaVpnAddrOf(reply.details())->addr, Ip("fd00::2"));
  auto addresses = AddressesOf(reply.details());
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), Addr("198.51.100.2:4242")),
            addresses.end());
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), Addr("203.0.113.2:4242")),
            addresses.end());
  // The punch notification to b names the asker c in v2.
  ASSERT_EQ(t.host.send.to_vpn.size(), 1u);
  NebulaMeta punch = Decoded(t.host.send.to_vpn[0].payload);
  EXPECT_EQ(punch.type(), NebulaMeta::HostPunchNotification);
  EXPECT_EQ(wire::MetaVpnAddrOf(punch.details())->addr, Ip("fd00::3"));
}

TEST(MeshIpv6Lighthouse, AnUpdateNamingAnotherHostsAddressIsRefused) {
  LighthouseOf t(kLighthouse, {"fd00::1/64"});
  Tunnel& b = t.Peer("10.9.0.2", "203.0.113.2:4242", 2, cert::Version::kV2, {Ip("fd00::2")});
  t.Receive(b, Meta(NebulaMeta::HostUpdateNotification, Ip("fd00::2"), cert::Version::kV2,
                    {"198.51.100.2:4242"}));
  EXPECT_FALSE(t.host.addresses->Reported(Ip("fd00::2")).empty());  // its own: kept
  t.Receive(b, Meta(NebulaMeta::HostUpdateNotification, Ip("fd00::9"), cert::Version::kV2,
                    {"198.51.100.9:4242"}));
  EXPECT_TRUE(t.host.addresses->Reported(Ip("fd00::9")).empty());
}

// A member asks its lighthouse about an IPv6 address in v2, and takes the reply; a v1
// lighthouse is not asked (v1 fields hold IPv4 only).
TEST(MeshIpv6Lighthouse, AMemberQueriesIpv6AddressesOverV2Only) {
  LighthouseOf t(
      "static_host_map:\n  \"10.9.0.100\": [\"198.51.100.100:4242\"]\n"
      "  \"10.9.0.101\": [\"198.51.100.101:4242\"]\n"
      "lighthouse:\n  hosts: [\"10.9.0.100\", \"10.9.0.101\"]\n",
      {"fd00::1/64"});
  Tunnel& v2 = t.Peer("10.9.0.100", "198.51.100.100:4242", 100, cert::Version::kV2);
  t.Peer("10.9.0.101", "198.51.100.101:4242", 101, cert::Version::kV1);
  t.lighthouse.Query(Ip("fd00::5"));
  ASSERT_EQ(t.host.send.to_vpn.size(), 1u);
  EXPECT_EQ(t.host.send.to_vpn[0].vpn_ip, Ip("10.9.0.100"));
  NebulaMeta query = Decoded(t.host.send.to_vpn[0].payload);
  EXPECT_EQ(query.type(), NebulaMeta::HostQuery);
  EXPECT_EQ(wire::MetaVpnAddrOf(query.details())->addr, Ip("fd00::5"));
  t.Receive(v2, Meta(NebulaMeta::HostQueryReply, Ip("fd00::5"), cert::Version::kV2,
                     {"198.51.100.5:4242"}));
  EXPECT_FALSE(t.host.addresses->Candidates(Ip("fd00::5"), {}).empty());
  ASSERT_EQ(t.host.handshakes.triggered.size(), 1u);
  EXPECT_EQ(t.host.handshakes.triggered[0], Ip("fd00::5"));
}

// ---- Relays -------------------------------------------------------------------------------

TEST(MeshIpv6Relay, ARelayJoinsIpv6AddressedHostsOverV2) {
  TestCa ca = MakeTestCa();
  ManagerHost host(MeshConfig(ca,
                              MakeTestHost(ca, "r", "10.9.0.9/24",
                                           [](cert::Certificate& c) {
                                             c.version = cert::Version::kV2;
                                             c.networks.push_back(*ParseIpPrefix("fd00::9/64"));
                                           }),
                              ""));
  RelayManager relays(RelayManager::Deps{true, host.me, host.logger, host.counters,
                                         host.host_map, host.send, host.handshakes});
  auto a = MakeTunnel(Ip("fd00::1"), 1, Addr("203.0.113.1:4242"), cert::Version::kV2);
  auto b = MakeTunnel(Ip("10.9.0.2"), 2, Addr("203.0.113.2:4242"), cert::Version::kV2, {},
                      {Ip("fd00::2")});
  host.host_map.Add(a);
  host.host_map.Add(b);
  NebulaControl request;
  request.set_type(NebulaControl::CreateRelayRequest);
  request.set_initiatorrelayindex(111);
  ASSERT_TRUE(
      wire::SetControlRelayAddrs(&request, cert::Version::kV2, Ip("fd00::1"), Ip("fd00::2")).ok());
  Bytes bytes = wire::EncodeMessage(request);
  relays.HandleMessage(*a, Span(bytes), 0);
  // The leg towards b goes by b's primary address; the request to b names both ends as a did.
  auto snapshot = host.host_map.Current();
  const Relay* to_b = snapshot->FindRelay(Ip("10.9.0.2"), Ip("fd00::1"));
  ASSERT_NE(to_b, nullptr);
  ASSERT_EQ(host.send.to_vpn.size(), 1u);
  EXPECT_EQ(host.send.to_vpn[0].vpn_ip, Ip("10.9.0.2"));
  auto sent = wire::DecodeControl(Span(host.send.to_vpn[0].payload));
  ASSERT_TRUE(sent.ok());
  auto addrs = wire::ControlRelayAddrsOf(*sent);
  ASSERT_TRUE(addrs.ok());
  EXPECT_EQ(addrs->version, cert::Version::kV2);
  EXPECT_EQ(addrs->from, Ip("fd00::1"));
  EXPECT_EQ(addrs->to, Ip("fd00::2"));
  // b answers; a hears that its path is up.
  NebulaControl response;
  response.set_type(NebulaControl::CreateRelayResponse);
  response.set_initiatorrelayindex(to_b->local_index);
  response.set_responderrelayindex(222);
  ASSERT_TRUE(
      wire::SetControlRelayAddrs(&response, cert::Version::kV2, Ip("fd00::1"), Ip("fd00::2")).ok());
  bytes = wire::EncodeMessage(response);
  relays.HandleMessage(*b, Span(bytes), 0);
  ASSERT_EQ(host.send.to_vpn.size(), 2u);
  EXPECT_EQ(host.send.to_vpn[1].vpn_ip, Ip("fd00::1"));
  const Relay* to_a = host.host_map.Current()->FindRelay(Ip("fd00::1"), Ip("10.9.0.2"));
  ASSERT_NE(to_a, nullptr);
  EXPECT_EQ(to_a->state, RelayState::kEstablished);
}

// ---- ECMP and calculated remotes ------------------------------------------------------------

TEST(MeshIpv6Gateways, Ipv6FlowsThatDifferOnlyInAddressSpreadOverGateways) {
  std::set<uint32_t> hashes;
  for (int i = 0; i < 64; ++i) {
    firewall::Packet p;
    p.local_ip = Ip("fd00::1");
    std::array<uint8_t, 16> remote = Ip("fd50::").bytes16();
    remote[5] = uint8_t(i);  // a high byte: outside IPv4's part of the 16
    p.remote_ip = IpAddr::V6(remote);
    p.protocol = 6;
    p.local_port = 40000;
    p.remote_port = 443;
    hashes.insert(GatewaySet::FlowHash(p));
  }
  EXPECT_GT(hashes.size(), 60u);
}

TEST(MeshIpv6CalculatedRemotes, AnIpv6OverlayAddressGivesAnIpv6Underlay) {
  Ca ca = MakeCa();
  config::Config config = ConfigFromYaml(
      Yaml(ca, MakeHost(ca, "a", {"fd00:10::1/64"}),
           "lighthouse:\n  calculated_remotes:\n    fd00:10::/64:\n"
           "      - mask: 2001:db8:5::/48\n        port: 4242\n"));
  auto remotes = CalculatedRemotesFor(config.lighthouse.calculated_remotes, Ip("fd00:10::abcd"));
  ASSERT_EQ(remotes.size(), 1u);
  EXPECT_EQ(remotes[0], Addr("[2001:db8:5::abcd]:4242"));
  EXPECT_TRUE(CalculatedRemotesFor(config.lighthouse.calculated_remotes, Ip("10.0.0.1")).empty());
}
