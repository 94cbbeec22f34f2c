// What a CA allows the certificates it signs, as Nebula enforces it both when signing and
// when verifying: a certificate must not outlive its CA nor start before it; when the CA
// lists groups, every group of the certificate must be among them; when the CA lists ips
// (or subnets), every ip (subnet) of the certificate must lie within one of them.
#pragma once

#include "base/status.h"
#include "cert/certificate.h"

namespace flatnet::cert {

// Ok, or the first violation in Nebula's words, e.g. "certificate contained an ip
// assignment outside the limitations of the signing ca: 10.2.0.1/24".
Status CheckRootConstraints(const Certificate& cert, const Certificate& ca);

}  // namespace flatnet::cert
