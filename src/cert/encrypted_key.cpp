#include "cert/encrypted_key.h"

#include <algorithm>
#include <string>

#include "cert/protobuf_wire.h"
#include "crypto/aead.h"
#include "crypto/random.h"

namespace flatnet::cert {
namespace {

constexpr size_t kKeySize = 32;  // AES-256

// Each Parse* merges into *out the way proto.Unmarshal does: a later scalar replaces an
// earlier one, a repeated sub-message is merged field by field. Unknown fields, and known
// fields of an unexpected wire type, are skipped.
Status ParseArgon2(ByteSpan bytes, EncryptedKeyData* out) {
  ProtoReader reader(bytes);
  ProtoField f;
  while (!reader.done()) {
    if (Status s = reader.Next(&f); !s.ok()) return s.Wrap("Argon2Parameters");
    if (f.type == WireType::kVarint) {
      if (f.number == 1) out->argon2_version = int32_t(uint32_t(f.varint));
      if (f.number == 2) out->argon2.memory_kib = uint32_t(f.varint);
      if (f.number == 3) out->argon2.iterations = uint32_t(f.varint);
      if (f.number == 4) out->argon2.parallelism = uint32_t(f.varint);
    } else if (f.type == WireType::kLengthDelimited && f.number == 5) {
      out->salt.assign(f.bytes.begin(), f.bytes.end());
    }
  }
  return Status::Ok();
}

Status ParseMetadata(ByteSpan bytes, EncryptedKeyData* out, bool* has_argon2) {
  ProtoReader reader(bytes);
  ProtoField f;
  while (!reader.done()) {
    if (Status s = reader.Next(&f); !s.ok()) return s.Wrap("EncryptionMetadata");
    if (f.type != WireType::kLengthDelimited) continue;
    if (f.number == 1) out->algorithm.assign(f.bytes.begin(), f.bytes.end());
    if (f.number == 2) {
      *has_argon2 = true;
      if (Status s = ParseArgon2(f.bytes, out); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateArgon2Params(const crypto::Argon2idParams& p) {
  // Nebula's own ranges first, in its words.
  if (p.memory_kib == 0)
    return Status::Error("Argon2Parameters Memory must be be greater than 0 and no more than " +
                         std::to_string(UINT32_MAX) + " KiB");
  if (p.parallelism == 0 || p.parallelism > 255)
    return Status::Error(
        "Argon2Parameters Parallelism must be be greater than 0 and no more than 255");
  if (p.iterations == 0)
    return Status::Error("Argon2Parameters Iterations must be be greater than 0 and no more than " +
                         std::to_string(UINT32_MAX));
  if (p.memory_kib > kMaxArgon2MemoryKiB)
    return Status::Error("Argon2 memory of " + std::to_string(p.memory_kib) +
                         " KiB is more than flatnet allows (" +
                         std::to_string(kMaxArgon2MemoryKiB) + " KiB, nebula-cert's default)");
  if (p.memory_kib < 8 * p.parallelism)
    return Status::Error("Argon2 memory of " + std::to_string(p.memory_kib) +
                         " KiB is less than 8 KiB per lane of parallelism " +
                         std::to_string(p.parallelism) + ", which libargon2 cannot derive");
  return Status::Ok();
}

Result<EncryptedKeyData> ParseEncryptedKeyData(ByteSpan body) {
  if (body.empty()) return Status::Error("encrypted private key is empty (nil byte array)");
  EncryptedKeyData data;
  bool has_metadata = false, has_argon2 = false;
  ProtoReader reader(body);
  ProtoField f;
  while (!reader.done()) {
    if (Status s = reader.Next(&f); !s.ok())
      return s.Wrap("encrypted private key is not a valid RawNebulaEncryptedData");
    if (f.type != WireType::kLengthDelimited) continue;
    if (f.number == 1) {
      has_metadata = true;
      if (Status s = ParseMetadata(f.bytes, &data, &has_argon2); !s.ok())
        return s.Wrap("encrypted private key is not a valid RawNebulaEncryptedData");
    }
    if (f.number == 2) data.ciphertext.assign(f.bytes.begin(), f.bytes.end());
  }
  if (!has_metadata) return Status::Error("encoded EncryptionMetadata was nil");
  if (!has_argon2) return Status::Error("encoded Argon2Parameters was nil");
  if (Status s = ValidateArgon2Params(data.argon2); !s.ok()) return s;
  if (data.algorithm != kEncryptionAlgorithm)
    return Status::Error("unsupported encryption algorithm: " + data.algorithm);
  if (data.argon2_version != kArgon2Version)
    return Status::Error("incompatible Argon2 version: " + std::to_string(data.argon2_version));
  if (data.salt.empty()) return Status::Error("salt must be set in argon2Parameters");
  if (data.salt.size() < 16) return Status::Error("salt must be at least 128  bits");
  // A GCM sealing is at least its tag, so anything up to nonce + tag cannot hold a key.
  if (data.ciphertext.size() <= crypto::kAeadNonceSize)
    return Status::Error("invalid ciphertext blob - blob shorter than nonce length");
  return data;
}

Bytes SerializeEncryptedKeyData(const EncryptedKeyData& data) {
  ProtoWriter argon2;
  if (data.argon2_version != 0) argon2.VarintField(1, uint64_t(int64_t(data.argon2_version)));
  if (data.argon2.memory_kib != 0) argon2.VarintField(2, data.argon2.memory_kib);
  if (data.argon2.iterations != 0) argon2.VarintField(3, data.argon2.iterations);
  if (data.argon2.parallelism != 0) argon2.VarintField(4, data.argon2.parallelism);
  if (!data.salt.empty()) argon2.LengthDelimitedField(5, data.salt);
  ProtoWriter metadata;
  if (!data.algorithm.empty()) metadata.LengthDelimitedField(1, std::string_view(data.algorithm));
  metadata.LengthDelimitedField(2, argon2.bytes());
  ProtoWriter out;
  out.LengthDelimitedField(1, metadata.bytes());
  if (!data.ciphertext.empty()) out.LengthDelimitedField(2, data.ciphertext);
  return std::move(out).bytes();
}

namespace {
Result<crypto::AeadKey> DeriveAesKey(const EncryptedKeyData& data, ByteSpan passphrase) {
  auto derived = crypto::Argon2idDeriveKey(passphrase, data.salt, data.argon2, kKeySize);
  if (!derived.ok()) return derived.status();
  crypto::AeadKey key;
  std::copy(derived->begin(), derived->end(), key.begin());
  std::fill(derived->begin(), derived->end(), 0);
  return key;
}
}  // namespace

Result<EncryptedKeyData> EncryptKeyData(ByteSpan raw_key, ByteSpan passphrase,
                                        const crypto::Argon2idParams& params) {
  if (Status s = ValidateArgon2Params(params); !s.ok()) return s;
  EncryptedKeyData data;
  data.algorithm = std::string(kEncryptionAlgorithm);
  data.argon2_version = kArgon2Version;
  data.argon2 = params;
  data.salt.resize(kArgon2SaltSize);
  crypto::RandomBytes(data.salt);
  auto key = DeriveAesKey(data, passphrase);
  if (!key.ok()) return key.status();
  crypto::Aead aead(crypto::CipherKind::kAes256Gcm, *key);
  key->fill(0);
  if (!aead.valid()) return Status::Error("OpenSSL could not set up AES-256-GCM");
  crypto::AeadNonce nonce;
  crypto::RandomBytes(nonce);
  data.ciphertext.resize(nonce.size() + raw_key.size() + crypto::kAeadTagSize);
  std::copy(nonce.begin(), nonce.end(), data.ciphertext.begin());
  long sealed = aead.Seal(nonce, {}, raw_key, data.ciphertext.data() + nonce.size());
  if (sealed != long(raw_key.size() + crypto::kAeadTagSize))
    return Status::Error("AES-256-GCM failed to encrypt the private key");
  return data;
}

Result<Bytes> DecryptKeyData(const EncryptedKeyData& data, ByteSpan passphrase) {
  if (data.ciphertext.size() <= crypto::kAeadNonceSize)
    return Status::Error("invalid ciphertext blob - blob shorter than nonce length");
  auto key = DeriveAesKey(data, passphrase);
  if (!key.ok()) return key.status();
  crypto::Aead aead(crypto::CipherKind::kAes256Gcm, *key);
  key->fill(0);
  if (!aead.valid()) return Status::Error("OpenSSL could not set up AES-256-GCM");
  crypto::AeadNonce nonce;
  std::copy_n(data.ciphertext.begin(), nonce.size(), nonce.begin());
  ByteSpan sealed = ByteSpan(data.ciphertext).subspan(nonce.size());
  if (sealed.size() < crypto::kAeadTagSize)
    return Status::Error("invalid passphrase or corrupt private key");
  Bytes plain(sealed.size());
  long opened = aead.Open(nonce, {}, sealed, plain.data());
  if (opened < 0) return Status::Error("invalid passphrase or corrupt private key");
  plain.resize(size_t(opened));
  return plain;
}

}  // namespace flatnet::cert
