#include "net/resolve.h"

#include <netdb.h>

#include <algorithm>

namespace flatnet::net {

Result<std::vector<UdpAddr>> Resolve(const std::string& host, uint16_t port) {
  if (host.empty()) return Status::Error("cannot resolve an empty host name");
  if (auto literal = UdpAddr::ParseIp(host, port); literal.ok()) {
    return std::vector<UdpAddr>{*literal};
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* list = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    return Status::Error("resolving \"" + host + "\": " + gai_strerror(rc));
  }
  std::vector<UdpAddr> out;
  for (addrinfo* ai = list; ai; ai = ai->ai_next) {
    auto addr = UdpAddr::FromSockaddr(ai->ai_addr, ai->ai_addrlen);
    if (!addr) continue;
    addr->set_port(port);
    if (std::find(out.begin(), out.end(), *addr) == out.end()) out.push_back(*addr);
  }
  freeaddrinfo(list);
  if (out.empty()) return Status::Error("resolving \"" + host + "\": no IPv4 or IPv6 address");
  return out;
}

}  // namespace flatnet::net
