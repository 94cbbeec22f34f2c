// Every class of bad config.yml input: the error is one line naming the file, the line and
// the key, and loading never crashes.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"

namespace flatnet::config {
namespace {

using config_test::kPki;

struct BadCase {
  const char* name;
  const char* yaml;      // appended to kPki
  const char* expected;  // the whole error message
};

const BadCase kCases[] = {
    {"port not a number", "listen:\n  port: abc\n",
     "config.yml:6: listen.port: \"abc\" is not a port number (0-65535)"},
    {"port too large", "listen: {port: 70000}\n",
     "config.yml:5: listen.port: \"70000\" is not a port number (0-65535)"},
    {"port is a list", "listen:\n  port: [1]\n",
     "config.yml:6: listen.port: a list is not a port number (0-65535)"},
    {"dns port", "lighthouse:\n  dns:\n    port: -1\n",
     "config.yml:7: lighthouse.dns.port: \"-1\" is not a port number (0-65535)"},
    {"unknown cipher", "cipher: des\n",
     "config.yml:5: cipher: \"des\" is not a cipher (aes or chachapoly)"},
    {"cipher is case sensitive like nebula", "cipher: AES\n",
     "config.yml:5: cipher: \"AES\" is not a cipher (aes or chachapoly)"},
    {"not a boolean", "tun:\n  disabled: maybe\n",
     "config.yml:6: tun.disabled: \"maybe\" is not a boolean (use true or false)"},
    {"boolean given a map", "punchy:\n  punch: {a: 1}\n",
     "config.yml:6: punchy.punch: must be true or false, not a map"},
    {"integer with junk", "tun:\n  tx_queue: 12abc\n",
     "config.yml:6: tun.tx_queue: \"12abc\" is not a whole number"},
    {"mtu too small", "tun:\n  mtu: 100\n",
     "config.yml:6: tun.mtu: 100 is out of range (500-65535)"},
    {"float is not an int", "lighthouse:\n  interval: 1.5\n",
     "config.yml:6: lighthouse.interval: \"1.5\" is not a whole number"},
    {"duration without unit", "punchy:\n  delay: 5\n",
     "config.yml:6: punchy.delay: \"5\" is not a duration (a number with a unit: \"300ms\", "
     "\"2s\", \"1h30m\")"},
    {"duration with bad unit", "firewall:\n  conntrack:\n    tcp_timeout: 12 minutes\n",
     "config.yml:7: firewall.conntrack.tcp_timeout: \"12 minutes\" is not a duration (a number "
     "with a unit: \"300ms\", \"2s\", \"1h30m\")"},
    {"negative duration", "handshakes:\n  try_interval: -1s\n",
     "config.yml:6: handshakes.try_interval: \"-1s\" is negative"},
    {"zero try interval", "handshakes:\n  try_interval: 0s\n",
     "config.yml:6: handshakes.try_interval: must be more than 0"},
    {"string given a map", "tun:\n  dev: {name: x}\n",
     "config.yml:6: tun.dev: must be a single value, not a map"},
    {"interface name too long", "tun:\n  dev: a-very-long-device-name\n",
     "config.yml:6: tun.dev: \"a-very-long-device-name\" is longer than 15 characters"},
    {"hosts not a list", "lighthouse:\n  hosts: 192.168.100.1\n",
     "config.yml:6: lighthouse.hosts: must be a list of IP addresses"},
    {"host not an IP", "lighthouse:\n  hosts:\n    - 300.1.1.1\n",
     "config.yml:7: lighthouse.hosts: \"300.1.1.1\" is not an IP address"},
    {"lighthouse without static_host_map entry", "lighthouse:\n  hosts:\n    - 192.168.100.1\n",
     "config.yml:6: lighthouse.hosts: 192.168.100.1 has no static_host_map entry (its public "
     "address)"},
    {"lighthouse needs a port", "lighthouse:\n  am_lighthouse: true\n",
     "config.yml:6: lighthouse.am_lighthouse: a lighthouse needs a fixed listen.port (not 0)"},
    {"advertise_addrs entry", "lighthouse:\n  advertise_addrs: [\"1.1.1.1\"]\n",
     "config.yml:6: lighthouse.advertise_addrs: \"1.1.1.1\" is not host:port (missing port)"},
    {"static_host_map not a map", "static_host_map: [\"192.168.100.1\"]\n",
     "config.yml:5: static_host_map: must be a map of overlay IP to addresses, like "
     "\"192.168.100.1\": [\"198.51.100.1:4242\"]"},
    {"static_host_map key", "static_host_map:\n  \"lighthouse1\": [\"198.51.100.1:4242\"]\n",
     "config.yml:6: static_host_map: \"lighthouse1\" is not an overlay IP address"},
    {"static_host_map address without port",
     "static_host_map:\n  \"192.168.100.1\": [\"198.51.100.1\"]\n",
     "config.yml:6: static_host_map.192.168.100.1: \"198.51.100.1\" is not host:port (missing "
     "port)"},
    {"static_host_map bare IPv6", "static_host_map:\n  \"192.168.100.1\": [\"2001:db8::1:4242\"]\n",
     "config.yml:6: static_host_map.192.168.100.1: \"2001:db8::1:4242\" is not host:port (too "
     "many colons in address (write IPv6 as [addr]:port))"},
    {"static_host_map port", "static_host_map:\n  \"192.168.100.1\":\n    - \"h:99999\"\n",
     "config.yml:7: static_host_map.192.168.100.1: \"h:99999\" is not host:port (\"99999\" is "
     "not a port number (0-65535))"},
    {"preferred range", "preferred_ranges: [\"172.16.0.0\"]\n",
     "config.yml:5: preferred_ranges: \"172.16.0.0\" is not a CIDR (like 10.0.0.0/8)"},
    {"local range", "local_range: 10.0.0.0/33\n",
     "config.yml:5: local_range: \"10.0.0.0/33\" is not a CIDR (like 10.0.0.0/8)"},
    {"relay ip", "relay:\n  relays:\n    - relay1\n",
     "config.yml:7: relay.relays: \"relay1\" is not an IP address"},
    {"allow list mixed without default",
     "lighthouse:\n  remote_allow_list:\n    10.0.0.0/8: false\n    10.42.0.0/16: true\n",
     "config.yml:6: lighthouse.remote_allow_list: has both true and false rules but no default; "
     "add \"0.0.0.0/0\": true or false"},
    {"allow list value", "lighthouse:\n  remote_allow_list:\n    10.0.0.0/8: nope\n",
     "config.yml:7: lighthouse.remote_allow_list.10.0.0.0/8: \"nope\" is not a boolean (use true "
     "or false)"},
    {"allow list cidr", "lighthouse:\n  local_allow_list:\n    10.0.0.0: true\n",
     "config.yml:7: lighthouse.local_allow_list: \"10.0.0.0\" is not a CIDR (like 10.0.0.0/8)"},
    {"allow list not a map", "lighthouse:\n  remote_allow_list: [10.0.0.0/8]\n",
     "config.yml:6: lighthouse.remote_allow_list: must be a map of CIDR to true/false"},
    {"allow ranges inner", "lighthouse:\n  remote_allow_ranges:\n    10.42.42.0/24: true\n",
     "config.yml:7: lighthouse.remote_allow_ranges.10.42.42.0/24: must be a map of CIDR to "
     "true/false"},
    {"interfaces mixed",
     "lighthouse:\n  local_allow_list:\n    interfaces:\n      tun0: false\n"
     "      eth0: true\n",
     "config.yml:9: lighthouse.local_allow_list.interfaces: rules must all be true or all be "
     "false (the default is the opposite)"},
    {"interfaces regex",
     "lighthouse:\n  local_allow_list:\n    interfaces:\n      'docker[': false\n",
     nullptr},  // message text comes from std::regex; checked by prefix below
    {"route without mtu", "tun:\n  routes:\n    - route: 10.0.0.0/16\n",
     "config.yml:7: tun.routes.mtu: is required"},
    {"route mtu too small", "tun:\n  routes:\n    - {mtu: 400, route: 10.0.0.0/16}\n",
     "config.yml:7: tun.routes.mtu: 400 is below 500"},
    {"route not a cidr", "tun:\n  routes:\n    - mtu: 9000\n      route: 10.0.0.1\n",
     "config.yml:8: tun.routes.route: \"10.0.0.1\" is not a CIDR (like 10.0.0.0/8)"},
    {"routes not a list", "tun:\n  routes: {mtu: 9000}\n",
     "config.yml:6: tun.routes: must be a list of routes (`- route: 10.0.0.0/16` ...)"},
    {"unsafe route without via", "tun:\n  unsafe_routes:\n    - route: 172.16.1.0/24\n",
     "config.yml:7: tun.unsafe_routes.via: is required (the overlay IP to route through)"},
    {"unsafe route metric",
     "tun:\n  unsafe_routes:\n    - {route: 172.16.1.0/24, via: "
     "192.168.100.99, metric: -1}\n",
     "config.yml:7: tun.unsafe_routes.metric: -1 is out of range (0-2147483647)"},
    {"log level", "logging:\n  level: verbose\n",
     "config.yml:6: logging.level: not a valid log level: \"verbose\" (panic, fatal, error, "
     "warning, info, debug or trace)"},
    {"log format", "logging:\n  format: xml\n",
     "config.yml:6: logging.format: \"xml\" is not a log format (text or json)"},
    {"send_recv_error", "listen:\n  send_recv_error: sometimes\n",
     "config.yml:6: listen.send_recv_error: \"sometimes\" is not one of always, never, private"},
    {"firewall rules not a list", "firewall:\n  inbound:\n    port: any\n",
     "config.yml:6: firewall.inbound: must be a list of rules (`- port: 443` ...)"},
    {"firewall rule not a map", "firewall:\n  outbound:\n    - any\n",
     "config.yml:7: firewall.outbound[0]: a rule must be a map (port:, proto:, host: ...)"},
    {"firewall group with two names",
     "firewall:\n  inbound:\n    - port: any\n      proto: any\n      group: [a, b]\n",
     "config.yml:9: firewall.inbound[0].group: must be a single group name; use `groups:` to "
     "require several"},
    {"firewall group and groups",
     "firewall:\n  inbound:\n    - {port: any, proto: any, group: a, groups: [b]}\n",
     "config.yml:7: firewall.inbound[0]: has both group and groups; use only one"},
    {"firewall field is a map", "firewall:\n  inbound:\n    - {port: {from: 1}, proto: tcp}\n",
     "config.yml:7: firewall.inbound[0].port: must be a single value, not a map"},
    {"stats type", "stats:\n  type: statsd\n",
     "config.yml:6: stats.type: \"statsd\" is not a stats type (graphite, prometheus or none)"},
    {"stats without interval", "stats:\n  type: graphite\n  host: 127.0.0.1:9999\n",
     "config.yml:6: stats.interval: is required when stats.type is set (e.g. \"10s\")"},
    {"sshd port 22", "sshd:\n  enabled: true\n  listen: 0.0.0.0:22\n  host_key: k\n",
     "config.yml:7: sshd.listen: cannot use port 22"},
    {"routines negative", "routines: -2\n", "config.yml:5: routines: -2 is out of range (0-1024)"},
    {"yaml syntax", "listen:\n  port: [4242\n",
     "config.yml:7: YAML syntax error: end of sequence flow not found"},
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, ErrorNamesFileLineAndKey) {
  const BadCase& c = GetParam();
  std::vector<Warning> warnings;
  auto config = LoadConfigFromString(std::string(kPki) + c.yaml, "config.yml", &warnings);
  ASSERT_FALSE(config.ok()) << "accepted: " << c.yaml;
  if (c.expected) {
    EXPECT_EQ(config.status().message(), c.expected);
  } else {
    EXPECT_TRUE(config.status().message().starts_with(
        "config.yml:8: lighthouse.local_allow_list.interfaces: \"docker[\" is not a valid "
        "regular expression: "))
        << config.status().message();
  }
}

INSTANTIATE_TEST_SUITE_P(Config, BadConfig, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string name;
  for (const char* p = info.param.name; *p; ++p) {
    name += isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
  }
  return name;
});

TEST(ConfigErrors, MissingPkiIsAnErrorForEachKey) {
  auto config = LoadConfigFromString("listen:\n  port: 4242\n", "config.yml", nullptr);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "config.yml: pki.ca: is required: the path to the CA certificate(s) or its PEM text "
            "inline\n"
            "config.yml: pki.cert: is required: the path to this host's certificate or its PEM "
            "text inline\n"
            "config.yml: pki.key: is required: the path to this host's private key or its PEM "
            "text inline");

