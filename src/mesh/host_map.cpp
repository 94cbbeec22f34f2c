#include "mesh/host_map.h"

#include <vector>

namespace flatnet::mesh {

HostMap::HostMap() : current_(std::make_shared<Snapshot>()) {}

std::shared_ptr<const HostMap::Snapshot> HostMap::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool HostMap::IndexInUse(uint32_t local_index) const {
  return Current()->FindByIndex(local_index) != nullptr;
}

namespace {

// Forgets the relay legs that ran over our tunnel to `via`.
void DropRelaysVia(HostMap::Snapshot& map, const IpAddr& via) {
  std::vector<Relay> gone;  // first collected: erasing ends the iteration
  for (const auto& [index, relay] : map.relays_by_index)
    if (relay.via == via) gone.push_back(relay);
  for (const Relay& relay : gone) {
    map.relay_index_by_route.erase(HostMap::Snapshot::RouteKey{relay.via, relay.peer});
    map.relays_by_index.erase(relay.local_index);
  }
}

// A tunnel joins or leaves by_primary: its addresses' claim counts.
void Claim(HostMap::Snapshot& map, const Tunnel& tunnel) {
  for (const IpAddr& address : tunnel.vpn_addrs()) ++map.claims[address];
}
void Unclaim(HostMap::Snapshot& map, const Tunnel& tunnel) {
  for (const IpAddr& address : tunnel.vpn_addrs()) {
    auto it = map.claims.find(address);
    if (it == map.claims.end()) continue;
    if (it->second <= 1) {
      map.claims.erase(address);
    } else {
      --map.claims[address];
    }
  }
}

// Forgets the address keys that lead to `tunnel` (no longer in by_primary, unclaimed); an
// address another listed tunnel also claims goes back to that one.
void DropAddressKeys(HostMap::Snapshot& map, const Tunnel& tunnel) {
  for (const IpAddr& address : tunnel.vpn_addrs()) {
    auto it = map.by_vpn_ip.find(address);
    if (it == map.by_vpn_ip.end() || it->second.get() != &tunnel) continue;
    map.by_vpn_ip.erase(address);
    if (map.claims.count(address) == 0) continue;  // nobody else holds it: no search
    for (const auto& [primary, other] : map.by_primary) {
      if (other.get() != &tunnel && other->HasVpnAddr(address)) {
        map.by_vpn_ip[address] = other;
        break;
      }
    }
  }
}

}  // namespace

std::shared_ptr<Tunnel> HostMap::Add(std::shared_ptr<Tunnel> tunnel, bool keep_replaced_index) {
  auto next = std::make_shared<Snapshot>(*Current());
  std::shared_ptr<Tunnel> replaced;
  if (auto it = next->by_primary.find(tunnel->vpn_ip()); it != next->by_primary.end()) {
    replaced = it->second;
    if (replaced != tunnel) {
      if (!keep_replaced_index) next->by_local_index.erase(replaced->local_index());
      next->by_primary.erase(tunnel->vpn_ip());
      Unclaim(*next, *replaced);
      DropAddressKeys(*next, *replaced);
      // Legs over the replaced tunnel were agreed with that session of the peer; a relay
      // that restarted knows none of them, and would drop what we kept sending through them.
      DropRelaysVia(*next, tunnel->vpn_ip());
    }
  }
  if (replaced != tunnel) Claim(*next, *tunnel);
  next->by_primary[tunnel->vpn_ip()] = tunnel;
  for (const IpAddr& address : tunnel->vpn_addrs()) next->by_vpn_ip[address] = tunnel;
  next->by_local_index[tunnel->local_index()] = tunnel;
  Publish(std::move(next));
  return replaced;
}

void HostMap::AddCandidate(std::shared_ptr<Tunnel> tunnel) {
  auto next = std::make_shared<Snapshot>(*Current());
  next->by_local_index[tunnel->local_index()] = std::move(tunnel);
  Publish(std::move(next));
}

void HostMap::Remove(const Tunnel& tunnel) {
  auto next = std::make_shared<Snapshot>(*Current());
  bool primary = false;
  if (auto it = next->by_primary.find(tunnel.vpn_ip());
      it != next->by_primary.end() && it->second.get() == &tunnel) {
    next->by_primary.erase(tunnel.vpn_ip());
    Unclaim(*next, tunnel);
    DropAddressKeys(*next, tunnel);
    primary = true;
  }
  if (auto it = next->by_local_index.find(tunnel.local_index());
      it != next->by_local_index.end() && it->second.get() == &tunnel) {
    next->by_local_index.erase(tunnel.local_index());
  }
  if (primary) DropRelaysVia(*next, tunnel.vpn_ip());  // they have no next hop any more
  Publish(std::move(next));
}

bool HostMap::RelayIndexInUse(uint32_t local_index) const {
  return Current()->FindRelay(local_index) != nullptr;
}

void HostMap::SetRelay(const Relay& relay) {
  auto next = std::make_shared<Snapshot>(*Current());
  Snapshot::RouteKey route{relay.via, relay.peer};
  if (auto it = next->relay_index_by_route.find(route);
      it != next->relay_index_by_route.end() && it->second != relay.local_index) {
    const uint32_t old_index = it->second;
    next->relays_by_index.erase(old_index);
  }
  next->relays_by_index[relay.local_index] = relay;
  next->relay_index_by_route[route] = relay.local_index;
  Publish(std::move(next));
}

void HostMap::RemoveRelay(uint32_t local_index) {
  auto next = std::make_shared<Snapshot>(*Current());
  auto it = next->relays_by_index.find(local_index);
  if (it == next->relays_by_index.end()) return;
  Snapshot::RouteKey route{it->second.via, it->second.peer};
  if (auto r = next->relay_index_by_route.find(route);
      r != next->relay_index_by_route.end() && r->second == local_index) {
    next->relay_index_by_route.erase(route);
  }
  next->relays_by_index.erase(local_index);
  Publish(std::move(next));
}

void HostMap::Publish(std::shared_ptr<Snapshot> next) {
  {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }
  version_.fetch_add(1, std::memory_order_release);
}

}  // namespace flatnet::mesh
