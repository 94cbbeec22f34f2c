// A Nebula certificate (Nebula 1.11.1's model): who a host or CA is, which overlay networks
// and groups it holds, when it is valid, its public key, and its CA's signature.
//
// Two wire versions, both read and written byte for byte as Nebula does:
// - Version 1, PEM "NEBULA CERTIFICATE": protobuf (cert/cert_v1.proto)
//     RawNebulaCertificate        { Details = 1; Signature = 2 }
//     RawNebulaCertificateDetails { Name = 1; Ips = 2; Subnets = 3; Groups = 4; NotBefore = 5;
//                                   NotAfter = 6; PublicKey = 7; IsCA = 8; Issuer = 9;
//                                   curve = 100 }
//   Networks travel as (ip, mask) uint32 pairs; a parsed pair becomes a prefix whose length is
//   the mask's (a mask whose bits are not contiguous becomes /0, as Go's IPMask.Size() makes
//   it). Marshal writes Go's proto.Marshal bytes (fields in number order, zero values left
//   out, repeated uint32 packed); the signature covers the marshaled Details and the
//   fingerprint is SHA-256 of the marshaled certificate, both recomputed from the fields.
// - Version 2, PEM "NEBULA CERTIFICATE V2": ASN.1 DER (cert/cert_v2.asn1), see
//   certificate_v2.cpp. The signature covers raw_details || curve byte || public key and the
//   fingerprint is SHA-256 of raw_details || curve byte || public key || signature, where
//   raw_details is the Details element exactly as it was signed (kept from parsing, so
//   fields Nebula adds later still verify).
//
// A Certificate is a plain value: nothing here checks a CA (ca_pool.h) or reads the clock
// (callers pass `now` in unix seconds). After changing fields of a parsed certificate, call
// Sign() again: it re-encodes (and, for v2, refreshes raw_details).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/ip_prefix.h"
#include "base/status.h"
#include "cert/curve.h"

namespace flatnet::cert {

inline constexpr std::string_view kCertificateBanner = "NEBULA CERTIFICATE";
inline constexpr std::string_view kCertificateV2Banner = "NEBULA CERTIFICATE V2";
// v2 limits (cert_v2.go).
inline constexpr size_t kMaxCertificateSize = 65536;
inline constexpr size_t kMaxNameLength = 253;

enum class Version : uint8_t { kV1 = 1, kV2 = 2 };
// Curve and CurveName come from cert/curve.h (shared with the key files).

struct Certificate {
  Version version = Version::kV1;
  Curve curve = Curve::kCurve25519;
  std::string name;
  std::vector<IpPrefix> networks;         // overlay addresses, host part kept: 10.1.2.3/16
  std::vector<IpPrefix> unsafe_networks;  // networks this host routes for (unsafe_routes)
  std::vector<std::string> groups;
  bool is_ca = false;
  int64_t not_before = 0;  // unix seconds
  int64_t not_after = 0;
  std::string issuer;  // hex fingerprint of the signing CA; empty for a CA
  // A host's key-agreement key (X25519 32 bytes, P256 65 bytes uncompressed) or a CA's
  // signing key (Ed25519 32 bytes, ECDSA P256 65 bytes).
  Bytes public_key;
  // Ed25519 (64 bytes) or ECDSA P256 over SHA-256 (ASN.1 DER) of MarshalForSigning().
  Bytes signature;
  // v2 only: the Details element as signed. Set by parsing and by Sign(); when empty,
  // MarshalForSigning/Marshal encode the details from the fields.
  Bytes raw_details;

  // What the signature covers.
  Bytes MarshalForSigning() const;
  // The whole certificate: what files carry.
  Bytes Marshal() const;
  // Without the public key (and for v2 without the curve): what a handshake carries, the key
  // travelling as the Noise static key instead (see Recombine in recombine.h).
  Bytes MarshalForHandshakes() const;
  // PEM with the banner of its version.
  std::string MarshalToPem() const;
  // Lowercase hex SHA-256 (see the top of this file for what is hashed per version).
  std::string Fingerprint() const;
  // P256 only: the fingerprint of the same certificate carrying its signature's other valid
  // encoding (s -> n - s). Empty for Curve25519 or a signature that cannot be swapped.
  std::string AlternateFingerprint() const;

  // True if `signature` verifies under `ca_public_key` with this certificate's curve.
  bool CheckSignature(ByteSpan ca_public_key) const;
  // True before not_before or after not_after.
  bool Expired(int64_t now) const;
  // Checks `private_key` (of curve `key_curve`) belongs to public_key: Ed25519 (64 bytes, Go's
  // seed || public layout) or P256 scalar (32 bytes) for a CA, X25519 or P256 scalar (32
  // bytes) for a host. Errors are Nebula's, which differ between v1 ("public key in cert and
  // private key supplied don't match") and v2 ("public key and private key are not a pair").
  Status VerifyPrivateKey(Curve key_curve, ByteSpan private_key) const;
  // Nebula's validate(): the checks every parsed or signed certificate passes (public key
  // present, networks of the version's families, no zero address, v2's unsafe-network family
  // rule ...). For v2 it also sorts networks and unsafe networks and refuses duplicates,
  // as Nebula does before signing.
  Status Validate();
  // Validates, then signs with the CA's private key of `key_curve` (which must equal
  // `curve`): Ed25519 64 bytes or a P256 32-byte scalar. P256 signatures are made low-s, as
  // Nebula 1.10.3 and later make them. Sets raw_details for v2. The caller sets issuer.
  Status Sign(Curve key_curve, ByteSpan ca_private_key);

  bool HasGroup(std::string_view group) const;
  // The first IPv4 network, or nullptr: the overlay address a v1-era host uses.
  const IpPrefix* FirstV4Network() const;
};

// Version 1 protobuf bytes. Errors name what is wrong ("encoded Details was nil",
// "invalid public key", "certificate protobuf is malformed: truncated varint").
Result<Certificate> ParseCertificateV1(ByteSpan raw);
// Version 2 DER bytes. Errors start with Nebula's "bad wire format" and say where, or are
// validate()'s ("non-CA certificate must contain at least 1 network").
Result<Certificate> ParseCertificateV2(ByteSpan raw);
Result<Certificate> ParseCertificate(Version version, ByteSpan raw);

// The first PEM block of `pem`, which must carry one of the two certificate banners. *rest
// (if given) is set to the text after that block, so callers can walk a file of several.
Result<Certificate> ParseCertificatePem(std::string_view pem, std::string_view* rest = nullptr);

// Every certificate in a file of one or more PEM blocks (a CA bundle, a host's v1 and v2
// certificates). Fails on the first bad block, naming its position when there are several.
Result<std::vector<Certificate>> ParseCertificatesPem(std::string_view pem);

// The certificate `raw` (in the version's wire form) with `public_key` taken as its public key.
// The bytes must not carry a public key themselves ("certificate has unexpected pubkey
// present"). For v2 a missing curve field means `curve`. Used by Recombine (recombine.h).
Result<Certificate> ParseCertificateWithPublicKey(Version version, ByteSpan raw,
                                                  ByteSpan public_key, Curve curve);

}  // namespace flatnet::cert
