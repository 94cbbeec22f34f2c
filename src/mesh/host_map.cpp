#include "mesh/host_map.h"

namespace flatnet::mesh {

HostMap::HostMap() : current_(std::make_shared<Snapshot>()) {}

std::shared_ptr<const HostMap::Snapshot> HostMap::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool HostMap::IndexInUse(uint32_t local_index) const {
  return Current()->FindByIndex(local_index) != nullptr;
}

std::shared_ptr<Tunnel> HostMap::Add(std::shared_ptr<Tunnel> tunnel) {
  auto next = std::make_shared<Snapshot>(*Current());
  std::shared_ptr<Tunnel> replaced;
  if (auto it = next->by_vpn_ip.find(tunnel->vpn_ip()); it != next->by_vpn_ip.end()) {
    replaced = it->second;
    next->by_local_index.erase(replaced->local_index());
  }
  next->by_vpn_ip[tunnel->vpn_ip()] = tunnel;
  next->by_local_index[tunnel->local_index()] = tunnel;
  Publish(std::move(next));
  return replaced;
}

void HostMap::Remove(const Tunnel& tunnel) {
  auto next = std::make_shared<Snapshot>(*Current());
  if (auto it = next->by_vpn_ip.find(tunnel.vpn_ip());
      it != next->by_vpn_ip.end() && it->second.get() == &tunnel) {
    next->by_vpn_ip.erase(it);
  }
  if (auto it = next->by_local_index.find(tunnel.local_index());
      it != next->by_local_index.end() && it->second.get() == &tunnel) {
    next->by_local_index.erase(it);
  }
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
