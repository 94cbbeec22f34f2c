#include "mesh/control_queue.h"

namespace flatnet::mesh {

bool ControlQueue::Push(ControlEvent event) {
  {
    std::lock_guard lock(mutex_);
    bool handshake = event.kind == ControlEvent::Kind::kHandshake;
    if (handshake ? handshakes_ >= kMaxHandshakes : events_.size() - handshakes_ >= kMaxOther)
      return false;
    if (handshake) ++handshakes_;
    events_.push_back(std::move(event));
  }
  ready_.notify_one();
  return true;
}

bool ControlQueue::PopUntil(std::chrono::steady_clock::time_point deadline, ControlEvent& out) {
  std::unique_lock lock(mutex_);
  if (!ready_.wait_until(lock, deadline, [this] { return !events_.empty(); })) return false;
  out = std::move(events_.front());
  events_.pop_front();
  if (out.kind == ControlEvent::Kind::kHandshake) --handshakes_;
  return true;
}

}  // namespace flatnet::mesh
