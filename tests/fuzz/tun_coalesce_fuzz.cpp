// TCP coalescing toward the TUN (src/tun/coalesce.h): a receive batch of decrypted IP
// packets from peers, any bytes at all, merged into super-packets.
//
// Input: packets, each as a 2-byte big-endian length and that many bytes; a length of 0
// means "end of receive batch" (Flush). Every super-packet the coalescer writes must be one
// the kernel would accept and split back: SuperPacket::Parse (the same rules the kernel's
// GSO applies) must take it and write each of its pieces within its promised size.
#include <cstdint>
#include <vector>

#include "tests/fuzz/fuzz_support.h"
#include "tun/coalesce.h"
#include "tun/segment.h"

using namespace flatnet;

namespace {

class CheckingWriter : public tun::FrameWriter {
 public:
  Status WriteFrame(const tun::VnetHeader& vnet, ByteSpan packet) override {
    if (!vnet.is_gso()) return Status();
    auto super = tun::SuperPacket::Parse(vnet, packet);
    if (!super.ok())
      fuzz::Fail("the coalescer wrote a frame the segmenter refuses: " + super.status().message());
    for (size_t i = 0; i < super->count(); ++i) {
      std::vector<uint8_t> out(super->packet_size(i));
      super->WriteSegment(i, out.data());
    }
    return Status();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckingWriter writer;
  tun::TcpCoalescer coalescer(writer, 4);
  size_t off = 0;
  while (off + 2 <= size) {
    size_t length = size_t(data[off]) << 8 | data[off + 1];
    off += 2;
    if (length == 0) {
      (void)coalescer.Flush();
      continue;
    }
    if (length > size - off) length = size - off;
    // Each packet in its own allocation, as received datagrams are, so ASan sees overruns.
    std::vector<uint8_t> packet(data + off, data + off + length);
    off += length;
    (void)coalescer.Add(ByteSpan(packet.data(), packet.size()));
  }
  (void)coalescer.Flush();
  return 0;
}
