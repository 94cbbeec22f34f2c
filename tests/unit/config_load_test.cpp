// Loading good configs: nebula's own example, nebula's defaults, inline PEM, directories,
// legacy forms, and the warnings a user should see.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/config.h"
#include "config_test_support.h"

namespace flatnet::config {
namespace {

using config_test::kPki;
using config_test::MustLoad;

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

std::vector<std::string> Texts(const std::vector<Warning>& warnings) {
  std::vector<std::string> out;
  for (const auto& warning : warnings) out.push_back(warning.ToString());
  return out;
}

bool HasWarning(const std::vector<Warning>& warnings, const std::string& text) {
  for (const auto& warning : warnings) {
    if (warning.ToString() == text) return true;
  }
  return false;
}

TEST(ConfigLoad, NebulasExampleConfigLoadsCleanly) {
  std::vector<Warning> warnings;
  auto loaded = LoadConfig(config_test::ConfigDataPath("nebula_example.yml"), &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(Texts(warnings));
  const Config& config = *loaded;

  EXPECT_EQ(config.pki.ca.value, "/etc/nebula/ca.crt");
  EXPECT_FALSE(config.pki.ca.is_inline);
  EXPECT_EQ(config.pki.ca.line, 8);
  ASSERT_EQ(config.static_host_map.size(), 1u);
  EXPECT_EQ(config.static_host_map[0].vpn_ip.ToString(), "192.168.100.1");
  ASSERT_EQ(config.static_host_map[0].addresses.size(), 1u);
  EXPECT_EQ(config.static_host_map[0].addresses[0].host, "100.64.22.11");
  EXPECT_EQ(config.static_host_map[0].addresses[0].port, 4242);
  EXPECT_EQ(config.static_host_map[0].line, 23);
  EXPECT_FALSE(config.lighthouse.am_lighthouse);
  EXPECT_EQ(config.lighthouse.interval_seconds, 60);
  ASSERT_EQ(config.lighthouse.hosts.size(), 1u);
  EXPECT_EQ(config.lighthouse.hosts[0].ToString(), "192.168.100.1");
  EXPECT_EQ(config.listen.host, "0.0.0.0");
  EXPECT_EQ(config.listen.port, 4242);
  EXPECT_TRUE(config.punchy.punch);
  EXPECT_FALSE(config.punchy.respond);
  EXPECT_EQ(config.cipher, Cipher::kAes);
  EXPECT_FALSE(config.relay.am_relay);
  EXPECT_TRUE(config.relay.use_relays);
  EXPECT_EQ(config.tun.dev, "nebula1");
  EXPECT_EQ(config.tun.mtu, 1300);
  EXPECT_TRUE(config.tun.routes.empty());
  EXPECT_EQ(config.logging.level, log::Level::kInfo);
  EXPECT_EQ(config.logging.format, log::Format::kText);
  EXPECT_EQ(config.firewall.conntrack.tcp_timeout, minutes(12));

  ASSERT_EQ(config.firewall.outbound.size(), 1u);
  EXPECT_EQ(config.firewall.outbound[0].port, "any");
  EXPECT_EQ(config.firewall.outbound[0].host, "any");
  EXPECT_EQ(config.firewall.outbound[0].line, 282);
  ASSERT_EQ(config.firewall.inbound.size(), 2u);
  EXPECT_EQ(config.firewall.inbound[0].proto, "icmp");
  EXPECT_EQ(config.firewall.inbound[0].line, 288);
  EXPECT_EQ(config.firewall.inbound[1].port, "443");
  EXPECT_EQ(config.firewall.inbound[1].proto, "tcp");
  EXPECT_EQ(config.firewall.inbound[1].groups, (std::vector<std::string>{"laptop", "home"}));
  EXPECT_EQ(config.firewall.inbound[1].line, 293);
}

TEST(ConfigLoad, AbsentKeysTakeNebulasDefaults) {
  std::vector<Warning> warnings;
  Config config = MustLoad("lighthouse: {am_lighthouse: true}\nlisten: {port: 4242}\n", &warnings);
  EXPECT_TRUE(config.pki.blocklist.empty());
  EXPECT_TRUE(config.pki.disconnect_invalid);  // nebula 1.8+
  EXPECT_TRUE(config.static_host_map.empty());
  EXPECT_FALSE(config.lighthouse.serve_dns);
  EXPECT_EQ(config.lighthouse.dns_host, "");
  EXPECT_EQ(config.lighthouse.dns_port, 53);
  EXPECT_EQ(config.lighthouse.interval_seconds, 10);
  EXPECT_TRUE(config.lighthouse.remote_allow_list.list.empty());
  EXPECT_TRUE(config.lighthouse.local_allow_list.list.empty());
  EXPECT_TRUE(config.lighthouse.advertise_addrs.empty());
  EXPECT_EQ(config.listen.host, "0.0.0.0");
  EXPECT_EQ(config.listen.batch, 64);
  EXPECT_EQ(config.listen.read_buffer, 0);
  EXPECT_EQ(config.listen.write_buffer, 0);
  EXPECT_EQ(config.listen.send_recv_error, SendRecvError::kAlways);
  EXPECT_FALSE(config.punchy.punch);
  EXPECT_FALSE(config.punchy.respond);
  EXPECT_EQ(config.punchy.delay, seconds(1));
  EXPECT_EQ(config.punchy.respond_delay, seconds(5));
  EXPECT_EQ(config.punchy.early_delay, std::chrono::milliseconds(100));  // flatnet's own
  EXPECT_EQ(config.cipher, Cipher::kAes);
  EXPECT_TRUE(config.preferred_ranges.empty());
  EXPECT_FALSE(config.relay.am_relay);
  EXPECT_TRUE(config.relay.use_relays);
  EXPECT_TRUE(config.relay.relays.empty());
  EXPECT_FALSE(config.tun.disabled);
  EXPECT_EQ(config.tun.dev, "");
  EXPECT_FALSE(config.tun.drop_local_broadcast);
  EXPECT_FALSE(config.tun.drop_multicast);
  EXPECT_EQ(config.tun.tx_queue, 500);
  EXPECT_EQ(config.tun.mtu, 1300);
  EXPECT_EQ(config.logging.level, log::Level::kInfo);
  EXPECT_EQ(config.logging.format, log::Format::kText);
  EXPECT_FALSE(config.logging.disable_timestamp);
  EXPECT_EQ(config.logging.timestamp_format, "");
  EXPECT_EQ(config.handshakes.try_interval, milliseconds(100));
  EXPECT_EQ(config.handshakes.retries, 10);
  EXPECT_EQ(config.handshakes.trigger_buffer, 64);
  EXPECT_EQ(config.timers.connection_alive_interval_seconds, 5);
  EXPECT_EQ(config.timers.pending_deletion_interval_seconds, 10);
  EXPECT_EQ(config.routines, 1);
  EXPECT_EQ(config.firewall.conntrack.tcp_timeout, minutes(12));
  EXPECT_EQ(config.firewall.conntrack.udp_timeout, minutes(3));
  EXPECT_EQ(config.firewall.conntrack.default_timeout, minutes(10));
  EXPECT_EQ(config.firewall.conntrack.routine_cache_timeout, seconds(0));
  EXPECT_TRUE(config.firewall.inbound.empty());
  EXPECT_TRUE(config.firewall.outbound.empty());
  EXPECT_EQ(config.stats.type, "");
  EXPECT_FALSE(config.sshd.enabled);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(Texts(warnings));

  // listen.port's default in nebula's code is 0 (any port), not the example's 4242.
  EXPECT_EQ(MustLoad("").listen.port, 0);
}

TEST(ConfigLoad, PkiValuesAreInlinePemOrPaths) {
  Config config = MustLoad("");
  EXPECT_FALSE(config.pki.cert.is_inline);
  EXPECT_EQ(config.pki.cert.value, "/etc/nebula/host.crt");

  const std::string pem =
      "-----BEGIN NEBULA CERTIFICATE-----\nCkAKDnRlc3QgY2EAAA==\n-----END NEBULA "
      "CERTIFICATE-----\n";
  auto loaded = LoadConfigFromString(
      "pki:\n"
      "  ca: |\n"
      "    -----BEGIN NEBULA CERTIFICATE-----\n"
      "    CkAKDnRlc3QgY2EAAA==\n"
      "    -----END NEBULA CERTIFICATE-----\n"
      "  cert: host.crt\n"
      "  key: host.key\n",
      "config.yml", nullptr);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->pki.ca.is_inline);
  EXPECT_EQ(loaded->pki.ca.value, pem);
  EXPECT_EQ(loaded->pki.ca.line, 2);
  auto text = ReadPem(loaded->pki.ca);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, pem);
  EXPECT_EQ(loaded->pki.cert.value, "host.crt");
}

TEST(ConfigLoad, ReadPemReadsTheFileAndBlamesTheKeyWhenItCannot) {
  char dir_template[] = "/tmp/flatnet-config-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::ofstream(dir + "/ca.crt") << "-----BEGIN NEBULA CERTIFICATE-----\nAA==\n";
  auto loaded = LoadConfigFromString(
      "pki:\n  ca: " + dir + "/ca.crt\n  cert: " + dir + "/missing.crt\n  key: k\n",
      "/etc/nebula/config.yml", nullptr);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  auto ca = ReadPem(loaded->pki.ca);
  ASSERT_TRUE(ca.ok()) << ca.status().message();
  EXPECT_EQ(*ca, "-----BEGIN NEBULA CERTIFICATE-----\nAA==\n");
  auto cert = ReadPem(loaded->pki.cert);
  ASSERT_FALSE(cert.ok());
  EXPECT_EQ(cert.status().message(), "/etc/nebula/config.yml:3: pki.cert: cannot read " + dir +
                                         "/missing.crt: No such file or directory");
  std::filesystem::remove_all(dir);
}

TEST(ConfigLoad, DirectoryFilesMergeLikeNebula) {
  std::vector<Warning> warnings;
  auto loaded = LoadConfig(config_test::ConfigDataPath("dir"), &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(Texts(warnings));
  EXPECT_EQ(loaded->pki.key.value, "/etc/nebula/host.key");  // only in the first file
  EXPECT_EQ(loaded->listen.port, 5353);                      // the later file wins
  EXPECT_EQ(loaded->tun.mtu, 1400);                          // from a subdirectory
  // Lists concatenate, the later file's items first (nebula's mergo.WithAppendSlice).
  ASSERT_EQ(loaded->firewall.inbound.size(), 2u);
  EXPECT_EQ(loaded->firewall.inbound[0].port, "443");
  EXPECT_EQ(loaded->firewall.inbound[0].groups, std::vector<std::string>{"web"});
  EXPECT_EQ(loaded->firewall.inbound[1].proto, "icmp");
}

TEST(ConfigLoad, ErrorsInADirectoryNameTheFileTheValueCameFrom) {
  char dir_template[] = "/tmp/flatnet-config-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::ofstream(dir + "/a.yml") << kPki;
  std::ofstream(dir + "/b.yml") << "# comment\nlisten:\n  port: nope\n";
  auto loaded = LoadConfig(dir, nullptr);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            dir + "/b.yml:3: listen.port: \"nope\" is not a port number (0-65535)");

  std::filesystem::remove(dir + "/a.yml");
  std::filesystem::remove(dir + "/b.yml");
  auto empty = LoadConfig(dir, nullptr);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), dir + ": no *.yml or *.yaml config files found");
  std::filesystem::remove_all(dir);

  auto missing = LoadConfig(dir + "/nothing.yml", nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir + "/nothing.yml"), std::string::npos);
}

