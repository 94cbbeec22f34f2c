// LargestPacketTo: the largest IP packet that really reaches a nebula host's UDP port, for
// `flatnet netcheck` (docs/status.md).
//
// How it measures, and why it is real: a socket of its own, with IP_PMTUDISC_PROBE (or
// IPV6_PMTUDISC_PROBE) so every datagram leaves with DF set (IPv6 is never fragmented on
// the way) and the kernel neither fragments it nor holds back what it learned of the path:
// a packet too big for a link on the way is dropped there, not split. Each probe is a
// nebula message header naming a tunnel index nobody has (random), padded to the size
// tried; every nebula and flatnet with listen.send_recv_error (default "always") answers
// such a packet with a 16-byte recv_error naming that index, which is the echo. Sizes are
// searched by halving between the family's minimum (576 for IPv4, 1280 for IPv6) and the
// route's MTU (IP_MTU of the connected socket, at most 9000); a size counts as through when
// an answer comes within `answer_wait_ms`, tried twice. At most ~2 x 14 probes, each
// bounded, so the whole is bounded in count and time.
//
// Contract: sizes are whole IP packets (IP header 20 or 40, UDP header 8, then the
// datagram). An error (no socket, or no answer even at the minimum: the host does not send
// recv_errors, or nothing gets through) says which. The peer counts each probe as a packet
// for an unknown tunnel (flatnet: rx_dropped_no_tunnel).
#pragma once

#include <cstdint>

#include "base/status.h"
#include "mesh/netchecker.h"
#include "net/udp_addr.h"

namespace flatnet::control {

struct PathMtuOptions {
  int answer_wait_ms = 200;  // control_protocol.h's kPathMtuMaxMs counts on these
  int max_packet = 9000;
};

Result<int> LargestPacketTo(const net::UdpAddr& to, const PathMtuOptions& options = {});

// Fills largest_packet (or largest_packet_error) of the first kPathMtuLighthouses
// lighthouses of `report` that answered and have an underlay address, one after another,
// on the caller's thread (the status socket's client thread, never the control thread).
void MeasureLargestPackets(mesh::NetcheckReport& report);

}  // namespace flatnet::control
