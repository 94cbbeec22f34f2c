#include "crypto/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace flatnet::crypto {

void RandomBytes(MutableByteSpan out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), int(out.size())) != 1) {
    std::fputs("fatal: no randomness available from OpenSSL\n", stderr);
    std::abort();
  }
}

uint32_t RandomUint32() {
  uint8_t b[4];
  RandomBytes(b);
  return LoadBig32(b);
}

}  // namespace flatnet::crypto
