// DnsServer: the lighthouse's DNS responder (nebula's lighthouse.serve_dns), one UDP
// socket served by one thread. What it answers is Responder's contract (responder.h).
//
// Contract:
//  - Start binds UDP host:port from lighthouse.dns.host / lighthouse.dns.port. host is an
//    IP literal; "" (nebula's default) and "0.0.0.0" listen on every address of both
//    families, as Go does for nebula (falling back to IPv4 when the kernel has no IPv6);
//    "::" does the same; any other address binds just that address. Port 0 takes a free
//    port (see local_address). On success it logs nebula's `Starting DNS responder`
//    with dnsListener="host:port" and starts the thread. Failure (a bad host, the port in
//    use, no permission for port 53) is a Status naming the address; nebula logs such a
//    failure and carries on without DNS, which is the caller's choice to copy.
//  - Each datagram is read into 512 bytes, as miekg's server reads it: the rest of a
//    longer one is cut off before parsing (nebula then usually answers FORMERR).
//  - Stop wakes the thread and joins it; it is idempotent and the destructor calls it.
//    Start after Stop is allowed (nebula restarts its DNS server on a config reload
//    that changes host or port).
//  - counters() may be read from any thread at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "dns/responder.h"
#include "net/udp_addr.h"
#include "net/udp_socket.h"

namespace flatnet::dns {

// The datagram size miekg's UDP server reads (dns.MinMsgSize).
inline constexpr size_t kMaxQuerySize = 512;

struct DnsServerOptions {
  std::string host;    // lighthouse.dns.host
  uint16_t port = 53;  // lighthouse.dns.port
  ResponderOptions responder;
};

struct DnsCounters {
  uint64_t queries = 0;          // datagrams received
  uint64_t answered = 0;         // replies with an answer
  uint64_t unanswered = 0;       // replies without one: NODATA, refused TXT, NXDOMAIN
  uint64_t malformed = 0;        // dropped (< 12 bytes), FORMERR, or REFUSED (no question)
  uint64_t not_implemented = 0;  // NOTIMP for an opcode other than QUERY/NOTIFY
  uint64_t ignored = 0;          // responses (QR set): no reply, as nebula
  uint64_t send_errors = 0;      // replies that could not be encoded or sent
  uint64_t recv_errors = 0;      // failed receives
};

class DnsServer {
 public:
  explicit DnsServer(DnsServerOptions options);
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  Status Start();
  void Stop();
  bool running() const { return thread_.joinable(); }

  // The bound address (the port chosen when options.port was 0); meaningful after Start.
  net::UdpAddr local_address() const { return local_address_; }
  DnsCounters counters() const;

 private:
  void Serve();
  void Count(Outcome outcome);

  DnsServerOptions options_;
  Responder responder_;
  std::optional<net::UdpSocket> socket_;
  net::UdpAddr local_address_;
  std::thread thread_;

  std::atomic<uint64_t> queries_{0};
  std::atomic<uint64_t> answered_{0};
  std::atomic<uint64_t> unanswered_{0};
  std::atomic<uint64_t> malformed_{0};
  std::atomic<uint64_t> not_implemented_{0};
  std::atomic<uint64_t> ignored_{0};
  std::atomic<uint64_t> send_errors_{0};
  std::atomic<uint64_t> recv_errors_{0};
};

}  // namespace flatnet::dns
