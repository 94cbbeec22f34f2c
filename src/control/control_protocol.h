// What the status socket (status_server.h) is asked and how a ping's answer travels back.
//
// A client sends one line and gets one answer, then the connection is closed:
//   "json" or "text" (or nothing)   the node's status (status_json.h); nothing means json
//   "ping TIMEOUT_MS TARGET"        one overlay ping (mesh/pinger.h) of TARGET, a
//                                   certificate name or an overlay address, waiting at most
//                                   TIMEOUT_MS (kMinPingTimeoutMs..kMaxPingTimeoutMs);
//                                   the answer is one EncodePingResult line
//   "netcheck json" / "netcheck text"  a netcheck (mesh/netchecker.h): the answer is
//                                   EncodeNetcheckAnswer's (a "netcheck reached=N of=M"
//                                   line, then the report in that form), at most
//                                   kNetcheckWaitMs after the ask
// Anything else is answered "error: ..." naming what was wrong. Nothing on the socket can
// change the node; a ping only sends test messages (and starts a handshake), a netcheck only
// lighthouse queries for our own address.
//
// A ping result line is "ping" then TAB-separated key=value fields (outcome, vpnIp, certName,
// handshake, tunnel, handshakeUs, rttNs, path, remote, relayVpnIp, relayName, error); values
// are Printable (control characters escaped), so a certificate name can't break the line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "mesh/netchecker.h"
#include "mesh/pinger.h"

namespace flatnet::control {

inline constexpr int64_t kMinPingTimeoutMs = 100;
inline constexpr int64_t kMaxPingTimeoutMs = 60000;
// The longest request line a server reads (a ping's target is a certificate name).
inline constexpr size_t kMaxRequestLine = 512;
// How long the status socket waits for the node's netcheck: the node's own wait and a margin.
inline constexpr int64_t kNetcheckWaitMs = mesh::Netchecker::kWaitNs / 1'000'000 + 2000;
// The largest packet is measured to at most this many answering lighthouses, each within
// kPathMtuMaxMs (path_mtu_probe.h: 2 tries of 200 ms for each of at most 16 sizes).
inline constexpr size_t kPathMtuLighthouses = 3;
inline constexpr int64_t kPathMtuMaxMs = 2 * 200 * 16;
// How long a client waits for a netcheck's answer.
inline constexpr int64_t kNetcheckAnswerMs =
    kNetcheckWaitMs + int64_t(kPathMtuLighthouses) * kPathMtuMaxMs + 1000;

struct ControlRequest {
  enum class Kind { kStatusJson, kStatusText, kPing, kNetcheckJson, kNetcheckText };
  Kind kind = Kind::kStatusJson;
  std::string target;       // kPing
  int64_t timeout_ms = 0;   // kPing
};

// One request line (its newline, if any, included or not).
Result<ControlRequest> ParseControlRequest(std::string_view line);
// The line a client sends for a ping (with its newline).
std::string PingRequestLine(std::string_view target, int64_t timeout_ms);

std::string EncodePingResult(const mesh::PingResult& result);
Result<mesh::PingResult> DecodePingResult(std::string_view line);

// `flatnet ping`'s line for probe number `seq`, e.g.
//   reply from laptop (192.168.100.3): seq=1 time=1.52 ms, direct 203.0.113.3:4242
//   reply from laptop (192.168.100.3): seq=1 time=2.04 ms, relayed via lighthouse (192.168.100.1), handshake first (31.0 ms)
//   timeout for laptop (192.168.100.3): seq=2, no reply within 5s, direct 203.0.113.3:4242
// An error result gives its error. Names are Printable.
// A netcheck's answer on the socket: "error: ..." for report.error, else the status line
// and the report as JSON or text (netcheck_report.h).
std::string EncodeNetcheckAnswer(const mesh::NetcheckReport& report, bool json);
struct NetcheckAnswer {
  size_t reached = 0, lighthouses = 0;  // lighthouses that answered, of how many
  std::string body;                     // the report as asked for
};
// The client's reading of it; an "error: ..." answer or a malformed one is an error.
Result<NetcheckAnswer> DecodeNetcheckAnswer(std::string_view answer);

std::string FormatPingLine(const mesh::PingResult& result, int seq, int64_t timeout_ms);
// A round trip as ping prints it: "0.081 ms", "1.52 ms", "12.3 ms", "123 ms".
std::string FormatRtt(int64_t rtt_ns);

}  // namespace flatnet::control
