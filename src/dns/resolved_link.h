// ResolvedLink: tells systemd-resolved (org.freedesktop.resolve1 on the system bus) that
// the names under a domain are answered by a DNS server on one link — split DNS — and
// takes that back. A member's resolver (names.*, mesh/member_names.h) registers on its tun.
//
// Contract:
//  - Register first asks the bus whether anyone owns org.freedesktop.resolve1, so it never
//    starts resolved by bus activation. No system bus (DBUS_SYSTEM_BUS_ADDRESS, else the
//    standard socket), or no owner: kAbsent and `why` says which; nothing was changed.
//    Otherwise, on link `ifindex`: SetLinkDNS with `server` (SetLinkDNSEx when its port is
//    not 53), SetLinkDomains with `domain` as a routing-only domain ("~domain": only names
//    under it are sent there), SetLinkDefaultRoute false (no other name is) and
//    SetLinkDNSSEC "no" (the overlay's names are not signed). A call resolved refuses is an
//    error naming the call and resolved's message; the link is reverted first. Each call
//    waits at most 2 s.
//  - Revert sends RevertLink once after a successful Register (on a connection of its own,
//    so a bus restarted meanwhile does not matter); errors come back for the caller to log.
//    The destructor reverts too, ignoring errors.
//  - Needs the privileges resolved asks of link changes (root, or polkit's consent).
#pragma once

#include <string>

#include "base/status.h"
#include "net/udp_addr.h"

namespace flatnet::dns {

enum class ResolvedState { kRegistered, kAbsent };

class ResolvedLink {
 public:
  ResolvedLink() = default;
  ~ResolvedLink();
  ResolvedLink(const ResolvedLink&) = delete;
  ResolvedLink& operator=(const ResolvedLink&) = delete;

  Result<ResolvedState> Register(int ifindex, const net::UdpAddr& server,
                                 const std::string& domain, std::string* why);
  Status Revert();
  bool registered() const { return ifindex_ != 0; }

 private:
  int ifindex_ = 0;  // set while registered
};

}  // namespace flatnet::dns
