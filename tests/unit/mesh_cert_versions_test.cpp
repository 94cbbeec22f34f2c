// Certificate versions in the daemon: which of a host's certificates (v1, v2, both in one
// pki.cert) it sends when initiating (pki.initiating_version, Nebula 1.11.1 pki.go defaults),
// which a responder answers with, and handshakes of v2 and P256 certificates between two
// created nodes (mesh_test_support.h).
#include <gtest/gtest.h>

#include <ctime>

#include "cert/key_pem.h"
#include "crypto/ed25519.h"
#include "crypto/p256.h"
#include "mesh/handshake_manager.h"
#include "mesh/host_credentials.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"
#include "noise/dh.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr const char* kAddrA = "192.0.2.1:4242";
constexpr const char* kAddrB = "192.0.2.2:4242";

struct Ca {
  cert::Certificate cert;
  Bytes key;
};

Ca MakeCa(cert::Curve curve, cert::Version version) {
  Ca ca;
  ca.cert.version = version;
  ca.cert.curve = curve;
  ca.cert.name = "test ca";
  ca.cert.is_ca = true;
  ca.cert.not_before = std::time(nullptr) - 3600;
  ca.cert.not_after = std::time(nullptr) + 10 * 3600;
  if (curve == cert::Curve::kP256) {
    auto pair = crypto::GenerateP256KeyPair();
    EXPECT_TRUE(pair.ok());
    ca.key = pair->private_key;
    ca.cert.public_key = pair->public_key;
  } else {
    crypto::Ed25519KeyPair pair = crypto::Ed25519Generate();
    ca.key.assign(pair.private_key.begin(), pair.private_key.end());
    ca.cert.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  }
  EXPECT_TRUE(ca.cert.Sign(curve, ca.key).ok());
  return ca;
}

// A host with a key of the CA's curve and one certificate per listed version, all for the
// same key and networks.
struct Host {
  noise::DhKeyPair keys;
  std::vector<cert::Certificate> certs;
  cert::Curve curve;
  std::string CertPem() const {
    std::string pem;
    for (const auto& c : certs) pem += c.MarshalToPem();
    return pem;
  }
  std::string KeyPem() const { return cert::FormatPrivateKeyPem(curve, false, keys.private_key); }
};

Host MakeHost(const Ca& ca, const std::string& name, std::vector<const char*> networks,
              std::vector<cert::Version> versions) {
  Host host;
  host.curve = ca.cert.curve;
  auto keys = noise::DhGenerate(host.curve == cert::Curve::kP256 ? noise::DhKind::kP256
                                                                 : noise::DhKind::kCurve25519);
  EXPECT_TRUE(keys.ok());
  host.keys = *keys;
  for (cert::Version version : versions) {
    cert::Certificate c;
    c.version = version;
    c.curve = host.curve;
    c.name = name;
    for (const char* n : networks) c.networks.push_back(*ParseIpPrefix(n));
    c.not_before = ca.cert.not_before + 1;
    c.not_after = ca.cert.not_after - 1;
    c.public_key = host.keys.public_key;
    c.issuer = ca.cert.Fingerprint();
    EXPECT_TRUE(c.Sign(host.curve, ca.key).ok()) << name;
    host.certs.push_back(c);
  }
  return host;
}

std::string Yaml(const Ca& ca, const Host& host, const std::string& rest) {
  return MeshYamlPem(ca.cert.MarshalToPem(), host.CertPem(), host.KeyPem(), rest);
}

std::string StaticMapTo(const char* vpn_ip, const char* addr) {
  return std::string("static_host_map:\n  \"") + vpn_ip + "\": [\"" + addr + "\"]\n";
}

Result<HostCredentials> Load(const std::string& yaml) {
  config::Config config = ConfigFromYaml(yaml);
  return HostCredentials::Load(config.pki, log::Logger([](std::string_view) {}));
}

ByteSpan Span(const Bytes& bytes) { return ByteSpan(bytes.data(), bytes.size()); }

// Runs a handshake a -> b; returns true when both ends hold the tunnel.
bool Handshake(TestNode& a, TestNode& b, const char* b_vpn_ip, const char* a_vpn_ip) {
  a.node->handshakes().Initiate(Ip(b_vpn_ip), Node::NowNs());
  auto stage1 = a.Take();
  if (stage1.size() != 1) return false;
  b.node->handshakes().HandlePacket(Addr(kAddrA), Span(stage1[0].datagram), Node::NowNs());
  auto stage2 = b.Take();
  if (stage2.size() != 1) return false;
  a.node->handshakes().HandlePacket(Addr(kAddrB), Span(stage2[0].datagram), Node::NowNs());
  return a.node->host_map().Current()->FindByVpnIp(Ip(b_vpn_ip)) &&
         b.node->host_map().Current()->FindByVpnIp(Ip(a_vpn_ip));
}

}  // namespace

