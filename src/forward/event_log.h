// EventLog: where the forwarder reports what it does — one entry per session start and end,
// target changes, failures — as a message plus key=value fields.
//
// It is an interface because the two builds print differently: on Linux the `flatnet`
// binaries log through base/log.h (logrus format, like the daemon; see
// logger_event_log.h), while the Windows build, where base/log.cpp does not compile, uses
// TextEventLog below: the same logrus text line, UTC timestamps, no colour.
//
// Contract: Write() is called from the forwarder's loop thread only. Fields are copied
// values; counters (unsigned numbers) stay numbers so a JSON-capable sink can print them as such.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>

#include "base/status.h"

namespace flatnet::forward {

// Most to least severe; a log at level L prints L and everything more severe.
enum class LogLevel { kError, kWarning, kInfo, kDebug };

// "error", "warning" (or "warn"), "info", "debug"; case-blind. The error names the choices.
Result<LogLevel> ParseLogLevel(std::string_view text);

struct LogField {
  LogField(std::string_view key, std::string_view value) : key(key), text(value) {}
  LogField(std::string_view key, const char* value) : key(key), text(value) {}
  LogField(std::string_view key, const std::string& value) : key(key), text(value) {}
  template <typename T>
  requires(std::is_unsigned_v<T> && !std::is_same_v<T, bool>)
      LogField(std::string_view key, T value)
      : key(key), is_number(true), number(static_cast<uint64_t>(value)) {}

  std::string_view key;
  std::string text;
  bool is_number = false;
  uint64_t number = 0;
};

using LogFields = std::initializer_list<LogField>;

class EventLog {
 public:
  virtual ~EventLog() = default;
  virtual bool Enabled(LogLevel level) const = 0;
  // Prints unconditionally; callers go through Log() and friends, which filter by level.
  virtual void Write(LogLevel level, std::string_view message, LogFields fields) = 0;

  void Error(std::string_view message, LogFields fields = {}) {
    Log(LogLevel::kError, message, fields);
  }
  void Warn(std::string_view message, LogFields fields = {}) {
    Log(LogLevel::kWarning, message, fields);
  }
  void Info(std::string_view message, LogFields fields = {}) {
    Log(LogLevel::kInfo, message, fields);
  }
  void Debug(std::string_view message, LogFields fields = {}) {
    Log(LogLevel::kDebug, message, fields);
  }
  void Log(LogLevel level, std::string_view message, LogFields fields = {}) {
    if (Enabled(level)) Write(level, message, fields);
  }
};

// logrus's text format without colours: `time="2024-05-01T10:00:00Z" level=info
// msg="udp session start" client="192.0.2.7:5000" ...`, fields sorted by key, values quoted
// when they hold characters outside [A-Za-z0-9-._/@^+]. One fwrite + fflush per line.
class TextEventLog : public EventLog {
 public:
  TextEventLog(std::FILE* out, LogLevel level) : out_(out), level_(level) {}
  bool Enabled(LogLevel level) const override { return level <= level_; }
  void Write(LogLevel level, std::string_view message, LogFields fields) override;

  // The line Write() prints, without the time (tests).
  static std::string FormatLine(std::string_view time, LogLevel level, std::string_view message,
                                LogFields fields);

 private:
  std::FILE* out_;
  LogLevel level_;
  std::mutex mutex_;
};

}  // namespace flatnet::forward
