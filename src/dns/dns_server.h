// DnsServer: the lighthouse's DNS responder (nebula's lighthouse.serve_dns), one UDP
// socket served by one thread. What it answers is Responder's contract (responder.h).
// A member's resolver (names.*) is the same server with a MemberScope and upstreams: the
// lighthouses it forwards unknown names to (forwarder.h).
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
//  - With upstreams, Start also opens a second socket for the questions it forwards: on an
//    ephemeral port of every address, bound to upstream_device (the tun, SO_BINDTODEVICE)
//    when one is named, so its replies can only come through the overlay. The one thread
//    waits on both sockets and on the forwarder's next deadline. Questions the forwarder
//    cannot take (kMaxPending waiting) are answered SERVFAIL at once.
//  - Messages name the config keys by options.listener_key and host_key ("lighthouse.dns",
//    "lighthouse.dns.host"; "names.listen" for both) and the server by options.name
//    (nebula's "DNS responder" by default, so it logs nebula's `Starting DNS responder`).
//  - counters() may be read from any thread at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "dns/forwarder.h"
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
  // The config keys of the listener and of `host`, for messages.
  std::string listener_key = "lighthouse.dns";
  std::string host_key = "lighthouse.dns.host";
  std::string name = "DNS responder";  // what the log calls this server
  // Where kForward questions go (a member's resolver); empty: nowhere.
  std::vector<net::UdpAddr> upstreams;
  std::string upstream_device;  // "" = not bound to a device
  int64_t forward_timeout_ns = kForwardTimeoutNs;
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
  // A member's resolver (MemberScope) only:
  uint64_t refused = 0;           // names not ours: REFUSED
  uint64_t strangers = 0;         // from askers outside loopback and the overlay: dropped
  uint64_t forwarded = 0;         // questions asked of the lighthouses
  uint64_t forward_failed = 0;    // SERVFAIL: no lighthouse answered in time, or too many waited
  uint64_t upstream_ignored = 0;  // datagrams from upstream that answered nothing we asked
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
  // One datagram on the listening socket, one on the upstream socket; forwarded replies.
  void ServeQuery();
  void ServeUpstream();
  void Reply(const net::UdpAddr& to, const Response& response);
  void Count(Outcome outcome);
  Status OpenUpstreamSocket();

  DnsServerOptions options_;
  Responder responder_;
  std::optional<net::UdpSocket> socket_;
  std::optional<net::UdpSocket> upstream_socket_;
  std::optional<Forwarder> forwarder_;
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
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> strangers_{0};
  std::atomic<uint64_t> forwarded_{0};
  std::atomic<uint64_t> forward_failed_{0};
  std::atomic<uint64_t> upstream_ignored_{0};
};

}  // namespace flatnet::dns