TEST(ConfigLoad, LegacyPunchyFormsStillWork) {
  std::vector<Warning> warnings;
  Config legacy = MustLoad("punchy: true\npunch_back: true\n", &warnings);
  EXPECT_TRUE(legacy.punchy.punch);
  EXPECT_TRUE(legacy.punchy.respond);
  EXPECT_TRUE(HasWarning(warnings,
                         "config.yml:5: punchy: `punchy: <bool>` is deprecated, use punchy.punch"));
  EXPECT_TRUE(HasWarning(warnings, "config.yml:6: punch_back: is deprecated, use punchy.respond"));

  // The new keys win over the legacy ones.
  warnings.clear();
  Config both = MustLoad(
      "punchy:\n  punch: false\n  respond: true\n  delay: 250ms\n"
      "punch_back: false\n",
      &warnings);
  EXPECT_FALSE(both.punchy.punch);
  EXPECT_TRUE(both.punchy.respond);
  EXPECT_EQ(both.punchy.delay, milliseconds(250));
  EXPECT_TRUE(
      HasWarning(warnings, "config.yml:9: punch_back: ignored because punchy.respond is set"));
  EXPECT_FALSE(HasWarning(warnings, "config.yml:9: unknown key \"punch_back\""));
}

TEST(ConfigLoad, LocalRangeJoinsPreferredRanges) {
  std::vector<Warning> warnings;
  Config config = MustLoad(
      "preferred_ranges: [\"172.16.0.0/24\", \"10.1.2.3/8\"]\nlocal_range: 192.168.0.0/16\n",
      &warnings);
  ASSERT_EQ(config.preferred_ranges.size(), 3u);
  EXPECT_EQ(config.preferred_ranges[0].ToString(), "172.16.0.0/24");
  EXPECT_EQ(config.preferred_ranges[1].ToString(), "10.0.0.0/8");  // masked like ParseCIDR
  EXPECT_EQ(config.preferred_ranges[2].ToString(), "192.168.0.0/16");
  EXPECT_TRUE(
      HasWarning(warnings, "config.yml:6: local_range: is deprecated, use preferred_ranges"));
  // Not added twice.
  EXPECT_EQ(MustLoad("preferred_ranges: [\"10.0.0.0/8\"]\nlocal_range: 10.0.0.0/8\n")
                .preferred_ranges.size(),
            1u);
}

