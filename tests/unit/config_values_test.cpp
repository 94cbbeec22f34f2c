// The value parsers behind config.yml: Go durations, IPs, CIDRs, host:port, allow lists and
// the YAML forms nebula's yaml.v2 accepts.
#include <gtest/gtest.h>

#include "base/duration.h"
#include "config/config.h"

namespace flatnet::config {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// config.yml's durations go through base's Go duration parser; these cases pin it to Go's.
std::optional<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  auto parsed = flatnet::ParseGoDuration(text);
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}
using flatnet::FormatGoDuration;

TEST(GoDuration, ParsesWhatGoParses) {
  EXPECT_EQ(ParseGoDuration("0"), nanoseconds(0));
  EXPECT_EQ(ParseGoDuration("-0"), nanoseconds(0));
  EXPECT_EQ(ParseGoDuration("100ms"), milliseconds(100));
  EXPECT_EQ(ParseGoDuration("12m"), minutes(12));
  EXPECT_EQ(ParseGoDuration("1h30m"), minutes(90));
  EXPECT_EQ(ParseGoDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(ParseGoDuration(".5s"), milliseconds(500));
  EXPECT_EQ(ParseGoDuration("1.s"), seconds(1));
  EXPECT_EQ(ParseGoDuration("+2h"), hours(2));
  EXPECT_EQ(ParseGoDuration("-3s"), seconds(-3));
  EXPECT_EQ(ParseGoDuration("7us"), microseconds(7));
  EXPECT_EQ(ParseGoDuration("7\u00b5s"), microseconds(7));
  EXPECT_EQ(ParseGoDuration("7\u03bcs"), microseconds(7));
  EXPECT_EQ(ParseGoDuration("1ns"), nanoseconds(1));
  EXPECT_EQ(ParseGoDuration("1h1m1s1ms"), hours(1) + minutes(1) + seconds(1) + milliseconds(1));
  EXPECT_EQ(ParseGoDuration("2562047h47m16.854775807s"), nanoseconds(INT64_MAX));
}

TEST(GoDuration, RejectsWhatGoRejects) {
  for (const char* bad : {"", "5", "s", "1x", "1sec", "1 s", ".s", "-", "1h-1m", "1.2.3s",
                          "2562047h47m16.854775808s", "9999999999999999999ns"}) {
    EXPECT_FALSE(ParseGoDuration(bad).has_value()) << bad;
  }
}

TEST(GoDuration, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(nanoseconds(0)), "0s");
  EXPECT_EQ(FormatGoDuration(minutes(12)), "12m0s");
  EXPECT_EQ(FormatGoDuration(minutes(90) + milliseconds(500)), "1h30m0.5s");
  EXPECT_EQ(FormatGoDuration(milliseconds(100)), "100ms");
  EXPECT_EQ(FormatGoDuration(microseconds(1500)), "1.5ms");
  EXPECT_EQ(FormatGoDuration(nanoseconds(1500)), "1.5\u00b5s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(999)), "999ns");
  EXPECT_EQ(FormatGoDuration(seconds(-3)), "-3s");
}

TEST(IpAddressParse, AcceptsGoForms) {
  auto v4 = ParseIp("192.168.100.1");
  ASSERT_TRUE(v4.has_value());
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->v4(), 0xC0A86401u);
  EXPECT_EQ(v4->ToString(), "192.168.100.1");
  auto v6 = ParseIp("2001:DB8::1");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->is_v6());
  EXPECT_EQ(v6->ToString(), "2001:db8::1");
  // Go treats an IPv4-mapped IPv6 address as the IPv4 address.
  EXPECT_EQ(ParseIp("::ffff:10.1.2.3"), ParseIp("10.1.2.3"));
  EXPECT_EQ(IpAddr::V4(0x0A010203).ToString(), "10.1.2.3");
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ",
                          "fe80::1%eth0", "host", "1.2.3.4/8", "::g"}) {
    EXPECT_FALSE(ParseIp(bad).has_value()) << bad;
  }
}

