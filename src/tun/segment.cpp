#include "tun/segment.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "tun/checksum.h"

namespace flatnet::tun {
namespace {

constexpr uint8_t kTcp = 6, kUdp = 17;
constexpr uint8_t kTcpFin = 0x01, kTcpPsh = 0x08, kTcpCwr = 0x80;

Status Malformed(const std::string& what) {
  return Status::Error("malformed packet from the TUN device: " + what);
}

}  // namespace

Result<SuperPacket> SuperPacket::Parse(const VnetHeader& vnet, ByteSpan packet) {
  SuperPacket sp;
  sp.packet_ = packet;
  sp.needs_csum_ = vnet.flags & VnetHeader::kFlagNeedsCsum;
  sp.csum_start_ = vnet.csum_start;
  sp.csum_offset_ = vnet.csum_offset;
  if (packet.empty()) return Malformed("empty");
  const int version = packet[0] >> 4;
  if (version != 4 && version != 6) return Malformed("IP version " + std::to_string(version));
  sp.ipv6_ = version == 6;
  if (sp.needs_csum_ && size_t(vnet.csum_start) + vnet.csum_offset + 2 > packet.size()) {
    return Malformed("checksum offset " + std::to_string(vnet.csum_start) + "+" +
                     std::to_string(vnet.csum_offset) + " outside " +
                     std::to_string(packet.size()) + " bytes");
  }
  const uint8_t gso_type = vnet.gso_type & ~VnetHeader::kGsoEcn;
  if (gso_type == VnetHeader::kGsoNone) return sp;  // count 1: copied, checksum finished

  sp.gso_ = true;
  switch (gso_type) {
    case VnetHeader::kGsoTcpV4:
    case VnetHeader::kGsoTcpV6:
      if (sp.ipv6_ != (gso_type == VnetHeader::kGsoTcpV6)) {
        return Malformed("GSO type " + std::to_string(gso_type) + " on an IPv" +
                         std::to_string(version) + " packet");
      }
      sp.protocol_ = kTcp;
      break;
    case VnetHeader::kGsoUdpL4:
      sp.protocol_ = kUdp;
      break;
    default:
      return Malformed("unsupported GSO type " + std::to_string(gso_type));
  }
  // Where the L4 header starts: the kernel says so for partial checksums, which every GSO
  // frame has; otherwise only a plain IP header is understood.
  size_t ip_len;
  if (sp.ipv6_) {
    if (packet.size() < 40) return Malformed("IPv6 header truncated");
    if (size_t(LoadBig16(packet.data() + 4)) + 40 != packet.size()) {
      return Malformed("IPv6 payload length disagrees with the frame size");
    }
    ip_len = 40;
    if (!sp.needs_csum_ && packet[6] != sp.protocol_) {
      return Malformed("IPv6 extension headers without csum_start");
    }
  } else {
    if (packet.size() < 20) return Malformed("IPv4 header truncated");
    ip_len = size_t(packet[0] & 0x0f) * 4;
    if (ip_len < 20 || LoadBig16(packet.data() + 2) != packet.size()) {
      return Malformed("IPv4 header or total length disagrees with the frame size");
    }
    if (packet[9] != sp.protocol_) return Malformed("GSO type does not match the IP protocol");
  }
  sp.l4_offset_ = sp.needs_csum_ ? vnet.csum_start : ip_len;
  if (sp.l4_offset_ < ip_len) return Malformed("csum_start inside the IP header");
  size_t l4_header;
  if (sp.protocol_ == kTcp) {
    if (sp.l4_offset_ + 20 > packet.size()) return Malformed("TCP header truncated");
    l4_header = size_t(packet[sp.l4_offset_ + 12] >> 4) * 4;
    if (l4_header < 20) return Malformed("TCP data offset below 5");
  } else {
    l4_header = 8;
  }
  sp.headers_len_ = sp.l4_offset_ + l4_header;
  if (sp.headers_len_ > packet.size()) return Malformed("L4 header truncated");
  sp.payload_len_ = packet.size() - sp.headers_len_;
  sp.gso_size_ = vnet.gso_size;
  if (sp.gso_size_ == 0) return Malformed("GSO frame with gso_size 0");
  sp.count_ = std::max<size_t>(1, (sp.payload_len_ + sp.gso_size_ - 1) / sp.gso_size_);
  return sp;
}

size_t SuperPacket::packet_size(size_t i) const {
  if (!gso_) return packet_.size();
  return headers_len_ + std::min(gso_size_, payload_len_ - i * gso_size_);
}

size_t SuperPacket::WriteSegment(size_t i, uint8_t* out) const {
  if (!gso_) {
    std::memcpy(out, packet_.data(), packet_.size());
    if (needs_csum_) {
      CompleteChecksum(VnetHeader{VnetHeader::kFlagNeedsCsum, 0, 0, 0, csum_start_, csum_offset_},
                       MutableByteSpan(out, packet_.size()));
    }
    return packet_.size();
  }
  const size_t offset = i * gso_size_;
  const size_t payload = std::min(gso_size_, payload_len_ - offset);
  const size_t size = headers_len_ + payload;
  std::memcpy(out, packet_.data(), headers_len_);
  std::memcpy(out + headers_len_, packet_.data() + headers_len_ + offset, payload);

  const uint8_t *src, *dst;
  size_t addr_len;
  if (ipv6_) {
    StoreBig16(out + 4, uint16_t(size - 40));
    src = out + 8, dst = out + 24, addr_len = 16;
  } else {
    StoreBig16(out + 2, uint16_t(size));
    StoreBig16(out + 4, uint16_t(LoadBig16(out + 4) + i));
    FixIpv4HeaderChecksum(out, size_t(out[0] & 0x0f) * 4);
    src = out + 12, dst = out + 16, addr_len = 4;
  }
  uint8_t* l4 = out + l4_offset_;
  const uint32_t l4_len = uint32_t(size - l4_offset_);
  uint8_t* check;
  if (protocol_ == kTcp) {
    StoreBig32(l4 + 4, LoadBig32(l4 + 4) + uint32_t(offset));
    if (i + 1 < count_) l4[13] &= uint8_t(~(kTcpFin | kTcpPsh));
    if (i > 0) l4[13] &= uint8_t(~kTcpCwr);
    check = l4 + 16;
  } else {
    StoreBig16(l4 + 4, uint16_t(l4_len));
    check = l4 + 6;
  }
  check[0] = check[1] = 0;
  uint64_t sum = PseudoHeaderSum(src, dst, addr_len, protocol_, l4_len);
  uint16_t folded = uint16_t(~ChecksumFold(ChecksumAdd(l4, l4_len, sum)));
  // UDP reserves 0 for "no checksum"; 0xffff is the same value in one's complement.
  StoreChecksum(check, folded == 0 ? 0xffff : folded);
  return size;
}

Status CompleteChecksum(const VnetHeader& vnet, MutableByteSpan packet) {
  if (!(vnet.flags & VnetHeader::kFlagNeedsCsum)) return Status();
  size_t start = vnet.csum_start, field = start + vnet.csum_offset;
  if (field + 2 > packet.size()) {
    return Malformed("checksum offset " + std::to_string(start) + "+" +
                     std::to_string(vnet.csum_offset) + " outside " +
                     std::to_string(packet.size()) + " bytes");
  }
  // The field already holds the pseudo-header sum, so summing from csum_start to the end
  // yields the whole checksum.
  uint16_t folded =
      uint16_t(~ChecksumFold(ChecksumAdd(packet.data() + start, packet.size() - start)));
  StoreChecksum(packet.data() + field, folded == 0 ? 0xffff : folded);
  return Status();
}

Result<size_t> SegmentSuperPacket(const VnetHeader& vnet, ByteSpan packet,
                                  std::span<const MutableByteSpan> out, std::span<size_t> sizes) {
  auto sp = SuperPacket::Parse(vnet, packet);
  if (!sp.ok()) return sp.status();
  if (out.size() < sp->count() || sizes.size() < sp->count()) {
    return Status::Error("super-packet splits into " + std::to_string(sp->count()) +
                         " packets, room for " +
                         std::to_string(std::min(out.size(), sizes.size())));
  }
  for (size_t i = 0; i < sp->count(); ++i) {
    if (out[i].size() < sp->packet_size(i)) {
      return Status::Error("segment buffer of " + std::to_string(out[i].size()) +
                           " bytes is too small for a " + std::to_string(sp->packet_size(i)) +
                           "-byte packet");
    }
    sizes[i] = sp->WriteSegment(i, out[i].data());
  }
  return sp->count();
}

}  // namespace flatnet::tun
