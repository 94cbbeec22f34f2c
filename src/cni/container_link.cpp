#include "cni/container_link.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "crypto/hash.h"
#include "tun/netlink_request.h"

namespace flatnet::cni {
namespace {

CniError LinkError(const Status& status) {
  return Fail(ErrorCode::kLinkSetupFailed, "flatnet-cni: " + status.message());
}

std::string MacText(const uint8_t* bytes, size_t len) {
  std::string text;
  char part[4];
  for (size_t i = 0; i < len; ++i) {
    std::snprintf(part, sizeof(part), i ? ":%02x" : "%02x", bytes[i]);
    text += part;
  }
  return text;
}

LinkInfo ParseLink(const nlmsghdr& h) {
  LinkInfo link;
  const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(&h));
  link.ifindex = info->ifi_index;
  link.up = (info->ifi_flags & IFF_UP) != 0;
  int len = int(IFLA_PAYLOAD(&h));
  for (auto* a = IFLA_RTA(info); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    const auto* data = static_cast<const uint8_t*>(RTA_DATA(a));
    const size_t size = RTA_PAYLOAD(a);
    switch (a->rta_type) {
      case IFLA_IFNAME:
        link.name.assign(reinterpret_cast<const char*>(data), strnlen((const char*)data, size));
        break;
      case IFLA_ADDRESS:
        link.mac = MacText(data, size);
        break;
      case IFLA_MASTER:
        if (size >= 4) std::memcpy(&link.master, data, 4);
        break;
      case IFLA_LINKINFO: {
        int nested = int(size);
        for (auto* n = static_cast<rtattr*>(RTA_DATA(a)); RTA_OK(n, nested);
             n = RTA_NEXT(n, nested)) {
          if (n->rta_type != IFLA_INFO_KIND) continue;
          const char* kind = static_cast<const char*>(RTA_DATA(n));
          link.kind.assign(kind, strnlen(kind, RTA_PAYLOAD(n)));
        }
        break;
      }
      default:
        break;
    }
  }
  return link;
}

// The MAC a bridge is created with: locally administered (02:...), from its name. Set
// explicitly, it stays: a bridge left to choose takes its ports' lowest MAC and changes it
// as containers come and go, leaving the others' ARP entries for the gateway stale.
std::array<uint8_t, 6> BridgeMac(const std::string& name) {
  const std::string key = "flatnet-cni bridge " + name;
  auto digest = crypto::Sha256(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  return {0x02, digest[0], digest[1], digest[2], digest[3], digest[4]};
}

}  // namespace

CniResult<Netns> Netns::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    ErrorCode code = err == ENOENT ? ErrorCode::kUnknownContainer : ErrorCode::kIoFailure;
    return Fail(code, "flatnet-cni: CNI_NETNS " + path + ": " + std::strerror(err));
  }
  return Netns(fd, path);
}

Netns::~Netns() {
  if (fd_ >= 0) close(fd_);
}

CniResult<tun::RouteNetlink> Netns::OpenNetlink() const {
  int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0)
    return Fail(ErrorCode::kIoFailure,
                std::string("flatnet-cni: opening /proc/self/ns/net: ") + std::strerror(errno));
  if (setns(fd_, CLONE_NEWNET) != 0) {
    int err = errno;
    close(home);
    return Fail(ErrorCode::kIoFailure,
                "flatnet-cni: entering CNI_NETNS " + path_ + ": " + std::strerror(err));
  }
  auto netlink = tun::RouteNetlink::Open();
  // The socket stays in the container's namespace; the process goes home. Failing to go
  // home would leave every later step in the wrong namespace: stop here.
  int back = setns(home, CLONE_NEWNET);
  int err = errno;
  close(home);
  if (back != 0)
    return Fail(ErrorCode::kIoFailure, std::string("flatnet-cni: returning from CNI_NETNS " +
                                                   path_ + ": ") + std::strerror(err));
  if (!netlink.ok())
    return Fail(ErrorCode::kIoFailure,
                "flatnet-cni: in CNI_NETNS " + path_ + ": " + netlink.status().message());
  return std::move(netlink).value();
}

