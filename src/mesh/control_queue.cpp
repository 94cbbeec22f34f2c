#include "mesh/control_queue.h"

namespace flatnet::mesh {

ControlQueue::Class ControlQueue::ClassOf(ControlEvent::Kind kind) {
  switch (kind) {
    case ControlEvent::Kind::kHandshake:
    case ControlEvent::Kind::kRecvError:
    case ControlEvent::Kind::kPunch:
      return kStranger;
    case ControlEvent::Kind::kAuthenticated:
    case ControlEvent::Kind::kProven:
      return kAuthenticated;
    default:
      return kLocal;
  }
}

bool ControlQueue::Push(ControlEvent event) {
  {
    std::lock_guard lock(mutex_);
    Class c = ClassOf(event.kind);
    bool handshake = event.kind == ControlEvent::Kind::kHandshake;
    bool wake = event.kind == ControlEvent::Kind::kWake;
    constexpr size_t kLimit[kClassCount] = {kMaxStrangers, kMaxAuthenticated, kMaxOutbound};
    if (!wake && (waiting_[c] >= kLimit[c] || (handshake && handshakes_ >= kMaxHandshakes)))
      return false;
    ++waiting_[c];
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
  --waiting_[ClassOf(out.kind)];
  if (out.kind == ControlEvent::Kind::kHandshake) --handshakes_;
  return true;
}

}  // namespace flatnet::mesh
