// What the UDP and TCP forwarders share: their settings, the loop tick, their totals, and
// how they follow a target whose address changes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "forward/event_log.h"
#include "forward/socket_address.h"
#include "forward/target_resolver.h"

namespace flatnet::forward {

struct ForwarderOptions {
  SocketAddress listen;
  // UDP only: a session with no datagram either way for this long is closed. 60 s outlasts
  // the 10 s at which nebula's lighthouse updates and punchy keepalives arrive, so a live
  // nebula peer never loses its session, while a vanished client's socket is freed within a
  // minute. TCP connections end when their peers close them.
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);
  // UDP sessions / TCP connections at once. Each costs one socket (two for TCP).
  size_t max_sessions = 1024;
};

// How long a loop sleeps at most between looks at the stop flag, the target watcher, idle
// sessions and connect timeouts. Short enough that Ctrl-C and a target change feel immediate.
inline constexpr std::chrono::milliseconds kLoopTick{200};

// Totals since the forwarder started, updated by its loop thread, readable from any.
struct ForwarderTotals {
  std::atomic<uint64_t> sessions_started{0};
  std::atomic<uint64_t> sessions_ended{0};
  std::atomic<uint64_t> retargets{0};
};

// The target address a forwarder uses now, and the watcher's news about it.
class TargetTracker {
 public:
  explicit TargetTracker(SocketAddress initial = {}) : current_(initial) {}
  const SocketAddress& current() const { return current_; }

  // Takes the watcher's latest result (watcher may be null). Returns the new address when it
  // differs from current() (which it becomes); the caller logs the change with its own
  // details. A failed resolution is logged here (a warning the first time a given error
  // appears, debug after) and changes nothing.
  std::optional<SocketAddress> Update(TargetWatcher* watcher, EventLog& log);

 private:
  SocketAddress current_;
  std::string last_error_;
};

// "12.345s": a duration in log fields.
std::string FormatSeconds(std::chrono::steady_clock::duration duration);

}  // namespace flatnet::forward
