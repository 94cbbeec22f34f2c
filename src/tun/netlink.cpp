#include "tun/netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "tun/netlink_request.h"

namespace flatnet::tun {

Result<RouteNetlink> RouteNetlink::Open() {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return Status::Error(std::string("opening a netlink socket: ") + std::strerror(errno));
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    int err = errno;
    close(fd);
    return Status::Error(std::string("binding a netlink socket: ") + std::strerror(err));
  }
  timeval tv{5, 0};  // the kernel answers at once; never hang on a lost reply
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return RouteNetlink(fd);
}

RouteNetlink::~RouteNetlink() {
  if (fd_ >= 0) close(fd_);
}

Status RouteNetlink::Transact(void* request, const std::string& what) {
  return Exchange(static_cast<nlmsghdr*>(request), what, nullptr);
}

Status RouteNetlink::Query(void* request, const std::string& what,
                           const std::function<void(const nlmsghdr&)>& each) {
  return Exchange(static_cast<nlmsghdr*>(request), what, &each);
}

Status RouteNetlink::Dump(void* request, const std::string& what,
                          const std::function<void(const nlmsghdr&)>& each) {
  auto* req = static_cast<nlmsghdr*>(request);
  req->nlmsg_flags = uint16_t((req->nlmsg_flags & ~NLM_F_ACK) | NLM_F_DUMP);
  return Exchange(req, what, &each);
}

Status RouteNetlink::Exchange(nlmsghdr* req, const std::string& what,
                              const std::function<void(const nlmsghdr&)>* each) {
  req->nlmsg_seq = ++seq_;
  last_errno_ = 0;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd_, req, req->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) <
      0) {
    return Status::Error(what + ": " + std::strerror(errno));
  }
  // A request ends with its ack (NLMSG_ERROR, error 0 or the refusal); a dump with NLMSG_DONE
  // after any number of parts. Bounded: a dump of more than this many reads is refused.
  alignas(nlmsghdr) static thread_local uint8_t reply[32768];
  for (int reads = 0; reads < 4096; ++reads) {
    ssize_t n = recv(fd_, reply, sizeof(reply), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(what + ": reading the kernel's answer: " + std::strerror(errno));
    }
    int len = int(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq_) continue;
      if (h->nlmsg_type == NLMSG_DONE) return Status();
      if (h->nlmsg_type == NLMSG_ERROR) {
        auto* err = static_cast<nlmsgerr*>(NLMSG_DATA(h));
        if (err->error == 0) return Status();
        last_errno_ = -err->error;
        return Status::Error(what + ": " + std::strerror(-err->error));
      }
      if (each) (*each)(*h);
    }
  }
  return Status::Error(what + ": no answer from the kernel");
}

Status RouteNetlink::SetLink(int ifindex, const std::string& name, int mtu, int tx_queue_len,
                             bool up) {
  NetlinkRequest req(RTM_NEWLINK, 0);
  auto* info = req.Body<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  info->ifi_index = ifindex;
  if (up) {
    info->ifi_flags = IFF_UP;
    info->ifi_change = IFF_UP;
  }
  if (mtu > 0) req.U32(IFLA_MTU, uint32_t(mtu));
  if (tx_queue_len > 0) req.U32(IFLA_TXQLEN, uint32_t(tx_queue_len));
  std::string what = "configuring " + name;
  if (mtu > 0) what += " mtu " + std::to_string(mtu);
  if (tx_queue_len > 0) what += " txqueuelen " + std::to_string(tx_queue_len);
  if (up) what += " up";
  return Transact(req.header(), what);
}

Status RouteNetlink::AddAddress(int ifindex, const std::string& name, const IpPrefix& address) {
  NetlinkRequest req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
  auto* ifa = req.Body<ifaddrmsg>();
  const bool v6 = address.is_v6();
  ifa->ifa_family = v6 ? AF_INET6 : AF_INET;
  ifa->ifa_prefixlen = uint8_t(address.bits());
  ifa->ifa_flags = v6 ? IFA_F_NODAD : 0;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = uint32_t(ifindex);
  req.Ip(IFA_LOCAL, address.addr());
  req.Ip(IFA_ADDRESS, address.addr());
  return Transact(req.header(), "adding address " + address.ToString() + " to " + name);
}

Status RouteNetlink::ReplaceRoute(const RouteSpec& route, const std::string& device_name) {
  return NewRoute(route, device_name, NLM_F_CREATE | NLM_F_REPLACE);
}

Status RouteNetlink::AddRoute(const RouteSpec& route, const std::string& device_name) {
  return NewRoute(route, device_name, NLM_F_CREATE | NLM_F_EXCL);
}

Status RouteNetlink::NewRoute(const RouteSpec& route, const std::string& device_name, int flags) {
  NetlinkRequest req(RTM_NEWROUTE, uint16_t(flags));
  auto* rtm = req.Body<rtmsg>();
  const IpPrefix destination = route.destination.Masked();
  const bool v6 = destination.is_v6();
  rtm->rtm_family = v6 ? AF_INET6 : AF_INET;
  rtm->rtm_dst_len = uint8_t(destination.bits());
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = route.kernel_protocol ? RTPROT_KERNEL : RTPROT_BOOT;
  // IPv6 routes have no scope of their own (the kernel keeps them universe).
  // A route through a gateway is universe scope; one onto the link itself, link scope.
  rtm->rtm_scope = v6 || route.gateway.valid() ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rtm->rtm_type = RTN_UNICAST;
  req.Ip(RTA_DST, destination.addr());
  if (route.gateway.valid()) req.Ip(RTA_GATEWAY, route.gateway);
  req.U32(RTA_OIF, uint32_t(route.ifindex));
  if (route.metric > 0) req.U32(RTA_PRIORITY, uint32_t(route.metric));
  if (route.preferred_source.valid() && !route.preferred_source.IsUnspecified())
    req.Ip(RTA_PREFSRC, route.preferred_source);
  if (route.mtu > 0 || route.advmss > 0) {
    rtattr* metrics = req.Open(RTA_METRICS);
    if (route.mtu > 0) req.U32(RTAX_MTU, uint32_t(route.mtu));
    if (route.advmss > 0) req.U32(RTAX_ADVMSS, uint32_t(route.advmss));
    req.Close(metrics);
  }
  std::string what = "adding route " + destination.ToString();
  if (route.gateway.valid()) what += " via " + route.gateway.ToString();
  what += " dev " + device_name;
  if (route.mtu > 0) what += " mtu " + std::to_string(route.mtu);
  if (route.metric > 0) what += " metric " + std::to_string(route.metric);
  return Transact(req.header(), what);
}

Status RouteNetlink::DeleteRoute(const RouteSpec& route, const std::string& device_name) {
  NetlinkRequest req(RTM_DELROUTE, 0);
  auto* rtm = req.Body<rtmsg>();
  const IpPrefix destination = route.destination.Masked();
  rtm->rtm_family = destination.is_v6() ? AF_INET6 : AF_INET;
  rtm->rtm_dst_len = uint8_t(destination.bits());
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_scope = RT_SCOPE_NOWHERE;  // any scope
  req.Ip(RTA_DST, destination.addr());
  req.U32(RTA_OIF, uint32_t(route.ifindex));
  if (route.metric > 0) req.U32(RTA_PRIORITY, uint32_t(route.metric));
  std::string what = "deleting route " + destination.ToString() + " dev " + device_name;
  if (route.metric > 0) what += " metric " + std::to_string(route.metric);
  return Transact(req.header(), what);
}

}  // namespace flatnet::tun
