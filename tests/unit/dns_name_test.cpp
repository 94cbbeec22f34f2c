// DnsName: decompression bounds and presentation form, as miekg/dns 1.1.48 (nebula's DNS
// library) reads names.
#include "dns/dns_name.h"

#include <gtest/gtest.h>

#include "hex_for_tests.h"

#include <string>

namespace flatnet::dns {
namespace {

// A 12-byte header of zeros, then `rest`.
Bytes AfterHeader(std::string_view rest) {
  Bytes message(12, 0);
  Bytes tail = FromHex(rest);
  message.insert(message.end(), tail.begin(), tail.end());
  return message;
}

TEST(DnsNameTest, ReadsPlainNameAndAdvancesPastIt) {
  // "host1.example." then a type/class the caller reads next.
  Bytes m = AfterHeader("05686f737431 076578616d706c65 00 0001 0001");
  size_t offset = 12;
  auto name = DnsName::Read(m, &offset);
  ASSERT_TRUE(name.ok()) << name.status().message();
  EXPECT_EQ(name->ToText(), "host1.example.");
  EXPECT_EQ(offset, 12u + 15u);
  EXPECT_EQ(name->wire().size(), 15u);
}

TEST(DnsNameTest, FollowsBackwardPointerAndResumesAfterIt) {
  // Name 1 at 12: "example." Name 2 at 21: "host1" + pointer to 12, then 4 more bytes.
  Bytes m = AfterHeader("076578616d706c6500 05686f737431 c00c 0001 0001");
  size_t offset = 21;
  auto name = DnsName::Read(m, &offset);
  ASSERT_TRUE(name.ok()) << name.status().message();
  EXPECT_EQ(name->ToText(), "host1.example.");
  EXPECT_EQ(offset, 29u) << "offset must stop just past the pointer, not at its target";
  auto plain = DnsName::FromDotted("host1.example");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*name, *plain) << "decompressed wire form equals the uncompressed one";
}

TEST(DnsNameTest, AcceptsForwardPointerAndPointerIntoHeaderAsMiekgDoes) {
  Bytes forward = AfterHeader("c012 0001 0001 016100");
  size_t offset = 12;
  auto name = DnsName::Read(forward, &offset);
  ASSERT_TRUE(name.ok()) << name.status().message();
  EXPECT_EQ(name->ToText(), "a.");
  EXPECT_EQ(offset, 14u);

  // The header's id 0x0161 and flags 0x0120 read as labels "a" and " ".
  Bytes into_header = FromHex("0161 0120 0001 0000 0000 0000 c000 0001 0001");
  offset = 12;
  name = DnsName::Read(into_header, &offset);
  ASSERT_TRUE(name.ok()) << name.status().message();
  EXPECT_EQ(name->ToText(), "a.\\ .");
}

TEST(DnsNameTest, PointerLoopsEndInAnError) {
  size_t offset = 12;
  auto self = DnsName::Read(AfterHeader("c00c"), &offset);
  ASSERT_FALSE(self.ok());
  EXPECT_NE(self.status().message().find("pointer loop"), std::string::npos)
      << self.status().message();

  // Two pointers pointing at each other, with a label between them.
  offset = 12;
  auto pair = DnsName::Read(AfterHeader("0161 c010 c00c"), &offset);
  EXPECT_FALSE(pair.ok());
}

TEST(DnsNameTest, AllowsExactly126Pointers) {
  // A chain: the pointer at 12 + 2k points to 14 + 2k; the last points at a root byte.
  auto chain = [](int pointers) {
    Bytes m(12, 0);
    for (int k = 0; k < pointers; ++k) {
      const size_t target = 12 + 2 * (k + 1);
      m.push_back(uint8_t(0xC0 | target >> 8));
      m.push_back(uint8_t(target));
    }
    m.push_back(0);
    return m;
  };
  size_t offset = 12;
  auto ok = DnsName::Read(chain(126), &offset);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->ToText(), ".");
  EXPECT_EQ(offset, 14u);
  offset = 12;
  EXPECT_FALSE(DnsName::Read(chain(127), &offset).ok());
}

