// CA pools, Nebula 1.11.1's CA constraints, blocklists (with P256's alternate fingerprint),
// expiry, and the handshake's recombination of a key-less certificate with the peer's static
// key. Most tests run for every version and curve (v1/v2 x Curve25519/P256).
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/recombine.h"
#include "cert/root_constraints.h"
#include "crypto/ed25519.h"
#include "crypto/p256.h"
#include "crypto/x25519.h"

namespace flatnet::cert {
namespace {

constexpr int64_t kStart = 1'800'000'000;
constexpr int64_t kHour = 3600;

IpPrefix Net(const char* cidr) {
  Result<IpPrefix> net = ParseIpPrefix(cidr);
  EXPECT_TRUE(net.ok()) << cidr;
  return net.ok() ? *net : IpPrefix();
}

// The kind of certificates a test makes; set per parameterized test.
struct Kind {
  Version version = Version::kV1;
  Curve curve = Curve::kCurve25519;
};
Kind g_kind;

struct TestCa {
  Certificate cert;
  Bytes key;  // Ed25519 64 bytes or P256 scalar
};

TestCa MakeCa(const std::string& name, int64_t not_before, int64_t not_after,
              std::vector<std::string> groups = {}, std::vector<IpPrefix> networks = {},
              std::vector<IpPrefix> unsafe_networks = {}, Kind kind = g_kind) {
  TestCa ca;
  if (kind.curve == Curve::kCurve25519) {
    crypto::Ed25519KeyPair pair = crypto::Ed25519Generate();
    ca.key.assign(pair.private_key.begin(), pair.private_key.end());
    ca.cert.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  } else {
    Result<crypto::P256KeyPair> pair = crypto::GenerateP256KeyPair();
    EXPECT_TRUE(pair.ok());
    ca.key = pair->private_key;
    ca.cert.public_key = pair->public_key;
  }
  ca.cert.version = kind.version;
  ca.cert.curve = kind.curve;
  ca.cert.name = name;
  ca.cert.is_ca = true;
  ca.cert.not_before = not_before;
  ca.cert.not_after = not_after;
  ca.cert.groups = std::move(groups);
  ca.cert.networks = std::move(networks);
  ca.cert.unsafe_networks = std::move(unsafe_networks);
  Status signed_ok = ca.cert.Sign(kind.curve, ca.key);
  EXPECT_TRUE(signed_ok.ok()) << signed_ok.message();
  return ca;
}

struct TestHost {
  Certificate cert;
  Bytes key;  // X25519 or P256 scalar
};

// Host keys of the CA's curve, signed in the CA's version unless `version` says otherwise.
TestHost MakeHostOf(const TestCa& ca, const std::string& name, std::vector<IpPrefix> networks,
                    std::vector<std::string> groups, std::vector<IpPrefix> unsafe_networks,
                    int64_t not_before, int64_t not_after, Version version) {
  TestHost host;
  if (ca.cert.curve == Curve::kCurve25519) {
    crypto::X25519KeyPair pair = crypto::X25519Generate();
    host.key.assign(pair.private_key.begin(), pair.private_key.end());
    host.cert.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  } else {
    Result<crypto::P256KeyPair> pair = crypto::GenerateP256KeyPair();
    EXPECT_TRUE(pair.ok());
    host.key = pair->private_key;
    host.cert.public_key = pair->public_key;
  }
  host.cert.version = version;
  host.cert.curve = ca.cert.curve;
  host.cert.name = name;
  host.cert.networks = std::move(networks);
  host.cert.groups = std::move(groups);
  host.cert.unsafe_networks = std::move(unsafe_networks);
  host.cert.not_before = not_before;
  host.cert.not_after = not_after;
  host.cert.issuer = ca.cert.Fingerprint();
  Status signed_ok = host.cert.Sign(ca.cert.curve, ca.key);
  EXPECT_TRUE(signed_ok.ok()) << signed_ok.message();
  return host;
}

TestHost MakeHost(const TestCa& ca, const std::string& name, const char* ip,
                  std::vector<std::string> groups = {}, std::vector<IpPrefix> subnets = {},
                  int64_t not_before = kStart, int64_t not_after = kStart + 10 * kHour) {
  return MakeHostOf(ca, name, {Net(ip)}, std::move(groups), std::move(subnets), not_before,
                    not_after, ca.cert.version);
}

CaPool PoolOf(const TestCa& ca) {
  Result<CaPool> pool = CaPool::FromPem(ca.cert.MarshalToPem());
  EXPECT_TRUE(pool.ok()) << pool.status().message();
  return pool.ok() ? std::move(*pool) : CaPool();
}

class EveryKind : public ::testing::TestWithParam<std::tuple<Version, Curve>> {
 protected:
  void SetUp() override { g_kind = Kind{std::get<0>(GetParam()), std::get<1>(GetParam())}; }
  void TearDown() override { g_kind = Kind{}; }
};

INSTANTIATE_TEST_SUITE_P(VersionsAndCurves, EveryKind,
                         ::testing::Combine(::testing::Values(Version::kV1, Version::kV2),
                                            ::testing::Values(Curve::kCurve25519, Curve::kP256)));

TEST_P(EveryKind, CaPoolVerifiesAHostCertSignedByItsCa) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  TestHost host = MakeHost(ca, "host", "10.0.0.1/24");
  CaPool pool = PoolOf(ca);
  EXPECT_TRUE(pool.Verify(host.cert, kStart + kHour).ok());
  Result<const Certificate*> found = pool.GetCaForCert(host.cert);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)->name, "ca");
}

