#include "control/metrics_text.h"

#include <cstdint>
#include <string_view>

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
  void Nebula(std::string_view dotted, uint64_t value) {
    std::string name = MetricName(prefix_, dotted);
    Family(name, dotted, "gauge");
    Sample(name, "", value);
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

std::string MetricsToText(const mesh::NodeStatus& status, const MetricsPrefix& prefix) {
  Writer w(prefix);
  // Nebula's names, where flatnet counts the same thing.
  w.Nebula("handshake_manager.initiated", CounterOf(status, "handshakes_initiated"));
  w.Nebula("handshake_manager.timed_out", CounterOf(status, "handshakes_timed_out"));
  w.Nebula("hostmap.main.hosts", status.tunnels.size());
  w.Nebula("hostmap.pending.hosts", status.pending_handshakes);

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
