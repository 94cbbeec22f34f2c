#include "forward/event_log.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <vector>

namespace flatnet::forward {

namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

bool NeedsQuoting(std::string_view text) {
  if (text.empty()) return true;
  for (char c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
    if (!plain) return true;
  }
  return false;
}

// Go's %q for the characters a log value may hold.
void AppendValue(std::string& out, std::string_view text) {
  if (!NeedsQuoting(text)) {
    out.append(text);
    return;
  }
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (byte < 0x20 || byte == 0x7f) {
      out.append("\\x");
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string UtcNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
#ifdef _WIN32
  gmtime_s(&utc, &seconds);
#else
  gmtime_r(&seconds, &utc);
#endif
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view text) {
  std::string lower;
  for (char c : text)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "error") return LogLevel::kError;
  if (lower == "warning" || lower == "warn") return LogLevel::kWarning;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "debug") return LogLevel::kDebug;
  return Status::Error("not a valid log level: \"" + std::string(text) +
                       "\" (error, warning, info or debug)");
}

std::string TextEventLog::FormatLine(std::string_view time, LogLevel level,
                                     std::string_view message, LogFields fields) {
  std::vector<const LogField*> sorted;
  for (const LogField& field : fields) sorted.push_back(&field);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const LogField* a, const LogField* b) { return a->key < b->key; });
  std::string line;
  if (!time.empty()) {
    line.append("time=");
    AppendValue(line, time);
    line.push_back(' ');
  }
  line.append("level=");
  line.append(LevelName(level));
  line.append(" msg=");
  AppendValue(line, message);
  for (const LogField* field : sorted) {
    line.push_back(' ');
    line.append(field->key);
    line.push_back('=');
    if (field->is_number) {
      line.append(std::to_string(field->number));
    } else {
      AppendValue(line, field->text);
    }
  }
  line.push_back('\n');
  return line;
}

void TextEventLog::Write(LogLevel level, std::string_view message, LogFields fields) {
  std::string line = FormatLine(UtcNow(), level, message, fields);
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace flatnet::forward
