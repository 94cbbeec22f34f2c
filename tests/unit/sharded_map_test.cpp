// ShardedMap: behaves as an unordered map (checked against std::unordered_map through
// random changes), copies are independent of each other whichever side changes, and a copy
// may be read on one thread while another copy is changed on another (run under TSan by
// scripts/sanitizers.sh).
#include "base/sharded_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace flatnet {
namespace {

using Map = ShardedMap<uint32_t, std::string>;

std::map<uint32_t, std::string> Contents(const Map& map) {
  std::map<uint32_t, std::string> out;
  for (const auto& [key, value] : map) EXPECT_TRUE(out.emplace(key, value).second) << key;
  return out;
}

TEST(ShardedMap, AnEmptyMapHasNothingToFindOrVisit) {
  Map map;
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.begin(), map.end());
  EXPECT_EQ(map.find(7), map.end());
  EXPECT_FALSE(map.erase(7));
}

TEST(ShardedMap, FindsWhatWasPutAndForgetsWhatWasErased) {
  Map map;
  map[1] = "one";
  map[2] = "two";
  map[1] = "uno";  // replaces, does not add
  EXPECT_EQ(map.size(), 2u);
  ASSERT_NE(map.find(1), map.end());
  EXPECT_EQ(map.find(1)->second, "uno");
  EXPECT_EQ(map.count(2), 1u);
  EXPECT_TRUE(map.erase(2));
  EXPECT_FALSE(map.erase(2));
  EXPECT_EQ(map.count(2), 0u);
  EXPECT_EQ(Contents(map), (std::map<uint32_t, std::string>{{1, "uno"}}));
}

TEST(ShardedMap, RandomChangesKeepItEqualToAnUnorderedMap) {
  std::mt19937 random(42);
  Map map;
  std::unordered_map<uint32_t, std::string> reference;
  for (int step = 0; step < 20000; ++step) {
    const uint32_t key = random() % 3000;  // collisions, erases of present and absent keys
    if (random() % 3 == 0) {
      EXPECT_EQ(map.erase(key), reference.erase(key) == 1);
    } else {
      map[key] = reference[key] = std::to_string(step);
    }
  }
  EXPECT_EQ(map.size(), reference.size());
  std::map<uint32_t, std::string> expected(reference.begin(), reference.end());
  EXPECT_EQ(Contents(map), expected);  // every entry visited once
  for (const auto& [key, value] : reference) {
    auto found = map.find(key);
    ASSERT_NE(found, map.end()) << key;
    EXPECT_EQ(found->second, value);
  }
}

TEST(ShardedMap, SlicesOfTheShardsVisitEveryEntryOnce) {
  Map map;
  for (uint32_t k = 0; k < 5000; ++k) map[k] = std::to_string(k);
  for (int slices : {1, 3, 10, int(Map::shard_count())}) {
    std::vector<int> seen(5000, 0);
    size_t covered = 0;
    for (int slice = 0; slice < slices; ++slice) {
      const auto range = Map::SliceOfShards(slice, slices);
      EXPECT_EQ(range.first, covered) << slices << " slices, slice " << slice;
      covered = range.last;
      map.ForEachInShards(range.first, range.last, [&](const auto& entry) { ++seen[entry.first]; });
    }
    EXPECT_EQ(covered, Map::shard_count()) << slices << " slices";
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 5000) << slices << " slices";
  }
}

TEST(ShardedMap, ACopyAndItsOriginalChangeIndependently) {
  Map original;
  for (uint32_t key = 0; key < 1000; ++key) original[key] = "original";
  Map copy = original;
  copy[5] = "copy";
  copy.erase(6);
  copy[5000] = "new";
  original[7] = "changed after the copy";
  original.erase(8);

  EXPECT_EQ(original.find(5)->second, "original");
  EXPECT_NE(original.find(6), original.end());
  EXPECT_EQ(original.find(5000), original.end());
  EXPECT_EQ(original.find(8), original.end());
  EXPECT_EQ(original.size(), 999u);

  EXPECT_EQ(copy.find(5)->second, "copy");
  EXPECT_EQ(copy.find(6), copy.end());
  EXPECT_EQ(copy.find(7)->second, "original");
  EXPECT_NE(copy.find(8), copy.end());
  EXPECT_EQ(copy.size(), 1000u);
}

// HostMap's use: one thread copies the published map, changes the copy and publishes it;
// readers walk whatever was published last. Each published map holds key 0 with the number
// of keys it has, which a reader checks against what it counts.
TEST(ShardedMap, ReadersOfAPublishedCopyDoNotSeeChangesToLaterCopies) {
  using Counted = ShardedMap<uint32_t, uint32_t>;
  auto first = std::make_shared<Counted>();
  (*first)[0] = 0;  // the header exists before anything is published
  std::shared_ptr<const Counted> published = first;
  std::mutex mutex;
  std::atomic<bool> done{false};
  std::atomic<int> mismatches{0}, reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      std::shared_ptr<const Counted> map;
      {
        std::lock_guard lock(mutex);
        map = published;
      }
      auto header = map->find(0);
      uint32_t counted = 0;
      for (const auto& entry : *map) counted += entry.first != 0;
      if (header != map->end() && header->second != counted) mismatches.fetch_add(1);
      reads.fetch_add(1);
    }
  });
  for (uint32_t round = 1; round <= 2000; ++round) {
    std::shared_ptr<const Counted> current;
    {
      std::lock_guard lock(mutex);
      current = published;
    }
    auto next = std::make_shared<Counted>(*current);
    (*next)[round] = round;
    if (round % 3 == 0) next->erase(round - 1);
    const auto others = static_cast<uint32_t>(next->size() - 1);  // key 0 is already there
    (*next)[0] = others;
    std::lock_guard lock(mutex);
    published = std::move(next);
  }
  // Let the reader see the last one at least once.
  for (int wait = 0; wait < 1000 && reads.load() < 2; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  done.store(true);
  reader.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_GE(reads.load(), 1);
}

}  // namespace
}  // namespace flatnet
