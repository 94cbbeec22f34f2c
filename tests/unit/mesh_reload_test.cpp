// Node::Reload (mesh/reload.h): what a reload applies (firewall rules, blocklist, CA pool,
// certificate and key, logging, unsafe routes, static hosts and lighthouses, relays, punchy),
// what it refuses whole (nothing changes), and what waits for a restart. Real tunnels between created, never started nodes (mesh_test_support.h).
#include <gtest/gtest.h>

#include <algorithm>

#include "base/bytes.h"
#include "cert/key_pem.h"
#include "firewall/packet.h"
#include "mesh/lighthouse.h"
#include "mesh/relay_manager.h"
#include "mesh/handshake_manager.h"
#include "mesh/reload.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr const char* kAddrA = "192.0.2.1:4242";
constexpr const char* kAddrB = "192.0.2.2:4242";

ByteSpan Span(const Bytes& bytes) { return ByteSpan(bytes.data(), bytes.size()); }

const std::string kStaticB = "  \"10.9.0.2\": [\"" + std::string(kAddrB) + "\"]\n";

// a's config: its pki (plus `pki_extra` lines), inbound rules `inbound` (list items), and
// `statics` as static_host_map (b); `rest` after that.
std::string AYaml(const TestCa& ca, const TestHost& a, const std::string& pki_extra,
                  const std::string& inbound, const std::string& rest = "",
                  const std::string& statics = kStaticB) {
  return "pki:\n  ca: " + IndentedBlock(ca.cert.MarshalToPem()) +
         "  cert: " + IndentedBlock(a.cert.MarshalToPem()) +
         "  key: " + IndentedBlock(cert::FormatX25519PrivateKeyPem(a.keys.private_key)) +
         pki_extra +
         "static_host_map:\n" + statics +
         "firewall:\n  outbound:\n    - port: any\n      proto: any\n      host: any\n"
         "  inbound:\n" + inbound + rest;
}

const std::string kIcmpAndSsh =
    "    - port: any\n      proto: icmp\n      host: any\n"
    "    - port: 22\n      proto: tcp\n      host: any\n";
const std::string kIcmpAndWeb =
    "    - port: any\n      proto: icmp\n      host: any\n"
    "    - port: 80\n      proto: tcp\n      host: any\n";

// b's packet to a (10.9.0.2 -> 10.9.0.1), as a receives it from the tunnel.
Bytes FromB(uint8_t protocol, uint16_t source_port, uint16_t destination_port) {
  Bytes packet(28, 0);
  packet[0] = 0x45;
  StoreBig16(&packet[2], uint16_t(packet.size()));
  packet[8] = 64;
  packet[9] = protocol;
  StoreBig32(&packet[12], Ip("10.9.0.2").v4());
  StoreBig32(&packet[16], Ip("10.9.0.1").v4());
  if (protocol == firewall::kProtoIcmp) {
    packet[20] = 8;  // echo request
  } else {
    StoreBig16(&packet[20], source_port);
    StoreBig16(&packet[22], destination_port);
  }
  return packet;
}

struct Mesh {
  TestCa ca = MakeTestCa();
  TestHost a_host = MakeTestHost(ca, "a", "10.9.0.1/24");
  TestHost b_host = MakeTestHost(ca, "b", "10.9.0.2/24");
  std::unique_ptr<TestNode> a, b;

  Mesh() {
    a = TestNode::Create(ConfigFromYaml(AYaml(ca, a_host, "", kIcmpAndSsh)));
    b = NewB();
    if (a && b) {
      EXPECT_TRUE(Handshake(*a, *b, "10.9.0.2", kAddrA, kAddrB));
    }
  }
  std::unique_ptr<TestNode> NewB() {
    return TestNode::Create(MeshConfig(
        ca, b_host, "static_host_map:\n  \"10.9.0.1\": [\"" + std::string(kAddrA) + "\"]\n"));
  }
  Tunnel* AToB() const { return a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2")); }
  firewall::Verdict AInbound(uint8_t protocol, uint16_t source_port, uint16_t port) {
    Tunnel* tunnel = AToB();
    EXPECT_NE(tunnel, nullptr);
    if (!tunnel) return firewall::Verdict::kDropNoRule;
    Bytes packet = FromB(protocol, source_port, port);
    return a->node->firewall().Check(Span(packet), /*incoming=*/true, tunnel->identity(),
                                     Node::NowNs());
  }
  Result<ReloadOutcome> ReloadA(const std::string& yaml) {
    return a->node->Reload(ConfigFromYaml(yaml));
  }
};

bool Has(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

TEST(MeshReload, ANewFirewallRuleOpensItsPortAndFlowsTheRulesStillAllowStay) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b && mesh.AToB());
  const uint32_t index = mesh.AToB()->local_index();
  // Before: ssh opens a flow, a ping flow runs, the web port is refused.
  EXPECT_EQ(mesh.AInbound(firewall::kProtoTcp, 40000, 22), firewall::Verdict::kAllow);
  EXPECT_EQ(mesh.AInbound(firewall::kProtoIcmp, 0, 0), firewall::Verdict::kAllow);
  EXPECT_EQ(mesh.AInbound(firewall::kProtoTcp, 40001, 80), firewall::Verdict::kDropNoRule);

