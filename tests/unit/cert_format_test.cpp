// Certificate formats against v1 files made by the real nebula-cert 1.6.1 and printed by
// nebula-cert 1.11.1 (tests/unit/data/cert, see README there): PEM, protobuf re-marshaling,
// fingerprints, signatures, and `print` text and JSON output, byte for byte. Files of 1.11.1
// itself (v2, P256) are in cert_nebula111_files_test.cpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include "cert/certificate.h"
#include "cert/certificate_format.h"
#include "cert/key_pem.h"
#include "cert/pem.h"
#include "crypto/x25519.h"

namespace flatnet::cert {
namespace {

std::string ReadData(const std::string& name) {
  const char* dir = std::getenv("FLATNET_TEST_DATA");
  std::string path = std::string(dir ? dir : "tests/unit/data") + "/cert/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test data " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Print output depends on the local zone; the expected files were made with TZ=UTC and
// TZ=Asia/Kolkata. A POSIX TZ string gives glibc the same zone without needing tzdata.
class ZoneGuard {
 public:
  explicit ZoneGuard(const char* zone) {
    setenv("TZ", zone, 1);
    tzset();
  }
  ~ZoneGuard() {
    setenv("TZ", "UTC0", 1);
    tzset();
  }
};

Certificate MustParsePem(const std::string& pem) {
  Result<Certificate> c = ParseCertificatePem(pem);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : Certificate{};
}

TEST(CertFormat, NebulaCertsRemarshalToTheSameBytes) {
  for (const char* name : {"ca.crt", "host1.crt", "host2.crt", "other_ca.crt"}) {
    std::string pem = ReadData(name);
    std::optional<PemBlock> block = DecodePem(pem);
    ASSERT_TRUE(block.has_value()) << name;
    Result<Certificate> c = ParseCertificateV1(block->bytes);
    ASSERT_TRUE(c.ok()) << name << ": " << c.status().message();
    EXPECT_EQ(c->Marshal(), block->bytes) << name;
    EXPECT_EQ(c->MarshalToPem(), pem) << name;
  }
}

TEST(CertFormat, FieldsOfNebulaHostCert) {
  Certificate host = MustParsePem(ReadData("host1.crt"));
  EXPECT_EQ(host.name, "host1");
  EXPECT_EQ(host.version, Version::kV1);
  EXPECT_EQ(host.curve, Curve::kCurve25519);
  ASSERT_EQ(host.networks.size(), 1u);
  EXPECT_EQ(host.networks[0].ToString(), "10.64.1.2/16");
  ASSERT_EQ(host.unsafe_networks.size(), 1u);
  EXPECT_EQ(host.unsafe_networks[0].ToString(), "192.168.10.0/24");
  EXPECT_EQ(host.groups, (std::vector<std::string>{"servers", "admins"}));
  EXPECT_FALSE(host.is_ca);
  EXPECT_EQ(host.public_key.size(), 32u);
  EXPECT_EQ(host.signature.size(), 64u);
  EXPECT_GT(host.not_after, host.not_before);

  Certificate ca = MustParsePem(ReadData("ca.crt"));
  EXPECT_TRUE(ca.is_ca);
  EXPECT_TRUE(ca.issuer.empty());
  EXPECT_EQ(host.issuer, ca.Fingerprint());
  EXPECT_TRUE(host.CheckSignature(ca.public_key));
  EXPECT_TRUE(ca.CheckSignature(ca.public_key));
  EXPECT_FALSE(host.CheckSignature(MustParsePem(ReadData("other_ca.crt")).public_key));
}

TEST(CertFormat, FingerprintMatchesNebulaPrint) {
  Certificate host = MustParsePem(ReadData("host1.crt"));
  EXPECT_NE(ReadData("host1.print.txt").find("\"fingerprint\": \"" + host.Fingerprint() + "\""),
            std::string::npos);
}

TEST(CertFormat, TextAndJsonMatchNebulaCertPrint) {
  ZoneGuard utc("UTC0");
  for (const char* stem : {"ca", "host1", "host2", "other_ca"}) {
    Certificate c = MustParsePem(ReadData(std::string(stem) + ".crt"));
    EXPECT_EQ(CertificateText(c) + "\n", ReadData(std::string(stem) + ".print.txt")) << stem;
    EXPECT_EQ(CertificatesJson({c}) + "\n", ReadData(std::string(stem) + ".print.json")) << stem;
  }
  Result<std::vector<Certificate>> bundle = ParseCertificatesPem(ReadData("bundle.crt"));
  ASSERT_TRUE(bundle.ok());
  EXPECT_EQ(CertificatesJson(*bundle) + "\n", ReadData("bundle.print.json"));
}

TEST(CertFormat, TimesFollowTheLocalZone) {
  ZoneGuard kolkata("IST-5:30");
  Certificate c = MustParsePem(ReadData("host1.crt"));
  EXPECT_EQ(CertificateText(c) + "\n", ReadData("host1.print.kolkata.txt"));
  EXPECT_EQ(CertificatesJson({c}) + "\n", ReadData("host1.print.kolkata.json"));
}

TEST(CertFormat, BundleParsesEveryBlock) {
  Result<std::vector<Certificate>> certs = ParseCertificatesPem(ReadData("bundle.crt"));
  ASSERT_TRUE(certs.ok()) << certs.status().message();
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].name, "Test CA");
  EXPECT_EQ((*certs)[1].name, "Other CA");
}

TEST(CertFormat, GoStyleEscapingInJson) {
  ZoneGuard utc("UTC0");
  Certificate c;
  c.name = "a<b>&\"c\\\n\x01\xE2\x80\xA8";
  c.not_before = 0;
  c.not_after = 1;
  c.public_key.assign(32, 1);
  std::string json = CertificateJson(c);
  EXPECT_NE(json.find(R"("name":"a\u003cb\u003e\u0026\"c\\\n\u0001\u2028")"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("notBefore":"1970-01-01T00:00:00Z")"), std::string::npos) << json;
}

