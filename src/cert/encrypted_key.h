// The body of Nebula's passphrase-encrypted CA key files ("NEBULA ED25519 ENCRYPTED PRIVATE
// KEY", "NEBULA ECDSA P256 ENCRYPTED PRIVATE KEY"): the protobuf RawNebulaEncryptedData of
// Nebula's cert_v1.proto,
//
//   RawNebulaEncryptedData    { 1: RawNebulaEncryptionMetadata EncryptionMetadata; 2: bytes
//   Ciphertext } RawNebulaEncryptionMetadata { 1: string EncryptionAlgorithm ("AES-256-GCM");
//                                 2: RawNebulaArgon2Parameters Argon2Parameters }
//   RawNebulaArgon2Parameters { 1: int32 version (0x13); 2: uint32 memory (KiB);
//                               3: uint32 iterations; 4: uint32 parallelism; 5: bytes salt }
//
// The AES-256 key is Argon2id(passphrase, salt, iterations, memory, parallelism), 32 bytes;
// Ciphertext is a 12-byte random nonce followed by AES-256-GCM(key, nonce, raw key, no AD).
//
// Parsing checks everything Nebula checks before the passphrase is needed (so a bad file is
// reported before a prompt) plus flatnet's memory bound, kMaxArgon2MemoryKiB.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/argon2.h"

namespace flatnet::cert {

inline constexpr std::string_view kEncryptionAlgorithm = "AES-256-GCM";
inline constexpr int32_t kArgon2Version = 0x13;
inline constexpr size_t kArgon2SaltSize = 32;  // what Nebula writes; it accepts >= 16

// nebula-cert ca's defaults on 64-bit hosts (-argon-memory, -argon-iterations,
// -argon-parallelism).
inline constexpr crypto::Argon2idParams kNebulaDefaultArgon2{
    .memory_kib = 2 * 1024 * 1024, .iterations = 1, .parallelism = 4};

// The most Argon2 memory a key file may ask for: 2 GiB, nebula-cert ca's own default, so every
// file nebula-cert writes without -argon-memory decrypts, while a hostile or corrupt file (the
// field allows 4 TiB) cannot make us allocate more than the user already accepts by using the
// default.
inline constexpr uint32_t kMaxArgon2MemoryKiB = 2 * 1024 * 1024;

struct EncryptedKeyData {
  std::string algorithm;
  int32_t argon2_version = 0;
  crypto::Argon2idParams argon2;
  Bytes salt;
  Bytes ciphertext;  // nonce || AES-256-GCM sealed key
};

// Parses and validates a PEM body. Errors say which field is wrong.
Result<EncryptedKeyData> ParseEncryptedKeyData(ByteSpan body);
// Go's proto.Marshal bytes for the same message (fields in number order, zero values omitted).
Bytes SerializeEncryptedKeyData(const EncryptedKeyData& data);

// Encrypts a raw key under a passphrase with a fresh salt and nonce. Refuses parameters that
// ParseEncryptedKeyData would refuse, so what we write we can read.
Result<EncryptedKeyData> EncryptKeyData(ByteSpan raw_key, ByteSpan passphrase,
                                        const crypto::Argon2idParams& params);
// The raw key, or Nebula's "invalid passphrase or corrupt private key" when the GCM tag does
// not verify (a wrong passphrase and a damaged file are indistinguishable by design).
Result<Bytes> DecryptKeyData(const EncryptedKeyData& data, ByteSpan passphrase);

// The checks ParseEncryptedKeyData applies, for a caller validating -argon-* flags.
Status ValidateArgon2Params(const crypto::Argon2idParams& params);

}  // namespace flatnet::cert
