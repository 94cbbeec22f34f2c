// Reject: the answer a refused packet gets when firewall.inbound_action or outbound_action
// is `reject` (Nebula 1.11.1, iputil.CreateRejectPacket).
//
// Contract: BuildReject is a pure function of the refused IPv4 or IPv6 packet. It writes
// into `out` a packet from the refused packet's destination back to its source and returns
// its length, or returns 0 when no answer is due or possible:
// - TCP: a RST (IP header + 20-byte TCP header, no options), ports swapped. As Linux's
//   netfilter REJECT does: if the refused segment had ACK, the RST's seq is its ack number;
//   otherwise seq is 0, and the RST also carries ACK with ack = seq + SYN + FIN + payload.
// - anything else over IPv4: ICMP destination unreachable, code 13 (communication
//   administratively prohibited), quoting the refused packet's IP header and first 8 bytes
//   after it.
// - anything else over IPv6: ICMPv6 destination unreachable, code 1 (communication with
//   destination administratively prohibited), quoting the first 1000 bytes of the refused
//   packet, its checksum over the IPv6 pseudo-header.
// - none for a non-first fragment, for an ICMP error (types 3, 4, 5, 11, 12) or ICMPv6
//   error (types 1-4), for a TCP segment shorter than 20 header bytes, for an IPv6 packet
//   the classifier refuses (extension headers past its end: FindIpv6UpperLayer), for other
//   IP versions, or when `out` is too small.
// IPv6's transport header is found by the classifier's own walk (packet.h), so a packet is
// answered as the protocol the firewall judged it as.
// The new IPv4 header has TTL 64, id 0, no flags, no options; the IPv6 header hop limit 64,
// no traffic class or flow label, no extension headers; every checksum is computed.
// Who gets the answer is the caller's: outbound refusals go back into the TUN device,
// inbound ones through the tunnel to the peer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

namespace flatnet::firewall {

// The largest IPv4 answer: 20 (IP) + 8 (ICMP) + 60 (quoted IP header with options) + 8.
inline constexpr size_t kMaxIpv4RejectSize = 96;
// The largest answer: 40 (IPv6) + 8 (ICMPv6) + 1000 quoted bytes.
inline constexpr size_t kMaxRejectSize = 1048;

size_t BuildReject(ByteSpan refused, MutableByteSpan out);

// RFC 1071 ones'-complement sum of `data`, folded, complemented; `initial` is a partial sum
// (a pseudo-header's) to start from.
uint16_t InternetChecksum(ByteSpan data, uint32_t initial = 0);

}  // namespace flatnet::firewall
