#include "net/udp_socket.h"

#include <errno.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace flatnet::net {
namespace {

std::string Errno(int err) { return std::strerror(err); }

bool IsTransient(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

// Fills one control message carrying UDP_SEGMENT = segment_size.
template <typename Control>
void PutSegmentControl(msghdr& h, Control& control, uint16_t segment_size) {
  h.msg_control = control.bytes;
  h.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
  cmsghdr* c = CMSG_FIRSTHDR(&h);
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  std::memcpy(CMSG_DATA(c), &segment_size, sizeof(segment_size));
}

}  // namespace

Result<UdpSocket> UdpSocket::Open(const UdpSocketOptions& options) {
  std::string where = "udp socket on " + options.host + ":" + std::to_string(options.port);
  auto host = UdpAddr::ParseIp(options.host, options.port);
  if (!host.ok()) return host.status().Wrap("opening " + where);
  int family = host->is_v4() ? AF_INET : AF_INET6;
  int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | (options.non_blocking ? SOCK_NONBLOCK : 0),
                  IPPROTO_UDP);
  if (fd < 0) return Status::Error("opening " + where + ": " + Errno(errno));
  UdpSocket sock(fd, family);
  int one = 1, zero = 0;
  if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) != 0) {
    return Status::Error("making " + where + " dual-stack: " + Errno(errno));
  }
  if (options.reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return Status::Error("setting SO_REUSEPORT on " + where + ": " + Errno(errno));
  }
  sockaddr_storage ss;
  socklen_t len = host->ToSockaddr(family, &ss);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return Status::Error("binding " + where + ": " + Errno(errno));
  }
  if (options.recv_buffer > 0) {
    if (Status s = sock.SetRecvBuffer(options.recv_buffer); !s.ok()) return s;
  }
  if (options.send_buffer > 0) {
    if (Status s = sock.SetSendBuffer(options.send_buffer); !s.ok()) return s;
  }
  if (options.recv_timeout_ms > 0) {
    timeval tv{options.recv_timeout_ms / 1000, (options.recv_timeout_ms % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
      return Status::Error("setting a receive timeout on " + where + ": " + Errno(errno));
    }
  }
  if (options.gso) {
    // Kernels without UDP GSO (< 4.18) reject the option name itself.
    int size = 0;
    socklen_t size_len = sizeof(size);
    sock.gso_ = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, &size_len) == 0;
  }
  if (options.gro) {
    sock.gro_ = setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
  }
  return sock;
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(other.fd_),
      family_(other.family_),
      gso_(other.gso_.load()),
      gro_(other.gro_),
      interrupted_(other.interrupted_.load()) {
  other.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    family_ = other.family_;
    gso_ = other.gso_.load();
    gro_ = other.gro_;
    interrupted_ = other.interrupted_.load();
    other.fd_ = -1;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

Result<UdpAddr> UdpSocket::LocalAddr() const {
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return Status::Error("reading the local address of a udp socket: " + Errno(errno));
  }
  auto addr = UdpAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  if (!addr) return Status::Error("udp socket has a non-IP local address");
  return *addr;
}

std::string UdpSocket::Describe() const {
  auto local = LocalAddr();
  return "udp socket " + (local.ok() ? local->ToString() : std::string("(closed)"));
}

Status UdpSocket::SetRecvBuffer(int bytes) {
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0) return Status();
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == 0) return Status();
  return Status::Error("setting listen.read_buffer=" + std::to_string(bytes) + " on " + Describe() +
                       ": " + Errno(errno));
}

Status UdpSocket::SetSendBuffer(int bytes) {
  if (setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) == 0) return Status();
  if (setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) == 0) return Status();
  return Status::Error("setting listen.write_buffer=" + std::to_string(bytes) + " on " +
                       Describe() + ": " + Errno(errno));
}

Status UdpSocket::SetMark(uint32_t mark) {
  if (setsockopt(fd_, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == 0) return Status();
  return Status::Error("setting listen.so_mark=" + std::to_string(mark) + " on " + Describe() +
                       ": " + Errno(errno));
}

Result<uint32_t> UdpSocket::Mark() const {
  uint32_t value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd_, SOL_SOCKET, SO_MARK, &value, &len) != 0) {
    return Status::Error("reading SO_MARK of " + Describe() + ": " + Errno(errno));
  }
  return value;
}

Result<int> UdpSocket::RecvBufferSize() const {
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &value, &len) != 0) {
    return Status::Error("reading SO_RCVBUF of " + Describe() + ": " + Errno(errno));
  }
  return value;
}

Result<int> UdpSocket::SendBufferSize() const {
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &value, &len) != 0) {
    return Status::Error("reading SO_SNDBUF of " + Describe() + ": " + Errno(errno));
  }
  return value;
}