TEST_P(EveryKind, CaPoolLoadsABundleAndFindsEachIssuer) {
  TestCa a = MakeCa("a", kStart - kHour, kStart + 100 * kHour);
  TestCa b = MakeCa("b", kStart - kHour, kStart + 100 * kHour);
  Result<CaPool> pool = CaPool::FromPem(a.cert.MarshalToPem() + b.cert.MarshalToPem() + "\n\n");
  ASSERT_TRUE(pool.ok()) << pool.status().message();
  EXPECT_EQ(pool->size(), 2u);
  EXPECT_TRUE(pool->Verify(MakeHost(a, "ha", "10.0.0.1/24").cert, kStart + 1).ok());
  EXPECT_TRUE(pool->Verify(MakeHost(b, "hb", "10.0.0.2/24").cert, kStart + 1).ok());
}

TEST_P(EveryKind, CaPoolRefusesHostCertsAndForgedCas) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  TestHost host = MakeHost(ca, "host", "10.0.0.1/24");
  Result<CaPool> pool = CaPool::FromPem(host.cert.MarshalToPem());
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().message(), "host: certificate is not a CA");

  Certificate forged = ca.cert;
  forged.name = "renamed";  // signature no longer covers the details
  forged.raw_details.clear();
  pool = CaPool::FromPem(ca.cert.MarshalToPem() + forged.MarshalToPem());
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().message(), "certificate 2: renamed: certificate is not self-signed");
}

TEST_P(EveryKind, CaPoolReportsExpiredCasButKeepsThem) {
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

TEST_P(EveryKind, CaPoolVerifyFailuresUseNebulasMessages) {
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
  tampered.networks = {Net("10.0.0.99/24")};
  tampered.raw_details.clear();
  EXPECT_EQ(pool.Verify(tampered, kStart).message(), "certificate signature did not match");

  Certificate resigned_by_other = host.cert;
  ASSERT_TRUE(resigned_by_other.Sign(other.cert.curve, other.key).ok());  // claims ca as issuer
  EXPECT_EQ(pool.Verify(resigned_by_other, kStart).message(),
            "certificate signature did not match");
}

TEST_P(EveryKind, CaPoolBlocklistByFingerprint) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  CaPool pool = PoolOf(ca);
  TestHost host = MakeHost(ca, "host", "10.0.0.1/24");
  TestHost other = MakeHost(ca, "other", "10.0.0.2/24");
  std::string upper = host.cert.Fingerprint();
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  pool.Blocklist(upper);
  EXPECT_TRUE(pool.IsBlocklisted(host.cert));
  EXPECT_EQ(pool.Verify(host.cert, kStart).message(), "certificate is in the block list");
  EXPECT_TRUE(pool.Verify(other.cert, kStart).ok());
  pool.ResetBlocklist();
  EXPECT_TRUE(pool.Verify(host.cert, kStart).ok());
}

