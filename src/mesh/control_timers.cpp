#include "mesh/control_timers.h"

#include <chrono>
#include <utility>

namespace flatnet::mesh {
namespace {

net::Clock::time_point TimePoint(int64_t ns) {
  return net::Clock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace

TimerId ControlTimers::At(int64_t due_ns, std::function<void(int64_t now_ns)> expired) {
  return queue_.Add(TimePoint(due_ns),
                    [this, expired = std::move(expired)] { expired(running_now_ns_); });
}

void ControlTimers::Cancel(TimerId id) { queue_.Cancel(id); }

std::optional<int64_t> ControlTimers::NextDue() {
  auto next = queue_.NextDeadline();
  if (!next) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(next->time_since_epoch()).count();
}

size_t ControlTimers::RunDue(int64_t now_ns) {
  running_now_ns_ = now_ns;
  return queue_.RunExpired(TimePoint(now_ns));
}

}  // namespace flatnet::mesh
