#include "base/duration.h"

#include <cstdint>
#include <optional>

namespace flatnet {
namespace {

constexpr uint64_t kLimit = uint64_t(1) << 63;  // magnitude of INT64_MIN

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

Status Invalid(std::string_view original) {
  return Status::Error("time: invalid duration " + Quoted(original));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<uint64_t> UnitNanoseconds(std::string_view unit) {
  if (unit == "ns") return 1;
  // "us", and the micro sign written both as U+00B5 and as Greek mu U+03BC.
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;
  if (unit == "ms") return 1000 * 1000;
  if (unit == "s") return 1000 * 1000 * 1000;
  if (unit == "m") return uint64_t(60) * 1000 * 1000 * 1000;
  if (unit == "h") return uint64_t(3600) * 1000 * 1000 * 1000;
  return std::nullopt;
}

// Reads leading decimal digits into *value; false on overflow past 2^63.
bool ReadInteger(std::string_view& s, uint64_t* value) {
  uint64_t v = 0;
  while (!s.empty() && IsDigit(s.front())) {
    if (v > kLimit / 10) return false;
    v = v * 10 + uint64_t(s.front() - '0');
    if (v > kLimit) return false;
    s.remove_prefix(1);
  }
  *value = v;
  return true;
}

// Reads the digits after a decimal point as value / scale. Digits that no longer fit are
// consumed but ignored, as Go does: they are below a nanosecond anyway.
void ReadFraction(std::string_view& s, uint64_t* value, double* scale) {
  uint64_t v = 0;
  double sc = 1;
  bool overflowed = false;
  while (!s.empty() && IsDigit(s.front())) {
    if (!overflowed) {
      if (v > (kLimit - 1) / 10) {
        overflowed = true;
      } else {
        uint64_t next = v * 10 + uint64_t(s.front() - '0');
        if (next > kLimit) {
          overflowed = true;
        } else {
          v = next;
          sc *= 10;
        }
      }
    }
    s.remove_prefix(1);
  }
  *value = v;
  *scale = sc;
}

// Writes the fraction of v / 10^digits (without trailing zeros) in front of *out and
// returns v / 10^digits.
uint64_t PrependFraction(std::string* out, uint64_t v, int digits) {
  std::string fraction;
  bool significant = false;
  for (int i = 0; i < digits; ++i) {
    char digit = char('0' + v % 10);
    significant = significant || digit != '0';
    if (significant) fraction.insert(fraction.begin(), digit);
    v /= 10;
  }
  if (significant) out->insert(0, "." + fraction);
  return v;
}

void PrependInteger(std::string* out, uint64_t v) { out->insert(0, std::to_string(v)); }

}  // namespace

Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return Invalid(text);

  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s.front() == '.' || IsDigit(s.front()))) return Invalid(text);
    size_t before = s.size();
    uint64_t whole = 0;
    if (!ReadInteger(s, &whole)) return Invalid(text);
    bool has_whole = s.size() != before;

    uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      size_t at = s.size();
      ReadFraction(s, &fraction, &scale);
      has_fraction = s.size() != at;
    }
    if (!has_whole && !has_fraction) return Invalid(text);

    size_t unit_length = 0;
    while (unit_length < s.size() && s[unit_length] != '.' && !IsDigit(s[unit_length])) {
      ++unit_length;
    }
    if (unit_length == 0) {
      return Status::Error("time: missing unit in duration " + Quoted(text));
    }
    std::string_view unit_text = s.substr(0, unit_length);
    s.remove_prefix(unit_length);
    std::optional<uint64_t> unit = UnitNanoseconds(unit_text);
    if (!unit) {
      return Status::Error("time: unknown unit " + Quoted(unit_text) + " in duration " +
                           Quoted(text));
    }

    if (whole > kLimit / *unit) return Invalid(text);
    uint64_t value = whole * *unit;
    if (fraction > 0) {
      value += uint64_t(double(fraction) * (double(*unit) / scale));
      if (value > kLimit) return Invalid(text);
    }
    total += value;
    if (total > kLimit) return Invalid(text);
  }
  if (negative) return std::chrono::nanoseconds(int64_t(0 - total));
  if (total > kLimit - 1) return Invalid(text);
  return std::chrono::nanoseconds(int64_t(total));
}

std::string FormatGoDuration(std::chrono::nanoseconds duration) {
  int64_t count = duration.count();
  bool negative = count < 0;
  uint64_t u = negative ? 0 - uint64_t(count) : uint64_t(count);
  if (u == 0) return "0s";

  std::string out;
  if (u < 1000 * 1000 * 1000) {
    // Below a second Go switches to the largest unit that keeps an integer part: 1.2ms.
    if (u < 1000) {
      out = "ns";
    } else if (u < 1000 * 1000) {
      out = "\xC2\xB5s";  // µs
      u = PrependFraction(&out, u, 3);
    } else {
      out = "ms";
      u = PrependFraction(&out, u, 6);
    }
    PrependInteger(&out, u);
  } else {
    out = "s";
    u = PrependFraction(&out, u, 9);
    PrependInteger(&out, u % 60);
    u /= 60;
    if (u > 0) {
      out.insert(0, "m");
      PrependInteger(&out, u % 60);
      u /= 60;
      if (u > 0) {
        out.insert(0, "h");
        PrependInteger(&out, u);
      }
    }
  }
  if (negative) out.insert(0, "-");
  return out;
}

}  // namespace flatnet