// Golden values from Nebula 1.11.1's own tests (cert_v1_test.go / cert_v2_test.go,
// TestCertificateV1_MarshalJSON and TestCertificateV2_MarshalJSON): certificates built from
// fixed values have these fingerprints and this JSON when Go marshals them.
Certificate NebulaTestVector(Version version) {
  Certificate c;
  c.version = version;
  c.name = "testing";
  c.networks = {*ParseIpPrefix("10.1.1.1/24"), *ParseIpPrefix("10.1.1.2/16")};
  c.unsafe_networks = {*ParseIpPrefix("9.1.1.2/24"), *ParseIpPrefix("9.1.1.3/16")};
  c.groups = {"test-group1", "test-group2", "test-group3"};
  // time.Date(1, 0, 0, 1, 0, 0, 0, UTC) normalises to 0000-11-30 01:00:00 UTC.
  c.not_before = -62138358000;
  c.not_after = -62138354400;
  return c;
}

TEST(CertFormat, MarshalMatchesGoForNebulasV1TestVector) {
  ZoneGuard utc("UTC0");
  Certificate c = NebulaTestVector(Version::kV1);
  std::string key = "1234567890abcedfghij1234567890ab";
  c.public_key.assign(key.begin(), key.end());
  c.issuer = key;  // hex only up to "...cedf"; Go keeps those 8 bytes
  c.signature.assign(key.begin(), key.end());
  EXPECT_EQ(
      CertificateJson(c),
      "{\"details\":{\"curve\":\"CURVE25519\",\"groups\":[\"test-group1\",\"test-group2\","
      "\"test-group3\"],\"isCa\":false,\"issuer\":\"1234567890abcedfghij1234567890ab\",\"name\":"
      "\"testing\",\"networks\":[\"10.1.1.1/24\",\"10.1.1.2/16\"],\"notAfter\":\"0000-11-30T02:"
      "00:00Z\",\"notBefore\":\"0000-11-30T01:00:00Z\",\"publicKey\":"
      "\"313233343536373839306162636564666768696a313233343536373839306162\",\"unsafeNetworks\":"
      "[\"9.1.1.2/24\",\"9.1.1.3/16\"]},\"fingerprint\":"
      "\"3944c53d4267a229295b56cb2d27d459164c010ac97d655063ba421e0670f4ba\",\"signature\":"
      "\"313233343536373839306162636564666768696a313233343536373839306162\",\"version\":1}");
}

TEST(CertFormat, MarshalMatchesGoForNebulasV2TestVector) {
  ZoneGuard utc("UTC0");
  Certificate c = NebulaTestVector(Version::kV2);
  std::string key = "1234567890abcedf1234567890abcedf";
  c.public_key.assign(key.begin(), key.end());
  c.issuer = key;
  std::string signature = key + key;
  c.signature.assign(signature.begin(), signature.end());
  EXPECT_EQ(c.Fingerprint(), "152d9a7400c1e001cb76cffd035215ebb351f69eeb797f7f847dd086e15e56dd");
  EXPECT_TRUE(CertificateJson(c).starts_with(
      "{\"curve\":\"CURVE25519\",\"details\":{\"groups\":[\"test-group1\",\"test-group2\","
      "\"test-group3\"],\"isCa\":false,\"issuer\":\"1234567890abcedf1234567890abcedf\","))
      << CertificateJson(c);
  // The same bytes parse back to the same certificate.
  Result<Certificate> back = ParseCertificateV2(c.Marshal());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->Fingerprint(), c.Fingerprint());
  EXPECT_EQ(back->Marshal(), c.Marshal());
}

