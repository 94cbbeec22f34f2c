// The daemon's structured logger, printing what Nebula (logrus) prints.
//
// Contract:
//  - One line per entry, written to stdout (as nebula does) with a single write under a mutex,
//    so lines from different threads never interleave.
//  - Text format is logrus's TextFormatter: `time="..." level=info msg="..." key=value ...`,
//    values quoted (Go %q) only when they hold characters outside [A-Za-z0-9-._/@^+]. On a
//    terminal it is logrus's coloured form (`INFO[0003] msg   key=value`). JSON format is
//    logrus's JSONFormatter: one object, keys sorted, `level`, `msg`, `time` among them.
//  - Like logrus, fields are printed sorted by key (Options::sort_fields); a field named
//    time/msg/level is renamed fields.time/fields.msg/fields.level.
//  - Filtering is one relaxed atomic load: `Info(...)` on a disabled level returns before
//    anything is formatted. Field values are views (no copies) until a line is written, so
//    building the field list costs nothing beyond the caller's own arguments; wrap expensive
//    arguments in `if (logger.Enabled(Level::kDebug))`.
//  - Fields passed to a call must outlive the call only (they may view temporaries).
//  - Counters and metrics are not this module's job.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flatnet::log {

// Ordered most to least severe, as logrus orders them; a logger at level L prints entries
// whose level is L or more severe.
enum class Level : int { kPanic = 0, kFatal, kError, kWarning, kInfo, kDebug, kTrace };

// logrus's names: panic, fatal, error, warning (also "warn"), info, debug, trace. Case-blind.
Result<Level> ParseLevel(std::string_view name);
// "panic" ... "trace" ("warning" for kWarning), as logrus prints them.
std::string_view LevelName(Level level);

enum class Format { kText, kJson };
// Whether text output is coloured: kAuto colours when the output is a terminal (logrus).
enum class Color { kAuto, kAlways, kNever };

struct Options {
  Level level = Level::kInfo;
  Format format = Format::kText;
  bool disable_timestamp = false;
  // A Go time layout ("2006-01-02T15:04:05.000Z07:00"). Empty: RFC3339, and on a terminal
  // the text format shows seconds since start instead (logrus without FullTimestamp).
  std::string timestamp_format;
  Color color = Color::kAuto;
  bool sort_fields = true;  // logrus sorts; false keeps the caller's order (text format only)
};

class Field;
// A nested map value, printed as map[k:v ...] in text and as an object in JSON (nebula logs
// `handshake` this way): {"handshake", log::Object{{"stage", 1}, {"style", "ix_psk0"}}}.
using Object = std::vector<Field>;

// One key/value pair. Holds views: valid for the duration of the logging call only.
class Field {
 public:
  enum class Kind { kString, kInt, kUint, kBool, kObject, kStringList };

  Field(std::string_view key, std::string_view value) : key_(key), kind_(Kind::kString) {
    value_.text = value;
  }
  Field(std::string_view key, const char* value)
      : Field(key, value ? std::string_view(value) : std::string_view("<nil>")) {}
  Field(std::string_view key, const std::string& value) : Field(key, std::string_view(value)) {}
  Field(std::string_view key, bool value) : key_(key), kind_(Kind::kBool) {
    value_.uint_value = value;
  }
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) Field(std::string_view key, T value)
      : key_(key) {
    if constexpr (std::is_signed_v<T>) {
      kind_ = Kind::kInt;
      value_.int_value = value;
    } else {
      kind_ = Kind::kUint;
      value_.uint_value = value;
    }
  }
  Field(std::string_view key, const Object& value) : key_(key), kind_(Kind::kObject) {
    value_.object = &value;
  }
  // Printed as [a b] in text and ["a","b"] in JSON, like a Go []string.
  Field(std::string_view key, const std::vector<std::string>& value)
      : key_(key), kind_(Kind::kStringList) {
    value_.list = &value;
  }

  std::string_view key() const { return key_; }
  Kind kind() const { return kind_; }
  // Each accessor is valid only for its kind.
  std::string_view text() const { return value_.text; }
  int64_t int_value() const { return value_.int_value; }
  uint64_t uint_value() const { return value_.uint_value; }
  const Object& object() const { return *value_.object; }
  const std::vector<std::string>& list() const { return *value_.list; }

 private:
  std::string_view key_;
  Kind kind_;
  union Value {
    Value() : int_value(0) {}
    std::string_view text;
    int64_t int_value;
    uint64_t uint_value;
    const Object* object;
    const std::vector<std::string>* list;
  } value_;
};

using Fields = std::initializer_list<Field>;

// Receives one complete line, newline included. Called under the logger's mutex.
using Sink = std::function<void(std::string_view line)>;
using Clock = std::function<std::chrono::system_clock::time_point()>;

class Logger {
 public:
  // Writes to stdout.
  Logger();
  // Writes to `sink` (tests, or a file); `is_terminal` decides Color::kAuto.
  explicit Logger(Sink sink, bool is_terminal = false);

  // Thread-safe; applies to this logger and every logger made from it with With().
  void Configure(const Options& options);
  Options options() const;

  bool Enabled(Level level) const {
    return static_cast<int>(level) <= level_->load(std::memory_order_relaxed);
  }

  // A logger sharing this one's output and options that adds `fields` to every entry
  // (logrus's WithFields). The fields are copied.
  Logger With(Fields fields) const;

  void Log(Level level, std::string_view message, Fields fields = {}) const {
    if (Enabled(level)) Write(level, message, fields);
  }
  void Error(std::string_view message, Fields fields = {}) const {
    Log(Level::kError, message, fields);
  }
  void Warn(std::string_view message, Fields fields = {}) const {
    Log(Level::kWarning, message, fields);
  }
  void Info(std::string_view message, Fields fields = {}) const {
    Log(Level::kInfo, message, fields);
  }
  void Debug(std::string_view message, Fields fields = {}) const {
    Log(Level::kDebug, message, fields);
  }
  void Trace(std::string_view message, Fields fields = {}) const {
    Log(Level::kTrace, message, fields);
  }

  // Tests pin the time printed in entries.
  void SetClockForTesting(Clock clock);

  struct Core;
  struct OwnedField;

 private:
  void Write(Level level, std::string_view message, Fields fields) const;

  std::shared_ptr<Core> core_;
  const std::atomic<int>* level_;  // inside *core_, read without locking
  std::shared_ptr<const std::vector<OwnedField>> base_fields_;
};

// The process-wide logger (stdout) every module uses unless handed another.
Logger& Default();

// Formats `time` with a Go layout ("2006-01-02T15:04:05Z07:00") in the local time zone, as
// Go's time.Format does. Exposed because logging.timestamp_format is written in this syntax.
std::string FormatGoTime(std::chrono::system_clock::time_point time, std::string_view layout);

}  // namespace flatnet::log
