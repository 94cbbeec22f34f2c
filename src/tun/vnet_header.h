// VnetHeader: the virtio_net_hdr a TUN device opened with IFF_VNET_HDR puts in front of
// every packet (reads) and expects in front of every packet (writes).
//
// Contract: 10 bytes, fields in host byte order (a legacy header on a little-endian TUN,
// which is what TUNSETIFF gives unless TUNSETVNETBE is used). gso_type says whether the
// packet is a TCP/UDP super-packet the reader must split into gso_size-payload pieces;
// kFlagNeedsCsum says the L4 checksum is only partial (the pseudo-header sum sits in the
// field at csum_start + csum_offset) and the reader must finish it. A zeroed header means
// "one ordinary, fully checksummed packet". hdr_len from the kernel is a hint only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace flatnet::tun {

struct VnetHeader {
  static constexpr size_t kSize = 10;

  static constexpr uint8_t kFlagNeedsCsum = 1;
  static constexpr uint8_t kFlagDataValid = 2;

  static constexpr uint8_t kGsoNone = 0;
  static constexpr uint8_t kGsoTcpV4 = 1;
  static constexpr uint8_t kGsoUdp = 3;  // UFO (IP fragmentation): never offered, refused
  static constexpr uint8_t kGsoTcpV6 = 4;
  static constexpr uint8_t kGsoUdpL4 = 5;  // USO, TUN_F_USO4/6 (Linux 6.2+)
  static constexpr uint8_t kGsoEcn = 0x80;

  uint8_t flags = 0;
  uint8_t gso_type = kGsoNone;
  uint16_t hdr_len = 0;
  uint16_t gso_size = 0;
  uint16_t csum_start = 0;
  uint16_t csum_offset = 0;

  static VnetHeader Load(const uint8_t* p) {
    VnetHeader h;
    h.flags = p[0];
    h.gso_type = p[1];
    std::memcpy(&h.hdr_len, p + 2, 2);
    std::memcpy(&h.gso_size, p + 4, 2);
    std::memcpy(&h.csum_start, p + 6, 2);
    std::memcpy(&h.csum_offset, p + 8, 2);
    return h;
  }
  void Store(uint8_t* p) const {
    p[0] = flags;
    p[1] = gso_type;
    std::memcpy(p + 2, &hdr_len, 2);
    std::memcpy(p + 4, &gso_size, 2);
    std::memcpy(p + 6, &csum_start, 2);
    std::memcpy(p + 8, &csum_offset, 2);
  }
  bool is_gso() const { return (gso_type & ~kGsoEcn) != kGsoNone; }
};

}  // namespace flatnet::tun
