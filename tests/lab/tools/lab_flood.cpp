// lab-flood: hostile traffic at the highest rate this machine can make, aimed at a
// Nebula-protocol port, for the flood benchmark (bench/floods.sh) and its lab
// (tests/lab/flood_test.sh). Datagrams go out in batches with sendmmsg from one connected
// UDP socket; what the victim sends back is read between batches and only counted.
//
//   lab-flood --to ADDR:PORT --time S [--from-port P] [--batch N] [--rate PPS]
//             [--cipher aes|chachapoly] [--cert FILE] [--key FILE] [--relay-to CIDR]
//             [--payload N] [--index N] [--seed N] MODE
//
// Modes without a tunnel (a pool of 1024 different datagrams is made first, then cycled):
//   garbage        1..1400 random bytes
//   stage1         Noise IX stage 1s (header handshake/ix_psk0, counter 1) carrying --cert,
//                  each with its own ephemeral key, initiator index and the current time.
//                  The static key in them is the certificate's public key: IX's first
//                  message does no DH with it, so anyone holding a certificate (signed by
//                  another CA, or a member's, which travels in clear) can make them
//   recv-error     a recv_error header (type 2) naming a random index (or --index N: the
//                  index the victim sends to one of its peers with), nothing after it
// Modes over a tunnel: lab-flood first runs a real handshake as initiator with --cert and
// --key (a member of the victim's CA), then seals every datagram under the tunnel's keys
// with counters 3, 4, ... so each one opens and authenticates:
//   test-request   test/testRequest with --payload random bytes (default 64), which the
//                  victim answers with a test reply
//   relay-request  control CreateRelayRequest from our overlay address to a random
//                  address of --relay-to (default our certificate's network), with a
//                  random initiator relay index (v1 fields for a v1 certificate, Addr
//                  fields for v2)
//
// Bounded: --time S (1..600) ends the flood; the handshake waits at most 5 s. --rate caps
// the datagrams per second (0, the default: as fast as the machine goes). Prints one line
// "lab-flood: mode=M sent=N seconds=T rate=R received=N errors=E", exits 0 when the flood ran, 1
// when the handshake failed or nothing could be sent, 2 on bad usage.
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "cert/certificate.h"
#include "cert/key_pem.h"
#include "crypto/random.h"
#include "noise/handshake_state.h"
#include "noise/tunnel_cipher.h"
#include "tool_common.h"
#include "wire/header.h"
#include "wire/messages.h"

