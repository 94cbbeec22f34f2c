#include "mesh/static_hosts.h"

#include <netdb.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
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

// One lookup: the answer's addresses with `port`, deduplicated, in the resolver's order.
Result<std::vector<net::UdpAddr>> AnswerOf(int rc, addrinfo* result, uint16_t port) {
  if (rc != 0) return Status::Error(gai_strerror(rc));
  std::vector<net::UdpAddr> out;
  for (addrinfo* ai = result; ai; ai = ai->ai_next) {
    auto addr = net::UdpAddr::FromSockaddr(ai->ai_addr, ai->ai_addrlen);
    if (!addr) continue;
    addr->set_port(port);
    if (std::find(out.begin(), out.end(), *addr) == out.end()) out.push_back(*addr);
  }
  if (out.empty()) return Status::Error("no address of the static_map.network family");
  return out;
}

// getaddrinfo on a thread of its own, so the wait is bounded by lookup_timeout as Go's
// context bounds Nebula's. A lookup past its deadline cannot be cancelled: its thread is
// left to finish and its answer thrown away (the state it writes is shared, not ours).
// Not getaddrinfo_a: glibc starts its helper threads where ThreadSanitizer cannot see them,
// and the sanitizer's allocator then crashes on their first malloc.
Result<std::vector<net::UdpAddr>> LookUp(const std::string& name, uint16_t port, int family,
                                         std::chrono::nanoseconds timeout) {
  struct Lookup {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    Result<std::vector<net::UdpAddr>> answer = Status::Error("lookup did not run");
  };
  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread([lookup, name, port, family] {
      addrinfo hints{};
      hints.ai_family = family;
      hints.ai_socktype = SOCK_DGRAM;
      addrinfo* result = nullptr;
      const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &result);
      auto answer = AnswerOf(rc, result, port);
      if (result) freeaddrinfo(result);
      std::lock_guard lock(lookup->mutex);
      lookup->answer = std::move(answer);
      lookup->done = true;
      lookup->done_cv.notify_all();
    }).detach();
  } catch (const std::system_error& e) {
    return Status::Error(std::string("cannot start the lookup: ") + e.what());
  }
  std::unique_lock lock(lookup->mutex);
  if (!lookup->done_cv.wait_for(lock, timeout, [&] { return lookup->done; }))
    return Status::Error("lookup timed out (static_map.lookup_timeout)");
  return std::move(lookup->answer);
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

std::vector<std::vector<net::UdpAddr>> ResolveStaticHostMap(const config::Config& config,
                                                            const log::Logger& logger) {
  std::vector<std::vector<net::UdpAddr>> out;
  for (const config::StaticHost& host : config.static_host_map) {
    std::vector<std::string> failures;
    out.push_back(ResolveStaticHost(host, config.static_map, &failures));
    for (const std::string& failure : failures) {
      logger.Warn("Failed to resolve host in static_host_map",
                  {{"vpnIp", host.vpn_ip.ToString()}, {"error", failure}});
    }
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
