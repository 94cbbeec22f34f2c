// UTF-8 validity as Go's utf8.Valid defines it (no overlong forms, no surrogates, nothing
// above U+10FFFF). Nebula's protobuf library refuses certificate names and groups that fail
// it, on both marshal and unmarshal, so flatnet does too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flatnet::cert {

// Length of the valid UTF-8 sequence starting at text[0], or 0 if it is not valid.
inline size_t Utf8SequenceLength(std::string_view text) {
  if (text.empty()) return 0;
  auto at = [&](size_t i) { return i < text.size() ? uint8_t(text[i]) : uint8_t(0); };
  auto continuation = [&](size_t i, uint8_t low = 0x80, uint8_t high = 0xBF) {
    return at(i) >= low && at(i) <= high;
  };
  uint8_t b = at(0);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return continuation(1) ? 2 : 0;
  if (b == 0xE0) return continuation(1, 0xA0) && continuation(2) ? 3 : 0;
  if (b == 0xED) return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;  // no surrogates
  if (b >= 0xE1 && b <= 0xEF) return continuation(1) && continuation(2) ? 3 : 0;
  if (b == 0xF0) return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  if (b >= 0xF1 && b <= 0xF3) return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  if (b == 0xF4) return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0;
  return 0;
}

inline bool IsValidUtf8(std::string_view text) {
  while (!text.empty()) {
    size_t length = Utf8SequenceLength(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

}  // namespace flatnet::cert
