// TcpCoalescer: "GRO" toward the TUN device. Consecutive in-order TCP segments of one flow
// that arrive in the same receive batch are merged into a single super-packet and written
// with one VnetHeader (GSO_TCPV4/6, partial checksum), so the kernel's TCP stack handles
// one 64 KB packet instead of ~45 small ones — the receive-side half of the offload win.
//
// Contract: Add() takes plain IP packets in arrival order and either appends them to a
// pending super-packet or writes them through the FrameWriter; Flush() writes whatever
// is pending (call it at the end of every receive batch, or packets wait). Per flow the
// byte stream is delivered in the order it was added; between flows order may change,
// which TCP does not mind. A segment joins a pending one only when the result is exactly
// what the sender's TSO would have produced: same addresses, ports, IP fields (TOS, TTL,
// DF), TCP header length and options, ACK number and window; the next sequence number;
// payload no longer than the first (a shorter one, or one with PSH, ends the run); only
// ACK/PSH flags; and a valid checksum (the kernel trusts a partial checksum, so a
// corrupted segment must never hide inside one). Everything else goes out as it came,
// after the pending data of its flow. A single segment is written unmodified.
// Needs a TUN opened with vnet headers. Not thread-safe: one per packet worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "tun/vnet_header.h"

namespace flatnet::tun {

// Where frames go: a TunQueue, or a test's capture.
class FrameWriter {
 public:
  virtual ~FrameWriter() = default;
  virtual Status WriteFrame(const VnetHeader& vnet, ByteSpan packet) = 0;
};

class TcpCoalescer {
 public:
  // Up to `max_flows` super-packets are built at once (one 64 KB buffer each); another
  // flow's arrival pushes out the least recently started one.
  explicit TcpCoalescer(FrameWriter& out, size_t max_flows = 8);

  Status Add(ByteSpan ip_packet);
  Status Flush();

  // Counters for metrics and tests.
  uint64_t frames_written() const { return frames_written_; }
  uint64_t segments_coalesced() const { return segments_coalesced_; }

 private:
  struct Flow {
    std::vector<uint8_t> buffer;  // the super-packet being built
    size_t length = 0;            // 0 when the slot is free
    bool ipv6 = false;
    size_t ip_len = 0, tcp_len = 0;
    size_t gso_size = 0;  // payload of the first segment
    size_t segments = 0;
    uint32_t next_seq = 0;
    bool closed = false;  // a short or PSH segment ended the run
    uint64_t started = 0;
  };
  // What Add needs to know about a TCP packet, parsed once.
  struct TcpView {
    bool ipv6;
    size_t ip_len, tcp_len, payload;
    const uint8_t* tcp;
  };

  static bool ParseTcp(ByteSpan packet, TcpView* view);
  static bool SameFlow(const Flow& flow, ByteSpan packet, const TcpView& view);
  static bool CanAppend(const Flow& flow, ByteSpan packet, const TcpView& view);
  static bool ChecksumValid(ByteSpan packet, const TcpView& view);
  Status Start(Flow& flow, ByteSpan packet, const TcpView& view);
  Status FlushFlow(Flow& flow);
  Status WritePlain(ByteSpan packet);

  FrameWriter& out_;
  std::vector<Flow> flows_;
  uint64_t clock_ = 0;
  uint64_t frames_written_ = 0;
  uint64_t segments_coalesced_ = 0;
};

}  // namespace flatnet::tun
