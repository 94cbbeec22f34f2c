// Formatting follows logrus v1.8.1 (TextFormatter, JSONFormatter) and Go's fmt/strconv/json
// rules, because users compare flatnet's logs with nebula's line by line.
#include "base/log.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <variant>

namespace flatnet::log {

struct Logger::OwnedField {
  std::string key;
  Field::Kind kind = Field::Kind::kString;
  std::string text;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  std::vector<OwnedField> object;
  std::vector<std::string> list;
};

struct Logger::Core {
  std::atomic<int> level{static_cast<int>(Level::kInfo)};
  mutable std::mutex mutex;  // guards everything below and serialises lines
  Options options;
  Sink sink;
  bool is_terminal = false;
  Clock clock = [] { return std::chrono::system_clock::now(); };
};

namespace {

using OwnedField = Logger::OwnedField;

// logrus's baseTimestamp: "INFO[0003]" counts seconds from process start.
const auto kProcessStart = std::chrono::system_clock::now();

constexpr std::string_view kLevelNames[] = {"panic", "fatal", "error", "warning",
                                            "info",  "debug", "trace"};

// ---- Go time layouts -----------------------------------------------------------------------

constexpr const char* kLongMonths[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
constexpr const char* kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

enum class Chunk {
  kNone,
  kLongMonth,
  kMonth,
  kNumMonth,
  kZeroMonth,
  kLongWeekDay,
  kWeekDay,
  kDay,
  kUnderDay,
  kZeroDay,
  kUnderYearDay,
  kZeroYearDay,
  kHour,
  kHour12,
  kZeroHour12,
  kMinute,
  kZeroMinute,
  kSecond,
  kZeroSecond,
  kLongYear,
  kYear,
  kPM,
  kpm,
  kTZ,
  kISO8601TZ,
  kISO8601SecondsTZ,
  kISO8601ShortTZ,
  kISO8601ColonTZ,
  kISO8601ColonSecondsTZ,
  kNumTZ,
  kNumSecondsTZ,
  kNumShortTZ,
  kNumColonTZ,
  kNumColonSecondsTZ,
  kFracSecond0,
  kFracSecond9,
};

bool StartsWithLower(std::string_view s) { return !s.empty() && s[0] >= 'a' && s[0] <= 'z'; }
bool DigitAt(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

struct ChunkMatch {
  size_t at = std::string_view::npos;  // where the chunk starts
  size_t length = 0;
  Chunk chunk = Chunk::kNone;
  int digits = 0;  // for fractional seconds
};

// Finds the first layout element in `layout`, with Go's precedence rules.
ChunkMatch NextChunk(std::string_view layout) {
  auto has = [&](size_t i, std::string_view word) { return layout.substr(i, word.size()) == word; };
  for (size_t i = 0; i < layout.size(); ++i) {
    auto match = [&](size_t length, Chunk chunk) { return ChunkMatch{i, length, chunk, 0}; };
    switch (layout[i]) {
      case 'J':
        if (has(i, "January")) return match(7, Chunk::kLongMonth);
        if (has(i, "Jan") && !StartsWithLower(layout.substr(i + 3))) return match(3, Chunk::kMonth);
        break;
      case 'M':
        if (has(i, "Monday")) return match(6, Chunk::kLongWeekDay);
        if (has(i, "Mon") && !StartsWithLower(layout.substr(i + 3))) {
          return match(3, Chunk::kWeekDay);
        }
        if (has(i, "MST")) return match(3, Chunk::kTZ);
        break;
      case '0':
        if (i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          constexpr Chunk kZeros[] = {Chunk::kZeroMonth,  Chunk::kZeroDay,    Chunk::kZeroHour12,
                                      Chunk::kZeroMinute, Chunk::kZeroSecond, Chunk::kYear};
          return match(2, kZeros[layout[i + 1] - '1']);
        }
        if (has(i, "002")) return match(3, Chunk::kZeroYearDay);
        break;
      case '1':
        if (has(i, "15")) return match(2, Chunk::kHour);
        return match(1, Chunk::kNumMonth);
      case '2':
        if (has(i, "2006")) return match(4, Chunk::kLongYear);
        return match(1, Chunk::kDay);
      case '_':
        if (has(i, "_2")) {
          // "_2006" is a literal underscore followed by the year.
          if (has(i, "_2006")) return ChunkMatch{i + 1, 4, Chunk::kLongYear, 0};
          return match(2, Chunk::kUnderDay);
        }
        if (has(i, "__2")) return match(3, Chunk::kUnderYearDay);
        break;
      case '3':
        return match(1, Chunk::kHour12);
      case '4':
        return match(1, Chunk::kMinute);
      case '5':
        return match(1, Chunk::kSecond);
      case 'P':
        if (has(i, "PM")) return match(2, Chunk::kPM);
        break;
      case 'p':
        if (has(i, "pm")) return match(2, Chunk::kpm);
        break;
      case '-':
        if (has(i, "-070000")) return match(7, Chunk::kNumSecondsTZ);
        if (has(i, "-07:00:00")) return match(9, Chunk::kNumColonSecondsTZ);
        if (has(i, "-0700")) return match(5, Chunk::kNumTZ);
        if (has(i, "-07:00")) return match(6, Chunk::kNumColonTZ);
        if (has(i, "-07")) return match(3, Chunk::kNumShortTZ);
        break;
      case 'Z':
        if (has(i, "Z070000")) return match(7, Chunk::kISO8601SecondsTZ);
        if (has(i, "Z07:00:00")) return match(9, Chunk::kISO8601ColonSecondsTZ);
        if (has(i, "Z0700")) return match(5, Chunk::kISO8601TZ);
        if (has(i, "Z07:00")) return match(6, Chunk::kISO8601ColonTZ);
        if (has(i, "Z07")) return match(3, Chunk::kISO8601ShortTZ);
        break;
      case '.':
      case ',':
        if (i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
          char digit = layout[i + 1];
          size_t j = i + 1;
          while (j < layout.size() && layout[j] == digit) ++j;
          // Only a run of 0s or 9s not followed by another digit is a fraction.
          if (!DigitAt(layout, j)) {
            return ChunkMatch{i, j - i, digit == '0' ? Chunk::kFracSecond0 : Chunk::kFracSecond9,
                              static_cast<int>(j - i - 1)};
          }
        }
        break;
      default:
        break;
    }
  }
  return ChunkMatch{};
}

void AppendInt(std::string& out, long value, int width, char pad = '0') {
  std::string digits = std::to_string(value < 0 ? -value : value);
  if (value < 0) out.push_back('-');
  for (int i = static_cast<int>(digits.size()); i < width; ++i) out.push_back(pad);
  out += digits;
}

void AppendOffset(std::string& out, long offset_seconds, Chunk chunk) {
  bool iso = chunk == Chunk::kISO8601TZ || chunk == Chunk::kISO8601SecondsTZ ||
             chunk == Chunk::kISO8601ShortTZ || chunk == Chunk::kISO8601ColonTZ ||
             chunk == Chunk::kISO8601ColonSecondsTZ;
  if (iso && offset_seconds == 0) {
    out.push_back('Z');
    return;
  }
  long zone = offset_seconds / 60;
  long abs_seconds = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  out.push_back(zone < 0 ? '-' : '+');
  if (zone < 0) zone = -zone;
  AppendInt(out, zone / 60, 2);
  bool colon = chunk == Chunk::kISO8601ColonTZ || chunk == Chunk::kNumColonTZ ||
               chunk == Chunk::kISO8601ColonSecondsTZ || chunk == Chunk::kNumColonSecondsTZ;
  bool seconds = chunk == Chunk::kISO8601SecondsTZ || chunk == Chunk::kNumSecondsTZ ||
                 chunk == Chunk::kISO8601ColonSecondsTZ || chunk == Chunk::kNumColonSecondsTZ;
  bool short_form = chunk == Chunk::kISO8601ShortTZ || chunk == Chunk::kNumShortTZ;
  if (short_form) return;
  if (colon) out.push_back(':');
  AppendInt(out, zone % 60, 2);
  if (seconds) {
    if (colon) out.push_back(':');
    AppendInt(out, abs_seconds % 60, 2);
  }
}

// ---- Go string quoting (%q) and JSON strings ------------------------------------------------

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* rune) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(i);
  size_t length;
  uint32_t value;
  if (b0 < 0x80) {
    *rune = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    value = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    value = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    value = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    value = value << 6 | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMinimum[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return 0;
  }
  *rune = value;
  return length;
}

// An approximation of Go's unicode.IsPrint for non-ASCII runes: controls, format characters
// and line/paragraph separators are not printable; everything else is.
bool IsPrintable(uint32_t rune) {
  if (rune < 0x20 || rune == 0x7F) return false;
  if (rune < 0x7F) return true;
  if (rune >= 0x80 && rune <= 0xA0) return false;  // C1 controls and no-break space
  if (rune == 0xAD) return false;
  if ((rune >= 0x2000 && rune <= 0x200F) || (rune >= 0x2028 && rune <= 0x202F) ||
      (rune >= 0x205F && rune <= 0x206F) || rune == 0x3000 || rune == 0xFEFF) {
    return false;
  }
  if (rune >= 0xFFF9 && rune <= 0xFFFB) return false;
  if ((rune & 0xFFFE) == 0xFFFE) return false;  // non-characters U+xxFFFE/U+xxFFFF
  return true;
}

void AppendHex(std::string& out, uint32_t value, int digits) {
  static const char kHex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out.push_back(kHex[(value >> shift) & 15]);
}

// strconv.Quote.
void AppendGoQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    uint32_t rune;
    size_t length = DecodeUtf8(s, i, &rune);
    if (length == 0) {
      out += "\\x";
      AppendHex(out, static_cast<uint8_t>(s[i]), 2);
      ++i;
      continue;
    }
    if (rune == '"' || rune == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(rune));
    } else if (IsPrintable(rune)) {
      out.append(s.substr(i, length));
    } else {
      switch (rune) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (rune < 0x20 || rune == 0x7F) {
            out += "\\x";
            AppendHex(out, rune, 2);
          } else if (rune < 0x10000) {
            out += "\\u";
            AppendHex(out, rune, 4);
          } else {
            out += "\\U";
            AppendHex(out, rune, 8);
          }
      }
    }
    i += length;
  }
  out.push_back('"');
}