TEST(ConfigLoad, RoutinesAndTheirConntrackCacheDefault) {
  Config many = MustLoad("routines: 4\n");
  EXPECT_EQ(many.routines, 4);
  EXPECT_EQ(many.firewall.conntrack.routine_cache_timeout, seconds(1));
  Config set = MustLoad("routines: 4\nfirewall: {conntrack: {routine_cache_timeout: 0}}\n");
  EXPECT_EQ(set.firewall.conntrack.routine_cache_timeout, seconds(0));
  std::vector<Warning> warnings;
  Config old = MustLoad("tun: {routines: 2}\nlisten: {routines: 3}\n", &warnings);
  EXPECT_EQ(old.routines, 3);
  EXPECT_TRUE(HasWarning(
      warnings, "config.yml:5: tun.routines/listen.routines: is deprecated, use routines"));
  // With `routines` set the old keys are known (no "unknown key"), just unused.
  warnings.clear();
  EXPECT_EQ(MustLoad("routines: 2\ntun: {routines: 8}\n", &warnings).routines, 2);
  EXPECT_FALSE(HasWarning(warnings, "config.yml:6: unknown key \"tun.routines\""));
  EXPECT_EQ(warnings.size(), 1u) << ::testing::PrintToString(Texts(warnings));  // hosts empty
}

