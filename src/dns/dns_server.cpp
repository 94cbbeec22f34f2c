#include "dns/dns_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>

namespace flatnet::dns {
namespace {

// Go listens on [::] (both families) for an empty or unspecified host when it can.
bool KernelHasIpv6() {
  int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  close(fd);
  return true;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Query ids for forwarded questions: unpredictable to anyone who cannot see them.
std::function<uint16_t()> RandomIds() {
  auto engine = std::make_shared<std::mt19937>(std::random_device{}());
  return [engine] { return uint16_t((*engine)()); };
}

}  // namespace

DnsServer::DnsServer(DnsServerOptions options)
    : options_(std::move(options)), responder_(options_.responder) {}

DnsServer::~DnsServer() { Stop(); }

Status DnsServer::Start() {
  // Nebula's own wording for the listener: host and port as configured.
  const std::string listener = options_.host + ":" + std::to_string(options_.port);
  const std::string what = options_.name + " on " + options_.listener_key + " " + listener;
  if (running()) return Status::Error(what + " is already running");

  std::string bind_host = options_.host;
  if (bind_host.empty() || bind_host == "0.0.0.0") bind_host = KernelHasIpv6() ? "::" : "0.0.0.0";
  if (auto ip = net::UdpAddr::ParseIp(bind_host, options_.port); !ip.ok()) {
    return Status::Error(what + ": " + options_.host_key + " \"" + options_.host +
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
  if (!options_.upstreams.empty()) {
    if (Status opened = OpenUpstreamSocket(); !opened.ok()) {
      socket_.reset();
      return opened.Wrap("starting the " + what);
    }
    forwarder_.emplace(options_.upstreams, RandomIds(), options_.forward_timeout_ns);
  }

  options_.responder.logger.Info("Starting " + options_.name, {{"dnsListener", listener}});
  thread_ = std::thread([this] { Serve(); });
  return Status();
}

Status DnsServer::OpenUpstreamSocket() {
  net::UdpSocketOptions options;
  options.host = KernelHasIpv6() ? "::" : "0.0.0.0";
  options.port = 0;
  options.gso = false;
  auto socket = net::UdpSocket::Open(options);
  if (!socket.ok()) return socket.status();
  const std::string& device = options_.upstream_device;
  if (!device.empty() && setsockopt(socket->fd(), SOL_SOCKET, SO_BINDTODEVICE, device.data(),
                                    socklen_t(device.size())) != 0) {
    return Status::Error("binding the socket that asks the lighthouses to " + device + ": " +
                         strerror(errno));
  }
  upstream_socket_.emplace(std::move(socket.value()));
  return Status();
}

void DnsServer::Stop() {
  if (!thread_.joinable()) return;
  socket_->Interrupt();
  thread_.join();
  socket_.reset();
  upstream_socket_.reset();
  forwarder_.reset();
}

void DnsServer::Serve() {
  for (;;) {
    pollfd fds[2] = {{socket_->fd(), POLLIN, 0}, {-1, POLLIN, 0}};
    if (upstream_socket_) fds[1].fd = upstream_socket_->fd();
    int timeout_ms = -1;
    if (forwarder_) {
      if (std::optional<int64_t> due = forwarder_->NextDeadline())
        timeout_ms = int(std::max<int64_t>(0, (*due - NowNs() + 999'999) / 1'000'000));
    }
    const int ready = poll(fds, upstream_socket_ ? 2 : 1, timeout_ms);
    if (socket_->interrupted()) return;
    if (ready < 0 && errno != EINTR) {
      recv_errors_.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (ready > 0 && fds[0].revents) ServeQuery();
    if (ready > 0 && upstream_socket_ && fds[1].revents) ServeUpstream();
    if (forwarder_) {
      for (const ForwardedReply& reply : forwarder_->Expire(NowNs()))
        Reply(reply.asker, reply.response);
    }
  }
}

void DnsServer::ServeQuery() {
  uint8_t buffer[kMaxQuerySize];
  net::UdpAddr from;
  auto received = socket_->RecvFrom(MutableByteSpan(buffer, sizeof(buffer)), &from);
  if (socket_->interrupted()) return;
  if (!received.ok()) {
    recv_errors_.fetch_add(1, std::memory_order_relaxed);
    options_.responder.logger.Warn(options_.name + " failed to receive",
                                   {{"error", received.status().message()}});
    // Don't spin if the error persists; Stop still wakes us through Interrupt.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return;
  }
  queries_.fetch_add(1, std::memory_order_relaxed);
  Response response = responder_.Respond(ByteSpan(buffer, *received), from);
  if (response.outcome == Outcome::kForward) {
    std::optional<Bytes> query;
    if (forwarder_) query = forwarder_->Begin(*response.forward, from, NowNs());
    if (!query) {
      Reply(from, Forwarder::Failed(*response.forward));
      return;
    }
    forwarded_.fetch_add(1, std::memory_order_relaxed);
    for (const net::UdpAddr& upstream : forwarder_->upstreams()) {
      // A lighthouse we cannot send to now counts as one that did not answer.
      if (Status s = upstream_socket_->SendTo(upstream, *query); !s.ok()) {
        send_errors_.fetch_add(1, std::memory_order_relaxed);
        options_.responder.logger.Debug(options_.name + " failed to ask a lighthouse",
                                        {{"error", s.message()}});
      }
    }
    return;
  }
  Reply(from, response);
}

void DnsServer::ServeUpstream() {
  uint8_t buffer[kMaxQuerySize];
  net::UdpAddr from;
  auto received = upstream_socket_->RecvFrom(MutableByteSpan(buffer, sizeof(buffer)), &from);
  if (!received.ok()) {
    // An ICMP port unreachable from a lighthouse without DNS lands here as ECONNREFUSED.
    recv_errors_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::optional<ForwardedReply> reply = forwarder_->Answer(ByteSpan(buffer, *received), from);
  if (!reply) {
    upstream_ignored_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Reply(reply->asker, reply->response);
}

void DnsServer::Reply(const net::UdpAddr& to, const Response& response) {
  Count(response.outcome);
  if (!response.error.ok()) {
    send_errors_.fetch_add(1, std::memory_order_relaxed);
    options_.responder.logger.Warn(options_.name + " could not encode a reply",
                                   {{"error", response.error.message()}, {"from", to.ToString()}});
    return;
  }
  if (response.datagram.empty()) return;
  if (Status s = socket_->SendTo(to, response.datagram); !s.ok()) {
    send_errors_.fetch_add(1, std::memory_order_relaxed);
    options_.responder.logger.Debug(options_.name + " failed to reply", {{"error", s.message()}});
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
    case Outcome::kRefused:
      refused_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kStranger:
      strangers_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kFailed:
      forward_failed_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kForward:  // counted as forwarded when asked, then by how it ends
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
  c.refused = refused_.load(std::memory_order_relaxed);
  c.strangers = strangers_.load(std::memory_order_relaxed);
  c.forwarded = forwarded_.load(std::memory_order_relaxed);
  c.forward_failed = forward_failed_.load(std::memory_order_relaxed);
  c.upstream_ignored = upstream_ignored_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace flatnet::dns
