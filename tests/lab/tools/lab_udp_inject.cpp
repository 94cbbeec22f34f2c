// lab-udp-inject: hostile UDP traffic aimed at a Nebula-protocol port, sent from inside a
// lab namespace, so a test can check that a daemon survives it and keeps its tunnels.
//
//   lab-udp-inject --to ADDR:PORT [--from-port P] [--time-limit S] [--seed N] MODE COUNT
//
// Modes that make up their datagrams (sent from a UDP socket bound to --from-port, or an
// ephemeral port):
//   garbage N          N datagrams of 1..1400 random bytes
//   truncated N        N datagrams of 1..15 bytes: shorter than the 16-byte header
//   unknown-type N     a well-formed version-1 header with type 7..15, then random bytes
//   oversize N         N datagrams of 65000..65507 bytes (the IPv4 UDP maximum)
//   handshake-flood N  header type 0 (handshake) subtype 0 (IX PSK0), remote index 0,
//                      counter 1, then 100..400 random bytes: a stream of fake stage-1s
// Modes that reuse a peer's real traffic (run inside the peer's namespace; needs root):
//   replay K           capture K datagrams leaving UDP port --from-port for --to on any
//                      interface (AF_PACKET), then send each again unchanged through a raw
//                      IP_HDRINCL socket, so they carry the peer's own address and port
//   corrupt K          the same, with one byte after the 16-byte header flipped
//   --flip payload|counter  (corrupt) flip a payload byte (default), or the top byte of
//                        the message counter: a replayed counter is dropped by the replay
//                        window before decryption, a far-ahead one reaches the AEAD check
//   --capture-timeout S  how long to wait for K datagrams (default 10)
//   --type T             capture only datagrams whose header type is T (1 = message)
//
// Everything is bounded: COUNT is at most 100000 (1000 for captures) and --time-limit
// (default 10 s) stops sending early. Prints what it sent; exits 0 when every datagram
// was sent, 1 when fewer were (time limit, send errors, too few captured), 2 on bad usage.
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "tool_common.h"

namespace {

using lab::Fail;

constexpr const char* kTool = "lab-udp-inject";
constexpr size_t kHeaderLen = 16;  // Nebula's v1 header: version/type, subtype, 2 reserved,
                                   // remote index (4), message counter (8).
constexpr size_t kMaxUdpPayload = 65507;

// The header PACKET_VNET_HDR puts before each captured packet (struct virtio_net_hdr, in
// host byte order; <linux/virtio_net.h> itself does not compile as C++).
struct VnetHeader {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
};
constexpr uint8_t kGsoUdpL4 = 5;  // VIRTIO_NET_HDR_GSO_UDP_L4

struct Options {
  sockaddr_in to{};
  uint16_t from_port = 0;
  double time_limit = 10;
  double capture_timeout = 10;
  int only_type = -1;
  bool flip_counter = false;
  uint64_t seed = 0;
  bool seed_given = false;
  std::string mode;
  uint64_t count = 0;
};

void Usage() {
  std::fprintf(stderr,
               "usage: %s --to ADDR:PORT [--from-port P] [--time-limit S] [--seed N]\n"
               "         garbage|truncated|unknown-type|oversize|handshake-flood N\n"
               "       %s --to ADDR:PORT --from-port P [--capture-timeout S] [--type T]\n"
               "         [--flip payload|counter] replay|corrupt K\n",
               kTool, kTool);
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  bool have_to = false;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(kTool, "%s needs a value", arg.c_str());
      return argv[++i];
    };
    if (arg == "--to") {
      o.to = lab::ParseEndpoint(kTool, "--to", value());
      have_to = true;
    } else if (arg == "--from-port") {
      o.from_port = uint16_t(lab::ParseNumber(kTool, "--from-port", value(), 1, 65535));
    } else if (arg == "--time-limit") {
      o.time_limit = double(lab::ParseNumber(kTool, "--time-limit", value(), 1, 600));
    } else if (arg == "--capture-timeout") {
      o.capture_timeout = double(lab::ParseNumber(kTool, "--capture-timeout", value(), 1, 600));
    } else if (arg == "--type") {
      o.only_type = int(lab::ParseNumber(kTool, "--type", value(), 0, 15));
    } else if (arg == "--flip") {
      std::string what = value();
      if (what != "payload" && what != "counter") {
        Fail(kTool, "--flip: '%s' is neither payload nor counter", what.c_str());
      }
      o.flip_counter = what == "counter";
    } else if (arg == "--seed") {
      o.seed = lab::ParseNumber(kTool, "--seed", value(), 0, UINT64_MAX >> 1);
      o.seed_given = true;
    } else if (arg == "-h" || arg == "--help") {
      Usage();
    } else if (!arg.empty() && arg[0] == '-') {
      Fail(kTool, "unknown flag %s", arg.c_str());
    } else {
      positional.push_back(arg);
    }
  }
  if (!have_to) Fail(kTool, "--to ADDR:PORT is required");
  if (positional.size() != 2) Usage();
  o.mode = positional[0];
  bool capture = o.mode == "replay" || o.mode == "corrupt";
  o.count = lab::ParseNumber(kTool, o.mode.c_str(), positional[1], 1, capture ? 1000 : 100000);
  if (capture && o.from_port == 0) Fail(kTool, "%s needs --from-port", o.mode.c_str());
  return o;
}

