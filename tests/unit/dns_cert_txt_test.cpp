// CertTxtStrings: nebula 1.6.1's TXT answer about a host, string for string, as a real
// nebula lighthouse answered in a lab run.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <string>
#include <vector>

#include "dns/cert_txt.h"

namespace flatnet::dns {
namespace {

class DnsCertTxtTest : public ::testing::Test {
 protected:
  void SetUp() override { SetZone("UTC"); }
  void TearDown() override { SetZone("UTC"); }
  static void SetZone(const char* zone) {
    setenv("TZ", zone, 1);
    tzset();
  }

  static CertDetails Details() {
    CertDetails d;
    d.name = "a";
    d.ips = {"192.168.100.2/24"};
    d.groups = {"laptop", "ssh"};
    d.not_before = 1795335590;  // 2026-11-22 08:19:50 UTC
    d.not_after = 1826871589;
    d.public_key = {0x8e, 0x69, 0xe0, 0xe5};
    d.issuer = "63be6ad8e4ec730158d45e9a461f079c3ff7d6e8680fdbe984431d61e5a8a68b";
    return d;
  }
};

TEST_F(DnsCertTxtTest, NineStringsInNebulasWording) {
  std::vector<std::string> expected = {
      "Name: a",
      "Ips: [192.168.100.2/24]",
      "Subnets []",
      "Groups [laptop ssh]",
      "NotBefore 2026-11-22 08:19:50 +0000 UTC",
      "NotAFter 2027-11-22 08:19:49 +0000 UTC",
      "PublicKey 8e69e0e5",
      "IsCA false",
      "Issuer 63be6ad8e4ec730158d45e9a461f079c3ff7d6e8680fdbe984431d61e5a8a68b",
  };
  EXPECT_EQ(CertTxtStrings(Details()), expected);
}

TEST_F(DnsCertTxtTest, ListsPrintLikeGoSlices) {
  CertDetails d = Details();
  d.ips = {"192.168.100.2/24", "10.1.0.2/16"};
  d.subnets = {"10.99.0.0/24"};
  d.groups.clear();
  d.is_ca = true;
  auto strings = CertTxtStrings(d);
  EXPECT_EQ(strings[1], "Ips: [192.168.100.2/24 10.1.0.2/16]");
  EXPECT_EQ(strings[2], "Subnets [10.99.0.0/24]");
  EXPECT_EQ(strings[3], "Groups []");
  EXPECT_EQ(strings[7], "IsCA true");
}

TEST_F(DnsCertTxtTest, TimesAreInTheLocalZoneAsNebulaPrintsThem) {
  // The same lab with TZ=Asia/Tokyo gave "NotBefore 2026-11-22 17:22:49 +0900 JST".
  SetZone("Asia/Tokyo");
  CertDetails d = Details();
  d.not_before = 1795335769;
  auto strings = CertTxtStrings(d);
  EXPECT_EQ(strings[4], "NotBefore 2026-11-22 17:22:49 +0900 JST");
}

TEST_F(DnsCertTxtTest, LongStringsSplitAs255BytePiecesLikeNebulas) {
  // Lab hosts b and c had one group of 246 and of 501 'g's: "Groups [...]" is 255 and
  // 510 bytes. nebula answered b with one 255-byte string, c with 255, 255 and "".
  CertDetails b = Details();
  b.groups = {std::string(246, 'g')};
  auto strings = CertTxtStrings(b);
  ASSERT_EQ(strings.size(), 9u);
  EXPECT_EQ(strings[3].size(), 255u);

  CertDetails c = Details();
  c.groups = {std::string(501, 'g')};
  strings = CertTxtStrings(c);
  ASSERT_EQ(strings.size(), 11u);
  EXPECT_EQ(strings[3], "Groups [" + std::string(247, 'g'));
  EXPECT_EQ(strings[4], std::string(254, 'g') + "]");
  EXPECT_EQ(strings[5], "");
  EXPECT_EQ(strings[6].substr(0, 10), "NotBefore ");

  CertDetails d = Details();
  d.groups = {std::string(502, 'g')};  // 511 bytes: 255, 255, 1
  strings = CertTxtStrings(d);
  ASSERT_EQ(strings.size(), 11u);
  EXPECT_EQ(strings[5], "]");
}

}  // namespace
}  // namespace flatnet::dns
