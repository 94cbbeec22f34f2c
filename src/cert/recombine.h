// Rebuilding and checking a peer's certificate during the Noise IX handshake.
//
// Nebula sends its certificate without the public key (Certificate::MarshalWithoutPublicKey):
// the key already travels as the handshake's Noise static key. The receiver puts that static
// key back into the certificate and only then verifies it, so a valid signature also proves
// the peer holds the private key behind the static key it used.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/status.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"

namespace flatnet::cert {

// The peer's certificate with `peer_static_public_key` as its public key, if it verifies
// against `pool` at unix time `now`. Errors: "no peer static key was present", "provided
// payload was empty", "error unmarshaling cert: ...", "certificate validation failed: ...".
Result<Certificate> RecombineAndValidate(ByteSpan raw_without_key, ByteSpan peer_static_public_key,
                                         const CaPool& pool, int64_t now);

}  // namespace flatnet::cert
