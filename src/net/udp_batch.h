// RecvBatchBuffers and SendBatchBuffers: the preallocated memory UdpSocket's batched calls
// (recvmmsg / sendmmsg) work in, so a packet worker allocates nothing per datagram.
//
// Contract: each batch is built once per worker and reused for every call; it is not
// shared between threads. After UdpSocket::RecvBatch returns n, entries [0, n) hold the
// received messages until the next RecvBatch. A SendBatchBuffers is filled by writing a
// datagram into next_buffer() and calling Commit(dest, length); UdpSocket::SendBatch sends
// every committed datagram and Clear()s the batch.
//
// With UDP GRO on (UdpSocket::gro_enabled()), one received message may carry several
// datagrams from the same source back to back: segment_size(i) is then their size (the
// last may be shorter) and ForEachDatagram splits them. Buffers must hold
// kMaxGroMessageSize bytes for that, or the kernel would truncate coalesced messages.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/check.h"
#include "net/udp_addr.h"

namespace flatnet::net {

// Nebula's receive buffer size (udp.MTU): the largest datagram either side sends.
inline constexpr size_t kMaxDatagramSize = 9001;
// What one GRO-coalesced receive can hold: a full IP payload.
inline constexpr size_t kMaxGroMessageSize = 65535;

class RecvBatchBuffers {
 public:
  // `count` messages per recvmmsg (nebula's listen.batch, default 64) of `buffer_size`
  // bytes each; use kMaxGroMessageSize when the socket has GRO on.
  explicit RecvBatchBuffers(size_t count = 64, size_t buffer_size = kMaxDatagramSize);
  RecvBatchBuffers(const RecvBatchBuffers&) = delete;
  RecvBatchBuffers& operator=(const RecvBatchBuffers&) = delete;

  size_t capacity() const { return headers_.size(); }
  size_t buffer_size() const { return buffer_size_; }

  // Entry i of the last receive; i < the count RecvBatch returned.
  MutableByteSpan packet(size_t i) { return {buffer(i), headers_[i].msg_len}; }
  ByteSpan packet(size_t i) const { return {buffer(i), headers_[i].msg_len}; }
  UdpAddr source(size_t i) const;
  // The datagram size of a GRO-coalesced entry, or 0 when the entry is one datagram.
  size_t segment_size(size_t i) const { return segment_sizes_[i]; }
  // True if the kernel cut the message to fit the buffer.
  bool truncated(size_t i) const { return headers_[i].msg_hdr.msg_flags & MSG_TRUNC; }

  // Calls fn(ByteSpan) for each datagram in entry i, splitting GRO-coalesced entries.
  template <typename Fn>
  void ForEachDatagram(size_t i, Fn&& fn) const {
    ByteSpan all = packet(i);
    size_t step = segment_sizes_[i] ? segment_sizes_[i] : all.size();
    if (step == 0) return fn(all);  // an empty datagram is still a datagram
    for (size_t off = 0; off < all.size(); off += step) {
      fn(all.subspan(off, std::min(step, all.size() - off)));
    }
  }

 private:
  friend class UdpSocket;
  // Space for one UDP_GRO control message (an int), aligned for cmsghdr.
  struct alignas(cmsghdr) Control {
    uint8_t bytes[CMSG_SPACE(sizeof(int))];
  };

  uint8_t* buffer(size_t i) { return storage_.data() + i * buffer_size_; }
  const uint8_t* buffer(size_t i) const { return storage_.data() + i * buffer_size_; }
  // Restores the lengths the kernel overwrote on the previous receive.
  void PrepareForReceive(bool want_gro_control);
  // Reads the UDP_GRO control message of entries [0, n).
  void CollectSegmentSizes(int n);

  size_t buffer_size_;
  std::vector<uint8_t> storage_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_in6> names_;  // large enough for sockaddr_in too
  std::vector<Control> controls_;
  std::vector<mmsghdr> headers_;
  std::vector<uint16_t> segment_sizes_;
};

class SendBatchBuffers {
 public:
  explicit SendBatchBuffers(size_t count = 64, size_t buffer_size = kMaxDatagramSize);
  SendBatchBuffers(const SendBatchBuffers&) = delete;
  SendBatchBuffers& operator=(const SendBatchBuffers&) = delete;

  size_t capacity() const { return lengths_.size(); }
  size_t buffer_size() const { return buffer_size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity(); }

  // Where the next datagram goes; valid while !full().
  MutableByteSpan next_buffer() { return {buffer(size_), buffer_size_}; }
  // Queues the first `length` bytes of next_buffer() for `dest`.
  void Commit(const UdpAddr& dest, size_t length) {
    FLATNET_CHECK(!full() && length <= buffer_size_);
    dests_[size_] = dest;
    lengths_[size_] = length;
    ++size_;
  }
  void Clear() { size_ = 0; }

  ByteSpan packet(size_t i) const { return {buffer(i), lengths_[i]}; }
  const UdpAddr& dest(size_t i) const { return dests_[i]; }

 private:
  friend class UdpSocket;
  struct alignas(cmsghdr) Control {
    uint8_t bytes[CMSG_SPACE(sizeof(uint16_t))];
  };

  uint8_t* buffer(size_t i) { return storage_.data() + i * buffer_size_; }
  const uint8_t* buffer(size_t i) const { return storage_.data() + i * buffer_size_; }

  size_t buffer_size_;
  size_t size_ = 0;
  std::vector<uint8_t> storage_;
  std::vector<size_t> lengths_;
  std::vector<UdpAddr> dests_;
  // Scratch UdpSocket::SendBatch fills per call; kept here so the socket itself stays
  // usable from several threads for single sends.
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_in6> names_;
  std::vector<Control> controls_;
  std::vector<mmsghdr> headers_;
  std::vector<uint32_t> first_of_message_;  // batch index of each message's first datagram
};

}  // namespace flatnet::net