  auto partial =
      LoadConfigFromString("pki:\n  ca: ca.crt\n  cert: \"\"\n  key: [a]\n", "config.yml", nullptr);
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.status().message(),
            "config.yml:3: pki.cert: is empty; give the path to this host's certificate\n"
            "config.yml:4: pki.key: must be a single value, not a list");
}

TEST(ConfigErrors, EveryProblemIsReportedOnItsOwnLine) {
  auto config = LoadConfigFromString(std::string(kPki) +
                                         "listen:\n"
                                         "  port: x\n"
                                         "cipher: rot13\n"
                                         "tun:\n"
                                         "  mtu: 1\n",
                                     "config.yml", nullptr);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "config.yml:6: listen.port: \"x\" is not a port number (0-65535)\n"
            "config.yml:7: cipher: \"rot13\" is not a cipher (aes or chachapoly)\n"
            "config.yml:9: tun.mtu: 1 is out of range (500-65535)");
}

TEST(ConfigErrors, TopLevelMustBeAMap) {
  auto list = LoadConfigFromString("- a\n- b\n", "config.yml", nullptr);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().message(),
            "config.yml:1: the top level must be a map of settings (like `listen:`), not a list");
  auto tab = LoadConfigFromString("pki:\n\tca: x\n", "config.yml", nullptr);
  ASSERT_FALSE(tab.ok());
  EXPECT_TRUE(tab.status().message().starts_with("config.yml:2: YAML syntax error: "))
      << tab.status().message();
}

