#include "net/timer_queue.h"

namespace flatnet::net {

TimerId TimerQueue::Add(Clock::time_point deadline, Callback callback) {
  TimerId id = next_id_++;
  callbacks_.emplace(id, std::move(callback));
  heap_.push({deadline, id});
  return id;
}

bool TimerQueue::Cancel(TimerId id) { return callbacks_.erase(id) > 0; }

void TimerQueue::DropCancelledTop() {
  while (!heap_.empty() && !callbacks_.count(heap_.top().id)) heap_.pop();
}

std::optional<Clock::time_point> TimerQueue::NextDeadline() {
  DropCancelledTop();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().deadline;
}

std::optional<TimerQueue::Callback> TimerQueue::PopExpired(Clock::time_point now) {
  DropCancelledTop();
  if (heap_.empty() || heap_.top().deadline > now) return std::nullopt;
  auto it = callbacks_.find(heap_.top().id);
  heap_.pop();
  Callback callback = std::move(it->second);
  callbacks_.erase(it);
  return callback;
}

size_t TimerQueue::RunExpired(Clock::time_point now) {
  size_t fired = 0;
  // Each callback runs after it left the queue, so it may add or cancel timers freely.
  while (auto callback = PopExpired(now)) {
    (*callback)();
    ++fired;
  }
  return fired;
}

}  // namespace flatnet::net
