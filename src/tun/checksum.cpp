#include "tun/checksum.h"

namespace flatnet::tun {

uint64_t ChecksumAdd(const uint8_t* data, size_t len, uint64_t sum) {
  // 32-bit words into a 64-bit accumulator: no carry handling needed below 16 GB. Four
  // independent accumulators let the CPU overlap the additions.
  uint64_t s0 = sum, s1 = 0, s2 = 0, s3 = 0;
  while (len >= 16) {
    uint32_t w[4];
    std::memcpy(w, data, 16);
    s0 += w[0];
    s1 += w[1];
    s2 += w[2];
    s3 += w[3];
    data += 16;
    len -= 16;
  }
  while (len >= 4) {
    uint32_t w;
    std::memcpy(&w, data, 4);
    s0 += w;
    data += 4;
    len -= 4;
  }
  if (len >= 2) {
    uint16_t w;
    std::memcpy(&w, data, 2);
    s1 += w;
    data += 2;
    len -= 2;
  }
  if (len) {
    uint8_t last[2] = {data[0], 0};
    uint16_t w;
    std::memcpy(&w, last, 2);
    s2 += w;
  }
  // Fold each to 32 bits before adding so the total cannot overflow.
  auto fold32 = [](uint64_t s) { return (s & 0xffffffff) + (s >> 32); };
  return fold32(s0) + fold32(s1) + fold32(s2) + fold32(s3);
}

void FixIpv4HeaderChecksum(uint8_t* ip_header, size_t header_len) {
  ip_header[10] = ip_header[11] = 0;
  StoreChecksum(ip_header + 10, uint16_t(~ChecksumFold(ChecksumAdd(ip_header, header_len))));
}

}  // namespace flatnet::tun
