#include "firewall/conntrack.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "crypto/random.h"

namespace flatnet::firewall {

namespace {

constexpr uint32_t kNone = UINT32_MAX;

// How many expired flows each Insert reclaims on the way: enough to keep up with the rate
// flows are created while bounding the work any one packet pays for. Touch (the hot path
// for established flows) leaves reclaiming to Insert and PurgeExpired.
constexpr int kPurgeBudgetPerCall = 4;

// Flows are kept in one list per timeout, so each list is ordered by expiry as well as by
// last use and expired flows are always at its front.
enum TimeoutClass : uint8_t { kTcpClass, kUdpClass, kOtherClass, kClassCount };

TimeoutClass ClassOf(uint8_t protocol) {
  if (protocol == kProtoTcp) return kTcpClass;
  if (protocol == kProtoUdp) return kUdpClass;
  return kOtherClass;
}

// splitmix64's finalizer: cheap, and every input bit affects every output bit.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t RandomSeed() {
  uint64_t seed = 0;
  crypto::RandomBytes(MutableByteSpan(reinterpret_cast<uint8_t*>(&seed), sizeof(seed)));
  return seed;
}

}  // namespace

struct alignas(64) Conntrack::Shard {
  struct Entry {
    Packet flow;
    IpAddr peer;
    int64_t last_seen_ns = 0;
    uint32_t rules_version = 0;
    uint32_t bucket = 0;           // index into buckets
    uint32_t bucket_next = kNone;  // next entry in the same bucket (or free slot)
    uint32_t older = kNone;        // neighbours in its timeout class's list
    uint32_t newer = kNone;
    TimeoutClass timeout_class = kOtherClass;
    bool incoming = false;
  };
  struct List {
    uint32_t oldest = kNone;
    uint32_t newest = kNone;
  };

  std::mutex mu;
  size_t capacity = 0;
  size_t size = 0;
  std::vector<Entry> entries;     // reserved to capacity; slots are recycled via free_list
  std::vector<uint32_t> buckets;  // power-of-two count; head entry of each chain
  uint32_t free_list = kNone;     // chained through bucket_next
  std::array<List, kClassCount> lists;
  std::array<int64_t, kClassCount> timeout_ns{};

  void Init(size_t shard_capacity, const ConntrackTimeouts& timeouts) {
    capacity = shard_capacity;
    entries.reserve(capacity);
    buckets.assign(std::bit_ceil(capacity), kNone);
    SetTimeouts(timeouts);
  }

  void SetTimeouts(const ConntrackTimeouts& timeouts) {
    timeout_ns = {timeouts.tcp_ns, timeouts.udp_ns, timeouts.other_ns};
  }

  uint32_t BucketOf(uint64_t hash) const { return uint32_t(hash & (buckets.size() - 1)); }

  uint32_t Find(const Packet& flow, const IpAddr& peer, uint64_t hash) const {
    uint32_t index = buckets[BucketOf(hash)];
    while (index != kNone && !(entries[index].flow == flow && entries[index].peer == peer))
      index = entries[index].bucket_next;
    return index;
  }

  bool Expired(const Entry& entry, int64_t now_ns) const {
    return now_ns - entry.last_seen_ns >= timeout_ns[entry.timeout_class];
  }

  void Unlink(uint32_t index) {
    Entry& entry = entries[index];
    List& list = lists[entry.timeout_class];
    (entry.older == kNone ? list.oldest : entries[entry.older].newer) = entry.newer;
    (entry.newer == kNone ? list.newest : entries[entry.newer].older) = entry.older;
    entry.older = entry.newer = kNone;
  }

  void LinkNewest(uint32_t index) {
    Entry& entry = entries[index];
    List& list = lists[entry.timeout_class];
    entry.older = list.newest;
    entry.newer = kNone;
    (list.newest == kNone ? list.oldest : entries[list.newest].newer) = index;
    list.newest = index;
  }

  // Marks an entry used now. Times from different threads may arrive slightly out of order;
  // never moving last_seen backwards keeps each list sorted.
  void MarkSeen(uint32_t index, int64_t now_ns) {
    Entry& entry = entries[index];
    entry.last_seen_ns = std::max(entry.last_seen_ns, now_ns);
    Unlink(index);
    LinkNewest(index);
  }

  void Remove(uint32_t index) {
    uint32_t* link = &buckets[entries[index].bucket];
    while (*link != index) link = &entries[*link].bucket_next;
    *link = entries[index].bucket_next;
    Unlink(index);
    entries[index].bucket_next = free_list;
    free_list = index;
    --size;
  }

  // Reclaims up to `budget` expired flows (all of them when budget < 0).
  size_t PurgeExpired(int64_t now_ns, int budget) {
    size_t purged = 0;
    for (List& list : lists) {
      while (budget != 0 && list.oldest != kNone && Expired(entries[list.oldest], now_ns)) {
        Remove(list.oldest);
        ++purged;
        --budget;
      }
    }
    return purged;
  }

  // The least recently seen flow is the oldest of one of the per-timeout lists.
  void EvictLeastRecentlySeen() {
    uint32_t victim = kNone;
    for (const List& list : lists) {
      if (list.oldest == kNone) continue;
      if (victim == kNone || entries[list.oldest].last_seen_ns < entries[victim].last_seen_ns) {
        victim = list.oldest;
      }
    }
    if (victim != kNone) Remove(victim);
  }

