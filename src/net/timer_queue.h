// TimerQueue: one-shot timers ordered by steady_clock deadline, with cancel.
//
// Contract: not thread-safe (mesh::ControlTimers wraps it, on the control thread). Add
// returns an id that is never reused; Cancel of a fired, cancelled or unknown id returns
// false and does nothing. RunExpired(now) fires, in deadline order (ties in Add order),
// every timer whose deadline is <= now, including ones a callback adds that are already
// due. A min-heap with lazy deletion: cancelled entries are skipped when they reach the top.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

namespace flatnet::net {

using Clock = std::chrono::steady_clock;
using TimerId = uint64_t;

class TimerQueue {
 public:
  using Callback = std::function<void()>;

  TimerId Add(Clock::time_point deadline, Callback callback);
  bool Cancel(TimerId id);
  // The earliest live deadline, if any timer is pending.
  std::optional<Clock::time_point> NextDeadline();
  // Removes and returns the callback of the earliest timer due at `now`, or nullopt.
  // Lets a caller run callbacks outside its own lock, one at a time.
  std::optional<Callback> PopExpired(Clock::time_point now);
  // Fires every due timer; returns how many fired.
  size_t RunExpired(Clock::time_point now);
  size_t size() const { return callbacks_.size(); }

 private:
  struct Entry {
    Clock::time_point deadline;
    TimerId id;
    bool operator>(const Entry& o) const {
      return deadline != o.deadline ? deadline > o.deadline : id > o.id;
    }
  };
  void DropCancelledTop();

  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
  std::unordered_map<TimerId, Callback> callbacks_;
  TimerId next_id_ = 1;
};

}  // namespace flatnet::net
