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
  // UDP: a session with no datagram either way for this long is closed. 60 s outlasts the
  // 10 s at which nebula's lighthouse updates and punchy keepalives arrive, so a live nebula
  // peer never loses its session, while a vanished client's socket is freed within a minute.
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);
  // UDP sessions at once. Each costs one socket.
  size_t max_sessions = 1024;
  // TCP: a connection with no byte either way for this long is closed (0: never). A peer
  // that vanished without a FIN or RST would otherwise hold its two sockets and 128 KiB of
  // buffers forever; an hour spares idle interactive sessions (ssh) that have keepalives.
  std::chrono::nanoseconds tcp_idle_timeout = std::chrono::hours(1);
  // TCP connections at once; more are refused. Each costs two sockets and 128 KiB of
  // buffers, so the default bounds the forwarder at 32 MiB.
  size_t max_connections = 256;
};

// How long a loop sleeps at most between looks at the stop flag, the target watcher, idle
// sessions and connect timeouts. Short enough that Ctrl-C and a target change feel immediate.
inline constexpr std::chrono::milliseconds kLoopTick{200};

// Totals since the forwarder started, updated by its loop thread, readable from any.
struct ForwarderTotals {
  std::atomic<uint64_t> sessions_started{0};
  std::atomic<uint64_t> sessions_ended{0};
  std::atomic<uint64_t> retargets{0};
  // Ended for want of traffic: UDP sessions after idle_timeout, TCP connections after
  // tcp_idle_timeout.
  std::atomic<uint64_t> idle_closed{0};
  // UDP sessions ended to make room for a new client at max_sessions, by whether the target
  // had ever answered them.
  std::atomic<uint64_t> evicted_unanswered{0};
  std::atomic<uint64_t> evicted_answered{0};
  // TCP connections accepted and closed at once at max_connections.
  std::atomic<uint64_t> refused{0};
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