  auto outcome = mesh.ReloadA(AYaml(mesh.ca, mesh.a_host, "", kIcmpAndWeb));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(Has(outcome->changed, "firewall.inbound"));
  EXPECT_TRUE(outcome->restart_needed.empty());
  EXPECT_EQ(outcome->generation, 1u);

  EXPECT_EQ(mesh.AInbound(firewall::kProtoTcp, 40001, 80), firewall::Verdict::kAllow);
  EXPECT_EQ(mesh.AInbound(firewall::kProtoIcmp, 0, 0), firewall::Verdict::kAllow);
  // The ssh flow the new rules no longer allow is cut at its next packet, as Nebula does.
  EXPECT_EQ(mesh.AInbound(firewall::kProtoTcp, 40000, 22), firewall::Verdict::kDropNoRule);
  // The same tunnel carried all of it.
  ASSERT_NE(mesh.AToB(), nullptr);
  EXPECT_EQ(mesh.AToB()->local_index(), index);
  EXPECT_NE(mesh.a->log->find("Reloaded config"), std::string::npos);
}

TEST(MeshReload, ABlocklistedPeersTunnelClosesAndItCannotHandshakeAgain) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b && mesh.AToB());
  mesh.a->Take();
  auto outcome = mesh.ReloadA(AYaml(mesh.ca, mesh.a_host,
                                    "  blocklist:\n    - " + mesh.b_host.cert.Fingerprint() + "\n",
                                    kIcmpAndSsh));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(Has(outcome->changed, "pki.blocklist"));
  EXPECT_EQ(mesh.AToB(), nullptr);
  int closes = 0;
  for (const Sent& s : mesh.a->Take())
    if (s.to == Addr(kAddrB) && s.header().type == wire::MessageType::kCloseTunnel) ++closes;
  EXPECT_EQ(closes, 1);
  EXPECT_NE(mesh.a->log->find("Remote certificate is blocked"), std::string::npos);

  // b, restarted with the same certificate, is refused.
  auto b2 = mesh.NewB();
  ASSERT_TRUE(b2);
  EXPECT_FALSE(Handshake(*b2, *mesh.a, "10.9.0.1", kAddrB, kAddrA));
  EXPECT_EQ(mesh.AToB(), nullptr);
}

TEST(MeshReload, ACaPoolWithoutThePeersCaClosesItsTunnel) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b && mesh.AToB());
  // a moves to a new CA (its own certificate re-signed by it, same network and key).
  TestCa next_ca = MakeTestCa();
  TestHost a_next = mesh.a_host;
  a_next.cert.issuer = next_ca.cert.Fingerprint();
  ASSERT_TRUE(a_next.cert
                  .Sign(cert::Curve::kCurve25519, ByteSpan(next_ca.key.data(), next_ca.key.size()))
                  .ok());
  auto outcome = mesh.ReloadA(AYaml(next_ca, a_next, "", kIcmpAndSsh));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(Has(outcome->changed, "pki.ca"));
  EXPECT_TRUE(Has(outcome->changed, "pki.cert"));
  EXPECT_EQ(mesh.AToB(), nullptr);
}