TEST(IpNetworkParse, MasksLikeParseCidr) {
  auto network = ParseNetwork("10.1.2.3/8");
  ASSERT_TRUE(network.has_value());
  EXPECT_EQ(network->ToString(), "10.0.0.0/8");
  EXPECT_TRUE(network->Contains(*ParseIp("10.255.0.1")));
  EXPECT_FALSE(network->Contains(*ParseIp("11.0.0.1")));
  EXPECT_FALSE(network->Contains(*ParseIp("::a00:1")));
  EXPECT_TRUE(Covers(*network, *ParseNetwork("10.1.0.0/16")));
  EXPECT_FALSE(Covers(*network, *ParseNetwork("0.0.0.0/0")));
  EXPECT_EQ(ParseNetwork("192.168.100.7/29")->ToString(), "192.168.100.0/29");
  EXPECT_EQ(ParseNetwork("0.0.0.0/0")->ToString(), "0.0.0.0/0");
  EXPECT_EQ(ParseNetwork("2001:db8:ffff::1/33")->ToString(), "2001:db8:8000::/33");
  EXPECT_EQ(ParseNetwork("::/0")->ToString(), "::/0");
  // An IPv4-mapped CIDR counts 128 bits and is the IPv4 network it maps.
  EXPECT_EQ(ParseNetwork("::ffff:10.1.2.3/104")->ToString(), "10.0.0.0/8");
  for (const char* bad : {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08",
                          "::/129", "::ffff:10.0.0.0/95", "x/8", "10.0.0.0/8/8", "10.0.0.0/ 8"}) {
    EXPECT_FALSE(ParseNetwork(bad).has_value()) << bad;
  }
}

TEST(HostPortParse, KeepsHostAndPort) {
  auto name = HostPort::Parse("lighthouse.example.com:4242");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->host, "lighthouse.example.com");
  EXPECT_EQ(name->port, 4242);
  EXPECT_FALSE(name->ip.has_value());
  auto v6 = HostPort::Parse("[2001:db8::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->ip->ToString(), "2001:db8::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(HostPort::Parse("198.51.100.1:65535")->port, 65535);
  for (const char* bad :
       {"198.51.100.1", ":4242", "h:", "h:x", "h:-1", "h:65536", "[::1]", "[::1", "::1:4242"}) {
    EXPECT_FALSE(HostPort::Parse(bad).ok()) << bad;
  }
}

// Allow lists as nebula's allow_list_test.go describes them.
Config LoadLighthouse(const std::string& lighthouse) {
  auto config =
      LoadConfigFromString("pki: {ca: a, cert: b, key: c}\nlighthouse:\n  am_lighthouse: true\n" +
                               lighthouse + "listen: {port: 4242}\n",
                           "config.yml", nullptr);
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? std::move(config.value()) : Config{};
}

IpAddr Ip(const char* text) { return *ParseIp(text); }

TEST(AllowLists, MostSpecificRuleWinsWithImpliedDefaults) {
  Config deny = LoadLighthouse("  remote_allow_list:\n    172.16.0.0/12: false\n");
  const RemoteAllowList& list = deny.lighthouse.remote_allow_list;
  // Only "deny" rules: IPv4 defaults to allow; IPv6 has no rules, so it is allowed too.
  EXPECT_FALSE(list.Allows(Ip("192.168.100.2"), Ip("172.17.0.1")));
  EXPECT_TRUE(list.Allows(Ip("192.168.100.2"), Ip("8.8.8.8")));
  EXPECT_TRUE(list.Allows(Ip("192.168.100.2"), Ip("2001:db8::1")));

  Config allow = LoadLighthouse("  remote_allow_list:\n    10.0.0.0/8: true\n");
  EXPECT_TRUE(allow.lighthouse.remote_allow_list.Allows(Ip("192.168.100.2"), Ip("10.1.1.1")));
  EXPECT_FALSE(allow.lighthouse.remote_allow_list.Allows(Ip("192.168.100.2"), Ip("8.8.8.8")));

  Config mixed = LoadLighthouse(
      "  remote_allow_list:\n"
      "    0.0.0.0/0: true\n"
      "    10.0.0.0/8: false\n"
      "    10.42.42.0/24: true\n");
  const AllowList& rules = mixed.lighthouse.remote_allow_list.list;
  EXPECT_TRUE(rules.Allows(Ip("1.1.1.1")));
  EXPECT_FALSE(rules.Allows(Ip("10.1.1.1")));
  EXPECT_TRUE(rules.Allows(Ip("10.42.42.42")));

  Config unset = LoadLighthouse("");
  EXPECT_TRUE(unset.lighthouse.remote_allow_list.Allows(Ip("192.168.100.2"), Ip("10.1.1.1")));
}

