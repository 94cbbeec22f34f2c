// A container's place on the host's flat network, set up, torn down and checked:
//
//   host namespace                              container namespace (CNI_NETNS)
//   bridge "flatnet0" 10.100.2.1/24 ── fn<hash> ═══ veth ═══ CNI_IFNAME 10.100.2.N/24
//      (forwarding on: to the overlay's tun)               routes: 0.0.0.0/0 via 10.100.2.1
//
// The host end's name is "fn" and 10 hex digits of SHA-256(container id, ifname), so DEL
// finds it again from the same two values with nothing else kept.
//
// Contract: Attach creates what is missing (the bridge, its gateway address, the pair, the
// container end's address and routes, net.ipv4.ip_forward=1) and returns the three links;
// a host end left by an earlier ADD of the same container is replaced. If a step fails, what
// Attach made for this container is deleted again. Detach deletes the pair (deleting one end
// deletes the other) and succeeds when it is gone already, or the namespace is. Verify
// (CHECK) fails with kCheckFailed naming the first thing that is not as Attach left it.
#pragma once

#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "cni/cni_config.h"
#include "cni/cni_error.h"
#include "cni/container_link.h"

namespace flatnet::cni {

struct ContainerNetwork {
  std::string bridge;
  IpPrefix gateway;  // the bridge's address, with the subnet's length
  std::string host_end;
  std::string ifname;
  std::string netns_path;
  IpPrefix address;                // the container's, with the subnet's length
  std::vector<RouteEntry> routes;  // every gw filled in
  int mtu = 0;
};

struct AttachedLinks {
  LinkInfo bridge;
  LinkInfo host_end;
  LinkInfo container_end;
};

std::string HostEndName(const std::string& container_id, const std::string& ifname);

CniResult<AttachedLinks> AttachContainer(const ContainerNetwork& network);
// netns_path may be empty (DEL without a namespace): only the host end is deleted.
CniStatus DetachContainer(const std::string& host_end, const std::string& ifname,
                          const std::string& netns_path);
CniStatus VerifyContainer(const ContainerNetwork& network);

}  // namespace flatnet::cni
