#include "noise/symmetric_state.h"

#include <algorithm>

#include "noise/hkdf.h"

namespace flatnet::noise {

SymmetricState::SymmetricState(std::string_view protocol_name, crypto::CipherKind kind)
    : cipher_(kind) {
  if (protocol_name.size() <= h_.size()) {
    std::copy(protocol_name.begin(), protocol_name.end(), h_.begin());
  } else {
    h_ = crypto::Sha256(
        ByteSpan(reinterpret_cast<const uint8_t*>(protocol_name.data()), protocol_name.size()));
  }
  ck_ = h_;
}

void SymmetricState::MixHash(ByteSpan data) { h_ = crypto::Sha256(h_, data); }

void SymmetricState::MixKey(ByteSpan input_key_material) {
  HkdfOutputs out = NoiseHkdf(ck_, input_key_material);
  ck_ = out.first;
  // SHA-256 outputs are exactly the 32 bytes an AEAD key needs, so no truncation applies.
  cipher_.InitializeKey(out.second);
}

Status SymmetricState::EncryptAndHash(ByteSpan plaintext, Bytes& out) {
  const size_t start = out.size();
  Status status = cipher_.EncryptWithAd(h_, plaintext, out);
  if (!status.ok()) return status;
  MixHash(ByteSpan(out).subspan(start));
  return Status::Ok();
}

Status SymmetricState::DecryptAndHash(ByteSpan ciphertext, Bytes& out) {
  Status status = cipher_.DecryptWithAd(h_, ciphertext, out);
  if (!status.ok()) return status;
  MixHash(ciphertext);
  return Status::Ok();
}

SplitKeys SymmetricState::Split() const {
  HkdfOutputs out = NoiseHkdf(ck_, ByteSpan());
  return SplitKeys{out.first, out.second};
}

}  // namespace flatnet::noise
