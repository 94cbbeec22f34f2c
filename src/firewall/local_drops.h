// LocalDrops: Nebula's tun.drop_local_broadcast and tun.drop_multicast, applied on the
// inside path to packets the kernel hands the TUN device, before the outbound firewall.
//
// Contract: ShouldDrop(destination) is true when the destination is this host's overlay
// broadcast address (its certificate IP with all host bits set, e.g. 192.168.100.255 for
// 192.168.100.2/24) and drop_local_broadcast is on, or a class D multicast address
// (224.0.0.0/4) and drop_multicast is on. Both default off, as in Nebula.
#pragma once

#include <cstdint>

#include "net/ip.h"

namespace flatnet::firewall {

inline bool IsMulticast(uint32_t address) { return (address >> 28) == 0xe; }

inline uint32_t BroadcastAddress(uint32_t overlay_ip, int prefix_length) {
  return overlay_ip | ~net::Ipv4Cidr(net::Ipv4(overlay_ip), prefix_length).mask();
}

struct LocalDrops {
  bool drop_local_broadcast = false;
  bool drop_multicast = false;
  uint32_t local_broadcast = 0;

  static LocalDrops For(uint32_t overlay_ip, int prefix_length, bool drop_local_broadcast,
                        bool drop_multicast) {
    return LocalDrops{drop_local_broadcast, drop_multicast,
                      BroadcastAddress(overlay_ip, prefix_length)};
  }

  bool ShouldDrop(uint32_t destination) const {
    return (drop_local_broadcast && destination == local_broadcast) ||
           (drop_multicast && IsMulticast(destination));
  }
};

}  // namespace flatnet::firewall
