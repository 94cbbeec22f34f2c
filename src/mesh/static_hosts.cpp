#include "mesh/static_hosts.h"

#include <netdb.h>

#include <algorithm>
#include <ctime>
#include <utility>

#include "mesh/address_book.h"

namespace flatnet::mesh {
namespace {

int FamilyOf(config::StaticMapNetwork network) {
  switch (network) {
    case config::StaticMapNetwork::kIp4:
      return AF_INET;
    case config::StaticMapNetwork::kIp6:
      return AF_INET6;
    case config::StaticMapNetwork::kIp:
      break;
  }
  return AF_UNSPEC;
}

// getaddrinfo_a, so the wait is bounded by lookup_timeout as Go's context bounds Nebula's.
// A request that cannot be cancelled is waited for, and its answer thrown away.
Result<std::vector<net::UdpAddr>> LookUp(const std::string& name, uint16_t port, int family,
                                         std::chrono::nanoseconds timeout) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_DGRAM;
  gaicb request{};
  request.ar_name = name.c_str();
  request.ar_request = &hints;
  gaicb* list[1] = {&request};
  if (int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr); rc != 0)
    return Status::Error(std::string("cannot start the lookup: ") + gai_strerror(rc));
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec wait{static_cast<time_t>(seconds.count()),
                static_cast<long>((timeout - seconds).count())};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int state = gai_error(&request);
  while (state == EAI_INPROGRESS && std::chrono::steady_clock::now() < deadline) {
    const gaicb* waiting[1] = {&request};
    gai_suspend(waiting, 1, &wait);  // returns early on EINTR or another request's end
    state = gai_error(&request);
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= left.zero()) break;
    auto left_s = std::chrono::duration_cast<std::chrono::seconds>(left);
    wait = {static_cast<time_t>(left_s.count()), static_cast<long>((left - left_s).count())};
  }
  if (state == EAI_INPROGRESS) {
    if (gai_cancel(&request) != EAI_CANCELED) {
      const gaicb* waiting[1] = {&request};
      while (gai_error(&request) == EAI_INPROGRESS) gai_suspend(waiting, 1, nullptr);
    }
    if (request.ar_result) freeaddrinfo(request.ar_result);
    return Status::Error("lookup timed out (static_map.lookup_timeout)");
  }
  if (state != 0) {
    if (request.ar_result) freeaddrinfo(request.ar_result);
    return Status::Error(gai_strerror(state));
  }
  std::vector<net::UdpAddr> out;
  for (addrinfo* ai = request.ar_result; ai; ai = ai->ai_next) {
    auto addr = net::UdpAddr::FromSockaddr(ai->ai_addr, ai->ai_addrlen);
    if (!addr) continue;
    addr->set_port(port);
    if (std::find(out.begin(), out.end(), *addr) == out.end()) out.push_back(*addr);
  }
  freeaddrinfo(request.ar_result);
  if (out.empty()) return Status::Error("no address of the static_map.network family");
  return out;
}

std::string ListOf(const std::vector<net::UdpAddr>& addresses) {
  std::string out = "[";
  for (const net::UdpAddr& a : addresses) out += (out.size() > 1 ? " " : "") + a.ToString();
  return out + "]";
}

bool HasName(const config::StaticHost& host) {
  return std::any_of(host.addresses.begin(), host.addresses.end(),
                     [](const config::HostPort& a) { return !a.ip.has_value(); });
}

}  // namespace

std::vector<net::UdpAddr> ResolveStaticHost(const config::StaticHost& host,
                                            const config::StaticMapConfig& how,
                                            std::vector<std::string>* failures) {
  std::vector<net::UdpAddr> out;
  auto add = [&out](const net::UdpAddr& a) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  };
  for (const config::HostPort& address : host.addresses) {
    if (address.ip) {
      if (auto literal = net::UdpAddr::ParseIp(address.host, address.port); literal.ok())
        add(*literal);
      continue;
    }
    auto found = LookUp(address.host, address.port, FamilyOf(how.network), how.lookup_timeout);
    if (!found.ok()) {
      if (failures) failures->push_back(address.host + ": " + found.status().message());
      continue;
    }
    for (const net::UdpAddr& a : *found) add(a);
  }
  return out;
}

bool SameAddresses(const std::vector<net::UdpAddr>& a, const std::vector<net::UdpAddr>& b) {
  auto covers = [](const std::vector<net::UdpAddr>& x, const std::vector<net::UdpAddr>& y) {
    return std::all_of(y.begin(), y.end(), [&x](const net::UdpAddr& addr) {
      return std::find(x.begin(), x.end(), addr) != x.end();
    });
  };
  return covers(a, b) && covers(b, a);
}

StaticHostResolver::StaticHostResolver(const config::Config& config,
                                       std::vector<std::vector<net::UdpAddr>> initial,
                                       log::Logger logger)
    : how_(config.static_map), logger_(std::move(logger)) {
  for (size_t i = 0; i < config.static_host_map.size(); ++i) {
    if (!HasName(config.static_host_map[i])) continue;
    named_.push_back(config.static_host_map[i]);
    current_.push_back(i < initial.size() ? std::move(initial[i]) : std::vector<net::UdpAddr>{});
  }
}

StaticHostResolver::~StaticHostResolver() { Stop(); }

void StaticHostResolver::Start() {
  if (named_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void StaticHostResolver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<StaticHostResolver::Change> StaticHostResolver::TakeChanges() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(changes_, {});
}

void StaticHostResolver::ResolveOnce() {
  for (size_t i = 0; i < named_.size(); ++i) {
    std::vector<std::string> failures;
    std::vector<net::UdpAddr> now = ResolveStaticHost(named_[i], how_, &failures);
    for (const std::string& failure : failures) {
      logger_.Error("DNS resolution failed for static_map host",
                    {{"vpnIp", named_[i].vpn_ip.ToString()}, {"error", failure}});
    }
    if (SameAddresses(now, current_[i])) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    // A change the control thread has not taken yet is updated: only the newest list matters.
    const IpAddr& vpn_ip = named_[i].vpn_ip;
    auto queued = std::find_if(changes_.begin(), changes_.end(),
                               [vpn_ip](const Change& c) { return c.vpn_ip == vpn_ip; });
    if (queued != changes_.end())
      queued->after = now;
    else
      changes_.push_back({vpn_ip, current_[i], now});
    current_[i] = std::move(now);
  }
}

void StaticHostResolver::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, how_.cadence, [this] { return stopping_; })) break;
    lock.unlock();
    ResolveOnce();
    lock.lock();
  }
}

void ApplyStaticHostChanges(StaticHostResolver& resolver, AddressBook& book,
                            const log::Logger& logger) {
  for (StaticHostResolver::Change& change : resolver.TakeChanges()) {
    logger.Info("DNS results changed for host list",
                {{"vpnIp", change.vpn_ip.ToString()},
                 {"origSet", ListOf(change.before)},
                 {"newSet", ListOf(change.after)}});
    book.SetStatic(change.vpn_ip, std::move(change.after));
  }
}

}  // namespace flatnet::mesh
