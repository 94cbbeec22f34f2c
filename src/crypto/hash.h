// SHA-256 and HMAC-SHA-256: certificate fingerprints and the Noise handshake's hash and HKDF.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace flatnet::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(ByteSpan data);
// SHA-256 of two pieces as if concatenated (the Noise MixHash step: h = H(h || data)).
Sha256Digest Sha256(ByteSpan first, ByteSpan second);
Sha256Digest HmacSha256(ByteSpan key, ByteSpan data);

}  // namespace flatnet::crypto
