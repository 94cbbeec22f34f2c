#include "cni/container_network.h"

#include <algorithm>

#include "base/bytes.h"
#include "crypto/hash.h"

namespace flatnet::cni {
namespace {

CniError LinkError(const Status& status) {
  return Fail(ErrorCode::kLinkSetupFailed, "flatnet-cni: " + status.message());
}

CniError CheckFailed(std::string msg) {
  return Fail(ErrorCode::kCheckFailed, "flatnet-cni CHECK: " + std::move(msg));
}

CniResult<tun::RouteNetlink> HostNetlink() {
  auto netlink = tun::RouteNetlink::Open();
  if (!netlink.ok())
    return Fail(ErrorCode::kIoFailure, "flatnet-cni: " + netlink.status().message());
  return std::move(netlink).value();
}

// The container's side: its end up with its address and routes.
CniResult<LinkInfo> ConfigureContainerEnd(const ContainerNetwork& network, const Netns& netns) {
  auto inside = netns.OpenNetlink();
  if (!inside.ok()) return inside.error();
  auto end = FindLink(inside.value(), network.ifname);
  if (!end.ok()) return end.error();
  if (!end.value())
    return Fail(ErrorCode::kLinkSetupFailed,
                "flatnet-cni: " + network.ifname + " did not appear in " + network.netns_path);
  const LinkInfo link = *end.value();
  Status status = inside->SetLink(link.ifindex, link.name, 0, 0, true);
  if (status.ok()) status = inside->AddAddress(link.ifindex, link.name, network.address);
  for (const RouteEntry& route : network.routes) {
    if (!status.ok()) break;
    tun::RouteSpec spec;
    spec.destination = route.dst;
    spec.ifindex = link.ifindex;
    spec.gateway = route.gw;
    status = inside->ReplaceRoute(spec, link.name);
  }
  if (!status.ok()) return LinkError(status.Wrap("in " + network.netns_path));
  return link;
}

CniResult<AttachedLinks> Attach(tun::RouteNetlink& host, const ContainerNetwork& network,
                                const Netns& netns) {
  AttachedLinks links;
  auto bridge = EnsureBridge(host, network.bridge);
  if (!bridge.ok()) return bridge.error();
  links.bridge = bridge.value();
  Status address = host.AddAddress(links.bridge.ifindex, links.bridge.name, network.gateway);
  if (!address.ok()) return LinkError(address);

  auto made = CreateVethPair(host, network.host_end, network.ifname, netns, network.mtu);
  if (!made.ok()) return made.error();
  auto host_end = FindLink(host, network.host_end);
  if (!host_end.ok()) return host_end.error();
  if (!host_end.value())
    return Fail(ErrorCode::kLinkSetupFailed, "flatnet-cni: " + network.host_end + " vanished");
  links.host_end = *host_end.value();
  auto mastered = SetMaster(host, links.host_end, links.bridge);
  if (!mastered.ok()) return mastered.error();
  Status up = host.SetLink(links.host_end.ifindex, links.host_end.name, 0, 0, true);
  if (!up.ok()) return LinkError(up);

  auto container_end = ConfigureContainerEnd(network, netns);
  if (!container_end.ok()) return container_end.error();
  links.container_end = container_end.value();
  // A bridge without an address of its own set takes its ports' lowest MAC: read it again.
  if (auto now = FindLink(host, network.bridge); now.ok() && now.value())
    links.bridge = *now.value();
  return links;
}

bool HasRoute(const std::vector<LinkRoute>& routes, const RouteEntry& want) {
  return std::any_of(routes.begin(), routes.end(), [&](const LinkRoute& have) {
    return have.dst.Masked() == want.dst.Masked() && have.gw == want.gw;
  });
}

}  // namespace

std::string HostEndName(const std::string& container_id, const std::string& ifname) {
  const std::string key = container_id + "\n" + ifname;
  auto digest = crypto::Sha256(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  return "fn" + ToHex(ByteSpan(digest.data(), 5));
}

CniResult<AttachedLinks> AttachContainer(const ContainerNetwork& network) {
  auto forwarding = EnableIpv4Forwarding();
  if (!forwarding.ok()) return forwarding.error();
  auto netns = Netns::Open(network.netns_path);
  if (!netns.ok()) return netns.error();
  auto host = HostNetlink();
  if (!host.ok()) return host.error();

  // An ADD repeated for the same container: start from scratch.
  auto stale = FindLink(host.value(), network.host_end);
  if (!stale.ok()) return stale.error();
  if (stale.value()) {
    auto gone = DeleteLink(host.value(), *stale.value());
    if (!gone.ok()) return gone.error();
  }

  auto links = Attach(host.value(), network, netns.value());
  if (!links.ok()) {
    // Leave nothing of this container behind; the bridge stays for the others.
    if (auto made = FindLink(host.value(), network.host_end); made.ok() && made.value())
      DeleteLink(host.value(), *made.value());
  }
  return links;
}

CniStatus DetachContainer(const std::string& host_end, const std::string& ifname,
                          const std::string& netns_path) {
  auto host = HostNetlink();
  if (!host.ok()) return host.error();
  auto end = FindLink(host.value(), host_end);
  if (!end.ok()) return end.error();
  if (end.value()) return DeleteLink(host.value(), *end.value());
  // The host end is gone; a container end left without it (a host end renamed or deleted
  // by hand) is ours only if it is a veth.
  if (netns_path.empty()) return Ok();
  auto netns = Netns::Open(netns_path);
  if (!netns.ok()) return Ok();  // the container's namespace is gone, and with it its end
  auto inside = netns->OpenNetlink();
  if (!inside.ok()) return inside.error();
  auto container_end = FindLink(inside.value(), ifname);
  if (!container_end.ok()) return container_end.error();
  if (container_end.value() && container_end.value()->kind == "veth")
    return DeleteLink(inside.value(), *container_end.value());
  return Ok();
}

CniStatus VerifyContainer(const ContainerNetwork& network) {
  auto host = HostNetlink();
  if (!host.ok()) return host.error();
  auto bridge = FindLink(host.value(), network.bridge);
  if (!bridge.ok()) return bridge.error();
  if (!bridge.value() || bridge.value()->kind != "bridge")
    return CheckFailed("bridge " + network.bridge + " is missing");
  auto bridge_addresses = V4AddressesOf(host.value(), *bridge.value());
  if (!bridge_addresses.ok()) return bridge_addresses.error();
  if (std::find(bridge_addresses->begin(), bridge_addresses->end(), network.gateway) ==
      bridge_addresses->end())
    return CheckFailed("bridge " + network.bridge + " lacks its address " +
                       network.gateway.ToString());
  auto host_end = FindLink(host.value(), network.host_end);
  if (!host_end.ok()) return host_end.error();
  if (!host_end.value()) return CheckFailed("the host end " + network.host_end + " is missing");
  if (host_end.value()->master != bridge.value()->ifindex)
    return CheckFailed(network.host_end + " is not on bridge " + network.bridge);

  auto netns = Netns::Open(network.netns_path);
  if (!netns.ok()) return netns.error();
  auto inside = netns->OpenNetlink();
  if (!inside.ok()) return inside.error();
  auto end = FindLink(inside.value(), network.ifname);
  if (!end.ok()) return end.error();
  const std::string where = network.ifname + " in " + network.netns_path;
  if (!end.value()) return CheckFailed(where + " is missing");
  if (!end.value()->up) return CheckFailed(where + " is down");
  auto addresses = V4AddressesOf(inside.value(), *end.value());
  if (!addresses.ok()) return addresses.error();
  if (std::find(addresses->begin(), addresses->end(), network.address) == addresses->end())
    return CheckFailed(where + " lacks its address " + network.address.ToString());
  auto routes = V4RoutesOf(inside.value(), *end.value());
  if (!routes.ok()) return routes.error();
  for (const RouteEntry& route : network.routes) {
    if (!HasRoute(routes.value(), route))
      return CheckFailed(where + " lacks the route " + route.dst.ToString() + " via " +
                         route.gw.ToString());
  }
  return Ok();
}

}  // namespace flatnet::cni
