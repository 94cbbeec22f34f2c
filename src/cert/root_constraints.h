// What a CA allows the certificates it signs, as Nebula 1.11.1 enforces it both when signing
// and when verifying (cert/ca_pool.go, checkCAConstraints): a certificate must not outlive its
// CA nor start before it; when the CA lists groups, every group of the certificate must be
// among them; when the CA lists networks (or unsafe networks), every network (unsafe network)
// of the certificate must lie within one of them: same family, contained, and no shorter a
// prefix. So a CA listing only IPv4 networks allows no IPv6 network, and a CA listing none
// allows any.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "base/status.h"
#include "cert/certificate.h"

namespace flatnet::cert {

// Ok, or the first violation in Nebula's words, e.g. "certificate contained a network
// assignment outside the limitations of the signing ca: 10.2.0.1/24".
Status CheckRootConstraints(const Certificate& cert, const Certificate& ca);

// The same checks for a certificate not built yet (flatnet-cert sign checks before signing).
Status CheckRootConstraints(const Certificate& ca, int64_t not_before, int64_t not_after,
                            const std::vector<std::string>& groups,
                            const std::vector<IpPrefix>& networks,
                            const std::vector<IpPrefix>& unsafe_networks);

}  // namespace flatnet::cert
