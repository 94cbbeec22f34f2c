// Internal to src/cert: the two wire versions behind Certificate's methods (certificate.h).
// certificate_v1.cpp holds the protobuf form, certificate_v2.cpp the DER form; each checks
// its version's validate() rules.
#pragma once

#include "base/bytes.h"
#include "base/status.h"
#include "cert/certificate.h"

namespace flatnet::cert::wire {

// v1: RawNebulaCertificateDetails, optionally without PublicKey.
Bytes V1Details(const Certificate& c, bool with_public_key);
// v1: RawNebulaCertificate.
Bytes V1Certificate(const Certificate& c, bool with_public_key);
// v1 bytes; a non-empty `public_key` is the handshake's, and then the bytes must carry none.
Result<Certificate> V1Parse(ByteSpan raw, ByteSpan public_key);
Status V1Validate(const Certificate& c);

// v2: the Details element encoded from the fields.
Bytes V2Details(const Certificate& c);
// v2: raw_details (or V2Details) || curve byte || public key.
Bytes V2SignedBytes(const Certificate& c);
// v2: the Certificate SEQUENCE; for handshakes without curve and public key.
Bytes V2Certificate(const Certificate& c, bool for_handshake);
// v2 bytes; a non-empty `public_key` is the handshake's, and `curve` is the default curve.
Result<Certificate> V2Parse(ByteSpan raw, ByteSpan public_key, Curve curve);
// Sorts networks and unsafe networks (Nebula keeps them sorted) and checks the v2 rules.
Status V2Validate(Certificate* c);

}  // namespace flatnet::cert::wire