TEST_P(EveryKind, RootConstraintsIpsMustLieInsideTheCasNetworks) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {}, {Net("10.1.0.0/16")});
  CaPool pool = PoolOf(ca);
  EXPECT_TRUE(pool.Verify(MakeHost(ca, "in", "10.1.2.3/24").cert, kStart).ok());
  EXPECT_TRUE(pool.Verify(MakeHost(ca, "same", "10.1.2.3/16").cert, kStart).ok());
  EXPECT_EQ(pool.Verify(MakeHost(ca, "out", "10.2.0.1/24").cert, kStart).message(),
            "certificate contained a network assignment outside the limitations of the signing ca: "
            "10.2.0.1/24");
  // Inside by address but a wider network than the CA allows.
  EXPECT_EQ(pool.Verify(MakeHost(ca, "wide", "10.1.2.3/8").cert, kStart).message(),
            "certificate contained a network assignment outside the limitations of the signing ca: "
            "10.1.2.3/8");
}

TEST_P(EveryKind, RootConstraintsSubnetsMustLieInsideTheCasSubnets) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {}, {}, {Net("192.168.0.0/16")});
  CaPool pool = PoolOf(ca);
  EXPECT_TRUE(
      pool.Verify(MakeHost(ca, "ok", "10.0.0.1/24", {}, {Net("192.168.5.0/24")}).cert, kStart)
          .ok());
  EXPECT_EQ(
      pool.Verify(MakeHost(ca, "bad", "10.0.0.1/24", {}, {Net("172.16.0.0/24")}).cert, kStart)
          .message(),
      "certificate contained an unsafe network assignment outside the limitations of the signing "
      "ca: "
      "172.16.0.0/24");
}

TEST_P(EveryKind, RootConstraintsGroupsMustBeASubsetWhenTheCaHasAny) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {"admins", "servers"});
  CaPool pool = PoolOf(ca);
  EXPECT_TRUE(pool.Verify(MakeHost(ca, "ok", "10.0.0.1/24", {"servers"}).cert, kStart).ok());
  EXPECT_EQ(
      pool.Verify(MakeHost(ca, "bad", "10.0.0.1/24", {"servers", "root"}).cert, kStart).message(),
      "certificate contained a group not present on the signing ca: root");

  TestCa open = MakeCa("open", kStart - kHour, kStart + 100 * kHour);
  EXPECT_TRUE(PoolOf(open).Verify(MakeHost(open, "any", "10.9.9.9/8", {"x"}).cert, kStart).ok());
}

