// Argon2id (RFC 9106, version 0x13) through Debian's libargon2: the key derivation Nebula
// uses for passphrase-encrypted CA keys (golang.org/x/crypto/argon2.IDKey).
//
// No limits of its own beyond libargon2's: a caller deriving from parameters found in a file
// must bound them first (cert/encrypted_key.h does), because memory_kib is allocated as is.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/status.h"

namespace flatnet::crypto {

struct Argon2idParams {
  uint32_t memory_kib = 0;   // m: KiB of working memory
  uint32_t iterations = 0;   // t: passes over the memory
  uint32_t parallelism = 0;  // p: lanes (and threads)
};

// key_size bytes of Argon2id(passphrase, salt). Errors name the bad parameter, including
// memory below 8 KiB per lane, which libargon2 refuses (Go's IDKey silently raises it).
Result<Bytes> Argon2idDeriveKey(ByteSpan passphrase, ByteSpan salt, const Argon2idParams& params,
                                size_t key_size);

}  // namespace flatnet::crypto
