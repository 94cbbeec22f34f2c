// Packet: the locally oriented 5-tuple the firewall matches rules and tracks flows on.
//
// Contract: ParsePacket reads an IPv4 or IPv6 packet's header (IPv6: and its extension
// headers) and at most 6 bytes of the transport header after it, never allocates, and never
// reads past the span. Addresses are IpAddr (IPv4 ones as IPv4, never IPv4-mapped), so IPv4
// and IPv6 packets share one type of flow. "Local" is this host's side: for an incoming
// packet remote = source and local = destination, for an outgoing packet the reverse, so a
// packet and its reply produce the same Packet and share one conntrack entry.
//
// Semantics follow Nebula 1.11.1's firewall packet (outside.go parseV4/parseV6):
// - IPv4: non-first fragments carry ports 0 and need only the IP header; ICMP needs 6 bytes
//   after the header and carries its identifier (bytes 4-5, read for every ICMP type) as
//   remote_port and 0 as local_port, so each ping is its own conntrack flow; every other
//   protocol reads 4 port bytes after the header (also protocols without ports, which then
//   only "any" port rules can meaningfully match).
// - IPv6: FindIpv6UpperLayer walks the extension header chain. Only hop-by-hop, routing,
//   fragment, destination options and AH are walked; every other next header (ESP, no next
//   header, SCTP, GRE, Mobility, HIP, ...) is the packet's protocol, with ports 0, so only a
//   "proto: any" rule can admit it (Nebula 1.11.1's fix: walking unknown headers let a
//   crafted payload be read as TCP/UDP). A chain that runs past the packet is dropped
//   (kDropIpv6Headers). A non-first fragment is its fragment header's next header with
//   fragment set and ports 0; a first fragment is classified by its transport header. TCP
//   and UDP read 4 port bytes. ICMPv6 needs 4 bytes (type, code, checksum); echo request and
//   reply (types 128, 129) need 6 and carry their identifier as remote_port (the type is the
//   first byte: 1.11.1 fixed reading it from the second), every other type port 0.
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
inline constexpr uint8_t kProtoIcmpv6 = 58;

inline constexpr size_t kIpv4HeaderMinLength = 20;
inline constexpr size_t kIpv6HeaderLength = 40;

// ICMP or ICMPv6: rules say "icmp" for both, as Nebula's do, and match them without ports.
inline bool IsIcmp(uint8_t protocol) { return protocol == kProtoIcmp || protocol == kProtoIcmpv6; }

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
// (too short, bad IPv4 header length, IPv6 extension headers past the end, not IP version 4
// or 6). *out is unspecified on failure.
Verdict ParsePacket(ByteSpan ip_packet, bool incoming, Packet* out);

// Where an IPv6 packet's upper layer is: its protocol (for a non-first fragment, the
// fragmented protocol) and the offset of its header (for a non-first fragment, of the
// fragment header). The one walk of the extension header chain, shared by the classifier
// and reject.h so the two cannot disagree.
struct Ipv6UpperLayer {
  uint8_t protocol = 0;
  size_t offset = 0;
  bool later_fragment = false;
};

// False when the packet is shorter than an IPv6 header or the chain runs past its end.
bool FindIpv6UpperLayer(ByteSpan ip_packet, Ipv6UpperLayer* out);

}  // namespace flatnet::firewall
