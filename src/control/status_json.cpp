#include "control/status_json.h"

#include <cstdio>

namespace flatnet::control {

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (uint8_t(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(uint8_t(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (uint8_t(c) < 0x20 || uint8_t(c) == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", unsigned(uint8_t(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string StatusToJson(const mesh::NodeStatus& s) {
  std::string out =
      "{\"vpnIp\":" + JsonQuote(s.vpn_ip) + ",\"certName\":" + JsonQuote(s.cert_name) +
      ",\"tunDevice\":" + JsonQuote(s.tun_device) +
      ",\"listenPort\":" + std::to_string(s.listen_port) +
      ",\"pendingHandshakes\":" + std::to_string(s.pending_handshakes) + ",\"tunnels\":[";
  for (size_t i = 0; i < s.tunnels.size(); ++i) {
    const auto& t = s.tunnels[i];
    out += (i ? "," : "");
    out += "{\"vpnIp\":" + JsonQuote(t.vpn_ip) + ",\"certName\":" + JsonQuote(t.cert_name) +
           ",\"remote\":" + JsonQuote(t.remote) + ",\"cipher\":" + JsonQuote(t.cipher) +
           ",\"localIndex\":" + std::to_string(t.local_index) +
           ",\"remoteIndex\":" + std::to_string(t.remote_index) +
           ",\"messagesSent\":" + std::to_string(t.messages_sent) +
           ",\"initiator\":" + (t.initiator ? "true" : "false") + "}";
  }
  out += "],\"counters\":{";
  for (size_t i = 0; i < s.counters.size(); ++i) {
    out += (i ? "," : "") + JsonQuote(s.counters[i].first) + ":" +
           std::to_string(s.counters[i].second);
  }
  return out + "}}\n";
}

std::string StatusToText(const mesh::NodeStatus& s) {
  std::string out = Printable(s.cert_name) + " " + s.vpn_ip + " on " + Printable(s.tun_device) +
                    ", UDP port " + std::to_string(s.listen_port) + "\n";
  if (s.tunnels.empty()) out += "no tunnels\n";
  for (const auto& t : s.tunnels) {
    char line[256];
    std::snprintf(line, sizeof line, "  %-15s %-20s via %-24s %s\n", t.vpn_ip.c_str(),
                  Printable(t.cert_name).c_str(), t.remote.c_str(),
                  t.initiator ? "(we initiated)" : "");
    out += line;
  }
  bool any_drop = false;
  for (const auto& [name, value] : s.counters) {
    if (value == 0 || name.find("dropped") == std::string::npos) continue;
    if (!any_drop) out += "dropped:\n";
    any_drop = true;
    out += "  " + name + " " + std::to_string(value) + "\n";
  }
  return out;
}

}  // namespace flatnet::control
