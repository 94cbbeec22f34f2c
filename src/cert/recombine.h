// Rebuilding and checking a peer's certificate during the Noise IX handshake.
//
// Nebula sends its certificate without the public key (Certificate::MarshalForHandshakes):
// the key already travels as the handshake's Noise static key, and for v2 the curve is the
// handshake's. The receiver puts that static key back into the certificate and only then
// verifies it, so a valid signature also proves the peer holds the private key behind the
// static key it used.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/status.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"

namespace flatnet::cert {

// Nebula's cert.Recombine: the certificate of `version` in `raw` with `public_key` as its key,
// whose curve must be `curve`. Errors: "no peer static key was present", "provided payload
// was empty", "certificate has unexpected pubkey present", "certificate curve P256 does not
// match expected CURVE25519", or the version's parse error.
Result<Certificate> Recombine(Version version, ByteSpan raw, ByteSpan public_key, Curve curve);

// Recombine, then pool.Verify at unix time `now`. Errors: "no peer static key was present",
// "provided payload was empty", "error unmarshaling cert: ...", "certificate validation
// failed: ...".
Result<Certificate> RecombineAndVerify(Version version, ByteSpan raw, ByteSpan public_key,
                                       Curve curve, const CaPool& pool, int64_t now);

}  // namespace flatnet::cert
