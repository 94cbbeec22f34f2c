#include "control/metrics_text.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>

namespace flatnet::control {
namespace {

// go-metrics-prometheus' flattening, plus anything else a metric name may not hold.
std::string Flatten(std::string_view part) {
  std::string out(part);
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ':';
    if (!ok) c = '_';
  }
  return out;
}

uint64_t CounterOf(const mesh::NodeStatus& status, std::string_view name) {
  for (const auto& [counter, value] : status.counters)
    if (counter == name) return value;
  return 0;
}

class Writer {
 public:
  explicit Writer(const MetricsPrefix& prefix) : prefix_(prefix) {}

  // A metric nebula has: its dotted name as HELP, TYPE gauge (see the header).
  void Nebula(std::string_view dotted, int64_t value) {
    std::string name = MetricName(prefix_, dotted);
    Family(name, dotted, "gauge");
    out_ += name + " " + std::to_string(value) + "\n";
  }
  void Family(const std::string& name, std::string_view help, const char* type) {
    out_ += "# HELP " + name + " " + std::string(help) + "\n";
    out_ += "# TYPE " + name + " " + type + "\n";
  }
  void Sample(const std::string& name, const std::string& labels, uint64_t value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += " " + std::to_string(value) + "\n";
  }
  std::string Name(std::string_view dotted) const { return MetricName(prefix_, dotted); }
  std::string Take() { return std::move(out_); }

 private:
  const MetricsPrefix& prefix_;
  std::string out_;
};

std::string Label(std::string_view key, std::string_view value) {
  return std::string(key) + "=\"" + EscapeLabelValue(value) + "\"";
}

}  // namespace

std::string MetricName(const MetricsPrefix& prefix, std::string_view dotted) {
  std::string name;
  for (std::string_view part : {std::string_view(prefix.namespace_name),
                                std::string_view(prefix.subsystem), dotted}) {
    if (part.empty()) continue;
    if (!name.empty()) name += '_';
    name += Flatten(part);
  }
  if (!name.empty() && name[0] >= '0' && name[0] <= '9') name.insert(0, "_");
  return name;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

// Nebula's name (after "messages.rx." / "messages.tx.") of each message counter, by the
// part of flatnet's counter name after "rx_message_" / "tx_message_".
constexpr std::pair<std::string_view, std::string_view> kMessageKinds[] = {
    {"handshake", "handshake_ixpsk0"}, {"recv_error", "recv_error"},
    {"lighthouse", "lighthouse"},      {"test_request", "test_request"},
    {"test_reply", "test_response"},   {"close_tunnel", "close_tunnel"},
    {"other", "other"},
};
// NebulaMeta's type names, as Nebula's lighthouse metrics spell them, by flatnet's counter
// name after "rx_lighthouse_" / "tx_lighthouse_".
constexpr std::pair<std::string_view, std::string_view> kLighthouseKinds[] = {
    {"host_query", "HostQuery"},
    {"host_query_reply", "HostQueryReply"},
    {"host_update_notification", "HostUpdateNotification"},
    {"host_punch_notification", "HostPunchNotification"},
    {"host_update_notification_ack", "HostUpdateNotificationAck"},
    {"other", "other"},
};

int64_t Signed(uint64_t value) { return int64_t(std::min<uint64_t>(value, INT64_MAX)); }

}  // namespace

