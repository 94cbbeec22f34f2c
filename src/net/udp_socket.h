// UdpSocket: the underlay socket each packet worker owns, with batched and offloaded I/O.
//
// Contract:
//  - Open binds like Nebula's listen.host: an IPv4 host ("0.0.0.0") gives an IPv4-only
//    socket; an IPv6 host ("::") gives a dual-stack AF_INET6 socket whose IPv4 peers
//    appear as IPv4 UdpAddrs (see udp_addr.h). reuse_port lets `routines` sockets share
//    one port (SO_REUSEPORT), the kernel spreading peers across them by flow hash.
//  - Buffers follow listen.read_buffer / write_buffer: SO_RCVBUFFORCE / SO_SNDBUFFORCE
//    (root may exceed net.core.*mem_max), falling back to the capped variant without
//    CAP_NET_ADMIN.
//  - RecvBatch and SendBatch work inside the caller's batch, so each thread needs its
//    own; apart from that every method may be called from any thread (the control
//    thread can SendTo through a worker's socket).
//  - GSO (UDP_SEGMENT): SendBatch merges runs of equal-size datagrams to one destination
//    into one kernel message; SendSegments sends one buffer as many datagrams. Both fall
//    back to one datagram per message when the kernel lacks GSO or refuses it (EIO
//    means the route's device cannot checksum; GSO then stays off for this socket).
//  - GRO (UDP_GRO): when on, received messages may hold several datagrams
//    (RecvBatchBuffers::segment_size). The probe result is gro_enabled().
//  - Errors are values naming the socket's local address and, for sends, the peer.
//    A timeout, EAGAIN or EINTR is not an error: the batch calls return 0.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "net/udp_addr.h"
#include "net/udp_batch.h"

namespace flatnet::net {

// At most this many datagrams per GSO message (the kernel's UDP_MAX_SEGMENTS on 6.1).
inline constexpr size_t kMaxGsoSegments = 64;
// At most this many payload bytes per GSO message (one IPv4 datagram's worth).
inline constexpr size_t kMaxGsoBytes = 65507;

struct UdpSocketOptions {
  std::string host = "0.0.0.0";  // listen.host: an IP literal
  uint16_t port = 0;             // listen.port; 0 picks a free port (see LocalAddr)
  bool reuse_port = false;       // routines > 1
  int recv_buffer = 0;           // listen.read_buffer in bytes; 0 keeps the system default
  int send_buffer = 0;           // listen.write_buffer
  bool non_blocking = false;
  int recv_timeout_ms = 0;  // blocking receives return 0 after this; 0 waits forever
  bool gso = true;          // use UDP_SEGMENT when the kernel has it
  bool gro = false;         // ask for UDP_GRO (needs kMaxGroMessageSize buffers)
};

struct BatchSendResult {
  size_t sent = 0;     // datagrams the kernel accepted
  size_t failed = 0;   // datagrams dropped because of an error
  Status first_error;  // the first of those errors, naming its destination
};

class UdpSocket {
 public:
  static Result<UdpSocket> Open(const UdpSocketOptions& options);

  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const { return fd_; }
  int family() const { return family_; }
  Result<UdpAddr> LocalAddr() const;

  Status SetRecvBuffer(int bytes);
  Status SetSendBuffer(int bytes);
  // listen.so_mark: SO_MARK on every packet this socket sends, for ip rules (needs
  // CAP_NET_ADMIN). The error names the key and the mark.
  Status SetMark(uint32_t mark);
  Result<uint32_t> Mark() const;
  // What the kernel actually uses (it doubles the request for bookkeeping).
  Result<int> RecvBufferSize() const;
  Result<int> SendBufferSize() const;

  bool gso_enabled() const { return gso_.load(std::memory_order_relaxed); }
  bool gro_enabled() const { return gro_; }

  // Receives up to batch.capacity() messages: blocks for the first (unless non-blocking),
  // then takes whatever else is queued. Returns how many; 0 on timeout or interrupt.
  Result<int> RecvBatch(RecvBatchBuffers& batch);
  // One datagram into `out`: returns its length and sets *from. Unlike RecvBatch, a
  // timeout or interrupt is an error here (its message says which), for simple callers.
  Result<size_t> RecvFrom(MutableByteSpan out, UdpAddr* from);

  Status SendTo(const UdpAddr& dest, ByteSpan datagram);
  // Sends every committed datagram of `batch`, then clears it.
  BatchSendResult SendBatch(SendBatchBuffers& batch);
  // Sends `data` as datagrams of segment_size bytes (the last may be shorter) to dest.
  Status SendSegments(const UdpAddr& dest, ByteSpan data, size_t segment_size);

  // Wakes threads blocked in RecvBatch/RecvFrom for shutdown; further receives return 0.
  void Interrupt();
  bool interrupted() const { return interrupted_.load(std::memory_order_relaxed); }

 private:
  UdpSocket(int fd, int family) : fd_(fd), family_(family) {}
  Status SockaddrFor(const UdpAddr& dest, sockaddr_storage* out, socklen_t* len) const;
  Status SendError(const UdpAddr& dest, int err) const;
  // Sends data one datagram per message with sendmmsg.
  Status SendSegmentsOneByOne(const UdpAddr& dest, ByteSpan data, size_t segment_size);
  std::string Describe() const;

  int fd_ = -1;
  int family_ = 0;
  std::atomic<bool> gso_{false};
  bool gro_ = false;
  std::atomic<bool> interrupted_{false};
};

}  // namespace flatnet::net