CniResult<std::optional<LinkInfo>> FindLink(tun::RouteNetlink& netlink, const std::string& name) {
  tun::NetlinkRequest req(RTM_GETLINK, 0);
  auto* info = req.Body<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  req.String(IFLA_IFNAME, name);
  std::optional<LinkInfo> found;
  Status status = netlink.Query(req.header(), "looking up link " + name, [&](const nlmsghdr& h) {
    if (h.nlmsg_type == RTM_NEWLINK) found = ParseLink(h);
  });
  if (!status.ok()) {
    if (netlink.last_errno() == ENODEV) return std::optional<LinkInfo>();
    return LinkError(status);
  }
  return found;
}

CniResult<LinkInfo> EnsureBridge(tun::RouteNetlink& netlink, const std::string& name) {
  auto existing = FindLink(netlink, name);
  if (!existing.ok()) return existing.error();
  if (!existing.value()) {
    tun::NetlinkRequest req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    auto* info = req.Body<ifinfomsg>();
    info->ifi_family = AF_UNSPEC;
    req.String(IFLA_IFNAME, name);
    const auto mac = BridgeMac(name);
    req.Attr(IFLA_ADDRESS, mac.data(), mac.size());
    rtattr* linkinfo = req.Open(IFLA_LINKINFO);
    req.String(IFLA_INFO_KIND, "bridge");
    req.Close(linkinfo);
    Status made = netlink.Transact(req.header(), "creating bridge " + name);
    // EEXIST: another flatnet-cni made it meanwhile.
    if (!made.ok() && netlink.last_errno() != EEXIST) return LinkError(made);
    existing = FindLink(netlink, name);
    if (!existing.ok()) return existing.error();
    if (!existing.value())
      return Fail(ErrorCode::kLinkSetupFailed, "flatnet-cni: bridge " + name + " vanished");
  }
  const LinkInfo& bridge = *existing.value();
  if (bridge.kind != "bridge")
    return Fail(ErrorCode::kLinkSetupFailed,
                "flatnet-cni: \"bridge\" " + name + " exists and is " +
                    (bridge.kind.empty() ? std::string("a plain device") : "a " + bridge.kind) +
                    ", not a bridge");
  if (!bridge.up) {
    Status up = netlink.SetLink(bridge.ifindex, name, 0, 0, true);
    if (!up.ok()) return LinkError(up);
  }
  return bridge;
}

CniStatus CreateVethPair(tun::RouteNetlink& netlink, const std::string& host_name,
                         const std::string& peer_name, const Netns& peer_netns, int mtu) {
  tun::NetlinkRequest req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  auto* info = req.Body<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  req.String(IFLA_IFNAME, host_name);
  if (mtu > 0) req.U32(IFLA_MTU, uint32_t(mtu));
  rtattr* linkinfo = req.Open(IFLA_LINKINFO);
  req.String(IFLA_INFO_KIND, "veth");
  rtattr* data = req.Open(IFLA_INFO_DATA);
  rtattr* peer = req.Open(VETH_INFO_PEER);
  auto* peer_info = req.Body<ifinfomsg>();  // the peer's own header, then its attributes
  peer_info->ifi_family = AF_UNSPEC;
  req.String(IFLA_IFNAME, peer_name);
  req.U32(IFLA_NET_NS_FD, uint32_t(peer_netns.fd()));
  if (mtu > 0) req.U32(IFLA_MTU, uint32_t(mtu));
  req.Close(peer);
  req.Close(data);
  req.Close(linkinfo);
  Status made = netlink.Transact(req.header(), "creating veth " + host_name + " with " +
                                                   peer_name + " in " + peer_netns.path());
  if (!made.ok()) return LinkError(made);
  return Ok();
}

CniStatus SetMaster(tun::RouteNetlink& netlink, const LinkInfo& link, const LinkInfo& bridge) {
  tun::NetlinkRequest req(RTM_NEWLINK, 0);
  auto* info = req.Body<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  info->ifi_index = link.ifindex;
  req.U32(IFLA_MASTER, uint32_t(bridge.ifindex));
  Status set = netlink.Transact(req.header(), "putting " + link.name + " on bridge " + bridge.name);
  if (!set.ok()) return LinkError(set);
  return Ok();
}

