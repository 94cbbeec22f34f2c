// ShardedMap<K, V, Hash>: an unordered map whose copies share their storage, for tables that
// are published as immutable snapshots and changed by copying (HostMap).
//
// The entries live in kShards shards, each a std::unordered_map behind a shared_ptr.
// Copying a ShardedMap copies the shard pointers only; a change clones just the shard it
// touches, and only while another copy still shares that shard. So a snapshot-and-change
// costs O(kShards + N / kShards) instead of O(N): a lighthouse with 50,000 tunnels copied
// every table whole on each handshake, and its handshake rate fell to ~100/s
// (bench/lighthouse_scale.sh).
//
// Contract: a ShardedMap is not thread-safe to change, but any number of threads may read
// one copy while another copy is changed: a shard is changed in place only when this copy
// is its one owner, so a shard another copy can reach is never written. Iteration order is
// unspecified (shard by shard); iterators and references die with any change to the map.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <unordered_map>
#include <utility>

namespace flatnet {

template <class K, class V, class Hash = std::hash<K>>
class ShardedMap {
  static constexpr size_t kShards = 256;
  using Shard = std::unordered_map<K, V, Hash>;

 public:
  using value_type = typename Shard::value_type;

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = typename Shard::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator() = default;
    reference operator*() const { return *entry_; }
    pointer operator->() const { return &*entry_; }
    const_iterator& operator++() {
      ++entry_;
      SkipEmptyShards();
      return *this;
    }
    bool operator==(const const_iterator& other) const {
      return shard_ == other.shard_ && (shard_ == kShards || entry_ == other.entry_);
    }

   private:
    friend class ShardedMap;
    const_iterator(const ShardedMap* map, size_t shard) : map_(map), shard_(shard) {
      if (shard_ < kShards && map_->shards_[shard_]) entry_ = map_->shards_[shard_]->begin();
      SkipEmptyShards();
    }
    const_iterator(const ShardedMap* map, size_t shard, typename Shard::const_iterator entry)
        : map_(map), shard_(shard), entry_(entry) {}
    // Moves on to the next entry of a later shard when this shard has none left.
    void SkipEmptyShards() {
      while (shard_ < kShards &&
             (!map_->shards_[shard_] || entry_ == map_->shards_[shard_]->end())) {
        if (++shard_ < kShards && map_->shards_[shard_])
          entry_ = map_->shards_[shard_]->begin();
      }
    }

    const ShardedMap* map_ = nullptr;
    size_t shard_ = kShards;
    typename Shard::const_iterator entry_{};
  };

  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, kShards); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  const_iterator find(const K& key) const {
    const size_t shard = ShardOf(key);
    if (!shards_[shard]) return end();
    auto entry = shards_[shard]->find(key);
    if (entry == shards_[shard]->end()) return end();
    return const_iterator(this, shard, entry);
  }
  size_t count(const K& key) const { return find(key) == end() ? 0 : 1; }

  // A pass over the entries in shards [first, last) only, for work that a caller spreads
  // over several turns (Liveness visits one slice of the tunnels every 100 ms, so no turn
  // stalls the control thread for a whole pass over 50,000). Every entry lives in exactly
  // one shard, so slices that cover [0, shard_count()) visit each entry once.
  static constexpr size_t shard_count() { return kShards; }
  // Slice `slice` of `slices` near-equal slices of the shards (0 <= slice < slices): the
  // slices 0 .. slices-1 together cover [0, shard_count()) once, each shard in one of them.
  struct ShardRange {
    size_t first, last;
  };
  static constexpr ShardRange SliceOfShards(int slice, int slices) {
    return {kShards * size_t(slice) / size_t(slices), kShards * size_t(slice + 1) / size_t(slices)};
  }
  template <class Visit>
  void ForEachInShards(size_t first, size_t last, Visit&& visit) const {
    for (size_t i = first; i < last && i < kShards; ++i)
      if (shards_[i])
        for (const value_type& entry : *shards_[i]) visit(entry);
  }

  // The value under key, default-made if absent.
  V& operator[](const K& key) {
    Shard& shard = Owned(ShardOf(key));
    auto [entry, inserted] = shard.try_emplace(key);
    size_ += inserted;
    return entry->second;
  }
  // Removes key; returns whether it was there.
  bool erase(const K& key) {
    const size_t index = ShardOf(key);
    if (!shards_[index] || !shards_[index]->count(key)) return false;
    Owned(index).erase(key);
    --size_;
    return true;
  }

 private:
  static size_t ShardOf(const K& key) {
    // Fibonacci hashing: the top bits of the product, so the shard does not follow the
    // low bits each shard's own buckets use (std::hash of an integer is the integer).
    const uint64_t mixed = static_cast<uint64_t>(Hash{}(key)) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(mixed >> 56);  // 8 bits: kShards == 256
  }
  static_assert(kShards == 256, "ShardOf takes 8 bits");

  // The shard at index, made or cloned so that this copy alone owns it.
  Shard& Owned(size_t index) {
    auto& shard = shards_[index];
    if (!shard) {
      shard = std::make_shared<Shard>();
    } else if (shard.use_count() > 1) {
      shard = std::make_shared<Shard>(*shard);
    }
    return *shard;
  }

  std::array<std::shared_ptr<Shard>, kShards> shards_{};
  size_t size_ = 0;
};

}  // namespace flatnet
