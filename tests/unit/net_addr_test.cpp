// Addresses as a user writes them in config.yml (listen.host, static_host_map, routes)
// and as flatnet prints them in logs: parse, format, compare, convert.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <unordered_set>

#include "net/resolve.h"
#include "net/udp_addr.h"

using namespace flatnet::net;

TEST(UdpAddr, RoundTripsLikeGo) {
  // Left: what a user writes; right: what Go's net.JoinHostPort(ip.String(), port) prints.
  const std::pair<const char*, const char*> cases[] = {
      {"1.2.3.4:4242", "1.2.3.4:4242"},
      {"0.0.0.0:0", "0.0.0.0:0"},
      {"[::1]:4242", "[::1]:4242"},
      {"[::]:65535", "[::]:65535"},
      {"[2001:DB8:0:0:0:0:0:1]:80", "[2001:db8::1]:80"},
      {"[2001:db8:0:1:0:0:0:1]:80", "[2001:db8:0:1::1]:80"},  // longest zero run wins
      {"[2001:0:0:1:0:0:0:1]:80", "[2001:0:0:1::1]:80"},
      {"[2001:0:0:1:0:0:1:1]:80", "[2001::1:0:0:1:1]:80"},         // first of equal runs
      {"[2001:db8:1:1:1:1:0:1]:80", "[2001:db8:1:1:1:1:0:1]:80"},  // one zero group stays
      {"[fe80::1:2]:1", "[fe80::1:2]:1"},
      {"[::ffff:198.51.100.7]:4242", "198.51.100.7:4242"},  // IPv4-mapped prints as IPv4
      {"[::1.2.3.4]:9", "[::102:304]:9"},                   // IPv4-compatible does not
      {"[1.2.3.4]:5", "1.2.3.4:5"},
  };
  for (auto [in, want] : cases) {
    auto addr = UdpAddr::Parse(in);
    ASSERT_TRUE(addr.ok()) << in << ": " << addr.status().message();
    EXPECT_EQ(addr->ToString(), want) << in;
    auto again = UdpAddr::Parse(addr->ToString());
    ASSERT_TRUE(again.ok()) << want;
    EXPECT_EQ(*again, *addr) << want;
  }
}

TEST(UdpAddr, RejectsBadInputWithAReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"1.2.3.4", "missing port"},
      {"1.2.3.4:", "invalid port"},
      {"1.2.3.4:65536", "invalid port"},
      {"1.2.3.4:-1", "invalid port"},
      {"1.2.3.4:http", "invalid port"},
      {"1.2.3.4:+80", "invalid port"},
      {"::1:4242", "too many colons"},
      {"[::1:4242", "missing ']'"},
      {"[::1]", "missing port"},
      {"[::1]4242", "missing port"},
      {"[fe80::1%eth0]:4242", "zones are not supported"},
      {"[2001:db8::g]:1", "invalid IP address"},
      {"300.1.1.1:1", "invalid IP address"},
      {"lighthouse.example.com:4242", "invalid IP address"},
      {"", "missing port"},
  };
  for (auto [in, reason] : cases) {
    auto addr = UdpAddr::Parse(in);
    ASSERT_FALSE(addr.ok()) << in << " parsed as " << addr->ToString();
    EXPECT_NE(addr.status().message().find(reason), std::string::npos)
        << in << ": " << addr.status().message();
    EXPECT_NE(addr.status().message().find(in), std::string::npos) << addr.status().message();
  }
}

TEST(UdpAddr, MappedAndPlainIpv4AreOneKey) {
  auto plain = *UdpAddr::Parse("192.0.2.1:4242");
  auto mapped = *UdpAddr::Parse("[::ffff:192.0.2.1]:4242");
  EXPECT_EQ(plain, mapped);
  EXPECT_TRUE(plain.is_v4());
  EXPECT_EQ(plain.IpString(), "192.0.2.1");
  std::unordered_set<UdpAddr> set{plain, mapped, *UdpAddr::Parse("192.0.2.1:4243"),
                                  *UdpAddr::Parse("[2001:db8::1]:4242")};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_FALSE(UdpAddr::Parse("[2001:db8::1]:1")->is_v4());
  EXPECT_TRUE(UdpAddr().is_unspecified());
  EXPECT_TRUE(UdpAddr::Parse("0.0.0.0:1")->is_unspecified());
  EXPECT_EQ(UdpAddr(flatnet::IpAddr::V4({203, 0, 113, 9}), 7).ToString(), "203.0.113.9:7");
}

TEST(UdpAddr, ConvertsToAndFromSockaddr) {
  sockaddr_storage ss;
  auto v4 = *UdpAddr::Parse("198.51.100.2:4242");
  socklen_t len = v4.ToSockaddr(AF_INET, &ss);
  ASSERT_EQ(len, sizeof(sockaddr_in));
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  EXPECT_EQ(in->sin_family, AF_INET);
  EXPECT_EQ(ntohs(in->sin_port), 4242);
  EXPECT_EQ(ntohl(in->sin_addr.s_addr), 0xc6336402u);
  EXPECT_EQ(*UdpAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len), v4);

  // An IPv4 peer on a dual-stack socket travels as ::ffff:a.b.c.d.
  len = v4.ToSockaddr(AF_INET6, &ss);
  ASSERT_EQ(len, sizeof(sockaddr_in6));
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, text, sizeof(text));
  EXPECT_STREQ(text, "::ffff:198.51.100.2");
  EXPECT_EQ(*UdpAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len), v4);

  auto v6 = *UdpAddr::Parse("[2001:db8::5]:53");
  EXPECT_EQ(v6.ToSockaddr(AF_INET, &ss), 0u) << "IPv6 cannot go out of an IPv4 socket";
  len = v6.ToSockaddr(AF_INET6, &ss);
  EXPECT_EQ(*UdpAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len), v6);

  sockaddr_storage unix_sa{};
  unix_sa.ss_family = AF_UNIX;
  EXPECT_FALSE(UdpAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&unix_sa), sizeof(unix_sa)));
  EXPECT_FALSE(UdpAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), 4)) << "short length";
}

TEST(Resolve, LiteralsSkipDnsAndNamesResolve) {
  auto literal = Resolve("203.0.113.4", 4242);
  ASSERT_TRUE(literal.ok());
  ASSERT_EQ(literal->size(), 1u);
  EXPECT_EQ((*literal)[0].ToString(), "203.0.113.4:4242");

  auto v6 = Resolve("2001:db8::9", 1);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ((*v6)[0].ToString(), "[2001:db8::9]:1");

  // "localhost" comes from /etc/hosts, so this works without a network.
  auto local = Resolve("localhost", 53);
  ASSERT_TRUE(local.ok()) << local.status().message();
  ASSERT_FALSE(local->empty());
  for (const auto& addr : *local) {
    EXPECT_EQ(addr.port(), 53);
    EXPECT_TRUE(addr.ToString() == "127.0.0.1:53" || addr.ToString() == "[::1]:53")
        << addr.ToString();
  }

  auto bad = Resolve("no-such-host.invalid", 4242);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no-such-host.invalid"), std::string::npos);
  EXPECT_FALSE(Resolve("", 1).ok());
}

// A prefix outside 0..32 (a caller's bug, e.g. a certificate mask that is not a prefix) is
// the narrowest network, never a shift by 32 or more and never "everything".