// ---- Made-up datagrams --------------------------------------------------------------

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}
  size_t Between(size_t lo, size_t hi) {
    return std::uniform_int_distribution<size_t>(lo, hi)(rng_);
  }
  void Fill(uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) p[i] = uint8_t(rng_());
  }
  std::vector<uint8_t> Random(size_t n) {
    std::vector<uint8_t> out(n);
    Fill(out.data(), n);
    return out;
  }
  // A syntactically valid v1 header followed by `payload` random bytes.
  std::vector<uint8_t> WithHeader(uint8_t type, uint8_t subtype, uint32_t remote_index,
                                  uint64_t counter, size_t payload) {
    std::vector<uint8_t> out(kHeaderLen + payload);
    out[0] = uint8_t(1 << 4 | (type & 0x0f));
    out[1] = subtype;
    flatnet::StoreBig32(&out[4], remote_index);
    flatnet::StoreBig64(&out[8], counter);
    Fill(out.data() + kHeaderLen, payload);
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

std::vector<uint8_t> MakeDatagram(const std::string& mode, Generator& gen, uint64_t i) {
  if (mode == "garbage") return gen.Random(gen.Between(1, 1400));
  if (mode == "truncated") return gen.Random(gen.Between(1, kHeaderLen - 1));
  if (mode == "unknown-type") {
    return gen.WithHeader(uint8_t(7 + i % 9), uint8_t(gen.Between(0, 255)),
                          uint32_t(gen.Between(0, UINT32_MAX)), i + 1, gen.Between(0, 200));
  }
  if (mode == "oversize") return gen.Random(gen.Between(65000, kMaxUdpPayload));
  if (mode == "handshake-flood") return gen.WithHeader(0, 0, 0, 1, gen.Between(100, 400));
  Fail(kTool, "unknown mode '%s'", mode.c_str());
}

int SendMadeUp(const Options& o) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) Fail(kTool, "socket: %s", std::strerror(errno));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(o.from_port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    Fail(kTool, "bind to port %u: %s", o.from_port, std::strerror(errno));
  }
  socklen_t len = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));

  uint64_t seed = o.seed_given ? o.seed : std::random_device{}();
  Generator gen(seed);
  lab::Deadline deadline(o.time_limit);
  uint64_t sent = 0, bytes = 0, errors = 0;
  std::string last_error;
  for (uint64_t i = 0; i < o.count && !deadline.Passed(); ++i) {
    std::vector<uint8_t> d = MakeDatagram(o.mode, gen, i);
    ssize_t n =
        sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&o.to), sizeof(o.to));
    if (n < 0) {
      ++errors;
      last_error = std::strerror(errno);
      // ECONNREFUSED only reports an ICMP error for an earlier datagram; keep going.
      if (errno == ENOBUFS || errno == EAGAIN) usleep(1000);
      continue;
    }
    ++sent;
    bytes += uint64_t(n);
  }
  close(fd);
  std::printf("%s: mode=%s sent=%llu/%llu bytes=%llu from=%s to=%s seed=%llu", kTool,
              o.mode.c_str(), (unsigned long long)sent, (unsigned long long)o.count,
              (unsigned long long)bytes, lab::FormatEndpoint(local).c_str(),
              lab::FormatEndpoint(o.to).c_str(), (unsigned long long)seed);
  if (errors)
    std::printf(" errors=%llu last_error=\"%s\"", (unsigned long long)errors, last_error.c_str());
  std::printf("\n");
  return sent == o.count ? 0 : 1;
}

