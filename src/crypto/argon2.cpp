#include "crypto/argon2.h"

#include <argon2.h>

#include <string>

namespace flatnet::crypto {

Result<Bytes> Argon2idDeriveKey(ByteSpan passphrase, ByteSpan salt, const Argon2idParams& params,
                                size_t key_size) {
  if (params.iterations < ARGON2_MIN_TIME) return Status::Error("Argon2 iterations must be >= 1");
  if (params.parallelism < ARGON2_MIN_LANES || params.parallelism > ARGON2_MAX_LANES)
    return Status::Error("Argon2 parallelism must be between 1 and " +
                         std::to_string(ARGON2_MAX_LANES));
  if (uint64_t(params.memory_kib) < 8ull * params.parallelism)
    return Status::Error("Argon2 memory (" + std::to_string(params.memory_kib) +
                         " KiB) must be at least 8 KiB per lane (" +
                         std::to_string(8ull * params.parallelism) + " KiB)");
  if (salt.size() < ARGON2_MIN_SALT_LENGTH)
    return Status::Error("Argon2 salt must be at least 8 bytes");
  if (key_size < ARGON2_MIN_OUTLEN) return Status::Error("Argon2 key size must be >= 4 bytes");
  Bytes key(key_size);
  int rc =
      argon2id_hash_raw(params.iterations, params.memory_kib, params.parallelism, passphrase.data(),
                        passphrase.size(), salt.data(), salt.size(), key.data(), key.size());
  if (rc != ARGON2_OK)
    return Status::Error(std::string("Argon2id failed: ") + argon2_error_message(rc));
  return key;
}

}  // namespace flatnet::crypto
