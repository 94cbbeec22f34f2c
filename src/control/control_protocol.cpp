#include "control/control_protocol.h"

#include <charconv>
#include <cstdio>
#include <vector>

#include "control/netcheck_report.h"
#include "control/status_json.h"

namespace flatnet::control {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return text;
}

bool ParseInt(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

const char* OutcomeName(mesh::PingResult::Outcome outcome) {
  switch (outcome) {
    case mesh::PingResult::Outcome::kReply:
      return "reply";
    case mesh::PingResult::Outcome::kTimeout:
      return "timeout";
    case mesh::PingResult::Outcome::kError:
      break;
  }
  return "error";
}

// "laptop (192.168.100.3)", or just the address while the name is unknown.
std::string PeerText(const mesh::PingResult& r) {
  if (r.cert_name.empty()) return r.vpn_ip;
  return Printable(r.cert_name) + " (" + r.vpn_ip + ")";
}

std::string PathText(const mesh::PingResult& r) {
  if (!r.tunnel) return "";
  if (r.relayed) {
    std::string via = r.relay_name.empty() ? r.relay_vpn_ip
                                           : Printable(r.relay_name) + " (" + r.relay_vpn_ip + ")";
    return "relayed via " + via;
  }
  return "direct " + r.remote;
}

std::string Seconds(int64_t ms) {
  char buf[32];
  if (ms % 1000 == 0)
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ms / 1000));
  else
    std::snprintf(buf, sizeof buf, "%.1fs", double(ms) / 1000);
  return buf;
}

}  // namespace

Result<ControlRequest> ParseControlRequest(std::string_view line) {
  line = Trim(line);
  ControlRequest request;
  if (line.empty() || line == "json") return request;
  if (line == "text") {
    request.kind = ControlRequest::Kind::kStatusText;
    return request;
  }
  if (line == "netcheck json" || line == "netcheck text") {
    request.kind = line == "netcheck json" ? ControlRequest::Kind::kNetcheckJson
                                           : ControlRequest::Kind::kNetcheckText;
    return request;
  }
  if (line.substr(0, 5) == "ping ") {
    std::string_view rest = Trim(line.substr(5));
    size_t space = rest.find(' ');
    if (space == std::string_view::npos)
      return Status::Error("ping request needs a timeout and a target: \"ping TIMEOUT_MS TARGET\"");
    int64_t timeout = 0;
    if (!ParseInt(rest.substr(0, space), &timeout) || timeout < kMinPingTimeoutMs ||
        timeout > kMaxPingTimeoutMs) {
      return Status::Error("ping timeout \"" + Printable(rest.substr(0, space)) +
                           "\" is not a number of milliseconds from " +
                           std::to_string(kMinPingTimeoutMs) + " to " +
                           std::to_string(kMaxPingTimeoutMs));
    }
    std::string_view target = Trim(rest.substr(space + 1));
    if (target.empty()) return Status::Error("ping request names no target");
    for (char c : target)
      if (uint8_t(c) < 0x20 || uint8_t(c) == 0x7f)
        return Status::Error("ping target \"" + Printable(target) + "\" holds a control character");
    request.kind = ControlRequest::Kind::kPing;
    request.timeout_ms = timeout;
    request.target = std::string(target);
    return request;
  }
  return Status::Error("unknown request \"" + Printable(line.substr(0, 40)) +
                       "\" (expected json, text, ping TIMEOUT_MS TARGET or netcheck json|text)");
}

std::string EncodeNetcheckAnswer(const mesh::NetcheckReport& report, bool json) {
  if (!report.error.empty()) return "error: " + Printable(report.error) + "\n";
  size_t reached = 0;
  for (const auto& lh : report.lighthouses) reached += lh.answered ? 1 : 0;
  return "netcheck reached=" + std::to_string(reached) +
         " of=" + std::to_string(report.lighthouses.size()) + "\n" +
         (json ? NetcheckToJson(report) : NetcheckToText(report));
}

Result<NetcheckAnswer> DecodeNetcheckAnswer(std::string_view answer) {
  if (answer.substr(0, 7) == "error: ") {
    size_t end = answer.find('\n');
    return Status::Error(std::string(answer.substr(7, end == answer.npos ? answer.npos : end - 7)));
  }
  size_t newline = answer.find('\n');
  std::string_view head = answer.substr(0, newline);
  constexpr std::string_view kReached = "netcheck reached=", kOf = " of=";
  size_t of = head.find(kOf);
  int64_t reached = 0, lighthouses = 0;
  if (newline == answer.npos || head.substr(0, kReached.size()) != kReached ||
      of == head.npos ||
      !ParseInt(head.substr(kReached.size(), of - kReached.size()), &reached) ||
      !ParseInt(head.substr(of + kOf.size()), &lighthouses) || reached < 0 ||
      lighthouses < reached) {
    return Status::Error("malformed netcheck answer \"" + Printable(head.substr(0, 60)) + "\"");
  }
  NetcheckAnswer out;
  out.reached = size_t(reached);
  out.lighthouses = size_t(lighthouses);
  out.body = std::string(answer.substr(newline + 1));
  return out;
}

