// The JSON form of a node's status, which the control socket serves and `flatnet status
// -json` prints. Field names are stable: scripts and the lab tests read them.
//
//   {"vpnIp": "...", "certName": "...", "tunDevice": "...", "listenPort": 4242,
//    "pendingHandshakes": 0,
//    "tunnels": [{"vpnIp", "certName", "remote", "cipher", "localIndex", "remoteIndex",
//                 "messagesSent", "initiator"}...],
//    "counters": {"rx_packets": 12, ...}}
#pragma once

#include <string>

#include "mesh/node.h"

namespace flatnet::control {

std::string StatusToJson(const mesh::NodeStatus& status);
// A short human-readable table of the same, for `flatnet status`. Names come from peers'
// certificates: control characters in them are shown escaped (\x1b), never raw, so a
// certificate name cannot move the cursor or fake lines on the operator's terminal.
std::string StatusToText(const mesh::NodeStatus& status);
// `text` with every control character (below 0x20, and 0x7f) written as \xNN.
std::string Printable(std::string_view text);
// JSON string literal with escapes.
std::string JsonQuote(std::string_view text);

}  // namespace flatnet::control