// ---- Captured datagrams -------------------------------------------------------------

struct Datagram {
  in_addr src{}, dst{};
  uint16_t sport = 0, dport = 0;
  std::vector<uint8_t> payload;
};

// Appends the UDP datagrams inside one captured IPv4 packet that match o's filter. A packet
// the kernel built with UDP segmentation offload holds several datagrams of gso_size bytes.
void ParseCaptured(const Options& o, const VnetHeader& vnet, const uint8_t* p, size_t n,
                   std::vector<Datagram>& out) {
  if (n < 20 || (p[0] >> 4) != 4) return;
  size_t ihl = size_t(p[0] & 0x0f) * 4;
  size_t total = flatnet::LoadBig16(p + 2);
  if (ihl < 20 || total > n || total < ihl + 8 || p[9] != IPPROTO_UDP) return;
  uint16_t frag = flatnet::LoadBig16(p + 6);
  if (frag & 0x3fff) return;  // a fragment: not a whole datagram
  Datagram d;
  std::memcpy(&d.src, p + 12, 4);
  std::memcpy(&d.dst, p + 16, 4);
  const uint8_t* udp = p + ihl;
  d.sport = flatnet::LoadBig16(udp);
  d.dport = flatnet::LoadBig16(udp + 2);
  if (d.sport != o.from_port || d.dport != ntohs(o.to.sin_port) ||
      d.dst.s_addr != o.to.sin_addr.s_addr) {
    return;
  }
  const uint8_t* data = udp + 8;
  size_t data_len = total - ihl - 8;
  if (data_len == 0) return;  // nothing a Nebula peer would send
  size_t segment = data_len;
  if (vnet.gso_type == kGsoUdpL4 && vnet.gso_size > 0) segment = vnet.gso_size;
  for (size_t off = 0; off < data_len; off += segment) {
    size_t len = std::min(segment, data_len - off);
    if (o.only_type >= 0 && (data[off] & 0x0f) != o.only_type) continue;
    Datagram piece = d;
    piece.payload.assign(data + off, data + off + len);
    out.push_back(std::move(piece));
  }
}

std::vector<Datagram> Capture(const Options& o) {
  // ETH_P_ALL because only such taps see outgoing packets; SOCK_RAW because
  // PACKET_VNET_HDR (which reveals UDP segmentation offload) needs it. The link-layer
  // header is skipped per interface type below.
  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (fd < 0) Fail(kTool, "AF_PACKET socket (needs root): %s", std::strerror(errno));
  int on = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)) != 0) {
    Fail(kTool, "PACKET_VNET_HDR: %s", std::strerror(errno));
  }
  std::vector<Datagram> captured;
  std::vector<uint8_t> buf(sizeof(VnetHeader) + 65536);
  lab::Deadline deadline(o.capture_timeout);
  while (captured.size() < o.count && !deadline.Passed()) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, deadline.RemainingMs()) <= 0) continue;
    sockaddr_ll from{};
    socklen_t from_len = sizeof(from);
    ssize_t n =
        recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < ssize_t(sizeof(VnetHeader))) continue;
    // Only what this namespace sends; the same datagram may also show up on the way in
    // elsewhere, but here we are the peer whose traffic is being replayed.
    if (from.sll_pkttype != PACKET_OUTGOING || from.sll_protocol != htons(ETH_P_IP)) continue;
    size_t link_len;
    if (from.sll_hatype == ARPHRD_ETHER || from.sll_hatype == ARPHRD_LOOPBACK) {
      link_len = sizeof(ether_header);
    } else if (from.sll_hatype == ARPHRD_NONE) {
      link_len = 0;  // tun devices carry bare IP packets
    } else {
      continue;
    }
    if (size_t(n) < sizeof(VnetHeader) + link_len) continue;
    VnetHeader vnet;
    std::memcpy(&vnet, buf.data(), sizeof(vnet));
    size_t skip = sizeof(vnet) + link_len;
    ParseCaptured(o, vnet, buf.data() + skip, size_t(n) - skip, captured);
  }
  close(fd);
  if (captured.size() > o.count) captured.resize(o.count);
  return captured;
}

