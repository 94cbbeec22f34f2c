#include "mesh/lighthouse_addresses.h"

#include "base/bytes.h"

namespace flatnet::mesh {
namespace {
net::UdpAddr FromIp4AndPort(const nebula::Ip4AndPort& a) {
  return net::UdpAddr(net::Ipv4(a.ip()), uint16_t(a.port()));
}

net::UdpAddr FromIp6AndPort(const nebula::Ip6AndPort& a) {
  net::UdpAddr::Bytes16 bytes;
  StoreBig64(bytes.data(), a.hi());
  StoreBig64(bytes.data() + 8, a.lo());
  return net::UdpAddr(bytes, uint16_t(a.port()));
}

}  // namespace

std::vector<net::UdpAddr> AddressesOf(const nebula::NebulaMetaDetails& details) {
  std::vector<net::UdpAddr> out;
  for (const auto& a : details.ip4andports()) out.push_back(FromIp4AndPort(a));
  for (const auto& a : details.ip6andports()) out.push_back(FromIp6AndPort(a));
  return out;
}

void AddAddress(nebula::NebulaMetaDetails* details, const net::UdpAddr& address) {
  if (address.is_v4()) {
    auto* a = details->add_ip4andports();
    a->set_ip(address.v4().value());
    a->set_port(address.port());
  } else {
    auto* a = details->add_ip6andports();
    a->set_hi(LoadBig64(address.bytes().data()));
    a->set_lo(LoadBig64(address.bytes().data() + 8));
    a->set_port(address.port());
  }
}

}  // namespace flatnet::mesh
