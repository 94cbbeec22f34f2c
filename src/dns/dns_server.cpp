#include "dns/dns_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace flatnet::dns {
namespace {

// Go listens on [::] (both families) for an empty or unspecified host when it can.
bool KernelHasIpv6() {
  int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace

DnsServer::DnsServer(DnsServerOptions options)
    : options_(std::move(options)), responder_(options_.responder) {}

DnsServer::~DnsServer() { Stop(); }

Status DnsServer::Start() {
  // Nebula's own wording for the listener: host and port as configured.
  const std::string listener = options_.host + ":" + std::to_string(options_.port);
  const std::string what = "DNS responder on lighthouse.dns " + listener;
  if (running()) return Status::Error(what + " is already running");

  std::string bind_host = options_.host;
  if (bind_host.empty() || bind_host == "0.0.0.0") bind_host = KernelHasIpv6() ? "::" : "0.0.0.0";
  if (auto ip = net::UdpAddr::ParseIp(bind_host, options_.port); !ip.ok()) {
    return Status::Error(what + ": lighthouse.dns.host \"" + options_.host +
                         "\" is not an IP address");
  }
  net::UdpSocketOptions socket_options;
  socket_options.host = bind_host;
  socket_options.port = options_.port;
  socket_options.gso = false;
  auto socket = net::UdpSocket::Open(socket_options);
  if (!socket.ok()) return socket.status().Wrap("starting the " + what);
  auto local = socket->LocalAddr();
  if (!local.ok()) return local.status().Wrap("starting the " + what);
  local_address_ = *local;
  socket_.emplace(std::move(socket.value()));

  options_.responder.logger.Info("Starting DNS responder", {{"dnsListener", listener}});
  thread_ = std::thread([this] { Serve(); });
  return Status();
}

void DnsServer::Stop() {
  if (!thread_.joinable()) return;
  socket_->Interrupt();
  thread_.join();
  socket_.reset();
}

void DnsServer::Serve() {
  uint8_t buffer[kMaxQuerySize];
  for (;;) {
    net::UdpAddr from;
    auto received = socket_->RecvFrom(MutableByteSpan(buffer, sizeof(buffer)), &from);
    if (socket_->interrupted()) return;
    if (!received.ok()) {
      recv_errors_.fetch_add(1, std::memory_order_relaxed);
      options_.responder.logger.Warn("DNS responder failed to receive",
                                     {{"error", received.status().message()}});
      // Don't spin if the error persists; Stop still wakes us through Interrupt.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    queries_.fetch_add(1, std::memory_order_relaxed);
    Response response = responder_.Respond(ByteSpan(buffer, *received), from);
    Count(response.outcome);
    if (!response.error.ok()) {
      send_errors_.fetch_add(1, std::memory_order_relaxed);
      options_.responder.logger.Warn(
          "DNS responder could not encode a reply",
          {{"error", response.error.message()}, {"from", from.ToString()}});
      continue;
    }
    if (response.datagram.empty()) continue;
    if (Status s = socket_->SendTo(from, response.datagram); !s.ok()) {
      send_errors_.fetch_add(1, std::memory_order_relaxed);
      options_.responder.logger.Debug("DNS responder failed to reply", {{"error", s.message()}});
    }
  }
}

void DnsServer::Count(Outcome outcome) {
  switch (outcome) {
    case Outcome::kAnswered:
      answered_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kUnanswered:
    case Outcome::kNoSuchName:
      unanswered_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kMalformed:
      malformed_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kNotImplemented:
      not_implemented_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kIgnored:
      ignored_.fetch_add(1, std::memory_order_relaxed);
      break;
  }
}

DnsCounters DnsServer::counters() const {
  DnsCounters c;
  c.queries = queries_.load(std::memory_order_relaxed);
  c.answered = answered_.load(std::memory_order_relaxed);
  c.unanswered = unanswered_.load(std::memory_order_relaxed);
  c.malformed = malformed_.load(std::memory_order_relaxed);
  c.not_implemented = not_implemented_.load(std::memory_order_relaxed);
  c.ignored = ignored_.load(std::memory_order_relaxed);
  c.send_errors = send_errors_.load(std::memory_order_relaxed);
  c.recv_errors = recv_errors_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace flatnet::dns
