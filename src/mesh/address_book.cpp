#include "mesh/address_book.h"

#include <algorithm>

namespace flatnet::mesh {

AddressBook::AddressBook(const config::RemoteAllowList& allow, std::vector<IpPrefix> preferred,
                         std::vector<IpPrefix> my_networks)
    : allow_(allow), preferred_(std::move(preferred)), my_networks_(std::move(my_networks)) {}

bool AddressBook::Allowed(const IpAddr& vpn_ip, const net::UdpAddr& address) const {
  if (address.is_unspecified() || address.port() == 0) return false;
  // An underlay address inside the overlay would send tunnel traffic through itself.
  const IpAddr ip = address.ip();
  for (const IpPrefix& mine : my_networks_)
    if (mine.Contains(ip)) return false;
  return allow_.Allows(vpn_ip, ip);
}

void AddressBook::SetStatic(const IpAddr& vpn_ip, std::vector<net::UdpAddr> addresses) {
  auto [entry, added] = static_.try_emplace(vpn_ip);
  entry->second = std::move(addresses);
  if (added) ++known_changes_;
}

size_t AddressBook::SetReported(const IpAddr& vpn_ip, const IpAddr& owner,
                                const std::vector<net::UdpAddr>& addresses) {
  std::vector<net::UdpAddr>& kept = reported_[vpn_ip][owner];
  const bool had_any = !kept.empty();
  kept.clear();
  for (const net::UdpAddr& address : addresses) {
    if (kept.size() >= kMaxCandidates) break;
    if (Allowed(vpn_ip, address)) kept.push_back(address);
  }
  if (had_any != !kept.empty()) ++known_changes_;
  return kept.size();
}

std::vector<IpAddr> AddressBook::Known() const {
  std::vector<IpAddr> known;
  for (const auto& [vpn_ip, addresses] : static_) known.push_back(vpn_ip);
  for (const auto& [vpn_ip, owners] : reported_) {
    if (static_.count(vpn_ip)) continue;
    for (const auto& [owner, addresses] : owners) {
      if (addresses.empty()) continue;
      known.push_back(vpn_ip);
      break;
    }
  }
  return known;
}

size_t AddressBook::SetRelays(const IpAddr& vpn_ip, const IpAddr& owner, std::vector<IpAddr> relays) {
  if (relays.size() > kMaxRelays) relays.resize(kMaxRelays);
  size_t kept = relays.size();
  relays_[vpn_ip][owner] = std::move(relays);
  return kept;
}

bool AddressBook::Preferred(const net::UdpAddr& address) const {
  const IpAddr ip = address.ip();
  return std::any_of(preferred_.begin(), preferred_.end(),
                     [&](const IpPrefix& range) { return range.Contains(ip); });
}

std::vector<net::UdpAddr> AddressBook::Candidates(const IpAddr& vpn_ip,
                                                  const net::UdpAddr* learned) const {
  std::vector<net::UdpAddr> all;
  auto add = [&](const net::UdpAddr& address) {
    if (std::find(all.begin(), all.end(), address) == all.end()) all.push_back(address);
  };
  if (learned) add(*learned);
  if (auto it = static_.find(vpn_ip); it != static_.end())
    for (const auto& address : it->second) add(address);
  if (auto it = reported_.find(vpn_ip); it != reported_.end())
    for (const auto& [owner, addresses] : it->second)
      for (const auto& address : addresses) add(address);
  // Preferred ranges (a shared LAN) first: stable, so each group keeps its order.
  std::stable_partition(all.begin(), all.end(),
                        [&](const net::UdpAddr& a) { return Preferred(a); });
  if (all.size() > kMaxCandidates) all.resize(kMaxCandidates);
  return all;
}

std::vector<net::UdpAddr> AddressBook::Reported(const IpAddr& vpn_ip) const {
  std::vector<net::UdpAddr> out;
  if (auto it = static_.find(vpn_ip); it != static_.end()) out = it->second;
  if (auto it = reported_.find(vpn_ip); it != reported_.end()) {
    if (auto own = it->second.find(vpn_ip); own != it->second.end())
      for (const auto& address : own->second)
        if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(address);
  }
  return out;
}

std::vector<IpAddr> AddressBook::Relays(const IpAddr& vpn_ip) const {
  std::vector<IpAddr> out;
  if (auto it = relays_.find(vpn_ip); it != relays_.end())
    for (const auto& [owner, relays] : it->second)
      for (const IpAddr& relay : relays)
        if (std::find(out.begin(), out.end(), relay) == out.end()) out.push_back(relay);
  return out;
}

}  // namespace flatnet::mesh
