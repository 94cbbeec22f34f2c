// Conntrack: the flows the firewall has let through, so their further packets and replies
// pass without matching rules again.
//
// Contract:
// - A flow is a Packet (locally oriented, so a packet and its reply are the same flow) on
//   one peer's tunnel (`peer`, the peer's overlay address): the same 5-tuple from another peer
//   is another flow, so one peer cannot ride a flow admitted for another.
// - A flow expires when it has not been seen for its protocol's timeout (TCP, UDP, or any
//   other protocol: Nebula's firewall.conntrack tcp_timeout, udp_timeout, default_timeout).
//   Expired flows are never reported; their memory is reclaimed a few at a time by each
//   Insert and completely by PurgeExpired (the daemon calls it from a timer).
// - Memory is bounded: at most capacity() flows. The table is split into shards, each with
//   its own mutex and an equal share of the capacity; a shard that is full evicts its least
//   recently seen flow, so a flood of new flows from one peer only displaces idle flows.
// - Storage is reserved up front (touched lazily by the kernel), so no call allocates.
// - Times are steady-clock nanoseconds supplied by the caller, which lets tests move time.
// - All methods are thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "firewall/packet.h"

namespace flatnet::firewall {

inline constexpr int64_t kNanosPerMinute = 60'000'000'000;

struct ConntrackTimeouts {
  int64_t tcp_ns = 12 * kNanosPerMinute;
  int64_t udp_ns = 3 * kNanosPerMinute;
  int64_t other_ns = 10 * kNanosPerMinute;  // Nebula's default_timeout: ICMP and the rest
};

// Why a flow was admitted: the direction whose rules allowed it and the version of the rule
// set that did, so that after a reload the flow can be checked against the new rules.
struct FlowOrigin {
  bool incoming = false;
  uint32_t rules_version = 0;
};

class Conntrack {
 public:
  static constexpr size_t kShardCount = 16;

  // Capacity is rounded up to a multiple of kShardCount (at least one flow per shard).
  Conntrack(size_t max_flows, ConntrackTimeouts timeouts);
  ~Conntrack();
  Conntrack(const Conntrack&) = delete;
  Conntrack& operator=(const Conntrack&) = delete;

  // If `flow` is tracked and has not expired: marks it seen at now_ns and returns its origin.
  std::optional<FlowOrigin> Touch(const Packet& flow, int64_t now_ns, const IpAddr& peer = {});

  // Starts tracking `flow` (or re-records the origin of a tracked one) as seen at now_ns.
  void Insert(const Packet& flow, FlowOrigin origin, int64_t now_ns, const IpAddr& peer = {});

  void Erase(const Packet& flow, const IpAddr& peer = {});
  void Clear();

  // Applies to every flow from now on, including those already tracked.
  void SetTimeouts(ConntrackTimeouts timeouts);

  // Drops every expired flow; returns how many.
  size_t PurgeExpired(int64_t now_ns);

  // Flows held, including expired ones not yet reclaimed.
  size_t size() const;
  size_t capacity() const { return kShardCount * shard_capacity_; }

 private:
  struct Shard;

  size_t ShardIndexAndHash(const Packet& flow, const IpAddr& peer, uint64_t* hash) const;

  const size_t shard_capacity_;
  const uint64_t hash_seed_;  // random, so peers cannot aim flows at one hash chain
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace flatnet::firewall