TEST_P(EveryKind, RootConstraintsCertMustNotOutliveOrPredateItsCa) {
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

TEST_P(EveryKind, RecombineRebuildsTheCertWithThePeersStaticKey) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  CaPool pool = PoolOf(ca);
  TestHost host = MakeHost(ca, "peer", "10.0.0.7/24");
  Bytes wire = host.cert.MarshalForHandshakes();
  Version v = g_kind.version;
  Curve curve = g_kind.curve;

  Result<Certificate> got = RecombineAndVerify(v, wire, host.cert.public_key, curve, pool, kStart);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->Fingerprint(), host.cert.Fingerprint());
  EXPECT_EQ(got->public_key, host.cert.public_key);
  EXPECT_EQ(got->Marshal(), host.cert.Marshal());

  // Someone replaying the certificate with their own static key fails the signature.
  TestHost impostor = MakeHost(ca, "impostor", "10.0.0.8/24");
  got = RecombineAndVerify(v, wire, impostor.cert.public_key, curve, pool, kStart);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "certificate validation failed: certificate signature did not match");

  EXPECT_EQ(RecombineAndVerify(v, wire, {}, curve, pool, kStart).status().message(),
            "no peer static key was present");
  EXPECT_EQ(RecombineAndVerify(v, {}, host.cert.public_key, curve, pool, kStart).status().message(),
            "provided payload was empty");
  Bytes garbage = {0x0a, 0x05, 0x01};
  EXPECT_TRUE(RecombineAndVerify(v, garbage, host.cert.public_key, curve, pool, kStart)
                  .status()
                  .message()
                  .starts_with("error unmarshaling cert: "));
  EXPECT_EQ(RecombineAndVerify(v, wire, host.cert.public_key, curve, pool, kStart + 11 * kHour)
                .status()
                .message(),
            "certificate validation failed: certificate is expired");
  // The full certificate carries its key: a handshake must not.
  EXPECT_EQ(Recombine(v, host.cert.Marshal(), host.cert.public_key, curve).status().message(),
            "certificate has unexpected pubkey present");
}

TEST_P(EveryKind, PrivateKeysMatchOnlyTheirCertificate) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour);
  TestCa other = MakeCa("other", kStart - kHour, kStart + 100 * kHour);
  TestHost host = MakeHost(ca, "host", "10.0.0.7/24");
  TestHost other_host = MakeHost(ca, "other-host", "10.0.0.8/24");
  Curve curve = g_kind.curve;
  Curve wrong_curve = curve == Curve::kP256 ? Curve::kCurve25519 : Curve::kP256;
  bool v1 = g_kind.version == Version::kV1;
  EXPECT_TRUE(ca.cert.VerifyPrivateKey(curve, ca.key).ok());
  EXPECT_TRUE(host.cert.VerifyPrivateKey(curve, host.key).ok());
  std::string mismatch = v1 ? "public key in cert and private key supplied don't match"
                            : "public key and private key are not a pair";
  EXPECT_EQ(ca.cert.VerifyPrivateKey(curve, other.key).message(), mismatch);
  EXPECT_EQ(host.cert.VerifyPrivateKey(curve, other_host.key).message(), mismatch);
  EXPECT_EQ(host.cert.VerifyPrivateKey(wrong_curve, host.key).message(),
            v1 ? "curve in cert and private key supplied don't match"
               : "public key does not match private key curve");
  EXPECT_FALSE(ca.cert.VerifyPrivateKey(curve, Bytes(5, 1)).ok());
  EXPECT_FALSE(host.cert.VerifyPrivateKey(curve, Bytes(5, 1)).ok());
  if (!v1) {
    EXPECT_EQ(host.cert.VerifyPrivateKey(curve, Bytes(5, 1)).message(), "invalid private key");
  }
  // Signing with the other curve's key is refused before anything is signed.
  Certificate c = host.cert;
  EXPECT_EQ(c.Sign(wrong_curve, ca.key).message(),
            "curve in cert and private key supplied don't match");
}

