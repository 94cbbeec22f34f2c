// Certificate formats against files made by the real nebula-cert 1.6.1
// (tests/unit/data/cert, see README there): PEM, protobuf re-marshaling, fingerprints,
// signatures, and `print` text and JSON output, byte for byte.
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
    Result<Certificate> c = ParseCertificate(block->bytes);
    ASSERT_TRUE(c.ok()) << name << ": " << c.status().message();
    EXPECT_EQ(c->Marshal(), block->bytes) << name;
    EXPECT_EQ(c->MarshalToPem(), pem) << name;
  }
}

TEST(CertFormat, FieldsOfNebulaHostCert) {
  Certificate host = MustParsePem(ReadData("host1.crt"));
  EXPECT_EQ(host.name, "host1");
  ASSERT_EQ(host.ips.size(), 1u);
  EXPECT_EQ(host.ips[0].ToString(), "10.64.1.2/16");
  ASSERT_EQ(host.subnets.size(), 1u);
  EXPECT_EQ(host.subnets[0].ToString(), "192.168.10.0/24");
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
  EXPECT_NE(ReadData("host1.print.txt").find("Fingerprint: " + host.Fingerprint() + "\n"),
            std::string::npos);
}

TEST(CertFormat, TextAndJsonMatchNebulaCertPrint) {
  ZoneGuard utc("UTC0");
  for (const char* stem : {"ca", "host1", "host2", "other_ca"}) {
    Certificate c = MustParsePem(ReadData(std::string(stem) + ".crt"));
    EXPECT_EQ(CertificateText(c) + "\n", ReadData(std::string(stem) + ".print.txt")) << stem;
    EXPECT_EQ(CertificateJson(c) + "\n", ReadData(std::string(stem) + ".print.json")) << stem;
  }
}

TEST(CertFormat, TimesFollowTheLocalZone) {
  ZoneGuard kolkata("IST-5:30");
  Certificate c = MustParsePem(ReadData("host1.crt"));
  EXPECT_EQ(CertificateText(c) + "\n", ReadData("host1.print.kolkata.txt"));
  EXPECT_EQ(CertificateJson(c) + "\n", ReadData("host1.print.kolkata.json"));
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
  std::string json = CertificateJson(c);
  EXPECT_NE(json.find(R"("name":"a\u003cb\u003e\u0026\"c\\\n\u0001\u2028")"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("notBefore":"1970-01-01T00:00:00Z")"), std::string::npos) << json;
}

TEST(CertFormat, NonPrefixMaskPrintsAsHex) {
  Ipv4Net net{0x0a010103, 0xff00ff00};
  EXPECT_EQ(net.ToString(), "10.1.1.3/ff00ff00");
  EXPECT_EQ((Ipv4Net{0x0a000001, 0}).ToString(), "10.0.0.1/0");
  EXPECT_EQ((Ipv4Net{0x0a000001, 0xffffffff}).ToString(), "10.0.0.1/32");
}

// Golden bytes from Nebula's own cert_test.go (TestNebulaCertificate_MarshalJSON): a
// certificate built from fixed values has this fingerprint when Go marshals it.
TEST(CertFormat, MarshalMatchesGoForNebulasTestVector) {
  Certificate c;
  c.name = "testing";
  c.ips = {{0x0a010101, 0xffffff00}, {0x0a010102, 0xffff0000}, {0x0a010103, 0xff00ff00}};
  c.subnets = {{0x09010101, 0xff00ff00}, {0x09010102, 0xffffff00}, {0x09010103, 0xffff0000}};
  c.groups = {"test-group1", "test-group2", "test-group3"};
  // time.Date(1, 0, 0, 1, 0, 0, 0, UTC) normalises to 0000-11-30 01:00:00 UTC.
  c.not_before = -62138358000;
  c.not_after = -62138354400;
  std::string key = "1234567890abcedfghij1234567890ab";
  c.public_key.assign(key.begin(), key.end());
  c.issuer =
      "1234567890abcedfghij1234567890ab";  // hex only up to "...cedf"; Go keeps those 8 bytes
  c.signature.assign(key.begin(), key.end());
  EXPECT_EQ(c.Fingerprint(), "26cb1c30ad7872c804c166b5150fa372f437aa3856b04edb4334b4470ec728e4");
  ZoneGuard utc("UTC0");
  EXPECT_EQ(FormatRfc3339(c.not_before), "0000-11-30T01:00:00Z");
}

TEST(CertFormat, WithoutPublicKeyOmitsOnlyTheKey) {
  Certificate host = MustParsePem(ReadData("host1.crt"));
  Result<Certificate> back = ParseCertificateWithPublicKey(host.MarshalWithoutPublicKey(), {});
  EXPECT_FALSE(back.ok());
  back = ParseCertificateWithPublicKey(host.MarshalWithoutPublicKey(), host.public_key);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->Marshal(), host.Marshal());
  EXPECT_LT(host.MarshalWithoutPublicKey().size(), host.Marshal().size() - 32);
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
  EXPECT_TRUE(host2.VerifyPrivateKey(*priv).ok());
  EXPECT_FALSE(MustParsePem(ReadData("host1.crt")).VerifyPrivateKey(*priv).ok());

  Result<crypto::Ed25519PrivateKey> ca_key = ParseEd25519PrivateKeyPem(ReadData("ca.key"));
  ASSERT_TRUE(ca_key.ok()) << ca_key.status().message();
  EXPECT_EQ(FormatEd25519PrivateKeyPem(*ca_key), ReadData("ca.key"));
  Certificate ca = MustParsePem(ReadData("ca.crt"));
  EXPECT_TRUE(ca.VerifyPrivateKey(*ca_key).ok());
  Status wrong = MustParsePem(ReadData("other_ca.crt")).VerifyPrivateKey(*ca_key);
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
  c.ips = {{0x0a400505, 0xffff0000}};
  c.not_before = ca.not_before + 10;
  c.not_after = ca.not_after - 10;
  c.public_key.assign(32, 7);
  c.issuer = ca.Fingerprint();
  ASSERT_TRUE(c.Sign(*ca_key).ok());
  EXPECT_TRUE(c.CheckSignature(ca.public_key));
  c.groups.push_back("admins");
  EXPECT_FALSE(c.CheckSignature(ca.public_key));

  crypto::Ed25519PrivateKey corrupt = *ca_key;
  corrupt[40] ^= 1;  // public half no longer matches the seed
  EXPECT_FALSE(c.Sign(corrupt).ok());
}

}  // namespace
}  // namespace flatnet::cert
