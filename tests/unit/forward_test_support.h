// What the forwarder tests share: a log that records lines so tests can assert on them, a
// forwarder running on its own thread for the length of a test, and loopback options.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "forward/event_log.h"
#include "forward/forwarder.h"
#include "forward/socket_address.h"
#include "forward/target_resolver.h"

namespace flatnet::forward {

// Each entry as "message key=value ...", in order.
class RecordingLog : public EventLog {
 public:
  bool Enabled(LogLevel) const override { return true; }
  void Write(LogLevel, std::string_view message, LogFields fields) override {
    std::string line(message);
    for (const LogField& field : fields) {
      line += " " + std::string(field.key) + "=" +
              (field.is_number ? std::to_string(field.number) : field.text);
    }
    std::lock_guard lock(mutex_);
    lines_.push_back(line);
  }
  std::vector<std::string> Matching(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> found;
    for (const std::string& line : lines_) {
      if (line.rfind(prefix, 0) == 0) found.push_back(line);
    }
    return found;
  }
  // Waits (bounded) until `count` entries start with `prefix`.
  bool WaitFor(const std::string& prefix, size_t count,
               std::chrono::milliseconds limit = std::chrono::seconds(3)) const {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Matching(prefix).size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// Runs a forwarder's loop (UdpForwarder or TcpForwarder) on a thread for a test's length.
template <typename Forwarder>
class RunningForwarder {
 public:
  RunningForwarder(ForwarderOptions options, const SocketAddress& target, RecordingLog& log,
                   TargetWatcher* watcher = nullptr)
      : forwarder_(std::move(options), log) {
    Status started = forwarder_.Start(target);
    EXPECT_TRUE(started.ok()) << started.message();
    thread_ = std::thread([this, watcher] { forwarder_.Run(stop_, watcher); });
  }
  ~RunningForwarder() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const SocketAddress& address() const { return forwarder_.listen_address(); }
  // Its totals (atomics: readable while it runs).
  const ForwarderTotals& totals() const { return forwarder_.totals(); }

 private:
  Forwarder forwarder_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Listening on 127.0.0.1 at a port the kernel picks.
inline ForwarderOptions LoopbackOptions() {
  ForwarderOptions options;
  options.listen = *SocketAddress::FromIpLiteral("127.0.0.1", 0);
  return options;
}

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace flatnet::forward
