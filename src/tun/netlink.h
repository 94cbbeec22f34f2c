// RouteNetlink: the few rtnetlink requests a TUN device needs (link MTU/queue/up, IPv4 and
// IPv6 addresses, routes of either family with MTU/advmss/metric), so flatnet never shells
// out to `ip`. IPv6 addresses are added without duplicate address detection (IFA_F_NODAD):
// the overlay address is ours by certificate and must be usable at once.
//
// Contract: each call sends one request with NLM_F_ACK and waits for the kernel's answer;
// a refusal comes back as an error carrying the kernel's reason, prefixed with what was
// attempted ("adding route 10.0.0.0/16 dev nebula1: File exists"). Works in the network
// namespace the socket was opened in (the CNI plugin opens one inside a container's namespace
// and keeps using it from the host's). Not thread-safe.
//
// Transact, Query and Dump are the raw exchanges for requests built elsewhere with NetlinkRequest
// (netlink_request.h): Transact waits for the ack; Query also hands each answer before the
// ack to a callback (a get of one link); Dump turns the request into a dump and
// hands every message of the answer to `each` until the kernel's NLMSG_DONE.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "base/ip_prefix.h"

namespace flatnet::tun {

struct RouteSpec {
  IpPrefix destination;  // the network part is used; its family is the route's
  int ifindex = 0;
  int mtu = 0;                   // 0: no MTU metric
  int advmss = 0;                // 0: no advmss metric
  int metric = 0;                // route priority; 0 omits it
  IpAddr preferred_source;       // invalid: none
  IpAddr gateway;                // invalid: on the link itself (no RTA_GATEWAY)
  bool kernel_protocol = false;  // mark as "proto kernel" (the device's own network)
};

class RouteNetlink {
 public:
  static Result<RouteNetlink> Open();
  RouteNetlink(RouteNetlink&& other) noexcept : fd_(other.fd_), seq_(other.seq_) {
    other.fd_ = -1;
  }
  RouteNetlink(const RouteNetlink&) = delete;
  RouteNetlink& operator=(const RouteNetlink&) = delete;
  ~RouteNetlink();

  // mtu / tx_queue_len of 0 leave them unchanged.
  Status SetLink(int ifindex, const std::string& name, int mtu, int tx_queue_len, bool up);
  Status AddAddress(int ifindex, const std::string& name, const IpPrefix& address);
  // Adds, or replaces a route with the same destination and metric.
  Status ReplaceRoute(const RouteSpec& route, const std::string& device_name);
  // Adds a route unless one with the same destination and metric exists (in the main
  // table, through any device): then the kernel refuses it ("File exists") and the
  // existing route stays as it is.
  Status AddRoute(const RouteSpec& route, const std::string& device_name);
  // Deletes the route with the destination, device and metric of `route`.
  Status DeleteRoute(const RouteSpec& route, const std::string& device_name);

  // Sends the request in buf (an nlmsghdr and its payload) and reads the ack; an error
  // names `what` and the kernel's reason.
  Status Transact(void* request, const std::string& what);
  // Sends the request (a get) and calls `each` with every answer before the ack.
  Status Query(void* request, const std::string& what,
               const std::function<void(const nlmsghdr&)>& each);
  // Sends the request as a dump (NLM_F_DUMP) and calls `each` with every answer.
  Status Dump(void* request, const std::string& what,
              const std::function<void(const nlmsghdr&)>& each);
  // The errno of the last refusal the kernel answered with (ENODEV, EEXIST ...), 0 if none:
  // for callers that accept some refusals (a link that is already gone).
  int last_errno() const { return last_errno_; }

 private:
  explicit RouteNetlink(int fd) : fd_(fd) {}
  Status Exchange(nlmsghdr* request, const std::string& what,
                  const std::function<void(const nlmsghdr&)>* each);
  // RTM_NEWROUTE with `flags` (NLM_F_CREATE | NLM_F_REPLACE or NLM_F_EXCL).
  Status NewRoute(const RouteSpec& route, const std::string& device_name, int flags);

  int fd_ = -1;
  uint32_t seq_ = 0;
  int last_errno_ = 0;
};

}  // namespace flatnet::tun
