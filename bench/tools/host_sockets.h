// HostSockets: the underlay of every simulated host of lighthouse-load, each host at its own
// source address:port, in far fewer descriptors than hosts.
//
// One UDP socket per port (net::UdpSocket, bound to 0.0.0.0:port, non-blocking) carries the
// hosts of every address given: host i is addresses[i % A] port port_base + i / A (A =
// addresses.size()). Sends choose the host's source address with IP_PKTINFO; receives
// learn which host a datagram is for from its destination address (IP_PKTINFO again). So
// 50,000 hosts over 10 addresses take 5,000 descriptors, and the lighthouse still sees
// 50,000 distinct peers. (A process may not raise RLIMIT_NOFILE past its hard limit
// without CAP_SYS_RESOURCE, which containers often drop; Open raises the soft limit as
// far as it can and says how many addresses would fit otherwise.)
// Every address must be assigned to an interface of this namespace. Datagrams to an
// address that is none of ours (the namespace's own address, say) are counted and dropped.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "base/ip_prefix.h"
#include "base/status.h"
#include "net/udp_addr.h"
#include "net/udp_socket.h"

namespace flatnet::bench {

class HostSockets {
 public:
  static Result<HostSockets> Open(const std::vector<IpAddr>& addresses, uint16_t port_base,
                                  size_t hosts);

  size_t socket_count() const { return sockets_.size(); }
  int fd(size_t socket) const { return sockets_[socket].fd(); }
  net::UdpAddr AddressOf(uint32_t host) const {
    return net::UdpAddr(addresses_[host % addresses_.size()],
                        uint16_t(port_base_ + host / addresses_.size()));
  }
  uint64_t foreign() const { return foreign_; }

  Status Send(uint32_t host, const net::UdpAddr& to, ByteSpan datagram);
  // Reads what is queued on `socket` and calls fn(host, ByteSpan datagram) for each.
  template <typename Fn>
  void Receive(size_t socket, Fn&& fn) {
    while (true) {
      int n = ReceiveBatch(socket);
      for (int i = 0; i < n; ++i) {
        uint32_t host = 0;
        if (!HostOf(socket, size_t(i), &host)) {
          ++foreign_;
          continue;
        }
        fn(host, ByteSpan(buffers_.data() + size_t(i) * kBufferSize, messages_[size_t(i)].msg_len));
      }
      if (n < int(kBatch)) return;
    }
  }

 private:
  static constexpr size_t kBatch = 16;
  static constexpr size_t kBufferSize = 2048;  // lighthouse messages and stage 2s are smaller
  struct alignas(cmsghdr) Control {
    uint8_t bytes[CMSG_SPACE(sizeof(in_pktinfo))];
  };

  HostSockets() = default;
  // recvmmsg on `socket` into the batch; how many (0 when nothing is queued).
  int ReceiveBatch(size_t socket);
  // The host message i of the batch was sent to, from its IP_PKTINFO.
  bool HostOf(size_t socket, size_t i, uint32_t* host) const;

  std::vector<IpAddr> addresses_;
  std::unordered_map<uint32_t, uint32_t> address_index_;  // IPv4 (host order) -> index
  uint16_t port_base_ = 0;
  size_t hosts_ = 0;
  std::vector<net::UdpSocket> sockets_;
  std::vector<uint8_t> buffers_;
  std::vector<iovec> iovecs_;
  std::vector<Control> controls_;
  std::vector<mmsghdr> messages_;
  uint64_t foreign_ = 0;
};

}  // namespace flatnet::bench