std::string MetricsToText(const mesh::NodeStatus& status, const MetricsPrefix& prefix,
                          const NebulaMetricSets& sets) {
  Writer w(prefix);
  auto counter = [&](std::string_view name) { return Signed(CounterOf(status, name)); };
  // Nebula's names, where flatnet counts the same thing.
  w.Nebula("handshake_manager.initiated", counter("handshakes_initiated"));
  w.Nebula("handshake_manager.timed_out", counter("handshakes_timed_out"));
  w.Nebula("hostmap.main.hosts", Signed(status.tunnels.size()));
  w.Nebula("hostmap.pending.hosts", Signed(status.pending_handshakes));
  // Each tunnel has one index of ours and one of the peer's, as in nebula's host map.
  w.Nebula("hostmap.main.indexes", Signed(status.tunnel_indexes));
  w.Nebula("hostmap.main.remoteIndexes", Signed(status.tunnel_indexes));
  w.Nebula("hostmap.main.relayIndexes", Signed(status.relay_indexes));
  w.Nebula("hostinfo.cached_packets.sent", counter("tx_sent_after_handshake"));
  w.Nebula("hostinfo.cached_packets.dropped", counter("tx_dropped_queue_full"));
  w.Nebula("routines", status.routines);
  w.Nebula("certificate.ttl_seconds",
           status.cert_expires_unix - status.now_unix_ns / 1'000'000'000);
  w.Nebula("certificate.initiating_version", status.initiating_version);
  w.Nebula("certificate.max_version", status.max_cert_version);
  w.Nebula("firewall.conntrack.count", Signed(status.tracked_flows));
  w.Nebula("firewall.rules.version", status.firewall_rules_version);
  for (const char* reason : {"local_addr", "remote_addr", "no_rule"}) {
    w.Nebula(std::string("firewall.incoming.dropped.") + reason,
             counter(std::string("firewall_in_") + reason));
    w.Nebula(std::string("firewall.outgoing.dropped.") + reason,
             counter(std::string("firewall_out_") + reason));
  }
  // Without stats.message_metrics nebula still counts recv_errors, and only those.
  for (const auto& [ours, theirs] : kMessageKinds) {
    if (!sets.message_metrics && ours != "recv_error") continue;
    w.Nebula("messages.rx." + std::string(theirs), counter("rx_message_" + std::string(ours)));
    w.Nebula("messages.tx." + std::string(theirs), counter("tx_message_" + std::string(ours)));
  }
  if (sets.message_metrics) {
    w.Nebula("messages.rx.invalid", counter("rx_message_invalid"));
    w.Nebula("messages.tx.exhausted", counter("tx_dropped_send_limit"));
  }
  if (sets.lighthouse_metrics) {
    for (const auto& [ours, theirs] : kLighthouseKinds) {
      w.Nebula("lighthouse.rx." + std::string(theirs),
               counter("rx_lighthouse_" + std::string(ours)));
      w.Nebula("lighthouse.tx." + std::string(theirs),
               counter("tx_lighthouse_" + std::string(ours)));
    }
  }

  // flatnet's own counters, every one, by their names in counters.h.
  for (const auto& [counter, value] : status.counters) {
    std::string name = w.Name("flatnet." + counter + "_total");
    w.Family(name, "flatnet counter " + counter + " (src/mesh/counters.h)", "counter");
    w.Sample(name, "", value);
  }

  uint64_t relayed = 0;
  for (const auto& tunnel : status.tunnels) relayed += tunnel.remote.rfind("relay ", 0) == 0;
  std::string tunnels = w.Name("flatnet.tunnels");
  w.Family(tunnels, "tunnels up, by path", "gauge");
  w.Sample(tunnels, Label("path", "direct"), status.tunnels.size() - relayed);
  w.Sample(tunnels, Label("path", "relay"), relayed);

  std::string tx = w.Name("flatnet.peer_tx_bytes_total");
  std::string rx = w.Name("flatnet.peer_rx_bytes_total");
  w.Family(tx, "inner bytes sent to the peer on its current tunnel", "counter");
  for (const auto& tunnel : status.tunnels)
    w.Sample(tx, Label("peer", tunnel.cert_name) + "," + Label("vpn_ip", tunnel.vpn_ip),
             tunnel.tx_bytes);
  w.Family(rx, "inner bytes received from the peer on its current tunnel", "counter");
  for (const auto& tunnel : status.tunnels)
    w.Sample(rx, Label("peer", tunnel.cert_name) + "," + Label("vpn_ip", tunnel.vpn_ip),
             tunnel.rx_bytes);
  return w.Take();
}

}  // namespace flatnet::control
