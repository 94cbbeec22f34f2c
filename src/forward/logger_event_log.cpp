#include "forward/logger_event_log.h"

namespace flatnet::forward {

log::Level LoggerEventLog::ToLoggerLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return log::Level::kError;
    case LogLevel::kWarning:
      return log::Level::kWarning;
    case LogLevel::kInfo:
      return log::Level::kInfo;
    case LogLevel::kDebug:
      return log::Level::kDebug;
  }
  return log::Level::kInfo;
}

bool LoggerEventLog::Enabled(LogLevel level) const { return logger_.Enabled(ToLoggerLevel(level)); }

void LoggerEventLog::Write(LogLevel level, std::string_view message, LogFields fields) {
  // Logger takes its fields as an initializer_list, so a list whose length is only known
  // here is attached one field at a time with With(). Entries are per session, not per
  // packet, so the copies cost nothing that matters.
  log::Logger entry = logger_;
  for (const LogField& field : fields) {
    if (field.is_number) {
      entry = entry.With({log::Field(field.key, field.number)});
    } else {
      entry = entry.With({log::Field(field.key, field.text)});
    }
  }
  entry.Log(ToLoggerLevel(level), message);
}

}  // namespace flatnet::forward
