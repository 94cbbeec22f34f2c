#include "mesh/system_routes.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>


namespace flatnet::mesh {
namespace {

// An address of 4 (IPv4) or 16 (IPv6) bytes; an IPv4-mapped IPv6 address is the IPv4
// address it maps, as Nebula's Unmap makes it. Invalid for any other length.
IpAddr LoadIp(const void* data, size_t length) {
  IpAddr ip = IpAddr::FromBytes(ByteSpan(static_cast<const uint8_t*>(data), length));
  return ip.valid() ? ip.Unmap() : ip;
}

// The gateway among attributes (RTA_GATEWAY first, then RTA_VIA, whose family may differ
// from the route's: `ip route add 10.99.0.0/24 via inet6 fd00::5`), or nullopt.
std::optional<IpAddr> GatewayIn(const rtattr* attr, int len) {
  std::optional<IpAddr> via;
  for (; RTA_OK(attr, len); attr = RTA_NEXT(attr, len)) {
    if (attr->rta_type == RTA_GATEWAY) {
      IpAddr gateway = LoadIp(RTA_DATA(attr), RTA_PAYLOAD(attr));
      if (gateway.valid()) return gateway;
    }
    if (attr->rta_type == RTA_VIA && RTA_PAYLOAD(attr) >= sizeof(rtvia)) {
      const auto* v = static_cast<const rtvia*>(RTA_DATA(attr));
      size_t length = RTA_PAYLOAD(attr) - sizeof(rtvia);
      if ((v->rtvia_family == AF_INET && length == 4) || (v->rtvia_family == AF_INET6 && length == 16))
        via = LoadIp(v->rtvia_addr, length);
    }
  }
  return via;
}

std::string GatewaysText(const std::vector<config::Gateway>& gateways) {
  std::string out;
  for (const config::Gateway& g : gateways) {
    if (!out.empty()) out += ", ";
    out += "{addr: " + g.address.ToString() + ", weight: " + std::to_string(g.weight) + "}";
  }
  return out;
}

}  // namespace

std::optional<RouteUpdate> ParseRouteUpdate(ByteSpan message, int tun_ifindex,
                                            const std::vector<IpPrefix>& overlay_networks) {
  if (message.size() < NLMSG_HDRLEN) return std::nullopt;
  const auto* header = reinterpret_cast<const nlmsghdr*>(message.data());
  if (header->nlmsg_len > message.size() || header->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg)))
    return std::nullopt;
  if (header->nlmsg_type != RTM_NEWROUTE && header->nlmsg_type != RTM_DELROUTE) return std::nullopt;
  const auto* route = static_cast<const rtmsg*>(NLMSG_DATA(header));
  const size_t address_length = route->rtm_family == AF_INET ? 4 : 16;
  if (route->rtm_family != AF_INET && route->rtm_family != AF_INET6) return std::nullopt;
  if (route->rtm_dst_len > address_length * 8) return std::nullopt;
  auto in_overlay = [&](const IpAddr& ip) {
    return std::any_of(overlay_networks.begin(), overlay_networks.end(),
                       [&](const IpPrefix& network) { return network.Contains(ip); });
  };

  RouteUpdate update;
  update.add = header->nlmsg_type == RTM_NEWROUTE;
  bool has_destination = false;
  int oif = 0;
  const rtattr* attrs = RTM_RTA(route);
  int len = int(header->nlmsg_len - NLMSG_LENGTH(sizeof(rtmsg)));
  std::optional<IpAddr> gateway = GatewayIn(attrs, len);
  for (const rtattr* attr = attrs; RTA_OK(attr, len); attr = RTA_NEXT(attr, len)) {
    if (attr->rta_type == RTA_DST && RTA_PAYLOAD(attr) == address_length) {
      // As given, not unmapped: a route's destination keeps its family.
      IpAddr destination =
          IpAddr::FromBytes(ByteSpan(static_cast<const uint8_t*>(RTA_DATA(attr)), address_length));
      update.network = IpPrefix::From(destination, route->rtm_dst_len).Masked();
      has_destination = true;
    } else if (attr->rta_type == RTA_OIF && RTA_PAYLOAD(attr) == 4) {
      std::memcpy(&oif, RTA_DATA(attr), 4);
    } else if (attr->rta_type == RTA_MULTIPATH) {
      int left = int(RTA_PAYLOAD(attr));
      const auto* hop = static_cast<const rtnexthop*>(RTA_DATA(attr));
      while (left >= int(sizeof(rtnexthop)) && hop->rtnh_len >= sizeof(rtnexthop) &&
             int(hop->rtnh_len) <= left) {
        if (hop->rtnh_ifindex == tun_ifindex) {
          auto hop_gateway =
              GatewayIn(RTNH_DATA(hop), int(hop->rtnh_len) - int(RTNH_ALIGN(sizeof(rtnexthop))));
          if (hop_gateway && in_overlay(*hop_gateway))
            update.gateways.push_back({*hop_gateway, hop->rtnh_hops + 1});
        }
        left -= int(RTNH_ALIGN(hop->rtnh_len));
        hop = RTNH_NEXT(hop);
      }
    }
  }
  if (oif == tun_ifindex && gateway && in_overlay(*gateway))
    update.gateways.insert(update.gateways.begin(), {*gateway, 1});
  if (update.gateways.empty() || !has_destination) return std::nullopt;
  return update;
}

