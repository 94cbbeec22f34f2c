#include "mesh/calculated_remotes.h"

#include <algorithm>
#include <array>

namespace flatnet::mesh {

std::vector<net::UdpAddr> CalculatedRemotesFor(const std::vector<config::CalculatedRemotes>& table,
                                               const IpAddr& vpn_ip) {
  const config::CalculatedRemotes* best = nullptr;
  for (const config::CalculatedRemotes& entry : table) {
    if (!entry.network.Contains(vpn_ip)) continue;
    if (!best || entry.network.bits() > best->network.bits()) best = &entry;
  }
  std::vector<net::UdpAddr> out;
  if (!best) return out;
  for (const config::CalculatedRemote& remote : best->remotes) {
    // config refuses a mask of another family than its CIDR's, which holds vpn_ip.
    if (remote.mask.addr().family() != vpn_ip.family()) continue;
    // Byte by byte over the address's own bytes (4 or 16): the mask's network bits, the
    // overlay address's host bits. An IPv6 overlay address gives an IPv6 underlay one, as
    // Nebula 1.11.1's ApplyV6 does.
    ByteSpan network = remote.mask.addr().bytes();
    ByteSpan host = vpn_ip.bytes();
    std::array<uint8_t, 16> made{};
    int bits = remote.mask.bits();
    for (size_t i = 0; i < host.size(); ++i) {
      int keep = std::clamp(bits - int(i) * 8, 0, 8);
      uint8_t mask = keep == 0 ? 0 : uint8_t(0xff << (8 - keep));
      made[i] = uint8_t((network[i] & mask) | (host[i] & ~mask));
    }
    out.push_back(
        net::UdpAddr(IpAddr::FromBytes(ByteSpan(made.data(), host.size())), remote.port));
  }
  return out;
}

}  // namespace flatnet::mesh
