#include "control/path_mtu_probe.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "control/control_protocol.h"
#include "crypto/random.h"
#include "wire/header.h"

namespace flatnet::control {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Sends one probe of `packet_size` bytes (whole IP packet) and waits for its recv_error.
bool ProbeAnswered(int fd, int packet_size, int ip_header, uint32_t index, int wait_ms) {
  const size_t datagram = size_t(packet_size - ip_header - 8);
  std::vector<uint8_t> probe(std::max(datagram, size_t(wire::kHeaderSize)), 0);
  wire::Header header;
  header.type = wire::MessageType::kMessage;
  header.subtype = wire::MessageSubType::kNone;
  header.remote_index = index;
  header.message_counter = 1;
  wire::EncodeHeader(header, probe.data());
  if (::send(fd, probe.data(), probe.size(), 0) < 0) return false;  // EMSGSIZE: past our MTU
  const int64_t deadline = NowMs() + wait_ms;
  for (;;) {
    int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, int(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    uint8_t reply[64];
    ssize_t n = ::recv(fd, reply, sizeof reply, 0);
    if (n < 0) continue;  // e.g. ECONNREFUSED from an ICMP: keep waiting until the deadline
    auto parsed = wire::ParseHeader(ByteSpan(reply, size_t(n)));
    if (parsed.ok() && parsed->type == wire::MessageType::kRecvError &&
        parsed->remote_index == index)
      return true;
  }
}

}  // namespace

Result<int> LargestPacketTo(const net::UdpAddr& to, const PathMtuOptions& options) {
  const bool v4 = to.is_v4();
  const int family = v4 ? AF_INET : AF_INET6;
  Fd fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::Error(std::string("no UDP socket: ") + std::strerror(errno));
  int probe = v4 ? IP_PMTUDISC_PROBE : IPV6_PMTUDISC_PROBE;
  if (::setsockopt(fd.get(), v4 ? IPPROTO_IP : IPPROTO_IPV6,
                   v4 ? IP_MTU_DISCOVER : IPV6_MTU_DISCOVER, &probe, sizeof probe) < 0)
    return Status::Error(std::string("cannot set DF on probes: ") + std::strerror(errno));
  sockaddr_storage address{};
  socklen_t length = to.ToSockaddr(family, &address);
  if (length == 0 || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length) < 0)
    return Status::Error("cannot reach " + to.ToString() + ": " + std::strerror(errno));
  int route_mtu = 0;
  socklen_t mtu_length = sizeof route_mtu;
  if (::getsockopt(fd.get(), v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_MTU : IPV6_MTU, &route_mtu,
                   &mtu_length) < 0)
    route_mtu = 1500;
  const int ip_header = v4 ? 20 : 40;
  int low = v4 ? 576 : 1280;  // every path carries these
  int high = std::min(route_mtu, options.max_packet);
  if (high < low) high = low;

  uint32_t index = 0;
  while (index == 0) crypto::RandomBytes(MutableByteSpan(reinterpret_cast<uint8_t*>(&index), 4));
  auto through = [&](int size) {
    for (int attempt = 0; attempt < 2; ++attempt)
      if (ProbeAnswered(fd.get(), size, ip_header, index, options.answer_wait_ms)) return true;
    return false;
  };
  if (!through(low))
    return Status::Error("no answer even to " + std::to_string(low) +
                         "-byte probes (listen.send_recv_error off there?)");
  if (through(high)) return high;
  // low gets through, high does not.
  while (high - low > 1) {
    int middle = low + (high - low) / 2;
    if (through(middle))
      low = middle;
    else
      high = middle;
  }
  return low;
}

void MeasureLargestPackets(mesh::NetcheckReport& report) {
  size_t measured = 0;
  for (mesh::NetcheckLighthouse& lighthouse : report.lighthouses) {
    if (measured == kPathMtuLighthouses) break;
    if (!lighthouse.answered || lighthouse.remote.empty()) continue;
    ++measured;
    auto to = net::UdpAddr::Parse(lighthouse.remote);
    if (!to.ok()) {
      lighthouse.largest_packet_error = to.status().message();
      continue;
    }
    auto largest = LargestPacketTo(*to);
    if (largest.ok())
      lighthouse.largest_packet = *largest;
    else
      lighthouse.largest_packet_error = largest.status().message();
  }
}

}  // namespace flatnet::control
