// The CAs a host trusts (pki.ca) and the certificates it refuses outright (pki.blocklist),
// and the check every peer certificate goes through: Verify.
//
// Verify follows Nebula 1.11.1's order (cert/ca_pool.go), so the first failure reported is
// the same as Nebula's: blocklisted -> issuer known -> same curve as the CA -> CA not expired
// -> certificate not expired -> signature by that CA -> the CA's constraints
// (root_constraints.h) -> the P256 alternate fingerprint not blocklisted. CAs are found by
// the certificate's issuer field, the CA's fingerprint; a pool may hold v1 and v2 CAs of
// either curve, and a certificate of either version may name a CA of either version.
//
// P256 signatures have two valid encodings ((r, s) and (r, n - s)) and each gives another
// fingerprint. Nebula 1.10.3 and later also test the other one against the blocklist, so a
// blocked certificate does not get back in with its signature swapped; so does Verify.
//
// Loading keeps expired CAs (certificates they signed then fail with "root certificate is
// expired") and reports them with ExpiredCas(), because Nebula's callers differ: nebula-cert
// verify refuses a bundle with an expired CA, the daemon warns unless every CA is expired.
//
// Const methods may be called from several threads at once; changes need outside locking.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cert/certificate.h"

namespace flatnet::cert {

class CaPool {
 public:
  // Every certificate in a PEM file of one or more CAs. Fails on the first block that does
  // not parse or is not a self-signed CA ("NAME: certificate is not a CA", "NAME: certificate
  // is not self-signed"), naming its position when the file holds several.
  static Result<CaPool> FromPem(std::string_view pem);

  // Adds a CA: it must be marked as a CA and carry a valid signature by its own key.
  Status AddCa(const Certificate& ca);

  // Fingerprints are hex SHA-256 as Certificate::Fingerprint() gives (any letter case).
  void Blocklist(std::string_view fingerprint);
  void ResetBlocklist() { blocklist_.clear(); }
  // True if the certificate's fingerprint, or for P256 its alternate one, is blocklisted.
  bool IsBlocklisted(const Certificate& cert) const;
  bool IsBlocklisted(std::string_view fingerprint) const;

  // The CA whose fingerprint is cert.issuer, or "could not find ca for the certificate"
  // ("no issuer in certificate" when issuer is empty). The signature is not checked here.
  Result<const Certificate*> GetCaForCert(const Certificate& cert) const;

  // Ok if `cert` may be trusted at unix time `now`; otherwise Nebula's message for the first
  // failing check: "certificate is in the block list", "no issuer in certificate", "could
  // not find ca for the certificate", "certificate curve does not match CA", "root
  // certificate is expired", "certificate is expired", "certificate signature did not
  // match", or a root-constraint message.
  Status Verify(const Certificate& cert, int64_t now) const;

  // CAs that are expired or not yet valid at `now`.
  std::vector<const Certificate*> ExpiredCas(int64_t now) const;
  std::vector<std::string> Fingerprints() const;
  const std::map<std::string, Certificate>& cas() const { return cas_; }
  size_t size() const { return cas_.size(); }

 private:
  std::map<std::string, Certificate> cas_;  // by fingerprint
  std::set<std::string> blocklist_;         // lowercase fingerprints
};

}  // namespace flatnet::cert