std::string PingRequestLine(std::string_view target, int64_t timeout_ms) {
  return "ping " + std::to_string(timeout_ms) + " " + std::string(target) + "\n";
}

std::string EncodePingResult(const mesh::PingResult& r) {
  std::string out = "ping";
  auto field = [&out](const char* key, std::string_view value) {
    out += '\t';
    out += key;
    out += '=';
    out += Printable(value);
  };
  field("outcome", OutcomeName(r.outcome));
  field("vpnIp", r.vpn_ip);
  field("certName", r.cert_name);
  field("handshake", r.handshake ? "1" : "0");
  field("tunnel", r.tunnel ? "1" : "0");
  field("handshakeUs", std::to_string(r.handshake_ns / 1000));
  field("rttNs", std::to_string(r.rtt_ns));
  field("path", r.relayed ? "relay" : "direct");
  field("remote", r.remote);
  field("relayVpnIp", r.relay_vpn_ip);
  field("relayName", r.relay_name);
  field("error", r.error);
  return out + "\n";
}

Result<mesh::PingResult> DecodePingResult(std::string_view line) {
  line = Trim(line);
  if (line.substr(0, 7) == "error: ") return Status::Error(std::string(line.substr(7)));
  if (line.substr(0, 4) != "ping")
    return Status::Error("flatnet answered the ping with \"" + Printable(line.substr(0, 60)) + "\"");
  mesh::PingResult r;
  bool have_outcome = false;
  line.remove_prefix(4);
  while (!line.empty()) {
    if (line.front() != '\t') return Status::Error("malformed ping answer");
    line.remove_prefix(1);
    size_t end = line.find('\t');
    std::string_view item = line.substr(0, end);
    line = end == std::string_view::npos ? std::string_view() : line.substr(end);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Status::Error("malformed ping answer field");
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    int64_t number = 0;
    if (key == "outcome") {
      have_outcome = true;
      if (value == "reply")
        r.outcome = mesh::PingResult::Outcome::kReply;
      else if (value == "timeout")
        r.outcome = mesh::PingResult::Outcome::kTimeout;
      else if (value == "error")
        r.outcome = mesh::PingResult::Outcome::kError;
      else
        return Status::Error("unknown ping outcome \"" + std::string(value) + "\"");
    } else if (key == "vpnIp") {
      r.vpn_ip = value;
    } else if (key == "certName") {
      r.cert_name = value;
    } else if (key == "handshake") {
      r.handshake = value == "1";
    } else if (key == "tunnel") {
      r.tunnel = value == "1";
    } else if (key == "handshakeUs" && ParseInt(value, &number)) {
      r.handshake_ns = number * 1000;
    } else if (key == "rttNs" && ParseInt(value, &number)) {
      r.rtt_ns = number;
    } else if (key == "path") {
      r.relayed = value == "relay";
    } else if (key == "remote") {
      r.remote = value;
    } else if (key == "relayVpnIp") {
      r.relay_vpn_ip = value;
    } else if (key == "relayName") {
      r.relay_name = value;
    } else if (key == "error") {
      r.error = value;
    }
    // Unknown keys are skipped: a newer daemon may say more.
  }
  if (!have_outcome) return Status::Error("the ping answer has no outcome");
  return r;
}

std::string FormatRtt(int64_t rtt_ns) {
  char buf[32];
  double ms = double(rtt_ns) / 1e6;
  if (ms < 1)
    std::snprintf(buf, sizeof buf, "%.3f ms", ms);
  else if (ms < 10)
    std::snprintf(buf, sizeof buf, "%.2f ms", ms);
  else if (ms < 100)
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  else
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  return buf;
}

std::string FormatPingLine(const mesh::PingResult& r, int seq, int64_t timeout_ms) {
  using Outcome = mesh::PingResult::Outcome;
  if (r.outcome == Outcome::kError) return Printable(r.error);
  std::string out;
  std::string path = PathText(r);
  if (r.outcome == Outcome::kReply) {
    out = "reply from " + PeerText(r) + ": seq=" + std::to_string(seq) +
          " time=" + FormatRtt(r.rtt_ns);
    if (!path.empty()) out += ", " + path;
    if (r.handshake) out += ", handshake first (" + FormatRtt(r.handshake_ns) + ")";
    return out;
  }
  out = "timeout for " + PeerText(r) + ": seq=" + std::to_string(seq) + ", no reply within " +
        Seconds(timeout_ms);
  if (!r.tunnel)
    out += r.handshake ? ", no tunnel: the handshake did not complete" : ", no tunnel";
  else
    out += ", " + path + (r.handshake ? ", after a handshake" : "");
  return out;
}

}  // namespace flatnet::control