TEST(MeshCertVersions, InitiatingVersionDefaultsAndChoices) {
  Ca ca = MakeCa(cert::Curve::kCurve25519, cert::Version::kV1);
  Host both = MakeHost(ca, "both", {"10.9.0.1/24"}, {cert::Version::kV1, cert::Version::kV2});
  Host v2only = MakeHost(ca, "v2", {"10.9.0.1/24"}, {cert::Version::kV2});
  Host v1only = MakeHost(ca, "v1", {"10.9.0.1/24"}, {cert::Version::kV1});

  auto c = Load(Yaml(ca, both, ""));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->initiating_version, cert::Version::kV1);  // a v1 certificate: 1 by default
  EXPECT_TRUE(c->v1 && c->v2);
  EXPECT_EQ(c->certificate->version, cert::Version::kV2);  // v2 defines the host

  std::string yaml = Yaml(ca, both, "");
  yaml.insert(yaml.find("pki:\n") + 5, "  initiating_version: 2\n");
  c = Load(yaml);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->initiating_version, cert::Version::kV2);

  c = Load(Yaml(ca, v2only, ""));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->initiating_version, cert::Version::kV2);  // only v2: 2 by default
  EXPECT_FALSE(c->v1);

  yaml = Yaml(ca, v2only, "");
  yaml.insert(yaml.find("pki:\n") + 5, "  initiating_version: 1\n");
  c = Load(yaml);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("without a v1 certificate"), std::string::npos)
      << c.status().message();

  yaml = Yaml(ca, v1only, "");
  yaml.insert(yaml.find("pki:\n") + 5, "  initiating_version: 2\n");
  c = Load(yaml);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->initiating_version, cert::Version::kV1);  // Nebula sends the v1 it has
}

TEST(MeshCertVersions, CertificatesInOneFileMustAgree) {
  Ca ca = MakeCa(cert::Curve::kCurve25519, cert::Version::kV1);
  Host a = MakeHost(ca, "a", {"10.9.0.1/24"}, {cert::Version::kV1});
  Host b = MakeHost(ca, "b", {"10.9.0.1/24"}, {cert::Version::kV2});
  auto c = Load(MeshYamlPem(ca.cert.MarshalToPem(), a.CertPem() + b.CertPem(), a.KeyPem(), ""));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("public keys are not the same"), std::string::npos)
      << c.status().message();
  c = Load(MeshYamlPem(ca.cert.MarshalToPem(), a.CertPem() + a.CertPem(), a.KeyPem(), ""));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("v1 certificate already found"), std::string::npos);
  // A v2 certificate with IPv6 networks besides the IPv4 one is fine, and so is an
  // IPv6-only one (Nebula 1.10+).
  Host dual = MakeHost(ca, "d", {"10.9.0.1/24", "fd00::1/64"}, {cert::Version::kV2});
  c = Load(Yaml(ca, dual, ""));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->vpn_ip, Ip("10.9.0.1"));
  Host v6 = MakeHost(ca, "6", {"fd00::1/64"}, {cert::Version::kV2});
  c = Load(Yaml(ca, v6, ""));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->vpn_ip, Ip("fd00::1"));
}

TEST(MeshCertVersions, ResponderAnswersWithTheInitiatorsVersionIfItHasIt) {
  Ca ca = MakeCa(cert::Curve::kCurve25519, cert::Version::kV1);
  auto both = Load(
      Yaml(ca, MakeHost(ca, "b", {"10.9.0.2/24"}, {cert::Version::kV1, cert::Version::kV2}), ""));
  auto v2only = Load(Yaml(ca, MakeHost(ca, "c", {"10.9.0.3/24"}, {cert::Version::kV2}), ""));
  ASSERT_TRUE(both.ok() && v2only.ok());
  EXPECT_EQ(ResponderCertVersion(*both, cert::Version::kV1), cert::Version::kV1);
  EXPECT_EQ(ResponderCertVersion(*both, cert::Version::kV2), cert::Version::kV2);
  EXPECT_EQ(ResponderCertVersion(*v2only, cert::Version::kV1), cert::Version::kV2);
}

