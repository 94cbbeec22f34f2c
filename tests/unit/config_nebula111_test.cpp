// The config.yml keys of Nebula 1.7 to 1.11.1: their defaults, their accepted forms, and the
// errors and warnings bad values give (each naming file, line and key).
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

// The warnings as text, less the one every test config here gets (no lighthouse.hosts).
std::vector<std::string> Texts(const std::vector<Warning>& warnings) {
  std::vector<std::string> out;
  for (const auto& warning : warnings) {
    if (warning.message.starts_with("lighthouse.hosts: is empty")) continue;
    out.push_back(warning.ToString());
  }
  return out;
}

std::string ErrorOf(const std::string& rest) {
  auto config = LoadConfigFromString(kPki + rest, "config.yml", nullptr);
  EXPECT_FALSE(config.ok()) << "accepted: " << rest;
  return config.ok() ? "" : config.status().message();
}

TEST(ConfigNebula111, ExampleConfigOf1111LoadsWithoutWarnings) {
  std::vector<Warning> warnings;
  auto loaded = LoadConfig(config_test::ConfigDataPath("nebula_1.11.1_example.yml"), &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(Texts(warnings));
  EXPECT_EQ(loaded->firewall.inbound_action, FirewallAction::kDrop);
  EXPECT_EQ(loaded->firewall.outbound_action, FirewallAction::kDrop);
  EXPECT_EQ(loaded->listen.host, "::");
  ASSERT_EQ(loaded->firewall.inbound.size(), 3u);
  EXPECT_EQ(loaded->firewall.inbound[2].local_cidr, "192.168.100.1/24");
}

TEST(ConfigNebula111, AbsentKeysTake1111Defaults) {
  Config config = MustLoad("");
  EXPECT_TRUE(config.pki.disconnect_invalid);
  EXPECT_EQ(config.pki.initiating_version, 0);
  EXPECT_EQ(config.firewall.inbound_action, FirewallAction::kDrop);
  EXPECT_EQ(config.firewall.outbound_action, FirewallAction::kDrop);
  EXPECT_FALSE(config.firewall.default_local_cidr_any);
  EXPECT_FALSE(config.tunnels.drop_inactive);
  EXPECT_EQ(config.tunnels.inactivity_timeout, minutes(10));
  EXPECT_EQ(config.listen.accept_recv_error, SendRecvError::kAlways);
  EXPECT_EQ(config.listen.so_mark, 0u);
  EXPECT_TRUE(config.lighthouse.calculated_remotes.empty());
  EXPECT_EQ(config.static_map.cadence, seconds(30));
  EXPECT_EQ(config.static_map.network, StaticMapNetwork::kIp4);
  EXPECT_EQ(config.static_map.lookup_timeout, milliseconds(250));
  EXPECT_FALSE(config.tun.use_system_route_table);
  EXPECT_FALSE(config.punchy.target_all_remotes);
}

TEST(ConfigNebula111, FirewallActionsAndLocalCidrDefault) {
  Config config = MustLoad(
      "firewall:\n"
      "  inbound_action: reject\n"
      "  outbound_action: drop\n"
      "  default_local_cidr_any: true\n");
  EXPECT_EQ(config.firewall.inbound_action, FirewallAction::kReject);
  EXPECT_EQ(config.firewall.outbound_action, FirewallAction::kDrop);
  EXPECT_TRUE(config.firewall.default_local_cidr_any);
  EXPECT_EQ(FirewallActionName(FirewallAction::kReject), "reject");

  EXPECT_EQ(ErrorOf("firewall:\n  inbound_action: refuse\n"),
            "config.yml:6: firewall.inbound_action: \"refuse\" is not one of drop, reject");
  // Nebula compares the text exactly: "Reject" is not "reject".
  EXPECT_EQ(ErrorOf("firewall:\n  outbound_action: Reject\n"),
            "config.yml:6: firewall.outbound_action: \"Reject\" is not one of drop, reject");
  EXPECT_EQ(ErrorOf("firewall:\n  default_local_cidr_any: sometimes\n"),
            "config.yml:6: firewall.default_local_cidr_any: \"sometimes\" is not a boolean (use "
            "true or false)");
}

TEST(ConfigNebula111, IcmpRuleNeedsNoPortAndAPortOnItIsIgnoredWithAWarning) {
  std::vector<Warning> warnings;
  Config config = MustLoad(
      "firewall:\n"
      "  inbound:\n"
      "    - proto: icmp\n"
      "      host: any\n"
      "    - proto: icmp\n"
      "      port: 80\n"
      "      host: any\n"
      "    - proto: icmp\n"
      "      port: any\n"
      "      host: any\n",
      &warnings);
  ASSERT_EQ(config.firewall.inbound.size(), 3u);
  EXPECT_EQ(config.firewall.inbound[0].port, "");
  EXPECT_EQ(Texts(warnings),
            std::vector<std::string>{"config.yml:10: firewall.inbound[1].port: \"80\" is "
                                     "ignored: icmp rules match every ICMP packet"});
}

TEST(ConfigNebula111, PkiDisconnectInvalidAndInitiatingVersion) {
  std::vector<Warning> warnings;
  auto loaded = LoadConfigFromString(
      "pki:\n  ca: a\n  cert: b\n  key: c\n  disconnect_invalid: false\n"
      "  initiating_version: 2\n",
      "config.yml", &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_FALSE(loaded->pki.disconnect_invalid);
  EXPECT_EQ(loaded->pki.initiating_version, 2);
  EXPECT_EQ(Texts(warnings), std::vector<std::string>{});  // acted on: no warning

  auto bad = LoadConfigFromString("pki:\n  ca: a\n  cert: b\n  key: c\n  initiating_version: 3\n",
                                  "config.yml", nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "config.yml:5: pki.initiating_version: 3 is out of range (1-2)");

  warnings.clear();
  auto explicit_true = LoadConfigFromString(
      "pki:\n  ca: a\n  cert: b\n  key: c\n  disconnect_invalid: true\n", "config.yml", &warnings);
  ASSERT_TRUE(explicit_true.ok());
  EXPECT_TRUE(explicit_true->pki.disconnect_invalid);
  EXPECT_EQ(Texts(warnings), std::vector<std::string>{});  // acted on (mesh/invalid_certs.h)
  auto not_bool =
      LoadConfigFromString("pki:\n  ca: a\n  cert: b\n  key: c\n  disconnect_invalid: sometimes\n",
                           "config.yml", nullptr);
  ASSERT_FALSE(not_bool.ok());
  EXPECT_EQ(not_bool.status().message(),
            "config.yml:5: pki.disconnect_invalid: \"sometimes\" is not a boolean (use true or "
            "false)");
}

TEST(ConfigNebula111, TunnelsDropInactive) {
  Config config = MustLoad("tunnels:\n  drop_inactive: true\n  inactivity_timeout: 90s\n");
  EXPECT_TRUE(config.tunnels.drop_inactive);
  EXPECT_EQ(config.tunnels.inactivity_timeout, seconds(90));
  EXPECT_EQ(ErrorOf("tunnels:\n  inactivity_timeout: 10\n"),
            "config.yml:6: tunnels.inactivity_timeout: \"10\" is not a duration (a number with a "
            "unit: \"300ms\", \"2s\", \"1h30m\")");
  EXPECT_EQ(ErrorOf("tunnels:\n  drop_inactive: perhaps\n"),
            "config.yml:6: tunnels.drop_inactive: \"perhaps\" is not a boolean (use true or "
            "false)");
}

TEST(ConfigNebula111, ListenAcceptRecvErrorAndSoMark) {
  Config config = MustLoad("listen:\n  accept_recv_error: private\n  so_mark: 0x2a\n");
  EXPECT_EQ(config.listen.accept_recv_error, SendRecvError::kPrivate);
  EXPECT_EQ(config.listen.so_mark, 42u);
  EXPECT_EQ(MustLoad("listen: {accept_recv_error: false}\n").listen.accept_recv_error,
            SendRecvError::kNever);
  EXPECT_EQ(MustLoad("listen: {so_mark: 4294967295}\n").listen.so_mark, 4294967295u);
  EXPECT_EQ(ErrorOf("listen:\n  accept_recv_error: sometimes\n"),
            "config.yml:6: listen.accept_recv_error: \"sometimes\" is not one of always, never, "
            "private");
  EXPECT_EQ(ErrorOf("listen:\n  so_mark: -1\n"),
            "config.yml:6: listen.so_mark: -1 is out of range (0-4294967295)");
  EXPECT_EQ(ErrorOf("listen:\n  so_mark: mark\n"),
            "config.yml:6: listen.so_mark: \"mark\" is not a whole number");
}

TEST(ConfigNebula111, RecvErrorPrivateIsGosIsPrivate) {
  auto ip = [](const char* text) { return *ParseIp(text); };
  EXPECT_TRUE(RecvErrorAllowed(SendRecvError::kAlways, ip("8.8.8.8")));
  EXPECT_FALSE(RecvErrorAllowed(SendRecvError::kNever, ip("10.0.0.1")));
  for (const char* yes :
       {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fd00::1", "fc00::1"}) {
    EXPECT_TRUE(RecvErrorAllowed(SendRecvError::kPrivate, ip(yes))) << yes;
  }
  for (const char* no : {"8.8.8.8", "172.32.0.1", "172.15.0.1", "192.169.0.1", "127.0.0.1",
                         "100.64.0.1", "2001:db8::1", "fe80::1"}) {
    EXPECT_FALSE(RecvErrorAllowed(SendRecvError::kPrivate, ip(no))) << no;
  }
}

TEST(ConfigNebula111, LighthouseCalculatedRemotes) {
  std::vector<Warning> warnings;
  Config config = MustLoad(
      "lighthouse:\n"
      "  calculated_remotes:\n"
      "    10.0.10.0/24:\n"
      "      - mask: 192.168.1.0/24\n"
      "        port: 4242\n",
      &warnings);
  ASSERT_EQ(config.lighthouse.calculated_remotes.size(), 1u);
  const CalculatedRemotes& entry = config.lighthouse.calculated_remotes[0];
  EXPECT_EQ(entry.network.ToString(), "10.0.10.0/24");
  ASSERT_EQ(entry.remotes.size(), 1u);
  EXPECT_EQ(entry.remotes[0].mask.ToString(), "192.168.1.0/24");
  EXPECT_EQ(entry.remotes[0].port, 4242);
  EXPECT_EQ(Texts(warnings), std::vector<std::string>{});  // acted on: mesh/calculated_remotes.h

  EXPECT_EQ(ErrorOf("lighthouse:\n  calculated_remotes:\n    nope:\n      - {mask: 1.2.3.0/24, "
                    "port: 1}\n"),
            "config.yml:7: lighthouse.calculated_remotes: \"nope\" is not a CIDR (like "
            "10.0.10.0/24)");
  EXPECT_EQ(ErrorOf("lighthouse:\n  calculated_remotes:\n    10.0.0.0/8:\n      - {mask: "
                    "fd00::/8, port: 1}\n"),
            "config.yml:8: lighthouse.calculated_remotes.10.0.0.0/8.mask: fd00::/8 is not of the "
            "same address family as 10.0.0.0/8");
  EXPECT_EQ(ErrorOf("lighthouse:\n  calculated_remotes:\n    10.0.0.0/8:\n      - {mask: "
                    "1.0.0.0/8}\n"),
            "config.yml:8: lighthouse.calculated_remotes.10.0.0.0/8.port: is required");
  EXPECT_EQ(ErrorOf("lighthouse:\n  calculated_remotes:\n    10.0.0.0/8:\n      - {mask: "
                    "1.0.0.0/8, port: 70000}\n"),
            "config.yml:8: lighthouse.calculated_remotes.10.0.0.0/8.port: 70000 is out of range "
            "(0-65535)");
  EXPECT_EQ(ErrorOf("lighthouse:\n  calculated_remotes:\n    10.0.0.0/8: 1.0.0.0/8\n"),
            "config.yml:7: lighthouse.calculated_remotes.10.0.0.0/8: must be a list of {mask: "
            "CIDR, port: N}");
}

TEST(ConfigNebula111, StaticMap) {
  std::vector<Warning> warnings;
  Config config =
      MustLoad("static_map:\n  cadence: 5m\n  network: ip\n  lookup_timeout: 1s\n", &warnings);
  EXPECT_EQ(config.static_map.cadence, minutes(5));
  EXPECT_EQ(config.static_map.network, StaticMapNetwork::kIp);
  EXPECT_EQ(config.static_map.lookup_timeout, seconds(1));
  EXPECT_EQ(Texts(warnings), std::vector<std::string>{});  // acted on: mesh/static_hosts.h
  EXPECT_EQ(ErrorOf("static_map:\n  cadence: 0s\n"),
            "config.yml:6: static_map.cadence: must be longer than 0");
  EXPECT_EQ(ErrorOf("static_map:\n  lookup_timeout: 0ms\n"),
            "config.yml:6: static_map.lookup_timeout: must be longer than 0");
  EXPECT_EQ(ErrorOf("static_map:\n  cadence: -1s\n"),
            "config.yml:6: static_map.cadence: \"-1s\" is negative");
  EXPECT_EQ(ErrorOf("static_map:\n  lookup_timeout: soon\n"),
            "config.yml:6: static_map.lookup_timeout: \"soon\" is not a duration (a number with "
            "a unit: \"300ms\", \"2s\", \"1h30m\")");
  EXPECT_EQ(MustLoad("static_map: {network: ip6}\n").static_map.network, StaticMapNetwork::kIp6);
  EXPECT_EQ(ErrorOf("static_map:\n  network: tcp\n"),
            "config.yml:6: static_map.network: \"tcp\" is not one of ip4, ip6, ip");
  EXPECT_EQ(ErrorOf("static_map:\n  cadence: often\n"),
            "config.yml:6: static_map.cadence: \"often\" is not a duration (a number with a unit: "
            "\"300ms\", \"2s\", \"1h30m\")");
}

TEST(ConfigNebula111, UnsafeRoutesInstallAndWeightedGateways) {
  std::vector<Warning> warnings;
  Config config = MustLoad(
      "tun:\n"
      "  unsafe_routes:\n"
      "    - route: 172.16.1.0/24\n"
      "      via: 192.168.100.99\n"
      "      install: false\n"
      "    - route: 192.168.87.0/24\n"
      "      via:\n"
      "        - gateway: 10.0.0.1\n"
      "          weight: 10\n"
      "        - gateway: 10.0.0.2\n",
      &warnings);
  ASSERT_EQ(config.tun.unsafe_routes.size(), 2u);
  const UnsafeRoute& first = config.tun.unsafe_routes[0];
  EXPECT_FALSE(first.install);
  EXPECT_EQ(first.via.ToString(), "192.168.100.99");
  ASSERT_EQ(first.gateways.size(), 1u);
  EXPECT_EQ(first.gateways[0].weight, 1);
  const UnsafeRoute& second = config.tun.unsafe_routes[1];
  EXPECT_TRUE(second.install);
  ASSERT_EQ(second.gateways.size(), 2u);
  EXPECT_EQ(second.gateways[0].address.ToString(), "10.0.0.1");
  EXPECT_EQ(second.gateways[0].weight, 10);
  EXPECT_EQ(second.gateways[1].address.ToString(), "10.0.0.2");
  EXPECT_EQ(second.gateways[1].weight, 1);
  EXPECT_EQ(second.via.ToString(), "10.0.0.1");
  EXPECT_EQ(Texts(warnings), std::vector<std::string>{});  // ECMP acted on: mesh/gateways.h

  EXPECT_EQ(ErrorOf("tun:\n  unsafe_routes:\n    - route: 1.0.0.0/8\n      via: 10.0.0.1\n"
                    "      install: maybe\n"),
            "config.yml:9: tun.unsafe_routes.install: \"maybe\" is not a boolean (use true or "
            "false)");
  EXPECT_EQ(ErrorOf("tun:\n  unsafe_routes:\n    - route: 1.0.0.0/8\n      via:\n        - "
                    "gateway: 10.0.0.1\n          weight: 0\n"),
            "config.yml:10: tun.unsafe_routes.via.weight: 0 is out of range (1-2147483647)");
  EXPECT_EQ(ErrorOf("tun:\n  unsafe_routes:\n    - route: 1.0.0.0/8\n      via:\n        - "
                    "weight: 2\n"),
            "config.yml:9: tun.unsafe_routes.via.gateway: is required (the overlay IP to route "
            "through)");
  EXPECT_EQ(ErrorOf("tun:\n  unsafe_routes:\n    - route: 1.0.0.0/8\n      via: []\n"),
            "config.yml:8: tun.unsafe_routes.via: is an empty list; give an overlay IP or "
            "[{gateway: IP}]");
  EXPECT_EQ(ErrorOf("tun:\n  unsafe_routes:\n    - route: 1.0.0.0/8\n      via:\n        - "
                    "10.0.0.1\n"),
            "config.yml:9: tun.unsafe_routes.via: each gateway must be a map with gateway: and "
            "weight:");
}

TEST(ConfigNebula111, UseSystemRouteTableAndTargetAllRemotes) {
  std::vector<Warning> warnings;
  Config config = MustLoad(
      "tun:\n  use_system_route_table: true\n  use_system_route_table_buffer_size: 4096\n"
      "punchy:\n  target_all_remotes: true\n",
      &warnings);
  EXPECT_TRUE(config.tun.use_system_route_table);
  EXPECT_EQ(config.tun.use_system_route_table_buffer_size, 4096);
  EXPECT_TRUE(config.punchy.target_all_remotes);
  EXPECT_EQ(Texts(warnings), std::vector<std::string>{});  // both acted on
  EXPECT_EQ(ErrorOf("punchy:\n  target_all_remotes: 2\n"),
            "config.yml:6: punchy.target_all_remotes: \"2\" is not a boolean (use true or false)");
}

// flatnet's own key beside them (nebula ignores it): off unless set, a boolean like its
// neighbours.
TEST(ConfigNebula111, RoutesFromCertsIsFlatnetsOwnBoolean) {
  EXPECT_FALSE(MustLoad("").tun.routes_from_certs);
  std::vector<Warning> warnings;
  EXPECT_TRUE(MustLoad("tun:\n  routes_from_certs: true\n", &warnings).tun.routes_from_certs);
  EXPECT_EQ(Texts(warnings), std::vector<std::string>{});
  EXPECT_EQ(ErrorOf("tun:\n  routes_from_certs: yes please\n"),
            "config.yml:6: tun.routes_from_certs: \"yes please\" is not a boolean (use true or "
            "false)");
}

// nebula 1.11.1 (config.C.Load): a directory means every *.yml and *.yaml below it, sorted by
// path; other files and dangling symlinks are skipped.
TEST(ConfigNebula111, DirectoryReadsBothYmlAndYaml) {
  char dir_template[] = "/tmp/flatnet-config111-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::ofstream(dir + "/config.yml") << kPki << "listen:\n  port: 4242\n";
  std::ofstream(dir + "/config.yaml") << "listen:\n  port: 5000\ntunnels:\n  drop_inactive: true\n";
  std::ofstream(dir + "/notes.txt") << "listen: [not yaml at all\n";
  ASSERT_EQ(symlink((dir + "/missing.yml").c_str(), (dir + "/dangling.yml").c_str()), 0);
  std::vector<Warning> warnings;
  auto loaded = LoadConfig(dir, &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  // "config.yaml" sorts before "config.yml", so config.yml's port wins.
  EXPECT_EQ(loaded->listen.port, 4242);
  EXPECT_TRUE(loaded->tunnels.drop_inactive);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flatnet::config
