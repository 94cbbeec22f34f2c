// A Nebula certificate: who a host (or CA) is, which overlay addresses and groups it holds,
// when it is valid, its public key, and the CA's Ed25519 signature over all of that.
//
// The bytes are Nebula v1.6's RawNebulaCertificate protobuf (cert/cert.proto):
//   RawNebulaCertificate        { Details = 1; Signature = 2 }
//   RawNebulaCertificateDetails { Name = 1; Ips = 2; Subnets = 3; Groups = 4; NotBefore = 5;
//                                 NotAfter = 6; PublicKey = 7; IsCA = 8; Issuer = 9 }
// Marshal() writes the same bytes as Go's proto.Marshal (fields in number order, zero values
// left out, repeated uint32 packed), so a parsed certificate re-marshals to the bytes its
// signature and fingerprint were computed over. Bytes a parser does not know (unknown fields,
// unpacked encodings) are therefore dropped, exactly as Nebula drops them.
//
// A Certificate is a plain value; nothing here checks a CA (see ca_pool.h) or the clock
// (callers pass `now` in unix seconds so tests and the daemon control time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "cert/ip_net.h"
#include "crypto/ed25519.h"

namespace flatnet::cert {

inline constexpr std::string_view kCertificateBanner = "NEBULA CERTIFICATE";
// Nebula refuses certificates whose public key is shorter than this.
inline constexpr size_t kPublicKeySize = 32;

struct Certificate {
  std::string name;
  std::vector<Ipv4Net> ips;      // overlay addresses, host part kept: 192.168.100.2/24
  std::vector<Ipv4Net> subnets;  // networks this host routes for (unsafe_routes)
  std::vector<std::string> groups;
  int64_t not_before = 0;  // unix seconds
  int64_t not_after = 0;
  Bytes public_key;  // X25519 for a host, Ed25519 for a CA
  bool is_ca = false;
  std::string issuer;  // hex fingerprint of the signing CA; empty for a self-signed CA
  Bytes signature;     // Ed25519 over MarshalDetails()

  // The signed part (RawNebulaCertificateDetails).
  Bytes MarshalDetails() const;
  // The whole certificate (RawNebulaCertificate): what files and handshakes carry.
  Bytes Marshal() const;
  // Marshal() with Details.PublicKey left out: what Nebula sends in a handshake, where the
  // key travels as the Noise static key instead (see recombine.h).
  Bytes MarshalWithoutPublicKey() const;
  std::string MarshalToPem() const;
  // Lowercase hex SHA-256 of Marshal(): what CA pools, blocklists and logs call a cert by.
  std::string Fingerprint() const;

  // True if `signature` is a valid Ed25519 signature of MarshalDetails() by this key.
  bool CheckSignature(ByteSpan ed25519_public_key) const;
  // True before not_before or after not_after.
  bool Expired(int64_t now) const;
  // Checks the private key belongs to public_key: Ed25519 (64 bytes) for a CA, X25519
  // (32 bytes) for a host. Errors as Nebula's ("public key in cert and private key supplied
  // don't match", "key was not 64 bytes, is invalid ed25519 private key").
  Status VerifyPrivateKey(ByteSpan private_key) const;
  // Fills `signature`. Fails if the key's seed does not derive its stated public half,
  // which would make a signature nobody can verify.
  Status Sign(const crypto::Ed25519PrivateKey& ca_key);

  bool HasGroup(std::string_view group) const;
};

// From protobuf bytes. Errors name what is wrong ("encoded Details was nil", "Public key was
// fewer than 32 bytes; 0", "certificate protobuf is malformed: truncated varint").
Result<Certificate> ParseCertificate(ByteSpan raw);

// A certificate sent in a handshake without its public key, with `public_key` (the peer's
// Noise static key) put in its place, replacing any key the sender did include.
Result<Certificate> ParseCertificateWithPublicKey(ByteSpan raw, ByteSpan public_key);

// The first PEM block of `pem`, which must carry the NEBULA CERTIFICATE banner. *rest (if
// given) is set to the text after that block, so callers can walk a file of several certs.
Result<Certificate> ParseCertificatePem(std::string_view pem, std::string_view* rest = nullptr);

// Every certificate in a file of one or more PEM blocks (a CA bundle, or a print -path file).
// Fails on the first bad block, naming its position when there is more than one.
Result<std::vector<Certificate>> ParseCertificatesPem(std::string_view pem);

}  // namespace flatnet::cert
