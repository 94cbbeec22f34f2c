// LocalDrops: Nebula's tun.drop_local_broadcast and tun.drop_multicast, applied on the
// inside path to packets the kernel hands the TUN device, before the outbound firewall.
//
// Contract (Nebula 1.11.1 inside.go): ShouldDrop(destination) is true when
// drop_local_broadcast is on and the destination is the broadcast address of one of this
// host's IPv4 overlay networks (its address with all host bits set, e.g. 192.168.100.255
// for 192.168.100.2/24; IPv6 has no broadcast), or when drop_multicast is on and the
// destination is multicast: 224.0.0.0/4, or ff00::/8 for IPv6 (netip's IsMulticast).
// Link-local and other IPv6 addresses are not dropped here: they find no tunnel and are
// dropped as unroutable. Both options default off, as in Nebula. ShouldDrop never
// allocates.
#pragma once

#include <vector>

#include "base/ip_prefix.h"

namespace flatnet::firewall {

inline bool IsMulticast(const IpAddr& address) {
  if (address.is_v4()) return (address.v4() >> 28) == 0xe;
  return address.is_v6() && address.bytes16()[0] == 0xff;
}

// The IPv4 network's broadcast address (host bits all set); the invalid address otherwise.
inline IpAddr BroadcastAddress(const IpPrefix& overlay) {
  if (!overlay.is_v4()) return IpAddr();
  return IpAddr::V4(overlay.addr().v4() | ~overlay.V4Mask());
}

struct LocalDrops {
  bool drop_local_broadcast = false;
  bool drop_multicast = false;
  std::vector<IpAddr> local_broadcasts;  // one per IPv4 overlay network

  // `overlay`: this host's certificate networks, either family.
  static LocalDrops For(const std::vector<IpPrefix>& overlay, bool drop_local_broadcast,
                        bool drop_multicast) {
    LocalDrops drops{drop_local_broadcast, drop_multicast, {}};
    for (const IpPrefix& network : overlay)
      if (network.is_v4()) drops.local_broadcasts.push_back(BroadcastAddress(network));
    return drops;
  }

  bool ShouldDrop(const IpAddr& destination) const {
    if (drop_multicast && IsMulticast(destination)) return true;
    if (!drop_local_broadcast || !destination.is_v4()) return false;
    for (const IpAddr& broadcast : local_broadcasts)
      if (destination == broadcast) return true;
    return false;
  }
};

}  // namespace flatnet::firewall