TEST(ConfigLoad, UnknownKeysAreWarningsWithTheirLine) {
  std::vector<Warning> warnings;
  MustLoad(
      "listen:\n"
      "  prot: 4242\n"  // line 6
      "lighthuose:\n"   // line 7
      "  hosts: []\n"
      "tun:\n"
      "  routes:\n"
      "    - {mtu: 9000, route: 10.0.0.0/16, via: x}\n"  // line 11
      "firewall:\n"
      "  inbound:\n"
      "    - {port: 1, proto: tcp, host: any, hots: a}\n"  // line 14
      "pki_extra: 1\n",                                    // line 15
      &warnings);
  EXPECT_TRUE(HasWarning(warnings, "config.yml:6: unknown key \"listen.prot\""));
  EXPECT_TRUE(HasWarning(warnings, "config.yml:7: unknown key \"lighthuose\""));
  EXPECT_TRUE(HasWarning(warnings, "config.yml:11: unknown key \"tun.routes.via\""));
  EXPECT_TRUE(HasWarning(warnings, "config.yml:14: unknown key \"firewall.inbound.hots\""));
  EXPECT_TRUE(HasWarning(warnings, "config.yml:15: unknown key \"pki_extra\""));
}

TEST(ConfigLoad, DuplicateKeysWarnAndTheLastOneWins) {
  std::vector<Warning> warnings;
  Config config = MustLoad("listen:\n  port: 1\n  port: 2\n", &warnings);
  EXPECT_EQ(config.listen.port, 2);
  EXPECT_TRUE(HasWarning(
      warnings,
      "config.yml:7: duplicate key \"listen.port\" (first on line 6); the last one is used"));
}