namespace {

using flatnet::Bytes;
using flatnet::ByteSpan;
using lab::Fail;
namespace wire = flatnet::wire;
namespace noise = flatnet::noise;
namespace cert = flatnet::cert;

constexpr const char* kTool = "lab-flood";
constexpr size_t kPoolSize = 1024;
constexpr size_t kMaxDatagram = 1500;

struct Options {
  sockaddr_in to{};
  double seconds = 0;
  uint16_t from_port = 0;
  size_t batch = 64;
  uint64_t rate = 0;
  flatnet::crypto::CipherKind cipher = flatnet::crypto::CipherKind::kAes256Gcm;
  std::string cert_path, key_path;
  std::optional<std::pair<uint32_t, int>> relay_to;  // network (host order), bits
  size_t payload = 64;
  std::optional<uint32_t> index;
  uint64_t seed = 0;
  bool seed_given = false;
  std::string mode;
};

void Usage() {
  std::fprintf(
      stderr,
      "usage: %s --to ADDR:PORT --time S [--from-port P] [--batch N] [--rate PPS]\n"
      "         [--cipher aes|chachapoly] [--cert FILE] [--key FILE] [--relay-to CIDR]\n"
      "         [--payload N] [--index N] [--seed N] garbage|stage1|recv-error|test-request|"
      "relay-request\n",
      kTool);
  std::exit(2);
}

std::pair<uint32_t, int> ParseCidr(const std::string& text) {
  size_t slash = text.find('/');
  in_addr addr{};
  if (slash == std::string::npos || inet_pton(AF_INET, text.substr(0, slash).c_str(), &addr) != 1)
    Fail(kTool, "--relay-to: '%s' is not an IPv4 CIDR", text.c_str());
  int bits = int(lab::ParseNumber(kTool, "--relay-to", text.substr(slash + 1), 8, 32));
  uint32_t mask = bits == 32 ? ~0u : ~(~0u >> bits);
  return {ntohl(addr.s_addr) & mask, bits};
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
    } else if (arg == "--time") {
      o.seconds = double(lab::ParseNumber(kTool, "--time", value(), 1, 600));
    } else if (arg == "--from-port") {
      o.from_port = uint16_t(lab::ParseNumber(kTool, "--from-port", value(), 1, 65535));
    } else if (arg == "--batch") {
      o.batch = size_t(lab::ParseNumber(kTool, "--batch", value(), 1, 1024));
    } else if (arg == "--rate") {
      o.rate = lab::ParseNumber(kTool, "--rate", value(), 0, 100000000);
    } else if (arg == "--cipher") {
      std::string c = value();
      if (c == "aes") {
        o.cipher = flatnet::crypto::CipherKind::kAes256Gcm;
      } else if (c == "chachapoly") {
        o.cipher = flatnet::crypto::CipherKind::kChaCha20Poly1305;
      } else {
        Fail(kTool, "--cipher: '%s' is neither aes nor chachapoly", c.c_str());
      }
    } else if (arg == "--cert") {
      o.cert_path = value();
    } else if (arg == "--key") {
      o.key_path = value();
    } else if (arg == "--relay-to") {
      o.relay_to = ParseCidr(value());
    } else if (arg == "--index") {
      o.index = uint32_t(lab::ParseNumber(kTool, "--index", value(), 0, UINT32_MAX));
    } else if (arg == "--payload") {
      o.payload = size_t(lab::ParseNumber(kTool, "--payload", value(), 0, 1300));
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
  if (o.seconds == 0) Fail(kTool, "--time S is required");
  if (positional.size() != 1) Usage();
  o.mode = positional[0];
  bool tunnel = o.mode == "test-request" || o.mode == "relay-request";
  if (o.mode != "garbage" && o.mode != "stage1" && o.mode != "recv-error" && !tunnel)
    Fail(kTool, "unknown mode '%s'", o.mode.c_str());
  if ((o.mode == "stage1" || tunnel) && o.cert_path.empty())
    Fail(kTool, "%s needs --cert", o.mode.c_str());
  if (tunnel && o.key_path.empty()) Fail(kTool, "%s needs --key", o.mode.c_str());
  return o;
}

std::string ReadFile(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(kTool, "%s: cannot read '%s'", flag, path.c_str());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

cert::Certificate LoadCert(const std::string& path) {
  auto parsed = cert::ParseCertificatePem(ReadFile(path, "--cert"));
  if (!parsed.ok()) Fail(kTool, "--cert %s: %s", path.c_str(), parsed.status().message().c_str());
  if (parsed->FirstV4Network() == nullptr)
    Fail(kTool, "--cert %s: no IPv4 network in the certificate", path.c_str());
  return std::move(*parsed);
}

noise::DhKind DhOf(const cert::Certificate& c) {
  return c.curve == cert::Curve::kP256 ? noise::DhKind::kP256 : noise::DhKind::kCurve25519;
}

int64_t WallClockNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The whole stage 1 datagram (header and Noise message) claiming `c`'s identity, with
// `static_keys` as the Noise static key (only its public half is used by message 1).
Bytes Stage1(const Options& o, const cert::Certificate& c, const noise::DhKeyPair& static_keys,
             uint32_t initiator_index, noise::HandshakeState* keep = nullptr) {
  auto state =
      noise::HandshakeState::Create(o.cipher, noise::Role::kInitiator, DhOf(c), static_keys);
  if (!state.ok()) Fail(kTool, "noise: %s", state.status().message().c_str());
  nebula::NebulaHandshake message;
  auto* details = message.mutable_details();
  details->set_initiatorindex(initiator_index);
  details->set_time(uint64_t(WallClockNs()));
  Bytes cert_bytes = c.MarshalForHandshakes();
  details->set_cert(cert_bytes.data(), cert_bytes.size());
  details->set_certversion(uint32_t(c.version));
  Bytes noise_message;
  if (auto written = state->WriteMessage(wire::EncodeMessage(message), noise_message);
      !written.ok())
    Fail(kTool, "noise: %s", written.message().c_str());
  Bytes out(wire::kHeaderSize + noise_message.size());
  wire::Header header;
  header.type = wire::MessageType::kHandshake;
  header.subtype = wire::MessageSubType::kIxPsk0;
  header.message_counter = 1;
  wire::EncodeHeader(header, out.data());
  std::copy(noise_message.begin(), noise_message.end(), out.begin() + wire::kHeaderSize);
  if (keep) *keep = std::move(*state);
  return out;
}

// ---- The tunnel of the authenticated modes ----------------------------------------------

struct Tunnel {
  uint32_t remote_index = 0;  // the victim's index for this tunnel
  uint32_t vpn_ip = 0;        // ours, host order
  int prefix_bits = 0;
  cert::Version version = cert::Version::kV1;
  std::unique_ptr<noise::TunnelCipher> cipher;
};

Tunnel Handshake(const Options& o, int fd) {
  cert::Certificate c = LoadCert(o.cert_path);
  auto key = cert::ParsePrivateKeyPem(ReadFile(o.key_path, "--key"));
  if (!key.ok()) Fail(kTool, "--key %s: %s", o.key_path.c_str(), key.status().message().c_str());
  if (key->is_ca_key || key->is_encrypted)
    Fail(kTool, "--key %s: not a host's plain private key", o.key_path.c_str());
  noise::DhKeyPair static_keys(key->key, c.public_key);
  uint32_t index = 0;
  while (index == 0) index = flatnet::crypto::RandomUint32();
  // A placeholder state, replaced by the one that wrote our stage 1.
  auto placeholder =
      noise::HandshakeState::Create(o.cipher, noise::Role::kInitiator, DhOf(c), static_keys);
  if (!placeholder.ok()) Fail(kTool, "--key: %s", placeholder.status().message().c_str());
  noise::HandshakeState state = std::move(*placeholder);
  Bytes stage1 = Stage1(o, c, static_keys, index, &state);

  std::vector<uint8_t> buf(65536);
  lab::Deadline deadline(5);
  while (!deadline.Passed()) {
    if (send(fd, stage1.data(), stage1.size(), 0) < 0 && errno != ECONNREFUSED)
      Fail(kTool, "send stage 1: %s", std::strerror(errno));
    lab::Deadline retry(0.5);
    while (!retry.Passed() && !deadline.Passed()) {
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, retry.RemainingMs()) <= 0) continue;
      ssize_t n = recv(fd, buf.data(), buf.size(), 0);
      if (n < ssize_t(wire::kHeaderSize)) continue;
      auto header = wire::ParseHeader(ByteSpan(buf.data(), size_t(n)));
      if (!header.ok() || header->type != wire::MessageType::kHandshake ||
          header->message_counter != 2 || header->remote_index != index)
        continue;
      auto payload = state.ReadMessage(
          ByteSpan(buf.data() + wire::kHeaderSize, size_t(n) - wire::kHeaderSize));
      if (!payload.ok()) Fail(kTool, "stage 2: %s", payload.status().message().c_str());
      auto reply = wire::DecodeHandshake(*payload);
      if (!reply.ok()) Fail(kTool, "stage 2: %s", reply.status().message().c_str());
      auto keys = state.Split();
      if (!keys.ok()) Fail(kTool, "stage 2: %s", keys.status().message().c_str());
      Tunnel t;
      t.remote_index = reply->details().responderindex();
      t.vpn_ip = c.FirstV4Network()->addr().v4();
      t.prefix_bits = c.FirstV4Network()->bits();
      t.version = c.version;
      t.cipher = std::make_unique<noise::TunnelCipher>(*keys);
      if (!t.cipher->valid()) Fail(kTool, "could not set up the tunnel cipher");
      std::fprintf(stderr, "%s: tunnel up (our index %u, theirs %u)\n", kTool, index,
                   t.remote_index);
      return t;
    }
  }
  std::fprintf(stderr, "%s: no stage 2 from %s within 5 s\n", kTool,
               lab::FormatEndpoint(o.to).c_str());
  std::exit(1);
}