TEST(DnsNameTest, Allows255OctetsButNot256) {
  auto long_name = [](int last_label) {
    Bytes m(12, 0);
    for (int i = 0; i < 3; ++i) {
      m.push_back(63);
      m.insert(m.end(), 63, 'x');
    }
    m.push_back(uint8_t(last_label));
    m.insert(m.end(), last_label, 'x');
    m.push_back(0);
    return m;
  };
  size_t offset = 12;
  auto max = DnsName::Read(long_name(61), &offset);  // 3*64 + 62 + 1 = 255 octets
  ASSERT_TRUE(max.ok()) << max.status().message();
  EXPECT_EQ(max->wire().size(), 255u);
  offset = 12;
  auto over = DnsName::Read(long_name(62), &offset);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("longer than 255"), std::string::npos);
}

TEST(DnsNameTest, LongNameThroughPointersIsStillBounded) {
  // 4 x 63-byte labels reached through a pointer: 257 octets decompressed.
  Bytes m(12, 0);
  for (int i = 0; i < 4; ++i) {
    m.push_back(63);
    m.insert(m.end(), 63, 'y');
  }
  m.push_back(0);
  const size_t at = m.size();
  m.push_back(0x01);
  m.push_back('z');
  m.push_back(0xC0);
  m.push_back(12);
  size_t offset = at;
  EXPECT_FALSE(DnsName::Read(m, &offset).ok());
}

TEST(DnsNameTest, RejectsReservedLabelTypesAndCutOffInput) {
  const char* bad[] = {
      "41 61 00",  // label type 0x40
      "81 61 00",  // label type 0x80
      "05 6162",   // label longer than what is left
      "01 61",     // no terminating root label
      "c0",        // pointer missing its second byte
      "c0 ff",     // pointer to offset 255, past the end
      "",          // nothing at all
  };
  for (const char* hex : bad) {
    size_t offset = 12;
    auto name = DnsName::Read(AfterHeader(hex), &offset);
    EXPECT_FALSE(name.ok()) << "accepted \"" << hex << "\" as " << name->ToText();
  }
  size_t offset = 12;
  auto reserved = DnsName::Read(AfterHeader("41 61 00"), &offset);
  EXPECT_NE(reserved.status().message().find("0x40"), std::string::npos)
      << reserved.status().message();
}

TEST(DnsNameTest, NoInputPrefixReadsPastTheEnd) {
  // Every prefix of a name with a pointer: each either parses or fails, never overreads
  // (the vector bounds would be violated otherwise; run under ASan to see it).
  Bytes full = AfterHeader("076578616d706c6500 05686f737431 c00c");
  for (size_t n = 22; n <= full.size(); ++n) {
    Bytes prefix(full.begin(), full.begin() + n);
    size_t offset = 21;
    auto name = DnsName::Read(prefix, &offset);
    EXPECT_EQ(name.ok(), n == full.size()) << "prefix of " << n << " bytes";
  }
}

TEST(DnsNameTest, PresentationFormEscapesLikeMiekg) {
  // Labels: "a.b" (a dot inside a label), "x y@z", a tab and byte 200, "Q\"".
  Bytes m = AfterHeader("03 612e62 05 782079407a 02 09c8 02 5122 00");
  size_t offset = 12;
  auto name = DnsName::Read(m, &offset);
  ASSERT_TRUE(name.ok()) << name.status().message();
  EXPECT_EQ(name->ToText(), "a\\.b.x\\ y\\@z.\\009\\200.Q\\\".");
  EXPECT_EQ(DnsName().ToText(), ".");
  offset = 12;
  auto specials = DnsName::Read(AfterHeader("06 27403b28295c 00"), &offset);
  ASSERT_TRUE(specials.ok());
  EXPECT_EQ(specials->ToText(), "\\'\\@\\;\\(\\)\\\\.");
}

TEST(DnsNameTest, FromDottedBuildsWireForm) {
  auto name = DnsName::FromDotted("Host1.example.");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(Bytes(name->wire().begin(), name->wire().end()),
            FromHex("05486f737431 076578616d706c65 00"));
  EXPECT_EQ(DnsName::FromDotted("").value(), DnsName());
  EXPECT_EQ(DnsName::FromDotted(".").value(), DnsName());
  EXPECT_FALSE(DnsName::FromDotted("a..b").ok());
  EXPECT_FALSE(DnsName::FromDotted(std::string(64, 'x')).ok());
  EXPECT_TRUE(DnsName::FromDotted(std::string(63, 'x')).ok());
  std::string too_long;
  for (int i = 0; i < 5; ++i) too_long += std::string(50, 'x') + ".";
  EXPECT_FALSE(DnsName::FromDotted(too_long).ok()) << "5 x 51 + 1 = 256 octets";
}

}  // namespace
}  // namespace flatnet::dns
