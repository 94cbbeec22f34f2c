#include "forward/forwarder.h"

#include <cstdio>

namespace flatnet::forward {

std::optional<SocketAddress> TargetTracker::Update(TargetWatcher* watcher, EventLog& log) {
  if (watcher == nullptr) return std::nullopt;
  std::optional<Result<SocketAddress>> result = watcher->TakeResult();
  if (!result) return std::nullopt;
  if (!result->ok()) {
    const std::string& error = result->status().message();
    // Once per distinct failure: a command failing every interval would bury the log.
    LogLevel level = error == last_error_ ? LogLevel::kDebug : LogLevel::kWarning;
    log.Log(level, "cannot resolve the target; still forwarding to the last address",
            {{"target", current_.ToString()}, {"error", error}});
    last_error_ = error;
    return std::nullopt;
  }
  last_error_.clear();
  if (**result == current_) return std::nullopt;
  current_ = **result;
  return current_;
}

std::string FormatSeconds(std::chrono::steady_clock::duration duration) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3fs", std::chrono::duration<double>(duration).count());
  return text;
}

}  // namespace flatnet::forward