// encoding/json with HTML escaping on (logrus's default).
void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    uint32_t rune;
    size_t length = DecodeUtf8(s, i, &rune);
    if (length == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    switch (rune) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (rune < 0x20 || rune == '<' || rune == '>' || rune == '&' || rune == 0x2028 ||
            rune == 0x2029) {
          out += "\\u";
          AppendHex(out, rune, 4);
        } else {
          out.append(s.substr(i, length));
        }
    }
    i += length;
  }
  out.push_back('"');
}

// logrus quotes a text value unless every rune is one of these.
bool NeedsQuoting(std::string_view text) {
  for (char c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
    if (!plain) return true;
  }
  return false;
}

// ---- fields ----------------------------------------------------------------------------------

OwnedField Own(const Field& field) {
  OwnedField owned;
  owned.key = std::string(field.key());
  owned.kind = field.kind();
  switch (field.kind()) {
    case Field::Kind::kString:
      owned.text = std::string(field.text());
      break;
    case Field::Kind::kInt:
      owned.int_value = field.int_value();
      break;
    case Field::Kind::kUint:
    case Field::Kind::kBool:
      owned.uint_value = field.uint_value();
      break;
    case Field::Kind::kObject:
      for (const Field& child : field.object()) owned.object.push_back(Own(child));
      break;
    case Field::Kind::kStringList:
      owned.list = field.list();
      break;
  }
  return owned;
}

