// CA pools, Nebula's CA constraints, blocklists, expiry, and the handshake's recombination
// of a key-less certificate with the peer's static key.
#include <gtest/gtest.h>

#include <string>

#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/recombine.h"
#include "cert/root_constraints.h"
#include "crypto/ed25519.h"
#include "crypto/x25519.h"

namespace flatnet::cert {
namespace {

constexpr int64_t kStart = 1'800'000'000;
constexpr int64_t kHour = 3600;

Ipv4Net Net(const char* cidr) {
  Result<Ipv4Net> net = ParseIpv4Cidr(cidr);
  EXPECT_TRUE(net.ok()) << cidr;
  return *net;
}

struct TestCa {
  Certificate cert;
  crypto::Ed25519PrivateKey key;
};

TestCa MakeCa(const std::string& name, int64_t not_before, int64_t not_after,
              std::vector<std::string> groups = {}, std::vector<Ipv4Net> ips = {},
              std::vector<Ipv4Net> subnets = {}) {
  crypto::Ed25519KeyPair pair = crypto::Ed25519Generate();
  TestCa ca;
  ca.key = pair.private_key;
  ca.cert.name = name;
  ca.cert.is_ca = true;
  ca.cert.not_before = not_before;
  ca.cert.not_after = not_after;
  ca.cert.groups = std::move(groups);
  ca.cert.ips = std::move(ips);
  ca.cert.subnets = std::move(subnets);
  ca.cert.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  EXPECT_TRUE(ca.cert.Sign(ca.key).ok());
  return ca;
}

struct TestHost {
  Certificate cert;
  crypto::X25519Key key;
};

TestHost MakeHost(const TestCa& ca, const std::string& name, const char* ip,
                  std::vector<std::string> groups = {}, std::vector<Ipv4Net> subnets = {},
                  int64_t not_before = kStart, int64_t not_after = kStart + 10 * kHour) {
  crypto::X25519KeyPair pair = crypto::X25519Generate();
  TestHost host;
  host.key = pair.private_key;
  host.cert.name = name;
  host.cert.ips = {Net(ip)};
  host.cert.groups = std::move(groups);
  host.cert.subnets = std::move(subnets);
  host.cert.not_before = not_before;
  host.cert.not_after = not_after;
  host.cert.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  host.cert.issuer = ca.cert.Fingerprint();
  EXPECT_TRUE(host.cert.Sign(ca.key).ok());
  return host;
}

CaPool PoolOf(const TestCa& ca) {
  Result<CaPool> pool = CaPool::FromPem(ca.cert.MarshalToPem());
  EXPECT_TRUE(pool.ok()) << pool.status().message();
  return pool.ok() ? std::move(*pool) : CaPool();
}

TEST(CaPool, VerifiesAHostCertSignedByItsCa) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  TestHost host = MakeHost(ca, "host", "10.0.0.1/24");
  CaPool pool = PoolOf(ca);
  EXPECT_TRUE(pool.Verify(host.cert, kStart + kHour).ok());
  Result<const Certificate*> found = pool.GetCaForCert(host.cert);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)->name, "ca");
}

TEST(CaPool, LoadsABundleAndFindsEachIssuer) {
  TestCa a = MakeCa("a", kStart - kHour, kStart + 100 * kHour);
  TestCa b = MakeCa("b", kStart - kHour, kStart + 100 * kHour);
  Result<CaPool> pool = CaPool::FromPem(a.cert.MarshalToPem() + b.cert.MarshalToPem() + "\n\n");
  ASSERT_TRUE(pool.ok()) << pool.status().message();
  EXPECT_EQ(pool->size(), 2u);
  EXPECT_TRUE(pool->Verify(MakeHost(a, "ha", "10.0.0.1/24").cert, kStart + 1).ok());
  EXPECT_TRUE(pool->Verify(MakeHost(b, "hb", "10.0.0.2/24").cert, kStart + 1).ok());
}