Result<int> UdpSocket::RecvBatch(RecvBatchBuffers& batch) {
  if (gro_ && batch.buffer_size() < kMaxGroMessageSize) {
    return Status::Error(Describe() + " has UDP GRO on, so its receive buffers must hold " +
                         std::to_string(kMaxGroMessageSize) + " bytes, not " +
                         std::to_string(batch.buffer_size()));
  }
  if (interrupted()) return 0;
  batch.PrepareForReceive(gro_);
  int n = recvmmsg(fd_, batch.headers_.data(), unsigned(batch.capacity()), MSG_WAITFORONE, nullptr);
  if (n < 0) {
    if (IsTransient(errno)) return 0;
    return Status::Error("receiving on " + Describe() + ": " + Errno(errno));
  }
  // After Interrupt the kernel reports an empty message from nobody; don't surface it.
  if (interrupted()) return 0;
  if (gro_) batch.CollectSegmentSizes(n);
  return n;
}

Result<size_t> UdpSocket::RecvFrom(MutableByteSpan out, UdpAddr* from) {
  if (interrupted()) return Status::Error(Describe() + " was interrupted");
  sockaddr_in6 name;
  socklen_t name_len = sizeof(name);
  ssize_t n;
  do {
    n = recvfrom(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&name), &name_len);
  } while (n < 0 && errno == EINTR && !interrupted());
  if (interrupted()) return Status::Error(Describe() + " was interrupted");
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Status::Error("timed out receiving on " + Describe());
    }
    return Status::Error("receiving on " + Describe() + ": " + Errno(errno));
  }
  if (auto addr = UdpAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&name), name_len)) {
    *from = *addr;
  }
  return size_t(n);
}

Status UdpSocket::SockaddrFor(const UdpAddr& dest, sockaddr_storage* out, socklen_t* len) const {
  *len = dest.ToSockaddr(family_, out);
  if (*len == 0) {
    return Status::Error("cannot send to " + dest.ToString() + " from IPv4-only " + Describe() +
                         " (listen.host \"::\" reaches IPv6 peers too)");
  }
  return Status();
}

Status UdpSocket::SendError(const UdpAddr& dest, int err) const {
  return Status::Error("sending to " + dest.ToString() + " from " + Describe() + ": " + Errno(err));
}

