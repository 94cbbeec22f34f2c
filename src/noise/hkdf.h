// HKDF exactly as the Noise spec (revision 34, section 4.3) defines it, over HMAC-SHA-256:
//
//   temp_key = HMAC(chaining_key, input_key_material)
//   output1  = HMAC(temp_key, 0x01)
//   output2  = HMAC(temp_key, output1 || 0x02)
//
// This is RFC 5869 with an empty info and the chaining key as salt, truncated to the two
// outputs that MixKey and Split need (the third output exists only for PSK modes, which
// Nebula does not use).
#pragma once

#include "base/bytes.h"
#include "crypto/hash.h"

namespace flatnet::noise {

struct HkdfOutputs {
  crypto::Sha256Digest first;
  crypto::Sha256Digest second;
};

HkdfOutputs NoiseHkdf(ByteSpan chaining_key, ByteSpan input_key_material);

}  // namespace flatnet::noise
