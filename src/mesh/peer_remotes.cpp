#include "mesh/peer_remotes.h"

#include <algorithm>

#include "mesh/calculated_remotes.h"

namespace flatnet::mesh {

std::vector<net::UdpAddr> PeerRemotes(const HostMap& host_map, const AddressBook& book,
                                      const std::vector<config::CalculatedRemotes>& calculated,
                                      const IpAddr& vpn_ip) {
  auto snapshot = host_map.Current();
  Tunnel* tunnel = snapshot->FindByVpnIp(vpn_ip);
  std::vector<net::UdpAddr> remotes;
  if (tunnel && !tunnel->via_relay().valid()) {
    net::UdpAddr learned = tunnel->remote();
    remotes = book.Candidates(vpn_ip, &learned);
  } else {
    remotes = book.Candidates(vpn_ip);
  }
  if (!book.IsStatic(vpn_ip)) {
    for (const net::UdpAddr& guess : CalculatedRemotesFor(calculated, vpn_ip)) {
      if (remotes.size() >= AddressBook::kMaxCandidates) break;
      if (book.Allowed(vpn_ip, guess) &&
          std::find(remotes.begin(), remotes.end(), guess) == remotes.end())
        remotes.push_back(guess);
    }
  }
  return remotes;
}

}  // namespace flatnet::mesh