  uint32_t AllocateSlot() {
    if (free_list != kNone) {
      uint32_t index = free_list;
      free_list = entries[index].bucket_next;
      return index;
    }
    entries.emplace_back();  // within the reserved capacity: no reallocation
    return uint32_t(entries.size() - 1);
  }

  void Reset() {
    entries.clear();
    std::fill(buckets.begin(), buckets.end(), kNone);
    free_list = kNone;
    lists = {};
    size = 0;
  }
};

Conntrack::Conntrack(size_t max_flows, ConntrackTimeouts timeouts)
    : shard_capacity_(std::max<size_t>(1, (max_flows + kShardCount - 1) / kShardCount)),
      hash_seed_(RandomSeed()),
      shards_(new Shard[kShardCount]) {
  for (size_t i = 0; i < kShardCount; ++i) shards_[i].Init(shard_capacity_, timeouts);
}

Conntrack::~Conntrack() = default;

size_t Conntrack::ShardIndexAndHash(const Packet& flow, const IpAddr& peer,
                                     uint64_t* hash) const {
  const uint64_t rest = uint64_t(flow.local_port) << 32 | uint64_t(flow.remote_port) << 16 |
                        uint64_t(flow.protocol) << 8 | uint64_t(flow.fragment);
  if (flow.local_ip.is_v4() && flow.remote_ip.is_v4() && peer.is_v4()) {
    // The common case, three 32-bit addresses: as cheap as it was before IPv6.
    const uint64_t addresses =
        (uint64_t(flow.local_ip.v4()) << 32 | flow.remote_ip.v4()) ^ Mix(peer.v4());
    *hash = Mix(Mix(addresses ^ hash_seed_) ^ rest);
  } else {
    // Every word of every address through the seeded chain, and the families, so neither
    // an IPv4 address and its IPv4-mapped twin nor crafted IPv6 addresses collide by design.
    uint64_t h = hash_seed_;
    for (const IpAddr* address : {&flow.local_ip, &flow.remote_ip, &peer}) {
      uint64_t words[2];
      std::memcpy(words, address->bytes16().data(), sizeof(words));
      h = Mix(Mix(h ^ words[0]) ^ words[1]);
    }
    const uint64_t families = uint64_t(flow.local_ip.family()) << 16 |
                              uint64_t(flow.remote_ip.family()) << 8 | uint64_t(peer.family());
    *hash = Mix(Mix(h ^ families) ^ rest);
  }
  // Top bits pick the shard, low bits the bucket within it, so the two are independent.
  return size_t(*hash >> 60) % kShardCount;
}

std::optional<FlowOrigin> Conntrack::Touch(const Packet& flow, int64_t now_ns,
                                           const IpAddr& peer) {
  uint64_t hash;
  Shard& shard = shards_[ShardIndexAndHash(flow, peer, &hash)];
  std::lock_guard<std::mutex> lock(shard.mu);
  uint32_t index = shard.Find(flow, peer, hash);
  if (index == kNone) return std::nullopt;
  if (shard.Expired(shard.entries[index], now_ns)) {
    shard.Remove(index);
    return std::nullopt;
  }
  shard.MarkSeen(index, now_ns);
  const Shard::Entry& entry = shard.entries[index];
  return FlowOrigin{entry.incoming, entry.rules_version};
}

void Conntrack::Insert(const Packet& flow, FlowOrigin origin, int64_t now_ns,
                       const IpAddr& peer) {
  uint64_t hash;
  Shard& shard = shards_[ShardIndexAndHash(flow, peer, &hash)];
  std::lock_guard<std::mutex> lock(shard.mu);
  shard.PurgeExpired(now_ns, kPurgeBudgetPerCall);
  uint32_t index = shard.Find(flow, peer, hash);
  if (index == kNone) {
    if (shard.size == shard.capacity) shard.EvictLeastRecentlySeen();
    index = shard.AllocateSlot();
    Shard::Entry& entry = shard.entries[index];
    entry.flow = flow;
    entry.peer = peer;
    entry.last_seen_ns = now_ns;
    entry.timeout_class = ClassOf(flow.protocol);
    entry.bucket = shard.BucketOf(hash);
    entry.bucket_next = shard.buckets[entry.bucket];
    shard.buckets[entry.bucket] = index;
    shard.LinkNewest(index);
    ++shard.size;
  } else {
    shard.MarkSeen(index, now_ns);
  }
  Shard::Entry& entry = shard.entries[index];
  entry.incoming = origin.incoming;
  entry.rules_version = origin.rules_version;
}

void Conntrack::Erase(const Packet& flow, const IpAddr& peer) {
  uint64_t hash;
  Shard& shard = shards_[ShardIndexAndHash(flow, peer, &hash)];
  std::lock_guard<std::mutex> lock(shard.mu);
  uint32_t index = shard.Find(flow, peer, hash);
  if (index != kNone) shard.Remove(index);
}

void Conntrack::Clear() {
  for (size_t i = 0; i < kShardCount; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    shards_[i].Reset();
  }
}

void Conntrack::SetTimeouts(ConntrackTimeouts timeouts) {
  for (size_t i = 0; i < kShardCount; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    shards_[i].SetTimeouts(timeouts);
  }
}

size_t Conntrack::PurgeExpired(int64_t now_ns) {
  size_t purged = 0;
  for (size_t i = 0; i < kShardCount; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    purged += shards_[i].PurgeExpired(now_ns, -1);
  }
  return purged;
}

size_t Conntrack::size() const {
  size_t total = 0;
  for (size_t i = 0; i < kShardCount; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    total += shards_[i].size;
  }
  return total;
}

}  // namespace flatnet::firewall
