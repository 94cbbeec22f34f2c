// The two ways `nebula-cert print` (1.11.1) shows a certificate, reproduced byte for byte so
// that tutorials, scripts and `jq` filters written against Nebula keep working. Both are Go's
// encoding/json of Nebula's marshalJSON map, keys sorted:
//   v1: {"details":{"curve","groups","isCa","issuer","name","networks","notAfter","notBefore",
//        "publicKey","unsafeNetworks"},"fingerprint","signature","version":1}
//   v2: {"curve","details":{"groups","isCa","issuer","name","networks","notAfter","notBefore",
//        "unsafeNetworks"},"fingerprint","publicKey","signature","version":2}
// v1 always prints lists ([]), v2 prints null for an absent list. Times are RFC 3339 in the
// local zone; strings are escaped as Go escapes them (including <, > and & as \u003c ...).
//
// CertificateText: Go's json.MarshalIndent(v, "", "\t") of that map (Certificate.String()).
// CertificateJson: the compact form of one certificate; `print -json` writes
//   CertificatesJson: a JSON array of every certificate in the file, on one line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cert/certificate.h"

namespace flatnet::cert {

// Without a trailing newline (print adds one).
std::string CertificateText(const Certificate& cert);
std::string CertificateJson(const Certificate& cert);
std::string CertificatesJson(const std::vector<Certificate>& certs);

// Go's time.Time.String() of a unix time in the local zone: "2006-01-02 15:04:05 -0700 MST".
std::string FormatGoTime(int64_t unix_seconds);
// Go's RFC 3339 form of a unix time in the local zone: "2006-01-02T15:04:05Z" or "...+02:00".
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace flatnet::cert
