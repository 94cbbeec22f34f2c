#include "noise/hkdf.h"

#include <algorithm>
#include <array>

namespace flatnet::noise {

HkdfOutputs NoiseHkdf(ByteSpan chaining_key, ByteSpan input_key_material) {
  const crypto::Sha256Digest temp_key = crypto::HmacSha256(chaining_key, input_key_material);
  HkdfOutputs out;
  const uint8_t one = 0x01;
  out.first = crypto::HmacSha256(temp_key, ByteSpan(&one, 1));
  std::array<uint8_t, 33> first_then_two;
  std::copy(out.first.begin(), out.first.end(), first_then_two.begin());
  first_then_two[32] = 0x02;
  out.second = crypto::HmacSha256(temp_key, first_then_two);
  return out;
}

}  // namespace flatnet::noise
