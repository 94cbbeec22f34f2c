// Certificates made by the real nebula-cert 1.11.1 and 1.10.3 (tests/unit/data/cert/v11, see
// the README there): v1 and v2, Curve25519 and P256, a host file holding its v1 and v2
// certificates, a CA bundle mixing versions and curves. Each must parse, re-marshal to the
// file's bytes, print exactly as `nebula-cert print` (text and -json) printed it, carry the
// fingerprint nebula-cert printed, and verify against its CA.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/certificate_format.h"
#include "cert/pem.h"

namespace flatnet::cert {
namespace {

std::string ReadData(const std::string& name) {
  const char* dir = std::getenv("FLATNET_TEST_DATA");
  std::string path = std::string(dir ? dir : "tests/unit/data") + "/cert/v11/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test data " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class UtcZone : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC0", 1);
    tzset();
  }
};

struct File {
  const char* stem;
  const char* ca;  // the CA file that signed it; nullptr for CA files
};

const File kFiles[] = {
    {"ca_v2", nullptr},
    {"ca_v2_open", nullptr},
    {"ca_v1", nullptr},
    {"ca_p256_v2", nullptr},
    {"ca_p256_v1", nullptr},
    {"ca_p256_1103", nullptr},
    {"host_v2", "ca_v2"},
    {"host_v1_of_v2ca", "ca_v2"},
    {"dual", "ca_v2"},
    {"host_v6only", "ca_v2_open"},
    {"host_p256_v2", "ca_p256_v2"},
    {"host_p256_v1", "ca_p256_v1"},
    {"host_p256_1103", "ca_p256_1103"},
    {"mixed_bundle", nullptr},
};

TEST_F(UtcZone, ANonContiguousMaskPrintsAsNebulaCertPrintsIt) {
  // Hand-made (unsigned) v1 certificate with mask ff00ff00: nebula-cert 1.11.1 prints
  // 10.1.2.3/0 and a fingerprint of the re-marshaled bytes, not of the file.
  std::string pem = ReadData("noncontig.crt");
  Result<std::vector<Certificate>> certs = ParseCertificatesPem(pem);
  ASSERT_TRUE(certs.ok()) << certs.status().message();
  EXPECT_EQ(CertificatesJson(*certs) + "\n", ReadData("noncontig.print.json"));
  EXPECT_EQ(CertificateText((*certs)[0]) + "\n", ReadData("noncontig.print.txt"));
  EXPECT_NE((*certs)[0].MarshalToPem(), pem);
}

TEST_F(UtcZone, EveryFileRemarshalsToItsOwnBytes) {
  for (const File& f : kFiles) {
    std::string pem = ReadData(std::string(f.stem) + ".crt");
    Result<std::vector<Certificate>> certs = ParseCertificatesPem(pem);
    ASSERT_TRUE(certs.ok()) << f.stem << ": " << certs.status().message();
    std::string again;
    for (const Certificate& c : *certs) again += c.MarshalToPem();
    EXPECT_EQ(again, pem) << f.stem;
  }
}

TEST_F(UtcZone, PrintsAsNebulaCert111Prints) {
  for (const File& f : kFiles) {
    Result<std::vector<Certificate>> certs =
        ParseCertificatesPem(ReadData(std::string(f.stem) + ".crt"));
    ASSERT_TRUE(certs.ok()) << f.stem << ": " << certs.status().message();
    std::string text;
    for (const Certificate& c : *certs) text += CertificateText(c) + "\n";
    EXPECT_EQ(text, ReadData(std::string(f.stem) + ".print.txt")) << f.stem;
    EXPECT_EQ(CertificatesJson(*certs) + "\n", ReadData(std::string(f.stem) + ".print.json"))
        << f.stem;
  }
}

TEST_F(UtcZone, HostsVerifyAgainstTheirCa) {
  for (const File& f : kFiles) {
    if (!f.ca) continue;
    Result<CaPool> pool = CaPool::FromPem(ReadData(std::string(f.ca) + ".crt"));
    ASSERT_TRUE(pool.ok()) << f.ca << ": " << pool.status().message();
    Result<std::vector<Certificate>> certs =
        ParseCertificatesPem(ReadData(std::string(f.stem) + ".crt"));
    ASSERT_TRUE(certs.ok()) << f.stem;
    for (const Certificate& c : *certs) {
      EXPECT_TRUE(pool->Verify(c, c.not_before + 60).ok())
          << f.stem << ": " << pool->Verify(c, c.not_before + 60).message();
      // Changed details no longer match the signature.
      Certificate tampered = c;
      tampered.name += "x";
      tampered.raw_details.clear();  // re-encode the changed details
      EXPECT_EQ(pool->Verify(tampered, c.not_before + 60).message(),
                "certificate signature did not match")
          << f.stem;
    }
  }
}

TEST_F(UtcZone, FieldsOfAV2HostAreNebulasOwn) {
  Result<std::vector<Certificate>> certs = ParseCertificatesPem(ReadData("host_v2.crt"));
  ASSERT_TRUE(certs.ok());
  ASSERT_EQ(certs->size(), 1u);
  const Certificate& c = (*certs)[0];
  EXPECT_EQ(c.version, Version::kV2);
  EXPECT_EQ(c.curve, Curve::kCurve25519);
  EXPECT_EQ(c.name, "host-v2");
  ASSERT_EQ(c.networks.size(), 2u);
  EXPECT_EQ(c.networks[0].ToString(), "10.80.1.2/16");
  EXPECT_EQ(c.networks[1].ToString(), "fd00:80::2/64");
  ASSERT_EQ(c.unsafe_networks.size(), 2u);
  EXPECT_EQ(c.unsafe_networks[1].ToString(), "fd99:0:0:1::/64");
  EXPECT_EQ(c.groups, std::vector<std::string>{"servers"});
  EXPECT_FALSE(c.is_ca);
  EXPECT_EQ(c.public_key.size(), 32u);
  EXPECT_EQ(c.Fingerprint(), "957f7462789e750eaef2fd9c61aaaa3b831f929305865c989347c1321570ff3f");
  EXPECT_EQ(c.FirstV4Network()->ToString(), "10.80.1.2/16");
}

TEST_F(UtcZone, AHostFileHoldsItsV1AndV2Certificates) {
  Result<std::vector<Certificate>> certs = ParseCertificatesPem(ReadData("dual.crt"));
  ASSERT_TRUE(certs.ok()) << certs.status().message();
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].version, Version::kV1);
  EXPECT_EQ((*certs)[1].version, Version::kV2);
  EXPECT_EQ((*certs)[0].public_key, (*certs)[1].public_key);
  EXPECT_EQ((*certs)[0].Fingerprint(),
            "32821e6b829f4a2e9adeefccf81f3d23dc6fa2eaea8c3b77e743c83f5860fa2c");
  EXPECT_EQ((*certs)[1].Fingerprint(),
            "388a44157460b64fbbab11c57100fe992d247f38c33b6a01e848654e7eda823b");
}

TEST_F(UtcZone, AMixedBundleLoadsEveryCa) {
  Result<CaPool> pool = CaPool::FromPem(ReadData("mixed_bundle.crt"));
  ASSERT_TRUE(pool.ok()) << pool.status().message();
  EXPECT_EQ(pool->size(), 3u);
  for (const char* host : {"host_v2", "host_v1_of_v2ca", "host_p256_v2"}) {
    Result<std::vector<Certificate>> certs =
        ParseCertificatesPem(ReadData(std::string(host) + ".crt"));
    ASSERT_TRUE(certs.ok());
    const Certificate& c = (*certs)[0];
    EXPECT_TRUE(pool->Verify(c, c.not_before + 1).ok()) << host;
  }
}

}  // namespace
}  // namespace flatnet::cert
