#include "firewall/packet.h"

#include <array>
#include <cstring>

namespace flatnet::firewall {

namespace {
// Source and destination port of TCP and UDP (and whatever sits there for other protocols).
constexpr size_t kPortBytes = 4;
// ICMP type, code, checksum and the identifier of echo (read for every ICMP type, as Nebula).
constexpr size_t kIcmpBytes = 6;
// ICMPv6 type, code and checksum: every message has them; echo adds the identifier.
constexpr size_t kIcmpv6Bytes = 4;
constexpr uint8_t kIcmpv6EchoRequest = 128;
constexpr uint8_t kIcmpv6EchoReply = 129;
// Fragment offset bits of the flags/fragment-offset field: non-zero means not the first.
constexpr uint16_t kFragmentOffsetMask = 0x1fff;

// The IPv6 extension headers the walk steps over (RFC 8200 and IANA's list, less the ones
// Nebula 1.11.1 leaves terminal: ESP, Mobility, HIP, Shim6, experimental 253/254).
constexpr uint8_t kHopByHop = 0;
constexpr uint8_t kRouting = 43;
constexpr uint8_t kFragmentHeader = 44;
constexpr uint8_t kAuthentication = 51;
constexpr uint8_t kDestinationOptions = 60;
constexpr size_t kFragmentHeaderLength = 8;

void Orient(bool incoming, const IpAddr& source, const IpAddr& destination, Packet* out) {
  out->remote_ip = incoming ? source : destination;
  out->local_ip = incoming ? destination : source;
}

void OrientPorts(bool incoming, const uint8_t* ports, Packet* out) {
  const uint16_t source_port = LoadBig16(ports);
  const uint16_t destination_port = LoadBig16(ports + 2);
  out->remote_port = incoming ? source_port : destination_port;
  out->local_port = incoming ? destination_port : source_port;
}

IpAddr V6At(const uint8_t* bytes) {
  std::array<uint8_t, 16> address;
  std::memcpy(address.data(), bytes, address.size());
  return IpAddr::V6(address);
}

Verdict ParseIpv4(ByteSpan ip_packet, bool incoming, Packet* out) {
  const uint8_t* data = ip_packet.data();
  if (ip_packet.size() < kIpv4HeaderMinLength) return Verdict::kDropTooShort;
  const size_t header_length = size_t(data[0] & 0x0f) * 4;
  if (header_length < kIpv4HeaderMinLength) return Verdict::kDropBadHeaderLength;

  out->fragment = (LoadBig16(data + 6) & kFragmentOffsetMask) != 0;
  out->protocol = data[9];

  // A later fragment has no transport header: only the IP header, ports 0. ICMP (Nebula
  // 1.11) is tracked by its identifier, bytes 4-5 of the ICMP header, as the remote port.
  const bool icmp = !out->fragment && out->protocol == kProtoIcmp;
  const bool has_ports = !out->fragment && !icmp;
  const size_t needed = header_length + (icmp ? kIcmpBytes : has_ports ? kPortBytes : 0);
  if (ip_packet.size() < needed) return Verdict::kDropTooShort;

  Orient(incoming, IpAddr::V4(LoadBig32(data + 12)), IpAddr::V4(LoadBig32(data + 16)), out);
  out->local_port = 0;
  out->remote_port = 0;
  if (has_ports) OrientPorts(incoming, data + header_length, out);
  if (icmp) out->remote_port = LoadBig16(data + header_length + 4);
  return Verdict::kAllow;
}

Verdict ParseIpv6(ByteSpan ip_packet, bool incoming, Packet* out) {
  const uint8_t* data = ip_packet.data();
  if (ip_packet.size() < kIpv6HeaderLength) return Verdict::kDropTooShort;
  Ipv6UpperLayer upper;
  if (!FindIpv6UpperLayer(ip_packet, &upper)) return Verdict::kDropIpv6Headers;

  Orient(incoming, V6At(data + 8), V6At(data + 24), out);
  out->protocol = upper.protocol;
  out->fragment = upper.later_fragment;
  out->local_port = 0;
  out->remote_port = 0;
  if (upper.later_fragment) return Verdict::kAllow;

  const size_t available = ip_packet.size() - upper.offset;
  const uint8_t* transport = data + upper.offset;
  switch (upper.protocol) {
    case kProtoTcp:
    case kProtoUdp:
      if (available < kPortBytes) return Verdict::kDropTooShort;
      OrientPorts(incoming, transport, out);
      break;
    case kProtoIcmpv6:
      if (available < kIcmpv6Bytes) return Verdict::kDropTooShort;
      if (transport[0] == kIcmpv6EchoRequest || transport[0] == kIcmpv6EchoReply) {
        if (available < kIcmpBytes) return Verdict::kDropTooShort;
        out->remote_port = LoadBig16(transport + 4);  // the echo identifier
      }
      break;
    default:
      break;  // a protocol the firewall does not look into: no ports
  }
  return Verdict::kAllow;
}

}  // namespace

bool FindIpv6UpperLayer(ByteSpan ip_packet, Ipv6UpperLayer* out) {
  const size_t size = ip_packet.size();
  if (size < kIpv6HeaderLength) return false;
  const uint8_t* data = ip_packet.data();
  uint8_t next = data[6];
  size_t offset = kIpv6HeaderLength;
  // Every step moves offset on by at least 8 bytes, so the walk ends within size / 8 steps.
  for (;;) {
    switch (next) {
      case kHopByHop:
      case kRouting:
      case kDestinationOptions:
        if (size < offset + 2) return false;
        next = data[offset];
        offset += (size_t(data[offset + 1]) + 1) * 8;  // length in 8-byte units, less the first
        break;
      case kFragmentHeader:
        if (size < offset + kFragmentHeaderLength) return false;
        if ((LoadBig16(data + offset + 2) & 0xfff8) != 0) {
          // A later fragment: the fragmented protocol, and no transport header to find.
          *out = Ipv6UpperLayer{data[offset], offset, true};
          return true;
        }
        next = data[offset];
        offset += kFragmentHeaderLength;
        break;
      case kAuthentication:
        if (size < offset + 2) return false;
        next = data[offset];
        offset += (size_t(data[offset + 1]) + 2) * 4;  // length in 4-byte units, less two
        break;
      default:
        // The upper layer, unless a header above claimed more bytes than the packet has.
        if (offset > size) return false;
        *out = Ipv6UpperLayer{next, offset, false};
        return true;
    }
  }
}

Verdict ParsePacket(ByteSpan ip_packet, bool incoming, Packet* out) {
  if (ip_packet.empty()) return Verdict::kDropTooShort;
  const int version = ip_packet[0] >> 4;
  if (version == 4) return ParseIpv4(ip_packet, incoming, out);
  if (version == 6) return ParseIpv6(ip_packet, incoming, out);
  return Verdict::kDropIpVersion;
}

}  // namespace flatnet::firewall
