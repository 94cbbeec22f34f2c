#include "cni/cert_subnet.h"

#include <errno.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "cert/certificate.h"

namespace flatnet::cni {
namespace {

std::string Listed(const std::vector<IpPrefix>& networks) {
  std::string text;
  for (const IpPrefix& network : networks) {
    if (!text.empty()) text += ", ";
    text += network.ToString();
  }
  return text;
}

}  // namespace

CniResult<std::vector<IpPrefix>> CertUnsafeNetworks(const std::string& cert_path) {
  std::ifstream in(cert_path, std::ios::binary);
  if (!in)
    return Fail(ErrorCode::kIoFailure, "flatnet-cni: reading \"cert\" " + cert_path + ": " +
                                           std::strerror(errno));
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto certs = cert::ParseCertificatesPem(pem);
  if (!certs.ok())
    return Fail(ErrorCode::kInvalidNetworkConfig, "flatnet-cni config: \"cert\" " + cert_path +
                                                      ": " + certs.status().message());
  std::vector<IpPrefix> networks;
  for (const cert::Certificate& c : certs.value()) {
    for (const IpPrefix& network : c.unsafe_networks) {
      IpPrefix masked = network.Masked();
      if (!masked.is_v4()) continue;
      bool seen = false;
      for (const IpPrefix& have : networks) seen = seen || have == masked;
      if (!seen) networks.push_back(masked);
    }
  }
  return networks;
}

CniResult<IpPrefix> ChooseSubnet(const std::optional<IpPrefix>& configured,
                                 const std::vector<IpPrefix>& unsafe_networks,
                                 const std::string& cert_path) {
  if (!configured) {
    if (unsafe_networks.empty())
      return Fail(ErrorCode::kInvalidNetworkConfig,
                  "flatnet-cni config: \"cert\" " + cert_path +
                      " has no IPv4 unsafe network (nebula-cert sign -subnets / "
                      "-unsafe-networks) to give containers addresses from, and no \"subnet\" "
                      "is set");
    if (unsafe_networks.front().bits() > 30)
      return Fail(ErrorCode::kInvalidNetworkConfig,
                  "flatnet-cni config: the first unsafe network of \"cert\" " + cert_path +
                      ", " + unsafe_networks.front().ToString() +
                      ", is smaller than a /30: set \"subnet\" to a larger one");
    return unsafe_networks.front();
  }
  for (const IpPrefix& network : unsafe_networks) {
    if (network.bits() <= configured->bits() && network.Contains(configured->addr()))
      return *configured;
  }
  return Fail(ErrorCode::kInvalidNetworkConfig,
              "flatnet-cni config: \"subnet\" " + configured->ToString() +
                  " is not inside an unsafe network of \"cert\" " + cert_path +
                  (unsafe_networks.empty() ? std::string(" (it has none)")
                                           : " (it has " + Listed(unsafe_networks) + ")") +
                  ": a host may only hand out addresses its certificate lets it route");
}

}  // namespace flatnet::cni
