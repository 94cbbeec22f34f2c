// FromHex for test vectors: hex digits in either case, with spaces allowed between them
// (so long vectors can be grouped). A malformed vector is a bug in the test: it aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "base/bytes.h"

namespace flatnet {

inline Bytes FromHex(std::string_view hex) {
  auto digit = [&](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    std::fprintf(stderr, "FromHex: '%c' is not a hex digit in a test vector\n", c);
    std::abort();
  };
  Bytes out;
  int high = -1;
  for (char c : hex) {
    if (c == ' ') continue;
    if (high < 0) {
      high = digit(c);
    } else {
      out.push_back(uint8_t(high << 4 | digit(c)));
      high = -1;
    }
  }
  if (high >= 0) {
    std::fprintf(stderr, "FromHex: odd number of digits in a test vector\n");
    std::abort();
  }
  return out;
}

}  // namespace flatnet
