// The Prometheus endpoint: nebula's names under the configured namespace/subsystem, well
// formed HELP/TYPE lines, peer names that cannot break the format, and a real loopback
// HTTP server that answers its path and nothing else.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "control/metrics_server.h"
#include "control/metrics_text.h"
#include "http_test_client.h"

using namespace flatnet;
using namespace flatnet::control;
using flatnet::testing::HttpReply;
using flatnet::testing::SendHttp;

namespace {

mesh::NodeStatus SampleStatus(uint64_t scale) {
  mesh::NodeStatus status;
  status.cert_name = "me";
  status.pending_handshakes = 1;
  status.now_unix_ns = 1'700'000'000'000'000'000;
  status.cert_expires_unix = 1'700'000'000 + 86400;
  status.counters = {{"rx_packets", 10 * scale},
                     {"handshakes_initiated", 2 * scale},
                     {"handshakes_timed_out", scale}};
  mesh::NodeStatus::TunnelStatus direct;
  direct.vpn_ip = "10.1.0.2";
  direct.cert_name = "pc \"quoted\" back\\slash\nnewline";
  direct.remote = "192.0.2.1:4242";
  direct.tx_bytes = 100 * scale;
  direct.rx_bytes = 200 * scale;
  mesh::NodeStatus::TunnelStatus relayed = direct;
  relayed.vpn_ip = "10.1.0.3";
  relayed.cert_name = "laptop";
  relayed.remote = "relay 10.1.0.1";
  status.tunnels = {direct, relayed};
  return status;
}

// Sample lines ("name{labels} value") by everything before the value.
std::map<std::string, int64_t> Samples(const std::string& text) {
  std::map<std::string, int64_t> samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stoll(line.substr(space + 1));
  }
  return samples;
}

}  // namespace

TEST(MetricsText, NamesFollowNebulasExporter) {
  EXPECT_EQ(MetricName({"nebula", ""}, "handshake_manager.initiated"),
            "nebula_handshake_manager_initiated");
  EXPECT_EQ(MetricName({"ns", "sub"}, "lighthouse.rx.HostQuery"), "ns_sub_lighthouse_rx_HostQuery");
  EXPECT_EQ(MetricName({"my-ns", "a.b"}, "x y=z"), "my_ns_a_b_x_y_z");
  EXPECT_EQ(MetricName({"", ""}, "messages.tx.message"), "messages_tx_message");
}