// A host with v1 and v2 initiating with v2 to a v2-only host, and with v1 (its default) to
// a host holding both: each tunnel carries the versions Nebula 1.11.1 would pick.
TEST(MeshCertVersions, HandshakesCarryTheChosenVersions) {
  Ca ca = MakeCa(cert::Curve::kCurve25519, cert::Version::kV1);
  Host a_host = MakeHost(ca, "a", {"10.9.0.1/24"}, {cert::Version::kV1, cert::Version::kV2});
  Host b_host = MakeHost(ca, "b", {"10.9.0.2/24", "fd00::2/64"}, {cert::Version::kV2});
  Host c_host = MakeHost(ca, "c", {"10.9.0.3/24"}, {cert::Version::kV1, cert::Version::kV2});
  auto a = TestNode::Create(ConfigFromYaml(Yaml(
      ca, a_host, StaticMapTo("10.9.0.2", kAddrB) + "  \"10.9.0.3\": [\"" + kAddrB + "\"]\n")));
  auto b = TestNode::Create(ConfigFromYaml(Yaml(ca, b_host, "")));
  auto c = TestNode::Create(ConfigFromYaml(Yaml(ca, c_host, "")));
  ASSERT_TRUE(a && b && c);

  // a (default v1) -> b (v2 only): b has no v1, answers v2.
  ASSERT_TRUE(Handshake(*a, *b, "10.9.0.2", "10.9.0.1"));
  Tunnel* ab = a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2"));
  Tunnel* ba = b->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.1"));
  EXPECT_EQ(ab->control().my_cert_version, cert::Version::kV1);
  EXPECT_EQ(ab->peer_cert().version, cert::Version::kV2);
  EXPECT_EQ(ab->peer_cert().networks.size(), 2u);  // IPv6 network carried, not a problem
  EXPECT_EQ(ba->control().my_cert_version, cert::Version::kV2);
  EXPECT_EQ(ba->peer_cert().version, cert::Version::kV1);

  // a (v1) -> c (both): c answers in v1.
  ASSERT_TRUE(Handshake(*a, *c, "10.9.0.3", "10.9.0.1"));
  Tunnel* ca_tunnel = c->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.1"));
  EXPECT_EQ(ca_tunnel->control().my_cert_version, cert::Version::kV1);
  EXPECT_EQ(ca_tunnel->peer_cert().version, cert::Version::kV1);
}

TEST(MeshCertVersions, P256V2HandshakeCompletes) {
  Ca ca = MakeCa(cert::Curve::kP256, cert::Version::kV2);
  auto a = TestNode::Create(
      ConfigFromYaml(Yaml(ca, MakeHost(ca, "a", {"10.9.0.1/24"}, {cert::Version::kV2}),
                          StaticMapTo("10.9.0.2", kAddrB))));
  auto b = TestNode::Create(
      ConfigFromYaml(Yaml(ca, MakeHost(ca, "b", {"10.9.0.2/24"}, {cert::Version::kV2}), "")));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->node->credentials().dh, noise::DhKind::kP256);
  ASSERT_TRUE(Handshake(*a, *b, "10.9.0.2", "10.9.0.1"));
  Tunnel* ab = a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2"));
  EXPECT_EQ(ab->peer_cert().curve, cert::Curve::kP256);
  EXPECT_EQ(ab->peer_cert().public_key.size(), 65u);
}

// A Curve25519 host cannot complete a handshake with a P256 one: the DH sizes differ, so the
// responder's noise read fails and nothing is created.
TEST(MeshCertVersions, MixedCurvesAreRefused) {
  Ca ca25519 = MakeCa(cert::Curve::kCurve25519, cert::Version::kV2);
  Ca ca256 = MakeCa(cert::Curve::kP256, cert::Version::kV2);
  auto a = TestNode::Create(
      ConfigFromYaml(Yaml(ca25519, MakeHost(ca25519, "a", {"10.9.0.1/24"}, {cert::Version::kV2}),
                          StaticMapTo("10.9.0.2", kAddrB))));
  auto b = TestNode::Create(
      ConfigFromYaml(Yaml(ca256, MakeHost(ca256, "b", {"10.9.0.2/24"}, {cert::Version::kV2}), "")));
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(Handshake(*a, *b, "10.9.0.2", "10.9.0.1"));
  EXPECT_TRUE(b->node->host_map().Current()->by_vpn_ip.empty());
  EXPECT_GE(b->Counter("handshakes_dropped"), 1u);
}
