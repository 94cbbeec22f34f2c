// AddressBook: where each peer might be reached on the underlay (Nebula's RemoteList).
//
// Contract: addresses come from three kinds of source and are kept apart by source, so one
// source refreshing its list never erases another's:
//   static    static_host_map, given at start and by a reload
//   reported  by an owner: a lighthouse's HostQueryReply (owner = the lighthouse) or, on a
//             lighthouse, the host's own HostUpdateNotification (owner = the host)
//   relays    overlay IPs through which the peer can be reached (relay.relays)
// Candidates() merges them for a handshake: preferred_ranges first, then the rest, without
// duplicates, at most kMaxCandidates. Every reported address is checked against
// lighthouse.remote_allow_list and refused if it lies in our own overlay network.
// Threads: the control thread owns it and is the only one to call anything but Allowed.
// Allowed reads only what is fixed at construction (the allow list, our network), so the
// outside path's workers call it too, to decide whether a peer may roam to an address.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "net/udp_addr.h"

namespace flatnet::mesh {

class AddressBook {
 public:
  static constexpr size_t kMaxCandidates = 10;  // nebula's MaxRemotes
  // Relays kept per peer and owner: a host announces its relay.relays, which are few; a
  // longer list is cut here (SetRelays says how many it kept).
  static constexpr size_t kMaxRelays = 16;

  // `my_networks`: our overlay networks; an underlay address inside one is never used.
  AddressBook(const config::RemoteAllowList& allow, std::vector<IpPrefix> preferred,
              std::vector<IpPrefix> my_networks);

  void SetStatic(const IpAddr& vpn_ip, std::vector<net::UdpAddr> addresses);
  // A reload dropped vpn_ip from static_host_map.
  void RemoveStatic(const IpAddr& vpn_ip) {
    if (static_.erase(vpn_ip)) ++known_changes_;
  }
  // Replaces what `owner` says about vpn_ip. Returns how many addresses were kept.
  size_t SetReported(const IpAddr& vpn_ip, const IpAddr& owner, const std::vector<net::UdpAddr>& addresses);
  // Replaces what `owner` says vpn_ip's relays are; keeps at most kMaxRelays, returns how
  // many it kept.
  size_t SetRelays(const IpAddr& vpn_ip, const IpAddr& owner, std::vector<IpAddr> relays);

  // Everything known for vpn_ip, with `learned` (the live tunnel's remote, if any) first.
  std::vector<net::UdpAddr> Candidates(const IpAddr& vpn_ip,
                                       const net::UdpAddr* learned = nullptr) const;
  // What a lighthouse reports for vpn_ip: the host's own report (and static entries).
  std::vector<net::UdpAddr> Reported(const IpAddr& vpn_ip) const;
  std::vector<IpAddr> Relays(const IpAddr& vpn_ip) const;
  bool IsStatic(const IpAddr& vpn_ip) const { return static_.count(vpn_ip) > 0; }
  // Every host with an address we could try: a static_host_map entry, or one an owner
  // reported (an empty report, a lighthouse knowing nothing of it, does not count). In no
  // particular order.
  std::vector<IpAddr> Known() const;
  // Bumped by every change that may change Known() (a host's first address, its last one
  // gone, a static entry), never by a report that only refreshes addresses: a lighthouse
  // hears 5,000 of those a second with 50,000 hosts, and Known() costs a pass over all.
  uint64_t known_changes() const { return known_changes_; }
  // Any thread (see above): may vpn_ip be reached at `address`?
  bool Allowed(const IpAddr& vpn_ip, const net::UdpAddr& address) const;

 private:
  bool Preferred(const net::UdpAddr& address) const;

  const config::RemoteAllowList& allow_;
  const std::vector<IpPrefix> preferred_;
  const std::vector<IpPrefix> my_networks_;
  uint64_t known_changes_ = 0;
  std::unordered_map<IpAddr, std::vector<net::UdpAddr>> static_;
  std::unordered_map<IpAddr, std::map<IpAddr, std::vector<net::UdpAddr>>> reported_;
  std::unordered_map<IpAddr, std::map<IpAddr, std::vector<IpAddr>>> relays_;
};

}  // namespace flatnet::mesh
