// Internet checksum (RFC 1071) pieces for rebuilding IPv4, TCP and UDP headers.
//
// Contract: ChecksumAdd sums bytes as 16-bit words in memory order into a 64-bit
// accumulator (odd tails padded with a zero byte), so partial sums over consecutive
// pieces can be added when each piece but the last has even length. ChecksumFold turns
// an accumulator into a 16-bit value to be stored with StoreChecksum at the checksum
// field (already in wire byte order); the field holds ~fold for a finished checksum.
// Works in the machine's byte order throughout: the one's-complement sum is
// byte-order independent, which saves a swap per word.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace flatnet::tun {

uint64_t ChecksumAdd(const uint8_t* data, size_t len, uint64_t sum = 0);

inline uint16_t ChecksumFold(uint64_t sum) {
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

inline void StoreChecksum(uint8_t* field, uint16_t folded_or_final) {
  std::memcpy(field, &folded_or_final, 2);
}

// The pseudo-header sum for TCP/UDP: source and destination addresses (4 or 16 bytes
// each, as in the packet), protocol, and the L4 length (header plus payload).
inline uint64_t PseudoHeaderSum(const uint8_t* src, const uint8_t* dst, size_t addr_len,
                                uint8_t protocol, uint32_t l4_length) {
  uint8_t tail[8] = {0, 0,        uint8_t(l4_length >> 24), uint8_t(l4_length >> 16),
                     0, protocol, uint8_t(l4_length >> 8),  uint8_t(l4_length)};
  return ChecksumAdd(tail, 8, ChecksumAdd(dst, addr_len, ChecksumAdd(src, addr_len)));
}

// Recomputes an IPv4 header's checksum in place (header_len = IHL * 4).
void FixIpv4HeaderChecksum(uint8_t* ip_header, size_t header_len);

}  // namespace flatnet::tun