TEST(ConfigLoad, FeaturesFlatnetLacksAreAcceptedWithAWarning) {
  std::vector<Warning> warnings;
  Config config = MustLoad(
      "sshd:\n"
      "  enabled: true\n"
      "  listen: 127.0.0.1:2222\n"
      "  host_key: ./ssh_host_ed25519_key\n"
      "  authorized_users:\n"
      "    - user: steeeeve\n"
      "      keys: [\"ssh-ed25519 AAAA\"]\n"
      "stats:\n"
      "  type: prometheus\n"
      "  listen: 127.0.0.1:8080\n"
      "  path: /metrics\n"
      "  interval: 10s\n",
      &warnings);
  EXPECT_TRUE(config.sshd.enabled);
  ASSERT_EQ(config.sshd.authorized_users.size(), 1u);
  EXPECT_EQ(config.sshd.authorized_users[0].user, "steeeeve");
  EXPECT_EQ(config.stats.interval, seconds(10));
  EXPECT_TRUE(HasWarning(warnings, "config.yml:6: sshd: not supported by flatnet yet; ignored"));
  // prometheus is served now: no warning for it.
  for (const Warning& warning : warnings) EXPECT_EQ(warning.ToString().find("stats"), std::string::npos);
}

TEST(ConfigLoad, GraphiteStatsAreAcceptedWithAWarning) {
  std::vector<Warning> warnings;
  MustLoad(
      "stats:\n"
      "  type: graphite\n"
      "  host: 127.0.0.1:2003\n"
      "  interval: 10s\n",
      &warnings);
  EXPECT_TRUE(HasWarning(
      warnings,
      "config.yml:6: stats: graphite is not supported by flatnet yet; ignored (type: prometheus is)"));
}