// Later fields replace earlier ones with the same key (a Go map); sorted like Go prints maps.
void Normalize(std::vector<OwnedField>& fields, bool sort) {
  std::vector<OwnedField> unique;
  for (auto& field : fields) {
    auto same = std::find_if(unique.begin(), unique.end(),
                             [&](const OwnedField& f) { return f.key == field.key; });
    if (field.kind == Field::Kind::kObject) Normalize(field.object, true);
    if (same != unique.end()) {
      *same = std::move(field);
    } else {
      unique.push_back(std::move(field));
    }
  }
  if (sort) {
    std::stable_sort(unique.begin(), unique.end(),
                     [](const OwnedField& a, const OwnedField& b) { return a.key < b.key; });
  }
  fields = std::move(unique);
}

// Go's fmt %v.
std::string PlainValue(const OwnedField& field) {
  switch (field.kind) {
    case Field::Kind::kString:
      return field.text;
    case Field::Kind::kInt:
      return std::to_string(field.int_value);
    case Field::Kind::kUint:
      return std::to_string(field.uint_value);
    case Field::Kind::kBool:
      return field.uint_value ? "true" : "false";
    case Field::Kind::kObject: {
      std::string out = "map[";
      for (size_t i = 0; i < field.object.size(); ++i) {
        if (i) out.push_back(' ');
        out += field.object[i].key + ":" + PlainValue(field.object[i]);
      }
      return out + "]";
    }
    case Field::Kind::kStringList: {
      std::string out = "[";
      for (size_t i = 0; i < field.list.size(); ++i) out += (i ? " " : "") + field.list[i];
      return out + "]";
    }
  }
  return "";
}

