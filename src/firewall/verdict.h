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
  kDropTooShort,         // shorter than an IPv4 header, or than its header + 4 port bytes
  kDropIpv6,             // IP version 6: the overlay is IPv4 only, as in Nebula
  kDropNotIpv4,          // any other IP version nibble
  kDropBadHeaderLength,  // IHL below 5 words
  // The packet parsed but the peer or this host may not carry it (Firewall::Check).
  kDropRemoteIp,  // remote address is not one the peer's certificate holds
  kDropLocalIp,   // local address is not one this host's certificate holds
  kDropNoRule,    // no rule in the direction's table matched
  kCount,
};

inline constexpr size_t kVerdictCount = static_cast<size_t>(Verdict::kCount);

// A short snake_case name for logs and metrics: "allow", "too_short", "ipv6", "not_ipv4",
// "bad_header_length", "remote_ip", "local_ip", "no_rule".
const char* VerdictName(Verdict verdict);

}  // namespace flatnet::firewall