TEST(AllowLists, InsideRangesApplyOnlyToTheirOverlayHosts) {
  Config config = LoadLighthouse(
      "  remote_allow_ranges:\n"
      "    10.42.42.0/24:\n"
      "      192.168.0.0/16: true\n");
  const RemoteAllowList& list = config.lighthouse.remote_allow_list;
  EXPECT_TRUE(list.Allows(Ip("10.42.42.5"), Ip("192.168.1.1")));
  EXPECT_FALSE(list.Allows(Ip("10.42.42.5"), Ip("198.51.100.1")));
  EXPECT_TRUE(list.Allows(Ip("10.42.43.5"), Ip("198.51.100.1")));
}

TEST(AllowLists, InterfaceRulesMatchWholeNames) {
  Config config = LoadLighthouse(
      "  local_allow_list:\n"
      "    interfaces:\n"
      "      tun0: false\n"
      "      'docker.*': false\n"
      "    10.0.0.0/8: true\n");
  const LocalAllowList& list = config.lighthouse.local_allow_list;
  EXPECT_FALSE(list.AllowsInterface("tun0"));
  EXPECT_FALSE(list.AllowsInterface("docker0"));
  EXPECT_TRUE(list.AllowsInterface("tun01"));  // anchored: "tun0" does not match "tun01"
  EXPECT_TRUE(list.AllowsInterface("eth0"));
  EXPECT_TRUE(list.Allows(Ip("10.1.1.1")));
  EXPECT_FALSE(list.Allows(Ip("192.0.2.1")));
  EXPECT_TRUE(LocalAllowList{}.AllowsInterface("anything"));
}

TEST(YamlForms, IntegersAsYamlV2ReadsThem) {
  auto load = [](const std::string& value) {
    auto config = LoadConfigFromString(
        "pki: {ca: a, cert: b, key: c}\ntun: {tx_queue: " + value + "}\n", "config.yml", nullptr);
    EXPECT_TRUE(config.ok()) << value << ": " << config.status().message();
    return config.ok() ? config->tun.tx_queue : -1;
  };
  EXPECT_EQ(load("1000"), 1000);
  EXPECT_EQ(load("+1000"), 1000);
  EXPECT_EQ(load("1_000"), 1000);
  EXPECT_EQ(load("0x3e8"), 1000);
  EXPECT_EQ(load("0o1750"), 1000);
  EXPECT_EQ(load("01750"), 1000);  // yaml.v2 reads a leading 0 as octal
  EXPECT_EQ(load("0800"), 800);    // ...unless a digit says otherwise
  EXPECT_EQ(load("0b1111101000"), 1000);
  EXPECT_EQ(load("\"1000\""), 1000);
}

TEST(YamlForms, MergeKeysAndAnchors) {
  auto config = LoadConfigFromString(
      "pki: {ca: a, cert: b, key: c}\n"
      "x-rule: &any {port: any, proto: any}\n"
      "firewall:\n"
      "  outbound:\n"
      "    - <<: *any\n"
      "      host: any\n"
      "  inbound:\n"
      "    - <<: *any\n"
      "      proto: icmp\n"
      "      group: ops\n",
      "config.yml", nullptr);
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->firewall.outbound.size(), 1u);
  EXPECT_EQ(config->firewall.outbound[0].port, "any");
  EXPECT_EQ(config->firewall.outbound[0].host, "any");
  ASSERT_EQ(config->firewall.inbound.size(), 1u);
  EXPECT_EQ(config->firewall.inbound[0].proto, "icmp");  // explicit keys beat merged ones
  EXPECT_EQ(config->firewall.inbound[0].port, "any");
}

}  // namespace
}  // namespace flatnet::config