SystemRoutes::SystemRoutes(log::Logger logger, std::vector<IpPrefix> overlay_networks)
    : logger_(std::move(logger)),
      overlay_networks_(std::move(overlay_networks)),
      table_(std::make_shared<const Table>()) {}

SystemRoutes::~SystemRoutes() { Stop(); }

Status SystemRoutes::Start(const std::string& tun_device, int buffer_size) {
  int ifindex = int(if_nametoindex(tun_device.c_str()));
  if (ifindex == 0)
    return Status::Error("tun.use_system_route_table: no device " + tun_device + ": " +
                         strerror(errno));
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return Status::Error(std::string("tun.use_system_route_table: netlink socket: ") +
                         strerror(errno));
  if (buffer_size > 0 &&
      setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_size, sizeof(buffer_size)) != 0 &&
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof(buffer_size)) != 0) {
    logger_.Warn("tun.use_system_route_table_buffer_size could not be set",
                 {{"error", std::string(strerror(errno))}});
  }
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    Status error =
        Status::Error(std::string("tun.use_system_route_table: subscribing to route changes: ") +
                      strerror(errno));
    close(fd);
    return error;
  }
  thread_ = std::thread([this, fd, ifindex] { Run(fd, ifindex); });
  return Status::Ok();
}

void SystemRoutes::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void SystemRoutes::Run(int fd, int ifindex) {
  alignas(nlmsghdr) uint8_t buffer[16384];
  while (!stopping_.load()) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 250) <= 0) continue;
    ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
    if (got < 0) {
      if (errno == ENOBUFS)  // the kernel dropped changes: the buffer is too small
        logger_.Error("netlink error", {{"error", std::string(strerror(errno))}});
      continue;
    }
    int len = int(got);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      auto update = ParseRouteUpdate(ByteSpan(reinterpret_cast<const uint8_t*>(h), h->nlmsg_len),
                                     ifindex, overlay_networks_);
      if (update) Apply(*update);
    }
  }
  close(fd);
}

void SystemRoutes::Apply(const RouteUpdate& update) {
  const std::string destination = update.network.ToString();
  const IpPrefix& key = update.network;
  logger_.Info(update.add ? "Adding route" : "Removing route",
               {{"destination", destination}, {"via", GatewaysText(update.gateways)}});
  if (update.add)
    learned_[key] = update.gateways;
  else
    learned_.erase(key);
  auto table = std::make_shared<Table>();
  for (const auto& [network, gateways] : learned_)
    table->push_back({network, GatewaySet(gateways)});
  std::stable_sort(table->begin(), table->end(), [](const Route& a, const Route& b) {
    return a.network.bits() > b.network.bits();
  });
  table_.store(std::move(table));
}

const SystemRoutes::Route* SystemRoutes::Find(const IpAddr& destination,
                                              std::shared_ptr<const void>* hold) const {
  std::shared_ptr<const Table> table = table_.load();
  for (const Route& route : *table) {
    if (route.network.Contains(destination)) {
      *hold = table;
      return &route;
    }
  }
  return nullptr;
}

}  // namespace flatnet::mesh
