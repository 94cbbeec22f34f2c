// The rtnetlink requests the CNI plugin makes beyond a TUN device's (tun/netlink.h): links
// looked up by name (index, MAC, kind, master, up), a bridge and a veth pair created (the
// peer straight inside the container's namespace, under its final name), a link put on a
// bridge or deleted, the IPv4 addresses and main-table routes of a link listed, and the
// container's namespace entered long enough to open a netlink socket there.
//
// Contract: every call works in the namespace its RouteNetlink was opened in. Kernel
// refusals are kLinkSetupFailed naming the link and what was attempted; a namespace path
// that does not exist is kUnknownContainer. Nothing here shells out to `ip`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "cni/cni_error.h"
#include "tun/netlink.h"

namespace flatnet::cni {

struct LinkInfo {
  int ifindex = 0;
  std::string name;
  std::string mac;   // "aa:bb:cc:dd:ee:ff", empty when the link has none
  std::string kind;  // "bridge", "veth", ... (IFLA_INFO_KIND); empty for a plain device
  int master = 0;    // the bridge's ifindex, 0 when on none
  bool up = false;
};

struct LinkRoute {
  IpPrefix dst;
  IpAddr gw;  // invalid: on-link
};

// A network namespace held open by path (/var/run/netns/NAME, /proc/PID/ns/net).
class Netns {
 public:
  static CniResult<Netns> Open(const std::string& path);
  Netns(Netns&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
    other.fd_ = -1;
  }
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  ~Netns();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // A netlink socket inside this namespace: setns there, open, setns back.
  CniResult<tun::RouteNetlink> OpenNetlink() const;

 private:
  Netns(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// nullopt when no link has that name.
CniResult<std::optional<LinkInfo>> FindLink(tun::RouteNetlink& netlink, const std::string& name);
// Creates the bridge unless a link of that name exists; one that is not a bridge is an error.
// A bridge made here gets a fixed MAC (from its name), so it does not change as ports come
// and go: containers' cached ARP entries for the gateway stay right.
CniResult<LinkInfo> EnsureBridge(tun::RouteNetlink& netlink, const std::string& name);
// A veth pair: `host_name` here, `peer_name` created inside `peer_netns`. mtu 0: default.
CniStatus CreateVethPair(tun::RouteNetlink& netlink, const std::string& host_name,
                         const std::string& peer_name, const Netns& peer_netns, int mtu);
CniStatus SetMaster(tun::RouteNetlink& netlink, const LinkInfo& link, const LinkInfo& bridge);
// A link that is already gone is fine.
CniStatus DeleteLink(tun::RouteNetlink& netlink, const LinkInfo& link);
CniResult<std::vector<IpPrefix>> V4AddressesOf(tun::RouteNetlink& netlink, const LinkInfo& link);
CniResult<std::vector<LinkRoute>> V4RoutesOf(tun::RouteNetlink& netlink, const LinkInfo& link);

// net.ipv4.ip_forward=1 in the current namespace (the host's), unless it is already.
CniStatus EnableIpv4Forwarding();

}  // namespace flatnet::cni