TEST(MetricsText, EveryFamilyHasHelpAndTypeBeforeItsSamples) {
  std::string text = MetricsToText(SampleStatus(1), {"ns", "sub"});
  EXPECT_NE(text.find("# HELP ns_sub_handshake_manager_initiated handshake_manager.initiated\n"
                      "# TYPE ns_sub_handshake_manager_initiated gauge\n"
                      "ns_sub_handshake_manager_initiated 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE ns_sub_flatnet_rx_packets_total counter\n"
                      "ns_sub_flatnet_rx_packets_total 10\n"),
            std::string::npos)
      << text;
  std::istringstream lines(text);
  std::string family;
  int lines_seen = 0;
  for (std::string line; std::getline(lines, line); ++lines_seen) {
    if (line.rfind("# HELP ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      EXPECT_EQ(line.substr(7, family.size() + 1), family + " ") << line;
      std::string type = line.substr(7 + family.size() + 1);
      EXPECT_TRUE(type == "gauge" || type == "counter") << line;
      continue;
    }
    // A sample belongs to the family announced last, and every name starts with the prefix.
    EXPECT_EQ(line.rfind(family, 0), 0u) << line << " after family " << family;
    EXPECT_EQ(line.rfind("ns_sub_", 0), 0u) << line;
  }
  EXPECT_GT(lines_seen, 20);
}

TEST(MetricsText, PeerNamesAreEscapedAndBytesPerPeer) {
  auto samples = Samples(MetricsToText(SampleStatus(1), {"nebula", ""}));
  EXPECT_EQ(samples.at("nebula_flatnet_peer_tx_bytes_total{peer=\"pc \\\"quoted\\\" "
                       "back\\\\slash\\nnewline\",vpn_ip=\"10.1.0.2\"}"),
            100);
  EXPECT_EQ(samples.at("nebula_flatnet_peer_rx_bytes_total{peer=\"laptop\",vpn_ip=\"10.1.0.3\"}"),
            200);
  EXPECT_EQ(samples.at("nebula_flatnet_tunnels{path=\"direct\"}"), 1);
  EXPECT_EQ(samples.at("nebula_flatnet_tunnels{path=\"relay\"}"), 1);
  EXPECT_EQ(samples.at("nebula_hostmap_main_hosts"), 2);
  EXPECT_EQ(samples.at("nebula_hostmap_pending_hosts"), 1);
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(MetricsText, CountersOnlyGrowAsTheNodeCounts) {
  auto before = Samples(MetricsToText(SampleStatus(1), {"nebula", ""}));
  auto after = Samples(MetricsToText(SampleStatus(3), {"nebula", ""}));
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [name, value] : before) {
    if (name.find("_total") == std::string::npos && name.find("handshake_manager") == std::string::npos)
      continue;
    EXPECT_GT(after.at(name), value) << name;
  }
}

TEST(MetricsText, NebulasGaugesAndItsOptionalSetsWhenAskedFor) {
  mesh::NodeStatus status = SampleStatus(1);
  status.routines = 2;
  status.initiating_version = 2;
  status.max_cert_version = 2;
  status.tracked_flows = 7;
  status.firewall_rules_version = 3;
  status.tunnel_indexes = 4;
  status.relay_indexes = 1;
  status.counters.insert(status.counters.end(),
                         {{"rx_message_recv_error", 4},
                          {"tx_message_recv_error", 5},
                          {"rx_message_test_reply", 6},
                          {"tx_message_handshake", 8},
                          {"rx_message_invalid", 9},
                          {"tx_dropped_send_limit", 1},
                          {"firewall_in_no_rule", 11},
                          {"firewall_out_local_addr", 12},
                          {"tx_sent_after_handshake", 13},
                          {"rx_lighthouse_host_query", 14},
                          {"tx_lighthouse_host_update_notification_ack", 15}});
  auto plain = Samples(MetricsToText(status, {"nebula", ""}));
  EXPECT_EQ(plain.at("nebula_routines"), 2);
  EXPECT_EQ(plain.at("nebula_hostmap_main_indexes"), 4);
  EXPECT_EQ(plain.at("nebula_hostmap_main_relayIndexes"), 1);
  EXPECT_EQ(plain.at("nebula_certificate_ttl_seconds"), 86400);
  EXPECT_EQ(plain.at("nebula_certificate_initiating_version"), 2);
  EXPECT_EQ(plain.at("nebula_certificate_max_version"), 2);
  EXPECT_EQ(plain.at("nebula_firewall_conntrack_count"), 7);
  EXPECT_EQ(plain.at("nebula_firewall_rules_version"), 3);
  EXPECT_EQ(plain.at("nebula_firewall_incoming_dropped_no_rule"), 11);
  EXPECT_EQ(plain.at("nebula_firewall_incoming_dropped_remote_addr"), 0);
  EXPECT_EQ(plain.at("nebula_firewall_outgoing_dropped_local_addr"), 12);
  EXPECT_EQ(plain.at("nebula_hostinfo_cached_packets_sent"), 13);
  // Nebula counts recv_errors even without stats.message_metrics, and nothing else.
  EXPECT_EQ(plain.at("nebula_messages_rx_recv_error"), 4);
  EXPECT_EQ(plain.at("nebula_messages_tx_recv_error"), 5);
  EXPECT_EQ(plain.count("nebula_messages_rx_test_response"), 0u);
  EXPECT_EQ(plain.count("nebula_lighthouse_rx_HostQuery"), 0u);

  auto all = Samples(MetricsToText(status, {"nebula", ""}, {true, true}));
  EXPECT_EQ(all.at("nebula_messages_rx_test_response"), 6);
  EXPECT_EQ(all.at("nebula_messages_tx_handshake_ixpsk0"), 8);
  EXPECT_EQ(all.at("nebula_messages_rx_invalid"), 9);
  EXPECT_EQ(all.at("nebula_messages_tx_exhausted"), 1);
  EXPECT_EQ(all.at("nebula_messages_tx_close_tunnel"), 0);
  EXPECT_EQ(all.at("nebula_lighthouse_rx_HostQuery"), 14);
  EXPECT_EQ(all.at("nebula_lighthouse_tx_HostUpdateNotificationAck"), 15);
  EXPECT_EQ(all.at("nebula_lighthouse_tx_other"), 0);
}

TEST(MetricsServer, ListenAddressesParseOrNameTheKey) {
  auto any = ParseListenAddress("stats.listen", ":8080");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_EQ(any->port, 8080);
  auto v6 = ParseListenAddress("stats.listen", "[::1]:9");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad : {"8080", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000", "::1:80"}) {
    auto parsed = ParseListenAddress("stats.listen", bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("stats.listen"), std::string::npos) << bad;
  }
}

TEST(MetricsServer, ServesThePathOnLoopbackAnd404sTheRest) {
  MetricsServer server;
  int scrapes = 0;
  ASSERT_TRUE(server
                  .Start("127.0.0.1:0", "/metrics", {"ns", "sub"}, {},
                         [&] { return SampleStatus(uint64_t(++scrapes)); })
                  .ok());
  ASSERT_NE(server.port(), 0);
  HttpReply ok = SendHttp(server.port(), "GET", "/metrics");
  EXPECT_EQ(ok.status, 200) << ok.headers;
  EXPECT_TRUE(ok.Has("Content-Type: text/plain; version=0.0.4")) << ok.headers;
  EXPECT_EQ(ok.body.rfind("# HELP ns_sub_", 0), 0u) << ok.body;
  EXPECT_NE(ok.body.find("ns_sub_handshake_manager_initiated 2\n"), std::string::npos) << ok.body;
  // Read fresh on each scrape.
  EXPECT_NE(SendHttp(server.port(), "GET", "/metrics")
                .body.find("ns_sub_handshake_manager_initiated 4\n"),
            std::string::npos);
  for (const char* other : {"/", "/metrics/", "/metricsx", "/other"}) {
    HttpReply missing = SendHttp(server.port(), "GET", other);
    EXPECT_EQ(missing.status, 404) << other << ": " << missing.headers;
  }
  // Read-only: another method on the path is refused too.
  EXPECT_EQ(SendHttp(server.port(), "POST", "/metrics").status, 404);
  server.Stop();
}

TEST(MetricsServer, APortInUseIsAClearError) {
  MetricsServer first;
  ASSERT_TRUE(first.Start("127.0.0.1:0", "/metrics", {}, {}, [] { return mesh::NodeStatus{}; }).ok());
  MetricsServer second;
  std::string listen = "127.0.0.1:" + std::to_string(first.port());
  Status taken = second.Start(listen, "/metrics", {}, {}, [] { return mesh::NodeStatus{}; });
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.message().find("stats.listen \"" + listen + "\""), std::string::npos)
      << taken.message();
  EXPECT_FALSE(first.Start("nonsense", "/metrics", {}, {}, [] { return mesh::NodeStatus{}; }).ok());
}