TEST(ConfigErrors, GarbageNeverCrashes) {
  // Truncations and byte flips of a real config must yield a config or an error, never a
  // crash or an exception.
  std::string good = std::string(kPki) +
                     "static_host_map:\n  \"192.168.100.1\": [\"198.51.100.1:4242\"]\n"
                     "lighthouse: {hosts: [\"192.168.100.1\"], remote_allow_list: "
                     "{\"10.0.0.0/8\": false}}\n"
                     "firewall:\n  inbound:\n    - {port: 443, proto: tcp, groups: [a, b]}\n"
                     "x: &anchor {a: [1, 2]}\ny:\n  <<: *anchor\n  b: \"\\u00e9\"\n";
  ASSERT_TRUE(LoadConfigFromString(good, "config.yml", nullptr).ok());
  const char kNoise[] = "\0\t\n :[]{}&*!|>'\"%@`-?,#";
  size_t results = 0;
  for (size_t cut = 0; cut < good.size(); ++cut) {
    auto truncated = LoadConfigFromString(good.substr(0, cut), "config.yml", nullptr);
    std::string flipped = good;
    flipped[cut] = kNoise[cut % (sizeof(kNoise) - 1)];
    auto changed = LoadConfigFromString(flipped, "config.yml", nullptr);
    results += truncated.ok() + changed.ok();
    if (!changed.ok()) {
      ASSERT_TRUE(changed.status().message().starts_with("config.yml"))
          << changed.status().message();
    }
  }
  EXPECT_GT(results, 0u);
}

TEST(ConfigErrors, AliasBombIsRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  auto config = LoadConfigFromString(bomb, "config.yml", nullptr);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("too large"), std::string::npos)
      << config.status().message();
}

}  // namespace
}  // namespace flatnet::config
