#include "mesh/calculated_remotes.h"


namespace flatnet::mesh {
namespace {

uint32_t MaskOf(int prefix_length) {
  return prefix_length <= 0 ? 0 : ~uint32_t(0) << (32 - prefix_length);
}

}  // namespace

std::vector<net::UdpAddr> CalculatedRemotesFor(const std::vector<config::CalculatedRemotes>& table,
                                               const IpAddr& vpn_ip) {
  const config::CalculatedRemotes* best = nullptr;
  const IpAddr& overlay = vpn_ip;
  for (const config::CalculatedRemotes& entry : table) {
    if (!entry.network.Contains(overlay)) continue;
    if (!best || entry.network.bits() > best->network.bits()) best = &entry;
  }
  std::vector<net::UdpAddr> out;
  if (!best) return out;
  for (const config::CalculatedRemote& remote : best->remotes) {
    // config refuses a mask of the other family; the overlay guessed from is IPv4.
    if (!remote.mask.is_v4() || !vpn_ip.is_v4()) continue;
    const uint32_t mask = MaskOf(remote.mask.bits());
    const uint32_t address = (remote.mask.addr().v4() & mask) | (vpn_ip.v4() & ~mask);
    out.push_back(net::UdpAddr(IpAddr::V4(address), remote.port));
  }
  return out;
}

}  // namespace flatnet::mesh
