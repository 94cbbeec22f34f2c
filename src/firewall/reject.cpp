#include "firewall/reject.h"

#include <algorithm>
#include <cstring>

#include "firewall/packet.h"

namespace flatnet::firewall {
namespace {

constexpr size_t kIpHeader = 20;
constexpr size_t kTcpHeader = 20;
constexpr size_t kIcmpHeader = 8;
constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;
constexpr uint8_t kIcmpUnreachable = 3, kIcmpAdminProhibited = 13;

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

bool IsIcmpError(uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

size_t TcpReset(ByteSpan refused, size_t header_length, MutableByteSpan out) {
  if (refused.size() < header_length + kTcpHeader) return 0;
  const size_t total = kIpHeader + kTcpHeader;
  if (out.size() < total) return 0;
  const uint8_t* in = refused.data() + header_length;
  uint8_t* ip = out.data();
  uint8_t* tcp = ip + kIpHeader;
  WriteIpHeader(refused, kProtoTcp, total, ip);

  const uint8_t flags = in[13];
  uint32_t seq = 0, ack = 0;
  uint8_t out_flags = kTcpRst;
  if (flags & kTcpAck) {
    seq = LoadBig32(in + 8);
  } else {
    // What the refused segment occupied of the sequence space: SYN, FIN and its payload.
    const size_t data_offset = size_t(in[12] >> 4) * 4;
    const size_t segment = refused.size() - header_length;
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
  // Pseudo-header: source, destination, protocol, TCP length.
  uint32_t pseudo = 0;
  for (int i = 12; i < 20; i += 2) pseudo += LoadBig16(ip + i);
  pseudo += kProtoTcp + kTcpHeader;
  StoreBig16(tcp + 16, InternetChecksum(ByteSpan(tcp, kTcpHeader), pseudo));
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
  if (refused.size() < kIpHeader || (refused[0] >> 4) != 4) return 0;
  const size_t header_length = size_t(refused[0] & 0x0f) * 4;
  if (header_length < kIpHeader || refused.size() < header_length) return 0;
  // Non-first fragments carry no transport header to answer.
  if ((LoadBig16(refused.data() + 6) & 0x1fff) != 0) return 0;
  if (refused[9] == kProtoTcp) return TcpReset(refused, header_length, out);
  return IcmpProhibited(refused, header_length, out);
}

}  // namespace flatnet::firewall
