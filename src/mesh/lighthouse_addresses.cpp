#include "mesh/lighthouse_addresses.h"

#include "base/bytes.h"

namespace flatnet::mesh {
namespace {
net::UdpAddr FromV4AddrPort(const nebula::V4AddrPort& a) {
  return net::UdpAddr(IpAddr::V4(a.addr()), uint16_t(a.port()));
}

net::UdpAddr FromV6AddrPort(const nebula::V6AddrPort& a) {
  net::UdpAddr::Bytes16 bytes;
  StoreBig64(bytes.data(), a.hi());
  StoreBig64(bytes.data() + 8, a.lo());
  return net::UdpAddr(bytes, uint16_t(a.port()));
}

}  // namespace

std::vector<net::UdpAddr> AddressesOf(const nebula::NebulaMetaDetails& details) {
  std::vector<net::UdpAddr> out;
  for (const auto& a : details.v4addrports()) out.push_back(FromV4AddrPort(a));
  for (const auto& a : details.v6addrports()) out.push_back(FromV6AddrPort(a));
  return out;
}

void AddAddress(nebula::NebulaMetaDetails* details, const net::UdpAddr& address) {
  if (address.is_v4()) {
    auto* a = details->add_v4addrports();
    a->set_addr(address.v4());
    a->set_port(address.port());
  } else {
    auto* a = details->add_v6addrports();
    a->set_hi(LoadBig64(address.bytes().data()));
    a->set_lo(LoadBig64(address.bytes().data() + 8));
    a->set_port(address.port());
  }
}

}  // namespace flatnet::mesh
