// The forms of a node's status (mesh::NodeStatus) that the control socket serves:
// StatusToJson for `flatnet status -json` and scripts, StatusToText for `flatnet status`.
//
// JSON field names are stable: scripts and the lab tests read them; fields are only ever
// added. Times are UTC RFC 3339 strings ("2026-12-02T15:04:05Z") with the seconds beside
// them where a script computes with them.
//
//   {"vpnIp", "certName", "tunDevice", "listenPort", "pendingHandshakes",
//    "networks": ["192.168.100.2/24", ...],        every network of our certificate
//    "certExpires", "certExpiresUnix", "certExpiresSoon" (within kCertWarningDays),
//    "amLighthouse", "amRelay", "now",
//    "lighthouses": [{"vpnIp", "certName", "reached", "remote"}...],
//    "tunnels": [{"vpnIp", "certName", "remote" ("ADDR:PORT", or "relay VPNIP"), "cipher",
//                 "localIndex", "remoteIndex", "messagesSent", "initiator",
//                 "networks", "groups" (the peer's certificate), "path" ("direct"|"relay"),
//                 "relayVpnIp", "relayName" ("" when direct), "txBytes", "rxBytes",
//                 "txPackets", "rxPackets", "created", "upSeconds",
//                 "lastHeardMsAgo" (null: nothing yet), "rttUs" (null: not measured yet),
//                 "certExpires", "certExpiresUnix", "certExpiresSoon",
//                 "certRoutes" (the networks of its certificate routed through it:
//                 tun.routes_from_certs)}...],
//    "hostsWithoutTunnel": [{"vpnIp", "certName" ("" unless it had a tunnel since we
//                 started), "source" ("static_host_map"|"lighthouse")}...]: hosts we know
//                 of (an address to try) but have no tunnel to now, in address order,
//    "hintedRoutes": [{"network", "via"}...]: routes a lighthouse hinted through a host we
//                 have no tunnel with yet (mesh/route_hints.h), unproven until its
//                 certificate shows them (then they are its tunnel's "certRoutes"),
//    "drops": {every drop counter that is not zero},
//    "counters": {"rx_packets": 12, ...}}           every counter (mesh/counters.h)
//
// The text form fits an 80-column terminal: our name, addresses, certificate expiry,
// lighthouses; then a table of one row per peer (name, first address, path, round trip,
// last heard) followed by the peer's other addresses and an indented detail line (up
// time, bytes and packets each way, routes from its certificate, groups, certificate
// expiry, flagged within
// kCertWarningDays); then the drop counters that are not zero. A value too long for its
// column is cut and ends in "..". Names come from peers' certificates: control characters
// in them are shown escaped (\x1b), never raw, so a certificate name cannot move the cursor
// or fake lines on the operator's terminal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mesh/node.h"

namespace flatnet::control {

// A certificate that ends within this many days is flagged.
inline constexpr int64_t kCertWarningDays = 30;

std::string StatusToJson(const mesh::NodeStatus& status);
std::string StatusToText(const mesh::NodeStatus& status);

// `text` with every control character (below 0x20, and 0x7f) written as \xNN.
std::string Printable(std::string_view text);
// JSON string literal with escapes.
std::string JsonQuote(std::string_view text);
// "2026-12-02T15:04:05Z".
std::string FormatUtc(int64_t unix_seconds);
// Whether a certificate ending at not_after_unix (seconds) ends within kCertWarningDays.
bool ExpiresSoon(int64_t not_after_unix, int64_t now_unix_ns);
// The counters `status` lists as drops: refusals and drops of every kind.
bool IsDropCounter(std::string_view name);

}  // namespace flatnet::control
