#include "mesh/gateways.h"

#include <algorithm>
#include <cstring>

namespace flatnet::mesh {

GatewaySet::GatewaySet(const std::vector<config::Gateway>& gateways) {
  unsigned __int128 total = 0;
  for (const config::Gateway& g : gateways) total += uint64_t(std::max(g.weight, 1));
  unsigned __int128 running = 0;
  for (const config::Gateway& g : gateways) {
    running += uint64_t(std::max(g.weight, 1));
    addresses_.push_back(g.address);
    // Gateway i owns (bound[i-1], bound[i]]: its share of 2^31, rounded to nearest.
    unsigned __int128 bound = ((running << 31) + total / 2) / total;
    upper_bounds_.push_back(uint32_t(bound - 1));
  }
}

bool GatewaySet::Contains(const IpAddr& gateway) const {
  return std::find(addresses_.begin(), addresses_.end(), gateway) != addresses_.end();
}

uint32_t GatewaySet::FlowHash(const firewall::Packet& packet) {
  // Both addresses (all 16 bytes of each, so IPv6 flows spread as IPv4 ones do), protocol
  // and ports through a 64-bit finalizer (splitmix64's), so flows that differ in any of
  // them land far apart.
  auto word = [](const IpAddr& ip, int half) {
    uint64_t w;
    std::memcpy(&w, ip.bytes16().data() + 8 * half, 8);
    return w;
  };
  uint64_t x = word(packet.local_ip, 1) ^ word(packet.remote_ip, 1) * 0xc2b2ae3d27d4eb4fULL;
  x ^= (word(packet.local_ip, 0) ^ word(packet.remote_ip, 0) * 0x165667b19e3779f9ULL) *
       0xff51afd7ed558ccdULL;
  x ^= (uint64_t(packet.protocol) << 32 | uint64_t(packet.local_port) << 16 | packet.remote_port) *
       0x9e3779b97f4a7c15ULL;
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return uint32_t(x >> 33);  // 31 bits
}

IpAddr GatewaySet::Pick(const firewall::Packet& packet) const {
  if (addresses_.size() <= 1) return addresses_.empty() ? IpAddr() : addresses_[0];
  uint32_t hash = FlowHash(packet);
  for (size_t i = 0; i < addresses_.size(); ++i)
    if (hash <= upper_bounds_[i]) return addresses_[i];
  return addresses_.back();  // unreachable: the last bound is 2^31 - 1
}

IpAddr GatewaySet::PickLive(const firewall::Packet& packet,
                            const HostMap::Snapshot& tunnels) const {
  IpAddr chosen = Pick(packet);
  if (addresses_.size() <= 1 || tunnels.FindByVpnIp(chosen)) return chosen;
  for (const IpAddr& other : addresses_)
    if (tunnels.FindByVpnIp(other)) return other;
  return chosen;
}

}  // namespace flatnet::mesh