CniStatus DeleteLink(tun::RouteNetlink& netlink, const LinkInfo& link) {
  tun::NetlinkRequest req(RTM_DELLINK, 0);
  auto* info = req.Body<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  info->ifi_index = link.ifindex;
  Status gone = netlink.Transact(req.header(), "deleting link " + link.name);
  if (!gone.ok() && netlink.last_errno() != ENODEV) return LinkError(gone);
  return Ok();
}

CniResult<std::vector<IpPrefix>> V4AddressesOf(tun::RouteNetlink& netlink, const LinkInfo& link) {
  tun::NetlinkRequest req(RTM_GETADDR, 0);
  auto* ifa = req.Body<ifaddrmsg>();
  ifa->ifa_family = AF_INET;
  std::vector<IpPrefix> addresses;
  Status listed = netlink.Dump(req.header(), "listing addresses of " + link.name,
                               [&](const nlmsghdr& h) {
    if (h.nlmsg_type != RTM_NEWADDR) return;
    const auto* msg = static_cast<const ifaddrmsg*>(NLMSG_DATA(&h));
    if (int(msg->ifa_index) != link.ifindex || msg->ifa_family != AF_INET) return;
    int len = int(IFA_PAYLOAD(&h));
    IpAddr local, address;
    for (auto* a = IFA_RTA(msg); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
      ByteSpan bytes(static_cast<const uint8_t*>(RTA_DATA(a)), RTA_PAYLOAD(a));
      if (a->rta_type == IFA_LOCAL) local = IpAddr::FromBytes(bytes);
      if (a->rta_type == IFA_ADDRESS) address = IpAddr::FromBytes(bytes);
    }
    IpAddr ip = local.valid() ? local : address;
    if (ip.valid()) addresses.push_back(IpPrefix::From(ip, msg->ifa_prefixlen));
  });
  if (!listed.ok()) return LinkError(listed);
  return addresses;
}

CniResult<std::vector<LinkRoute>> V4RoutesOf(tun::RouteNetlink& netlink, const LinkInfo& link) {
  tun::NetlinkRequest req(RTM_GETROUTE, 0);
  auto* rtm = req.Body<rtmsg>();
  rtm->rtm_family = AF_INET;
  std::vector<LinkRoute> routes;
  Status listed = netlink.Dump(req.header(), "listing routes of " + link.name,
                               [&](const nlmsghdr& h) {
    if (h.nlmsg_type != RTM_NEWROUTE) return;
    const auto* msg = static_cast<const rtmsg*>(NLMSG_DATA(&h));
    if (msg->rtm_family != AF_INET) return;
    uint32_t table = msg->rtm_table;
    int oif = 0;
    IpAddr dst = IpAddr::V4(0u), gw;
    int len = int(RTM_PAYLOAD(&h));
    for (auto* a = RTM_RTA(msg); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
      ByteSpan bytes(static_cast<const uint8_t*>(RTA_DATA(a)), RTA_PAYLOAD(a));
      if (a->rta_type == RTA_TABLE && bytes.size() >= 4) std::memcpy(&table, bytes.data(), 4);
      if (a->rta_type == RTA_OIF && bytes.size() >= 4) std::memcpy(&oif, bytes.data(), 4);
      if (a->rta_type == RTA_DST) dst = IpAddr::FromBytes(bytes);
      if (a->rta_type == RTA_GATEWAY) gw = IpAddr::FromBytes(bytes);
    }
    if (table != RT_TABLE_MAIN || oif != link.ifindex) return;
    routes.push_back(LinkRoute{IpPrefix::From(dst, msg->rtm_dst_len), gw});
  });
  if (!listed.ok()) return LinkError(listed);
  return routes;
}

CniStatus EnableIpv4Forwarding() {
  const char* path = "/proc/sys/net/ipv4/ip_forward";
  {
    std::ifstream in(path);
    std::string value;
    if (std::getline(in, value) && value == "1") return Ok();
  }
  std::ofstream out(path);
  out << "1\n";
  out.flush();
  if (!out)
    return Fail(ErrorCode::kIoFailure,
                std::string("flatnet-cni: enabling forwarding (writing 1 to ") + path +
                    "): " + std::strerror(errno ? errno : EIO));
  return Ok();
}

}  // namespace flatnet::cni
