// EventLog over base/log.h's Logger, so `flatnet forward` logs exactly like the daemon
// (logrus text or JSON, colours on a terminal, stdout). Linux only: base/log.cpp does not
// build with mingw-w64, where TextEventLog stands in.
#pragma once

#include "base/log.h"
#include "forward/event_log.h"

namespace flatnet::forward {

class LoggerEventLog : public EventLog {
 public:
  explicit LoggerEventLog(log::Logger logger) : logger_(std::move(logger)) {}
  bool Enabled(LogLevel level) const override;
  void Write(LogLevel level, std::string_view message, LogFields fields) override;

  static log::Level ToLoggerLevel(LogLevel level);

 private:
  log::Logger logger_;
};

}  // namespace flatnet::forward