TEST(CaPool, AP256CertIsBlockedByEitherEncodingOfItsSignature) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {}, {}, {},
                     Kind{Version::kV2, Curve::kP256});
  TestHost host = MakeHost(ca, "host", "10.0.0.1/24");
  // The same certificate with (r, n - s): it verifies too, with another fingerprint.
  Certificate swapped = host.cert;
  Result<Bytes> other_signature = crypto::EcdsaP256SwapSignature(host.cert.signature);
  ASSERT_TRUE(other_signature.ok());
  swapped.signature = *other_signature;
  ASSERT_NE(swapped.Fingerprint(), host.cert.Fingerprint());
  EXPECT_EQ(swapped.AlternateFingerprint(), host.cert.Fingerprint());
  EXPECT_EQ(host.cert.AlternateFingerprint(), swapped.Fingerprint());

  CaPool pool = PoolOf(ca);
  EXPECT_TRUE(pool.Verify(swapped, kStart).ok());
  pool.Blocklist(host.cert.Fingerprint());
  EXPECT_EQ(pool.Verify(host.cert, kStart).message(), "certificate is in the block list");
  EXPECT_EQ(pool.Verify(swapped, kStart).message(), "certificate is in the block list");
  EXPECT_TRUE(pool.IsBlocklisted(swapped));
  pool.ResetBlocklist();
  pool.Blocklist(swapped.Fingerprint());
  EXPECT_EQ(pool.Verify(host.cert, kStart).message(), "certificate is in the block list");
  // Curve25519 has one encoding only.
  EXPECT_EQ(MakeHost(MakeCa("ed", kStart - kHour, kStart + kHour), "h", "10.0.0.2/24")
                .cert.AlternateFingerprint(),
            "");
}

TEST(CaPool, SignaturesAreMadeLowS) {
  // Nebula 1.10.3 and later only sign with the lower s; flatnet does the same, so its
  // fingerprints are the ones a 1.10.3+ nebula-cert would print.
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {}, {}, {},
                     Kind{Version::kV1, Curve::kP256});
  for (int i = 0; i < 8; ++i) {
    TestHost host = MakeHost(ca, "host" + std::to_string(i), "10.0.0.1/24");
    Result<Bytes> other = crypto::EcdsaP256SwapSignature(host.cert.signature);
    ASSERT_TRUE(other.ok());
    // DER integers: SEQUENCE(30 len) INTEGER r, INTEGER s; s is last. Compare s by value.
    auto s_of = [](const Bytes& sig) {
      size_t r_len = sig[3];
      Bytes s(sig.begin() + 4 + long(r_len) + 2, sig.end());
      while (!s.empty() && s[0] == 0) s.erase(s.begin());
      return s;
    };
    Bytes mine = s_of(host.cert.signature), theirs = s_of(*other);
    EXPECT_TRUE(mine.size() < theirs.size() || (mine.size() == theirs.size() && mine < theirs));
  }
}

TEST(CaPool, ACertOfTheOtherCurveThanItsCaIsRefused) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {}, {}, {},
                     Kind{Version::kV2, Curve::kCurve25519});
  TestCa p256 = MakeCa("p256", kStart - kHour, kStart + 100 * kHour, {}, {}, {},
                       Kind{Version::kV2, Curve::kP256});
  TestHost host = MakeHost(p256, "host", "10.0.0.1/24");
  host.cert.issuer = ca.cert.Fingerprint();
  EXPECT_EQ(PoolOf(ca).Verify(host.cert, kStart).message(), "certificate curve does not match CA");
}

// Nebula 1.11 #1601: a CA key of the wrong length made Go's ed25519.Verify panic. Here a
// signature checked against a key of any wrong length is simply not valid, for both curves.
TEST(CaPool, SignaturesCheckedWithAKeyOfTheWrongLengthAreInvalid) {
  for (Curve curve : {Curve::kCurve25519, Curve::kP256}) {
    TestCa ca =
        MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {}, {}, {}, Kind{Version::kV2, curve});
    TestHost host = MakeHost(ca, "host", "10.0.0.1/24");
    ASSERT_TRUE(host.cert.CheckSignature(ca.cert.public_key));
    const Bytes& key = ca.cert.public_key;
    for (size_t length : {size_t(0), size_t(1), key.size() - 1, key.size() + 1, size_t(64)}) {
      if (length == key.size()) continue;
      Bytes wrong(key.begin(), key.begin() + long(std::min(length, key.size())));
      wrong.resize(length, 0x04);
      EXPECT_FALSE(host.cert.CheckSignature(wrong)) << CurveName(curve) << " " << length;
    }
  }
}