void AppendTextValue(std::string& out, std::string_view value) {
  if (NeedsQuoting(value)) {
    AppendGoQuoted(out, value);
  } else {
    out.append(value);
  }
}

void AppendJsonValue(std::string& out, const OwnedField& field) {
  switch (field.kind) {
    case Field::Kind::kString:
      AppendJsonString(out, field.text);
      break;
    case Field::Kind::kInt:
      out += std::to_string(field.int_value);
      break;
    case Field::Kind::kUint:
      out += std::to_string(field.uint_value);
      break;
    case Field::Kind::kBool:
      out += field.uint_value ? "true" : "false";
      break;
    case Field::Kind::kObject:
      out.push_back('{');
      for (size_t i = 0; i < field.object.size(); ++i) {
        if (i) out.push_back(',');
        AppendJsonString(out, field.object[i].key);
        out.push_back(':');
        AppendJsonValue(out, field.object[i]);
      }
      out.push_back('}');
      break;
    case Field::Kind::kStringList:
      out.push_back('[');
      for (size_t i = 0; i < field.list.size(); ++i) {
        if (i) out.push_back(',');
        AppendJsonString(out, field.list[i]);
      }
      out.push_back(']');
      break;
  }
}

OwnedField TextField(std::string key, std::string value) {
  OwnedField field;
  field.key = std::move(key);
  field.text = std::move(value);
  return field;
}