uint16_t Checksum(uint32_t sum, const uint8_t* p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += flatnet::LoadBig16(p + i);
  if (n & 1) sum += uint32_t(p[n - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

// An IPv4 packet carrying `d`, with a correct UDP checksum so the receiving kernel hands
// it to the socket (the captured one may still hold a partial, offloaded checksum).
std::vector<uint8_t> BuildPacket(const Datagram& d) {
  size_t udp_len = 8 + d.payload.size();
  std::vector<uint8_t> pkt(20 + udp_len);
  uint8_t* ip = pkt.data();
  ip[0] = 0x45;
  flatnet::StoreBig16(ip + 2, uint16_t(pkt.size()));
  ip[8] = 64;  // TTL
  ip[9] = IPPROTO_UDP;
  std::memcpy(ip + 12, &d.src, 4);
  std::memcpy(ip + 16, &d.dst, 4);  // ID and header checksum are filled in by the kernel
  uint8_t* udp = ip + 20;
  flatnet::StoreBig16(udp, d.sport);
  flatnet::StoreBig16(udp + 2, d.dport);
  flatnet::StoreBig16(udp + 4, uint16_t(udp_len));
  std::memcpy(udp + 8, d.payload.data(), d.payload.size());
  uint32_t pseudo = flatnet::LoadBig16(ip + 12) + flatnet::LoadBig16(ip + 14) +
                    flatnet::LoadBig16(ip + 16) + flatnet::LoadBig16(ip + 18) + IPPROTO_UDP +
                    uint32_t(udp_len);
  uint16_t sum = Checksum(pseudo, udp, udp_len);
  flatnet::StoreBig16(udp + 6, sum == 0 ? 0xffff : sum);
  return pkt;
}

int Replay(const Options& o) {
  bool corrupt = o.mode == "corrupt";
  std::vector<Datagram> captured = Capture(o);
  std::printf("%s: captured %zu/%llu datagrams from port %u to %s\n", kTool, captured.size(),
              (unsigned long long)o.count, o.from_port, lab::FormatEndpoint(o.to).c_str());
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);  // IPPROTO_RAW implies IP_HDRINCL
  if (fd < 0) Fail(kTool, "raw socket (needs root): %s", std::strerror(errno));
  int on = 1;
  setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on));
  uint64_t seed = o.seed_given ? o.seed : std::random_device{}();
  Generator gen(seed);
  lab::Deadline deadline(o.time_limit);
  size_t sent = 0;
  for (size_t i = 0; i < captured.size() && !deadline.Passed(); ++i) {
    Datagram d = captured[i];
    std::string note;
    if (corrupt && !d.payload.empty()) {
      size_t at = d.payload.size() > kHeaderLen ? gen.Between(kHeaderLen, d.payload.size() - 1)
                                                : d.payload.size() - 1;
      if (o.flip_counter && d.payload.size() >= kHeaderLen) at = 8;  // counter's top byte
      d.payload[at] ^= 0x01;
      note = " flipped_byte=" + std::to_string(at);
    }
    std::vector<uint8_t> pkt = BuildPacket(d);
    sockaddr_in dst = o.to;
    ssize_t n =
        sendto(fd, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof(dst));
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr = d.src;
    src.sin_port = htons(d.sport);
    unsigned type = d.payload.empty() ? 0 : d.payload[0] & 0x0f;
    unsigned long long counter =
        d.payload.size() >= kHeaderLen ? flatnet::LoadBig64(d.payload.data() + 8) : 0;
    std::printf("%s: %s #%zu %s -> %s len=%zu type=%u counter=%llu%s%s\n", kTool, o.mode.c_str(),
                i + 1, lab::FormatEndpoint(src).c_str(), lab::FormatEndpoint(o.to).c_str(),
                d.payload.size(), type, counter, note.c_str(),
                n < 0 ? (std::string(" error=") + std::strerror(errno)).c_str() : "");
    if (n >= 0) ++sent;
    usleep(1000);  // keep the replayed copies apart, as the originals were
  }
  close(fd);
  std::printf("%s: mode=%s sent=%zu/%llu\n", kTool, o.mode.c_str(), sent,
              (unsigned long long)o.count);
  return sent == o.count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o = ParseArgs(argc, argv);
  if (o.mode == "replay" || o.mode == "corrupt") return Replay(o);
  return SendMadeUp(o);
}