TEST(CaPool, RefusesHostCertsAndForgedCas) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  TestHost host = MakeHost(ca, "host", "10.0.0.1/24");
  Result<CaPool> pool = CaPool::FromPem(host.cert.MarshalToPem());
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().message(), "host: certificate is not a CA");

  Certificate forged = ca.cert;
  forged.name = "renamed";  // signature no longer covers the details
  pool = CaPool::FromPem(ca.cert.MarshalToPem() + forged.MarshalToPem());
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().message(), "certificate 2: renamed: certificate is not self-signed");
}

TEST(CaPool, ReportsExpiredCasButKeepsThem) {
  TestCa old_ca = MakeCa("old", kStart - 10 * kHour, kStart - kHour);
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  Result<CaPool> pool = CaPool::FromPem(old_ca.cert.MarshalToPem() + ca.cert.MarshalToPem());
  ASSERT_TRUE(pool.ok());
  std::vector<const Certificate*> expired = pool->ExpiredCas(kStart);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0]->name, "old");
  TestHost host =
      MakeHost(old_ca, "h", "10.0.0.1/24", {}, {}, kStart - 5 * kHour, kStart - 2 * kHour);
  EXPECT_EQ(pool->Verify(host.cert, kStart).message(), "root certificate is expired");
}

TEST(CaPool, VerifyFailuresUseNebulasMessages) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  TestCa other = MakeCa("other", kStart - kHour, kStart + 100 * kHour);
  CaPool pool = PoolOf(ca);
  TestHost host = MakeHost(ca, "host", "10.0.0.1/24");

  EXPECT_EQ(pool.Verify(host.cert, kStart - 1).message(), "certificate is expired");
  EXPECT_EQ(pool.Verify(host.cert, kStart + 11 * kHour).message(), "certificate is expired");
  EXPECT_EQ(pool.Verify(MakeHost(other, "x", "10.0.0.2/24").cert, kStart).message(),
            "could not find ca for the certificate");

  Certificate no_issuer = host.cert;
  no_issuer.issuer.clear();
  EXPECT_EQ(pool.Verify(no_issuer, kStart).message(), "no issuer in certificate");

  Certificate tampered = host.cert;
  tampered.ips = {Net("10.0.0.99/24")};
  EXPECT_EQ(pool.Verify(tampered, kStart).message(), "certificate signature did not match");

  Certificate resigned_by_other = host.cert;
  ASSERT_TRUE(resigned_by_other.Sign(other.key).ok());  // claims ca as issuer
  EXPECT_EQ(pool.Verify(resigned_by_other, kStart).message(),
            "certificate signature did not match");
}

TEST(CaPool, BlocklistByFingerprint) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  CaPool pool = PoolOf(ca);
  TestHost host = MakeHost(ca, "host", "10.0.0.1/24");
  TestHost other = MakeHost(ca, "other", "10.0.0.2/24");
  std::string upper = host.cert.Fingerprint();
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  pool.Blocklist(upper);
  EXPECT_TRUE(pool.IsBlocklisted(host.cert));
  EXPECT_EQ(pool.Verify(host.cert, kStart).message(), "certificate has been blocked");
  EXPECT_TRUE(pool.Verify(other.cert, kStart).ok());
  pool.ResetBlocklist();
  EXPECT_TRUE(pool.Verify(host.cert, kStart).ok());
}

TEST(RootConstraints, IpsMustLieInsideTheCasNetworks) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {}, {Net("10.1.0.0/16")});
  CaPool pool = PoolOf(ca);
  EXPECT_TRUE(pool.Verify(MakeHost(ca, "in", "10.1.2.3/24").cert, kStart).ok());
  EXPECT_TRUE(pool.Verify(MakeHost(ca, "same", "10.1.2.3/16").cert, kStart).ok());
  EXPECT_EQ(pool.Verify(MakeHost(ca, "out", "10.2.0.1/24").cert, kStart).message(),
            "certificate contained an ip assignment outside the limitations of the signing ca: "
            "10.2.0.1/24");
  // Inside by address but a wider network than the CA allows.
  EXPECT_EQ(pool.Verify(MakeHost(ca, "wide", "10.1.2.3/8").cert, kStart).message(),
            "certificate contained an ip assignment outside the limitations of the signing ca: "
            "10.1.2.3/8");
}

