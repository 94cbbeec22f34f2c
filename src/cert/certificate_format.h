// The two ways `nebula-cert print` shows a certificate, reproduced byte for byte so that
// tutorials, scripts and `jq` filters written against Nebula keep working:
//
// CertificateText: Go's NebulaCertificate.String(), a tab-indented block starting
//   "NebulaCertificate {"; times like "2026-11-22 07:38:38 +0000 UTC" in the local zone.
// CertificateJson: one line, keys sorted as Go's encoding/json sorts map keys:
//   {"details":{"groups","ips","isCa","issuer","name","notAfter","notBefore","publicKey",
//   "subnets"},"fingerprint","signature"}; times RFC 3339 in the local zone; strings escaped
//   as Go escapes them (including <, > and & as \u003c, \u003e, \u0026).
#pragma once

#include <cstdint>
#include <string>

#include "cert/certificate.h"

namespace flatnet::cert {

// Without a trailing newline (print adds one per certificate).
std::string CertificateText(const Certificate& cert);
std::string CertificateJson(const Certificate& cert);

// Go's time.Time.String() of a unix time in the local zone: "2006-01-02 15:04:05 -0700 MST".
std::string FormatGoTime(int64_t unix_seconds);
// Go's RFC 3339 form of a unix time in the local zone: "2006-01-02T15:04:05Z" or "...+02:00".
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace flatnet::cert
