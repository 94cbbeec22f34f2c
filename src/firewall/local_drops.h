// LocalDrops: Nebula's tun.drop_local_broadcast and tun.drop_multicast, applied on the
// inside path to packets the kernel hands the TUN device, before the outbound firewall.
//
// Contract: ShouldDrop(destination) is true when the destination is this host's overlay
// broadcast address (its certificate IP with all host bits set, e.g. 192.168.100.255 for
// 192.168.100.2/24) and drop_local_broadcast is on, or a class D multicast address
// (224.0.0.0/4) and drop_multicast is on. Both default off, as in Nebula.
#pragma once

#include <cstdint>

#include "base/ip_prefix.h"

namespace flatnet::firewall {

inline bool IsMulticast(const IpAddr& address) {
  return address.is_v4() && (address.v4() >> 28) == 0xe;
}

// The IPv4 network's broadcast address (host bits all set); the invalid address otherwise.
inline IpAddr BroadcastAddress(const IpPrefix& overlay) {
  if (!overlay.is_v4()) return IpAddr();
  return IpAddr::V4(overlay.addr().v4() | ~overlay.V4Mask());
}

struct LocalDrops {
  bool drop_local_broadcast = false;
  bool drop_multicast = false;
  IpAddr local_broadcast;

  static LocalDrops For(const IpPrefix& overlay, bool drop_local_broadcast, bool drop_multicast) {
    return LocalDrops{drop_local_broadcast, drop_multicast, BroadcastAddress(overlay)};
  }

  bool ShouldDrop(const IpAddr& destination) const {
    return (drop_local_broadcast && local_broadcast.valid() && destination == local_broadcast) ||
           (drop_multicast && IsMulticast(destination));
  }
};

}  // namespace flatnet::firewall
