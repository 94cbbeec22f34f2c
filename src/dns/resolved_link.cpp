#include "dns/resolved_link.h"

#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace flatnet::dns {
namespace {

constexpr const char* kResolve = "org.freedesktop.resolve1";
constexpr const char* kResolvePath = "/org/freedesktop/resolve1";
constexpr const char* kResolveManager = "org.freedesktop.resolve1.Manager";
constexpr uint64_t kCallTimeoutUs = 2'000'000;

struct BusCloser {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
using Bus = std::unique_ptr<sd_bus, BusCloser>;

struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;

// An sd_bus_error that frees itself.
struct BusError {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  ~BusError() { sd_bus_error_free(&error); }
  std::string Text(int r) const {
    if (error.message) return error.message;
    return strerror(-r);
  }
};

Result<Bus> OpenSystemBus() {
  sd_bus* bus = nullptr;
  if (int r = sd_bus_open_system(&bus); r < 0)
    return Status::Error(std::string("no system bus: ") + strerror(-r));
  Bus owned(bus);
  sd_bus_set_method_call_timeout(bus, kCallTimeoutUs);
  return owned;
}

Status Refused(const char* call, const BusError& error, int r) {
  return Status::Error(std::string("systemd-resolved refused ") + call + ": " + error.Text(r));
}

// SetLinkDNS (port 53) or SetLinkDNSEx, with one server.
Status SetLinkDns(sd_bus* bus, int ifindex, const net::UdpAddr& server) {
  const bool ex = server.port() != 53;
  const char* call = ex ? "SetLinkDNSEx" : "SetLinkDNS";
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus, &raw, kResolve, kResolvePath, kResolveManager, call);
  if (r < 0) return Status::Error(std::string(call) + ": " + strerror(-r));
  Message m(raw);
  const IpAddr ip = server.ip();
  const ByteSpan bytes = ip.bytes();
  if (r >= 0) r = sd_bus_message_append(m.get(), "i", int32_t(ifindex));
  if (r >= 0) r = sd_bus_message_open_container(m.get(), 'a', ex ? "(iayqs)" : "(iay)");
  if (r >= 0) r = sd_bus_message_open_container(m.get(), 'r', ex ? "iayqs" : "iay");
  if (r >= 0) r = sd_bus_message_append(m.get(), "i", int32_t(ip.is_v4() ? AF_INET : AF_INET6));
  if (r >= 0) r = sd_bus_message_append_array(m.get(), 'y', bytes.data(), bytes.size());
  if (r >= 0 && ex) r = sd_bus_message_append(m.get(), "qs", server.port(), "");
  if (r >= 0) r = sd_bus_message_close_container(m.get());
  if (r >= 0) r = sd_bus_message_close_container(m.get());
  if (r < 0) return Status::Error(std::string(call) + ": " + strerror(-r));
  BusError error;
  if (r = sd_bus_call(bus, m.get(), 0, &error.error, nullptr); r < 0)
    return Refused(call, error, r);
  return Status();
}

}  // namespace

ResolvedLink::~ResolvedLink() { (void)Revert(); }

Result<ResolvedState> ResolvedLink::Register(int ifindex, const net::UdpAddr& server,
                                             const std::string& domain, std::string* why) {
  auto bus = OpenSystemBus();
  if (!bus.ok()) {
    *why = bus.status().message();
    return ResolvedState::kAbsent;
  }
  {
    BusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus->get(), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameHasOwner", &error.error, &raw, "s",
                               kResolve);
    Message reply(raw);
    int owned = 0;
    if (r < 0 || sd_bus_message_read(reply.get(), "b", &owned) < 0) {
      *why = "the system bus did not say whether systemd-resolved runs: " + error.Text(r);
      return ResolvedState::kAbsent;
    }
    if (!owned) {
      *why = "systemd-resolved is not on the system bus";
      return ResolvedState::kAbsent;
    }
  }
  ifindex_ = ifindex;  // from here on, whatever was set is reverted on failure
  Status s = SetLinkDns(bus->get(), ifindex, server);
  BusError error;
  int r = 0;
  if (s.ok()) {
    r = sd_bus_call_method(bus->get(), kResolve, kResolvePath, kResolveManager, "SetLinkDomains",
                           &error.error, nullptr, "ia(sb)", int32_t(ifindex), 1, domain.c_str(), 1);
    if (r < 0) s = Refused("SetLinkDomains", error, r);
  }
  if (s.ok()) {
    r = sd_bus_call_method(bus->get(), kResolve, kResolvePath, kResolveManager,
                           "SetLinkDefaultRoute", &error.error, nullptr, "ib", int32_t(ifindex), 0);
    if (r < 0) s = Refused("SetLinkDefaultRoute", error, r);
  }
  if (s.ok()) {
    r = sd_bus_call_method(bus->get(), kResolve, kResolvePath, kResolveManager, "SetLinkDNSSEC",
                           &error.error, nullptr, "is", int32_t(ifindex), "no");
    if (r < 0) s = Refused("SetLinkDNSSEC", error, r);
  }
  if (!s.ok()) {
    (void)Revert();
    return s;
  }
  return ResolvedState::kRegistered;
}

Status ResolvedLink::Revert() {
  if (ifindex_ == 0) return Status();
  const int ifindex = ifindex_;
  ifindex_ = 0;
  auto bus = OpenSystemBus();
  if (!bus.ok()) return bus.status();
  BusError error;
  int r = sd_bus_call_method(bus->get(), kResolve, kResolvePath, kResolveManager, "RevertLink",
                             &error.error, nullptr, "i", int32_t(ifindex));
  if (r < 0) return Refused("RevertLink", error, r);
  return Status();
}

}  // namespace flatnet::dns