// Number of code points, which is what Go's %-44s pads by.
size_t RuneCount(std::string_view s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

std::string FormatEntry(const Options& options, bool colored, Level level,
                        std::chrono::system_clock::time_point time, std::string_view message,
                        std::vector<OwnedField> fields) {
  const std::string layout =
      options.timestamp_format.empty() ? "2006-01-02T15:04:05Z07:00" : options.timestamp_format;
  std::string_view level_name = LevelName(level);
  // logrus's prefixFieldClashes.
  for (auto& field : fields) {
    if (field.key == "time" || field.key == "msg" || field.key == "level") {
      field.key = "fields." + field.key;
    }
  }
  std::string out;
  if (options.format == Format::kJson) {
    if (!options.disable_timestamp) fields.push_back(TextField("time", FormatGoTime(time, layout)));
    fields.push_back(TextField("msg", std::string(message)));
    fields.push_back(TextField("level", std::string(level_name)));
    Normalize(fields, /*sort=*/true);
    out.push_back('{');
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out.push_back(',');
      AppendJsonString(out, fields[i].key);
      out.push_back(':');
      AppendJsonValue(out, fields[i]);
    }
    out += "}\n";
    return out;
  }

  Normalize(fields, options.sort_fields);
  if (colored) {
    int color = 36;  // blue: info
    if (level == Level::kDebug || level == Level::kTrace) color = 37;
    if (level == Level::kWarning) color = 33;
    if (level <= Level::kError) color = 31;
    std::string level_text;
    for (char c : level_name.substr(0, 4)) level_text.push_back(static_cast<char>(toupper(c)));
    if (message.ends_with('\n')) message.remove_suffix(1);
    out += "\x1b[" + std::to_string(color) + "m" + level_text + "\x1b[0m";
    if (!options.disable_timestamp) {
      if (options.timestamp_format.empty()) {
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(time - kProcessStart);
        out.push_back('[');
        AppendInt(out, static_cast<long>(seconds.count()), 4);
        out.push_back(']');
      } else {
        out += "[" + FormatGoTime(time, layout) + "]";
      }
    }
    out.push_back(' ');
    out.append(message);
    for (size_t n = RuneCount(message); n < 44; ++n) out.push_back(' ');
    out.push_back(' ');
    for (const auto& field : fields) {
      out += " \x1b[" + std::to_string(color) + "m" + field.key + "\x1b[0m=";
      AppendTextValue(out, PlainValue(field));
    }
    out.push_back('\n');
    return out;
  }

  auto append_pair = [&](std::string_view key, std::string_view value) {
    if (!out.empty()) out.push_back(' ');
    out.append(key);
    out.push_back('=');
    AppendTextValue(out, value);
  };
  if (!options.disable_timestamp) append_pair("time", FormatGoTime(time, layout));
  append_pair("level", level_name);
  if (!message.empty()) append_pair("msg", message);
  for (const auto& field : fields) append_pair(field.key, PlainValue(field));
  out.push_back('\n');
  return out;
}

void WriteToStdout(std::string_view line) {
  while (!line.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, line.data(), line.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failing log output
    }
    line.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

Result<Level> ParseLevel(std::string_view name) {
  std::string lower;
  for (char c : name) lower.push_back(static_cast<char>(tolower(static_cast<unsigned char>(c))));
  if (lower == "warn") return Level::kWarning;
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (lower == kLevelNames[i]) return static_cast<Level>(i);
  }
  return Status::Error("not a valid log level: \"" + std::string(name) +
                       "\" (panic, fatal, error, warning, info, debug or trace)");
}

std::string_view LevelName(Level level) {
  int index = static_cast<int>(level);
  if (index < 0 || index >= static_cast<int>(std::size(kLevelNames))) return "unknown";
  return kLevelNames[index];
}

