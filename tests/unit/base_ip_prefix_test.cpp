// IpAddr / IpPrefix against Go's net/netip: every expected string below is what Go 1.26's
// netip.ParsePrefix / Prefix.String() / Masked() printed for the same input.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "base/ip_prefix.h"

namespace flatnet {
namespace {

IpPrefix P(const char* text) {
  Result<IpPrefix> p = ParseIpPrefix(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status().message();
  return p.ok() ? *p : IpPrefix();
}

IpAddr A(const char* text) {
  Result<IpAddr> a = ParseIpAddr(text);
  EXPECT_TRUE(a.ok()) << text << ": " << a.status().message();
  return a.ok() ? *a : IpAddr();
}

TEST(IpPrefix, ParsesAndPrintsLikeNetip) {
  struct Case {
    const char* in;
    const char* out;
    const char* masked;
  };
  const Case cases[] = {
      {"10.1.2.3/24", "10.1.2.3/24", "10.1.2.0/24"},
      {"0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0"},
      {"fd00::1/64", "fd00::1/64", "fd00::/64"},
      {"FD00:0:0:0:0:0:0:1/128", "fd00::1/128", "fd00::1/128"},
      {"::/0", "::/0", "::/0"},
      {"::ffff:1.2.3.4/120", "::ffff:1.2.3.4/120", "::ffff:1.2.3.0/120"},
      {"1:0:0:1:0:0:0:1/64", "1:0:0:1::1/64", "1:0:0:1::/64"},
      {"1:0:0:0:1:0:0:1/64", "1::1:0:0:1/64", "1::/64"},
      {"2001:db8:0:0:1:0:0:1/48", "2001:db8::1:0:0:1/48", "2001:db8::/48"},
      {"::1.2.3.4/128", "::102:304/128", "::102:304/128"},
      {"1:2:3:4:5:6:1.2.3.4/96", "1:2:3:4:5:6:102:304/96", "1:2:3:4:5:6::/96"},
      {"1::2:1.2.3.4/96", "1::2:102:304/96", "1::2:0:0/96"},
  };
  for (const Case& c : cases) {
    IpPrefix p = P(c.in);
    EXPECT_EQ(p.ToString(), c.out) << c.in;
    EXPECT_EQ(p.Masked().ToString(), c.masked) << c.in;
  }
}

TEST(IpPrefix, BadInputGetsNetipsMessage) {
  struct Case {
    const char* in;
    const char* error;
  };
  const Case cases[] = {
      {"1.2.3.4", R"(netip.ParsePrefix("1.2.3.4"): no '/')"},
      {"1.2.3.4/33", R"(netip.ParsePrefix("1.2.3.4/33"): prefix length out of range)"},
      {"1.2.3.4/1000", R"(netip.ParsePrefix("1.2.3.4/1000"): prefix length out of range)"},
      {"fd00::/129", R"(netip.ParsePrefix("fd00::/129"): prefix length out of range)"},
      {"1.2.3.4/-1", R"(netip.ParsePrefix("1.2.3.4/-1"): bad bits after slash: "-1")"},
      {"1.2.3.4/08", R"(netip.ParsePrefix("1.2.3.4/08"): bad bits after slash: "08")"},
      {"1.2.3.4/", R"(netip.ParsePrefix("1.2.3.4/"): bad bits after slash: "")"},
      {"1.2.3.4/99999999999999999999",
       R"(netip.ParsePrefix("1.2.3.4/99999999999999999999"): bad bits after slash: "99999999999999999999")"},
      {"1.2.3/8", R"(netip.ParsePrefix("1.2.3/8"): ParseAddr("1.2.3"): IPv4 address too short)"},
      {"01.2.3.4/8",
       R"(netip.ParsePrefix("01.2.3.4/8"): ParseAddr("01.2.3.4"): IPv4 field has octet with leading zero)"},
      {"1.2.3.4.5/8",
       R"(netip.ParsePrefix("1.2.3.4.5/8"): ParseAddr("1.2.3.4.5"): IPv4 address too long)"},
      {"256.1.1.1/8",
       R"(netip.ParsePrefix("256.1.1.1/8"): ParseAddr("256.1.1.1"): IPv4 field has value >255)"},
      {"1..2.3/8",
       R"(netip.ParsePrefix("1..2.3/8"): ParseAddr("1..2.3"): IPv4 field must have at least one digit (at ".2.3"))"},
      {"fe80::1%eth0/64",
       R"(netip.ParsePrefix("fe80::1%eth0/64"): IPv6 zones cannot be present in a prefix)"},
      {"1::2::3/64",
       R"(netip.ParsePrefix("1::2::3/64"): ParseAddr("1::2::3"): multiple :: in address (at ":3"))"},
      {"1:2:3:4:5:6:7:8:9/64",
       R"(netip.ParsePrefix("1:2:3:4:5:6:7:8:9/64"): ParseAddr("1:2:3:4:5:6:7:8:9"): trailing garbage after address (at "9"))"},
      {"12345::/16",
       R"(netip.ParsePrefix("12345::/16"): ParseAddr("12345::"): each group must have 4 or less digits (at "12345::"))"},
      {"::1:/64",
       R"(netip.ParsePrefix("::1:/64"): ParseAddr("::1:"): colon must be followed by more characters (at ":"))"},
      {":/1",
       R"(netip.ParsePrefix(":/1"): ParseAddr(":"): each colon-separated field must have at least one digit (at ":"))"},
      {"abc/1", R"(netip.ParsePrefix("abc/1"): ParseAddr("abc"): unable to parse IP)"},
      {"1:2:3:4:5:6:7::8/64",
       R"(netip.ParsePrefix("1:2:3:4:5:6:7::8/64"): ParseAddr("1:2:3:4:5:6:7::8"): the :: must expand to at least one field of zeros)"},
      {"%x/1", R"(netip.ParsePrefix("%x/1"): ParseAddr("%x"): missing IPv6 address)"},
      {"1.2.3.a/1",
       R"(netip.ParsePrefix("1.2.3.a/1"): ParseAddr("1.2.3.a"): unexpected character (at "a"))"},
      {"::1.2.3/1",
       R"(netip.ParsePrefix("::1.2.3/1"): ParseAddr("::1.2.3"): IPv4 address too short)"},
      {"1:2:3:4:5:6:7:1.2.3.4/96",
       R"(netip.ParsePrefix("1:2:3:4:5:6:7:1.2.3.4/96"): ParseAddr("1:2:3:4:5:6:7:1.2.3.4"): embedded IPv4 address must replace the final 2 fields of the address (at "1.2.3.4"))"},
      {"/1", R"(netip.ParsePrefix("/1"): ParseAddr(""): unable to parse IP)"},
      {"1:2/1", R"(netip.ParsePrefix("1:2/1"): ParseAddr("1:2"): address string too short)"},
  };
  for (const Case& c : cases) {
    Result<IpPrefix> p = ParseIpPrefix(c.in);
    ASSERT_FALSE(p.ok()) << c.in << " parsed as " << p->ToString();
    EXPECT_EQ(p.status().message(), c.error);
  }
}

TEST(IpAddr, ParsesAndRefusesLikeNetip) {
  EXPECT_EQ(A("1.2.3.4").ToString(), "1.2.3.4");
  EXPECT_EQ(A("::").ToString(), "::");
  EXPECT_EQ(A("1::").ToString(), "1::");
  EXPECT_EQ(A("::1").ToString(), "::1");
  EXPECT_EQ(ParseIpAddr("1.2.3").status().message(),
            R"(ParseAddr("1.2.3"): IPv4 address too short)");
  EXPECT_EQ(ParseIpAddr("1.2.3.4:5").status().message(),
            R"(ParseAddr("1.2.3.4:5"): unexpected character (at ":5"))");
  EXPECT_EQ(ParseIpAddr("").status().message(), R"(ParseAddr(""): unable to parse IP)");
  // Zones are valid for netip but have no meaning in flatnet: refused, saying why.
  EXPECT_FALSE(ParseIpAddr("fe80::1%eth0").ok());
  EXPECT_FALSE(ParseIpAddr("fe80::1%").ok());
}

TEST(IpAddr, FamiliesBytesAndMapping) {
  IpAddr v4 = A("10.1.2.3");
  EXPECT_TRUE(v4.is_v4());
  EXPECT_EQ(v4.v4(), 0x0a010203u);
  EXPECT_EQ(v4, IpAddr::V4(0x0a010203u));
  EXPECT_EQ(v4.bytes().size(), 4u);
  EXPECT_EQ(v4.bit_length(), 32);

  IpAddr mapped = A("::ffff:10.1.2.3");
  EXPECT_TRUE(mapped.is_v6());
  EXPECT_TRUE(mapped.Is4In6());
  EXPECT_NE(mapped, v4);  // as in netip: a different address until unmapped
  EXPECT_EQ(mapped.Unmap(), v4);
  EXPECT_EQ(mapped.bytes().size(), 16u);
  EXPECT_EQ(IpAddr::FromBytes(mapped.bytes()), mapped);
  EXPECT_EQ(IpAddr::FromBytes(v4.bytes()), v4);
  EXPECT_FALSE(IpAddr::FromBytes(Bytes{1, 2, 3}).valid());
  EXPECT_EQ(IpAddr().ToString(), "invalid IP");

  EXPECT_TRUE(A("0.0.0.0").IsUnspecified());
  EXPECT_TRUE(A("::").IsUnspecified());
  EXPECT_FALSE(A("::1").IsUnspecified());
}

TEST(IpAddr, OrdersLikeNetipCompare) {
  std::vector<IpAddr> addrs = {A("fd00::1"), A("10.0.0.2"), IpAddr(), A("::ffff:1.1.1.1"),
                               A("10.0.0.1")};
  std::sort(addrs.begin(), addrs.end());
  std::vector<std::string> text;
  for (const IpAddr& a : addrs) text.push_back(a.ToString());
  EXPECT_EQ(text, (std::vector<std::string>{"invalid IP", "10.0.0.1", "10.0.0.2", "::ffff:1.1.1.1",
                                            "fd00::1"}));
}

TEST(IpPrefix, ContainsOverlapsAndMasks) {
  IpPrefix net = P("10.1.2.3/16");
  EXPECT_TRUE(net.Contains(A("10.1.200.9")));
  EXPECT_FALSE(net.Contains(A("10.2.0.1")));
  EXPECT_FALSE(net.Contains(A("::ffff:10.1.0.1")));  // other family
  EXPECT_TRUE(P("0.0.0.0/0").Contains(A("255.255.255.255")));
  EXPECT_TRUE(P("fd00::/8").Contains(A("fd12::1")));
  EXPECT_FALSE(P("fd00::/8").Contains(A("fe00::1")));
  EXPECT_TRUE(P("fd00::/127").Contains(A("fd00::1")));
  EXPECT_FALSE(P("fd00::/128").Contains(A("fd00::1")));

  EXPECT_TRUE(P("10.0.0.0/8").Overlaps(P("10.9.0.0/16")));
  EXPECT_TRUE(P("10.9.0.0/16").Overlaps(P("10.0.0.0/8")));
  EXPECT_FALSE(P("10.0.0.0/16").Overlaps(P("10.1.0.0/16")));
  EXPECT_FALSE(P("10.0.0.0/8").Overlaps(P("::/0")));

  EXPECT_EQ(P("10.1.2.3/24").V4Mask(), 0xffffff00u);
  EXPECT_EQ(P("10.1.2.3/0").V4Mask(), 0u);
  EXPECT_EQ(P("10.1.2.3/32").V4Mask(), 0xffffffffu);
}

TEST(IpPrefix, FromRefusesLengthsBeyondTheFamily) {
  EXPECT_FALSE(IpPrefix::From(A("10.0.0.1"), 33).valid());
  EXPECT_FALSE(IpPrefix::From(A("10.0.0.1"), -1).valid());
  EXPECT_FALSE(IpPrefix::From(IpAddr(), 0).valid());
  EXPECT_TRUE(IpPrefix::From(A("fd00::1"), 128).valid());
  EXPECT_EQ(IpPrefix::From(A("10.0.0.1"), 40).ToString(), "invalid Prefix");
}

TEST(IpPrefix, OrdersByAddressThenLength) {
  EXPECT_LT(P("10.0.0.1/8"), P("10.0.0.1/16"));
  EXPECT_LT(P("10.0.0.1/16"), P("10.0.0.2/8"));
  EXPECT_LT(P("10.0.0.1/16"), P("::/0"));
  EXPECT_EQ(P("10.0.0.1/16"), P("10.0.0.1/16"));
  EXPECT_NE(P("10.0.0.1/16"), P("10.0.0.0/16"));
}

TEST(V4MaskBits, ContiguousOrNot) {
  EXPECT_EQ(V4MaskBits(0xffffff00u), 24);
  EXPECT_EQ(V4MaskBits(0), 0);
  EXPECT_EQ(V4MaskBits(0xffffffffu), 32);
  EXPECT_EQ(V4MaskBits(0xff00ff00u), -1);
  EXPECT_EQ(V4MaskBits(0x00ffffffu), -1);
}

}  // namespace
}  // namespace flatnet
