// What a TUN with offloads hands flatnet (src/tun/segment.h): a virtio_net_hdr and one IP
// packet, often a TCP/UDP super-packet, split into wire-sized packets.
//
// Input: the first 10 bytes are the VnetHeader, the rest the packet (the kernel is trusted
// less than it deserves here: any header, any packet). Every piece must fit the size Parse
// promised; CompleteChecksum must stay inside the packet.
#include <cstdint>
#include <vector>

#include "tests/fuzz/fuzz_support.h"
#include "tun/segment.h"

using namespace flatnet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < tun::VnetHeader::kSize) return 0;
  tun::VnetHeader vnet = tun::VnetHeader::Load(data);
  ByteSpan packet(data + tun::VnetHeader::kSize, size - tun::VnetHeader::kSize);

  std::vector<uint8_t> copy(packet.begin(), packet.end());
  (void)tun::CompleteChecksum(vnet, MutableByteSpan(copy.data(), copy.size()));

  auto super = tun::SuperPacket::Parse(vnet, packet);
  if (!super.ok()) return 0;
  size_t count = super->count();
  if (count == 0) fuzz::Fail("a parsed frame has no packets");
  size_t max = super->max_packet_size();
  // Each piece in a buffer of exactly its promised size, so ASan sees any overrun.
  for (size_t i = 0; i < count; ++i) {
    size_t expected = super->packet_size(i);
    if (expected > max) fuzz::Fail("a piece is bigger than max_packet_size");
    std::vector<uint8_t> out(expected);
    if (super->WriteSegment(i, out.data()) != expected) fuzz::Fail("piece size differs");
  }
  // The whole-frame entry point, with buffers of max_packet_size.
  if (count > 64) return 0;
  std::vector<std::vector<uint8_t>> buffers(count, std::vector<uint8_t>(max));
  std::vector<MutableByteSpan> out;
  for (auto& b : buffers) out.emplace_back(b.data(), b.size());
  std::vector<size_t> sizes(count);
  auto n = tun::SegmentSuperPacket(vnet, packet, out, sizes);
  if (!n.ok() || *n != count) fuzz::Fail("SegmentSuperPacket disagrees with SuperPacket::Parse");
  return 0;
}
