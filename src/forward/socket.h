// Socket: one non-blocking socket handle, closed when the Socket goes away.
//
// Contract: Open() makes a non-blocking socket; every I/O call returns at once with an
// IoResult that says how many bytes moved or which platform error stopped it (would-block
// is an error of kind kWouldBlock, not a failure of the forwarder). Setup calls (Bind,
// Listen, Connect) return a Status whose message names the address. Move-only; not
// thread-safe (each socket belongs to one forwarder loop).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "forward/platform.h"
#include "forward/socket_address.h"

namespace flatnet::forward {

struct IoResult {
  int64_t bytes = -1;  // >= 0 on success (0 from Recv on a stream: the peer closed)
  int error = 0;       // the platform error when bytes < 0

  bool ok() const { return bytes >= 0; }
  platform::ErrorKind kind() const { return platform::Classify(error); }
  bool would_block() const { return !ok() && kind() == platform::ErrorKind::kWouldBlock; }
};

class Socket {
 public:
  Socket() = default;
  ~Socket() { Close(); }
  Socket(Socket&& other) noexcept : handle_(other.handle_) { other.handle_ = platform::kNoSocket; }
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // type: SOCK_DGRAM or SOCK_STREAM; family: AF_INET or AF_INET6.
  static Result<Socket> Open(int family, int type);

  bool valid() const { return handle_ != platform::kNoSocket; }
  platform::SocketHandle handle() const { return handle_; }
  void Close();

  Status Bind(const SocketAddress& address);
  Status Listen(int backlog);
  // Starts connecting; *in_progress tells a stream socket that is still connecting (wait
  // for POLLOUT, then TakeError()). A datagram socket connects at once.
  Status Connect(const SocketAddress& address, bool* in_progress);
  Result<SocketAddress> LocalAddress() const;
  // The pending error (SO_ERROR), cleared by reading it; 0 if none.
  int TakeError();

  IoResult Send(const void* data, size_t size);
  IoResult Recv(void* data, size_t size);
  IoResult SendTo(const void* data, size_t size, const SocketAddress& to);
  IoResult RecvFrom(void* data, size_t size, SocketAddress* from);
  // A non-blocking accept; an invalid Socket with *error set when none is waiting or it failed.
  Socket Accept(SocketAddress* peer, int* error);
  void ShutdownWrite();
  // TCP_NODELAY: a relay must not hold back a peer's small writes (Nagle) on top of the
  // peer's own buffering.
  void SetNoDelay();

 private:
  explicit Socket(platform::SocketHandle handle) : handle_(handle) {}
  platform::SocketHandle handle_ = platform::kNoSocket;
};

}  // namespace flatnet::forward