TEST(MeshReload, ARotatedCertificateAndKeyAreWhatNewHandshakesCarryWhileTunnelsStay) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b && mesh.AToB());
  const uint32_t index = mesh.AToB()->local_index();
  TestHost rotated = MakeTestHost(mesh.ca, "a-rotated", "10.9.0.1/24");
  auto outcome = mesh.ReloadA(AYaml(mesh.ca, rotated, "", kIcmpAndSsh));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(Has(outcome->changed, "pki.cert"));
  EXPECT_TRUE(Has(outcome->changed, "pki.key"));
  EXPECT_FALSE(Has(outcome->changed, "pki.ca"));
  EXPECT_EQ(mesh.a->node->credentials().certificate->name, "a-rotated");
  EXPECT_EQ(mesh.a->node->Report().cert_name, "a-rotated");
  ASSERT_NE(mesh.AToB(), nullptr);
  EXPECT_EQ(mesh.AToB()->local_index(), index);

  // A new peer's handshake gets the new certificate, and the new key completes it.
  auto b2 = mesh.NewB();
  ASSERT_TRUE(b2);
  ASSERT_TRUE(Handshake(*b2, *mesh.a, "10.9.0.1", kAddrB, kAddrA));
  Tunnel* to_a = b2->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.1"));
  ASSERT_NE(to_a, nullptr);
  EXPECT_EQ(to_a->peer_cert().name, "a-rotated");
}

TEST(MeshReload, ABrokenConfigIsRefusedWholeAndNothingChanges) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b && mesh.AToB());
  EXPECT_EQ(mesh.AInbound(firewall::kProtoTcp, 40000, 22), firewall::Verdict::kAllow);
  const uint32_t rules = mesh.a->node->firewall().rules_version();
  const std::string blocklist = "  blocklist:\n    - " + mesh.b_host.cert.Fingerprint() + "\n";

  // A bad rule beside a blocklist entry: the blocklist is not applied either.
  auto bad_rule = mesh.ReloadA(AYaml(mesh.ca, mesh.a_host, blocklist,
                                     "    - port: 80-\n      proto: tcp\n      host: any\n"));
  ASSERT_FALSE(bad_rule.ok());
  EXPECT_NE(bad_rule.status().message().find("firewall.inbound rule 1"), std::string::npos)
      << bad_rule.status().message();

  // An unreadable certificate names pki.cert.
  std::string yaml = AYaml(mesh.ca, mesh.a_host, blocklist, kIcmpAndWeb);
  const size_t cert_at = yaml.find("  cert: ");
  const size_t key_at = yaml.find("  key: ");
  yaml.replace(cert_at, key_at - cert_at, "  cert: /nonexistent/flatnet/host.crt\n");
  auto unreadable = mesh.ReloadA(yaml);
  ASSERT_FALSE(unreadable.ok());
  EXPECT_NE(unreadable.status().message().find("pki.cert"), std::string::npos)
      << unreadable.status().message();

  // A certificate for another address would move the TUN: a restart does that.
  TestHost moved = MakeTestHost(mesh.ca, "a", "10.9.0.9/24");
  auto other_network = mesh.ReloadA(AYaml(mesh.ca, moved, "", kIcmpAndWeb));
  ASSERT_FALSE(other_network.ok());
  EXPECT_NE(other_network.status().message().find("pki.cert: the new certificate's networks"),
            std::string::npos)
      << other_network.status().message();

  // Nothing of any of them was applied.
  ASSERT_NE(mesh.AToB(), nullptr);
  EXPECT_EQ(mesh.a->node->firewall().rules_version(), rules);
  EXPECT_EQ(mesh.AInbound(firewall::kProtoTcp, 40000, 22), firewall::Verdict::kAllow);
  EXPECT_EQ(mesh.AInbound(firewall::kProtoTcp, 40001, 80), firewall::Verdict::kDropNoRule);
  EXPECT_EQ(mesh.a->node->credentials().certificate->name, "a");
}

TEST(MeshReload, KeysOnlyARestartAppliesAreListedAndKeepTheirRunningValues) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b);
  const uint16_t port = mesh.a->node->config().listen.port;
  auto outcome = mesh.ReloadA(
      AYaml(mesh.ca, mesh.a_host, "", kIcmpAndSsh,
            "listen:\n  port: 4999\ntun:\n  mtu: 1400\nlogging:\n  level: warning\n"));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(Has(outcome->restart_needed, "listen.port"));
  EXPECT_TRUE(Has(outcome->restart_needed, "tun.mtu"));
  EXPECT_FALSE(Has(outcome->restart_needed, "firewall.inbound"));
  EXPECT_EQ(mesh.a->node->config().listen.port, port);
  EXPECT_NE(mesh.a->log->find("only a restart applies"), std::string::npos);
  // logging.level is applied at once.
  EXPECT_TRUE(Has(outcome->changed, "logging"));
  EXPECT_FALSE(mesh.a->node->logger().Enabled(log::Level::kInfo));
  EXPECT_TRUE(mesh.a->node->logger().Enabled(log::Level::kWarning));

  // The same config again: nothing changed, and a second generation.
  auto again = mesh.ReloadA(
      AYaml(mesh.ca, mesh.a_host, "", kIcmpAndSsh,
            "listen:\n  port: 4999\ntun:\n  mtu: 1400\nlogging:\n  level: warning\n"));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->changed.empty());
  EXPECT_EQ(again->generation, 2u);
}

