#include "config/go_duration.h"

#include <cstdint>

namespace flatnet::config {
namespace {

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;

uint64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::chrono::nanoseconds> ParseGoDuration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return std::nullopt;
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return std::nullopt;
    // Whole part.
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (whole > (kMaxMagnitude - 1) / 10) return std::nullopt;
      whole = whole * 10 + uint64_t(s[i] - '0');
      if (whole > kMaxMagnitude) return std::nullopt;
    }
    bool has_whole = i > 0;
    s.remove_prefix(i);
    // Fraction: keep digits while they fit, like Go (extra digits only lose precision).
    uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      for (i = 0; i < s.size() && IsDigit(s[i]); ++i) {
        if (overflow) continue;
        if (fraction > (kMaxMagnitude - 1) / 10) {
          overflow = true;
          continue;
        }
        fraction = fraction * 10 + uint64_t(s[i] - '0');
        scale *= 10;
      }
      has_fraction = i > 0;
      s.remove_prefix(i);
    }
    if (!has_whole && !has_fraction) return std::nullopt;
    // Unit: everything up to the next number.
    for (i = 0; i < s.size() && s[i] != '.' && !IsDigit(s[i]); ++i) {
    }
    if (i == 0) return std::nullopt;  // "missing unit"
    uint64_t unit = UnitNanos(s.substr(0, i));
    if (unit == 0) return std::nullopt;
    s.remove_prefix(i);
    if (whole > kMaxMagnitude / unit) return std::nullopt;
    uint64_t value = whole * unit;
    if (fraction > 0) {
      value += uint64_t(double(fraction) * (double(unit) / scale));
      if (value > kMaxMagnitude) return std::nullopt;
    }
    total += value;
    if (total > kMaxMagnitude) return std::nullopt;
  }
  if (negative && total > 0) {
    return std::chrono::nanoseconds(-static_cast<int64_t>(total - 1) - 1);  // reaches INT64_MIN
  }
  if (total > kMaxMagnitude - 1) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

std::string FormatGoDuration(std::chrono::nanoseconds duration) {
  int64_t ns = duration.count();
  if (ns == 0) return "0s";
  bool negative = ns < 0;
  uint64_t u = negative ? uint64_t(0) - uint64_t(ns) : uint64_t(ns);
  std::string out;
  auto fixed = [](uint64_t value, int digits_after_point, const char* unit) {
    // value in the smallest unit; prints value / 10^digits with trailing zeros trimmed.
    uint64_t divisor = 1;
    for (int i = 0; i < digits_after_point; ++i) divisor *= 10;
    std::string text = std::to_string(value / divisor);
    std::string fraction = std::to_string(value % divisor + divisor).substr(1);
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    if (!fraction.empty()) text += "." + fraction;
    return text + unit;
  };
  if (u < 1'000'000'000) {
    if (u < 1'000) {
      out = std::to_string(u) + "ns";
    } else if (u < 1'000'000) {
      out = fixed(u, 3, "\u00b5s");
    } else {
      out = fixed(u, 6, "ms");
    }
  } else {
    uint64_t hours = u / 3'600'000'000'000;
    uint64_t minutes = u / 60'000'000'000 % 60;
    uint64_t seconds_ns = u % 60'000'000'000;
    if (hours > 0) out += std::to_string(hours) + "h";
    if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
    out += fixed(seconds_ns, 9, "s");
  }
  return negative ? "-" + out : out;
}

}  // namespace flatnet::config
