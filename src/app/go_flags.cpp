#include "app/go_flags.h"

#include <cstdio>
#include <limits>

#include "base/duration.h"
#include "cert/utf8.h"

namespace flatnet::app {
namespace {

bool ParseGoBool(std::string_view text, bool* out) {
  for (std::string_view yes : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == yes) return *out = true, true;
  }
  for (std::string_view no : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == no) return *out = false, true;
  }
  return false;
}

enum class NumberError { kNone, kSyntax, kRange };

// strconv.ParseUint(text, 0, 64) of an unsigned magnitude no larger than `limit`: decimal,
// 0x hex, 0o/0 octal or 0b binary, with Go's "_" digit separators not accepted (base 0 does
// accept them in Go, but no Nebula flag value has them).
NumberError ParseGoMagnitude(std::string_view text, uint64_t limit, uint64_t* out) {
  int base = 10;
  if (text.size() > 1 && text[0] == '0') {
    char prefix = char(text[1] | 0x20);
    if (prefix == 'x' || prefix == 'o' || prefix == 'b') {
      base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : 2;
      text.remove_prefix(2);
    } else {
      base = 8;
      text.remove_prefix(1);
    }
  }
  if (text.empty()) return NumberError::kSyntax;
  uint64_t value = 0;
  for (char c : text) {
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : 99;
    if (digit >= base) return NumberError::kSyntax;
    // Go stops at the first digit that overflows: "99999999999999999999x" is out of range.
    if (value > (limit - uint64_t(digit)) / uint64_t(base)) return NumberError::kRange;
    value = value * uint64_t(base) + uint64_t(digit);
  }
  *out = value;
  return NumberError::kNone;
}

// strconv.ParseInt(text, 0, 64): optional sign, then a magnitude as above.
NumberError ParseGoInt(std::string_view text, int64_t* out) {
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  uint64_t limit = negative ? uint64_t(std::numeric_limits<int64_t>::max()) + 1
                            : uint64_t(std::numeric_limits<int64_t>::max());
  uint64_t value = 0;
  NumberError error = ParseGoMagnitude(text, limit, &value);
  if (error == NumberError::kNone) *out = negative ? int64_t(0 - value) : int64_t(value);
  return error;
}

// strconv.ParseUint(text, 0, 64): no sign at all.
NumberError ParseGoUint(std::string_view text, uint64_t* out) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) return NumberError::kSyntax;
  return ParseGoMagnitude(text, std::numeric_limits<uint64_t>::max(), out);
}

std::string NumberReason(NumberError error) {
  return error == NumberError::kNone    ? ""
         : error == NumberError::kRange ? "value out of range"
                                        : "parse error";
}