TEST(ConfigLoad, AcceptsTheValueFormsNebulaAccepts) {
  Config config = MustLoad(
      "tun: {disabled: yes, drop_multicast: On, drop_local_broadcast: n, tx_queue: 0x100}\n"
      "listen: {batch: 1_000, send_recv_error: private, host: \"[::]\"}\n"
      "relay: {use_relays: off, relays: [192.168.100.9]}\n"
      "cipher: chachapoly\n"
      "handshakes: {try_interval: 1.5s, retries: 20}\n"
      "lighthouse: {advertise_addrs: [\"192.0.2.7:0\", \"[2001:db8::1]:4242\"]}\n"
      "logging: {level: DEBUG, format: JSON, disable_timestamp: true,\n"
      "          timestamp_format: \"2006-01-02T15:04:05.000Z07:00\"}\n");
  EXPECT_TRUE(config.tun.disabled);
  EXPECT_TRUE(config.tun.drop_multicast);
  EXPECT_FALSE(config.tun.drop_local_broadcast);
  EXPECT_EQ(config.tun.tx_queue, 256);
  EXPECT_EQ(config.listen.batch, 1000);
  EXPECT_EQ(config.listen.send_recv_error, SendRecvError::kPrivate);
  EXPECT_EQ(config.listen.host, "[::]");
  EXPECT_FALSE(config.relay.use_relays);
  EXPECT_EQ(config.relay.relays.at(0).ToString(), "192.168.100.9");
  EXPECT_EQ(config.cipher, Cipher::kChaChaPoly);
  EXPECT_EQ(config.handshakes.try_interval, milliseconds(1500));
  EXPECT_EQ(config.handshakes.retries, 20);
  ASSERT_EQ(config.lighthouse.advertise_addrs.size(), 2u);
  EXPECT_EQ(config.lighthouse.advertise_addrs[0].port, 0);
  EXPECT_EQ(config.lighthouse.advertise_addrs[1].ip->ToString(), "2001:db8::1");
  log::Options options = config.logging.ToOptions();
  EXPECT_EQ(options.level, log::Level::kDebug);
  EXPECT_EQ(options.format, log::Format::kJson);
  EXPECT_TRUE(options.disable_timestamp);
  EXPECT_EQ(options.timestamp_format, "2006-01-02T15:04:05.000Z07:00");
}

TEST(ConfigLoad, BlocklistIncludesTheDeprecatedBlacklist) {
  std::vector<Warning> warnings;
  auto loaded = LoadConfigFromString(
      "pki:\n"
      "  ca: ca.crt\n"
      "  cert: host.crt\n"
      "  key: host.key\n"
      "  disconnect_invalid: true\n"
      "  blocklist:\n"
      "    - c99d4e650533b92061b09918e838a5a0a6aaee21eed1d12fd937682865936c72\n"
      "  blacklist: [0000000000000000000000000000000000000000000000000000000000000000]\n",
      "config.yml", &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->pki.disconnect_invalid);
  EXPECT_EQ(loaded->pki.blocklist,
            (std::vector<std::string>{
                "c99d4e650533b92061b09918e838a5a0a6aaee21eed1d12fd937682865936c72",
                "0000000000000000000000000000000000000000000000000000000000000000"}));
  EXPECT_TRUE(HasWarning(
      warnings,
      "config.yml:8: pki.blacklist: is deprecated, use pki.blocklist (both are applied)"));
}

TEST(ConfigLoad, StaticHostMapKeepsNamesForLaterResolution) {
  Config config = MustLoad(
      "static_host_map:\n"
      "  \"192.168.100.1\": [\"lighthouse.example.com:4242\", \"198.51.100.1:4243\"]\n"
      "  \"192.168.100.2\": \"[2001:db8::2]:4242\"\n"
      "lighthouse:\n"
      "  hosts: [\"192.168.100.1\", \"192.168.100.2\"]\n");
  ASSERT_EQ(config.static_host_map.size(), 2u);
  const StaticHost& first = config.static_host_map[0];
  ASSERT_EQ(first.addresses.size(), 2u);
  EXPECT_EQ(first.addresses[0].host, "lighthouse.example.com");
  EXPECT_FALSE(first.addresses[0].ip.has_value());
  EXPECT_EQ(first.addresses[0].text, "lighthouse.example.com:4242");
  EXPECT_EQ(first.addresses[1].ip->ToString(), "198.51.100.1");
  EXPECT_EQ(first.addresses[1].port, 4243);
  EXPECT_EQ(config.static_host_map[1].addresses.at(0).ip->ToString(), "2001:db8::2");
  EXPECT_EQ(config.static_host_map[1].line, 7);
}

