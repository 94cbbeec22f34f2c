// Verdict: what the firewall decided about one packet.
//
// Contract: kAllow, or exactly one reason the packet was dropped. The values are dense
// from 0 to kCount-1 so the daemon can keep one counter per verdict in a plain array
// (counters[size_t(verdict)]) and report them by VerdictName().
#pragma once

#include <cstddef>
#include <cstdint>

namespace flatnet::firewall {

enum class Verdict : uint8_t {
  kAllow = 0,
  // The packet could not be parsed (ParsePacket).
  kDropTooShort,         // shorter than its IP header, or than the transport bytes it needs
  kDropIpv6Headers,      // IPv6 extension headers run past the end of the packet
  kDropIpVersion,        // an IP version nibble other than 4 or 6
  kDropBadHeaderLength,  // IPv4 IHL below 5 words
  // The packet parsed but the peer or this host may not carry it (Firewall::Check).
  kDropRemoteIp,  // remote address is not one the peer's certificate holds
  kDropLocalIp,   // local address is not one this host's certificate holds
  kDropNoRule,    // no rule in the direction's table matched
  kCount,
};

inline constexpr size_t kVerdictCount = static_cast<size_t>(Verdict::kCount);

// A short snake_case name for logs and metrics: "allow", "too_short", "ipv6_headers",
// "ip_version", "bad_header_length", "remote_ip", "local_ip", "no_rule".
const char* VerdictName(Verdict verdict);

}  // namespace flatnet::firewall
