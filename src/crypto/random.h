// Cryptographically secure random bytes (OpenSSL's DRBG).
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace flatnet::crypto {

// Fills out; aborts the process if the system cannot supply randomness, because every
// caller (keys, indexes) would otherwise be silently weak.
void RandomBytes(MutableByteSpan out);
uint32_t RandomUint32();

}  // namespace flatnet::crypto