TEST(RootConstraints, SubnetsMustLieInsideTheCasSubnets) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {}, {}, {Net("192.168.0.0/16")});
  CaPool pool = PoolOf(ca);
  EXPECT_TRUE(
      pool.Verify(MakeHost(ca, "ok", "10.0.0.1/24", {}, {Net("192.168.5.0/24")}).cert, kStart)
          .ok());
  EXPECT_EQ(pool.Verify(MakeHost(ca, "bad", "10.0.0.1/24", {}, {Net("172.16.0.0/24")}).cert, kStart)
                .message(),
            "certificate contained a subnet assignment outside the limitations of the signing ca: "
            "172.16.0.0/24");
}

TEST(RootConstraints, GroupsMustBeASubsetWhenTheCaHasAny) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {"admins", "servers"});
  CaPool pool = PoolOf(ca);
  EXPECT_TRUE(pool.Verify(MakeHost(ca, "ok", "10.0.0.1/24", {"servers"}).cert, kStart).ok());
  EXPECT_EQ(
      pool.Verify(MakeHost(ca, "bad", "10.0.0.1/24", {"servers", "root"}).cert, kStart).message(),
      "certificate contained a group not present on the signing ca: root");

  TestCa open = MakeCa("open", kStart - kHour, kStart + 100 * kHour);
  EXPECT_TRUE(PoolOf(open).Verify(MakeHost(open, "any", "10.9.9.9/8", {"x"}).cert, kStart).ok());
}

TEST(RootConstraints, CertMustNotOutliveOrPredateItsCa) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 10 * kHour);
  TestHost long_lived =
      MakeHost(ca, "long", "10.0.0.1/24", {}, {}, kStart, kStart + 10 * kHour + 1);
  EXPECT_EQ(CheckRootConstraints(long_lived.cert, ca.cert).message(),
            "certificate expires after signing certificate");
  TestHost early = MakeHost(ca, "early", "10.0.0.1/24", {}, {}, kStart - 2 * kHour, kStart);
  EXPECT_EQ(CheckRootConstraints(early.cert, ca.cert).message(),
            "certificate is valid before the signing certificate");
  EXPECT_EQ(PoolOf(ca).Verify(long_lived.cert, kStart).message(),
            "certificate expires after signing certificate");
}

TEST(Recombine, RebuildsTheCertWithThePeersStaticKey) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  CaPool pool = PoolOf(ca);
  TestHost host = MakeHost(ca, "peer", "10.0.0.7/24");
  Bytes wire = host.cert.MarshalWithoutPublicKey();

  Result<Certificate> got = RecombineAndValidate(wire, host.cert.public_key, pool, kStart);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->Fingerprint(), host.cert.Fingerprint());
  EXPECT_EQ(got->public_key, host.cert.public_key);

  // Someone replaying the certificate with their own static key fails the signature.
  crypto::X25519KeyPair impostor = crypto::X25519Generate();
  Bytes impostor_key(impostor.public_key.begin(), impostor.public_key.end());
  got = RecombineAndValidate(wire, impostor_key, pool, kStart);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "certificate validation failed: certificate signature did not match");

  EXPECT_EQ(RecombineAndValidate(wire, {}, pool, kStart).status().message(),
            "no peer static key was present");
  EXPECT_EQ(RecombineAndValidate({}, host.cert.public_key, pool, kStart).status().message(),
            "provided payload was empty");
  Bytes garbage = {0x0a, 0x05, 0x01};
  EXPECT_TRUE(RecombineAndValidate(garbage, host.cert.public_key, pool, kStart)
                  .status()
                  .message()
                  .starts_with("error unmarshaling cert: "));
  EXPECT_EQ(RecombineAndValidate(wire, host.cert.public_key, pool, kStart + 11 * kHour)
                .status()
                .message(),
            "certificate validation failed: certificate is expired");
}

}  // namespace
}  // namespace flatnet::cert
