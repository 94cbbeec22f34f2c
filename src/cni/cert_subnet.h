// Which subnet a host may hand its containers: one inside an unsafe network of its flatnet
// certificate (v1 "subnets", v2 "unsafeNetworks"), since those are the networks its peers
// route to it and accept from it. An address outside them would be refused by every peer.
//
// Contract: CertUnsafeNetworks reads every certificate in the file (a host migrating from
// v1 to v2 keeps both in one file) and returns their IPv4 unsafe networks, in file order.
// ChooseSubnet returns the configured subnet if one of those networks holds it whole, or,
// with none configured, the first of them. Errors are kInvalidNetworkConfig naming the
// "subnet" field and the certificate file (kIoFailure when the file cannot be read).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "cni/cni_error.h"

namespace flatnet::cni {

CniResult<std::vector<IpPrefix>> CertUnsafeNetworks(const std::string& cert_path);

CniResult<IpPrefix> ChooseSubnet(const std::optional<IpPrefix>& configured,
                                 const std::vector<IpPrefix>& unsafe_networks,
                                 const std::string& cert_path);

}  // namespace flatnet::cni
