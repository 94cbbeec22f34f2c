#include "control/status_json.h"

#include <cstdio>
#include <ctime>

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

std::string FormatUtc(int64_t unix_seconds) {
  std::time_t t = std::time_t(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool ExpiresSoon(int64_t not_after_unix, int64_t now_unix_ns) {
  return not_after_unix - now_unix_ns / 1'000'000'000 < kCertWarningDays * 86400;
}

bool IsDropCounter(std::string_view name) {
  return name.find("dropped") != std::string_view::npos ||
         name.find("refused") != std::string_view::npos ||
         name.find("rejected") != std::string_view::npos;
}

namespace {

std::string JsonList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + JsonQuote(items[i]);
  return out + "]";
}

std::string Int(int64_t value) { return std::to_string(value); }

// A certificate's expiry as three fields: the date, seconds, and whether it is within
// kCertWarningDays.
std::string CertExpiry(int64_t not_after, int64_t now_unix_ns) {
  return ",\"certExpires\":" + JsonQuote(FormatUtc(not_after)) +
         ",\"certExpiresUnix\":" + Int(not_after) +
         ",\"certExpiresSoon\":" + (ExpiresSoon(not_after, now_unix_ns) ? "true" : "false");
}

}  // namespace

std::string StatusToJson(const mesh::NodeStatus& s) {
  std::string out =
      "{\"vpnIp\":" + JsonQuote(s.vpn_ip) + ",\"certName\":" + JsonQuote(s.cert_name) +
      ",\"tunDevice\":" + JsonQuote(s.tun_device) +
      ",\"listenPort\":" + std::to_string(s.listen_port) +
      ",\"pendingHandshakes\":" + std::to_string(s.pending_handshakes) +
      ",\"networks\":" + JsonList(s.networks) + CertExpiry(s.cert_expires_unix, s.now_unix_ns) +
      ",\"amLighthouse\":" + (s.am_lighthouse ? "true" : "false") +
      ",\"amRelay\":" + (s.am_relay ? "true" : "false") + ",\"now\":" +
      JsonQuote(FormatUtc(s.now_unix_ns / 1'000'000'000)) + ",\"lighthouses\":[";
  for (size_t i = 0; i < s.lighthouses.size(); ++i) {
    const auto& l = s.lighthouses[i];
    out += (i ? "," : "");
    out += "{\"vpnIp\":" + JsonQuote(l.vpn_ip) + ",\"certName\":" + JsonQuote(l.cert_name) +
           ",\"reached\":" + (l.reached ? "true" : "false") + ",\"remote\":" + JsonQuote(l.remote) +
           "}";
  }
  out += "],\"tunnels\":[";
  for (size_t i = 0; i < s.tunnels.size(); ++i) {
    const auto& t = s.tunnels[i];
    out += (i ? "," : "");
    out += "{\"vpnIp\":" + JsonQuote(t.vpn_ip) + ",\"certName\":" + JsonQuote(t.cert_name) +
           ",\"remote\":" + JsonQuote(t.remote) + ",\"cipher\":" + JsonQuote(t.cipher) +
           ",\"localIndex\":" + std::to_string(t.local_index) +
           ",\"remoteIndex\":" + std::to_string(t.remote_index) +
           ",\"messagesSent\":" + std::to_string(t.messages_sent) +
           ",\"initiator\":" + (t.initiator ? "true" : "false");
    out += ",\"networks\":" + JsonList(t.networks) + ",\"groups\":" + JsonList(t.groups) +
           ",\"path\":" + (t.relayed ? "\"relay\"" : "\"direct\"") +
           ",\"relayVpnIp\":" + JsonQuote(t.relay_vpn_ip) +
           ",\"relayName\":" + JsonQuote(t.relay_name) +
           ",\"txBytes\":" + std::to_string(t.tx_bytes) +
           ",\"rxBytes\":" + std::to_string(t.rx_bytes) +
           ",\"txPackets\":" + std::to_string(t.tx_packets) +
           ",\"rxPackets\":" + std::to_string(t.rx_packets) +
           ",\"created\":" + JsonQuote(FormatUtc(t.created_unix_ns / 1'000'000'000)) +
           ",\"upSeconds\":" + Int((s.now_unix_ns - t.created_unix_ns) / 1'000'000'000) +
           ",\"lastHeardMsAgo\":" +
           (t.last_heard_ago_ns < 0 ? "null" : Int(t.last_heard_ago_ns / 1'000'000)) +
           ",\"rttUs\":" + (t.rtt_ns <= 0 ? "null" : Int((t.rtt_ns + 500) / 1000)) +
           CertExpiry(t.cert_expires_unix, s.now_unix_ns) +
           ",\"certRoutes\":" + JsonList(t.cert_routes) + "}";
  }
  out += "],\"hostsWithoutTunnel\":[";
  for (size_t i = 0; i < s.hosts_without_tunnel.size(); ++i) {
    const auto& h = s.hosts_without_tunnel[i];
    out += (i ? "," : "");
    out += "{\"vpnIp\":" + JsonQuote(h.vpn_ip) + ",\"certName\":" + JsonQuote(h.cert_name) +
           ",\"source\":" + (h.in_static_map ? "\"static_host_map\"" : "\"lighthouse\"") + "}";
  }
  out += "],\"hintedRoutes\":[";
  for (size_t i = 0; i < s.hinted_routes.size(); ++i) {
    out += (i ? "," : "");
    out += "{\"network\":" + JsonQuote(s.hinted_routes[i].network) +
           ",\"via\":" + JsonQuote(s.hinted_routes[i].via) + "}";
  }
  out += "],\"drops\":{";
  bool first = true;
  for (const auto& [name, value] : s.counters) {
    if (value == 0 || !IsDropCounter(name)) continue;
    out += (first ? "" : ",") + JsonQuote(name) + ":" + std::to_string(value);
    first = false;
  }
  out += "},\"counters\":{";
  for (size_t i = 0; i < s.counters.size(); ++i) {
    out += (i ? "," : "") + JsonQuote(s.counters[i].first) + ":" +
           std::to_string(s.counters[i].second);
  }
  return out + "}}\n";
}

}  // namespace flatnet::control
