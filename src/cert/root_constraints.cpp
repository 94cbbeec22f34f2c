#include "cert/root_constraints.h"

#include <algorithm>

namespace flatnet::cert {
namespace {

bool WithinAny(const Ipv4Net& net, const std::vector<Ipv4Net>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const Ipv4Net& ca_net) { return NetWithin(net, ca_net); });
}

}  // namespace

Status CheckRootConstraints(const Certificate& cert, const Certificate& ca) {
  if (ca.not_after < cert.not_after) {
    return Status::Error("certificate expires after signing certificate");
  }
  if (ca.not_before > cert.not_before) {
    return Status::Error("certificate is valid before the signing certificate");
  }
  if (!ca.groups.empty()) {
    for (const std::string& group : cert.groups) {
      if (!ca.HasGroup(group)) {
        return Status::Error("certificate contained a group not present on the signing ca: " +
                             group);
      }
    }
  }
  if (!ca.ips.empty()) {
    for (const Ipv4Net& ip : cert.ips) {
      if (!WithinAny(ip, ca.ips)) {
        return Status::Error(
            "certificate contained an ip assignment outside the limitations of the signing ca: " +
            ip.ToString());
      }
    }
  }
  if (!ca.subnets.empty()) {
    for (const Ipv4Net& subnet : cert.subnets) {
      if (!WithinAny(subnet, ca.subnets)) {
        return Status::Error(
            "certificate contained a subnet assignment outside the limitations of the signing "
            "ca: " +
            subnet.ToString());
      }
    }
  }
  return Status::Ok();
}

}  // namespace flatnet::cert