namespace {

// a's packet from the overlay to `destination` (an unsafe network's host), as RouteFor sees it.
firewall::Packet ToUnsafe(const char* destination) { return OutboundUdp("10.9.0.1", destination); }

const std::string kUnsafeViaB =
    "tun:\n  unsafe_routes:\n    - route: 172.16.5.0/24\n      via: 10.9.0.2\n";

}  // namespace

TEST(MeshReload, AnAddedUnsafeRouteIsRoutedAndARemovedOneNoLonger) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b && mesh.AToB());
  const uint32_t index = mesh.AToB()->local_index();
  auto tunnels = mesh.a->node->host_map().Current();
  EXPECT_FALSE(mesh.a->node->RouteFor(ToUnsafe("172.16.5.9"), *tunnels).valid());

  auto added = mesh.ReloadA(AYaml(mesh.ca, mesh.a_host, "", kIcmpAndSsh, kUnsafeViaB));
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_TRUE(Has(added->changed, "tun.unsafe_routes"));
  EXPECT_FALSE(Has(added->restart_needed, "tun.unsafe_routes"));
  EXPECT_EQ(mesh.a->node->RouteFor(ToUnsafe("172.16.5.9"), *tunnels), Ip("10.9.0.2"));
  EXPECT_FALSE(mesh.a->node->RouteFor(ToUnsafe("172.16.6.9"), *tunnels).valid());

  auto removed = mesh.ReloadA(AYaml(mesh.ca, mesh.a_host, "", kIcmpAndSsh));
  ASSERT_TRUE(removed.ok()) << removed.status().message();
  EXPECT_TRUE(Has(removed->changed, "tun.unsafe_routes"));
  EXPECT_FALSE(mesh.a->node->RouteFor(ToUnsafe("172.16.5.9"), *tunnels).valid());
  ASSERT_NE(mesh.AToB(), nullptr);
  EXPECT_EQ(mesh.AToB()->local_index(), index);
}

TEST(MeshReload, AnUnsafeRouteTheStartWouldRefuseRefusesTheWholeReload) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b && mesh.AToB());
  const std::string blocklist = "  blocklist:\n    - " + mesh.b_host.cert.Fingerprint() + "\n";
  auto outside = mesh.ReloadA(AYaml(
      mesh.ca, mesh.a_host, blocklist, kIcmpAndSsh,
      "tun:\n  unsafe_routes:\n    - route: 172.16.5.0/24\n      via: 10.8.0.2\n"));
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("tun.unsafe_routes (line"), std::string::npos)
      << outside.status().message();
  EXPECT_NE(outside.status().message().find("not in this host's networks"), std::string::npos);

  auto too_big = mesh.ReloadA(AYaml(
      mesh.ca, mesh.a_host, blocklist, kIcmpAndSsh,
      "tun:\n  unsafe_routes:\n    - route: 172.16.5.0/24\n      via: 10.9.0.2\n"
      "      mtu: 9000\n"));
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("tun.unsafe_routes (line"), std::string::npos)
      << too_big.status().message();
  EXPECT_NE(too_big.status().message().find("mtu 9000"), std::string::npos);

  // Neither the blocklist nor a route was applied.
  ASSERT_NE(mesh.AToB(), nullptr);
  auto tunnels = mesh.a->node->host_map().Current();
  EXPECT_FALSE(mesh.a->node->RouteFor(ToUnsafe("172.16.5.9"), *tunnels).valid());
}