TEST(CertFormat, WithoutPublicKeyOmitsOnlyTheKey) {
  Certificate host = MustParsePem(ReadData("host1.crt"));
  Result<Certificate> back = ParseCertificateWithPublicKey(
      Version::kV1, host.MarshalForHandshakes(), {}, Curve::kCurve25519);
  EXPECT_FALSE(back.ok());
  back = ParseCertificateWithPublicKey(Version::kV1, host.MarshalForHandshakes(), host.public_key,
                                       Curve::kCurve25519);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->Marshal(), host.Marshal());
  EXPECT_LT(host.MarshalForHandshakes().size(), host.Marshal().size() - 32);
}

TEST(CertFormat, KeyFilesRoundTrip) {
  std::string pem = ReadData("host2.key");
  Result<crypto::X25519Key> priv = ParseX25519PrivateKeyPem(pem);
  ASSERT_TRUE(priv.ok()) << priv.status().message();
  EXPECT_EQ(FormatX25519PrivateKeyPem(*priv), pem);
  Result<crypto::X25519Key> pub = ParseX25519PublicKeyPem(ReadData("host2.pub"));
  ASSERT_TRUE(pub.ok()) << pub.status().message();
  EXPECT_EQ(FormatX25519PublicKeyPem(*pub), ReadData("host2.pub"));
  crypto::X25519Key derived;
  ASSERT_TRUE(crypto::X25519PublicFromPrivate(*priv, derived));
  EXPECT_EQ(derived, *pub);

  Certificate host2 = MustParsePem(ReadData("host2.crt"));
  EXPECT_TRUE(host2.VerifyPrivateKey(Curve::kCurve25519, *priv).ok());
  EXPECT_FALSE(
      MustParsePem(ReadData("host1.crt")).VerifyPrivateKey(Curve::kCurve25519, *priv).ok());

  Result<crypto::Ed25519PrivateKey> ca_key = ParseEd25519PrivateKeyPem(ReadData("ca.key"));
  ASSERT_TRUE(ca_key.ok()) << ca_key.status().message();
  EXPECT_EQ(FormatEd25519PrivateKeyPem(*ca_key), ReadData("ca.key"));
  Certificate ca = MustParsePem(ReadData("ca.crt"));
  EXPECT_TRUE(ca.VerifyPrivateKey(Curve::kCurve25519, *ca_key).ok());
  Status wrong =
      MustParsePem(ReadData("other_ca.crt")).VerifyPrivateKey(Curve::kCurve25519, *ca_key);
  EXPECT_EQ(wrong.message(), "public key in cert and private key supplied don't match");

  crypto::Ed25519PublicKey ca_public;
  std::copy(ca.public_key.begin(), ca.public_key.end(), ca_public.begin());
  std::string pub_pem = FormatEd25519PublicKeyPem(ca_public);
  EXPECT_TRUE(pub_pem.starts_with("-----BEGIN NEBULA ED25519 PUBLIC KEY-----\n"));
  Result<crypto::Ed25519PublicKey> pub_back = ParseEd25519PublicKeyPem(pub_pem);
  ASSERT_TRUE(pub_back.ok());
  EXPECT_EQ(*pub_back, ca_public);
}

TEST(CertFormat, SignedCertVerifiesAndTamperingBreaksIt) {
  Result<crypto::Ed25519PrivateKey> ca_key = ParseEd25519PrivateKeyPem(ReadData("ca.key"));
  ASSERT_TRUE(ca_key.ok());
  Certificate ca = MustParsePem(ReadData("ca.crt"));
  Certificate c;
  c.name = "made-here";
  c.networks = {*ParseIpPrefix("10.64.5.5/16")};
  c.not_before = ca.not_before + 10;
  c.not_after = ca.not_after - 10;
  c.public_key.assign(32, 7);
  c.issuer = ca.Fingerprint();
  ASSERT_TRUE(c.Sign(Curve::kCurve25519, *ca_key).ok());
  EXPECT_TRUE(c.CheckSignature(ca.public_key));
  c.groups.push_back("admins");
  EXPECT_FALSE(c.CheckSignature(ca.public_key));

  crypto::Ed25519PrivateKey corrupt = *ca_key;
  corrupt[40] ^= 1;  // public half no longer matches the seed
  EXPECT_FALSE(c.Sign(Curve::kCurve25519, corrupt).ok());
}

}  // namespace
}  // namespace flatnet::cert