void SetAddr(nebula::Addr* addr, uint32_t v4) {
  addr->set_hi(0);
  addr->set_lo(0x0000ffff00000000ull | v4);  // an IPv4-mapped IPv6 address, as Nebula's
}

// ---- Flooding ---------------------------------------------------------------------------

class Flooder {
 public:
  Flooder(const Options& o, int fd) : o_(o), fd_(fd), rng_(o.seed), slots_(o.batch) {
    for (auto& s : slots_) s.resize(kMaxDatagram);
    iov_.resize(o.batch);
    msgs_.resize(o.batch);
    rx_buf_.resize(rx_msgs_.size() * kMaxDatagram);
    for (size_t i = 0; i < rx_msgs_.size(); ++i) {
      rx_iov_[i] = {rx_buf_.data() + i * kMaxDatagram, kMaxDatagram};
      rx_msgs_[i] = {};
      rx_msgs_[i].msg_hdr.msg_iov = &rx_iov_[i];
      rx_msgs_[i].msg_hdr.msg_iovlen = 1;
    }
  }

  void UsePool(std::vector<Bytes> pool) { pool_ = std::move(pool); }
  void UseTunnel(Tunnel t) { tunnel_ = std::move(t); }

  void Run() {
    auto start = std::chrono::steady_clock::now();
    lab::Deadline deadline(o_.seconds);
    while (!deadline.Passed()) {
      if (o_.rate) Pace(start);
      size_t n = Fill();
      size_t done = 0;
      while (done < n) {
        int r = sendmmsg(fd_, msgs_.data() + done, unsigned(n - done), 0);
        if (r < 0) {
          ++errors_;
          last_error_ = std::strerror(errno);
          // ENOBUFS/EAGAIN: the device queue is full; ECONNREFUSED: an ICMP error for an
          // earlier datagram. Neither stops the flood.
          if (errno == ENOBUFS || errno == EAGAIN) sched_yield();
          if (deadline.Passed()) break;
          if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) break;
          continue;
        }
        done += size_t(r);
        sent_ += uint64_t(r);
      }
      Drain();
    }
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  uint64_t sent() const { return sent_; }
  uint64_t received() const { return received_; }
  double seconds() const { return seconds_; }
  uint64_t errors() const { return errors_; }
  const std::string& last_error() const { return last_error_; }