TEST(ConfigLoad, RoutesAndUnsafeRoutes) {
  Config config = MustLoad(
      "tun:\n"
      "  routes:\n"
      "    - mtu: 8800\n"
      "      route: 10.0.0.0/16\n"
      "  unsafe_routes:\n"
      "    - route: 172.16.1.0/24\n"
      "      via: 192.168.100.99\n"
      "      mtu: 1300\n"
      "      metric: 100\n"
      "    - route: 172.16.2.0/24\n"
      "      via: 192.168.100.98\n");
  ASSERT_EQ(config.tun.routes.size(), 1u);
  EXPECT_EQ(config.tun.routes[0].mtu, 8800);
  EXPECT_EQ(config.tun.routes[0].network.ToString(), "10.0.0.0/16");
  EXPECT_EQ(config.tun.routes[0].line, 7);
  ASSERT_EQ(config.tun.unsafe_routes.size(), 2u);
  EXPECT_EQ(config.tun.unsafe_routes[0].via.ToString(), "192.168.100.99");
  EXPECT_EQ(config.tun.unsafe_routes[0].metric, 100);
  EXPECT_EQ(config.tun.unsafe_routes[0].mtu, 1300);
  EXPECT_EQ(config.tun.unsafe_routes[1].mtu, 0);  // 0 = use tun.mtu
  EXPECT_EQ(config.tun.unsafe_routes[1].metric, 0);
}

TEST(ConfigLoad, FirewallRuleForms) {
  std::vector<Warning> warnings;
  Config config = MustLoad(
      "firewall:\n"
      "  inbound:\n"
      "    - {port: 80, proto: tcp, group: [web]}\n"
      "    - {code: 8, proto: icmp, groups: admin, ca_name: \"our ca\"}\n"
      "    - port: 200-901\n"
      "      proto: udp\n"
      "      cidr: 10.0.0.0/8\n"
      "      ca_sha: abc\n"
      "      host: laptop\n",
      &warnings);
  const auto& rules = config.firewall.inbound;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].groups, std::vector<std::string>{"web"});
  EXPECT_TRUE(HasWarning(warnings,
                         "config.yml:7: firewall.inbound[0].group: is a list with one value; use "
                         "`group: name` (or `groups:` for several)"));
  EXPECT_EQ(rules[1].code, "8");
  EXPECT_EQ(rules[1].port, "");
  EXPECT_EQ(rules[1].groups, std::vector<std::string>{"admin"});
  EXPECT_EQ(rules[1].ca_name, "our ca");
  EXPECT_EQ(rules[2].port, "200-901");
  EXPECT_EQ(rules[2].cidr, "10.0.0.0/8");
  EXPECT_EQ(rules[2].ca_sha, "abc");
  EXPECT_EQ(rules[2].host, "laptop");
  EXPECT_EQ(rules[2].line, 9);
}

TEST(ConfigLoad, LighthouseWarningsNebulaAlsoGives) {
  std::vector<Warning> warnings;
  MustLoad("lighthouse: {interval: 5}\n", &warnings);
  EXPECT_TRUE(HasWarning(warnings,
                         "config.yml:5: lighthouse.hosts: is empty: this host can only reach "
                         "hosts listed in static_host_map"));
  warnings.clear();
  MustLoad(
      "static_host_map: {\"192.168.100.1\": [\"198.51.100.1:4242\"]}\n"
      "lighthouse: {am_lighthouse: true, hosts: [\"192.168.100.1\"]}\n"
      "listen: {port: 4242}\n"
      "relay: {am_relay: true, relays: [\"192.168.100.1\"]}\n",
      &warnings);
  EXPECT_TRUE(HasWarning(
      warnings,
      "config.yml:6: lighthouse.hosts: should be empty on a lighthouse (am_lighthouse: true)"));
  EXPECT_TRUE(HasWarning(warnings,
                         "config.yml:8: relay.relays: ignored because relay.am_relay is true (a "
                         "relay cannot use relays)"));
}

}  // namespace
}  // namespace flatnet::config
