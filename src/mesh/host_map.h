// HostMap: the established tunnels, by overlay IP (inside path) and by our local index
// (outside path: a peer's datagram names the index we gave it).
//
// A peer may hold several overlay addresses (one per network of its certificate, IPv4 and
// IPv6): its tunnel is found by each of them (by_vpn_ip, as Nebula's hostmap keys a HostInfo
// by every vpnAddr), and listed once, under its primary address (by_primary: what
// iterations over the tunnels use). Replacing or removing a tunnel removes all its keys. Two
// hosts whose certificates claim the same address (a CA's mistake): the later tunnel holds
// it, and the earlier one gets it back when the later one goes.
//
// Contract: only the control thread changes the map (Add, Remove). Each change publishes a
// new immutable Snapshot and bumps a version number. Workers hold a SnapshotReader, which
// checks the version once per batch (one atomic load) and takes the new snapshot only when
// it changed, so the per-packet lookup takes no lock and never sees a half-made change.
// A removed Tunnel stays alive until the last snapshot holding it is dropped. The tables are
// ShardedMaps, so a change copies the shards it touches, not every table: with 50,000
// tunnels (a lighthouse) a handshake stays cheap.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/sharded_map.h"
#include "mesh/relay.h"
#include "mesh/tunnel.h"

namespace flatnet::mesh {

class HostMap {
 public:
  using TunnelTable = ShardedMap<IpAddr, std::shared_ptr<Tunnel>>;
  struct Snapshot {
    // Every overlay address of every peer -> its tunnel.
    TunnelTable by_vpn_ip;
    // Each peer's primary address (Tunnel::vpn_ip()) -> its tunnel: one entry per peer.
    TunnelTable by_primary;
    // How many tunnels of by_primary hold each address: when one goes, only an address
    // that others also claim needs a search for the tunnel it goes back to.
    ShardedMap<IpAddr, uint32_t> claims;
    ShardedMap<uint32_t, std::shared_ptr<Tunnel>> by_local_index;
    // Relay legs by our index, and by (via, peer): see relay.h.
    ShardedMap<uint32_t, Relay> relays_by_index;
    struct RouteKey {
      IpAddr via, peer;
      bool operator==(const RouteKey&) const = default;
    };
    struct RouteKeyHash {
      size_t operator()(const RouteKey& key) const noexcept {
        return key.via.Hash() * 31 ^ key.peer.Hash();
      }
    };
    ShardedMap<RouteKey, uint32_t, RouteKeyHash> relay_index_by_route;

    const Relay* FindRelay(uint32_t local_index) const {
      auto it = relays_by_index.find(local_index);
      return it == relays_by_index.end() ? nullptr : &it->second;
    }
    const Relay* FindRelay(const IpAddr& via, const IpAddr& peer) const {
      auto it = relay_index_by_route.find(RouteKey{via, peer});
      return it == relay_index_by_route.end() ? nullptr : FindRelay(it->second);
    }

    Tunnel* FindByVpnIp(const IpAddr& vpn_ip) const {
      auto it = by_vpn_ip.find(vpn_ip);
      return it == by_vpn_ip.end() ? nullptr : it->second.get();
    }
    Tunnel* FindByIndex(uint32_t local_index) const {
      auto it = by_local_index.find(local_index);
      return it == by_local_index.end() ? nullptr : it->second.get();
    }
  };

  HostMap();

  // Control thread only. Add replaces any tunnel to the same primary overlay IP and returns
  // the replaced one, if any (every address of it goes, every address of the new one is
  // keyed); its index is forgotten too unless keep_replaced_index (it stays a
  // candidate, below). Relay legs over the replaced tunnel go (as nebula's relay state goes
  // with its HostInfo): a new session with a relay must set its paths up again.
  std::shared_ptr<Tunnel> Add(std::shared_ptr<Tunnel> tunnel, bool keep_replaced_index = false);
  // A candidate: found by its index (the peer's messages reach it) but by none of its
  // overlay IPs (our packets keep using the tunnel we have) until Add promotes it.
  void AddCandidate(std::shared_ptr<Tunnel> tunnel);
  // Forgets the tunnel wherever it is (primary or candidate). Relay legs over its peer go
  // only with the peer's primary tunnel.
  void Remove(const Tunnel& tunnel);
  // Adds or replaces the leg with relay.local_index (and its route (via, peer)).
  void SetRelay(const Relay& relay);
  void RemoveRelay(uint32_t local_index);

  // Any thread.
  std::shared_ptr<const Snapshot> Current() const;
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  bool IndexInUse(uint32_t local_index) const;
  bool RelayIndexInUse(uint32_t local_index) const;

 private:
  void Publish(std::shared_ptr<Snapshot> next);

  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> current_;
  std::atomic<uint64_t> version_{0};
};

// A worker's view of the HostMap, refreshed at most once per batch.
class SnapshotReader {
 public:
  explicit SnapshotReader(const HostMap& map) : map_(map) { Refresh(); }
  // Call at the start of each batch.
  void Refresh() {
    uint64_t v = map_.version();
    if (v != seen_version_ || !snapshot_) {
      snapshot_ = map_.Current();
      seen_version_ = v;
    }
  }
  const HostMap::Snapshot& operator*() const { return *snapshot_; }
  const HostMap::Snapshot* operator->() const { return snapshot_.get(); }

 private:
  const HostMap& map_;
  std::shared_ptr<const HostMap::Snapshot> snapshot_;
  uint64_t seen_version_ = ~uint64_t(0);
};

}  // namespace flatnet::mesh