TEST(MeshReload, ANewStaticHostAndLighthouseAreUsedAndTheDroppedStaticHostsTunnelStays) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b && mesh.AToB());
  const uint32_t index = mesh.AToB()->local_index();
  EXPECT_TRUE(mesh.a->node->addresses().Candidates(Ip("10.9.0.3")).empty());
  EXPECT_FALSE(mesh.a->node->lighthouse().IsLighthouse(Ip("10.9.0.3")));

  // b leaves static_host_map; c (a lighthouse) comes in.
  auto outcome = mesh.ReloadA(AYaml(mesh.ca, mesh.a_host, "", kIcmpAndSsh,
                                    "lighthouse:\n  hosts: [\"10.9.0.3\"]\n  interval: 30\n",
                                    "  \"10.9.0.3\": [\"192.0.2.3:4242\"]\n"));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  for (const char* key : {"static_host_map", "lighthouse.hosts", "lighthouse.interval"}) {
    EXPECT_TRUE(Has(outcome->changed, key)) << key;
    EXPECT_FALSE(Has(outcome->restart_needed, key)) << key;
  }
  EXPECT_EQ(mesh.a->node->addresses().Candidates(Ip("10.9.0.3")),
            std::vector<net::UdpAddr>{Addr("192.0.2.3:4242")});
  EXPECT_TRUE(mesh.a->node->addresses().Candidates(Ip("10.9.0.2")).empty());
  EXPECT_TRUE(mesh.a->node->lighthouse().IsLighthouse(Ip("10.9.0.3")));
  NodeStatus status = mesh.a->node->Report();
  ASSERT_EQ(status.lighthouses.size(), 1u);
  EXPECT_EQ(status.lighthouses[0].vpn_ip, "10.9.0.3");

  // The update to the new lighthouse is due at once: its handshake starts, to the static
  // address the reload gave.
  mesh.a->Take();
  mesh.a->node->timers().RunDue(Node::NowNs());
  bool handshake_to_c = false;
  for (const Sent& s : mesh.a->Take())
    if (s.to == Addr("192.0.2.3:4242") && s.header().type == wire::MessageType::kHandshake)
      handshake_to_c = true;
  EXPECT_TRUE(handshake_to_c);
  EXPECT_TRUE(mesh.a->node->Pending(Ip("10.9.0.3")));

  // b's tunnel is still allowed: it stays.
  ASSERT_NE(mesh.AToB(), nullptr);
  EXPECT_EQ(mesh.AToB()->local_index(), index);
}

TEST(MeshReload, RelayAndPunchySettingsAreWhatTheManagersUseAfterAReload) {
  Mesh mesh;
  ASSERT_TRUE(mesh.a && mesh.b && mesh.AToB());
  EXPECT_FALSE(mesh.a->node->relays().am_relay());
  EXPECT_TRUE(mesh.a->node->handshakes().use_relays());
  EXPECT_FALSE(mesh.a->node->lighthouse().punchy().respond);

  auto outcome = mesh.ReloadA(AYaml(mesh.ca, mesh.a_host, "", kIcmpAndSsh,
                                    "relay:\n  am_relay: true\n"
                                    "punchy:\n  punch: true\n  respond: true\n"
                                    "  respond_delay: 2s\n  early_delay: 50ms\n"
                                    "  target_all_remotes: true\n"));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(Has(outcome->changed, "relay"));
  EXPECT_TRUE(Has(outcome->changed, "punchy"));
  EXPECT_TRUE(outcome->restart_needed.empty());
  EXPECT_TRUE(mesh.a->node->relays().am_relay());
  EXPECT_TRUE(mesh.a->node->Report().am_relay);
  EXPECT_FALSE(mesh.a->node->handshakes().use_relays());  // a relay does not use relays
  const config::PunchyConfig& punchy = mesh.a->node->lighthouse().punchy();
  EXPECT_TRUE(punchy.punch && punchy.respond && punchy.target_all_remotes);
  EXPECT_EQ(punchy.respond_delay, std::chrono::seconds(2));
  EXPECT_EQ(punchy.early_delay, std::chrono::milliseconds(50));

  // punchy.punch now on: the keepalive punches b's tunnel's remote.
  mesh.a->Take();
  mesh.a->node->timers().RunDue(Node::NowNs());
  int punches = 0;
  for (const Sent& s : mesh.a->Take())
    if (s.to == Addr(kAddrB) && s.datagram.size() == 1) ++punches;
  EXPECT_GE(punches, 1);

  // And back.
  auto back = mesh.ReloadA(AYaml(mesh.ca, mesh.a_host, "", kIcmpAndSsh));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_FALSE(mesh.a->node->relays().am_relay());
  EXPECT_TRUE(mesh.a->node->handshakes().use_relays());
  EXPECT_FALSE(mesh.a->node->lighthouse().punchy().punch);
}
