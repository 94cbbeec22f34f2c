// StatusToText (status_json.h): the table `flatnet status` prints.
#include <cstdio>
#include <string>
#include <vector>

#include "control/control_protocol.h"
#include "control/status_json.h"

namespace flatnet::control {
namespace {

constexpr size_t kWidth = 79;  // an 80-column terminal, the cursor's column spare
// The table's columns: PEER ADDRESS PATH RTT HEARD, one space between each (79 in all).
constexpr size_t kName = 16, kAddress = 19, kPath = 26, kRtt = 8, kHeard = 6;

// `text` cut to `width`, ending in ".." when cut.
std::string Fit(const std::string& text, size_t width) {
  if (text.size() <= width) return text;
  return text.substr(0, width - 2) + "..";
}

std::string Column(const std::string& text, size_t width) {
  std::string out = Fit(text, width);
  return out + std::string(width - out.size(), ' ');
}

// 45s, 5m12s, 3h05m, 2d04h.
std::string Age(int64_t ns) {
  int64_t s = ns < 0 ? 0 : ns / 1'000'000'000;
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60));
  else
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s / 3600 % 24));
  return buf;
}

// 512B, 12.3KiB, 4.0MiB, 1.2GiB.
std::string Size(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + "B";
  double value = double(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%s", value, kUnits[unit]);
  return buf;
}

std::string Rtt(int64_t ns) {
  if (ns <= 0) return "-";
  std::string text = FormatRtt(ns);  // "1.52 ms"
  return text.substr(0, text.find(' ')) + "ms";
}

std::string Date(int64_t unix_seconds) { return FormatUtc(unix_seconds).substr(0, 10); }

// "certificate until 2027-12-02", or flagged when it ends within kCertWarningDays.
std::string Expiry(int64_t not_after, int64_t now_unix_ns) {
  int64_t left = not_after - now_unix_ns / 1'000'000'000;
  if (left < 0) return "CERTIFICATE EXPIRED " + Date(not_after);
  if (!ExpiresSoon(not_after, now_unix_ns)) return "certificate until " + Date(not_after);
  return "CERTIFICATE EXPIRES IN " + std::to_string(left / 86400) + " DAYS (" + Date(not_after) +
         ")";
}

// `items` joined by ", " on lines of at most kWidth, each starting with `indent`.
std::string Wrap(const std::vector<std::string>& items, const std::string& indent) {
  std::string out, line = indent;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (line.size() > indent.size() && line.size() + 1 + item.size() > kWidth) {
      out += line + "\n";
      line = indent;
    }
    if (line.size() > indent.size()) line += " ";
    line += Fit(item, kWidth - indent.size());
  }
  if (line.size() > indent.size()) out += line + "\n";
  return out;
}

std::string Join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

std::string PathOf(const mesh::NodeStatus::TunnelStatus& t) {
  if (!t.relayed) return "direct " + t.remote;
  return "relay via " + (t.relay_name.empty() ? t.relay_vpn_ip : Printable(t.relay_name));
}

}  // namespace

std::string StatusToText(const mesh::NodeStatus& s) {
  std::string out = Fit(Printable(s.cert_name) + " " + s.vpn_ip + " on " +
                            Printable(s.tun_device) + ", UDP port " +
                            std::to_string(s.listen_port) +
                            (s.am_lighthouse ? ", lighthouse" : "") + (s.am_relay ? ", relay" : ""),
                        kWidth) +
                    "\n";
  std::vector<std::string> mine;
  if (!s.networks.empty()) mine.push_back("addresses " + Join(s.networks, " "));
  mine.push_back(Expiry(s.cert_expires_unix, s.now_unix_ns));
  out += Wrap(mine, "  ");
  if (!s.lighthouses.empty()) {
    std::vector<std::string> lighthouses;
    for (const auto& l : s.lighthouses) {
      std::string name = l.cert_name.empty() ? l.vpn_ip : Printable(l.cert_name) + " " + l.vpn_ip;
      lighthouses.push_back(name + (l.reached ? " reached" : " NOT REACHED"));
    }
    lighthouses.front() = "lighthouses: " + lighthouses.front();
    out += Wrap(lighthouses, "  ");
  }
  out += "  " + std::to_string(s.tunnels.size()) + (s.tunnels.size() == 1 ? " tunnel, " : " tunnels, ") +
         std::to_string(s.pending_handshakes) + " handshakes pending\n";

  if (s.tunnels.empty()) {
    out += "no tunnels\n";
  } else {
    out += "\n" + Column("PEER", kName) + " " + Column("ADDRESS", kAddress) + " " +
           Column("PATH", kPath) + " " + Column("RTT", kRtt) + " HEARD\n";
  }
  for (const auto& t : s.tunnels) {
    const std::string first = t.networks.empty() ? t.vpn_ip : t.networks.front();
    std::string heard = t.last_heard_ago_ns < 0 ? "-" : Age(t.last_heard_ago_ns);
    std::string row = Column(Printable(t.cert_name), kName) + " " + Column(first, kAddress) + " " +
                      Column(PathOf(t), kPath) + " " + Column(Rtt(t.rtt_ns), kRtt) + " " +
                      Fit(heard, kHeard);
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row + "\n";
    for (size_t i = 1; i < t.networks.size(); ++i)
      out += std::string(kName + 1, ' ') + Fit(t.networks[i], kWidth - kName - 1) + "\n";
    std::vector<std::string> details = {
        "up " + Age(s.now_unix_ns - t.created_unix_ns),
        "tx " + Size(t.tx_bytes) + "/" + std::to_string(t.tx_packets) + " pkts",
        "rx " + Size(t.rx_bytes) + "/" + std::to_string(t.rx_packets) + " pkts"};
    if (t.relayed && !t.relay_name.empty()) details.push_back("relay " + t.relay_vpn_ip);
    if (!t.cert_routes.empty()) details.push_back("routes " + Join(t.cert_routes, " "));
    if (!t.groups.empty()) {
      std::vector<std::string> groups;
      for (const auto& g : t.groups) groups.push_back(Printable(g));
      details.push_back("groups " + Join(groups, ","));
    }
    details.push_back(Expiry(t.cert_expires_unix, s.now_unix_ns));
    out += Wrap(details, "    ");
  }
  if (!s.hinted_routes.empty()) {
    // Not proven yet: no tunnel to the host shows its certificate (the routes above are).
    std::vector<std::string> hinted;
    for (const auto& h : s.hinted_routes) hinted.push_back(h.network + " via " + h.via);
    hinted.front() = "hinted by a lighthouse (unproven): " + hinted.front();
    out += "\n" + Wrap(hinted, "  ");
  }
  bool any_drop = false;
  for (const auto& [name, value] : s.counters) {
    if (value == 0 || !IsDropCounter(name)) continue;
    if (!any_drop) out += "\ndropped (non-zero counters):\n";
    any_drop = true;
    out += "  " + name + " " + std::to_string(value) + "\n";
  }
  return out;
}

}  // namespace flatnet::control
