// Packets and bytes moved in one direction of a session, for its log lines, and the clock
// sessions are timed with.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace flatnet::forward {

using SteadyTime = std::chrono::steady_clock::time_point;

struct TrafficCounters {
  uint64_t packets = 0;
  uint64_t bytes = 0;

  void Add(size_t size) {
    ++packets;
    bytes += size;
  }
};

}  // namespace flatnet::forward
