// Static hosts given by name: static_host_map entries resolved at start and again while
// running (Nebula 1.11.1's static_map.cadence / network / lookup_timeout; its
// remote_list.go hostnamesResults).
//
// Contract:
// - ResolveStaticHost looks up the addresses of one static_host_map entry: an IP literal is
//   taken as written; a name is looked up for static_map.network's families (ip4: IPv4 only,
//   ip6: IPv6 only, ip: both) and waited for at most static_map.lookup_timeout, an answer
//   that comes later counting as a failure. A name that fails is left out of the result and
//   reported through `failures` ("name: reason"), as Nebula leaves it out.
// - StaticHostResolver, once started, runs one thread of its own, and only if some entry has
//   a name: every static_map.cadence it resolves those entries again, and queues an entry's
//   new list when its set of addresses differs from the last one (order aside). The control
//   thread takes the queue (TakeChanges) and hands each list to the AddressBook, so the
//   next handshake to the host uses it. A live tunnel keeps its remote: it roams when the
//   peer's packets come from elsewhere, and is replaced when it dies.
// - Stop (also in the destructor) ends the thread; a lookup already under way is waited
//   for (glibc cannot always cancel one), so Stop takes at most the resolver's own timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "config/config.h"
#include "net/udp_addr.h"

namespace flatnet::mesh {

std::vector<net::UdpAddr> ResolveStaticHost(const config::StaticHost& host,
                                            const config::StaticMapConfig& how,
                                            std::vector<std::string>* failures);

// Every static_host_map entry of `config` resolved (result[i] for entry i), each failure
// logged as a warning naming the entry's overlay address (Node at start, and a reload).
std::vector<std::vector<net::UdpAddr>> ResolveStaticHostMap(const config::Config& config,
                                                            const log::Logger& logger);

// True when the two lists hold the same addresses, in any order (Nebula compares sets).
bool SameAddresses(const std::vector<net::UdpAddr>& a, const std::vector<net::UdpAddr>& b);

class StaticHostResolver {
 public:
  struct Change {
    IpAddr vpn_ip;
    std::vector<net::UdpAddr> before, after;
  };

  // `initial[i]` is what static_host_map[i] resolved to at start.
  StaticHostResolver(const config::Config& config, std::vector<std::vector<net::UdpAddr>> initial,
                     log::Logger logger);
  ~StaticHostResolver();

  // Starts the thread if any entry names a host; does nothing otherwise.
  void Start();
  void Stop();

  // Control thread: the entries whose addresses changed since the last call.
  std::vector<Change> TakeChanges();

  // One round of lookups, as the thread does every cadence (for tests: no thread needed).
  void ResolveOnce();

 private:
  void Run();

  std::vector<config::StaticHost> named_;  // entries with at least one name
  config::StaticMapConfig how_;
  log::Logger logger_;
  std::vector<std::vector<net::UdpAddr>> current_;  // per named_ entry; resolver thread only

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;        // guarded by mutex_
  std::vector<Change> changes_;  // guarded by mutex_
  std::thread thread_;
};

class AddressBook;

// Control thread: gives the AddressBook every changed list, logging each change as Nebula
// does ("DNS results changed for host list").
void ApplyStaticHostChanges(StaticHostResolver& resolver, AddressBook& book,
                            const log::Logger& logger);

}  // namespace flatnet::mesh
