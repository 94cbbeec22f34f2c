// pki.disconnect_invalid: tunnels whose peer certificate expired (or whose CA did) are
// closed and the peer told, unless disconnect_invalid is false; blocklisted ones always are.
// Real tunnels between two created nodes (mesh_test_support.h), judged at a chosen time.
#include <gtest/gtest.h>

#include <ctime>

#include "mesh/handshake_manager.h"
#include "mesh/invalid_certs.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr const char* kAddrA = "192.0.2.1:4242";
constexpr const char* kAddrB = "192.0.2.2:4242";

ByteSpan Span(const Bytes& bytes) { return ByteSpan(bytes.data(), bytes.size()); }

// a (its config.yml ending in `a_pki`, keys of its pki section) and b with a tunnel between
// them; b's certificate ends at `b_not_after`.
struct Pair {
  TestCa ca = MakeTestCa();
  TestHost b_host;
  std::unique_ptr<TestNode> a, b;

  Pair(const std::string& a_pki, int64_t b_not_after) {
    b_host = MakeTestHost(ca, "b", "10.9.0.2/24",
                          [&](cert::Certificate& c) { c.not_after = b_not_after; });
    TestHost a_host = MakeTestHost(ca, "a", "10.9.0.1/24");
    // MeshYaml puts pki first; keys after the firewall section would start a new map.
    std::string yaml = MeshYaml(
        ca, a_host, "static_host_map:\n  \"10.9.0.2\": [\"" + std::string(kAddrB) + "\"]\n");
    yaml.insert(yaml.find("firewall:"), a_pki);
    a = TestNode::Create(ConfigFromYaml(yaml));
    b = TestNode::Create(MeshConfig(ca, b_host, ""));
    if (!a || !b) return;
    a->node->handshakes().Initiate(Ip("10.9.0.2"), Node::NowNs());
    auto stage1 = a->Take();
    EXPECT_EQ(stage1.size(), 1u);
    if (stage1.empty()) return;
    b->node->handshakes().HandlePacket(Addr(kAddrA), Span(stage1[0].datagram), Node::NowNs());
    auto stage2 = b->Take();
    EXPECT_EQ(stage2.size(), 1u);
    if (stage2.empty()) return;
    a->node->handshakes().HandlePacket(Addr(kAddrB), Span(stage2[0].datagram), Node::NowNs());
  }
  bool ATunnelToB() const { return a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2")); }
  // closeTunnel messages a sent to b since the last call.
  int ClosesSentToB() {
    int closes = 0;
    for (const Sent& s : a->Take())
      if (s.to == Addr(kAddrB) && s.header().type == wire::MessageType::kCloseTunnel) ++closes;
    return closes;
  }
};

constexpr CertCheckScope kPeriodic = CertCheckScope::kExpiriesOnly;  // the housekeeping pass

}  // namespace

TEST(MeshInvalidCerts, AnExpiredPeerCertificateClosesItsTunnelAndThePeerIsTold) {
  const int64_t now = std::time(nullptr);
  Pair pair("", now + 60);  // pki.disconnect_invalid absent: true, as in Nebula 1.8+
  ASSERT_TRUE(pair.a && pair.b);
  ASSERT_TRUE(pair.ATunnelToB());
  pair.a->Take();

  EXPECT_EQ(CloseInvalidTunnels(*pair.a->node, now + 30, kPeriodic), 0);  // still valid: kept
  EXPECT_TRUE(pair.ATunnelToB());
  EXPECT_EQ(pair.ClosesSentToB(), 0);

  EXPECT_EQ(CloseInvalidTunnels(*pair.a->node, now + 61, kPeriodic), 1);
  EXPECT_FALSE(pair.ATunnelToB());
  EXPECT_EQ(pair.ClosesSentToB(), 1);
  EXPECT_NE(pair.a->log->find("Remote certificate is no longer valid, tearing down the tunnel"),
            std::string::npos);
  EXPECT_NE(pair.a->log->find("certificate is expired"), std::string::npos);
  EXPECT_EQ(pair.a->Counter("tunnels_closed"), 1u);
}

TEST(MeshInvalidCerts, WithDisconnectInvalidFalseAnExpiredCertificateKeepsItsTunnel) {
  const int64_t now = std::time(nullptr);
  Pair pair("  disconnect_invalid: false\n", now + 60);
  ASSERT_TRUE(pair.a && pair.b);
  ASSERT_FALSE(pair.a->node->config().pki.disconnect_invalid);
  ASSERT_TRUE(pair.ATunnelToB());
  pair.a->Take();
  EXPECT_EQ(CloseInvalidTunnels(*pair.a->node, now + 3600, CertCheckScope::kEverything), 0);
  EXPECT_TRUE(pair.ATunnelToB());
  EXPECT_EQ(pair.ClosesSentToB(), 0);
}

TEST(MeshInvalidCerts, AnExpiredCaClosesTheTunnelsOfEveryCertificateItSigned) {
  const int64_t now = std::time(nullptr);
  Pair pair("", now + 60);
  ASSERT_TRUE(pair.a && pair.b);
  ASSERT_TRUE(pair.ATunnelToB());
  // The test CA ends 10 h from now; b's certificate ends earlier, so check the CA's own
  // expiry through the pure function with a certificate that outlives it.
  cert::Certificate outliving = pair.b_host.cert;
  outliving.not_after = pair.ca.cert.not_after + 3600;
  const cert::CaPool& pool = pair.a->node->credentials().ca_pool;
  PeerCertificateCheck check = CheckPeerCertificate(outliving, pool, pair.ca.cert.not_after + 1);
  EXPECT_EQ(check.verdict, PeerCertificateCheck::Verdict::kInvalid);
  EXPECT_EQ(check.error, "root certificate is expired");
  EXPECT_EQ(CheckPeerCertificate(outliving, pool, now).verdict,
            PeerCertificateCheck::Verdict::kValid);
}

TEST(MeshInvalidCerts, VerdictsFollowNebulasOrder) {
  using Verdict = PeerCertificateCheck::Verdict;
  const int64_t now = std::time(nullptr);
  TestCa ca = MakeTestCa();
  auto pool = cert::CaPool::FromPem(ca.cert.MarshalToPem());
  ASSERT_TRUE(pool.ok()) << pool.status().message();
  TestHost host = MakeTestHost(ca, "h", "10.9.0.3/24");
  EXPECT_EQ(CheckPeerCertificate(host.cert, *pool, now).verdict, Verdict::kValid);

  // Not yet valid counts as invalid, as Nebula's Expired does.
  PeerCertificateCheck early = CheckPeerCertificate(host.cert, *pool, host.cert.not_before - 1);
  EXPECT_EQ(early.verdict, Verdict::kInvalid);

  // A CA that is not in pki.ca (another team's).
  TestCa other = MakeTestCa();
  TestHost stranger = MakeTestHost(other, "s", "10.9.0.4/24");
  PeerCertificateCheck unknown = CheckPeerCertificate(stranger.cert, *pool, now);
  EXPECT_EQ(unknown.verdict, Verdict::kInvalid);
  EXPECT_EQ(unknown.error, "could not find ca for the certificate");

  // Blocklisted wins over everything else, even an expired certificate.
  pool->Blocklist(host.cert.Fingerprint());
  PeerCertificateCheck blocked = CheckPeerCertificate(host.cert, *pool, host.cert.not_after + 1);
  EXPECT_EQ(blocked.verdict, Verdict::kBlocklisted);
  EXPECT_EQ(blocked.error, "certificate is in the block list");
}
