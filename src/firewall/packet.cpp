#include "firewall/packet.h"

namespace flatnet::firewall {

namespace {
// Source and destination port of TCP and UDP (and whatever sits there for other protocols).
constexpr size_t kPortBytes = 4;
// ICMP type, code, checksum and the identifier of echo (read for every ICMP type, as Nebula).
constexpr size_t kIcmpBytes = 6;
// Fragment offset bits of the flags/fragment-offset field: non-zero means not the first.
constexpr uint16_t kFragmentOffsetMask = 0x1fff;
}  // namespace

Verdict ParsePacket(ByteSpan ip_packet, bool incoming, Packet* out) {
  const uint8_t* data = ip_packet.data();
  if (ip_packet.size() < kIpv4HeaderMinLength) return Verdict::kDropTooShort;

  const int version = data[0] >> 4;
  if (version == 6) return Verdict::kDropIpv6;
  if (version != 4) return Verdict::kDropNotIpv4;

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

  const IpAddr source = IpAddr::V4(LoadBig32(data + 12));
  const IpAddr destination = IpAddr::V4(LoadBig32(data + 16));
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  if (has_ports) {
    source_port = LoadBig16(data + header_length);
    destination_port = LoadBig16(data + header_length + 2);
  }

  if (incoming) {
    out->remote_ip = source;
    out->local_ip = destination;
    out->remote_port = source_port;
    out->local_port = destination_port;
  } else {
    out->local_ip = source;
    out->remote_ip = destination;
    out->local_port = source_port;
    out->remote_port = destination_port;
  }
  if (icmp) {
    out->local_port = 0;
    out->remote_port = LoadBig16(data + header_length + 4);
  }
  return Verdict::kAllow;
}

}  // namespace flatnet::firewall
