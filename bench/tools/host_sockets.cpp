#include "host_sockets.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace flatnet::bench {
namespace {

// The soft RLIMIT_NOFILE raised to `needed`, the hard one too where we may. Returns the
// limit in force afterwards.
rlim_t RaiseFdLimit(rlim_t needed) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur >= needed) return lim.rlim_cur;
  rlimit want = lim;
  want.rlim_cur = needed;
  if (want.rlim_max < needed) want.rlim_max = needed;
  if (setrlimit(RLIMIT_NOFILE, &want) == 0) return needed;
  lim.rlim_cur = lim.rlim_max;  // without CAP_SYS_RESOURCE: as far as the hard limit
  setrlimit(RLIMIT_NOFILE, &lim);
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

}  // namespace

Result<HostSockets> HostSockets::Open(const std::vector<IpAddr>& addresses, uint16_t port_base,
                                      size_t hosts) {
  HostSockets out;
  out.addresses_ = addresses;
  out.port_base_ = port_base;
  out.hosts_ = hosts;
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (!addresses[i].is_v4()) return Status::Error(addresses[i].ToString() + " is not IPv4");
    if (!out.address_index_.emplace(addresses[i].v4(), uint32_t(i)).second)
      return Status::Error(addresses[i].ToString() + " is given twice");
  }
  size_t count = (hosts + addresses.size() - 1) / addresses.size();
  if (size_t(port_base) + count - 1 > 65535)
    return Status::Error(std::to_string(hosts) + " hosts over " + std::to_string(addresses.size()) +
                         " addresses need ports " + std::to_string(port_base) + ".." +
                         std::to_string(port_base + count - 1) + ": past 65535");
  constexpr rlim_t kSpare = 64;  // stdio, epoll, what the libraries open
  rlim_t limit = RaiseFdLimit(rlim_t(count) + kSpare);
  if (limit < rlim_t(count) + kSpare) {
    size_t per_socket = limit > kSpare ? size_t(limit - kSpare) : 1;
    return Status::Error(std::to_string(hosts) + " hosts over " + std::to_string(addresses.size()) +
                         " addresses need " + std::to_string(count) +
                         " sockets, and RLIMIT_NOFILE allows " + std::to_string(limit) +
                         ": give at least " +
                         std::to_string((hosts + per_socket - 1) / per_socket) + " addresses");
  }
  out.sockets_.reserve(count);
  for (size_t s = 0; s < count; ++s) {
    net::UdpSocketOptions options;
    options.host = "0.0.0.0";
    options.port = uint16_t(port_base + s);
    options.non_blocking = true;
    options.gso = false;
    auto socket = net::UdpSocket::Open(options);
    if (!socket.ok()) return socket.status();
    int one = 1;
    if (setsockopt(socket->fd(), IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) != 0)
      return Status::Error("IP_PKTINFO on port " + std::to_string(options.port) + ": " +
                           std::strerror(errno));
    out.sockets_.push_back(std::move(*socket));
  }
  out.buffers_.resize(kBatch * kBufferSize);
  out.iovecs_.resize(kBatch);
  out.controls_.resize(kBatch);
  out.messages_.resize(kBatch);
  return out;
}

Status HostSockets::Send(uint32_t host, const net::UdpAddr& to, ByteSpan datagram) {
  sockaddr_storage dest{};
  socklen_t dest_len = to.ToSockaddr(AF_INET, &dest);
  iovec iov{const_cast<uint8_t*>(datagram.data()), datagram.size()};
  Control control{};
  msghdr msg{};
  msg.msg_name = &dest;
  msg.msg_namelen = dest_len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.bytes;
  msg.msg_controllen = sizeof(control.bytes);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  in_pktinfo info{};
  info.ipi_spec_dst.s_addr = htonl(addresses_[host % addresses_.size()].v4());
  std::memcpy(CMSG_DATA(c), &info, sizeof(info));
  if (sendmsg(sockets_[host / addresses_.size()].fd(), &msg, 0) < 0)
    return Status::Error("host " + std::to_string(host) + " to " + to.ToString() + ": " +
                         std::strerror(errno));
  return Status();
}

int HostSockets::ReceiveBatch(size_t socket) {
  for (size_t i = 0; i < kBatch; ++i) {
    iovecs_[i] = {buffers_.data() + i * kBufferSize, kBufferSize};
    messages_[i] = {};
    messages_[i].msg_hdr.msg_iov = &iovecs_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    messages_[i].msg_hdr.msg_control = controls_[i].bytes;
    messages_[i].msg_hdr.msg_controllen = sizeof(controls_[i].bytes);
  }
  int n =
      recvmmsg(sockets_[socket].fd(), messages_.data(), unsigned(kBatch), MSG_DONTWAIT, nullptr);
  return n < 0 ? 0 : n;
}

bool HostSockets::HostOf(size_t socket, size_t i, uint32_t* host) const {
  msghdr& msg = const_cast<msghdr&>(messages_[i].msg_hdr);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO) continue;
    in_pktinfo info;
    std::memcpy(&info, CMSG_DATA(c), sizeof(info));
    auto it = address_index_.find(ntohl(info.ipi_addr.s_addr));
    if (it == address_index_.end()) return false;
    uint64_t h = uint64_t(socket) * addresses_.size() + it->second;
    if (h >= hosts_) return false;
    *host = uint32_t(h);
    return true;
  }
  return false;
}

}  // namespace flatnet::bench
