// NetlinkRequest: one rtnetlink request under construction in a fixed buffer: the header,
// the message's fixed struct (ifinfomsg, ifaddrmsg, rtmsg), then attributes, nested ones
// opened and closed around their children. Shared by RouteNetlink (the TUN device's
// requests) and the CNI plugin's link setup (src/cni/container_link), so both build
// messages one way.
//
// Contract: every request asks for an ack (NLM_F_REQUEST | NLM_F_ACK | flags; RouteNetlink's
// Dump swaps the ack for NLM_F_DUMP). The buffer
// holds 512 bytes, more than any request flatnet sends (a veth pair with its peer's name
// and namespace is about 130); writing past it is a FLATNET_CHECK failure, never an overrun.
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstdint>
#include <cstring>
#include <string_view>

#include "base/check.h"
#include "base/ip_prefix.h"

namespace flatnet::tun {

class NetlinkRequest {
 public:
  NetlinkRequest(uint16_t type, uint16_t flags) {
    std::memset(buf_, 0, sizeof(buf_));
    header()->nlmsg_type = type;
    header()->nlmsg_flags = uint16_t(NLM_F_REQUEST | NLM_F_ACK | flags);
    header()->nlmsg_len = NLMSG_HDRLEN;
  }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_); }
  template <typename T>
  T* Body() {
    Reserve(NLMSG_ALIGN(sizeof(T)));
    T* body = reinterpret_cast<T*>(buf_ + header()->nlmsg_len);
    header()->nlmsg_len += NLMSG_ALIGN(sizeof(T));
    return body;
  }
  rtattr* Attr(uint16_t type, const void* data, size_t len) {
    Reserve(RTA_SPACE(len));
    auto* attr = reinterpret_cast<rtattr*>(buf_ + header()->nlmsg_len);
    attr->rta_type = type;
    attr->rta_len = uint16_t(RTA_LENGTH(len));
    if (len) std::memcpy(RTA_DATA(attr), data, len);
    header()->nlmsg_len += RTA_ALIGN(attr->rta_len);
    return attr;
  }
  void U32(uint16_t type, uint32_t value) { Attr(type, &value, 4); }
  // A NUL-terminated string attribute (interface names, link kinds).
  void String(uint16_t type, std::string_view text) {
    char copy[64] = {};
    FLATNET_CHECK(text.size() < sizeof(copy));
    std::memcpy(copy, text.data(), text.size());
    Attr(type, copy, text.size() + 1);
  }
  // The address's own bytes: 4 for IPv4, 16 for IPv6.
  void Ip(uint16_t type, const IpAddr& ip) { Attr(type, ip.bytes().data(), ip.bytes().size()); }
  // Nested attributes: open, add, then Close to fix up the outer length.
  rtattr* Open(uint16_t type) { return Attr(type, nullptr, 0); }
  void Close(rtattr* nest) {
    nest->rta_len = uint16_t(buf_ + header()->nlmsg_len - reinterpret_cast<uint8_t*>(nest));
  }

 private:
  void Reserve(size_t more) { FLATNET_CHECK(header()->nlmsg_len + more <= sizeof(buf_)); }

  alignas(nlmsghdr) uint8_t buf_[512];
};

}  // namespace flatnet::tun
