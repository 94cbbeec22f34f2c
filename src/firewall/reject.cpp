#include "firewall/reject.h"

#include <algorithm>
#include <cstring>

#include "firewall/packet.h"

namespace flatnet::firewall {
namespace {

constexpr size_t kIpHeader = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kTcpHeader = 20;
constexpr size_t kIcmpHeader = 8;
constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;
constexpr uint8_t kIcmpUnreachable = 3, kIcmpAdminProhibited = 13;
constexpr uint8_t kIcmpv6Unreachable = 1, kIcmpv6AdminProhibited = 1;
// How much of a refused IPv6 packet its ICMPv6 error quotes (Nebula's figure: the answer
// stays well inside any tunnel MTU).
constexpr size_t kIpv6Quoted = 1000;

// A fresh IPv4 header from the refused packet's destination to its source.
void WriteIpHeader(ByteSpan refused, uint8_t protocol, size_t total, uint8_t* out) {
  std::memset(out, 0, kIpHeader);
  out[0] = 0x45;
  StoreBig16(out + 2, uint16_t(total));
  out[8] = 64;  // TTL
  out[9] = protocol;
  std::memcpy(out + 12, refused.data() + 16, 4);
  std::memcpy(out + 16, refused.data() + 12, 4);
  StoreBig16(out + 10, InternetChecksum(ByteSpan(out, kIpHeader)));
}

// A fresh IPv6 header from the refused packet's destination to its source.
void WriteIpv6Header(ByteSpan refused, uint8_t next_header, size_t payload, uint8_t* out) {
  std::memset(out, 0, kIpv6Header);
  out[0] = 0x60;
  StoreBig16(out + 4, uint16_t(payload));
  out[6] = next_header;
  out[7] = 64;  // hop limit
  std::memcpy(out + 8, refused.data() + 24, 16);
  std::memcpy(out + 24, refused.data() + 8, 16);
}

// The partial sum of the pseudo-header over a new packet's addresses, its upper-layer
// protocol and length: IPv4's (RFC 793) for a header at `ip` of that family, IPv6's (RFC
// 8200 8.1) otherwise.
uint32_t PseudoHeaderSum(const uint8_t* ip, uint8_t protocol, uint32_t length) {
  const bool v6 = (ip[0] >> 4) == 6;
  uint32_t sum = 0;
  for (int i = v6 ? 8 : 12; i < (v6 ? 40 : 20); i += 2) sum += LoadBig16(ip + i);
  return sum + (length >> 16) + (length & 0xffff) + protocol;
}

bool IsIcmpError(uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

// ICMPv6 errors are types 1-4 (RFC 4443); 128 and up are informational.
bool IsIcmpv6Error(uint8_t type) { return type >= 1 && type <= 4; }

// The RST answering the TCP segment at `in` (`segment` bytes, header included) into `tcp`,
// checksummed under the pseudo-header of the new IP header at `ip`.
void WriteTcpReset(const uint8_t* in, size_t segment, const uint8_t* ip, uint8_t* tcp) {
  const uint8_t flags = in[13];
  uint32_t seq = 0, ack = 0;
  uint8_t out_flags = kTcpRst;
  if (flags & kTcpAck) {
    seq = LoadBig32(in + 8);
  } else {
    // What the refused segment occupied of the sequence space: SYN, FIN and its payload.
    const size_t data_offset = size_t(in[12] >> 4) * 4;
    ack = LoadBig32(in + 4) + ((flags & kTcpSyn) ? 1 : 0) + ((flags & kTcpFin) ? 1 : 0) +
          uint32_t(segment) - uint32_t(data_offset);
    out_flags |= kTcpAck;
  }
  std::memset(tcp, 0, kTcpHeader);
  std::memcpy(tcp, in + 2, 2);  // ports swapped
  std::memcpy(tcp + 2, in, 2);
  StoreBig32(tcp + 4, seq);
  StoreBig32(tcp + 8, ack);
  tcp[12] = uint8_t((kTcpHeader / 4) << 4);
  tcp[13] = out_flags;
  StoreBig16(tcp + 16, InternetChecksum(ByteSpan(tcp, kTcpHeader),
                                        PseudoHeaderSum(ip, kProtoTcp, kTcpHeader)));
}

// The RST for the TCP segment at `offset` of the refused packet, behind a fresh IPv4 or
// IPv6 header.
size_t TcpReset(ByteSpan refused, size_t offset, bool ipv6, MutableByteSpan out) {
  if (refused.size() < offset + kTcpHeader) return 0;
  const size_t ip_header = ipv6 ? kIpv6Header : kIpHeader;
  const size_t total = ip_header + kTcpHeader;
  if (out.size() < total) return 0;
  if (ipv6) {
    WriteIpv6Header(refused, kProtoTcp, kTcpHeader, out.data());
  } else {
    WriteIpHeader(refused, kProtoTcp, total, out.data());
  }
  WriteTcpReset(refused.data() + offset, refused.size() - offset, out.data(),
                out.data() + ip_header);
  return total;
}

size_t IcmpProhibited(ByteSpan refused, size_t header_length, MutableByteSpan out) {
  if (refused[9] == kProtoIcmp && refused.size() > header_length &&
      IsIcmpError(refused[header_length])) {
    return 0;  // never an ICMP error about an ICMP error
  }
  const size_t quoted = std::min(refused.size(), header_length + 8);
  const size_t total = kIpHeader + kIcmpHeader + quoted;
  if (out.size() < total) return 0;
  uint8_t* ip = out.data();
  uint8_t* icmp = ip + kIpHeader;
  WriteIpHeader(refused, kProtoIcmp, total, ip);
  std::memset(icmp, 0, kIcmpHeader);
  icmp[0] = kIcmpUnreachable;
  icmp[1] = kIcmpAdminProhibited;
  std::memcpy(icmp + kIcmpHeader, refused.data(), quoted);
  StoreBig16(icmp + 2, InternetChecksum(ByteSpan(icmp, kIcmpHeader + quoted)));
  return total;
}

size_t RejectIpv4(ByteSpan refused, MutableByteSpan out) {
  if (refused.size() < kIpHeader) return 0;
  const size_t header_length = size_t(refused[0] & 0x0f) * 4;
  if (header_length < kIpHeader || refused.size() < header_length) return 0;
  // Non-first fragments carry no transport header to answer.
  if ((LoadBig16(refused.data() + 6) & 0x1fff) != 0) return 0;
  if (refused[9] == kProtoTcp) return TcpReset(refused, header_length, /*ipv6=*/false, out);
  return IcmpProhibited(refused, header_length, out);
}

size_t Icmpv6Prohibited(ByteSpan refused, const Ipv6UpperLayer& upper, MutableByteSpan out) {
  if (upper.protocol == kProtoIcmpv6 && refused.size() > upper.offset &&
      IsIcmpv6Error(refused[upper.offset])) {
    return 0;  // never an ICMPv6 error about an ICMPv6 error
  }
  const size_t quoted = std::min(refused.size(), kIpv6Quoted);
  const size_t payload = kIcmpHeader + quoted;
  if (out.size() < kIpv6Header + payload) return 0;
  uint8_t* ip = out.data();
  uint8_t* icmp = ip + kIpv6Header;
  WriteIpv6Header(refused, kProtoIcmpv6, payload, ip);
  std::memset(icmp, 0, kIcmpHeader);
  icmp[0] = kIcmpv6Unreachable;
  icmp[1] = kIcmpv6AdminProhibited;
  std::memcpy(icmp + kIcmpHeader, refused.data(), quoted);
  // Unlike ICMPv4, ICMPv6's checksum covers the pseudo-header.
  StoreBig16(icmp + 2, InternetChecksum(ByteSpan(icmp, payload),
                                        PseudoHeaderSum(ip, kProtoIcmpv6, uint32_t(payload))));
  return kIpv6Header + payload;
}

size_t RejectIpv6(ByteSpan refused, MutableByteSpan out) {
  Ipv6UpperLayer upper;
  // The classifier's walk: a chain it refuses, or a later fragment, gets no answer.
  if (!FindIpv6UpperLayer(refused, &upper) || upper.later_fragment) return 0;
  if (upper.protocol == kProtoTcp) return TcpReset(refused, upper.offset, /*ipv6=*/true, out);
  return Icmpv6Prohibited(refused, upper, out);
}

}  // namespace

uint16_t InternetChecksum(ByteSpan data, uint32_t initial) {
  uint64_t sum = initial;
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += LoadBig16(data.data() + i);
  if (i < data.size()) sum += uint32_t(data[i]) << 8;
  while (sum > 0xffff) sum = (sum >> 16) + (sum & 0xffff);
  return uint16_t(~sum);
}

size_t BuildReject(ByteSpan refused, MutableByteSpan out) {
  if (refused.empty()) return 0;
  if ((refused[0] >> 4) == 4) return RejectIpv4(refused, out);
  if ((refused[0] >> 4) == 6) return RejectIpv6(refused, out);
  return 0;
}

}  // namespace flatnet::firewall