Status UdpSocket::SendTo(const UdpAddr& dest, ByteSpan datagram) {
  sockaddr_storage ss;
  socklen_t len;
  if (Status s = SockaddrFor(dest, &ss, &len); !s.ok()) return s;
  ssize_t n;
  do {
    n = sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? SendError(dest, errno) : Status();
}

BatchSendResult UdpSocket::SendBatch(SendBatchBuffers& batch) {
  BatchSendResult result;
  const size_t count = batch.size();
  const bool gso = gso_enabled();
  auto fail = [&](size_t datagrams, Status error) {
    result.failed += datagrams;
    if (result.first_error.ok()) result.first_error = std::move(error);
  };

  // Build one message per run of datagrams the kernel can segment for us: same
  // destination, all `seg` bytes except possibly a shorter last one.
  size_t messages = 0;
  for (size_t i = 0; i < count;) {
    const UdpAddr& dest = batch.dests_[i];
    const size_t seg = batch.lengths_[i];
    size_t j = i + 1, total = seg;
    if (gso) {
      while (j < count && j - i < kMaxGsoSegments && batch.lengths_[j - 1] == seg &&
             batch.lengths_[j] <= seg && batch.lengths_[j] > 0 &&
             total + batch.lengths_[j] <= kMaxGsoBytes && batch.dests_[j] == dest) {
        total += batch.lengths_[j];
        ++j;
      }
    }
    for (size_t k = i; k < j; ++k) batch.iovecs_[k] = {batch.buffer(k), batch.lengths_[k]};
    sockaddr_storage ss;
    socklen_t len;
    if (Status s = SockaddrFor(dest, &ss, &len); !s.ok()) {
      fail(j - i, std::move(s));
      i = j;
      continue;
    }
    std::memcpy(&batch.names_[messages], &ss, len);
    msghdr& h = batch.headers_[messages].msg_hdr;
    h = {};
    h.msg_name = &batch.names_[messages];
    h.msg_namelen = len;
    h.msg_iov = &batch.iovecs_[i];
    h.msg_iovlen = j - i;
    if (j - i > 1) PutSegmentControl(h, batch.controls_[messages], uint16_t(seg));
    batch.first_of_message_[messages] = uint32_t(i);
    ++messages;
    i = j;
  }

  for (size_t m = 0; m < messages;) {
    int n = sendmmsg(fd_, &batch.headers_[m], unsigned(messages - m), 0);
    if (n > 0) {
      for (int k = 0; k < n; ++k) result.sent += batch.headers_[m + k].msg_hdr.msg_iovlen;
      m += size_t(n);
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    msghdr& h = batch.headers_[m].msg_hdr;
    size_t first = batch.first_of_message_[m];
    const UdpAddr& dest = batch.dests_[first];
    if (err == EAGAIN || err == EWOULDBLOCK) {
      // A non-blocking socket with a full buffer: what is left is dropped, as UDP would.
      for (size_t k = m; k < messages; ++k) result.failed += batch.headers_[k].msg_hdr.msg_iovlen;
      if (result.first_error.ok()) result.first_error = SendError(dest, err);
      break;
    }
    if (h.msg_iovlen > 1 && (err == EIO || err == EINVAL)) {
      // EIO: the egress device cannot checksum segments, so stop trying GSO on this
      // socket. EINVAL: this run does not fit the path MTU as one super-datagram.
      if (err == EIO) gso_.store(false, std::memory_order_relaxed);
      for (size_t k = 0; k < h.msg_iovlen; ++k) {
        Status s = SendTo(dest, ByteSpan(batch.buffer(first + k), batch.lengths_[first + k]));
        if (s.ok()) {
          ++result.sent;
        } else {
          fail(1, std::move(s));
        }
      }
    } else {
      fail(h.msg_iovlen, SendError(dest, err));
    }
    ++m;
  }
  batch.Clear();
  return result;
}

Status UdpSocket::SendSegments(const UdpAddr& dest, ByteSpan data, size_t segment_size) {
  if (segment_size == 0)
    return Status::Error("SendSegments to " + dest.ToString() + ": zero segment size");
  if (data.size() <= segment_size) return SendTo(dest, data);
  if (segment_size > 0xffff) return SendSegmentsOneByOne(dest, data, segment_size);
  sockaddr_storage ss;
  socklen_t len;
  if (Status s = SockaddrFor(dest, &ss, &len); !s.ok()) return s;
  const size_t per_message =
      std::min(kMaxGsoSegments, std::max<size_t>(1, kMaxGsoBytes / segment_size)) * segment_size;
  while (!data.empty() && gso_enabled()) {
    ByteSpan chunk = data.first(std::min(per_message, data.size()));
    iovec iov{const_cast<uint8_t*>(chunk.data()), chunk.size()};
    SendBatchBuffers::Control control;
    msghdr h{};
    h.msg_name = &ss;
    h.msg_namelen = len;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    if (chunk.size() > segment_size) PutSegmentControl(h, control, uint16_t(segment_size));
    ssize_t n = sendmsg(fd_, &h, 0);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EIO) {
        gso_.store(false, std::memory_order_relaxed);
        break;  // the rest goes one by one below
      }
      if (err == EINVAL) {
        if (Status s = SendSegmentsOneByOne(dest, chunk, segment_size); !s.ok()) return s;
        data = data.subspan(chunk.size());
        continue;
      }
      return SendError(dest, err);
    }
    data = data.subspan(chunk.size());
  }
  return data.empty() ? Status() : SendSegmentsOneByOne(dest, data, segment_size);
}

Status UdpSocket::SendSegmentsOneByOne(const UdpAddr& dest, ByteSpan data, size_t segment_size) {
  sockaddr_storage ss;
  socklen_t len;
  if (Status s = SockaddrFor(dest, &ss, &len); !s.ok()) return s;
  constexpr size_t kPerCall = 64;
  iovec iovs[kPerCall];
  mmsghdr headers[kPerCall];
  while (!data.empty()) {
    size_t n = 0;
    for (; n < kPerCall && !data.empty(); ++n) {
      size_t take = std::min(segment_size, data.size());
      iovs[n] = {const_cast<uint8_t*>(data.data()), take};
      headers[n] = {};
      headers[n].msg_hdr.msg_name = &ss;
      headers[n].msg_hdr.msg_namelen = len;
      headers[n].msg_hdr.msg_iov = &iovs[n];
      headers[n].msg_hdr.msg_iovlen = 1;
      data = data.subspan(take);
    }
    for (size_t done = 0; done < n;) {
      int sent = sendmmsg(fd_, headers + done, unsigned(n - done), 0);
      if (sent < 0) {
        if (errno == EINTR) continue;
        return SendError(dest, errno);
      }
      done += size_t(sent);
    }
  }
  return Status();
}

void UdpSocket::Interrupt() {
  interrupted_.store(true, std::memory_order_relaxed);
  // Shutting down the read side wakes every thread blocked in recv on this socket.
  shutdown(fd_, SHUT_RD);
}

}  // namespace flatnet::net