TEST(CaPool, APoolMixesVersionsAndCurves) {
  TestCa v1 = MakeCa("v1", kStart - kHour, kStart + 100 * kHour, {}, {}, {},
                     Kind{Version::kV1, Curve::kCurve25519});
  TestCa v2 = MakeCa("v2", kStart - kHour, kStart + 100 * kHour, {}, {}, {},
                     Kind{Version::kV2, Curve::kP256});
  Result<CaPool> pool = CaPool::FromPem(v1.cert.MarshalToPem() + v2.cert.MarshalToPem());
  ASSERT_TRUE(pool.ok()) << pool.status().message();
  EXPECT_TRUE(pool->Verify(MakeHost(v1, "a", "10.0.0.1/24").cert, kStart).ok());
  EXPECT_TRUE(pool->Verify(MakeHost(v2, "b", "10.0.0.2/24").cert, kStart).ok());
  // A v1 host certificate signed by a v2 CA (nebula-cert sign -version 1 does this).
  TestHost cross =
      MakeHostOf(v2, "c", {Net("10.0.0.3/24")}, {}, {}, kStart, kStart + kHour, Version::kV1);
  EXPECT_TRUE(pool->Verify(cross.cert, kStart).ok());
}

TEST(RootConstraints, AV2CaWithOnlyIpv4NetworksAllowsNoIpv6Network) {
  TestCa ca = MakeCa("ca", kStart - kHour, kStart + 100 * kHour, {}, {Net("10.0.0.0/8")},
                     {Net("192.168.0.0/16")}, Kind{Version::kV2, Curve::kCurve25519});
  CaPool pool = PoolOf(ca);
  TestHost dual = MakeHostOf(ca, "dual", {Net("10.1.0.1/16"), Net("fd00::1/64")}, {}, {}, kStart,
                             kStart + kHour, Version::kV2);
  EXPECT_EQ(pool.Verify(dual.cert, kStart).message(),
            "certificate contained a network assignment outside the limitations of the signing "
            "ca: fd00::1/64");
  TestHost unsafe6 = MakeHostOf(ca, "u", {Net("10.1.0.1/16"), Net("fd00::1/64")}, {},
                                {Net("fd99::/64")}, kStart, kStart + kHour, Version::kV2);
  EXPECT_FALSE(pool.Verify(unsafe6.cert, kStart).ok());

  TestCa v6 = MakeCa("v6", kStart - kHour, kStart + 100 * kHour, {}, {Net("fd00::/16")}, {},
                     Kind{Version::kV2, Curve::kCurve25519});
  // An IPv4 unsafe network needs an IPv4 network on the host: v2's validate() at signing.
  Certificate in6 =
      MakeHostOf(v6, "in6", {Net("fd00:1::1/64")}, {}, {}, kStart, kStart + kHour, Version::kV2)
          .cert;
  in6.unsafe_networks = {Net("10.9.0.0/16")};
  EXPECT_EQ(in6.Sign(Curve::kCurve25519, v6.key).message(),
            "IPv4 unsafe networks require an IPv4 address assignment: 10.9.0.0/16");
  TestHost ok6 = MakeHostOf(v6, "ok6", {Net("fd00:1::1/64")}, {}, {Net("fd99::/64")}, kStart,
                            kStart + kHour, Version::kV2);
  EXPECT_TRUE(PoolOf(v6).Verify(ok6.cert, kStart).ok());
  TestHost out6 =
      MakeHostOf(v6, "out6", {Net("fd01::1/64")}, {}, {}, kStart, kStart + kHour, Version::kV2);
  EXPECT_EQ(PoolOf(v6).Verify(out6.cert, kStart).message(),
            "certificate contained a network assignment outside the limitations of the signing "
            "ca: fd01::1/64");
}

}  // namespace
}  // namespace flatnet::cert