 private:
  void Pace(std::chrono::steady_clock::time_point start) {
    double due = double(sent_) / double(o_.rate);
    double now = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (due > now) usleep(useconds_t((due - now) * 1e6));
  }

  // Counts (and discards) what the victim sent back: stage 2s, test replies, relay
  // responses, so a test can see that a flood was answered.
  void Drain() {
    for (int round = 0; round < 4; ++round) {
      int r = recvmmsg(fd_, rx_msgs_.data(), unsigned(rx_msgs_.size()), MSG_DONTWAIT, nullptr);
      if (r <= 0) return;
      received_ += uint64_t(r);
    }
  }

  // Points the batch's messages at the next datagrams; returns how many.
  size_t Fill() {
    for (size_t i = 0; i < o_.batch; ++i) {
      if (!pool_.empty()) {
        const Bytes& d = pool_[next_++ % pool_.size()];
        iov_[i] = {const_cast<uint8_t*>(d.data()), d.size()};
      } else {
        iov_[i] = {slots_[i].data(), Seal(slots_[i].data())};
      }
      msgs_[i] = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    return o_.batch;
  }

  // One authenticated datagram of the mode into out; returns its length.
  size_t Seal(uint8_t* out) {
    wire::Header header;
    header.remote_index = tunnel_.remote_index;
    header.message_counter = counter_++;
    Bytes& plain = plain_;
    if (o_.mode == "test-request") {
      header.type = wire::MessageType::kTest;
      header.subtype = wire::MessageSubType::kTestRequest;
      plain.resize(o_.payload);
      for (auto& b : plain) b = uint8_t(rng_());
    } else {
      header.type = wire::MessageType::kControl;
      nebula::NebulaControl control;
      control.set_type(nebula::NebulaControl::CreateRelayRequest);
      control.set_initiatorrelayindex(uint32_t(rng_()) | 1);
      auto [net, bits] = *o_.relay_to;
      uint32_t host_bits = bits == 32 ? 0 : uint32_t(rng_()) & (~0u >> bits);
      uint32_t target = net | host_bits;
      if (tunnel_.version == cert::Version::kV1) {
        control.set_oldrelayfromaddr(tunnel_.vpn_ip);
        control.set_oldrelaytoaddr(target);
      } else {
        SetAddr(control.mutable_relayfromaddr(), tunnel_.vpn_ip);
        SetAddr(control.mutable_relaytoaddr(), target);
      }
      plain = wire::EncodeMessage(control);
    }
    wire::EncodeHeader(header, out);
    long n = tunnel_.cipher->Seal(header.message_counter, ByteSpan(out, wire::kHeaderSize), plain,
                                  out + wire::kHeaderSize);
    if (n < 0) Fail(kTool, "sealing failed");
    return wire::kHeaderSize + size_t(n);
  }

  const Options& o_;
  int fd_;
  std::mt19937_64 rng_;
  std::vector<Bytes> pool_;
  Tunnel tunnel_;
  uint64_t counter_ = 3;  // 1 and 2 were the handshake's
  Bytes plain_;
  std::vector<Bytes> slots_;
  std::vector<iovec> iov_;
  std::vector<mmsghdr> msgs_;
  std::vector<uint8_t> rx_buf_;
  std::array<iovec, 64> rx_iov_{};
  std::array<mmsghdr, 64> rx_msgs_{};
  size_t next_ = 0;
  uint64_t sent_ = 0, received_ = 0, errors_ = 0;
  double seconds_ = 0;
  std::string last_error_;
};

std::vector<Bytes> MakePool(const Options& o, std::mt19937_64& rng) {
  std::vector<Bytes> pool;
  pool.reserve(kPoolSize);
  if (o.mode == "garbage") {
    for (size_t i = 0; i < kPoolSize; ++i) {
      Bytes d(1 + rng() % 1400);
      for (auto& b : d) b = uint8_t(rng());
      pool.push_back(std::move(d));
    }
  } else if (o.mode == "recv-error") {
    for (size_t i = 0; i < kPoolSize; ++i) {
      Bytes d(wire::kHeaderSize);
      wire::Header header;
      header.type = wire::MessageType::kRecvError;
      header.remote_index = o.index ? *o.index : uint32_t(rng());
      wire::EncodeHeader(header, d.data());
      pool.push_back(std::move(d));
    }
  } else {  // stage1
    cert::Certificate c = LoadCert(o.cert_path);
    noise::DhKind dh = DhOf(c);
    // Message 1 only writes the static public key; the private half is never used.
    noise::DhKeyPair static_keys(Bytes(noise::DhPrivateKeySize(dh), 1), c.public_key);
    for (size_t i = 0; i < kPoolSize; ++i)
      pool.push_back(Stage1(o, c, static_keys, uint32_t(rng()) | 1));
  }
  return pool;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o = ParseArgs(argc, argv);
  if (!o.seed_given) o.seed = std::random_device{}();

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) Fail(kTool, "socket: %s", std::strerror(errno));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(o.from_port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0)
    Fail(kTool, "bind to port %u: %s", o.from_port, std::strerror(errno));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&o.to), sizeof(o.to)) != 0)
    Fail(kTool, "connect to %s: %s", lab::FormatEndpoint(o.to).c_str(), std::strerror(errno));
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));

  Flooder flooder(o, fd);
  std::mt19937_64 rng(o.seed);
  if (o.mode == "test-request" || o.mode == "relay-request") {
    Tunnel t = Handshake(o, fd);
    if (o.mode == "relay-request" && !o.relay_to) {
      uint32_t bits = uint32_t(t.prefix_bits);
      uint32_t mask = bits >= 32 ? ~0u : ~(~0u >> bits);
      o.relay_to = std::make_pair(t.vpn_ip & mask, int(bits));
    }
    flooder.UseTunnel(std::move(t));
  } else {
    flooder.UsePool(MakePool(o, rng));
  }
  flooder.Run();
  close(fd);
  std::printf("%s: mode=%s sent=%llu seconds=%.2f rate=%.0f received=%llu errors=%llu", kTool,
              o.mode.c_str(), (unsigned long long)flooder.sent(), flooder.seconds(),
              flooder.seconds() > 0 ? double(flooder.sent()) / flooder.seconds() : 0.0,
              (unsigned long long)flooder.received(), (unsigned long long)flooder.errors());
  if (flooder.errors()) std::printf(" last_error=\"%s\"", flooder.last_error().c_str());
  std::printf("\n");
  return flooder.sent() > 0 ? 0 : 1;
}
