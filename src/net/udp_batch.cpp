#include "net/udp_batch.h"

#include <netinet/udp.h>

#include <cstring>

namespace flatnet::net {

RecvBatchBuffers::RecvBatchBuffers(size_t count, size_t buffer_size)
    : buffer_size_(buffer_size),
      storage_(count * buffer_size),
      iovecs_(count),
      names_(count),
      controls_(count),
      headers_(count),
      segment_sizes_(count) {
  for (size_t i = 0; i < count; ++i) {
    iovecs_[i] = {buffer(i), buffer_size_};
    msghdr& h = headers_[i].msg_hdr;
    h = {};
    h.msg_iov = &iovecs_[i];
    h.msg_iovlen = 1;
    h.msg_name = &names_[i];
  }
}

void RecvBatchBuffers::PrepareForReceive(bool want_gro_control) {
  for (size_t i = 0; i < headers_.size(); ++i) {
    msghdr& h = headers_[i].msg_hdr;
    h.msg_namelen = sizeof(sockaddr_in6);
    h.msg_control = want_gro_control ? controls_[i].bytes : nullptr;
    h.msg_controllen = want_gro_control ? sizeof(Control) : 0;
    h.msg_flags = 0;
    headers_[i].msg_len = 0;
  }
}

void RecvBatchBuffers::CollectSegmentSizes(int n) {
  for (int i = 0; i < n; ++i) {
    msghdr& h = headers_[i].msg_hdr;
    segment_sizes_[i] = 0;
    if (h.msg_controllen == 0) continue;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
        int size;
        std::memcpy(&size, CMSG_DATA(c), sizeof(size));
        // The kernel reports gso_size even when it merged just one datagram.
        if (size > 0 && size_t(size) < headers_[i].msg_len) segment_sizes_[i] = uint16_t(size);
      }
    }
  }
}

UdpAddr RecvBatchBuffers::source(size_t i) const {
  auto addr = UdpAddr::FromSockaddr(reinterpret_cast<const sockaddr*>(&names_[i]),
                                    headers_[i].msg_hdr.msg_namelen);
  return addr ? *addr : UdpAddr();
}

SendBatchBuffers::SendBatchBuffers(size_t count, size_t buffer_size)
    : buffer_size_(buffer_size),
      storage_(count * buffer_size),
      lengths_(count),
      dests_(count),
      iovecs_(count),
      names_(count),
      controls_(count),
      headers_(count),
      first_of_message_(count) {}

}  // namespace flatnet::net