std::string FormatGoTime(std::chrono::system_clock::time_point time, std::string_view layout) {
  auto since_epoch = time.time_since_epoch();
  auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  long nanos = static_cast<long>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count());
  time_t t = static_cast<time_t>(seconds.count());
  struct tm tm;
  localtime_r(&t, &tm);
  long offset = tm.tm_gmtoff;

  std::string out;
  while (!layout.empty()) {
    ChunkMatch m = NextChunk(layout);
    if (m.chunk == Chunk::kNone) {
      out.append(layout);
      break;
    }
    out.append(layout.substr(0, m.at));
    const char separator = layout[m.at];  // '.' or ',' for fractional seconds
    layout.remove_prefix(m.at + m.length);
    int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
    switch (m.chunk) {
      case Chunk::kNone:
        break;
      case Chunk::kLongMonth:
        out += kLongMonths[tm.tm_mon];
        break;
      case Chunk::kMonth:
        out += std::string(kLongMonths[tm.tm_mon], 3);
        break;
      case Chunk::kNumMonth:
        AppendInt(out, tm.tm_mon + 1, 0);
        break;
      case Chunk::kZeroMonth:
        AppendInt(out, tm.tm_mon + 1, 2);
        break;
      case Chunk::kLongWeekDay:
        out += kLongDays[tm.tm_wday];
        break;
      case Chunk::kWeekDay:
        out += std::string(kLongDays[tm.tm_wday], 3);
        break;
      case Chunk::kDay:
        AppendInt(out, tm.tm_mday, 0);
        break;
      case Chunk::kUnderDay:
        AppendInt(out, tm.tm_mday, 2, ' ');
        break;
      case Chunk::kZeroDay:
        AppendInt(out, tm.tm_mday, 2);
        break;
      case Chunk::kUnderYearDay:
        AppendInt(out, tm.tm_yday + 1, 3, ' ');
        break;
      case Chunk::kZeroYearDay:
        AppendInt(out, tm.tm_yday + 1, 3);
        break;
      case Chunk::kHour:
        AppendInt(out, tm.tm_hour, 2);
        break;
      case Chunk::kHour12:
        AppendInt(out, hour12, 0);
        break;
      case Chunk::kZeroHour12:
        AppendInt(out, hour12, 2);
        break;
      case Chunk::kMinute:
        AppendInt(out, tm.tm_min, 0);
        break;
      case Chunk::kZeroMinute:
        AppendInt(out, tm.tm_min, 2);
        break;
      case Chunk::kSecond:
        AppendInt(out, tm.tm_sec, 0);
        break;
      case Chunk::kZeroSecond:
        AppendInt(out, tm.tm_sec, 2);
        break;
      case Chunk::kLongYear:
        AppendInt(out, tm.tm_year + 1900, 4);
        break;
      case Chunk::kYear:
        AppendInt(out, (tm.tm_year + 1900) % 100, 2);
        break;
      case Chunk::kPM:
        out += tm.tm_hour >= 12 ? "PM" : "AM";
        break;
      case Chunk::kpm:
        out += tm.tm_hour >= 12 ? "pm" : "am";
        break;
      case Chunk::kTZ:
        if (tm.tm_zone && tm.tm_zone[0] && tm.tm_zone[0] != '+' && tm.tm_zone[0] != '-') {
          out += tm.tm_zone;
        } else {
          AppendOffset(out, offset, Chunk::kNumTZ);  // Go prints -0700 for unnamed zones
        }
        break;
      case Chunk::kFracSecond0:
      case Chunk::kFracSecond9: {
        std::string digits = std::to_string(1000000000L + nanos).substr(1, m.digits);
        if (m.chunk == Chunk::kFracSecond9) {
          while (!digits.empty() && digits.back() == '0') digits.pop_back();
          if (digits.empty()) break;
        }
        out.push_back(separator);
        out += digits;
        break;
      }
      default:
        AppendOffset(out, offset, m.chunk);
        break;
    }
  }
  return out;
}

Logger::Logger() : Logger(WriteToStdout, isatty(STDOUT_FILENO) == 1) {}

Logger::Logger(Sink sink, bool is_terminal)
    : core_(std::make_shared<Core>()), level_(&core_->level) {
  core_->sink = std::move(sink);
  core_->is_terminal = is_terminal;
}

void Logger::Configure(const Options& options) {
  std::lock_guard lock(core_->mutex);
  core_->options = options;
  core_->level.store(static_cast<int>(options.level), std::memory_order_relaxed);
}

Options Logger::options() const {
  std::lock_guard lock(core_->mutex);
  return core_->options;
}

void Logger::SetClockForTesting(Clock clock) {
  std::lock_guard lock(core_->mutex);
  core_->clock = std::move(clock);
}

Logger Logger::With(Fields fields) const {
  auto merged = std::make_shared<std::vector<OwnedField>>();
  if (base_fields_) *merged = *base_fields_;
  for (const Field& field : fields) merged->push_back(Own(field));
  Logger child = *this;
  child.base_fields_ = std::move(merged);
  return child;
}

void Logger::Write(Level level, std::string_view message, Fields fields) const {
  std::vector<OwnedField> owned;
  if (base_fields_) owned = *base_fields_;
  for (const Field& field : fields) owned.push_back(Own(field));
  std::lock_guard lock(core_->mutex);
  const Options& options = core_->options;
  bool colored =
      options.format == Format::kText &&
      (options.color == Color::kAlways || (options.color == Color::kAuto && core_->is_terminal));
  std::string line =
      FormatEntry(options, colored, level, core_->clock(), message, std::move(owned));
  core_->sink(line);
}

Logger& Default() {
  static Logger* logger = new Logger();  // never destroyed: threads may log during exit
  return *logger;
}

}  // namespace flatnet::log
