// Splitting what a TUN with offloads hands us (a VnetHeader plus one IP packet, often a
// TCP or UDP "super-packet" of up to 64 KB) into the ordinary packets the wire carries.
//
// Contract: SuperPacket::Parse validates a frame from the kernel and never reads past it;
// errors say what is malformed. WriteSegment(i, out) builds packet i of count(): the IP
// and L4 headers copied and fixed up — IPv4 total length, id + i and header checksum,
// IPv6 payload length, TCP sequence number + i * gso_size, FIN/PSH only on the last
// piece and CWR only on the first (as the kernel's own TSO does), UDP length — followed by
// that piece of payload, with the TCP/UDP checksum computed in full. A frame without GSO
// is count() == 1 and comes out as itself with its checksum finished if it was partial.
// Nothing allocates; `out` must hold packet_size(i) bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/bytes.h"
#include "base/status.h"
#include "tun/vnet_header.h"

namespace flatnet::tun {

class SuperPacket {
 public:
  static Result<SuperPacket> Parse(const VnetHeader& vnet, ByteSpan packet);

  size_t count() const { return count_; }
  size_t packet_size(size_t i) const;
  size_t max_packet_size() const { return count_ == 1 ? packet_.size() : headers_len_ + gso_size_; }
  bool is_ipv6() const { return ipv6_; }
  uint8_t protocol() const { return protocol_; }  // 6 (TCP) or 17 (UDP); 0 if not L4-offloaded

  // Writes packet i to out; returns its size.
  size_t WriteSegment(size_t i, uint8_t* out) const;

 private:
  SuperPacket() = default;

  ByteSpan packet_;
  bool ipv6_ = false;
  bool gso_ = false;
  bool needs_csum_ = false;
  uint8_t protocol_ = 0;
  size_t l4_offset_ = 0;    // IP header length (with IPv6 extension headers)
  size_t headers_len_ = 0;  // IP + TCP/UDP headers, copied into every piece
  size_t payload_len_ = 0;
  size_t gso_size_ = 0;
  size_t count_ = 1;
  uint16_t csum_start_ = 0, csum_offset_ = 0;
};

// Finishes a partial checksum (VnetHeader::kFlagNeedsCsum) in place, for frames without
// GSO, so the common small packet needs no copy. A no-op when the flag is clear.
Status CompleteChecksum(const VnetHeader& vnet, MutableByteSpan packet);

// Splits a frame into out[0..n), recording each size in sizes[i]; returns n. Each out[i]
// must hold SuperPacket::max_packet_size() bytes; fails if out or sizes is too short.
Result<size_t> SegmentSuperPacket(const VnetHeader& vnet, ByteSpan packet,
                                  std::span<const MutableByteSpan> out, std::span<size_t> sizes);

}  // namespace flatnet::tun