// Go's two-character escapes, or nullptr for a character without one.
const char* ShortEscape(unsigned char c) {
  static const struct {
    unsigned char c;
    const char* escape;
  } kEscapes[] = {{'"', "\\\""}, {'\\', "\\\\"}, {'\a', "\\a"}, {'\b', "\\b"}, {'\f', "\\f"},
                  {'\n', "\\n"}, {'\r', "\\r"},  {'\t', "\\t"}, {'\v', "\\v"}};
  for (const auto& e : kEscapes) {
    if (e.c == c) return e.escape;
  }
  return nullptr;
}

}  // namespace

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  while (!text.empty()) {
    unsigned char c = static_cast<unsigned char>(text.front());
    if (c >= 0x80) {
      size_t length = cert::Utf8SequenceLength(text);
      if (length > 0) {
        out.append(text.substr(0, length));
        text.remove_prefix(length);
        continue;
      }
    }
    text.remove_prefix(1);
    const char* escape = ShortEscape(c);
    if (escape) {
      out += escape;
      continue;
    }
    if (c < 0x20 || c >= 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

void FlagSet::Define(std::string_view name, Kind kind, void* target, std::string_view usage,
                     std::string default_text) {
  // Redefining replaces the earlier definition; Go panics, a program would not ship that.
  flags_[std::string(name)] = Flag{kind, target, std::string(usage), std::move(default_text)};
}

void FlagSet::String(std::string* target, std::string_view name, std::string_view default_value,
                     std::string_view usage) {
  *target = std::string(default_value);
  Define(name, Kind::kString, target, usage, std::string(default_value));
}

void FlagSet::Bool(bool* target, std::string_view name, bool default_value,
                   std::string_view usage) {
  *target = default_value;
  Define(name, Kind::kBool, target, usage, default_value ? "true" : "false");
}

void FlagSet::Int(int64_t* target, std::string_view name, int64_t default_value,
                  std::string_view usage) {
  *target = default_value;
  Define(name, Kind::kInt, target, usage, std::to_string(default_value));
}

void FlagSet::Uint(uint64_t* target, std::string_view name, uint64_t default_value,
                   std::string_view usage) {
  *target = default_value;
  Define(name, Kind::kUint, target, usage, std::to_string(default_value));
}

void FlagSet::Duration(std::chrono::nanoseconds* target, std::string_view name,
                       std::chrono::nanoseconds default_value, std::string_view usage) {
  *target = default_value;
  Define(name, Kind::kDuration, target, usage, FormatGoDuration(default_value));
}

std::string FlagSet::Assign(const Flag& flag, std::string_view value) {
  switch (flag.kind) {
    case Kind::kString:
      *static_cast<std::string*>(flag.target) = std::string(value);
      return "";
    case Kind::kBool:
      return ParseGoBool(value, static_cast<bool*>(flag.target)) ? "" : "parse error";
    case Kind::kInt:
      return NumberReason(ParseGoInt(value, static_cast<int64_t*>(flag.target)));
    case Kind::kUint:
      return NumberReason(ParseGoUint(value, static_cast<uint64_t*>(flag.target)));
    case Kind::kDuration: {
      Result<std::chrono::nanoseconds> d = ParseGoDuration(value);
      if (!d.ok()) return "parse error";
      *static_cast<std::chrono::nanoseconds*>(flag.target) = *d;
      return "";
    }
  }
  return "parse error";
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  help_requested_ = false;
  rest_.clear();
  size_t i = 0;
  while (i < args.size()) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') break;  // first non-flag argument
    size_t dashes = arg[1] == '-' ? 2 : 1;
    if (dashes == 2 && arg.size() == 2) {  // "--" ends the flags and is dropped
      ++i;
      break;
    }
    std::string_view name = std::string_view(arg).substr(dashes);
    if (name.empty() || name[0] == '-' || name[0] == '=') {
      return Status::Error("bad flag syntax: " + arg);
    }
    ++i;
    std::string_view value;
    bool has_value = false;
    if (size_t eq = name.find('=', 1); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      if (name == "help" || name == "h") {
        help_requested_ = true;
        return Status::Ok();
      }
      return Status::Error("flag provided but not defined: -" + std::string(name));
    }
    Flag& flag = it->second;
    if (flag.kind == Kind::kBool) {
      if (!has_value) value = "true";
      if (std::string why = Assign(flag, value); !why.empty()) {
        return Status::Error("invalid boolean value " + GoQuote(value) + " for -" +
                             std::string(name) + ": " + why);
      }
    } else {
      if (!has_value) {
        if (i >= args.size()) {
          return Status::Error("flag needs an argument: -" + std::string(name));
        }
        value = args[i++];
      }
      if (std::string why = Assign(flag, value); !why.empty()) {
        return Status::Error("invalid value " + GoQuote(value) + " for flag -" + std::string(name) +
                             ": " + why);
      }
    }
    flag.set = true;
  }
  rest_.assign(args.begin() + long(i), args.end());
  return Status::Ok();
}

bool FlagSet::WasSet(std::string_view name) const {
  auto it = flags_.find(name);
  return it != flags_.end() && it->second.set;
}

std::string FlagSet::Usage() const {
  std::string out;
  for (const auto& [name, flag] : flags_) {
    std::string line = "  -" + name;
    // Go names the value after the flag: a `backquoted` word of the usage if there is one
    // (the backquotes are dropped), else the type; bools take no value and get no name.
    std::string usage = flag.usage;
    std::string value_name;
    size_t open = usage.find('`');
    size_t close = open == std::string::npos ? open : usage.find('`', open + 1);
    if (close != std::string::npos) {
      value_name = usage.substr(open + 1, close - open - 1);
      usage = usage.substr(0, open) + value_name + usage.substr(close + 1);
    } else if (flag.kind == Kind::kString) {
      value_name = "string";
    } else if (flag.kind == Kind::kInt) {
      value_name = "int";
    } else if (flag.kind == Kind::kUint) {
      value_name = "uint";
    } else if (flag.kind == Kind::kDuration) {
      value_name = "duration";
    }
    if (!value_name.empty()) line += " " + value_name;
    // A one-letter flag without a value name fits its usage on the same line, after a tab.
    line += line.size() <= 4 ? "\t" : "\n    \t";
    for (char c : usage) line += c == '\n' ? std::string("\n    \t") : std::string(1, c);
    bool is_zero =
        (flag.kind == Kind::kString && flag.default_text.empty()) ||
        (flag.kind == Kind::kBool && flag.default_text == "false") ||
        ((flag.kind == Kind::kInt || flag.kind == Kind::kUint) && flag.default_text == "0") ||
        (flag.kind == Kind::kDuration && flag.default_text == "0s");
    if (!is_zero) {
      line += " (default " +
              (flag.kind == Kind::kString ? GoQuote(flag.default_text) : flag.default_text) + ")";
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace flatnet::app
