// Packet: the locally oriented 5-tuple the firewall matches rules and tracks flows on.
//
// Contract: ParsePacket reads only the IPv4 header and the 4 (ICMP: 6) bytes after it, never
// allocates, and never reads past the span. Addresses are IpAddr (IPv4 ones as IPv4, never
// IPv4-mapped), so IPv4 and IPv6 packets share one type of flow. "Local" is this
// host's side: for an incoming packet remote = source and local = destination, for an
// outgoing packet the reverse, so a packet and its reply produce the same Packet and share
// one conntrack entry.
//
// Semantics follow Nebula 1.11.1's firewall packet: non-first fragments carry ports 0 and
// need only the IP header; ICMP needs 6 bytes after the header and carries its identifier
// (bytes 4-5, read for every ICMP type) as remote_port and 0 as local_port, so each ping
// is its own conntrack flow; every other protocol reads 4 port bytes after the header (also
// protocols without ports, which then only "any" port rules can meaningfully match).
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/ip_prefix.h"
#include "firewall/verdict.h"

namespace flatnet::firewall {

// IP protocol numbers the rules name; 0 doubles as "any" in a rule, as in Nebula.
inline constexpr uint8_t kProtoAny = 0;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;

inline constexpr size_t kIpv4HeaderMinLength = 20;

// 40 bytes, no padding between fields that matter: conntrack compares and hashes it.
struct Packet {
  IpAddr local_ip;
  IpAddr remote_ip;
  uint16_t local_port = 0;
  uint16_t remote_port = 0;
  uint8_t protocol = 0;
  bool fragment = false;  // second or later fragment: no transport header, ports are 0

  // The port a rule's "port" constrains: the destination port of the packet, which is the
  // local port coming in and the remote port going out.
  uint16_t RulePort(bool incoming) const { return incoming ? local_port : remote_port; }

  bool operator==(const Packet&) const = default;
};

// Fills *out from an IP packet; returns kAllow when it parsed, otherwise the drop reason
// (too short, IPv6, not IPv4, bad header length). *out is unspecified on failure.
Verdict ParsePacket(ByteSpan ip_packet, bool incoming, Packet* out);

}  // namespace flatnet::firewall
