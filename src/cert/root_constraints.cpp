#include "cert/root_constraints.h"

#include <algorithm>

namespace flatnet::cert {
namespace {

bool WithinAny(const IpPrefix& net, const std::vector<IpPrefix>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const IpPrefix& ca_net) {
    return ca_net.Contains(net.addr()) && ca_net.bits() <= net.bits();
  });
}

}  // namespace

Status CheckRootConstraints(const Certificate& ca, int64_t not_before, int64_t not_after,
                            const std::vector<std::string>& groups,
                            const std::vector<IpPrefix>& networks,
                            const std::vector<IpPrefix>& unsafe_networks) {
  if (not_after > ca.not_after) {
    return Status::Error("certificate expires after signing certificate");
  }
  if (not_before < ca.not_before) {
    return Status::Error("certificate is valid before the signing certificate");
  }
  if (!ca.groups.empty()) {
    for (const std::string& group : groups) {
      if (!ca.HasGroup(group)) {
        return Status::Error("certificate contained a group not present on the signing ca: " +
                             group);
      }
    }
  }
  if (!ca.networks.empty()) {
    for (const IpPrefix& network : networks) {
      if (!WithinAny(network, ca.networks)) {
        return Status::Error(
            "certificate contained a network assignment outside the limitations of the signing "
            "ca: " +
            network.ToString());
      }
    }
  }
  if (!ca.unsafe_networks.empty()) {
    for (const IpPrefix& network : unsafe_networks) {
      if (!WithinAny(network, ca.unsafe_networks)) {
        return Status::Error(
            "certificate contained an unsafe network assignment outside the limitations of the "
            "signing ca: " +
            network.ToString());
      }
    }
  }
  return Status::Ok();
}

Status CheckRootConstraints(const Certificate& cert, const Certificate& ca) {
  return CheckRootConstraints(ca, cert.not_before, cert.not_after, cert.groups, cert.networks,
                              cert.unsafe_networks);
}

}  // namespace flatnet::cert
