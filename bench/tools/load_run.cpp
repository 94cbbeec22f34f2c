#include "load_run.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <random>
#include <unordered_map>
#include <utility>

#include "host_sockets.h"
#include "latency_summary.h"
#include "load_messages.h"
#include "load_pki.h"
#include "simulated_host.h"

namespace flatnet::bench {
namespace {

constexpr const char* kTool = "lighthouse-load";
constexpr int64_t kSecond = 1'000'000'000;
// A lighthouse that never acknowledges updates (before 1.10) is taken to know a host from
// its first update sent at least this long after the first (with interval_s >= 2: the second).
constexpr int64_t kAnnounceWithoutAck = 2 * kSecond;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double Seconds(int64_t ns) { return double(ns) / 1e9; }

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// VmHWM or VmRSS of this process in MiB.
double StatusMib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string name;
  long kib = 0;
  while (in >> name) {
    if (name == key) {
      in >> kib;
      return double(kib) / 1024;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

// What the run keeps per host beside its SimulatedHost.
struct HostClock {
  int64_t handshake_started = 0;  // first stage 1 of this attempt
  int64_t last_stage1 = 0;
  int tries = 0;
  int64_t next_update = 0;   // 0: no update scheduled
  int64_t first_update = 0;  // of the current tunnel
  bool announced = false;    // may be a query's target
  bool listed = false;       // in up_hosts_
};

class Run {
 public:
  explicit Run(const LoadOptions& o) : o_(o), rng_(o.seed) {}
  ~Run() {
    if (epoll_ >= 0) close(epoll_);
  }

  int Go() {
    if (!Setup()) return 1;
    if (o_.setup_only) return 0;
    Handshakes();
    if (up_count_ == 0) {
      std::fprintf(stderr, "%s: no handshake with %s succeeded\n", kTool,
                   o_.lighthouse.ToString().c_str());
      Report();
      return 1;
    }
    if (o_.seconds > 0) Measure();
    Report();
    return 0;
  }

 private:
  // Sockets first: a descriptor limit fails at once, before the certificates' seconds.
  bool Setup() {
    int64_t t0 = Now();
    auto sockets = HostSockets::Open(o_.from, o_.port_base, o_.hosts);
    if (!sockets.ok()) return Error(sockets.status().message());
    sockets_ = std::make_unique<HostSockets>(std::move(*sockets));
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) return Error("epoll_create1 failed");
    for (size_t s = 0; s < sockets_->socket_count(); ++s) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = uint32_t(s);
      if (epoll_ctl(epoll_, EPOLL_CTL_ADD, sockets_->fd(s), &ev) != 0)
        return Error("epoll_ctl for socket " + std::to_string(s) + " failed");
    }
    int64_t t1 = Now();
    auto ca = LoadTeamCa(o_.ca_crt, o_.ca_key);
    if (!ca.ok()) return Error(ca.status().message());
    auto identities = MakeHosts(*ca, o_.hosts);
    if (!identities.ok()) return Error(identities.status().message());
    identities_ = std::move(*identities);
    vpn_base_ = ca->network.addr().v4() + 2;
    hosts_.reserve(o_.hosts);
    clocks_.resize(o_.hosts);
    for (size_t i = 0; i < o_.hosts; ++i)
      hosts_.emplace_back(sockets_->AddressOf(uint32_t(i)), uint32_t(i + 1));
    int64_t t2 = Now();
    std::printf(
        "%s: setup hosts=%zu certs_s=%.2f sockets_s=%.2f addresses=%zu sockets=%zu "
        "rss_mib=%.1f\n",
        kTool, o_.hosts, Seconds(t2 - t1), Seconds(t1 - t0), o_.from.size(),
        sockets_->socket_count(), StatusMib("VmRSS:"));
    return true;
  }

  bool Error(const std::string& message) {
    std::fprintf(stderr, "%s: %s\n", kTool, message.c_str());
    return false;
  }

  // ---- Phases ----------------------------------------------------------------------------

  void Handshakes() {
    for (size_t i = 0; i < o_.hosts; ++i) to_handshake_.push_back(uint32_t(i));
    int64_t start = Now(), deadline = start + int64_t(o_.setup_limit_s * 1e9);
    int64_t next_progress = start + 5 * kSecond;
    double cpu0 = CpuSeconds();
    while ((!to_handshake_.empty() || !in_flight_.empty()) && Now() < deadline) {
      int64_t now = Poll();
      if (now >= next_progress) {
        std::fprintf(stderr, "%s: %zu of %zu hosts up after %.0f s\n", kTool, up_count_, o_.hosts,
                     Seconds(now - start));
        next_progress += 5 * kSecond;
      }
    }
    handshake_wall_ = Now() - start;
    handshake_cpu_ = CpuSeconds() - cpu0;
    handshake_unfinished_ = in_flight_.size() + to_handshake_.size();  // cut off by the limit
    for (uint32_t h : in_flight_) hosts_[h].AbandonHandshake();
    in_flight_.clear();
    to_handshake_.clear();
    LatencySummary::Figures f = handshake_latency_.Summarize();
    std::printf(
        "%s: handshakes ok=%zu failed=%zu unfinished=%zu seconds=%.2f p50_ms=%.2f "
        "p99_ms=%.2f max_ms=%.2f\n",
        kTool, up_count_, handshake_failed_, handshake_unfinished_, Seconds(handshake_wall_),
        f.p50_ms, f.p99_ms, f.max_ms);
  }

  void Measure() {
    std::printf("%s: measuring seconds=%.0f query_rate=%.0f interval_s=%d hosts_up=%zu\n", kTool,
                o_.seconds, o_.query_rate, o_.interval_s, up_count_);
    std::fflush(stdout);
    measuring_ = true;
    measure_start_ = Now();
    int64_t query_end = measure_start_ + int64_t(o_.seconds * 1e9);
    int64_t end = query_end + int64_t(o_.reply_timeout_s * 1e9);
    double cpu0 = CpuSeconds();
    int64_t last = Now();
    while (true) {
      int64_t now = Poll();
      loop_max_ = std::max(loop_max_, now - last);
      last = now;
      if (now >= query_end) querying_ = false;
      if (now >= end) break;
    }
    measure_wall_ = Now() - measure_start_;
    measure_cpu_ = CpuSeconds() - cpu0;
    missing_ += pending_.size();  // none should be left after the extra timeout
    pending_.clear();
  }

  void Report() {
    LatencySummary::Figures q = query_latency_.Summarize();
    auto pct = [](double cpu, int64_t wall) { return wall > 0 ? 100 * cpu / Seconds(wall) : 0.0; };
    std::printf(
        "%s: result hosts=%zu handshakes_ok=%zu handshakes_failed=%zu handshakes_unfinished=%zu "
        "handshake_s=%.2f "
        "queries=%" PRIu64 " replies=%zu missing=%" PRIu64 " wrong=%" PRIu64 " late=%" PRIu64
        " p50_ms=%.3f p99_ms=%.3f max_ms=%.3f updates=%" PRIu64 " acks=%" PRIu64 " punches=%" PRIu64
        " tests_answered=%" PRIu64 " closed=%" PRIu64 " stage2_repeats=%" PRIu64
        " undecryptable=%" PRIu64 " other=%" PRIu64 " foreign=%" PRIu64 " send_errors=%" PRIu64
        " gen_hs_cpu_pct=%.0f gen_cpu_pct=%.0f loop_max_ms=%.1f gen_hwm_mib=%.1f\n",
        kTool, o_.hosts, up_count_, handshake_failed_, handshake_unfinished_,
        Seconds(handshake_wall_), queries_, query_latency_.count(), missing_, wrong_, late_,
        q.p50_ms, q.p99_ms, q.max_ms, updates_, acks_, punches_, tests_answered_, closed_,
        stage2_repeats_, undecryptable_, other_, sockets_ ? sockets_->foreign() : 0, send_errors_,
        pct(handshake_cpu_, handshake_wall_), pct(measure_cpu_, measure_wall_),
        double(loop_max_) / 1e6, StatusMib("VmHWM:"));
    if (measure_wall_ > 0 && pct(measure_cpu_, measure_wall_) > 80)
      std::fprintf(stderr,
                   "%s: warning: the generator was busy %.0f%% of a core while measuring; its "
                   "own delays may be in the latencies\n",
                   kTool, pct(measure_cpu_, measure_wall_));
  }

  // ---- The loop --------------------------------------------------------------------------

  // One round: wait up to 1 ms for datagrams, handle them, then whatever is due. Returns
  // the time epoll_wait returned (the arrival time of what it reported).
  int64_t Poll() {
    std::array<epoll_event, 512> events;
    int n = epoll_wait(epoll_, events.data(), int(events.size()), 1);
    int64_t now = Now();
    for (int i = 0; i < n; ++i) Drain(events[size_t(i)].data.u32, now);
    Due(now);
    return now;
  }

  void Drain(uint32_t socket, int64_t now) {
    sockets_->Receive(socket, [&](uint32_t h, ByteSpan datagram) { Handle(h, datagram, now); });
  }

  void Handle(uint32_t h, ByteSpan datagram, int64_t now) {
    SimulatedHost& host = hosts_[h];
    if (host.handshaking()) {
      if (host.TryFinishHandshake(datagram)) TunnelUp(h, now);
      return;  // before its tunnel a host expects nothing else
    }
    auto header = host.Open(datagram, plain_);
    if (!header) {
      // A stage 2 after the tunnel is up answers one of our retries (the lighthouse was
      // slower than handshake_retry_s): counted apart from packets that fail to open.
      auto raw = wire::ParseHeader(datagram);
      if (raw.ok() && raw->type == wire::MessageType::kHandshake) {
        ++stage2_repeats_;
      } else {
        ++undecryptable_;
      }
      return;
    }
    switch (header->type) {
      case wire::MessageType::kLightHouse:
        FromLighthouse(h, now);
        break;
      case wire::MessageType::kTest:
        if (header->subtype == wire::MessageSubType::kTestRequest) {
          Send(h, wire::MessageType::kTest, wire::MessageSubType::kTestReply, plain_);
          ++tests_answered_;
        }
        break;
      case wire::MessageType::kCloseTunnel:
        ++closed_;
        host.Close();
        --up_count_;
        clocks_[h].next_update = 0;
        clocks_[h].announced = false;
        to_handshake_.push_back(h);
        break;
      default:
        ++other_;
    }
  }

  void FromLighthouse(uint32_t h, int64_t now) {
    auto message = ReadLighthouse(plain_);
    if (!message) {
      ++other_;
      return;
    }
    switch (message->type) {
      case nebula::NebulaMeta::HostQueryReply: {
        uint64_t key = (uint64_t(h) << 32) | message->vpn_ip;
        auto it = pending_.find(key);
        if (it == pending_.end()) {
          ++late_;  // answered after its timeout (or never asked)
          return;
        }
        query_latency_.Add(now - it->second);
        pending_.erase(it);
        uint32_t target = message->vpn_ip - vpn_base_;
        if (target >= hosts_.size() || !HasAddress(message->meta, hosts_[target].local())) ++wrong_;
        break;
      }
      case nebula::NebulaMeta::HostUpdateNotificationAck:
        ++acks_;
        Announce(h);
        break;
      case nebula::NebulaMeta::HostPunchNotification:
        ++punches_;
        break;
      default:
        ++other_;
    }
  }

  void Due(int64_t now) {
    Handshaking(now);
    while (!update_queue_.empty() && update_queue_.front().first <= now) {
      auto [due, h] = update_queue_.front();
      update_queue_.pop_front();
      HostClock& c = clocks_[h];
      if (!hosts_[h].up() || c.next_update != due) continue;  // rescheduled or closed
      SendUpdate(h, now);
    }
    if (measuring_ && querying_) Query(now);
    while (!query_order_.empty() && query_order_.front().first + ReplyTimeout() <= now) {
      auto [sent, key] = query_order_.front();
      query_order_.pop_front();
      auto it = pending_.find(key);
      if (it != pending_.end() && it->second == sent) {
        ++missing_;
        pending_.erase(it);
      }
    }
  }

  int64_t ReplyTimeout() const { return int64_t(o_.reply_timeout_s * 1e9); }

  // ---- Handshakes ------------------------------------------------------------------------

  void Handshaking(int64_t now) {
    int64_t retry = int64_t(o_.handshake_retry_s * 1e9);
    for (size_t i = 0; i < in_flight_.size();) {
      uint32_t h = in_flight_[i];
      HostClock& c = clocks_[h];
      if (c.last_stage1 + retry > now) {
        ++i;
        continue;
      }
      if (c.tries >= o_.handshake_tries) {
        ++handshake_failed_;
        hosts_[h].AbandonHandshake();
        in_flight_[i] = in_flight_.back();
        in_flight_.pop_back();
        continue;
      }
      SendStage1(h, now);
      ++i;
    }
    while (in_flight_.size() < o_.handshake_window && !to_handshake_.empty()) {
      uint32_t h = to_handshake_.front();
      to_handshake_.pop_front();
      if (Status s = hosts_[h].StartHandshake(identities_[h], o_.cipher); !s.ok()) {
        std::fprintf(stderr, "%s: host %u: %s\n", kTool, h, s.message().c_str());
        ++handshake_failed_;
        continue;
      }
      clocks_[h].tries = 0;
      clocks_[h].handshake_started = now;
      SendStage1(h, now);
      in_flight_.push_back(h);
    }
  }

  void SendStage1(uint32_t h, int64_t now) {
    HostClock& c = clocks_[h];
    c.last_stage1 = now;
    ++c.tries;
    if (!sockets_->Send(h, o_.lighthouse, hosts_[h].stage1()).ok()) ++send_errors_;
  }

  void TunnelUp(uint32_t h, int64_t now) {
    auto it = std::find(in_flight_.begin(), in_flight_.end(), h);
    if (it != in_flight_.end()) {
      *it = in_flight_.back();
      in_flight_.pop_back();
    }
    handshake_latency_.Add(now - clocks_[h].handshake_started);
    ++up_count_;
    if (!clocks_[h].listed) up_hosts_.push_back(h);
    clocks_[h].listed = true;
    clocks_[h].first_update = 0;
    SendUpdate(h, now);  // a member reports itself as soon as its lighthouse tunnel is up
  }

  // ---- Updates and queries ---------------------------------------------------------------

  void SendUpdate(uint32_t h, int64_t now) {
    HostClock& c = clocks_[h];
    if (c.first_update == 0) c.first_update = now;
    if (!c.announced && now - c.first_update >= kAnnounceWithoutAck) Announce(h);
    Bytes payload = UpdatePayload(identities_[h].vpn_ip, hosts_[h].local());
    Send(h, wire::MessageType::kLightHouse, wire::MessageSubType::kNone, payload);
    ++updates_;
    c.next_update = now + int64_t(o_.interval_s) * kSecond;
    update_queue_.emplace_back(c.next_update, h);
  }

  void Announce(uint32_t h) {
    if (clocks_[h].announced) return;
    clocks_[h].announced = true;
    announced_.push_back(h);
  }

  void Query(int64_t now) {
    uint64_t due = uint64_t(o_.query_rate * Seconds(now - measure_start_));
    if (up_hosts_.empty() || announced_.size() < 2) return;
    std::uniform_int_distribution<size_t> any_up(0, up_hosts_.size() - 1);
    std::uniform_int_distribution<size_t> any_known(0, announced_.size() - 1);
    int misses = 0;
    while (queries_ < due) {
      uint32_t from = up_hosts_[any_up(rng_)], target = announced_[any_known(rng_)];
      uint64_t key = (uint64_t(from) << 32) | identities_[target].vpn_ip;
      if (from == target || !hosts_[from].up() || !clocks_[target].announced ||
          pending_.count(key)) {
        if (++misses > 64) return;  // no usable pair now: try again next round
        continue;
      }
      Send(from, wire::MessageType::kLightHouse, wire::MessageSubType::kNone,
           QueryPayload(identities_[target].vpn_ip));
      int64_t sent = Now();
      pending_.emplace(key, sent);
      query_order_.emplace_back(sent, key);
      ++queries_;
    }
  }

  void Send(uint32_t h, wire::MessageType type, wire::MessageSubType subtype, ByteSpan plain) {
    SimulatedHost& host = hosts_[h];
    out_.resize(plain.size() + wire::kHeaderSize + noise::TunnelCipher::kTagSize);
    size_t n = host.Seal(type, subtype, plain, out_.data());
    if (n == 0 || !sockets_->Send(h, o_.lighthouse, ByteSpan(out_.data(), n)).ok()) ++send_errors_;
  }

  const LoadOptions& o_;
  std::mt19937_64 rng_;
  int epoll_ = -1;
  std::vector<HostIdentity> identities_;
  std::vector<SimulatedHost> hosts_;
  std::vector<HostClock> clocks_;
  uint32_t vpn_base_ = 0;  // host 0's overlay address
  std::unique_ptr<HostSockets> sockets_;
  Bytes plain_, out_;

  std::deque<uint32_t> to_handshake_;
  std::vector<uint32_t> in_flight_;
  std::vector<uint32_t> up_hosts_;   // every host that was ever up (checked before use)
  std::vector<uint32_t> announced_;  // query targets
  std::deque<std::pair<int64_t, uint32_t>> update_queue_;  // due time, host; in due order
  std::unordered_map<uint64_t, int64_t> pending_;          // host << 32 | target -> sent
  std::deque<std::pair<int64_t, uint64_t>> query_order_;

  bool measuring_ = false, querying_ = true;
  int64_t measure_start_ = 0, measure_wall_ = 0, handshake_wall_ = 0, loop_max_ = 0;
  double measure_cpu_ = 0, handshake_cpu_ = 0;
  size_t up_count_ = 0, handshake_failed_ = 0, handshake_unfinished_ = 0;
  LatencySummary handshake_latency_, query_latency_;
  uint64_t queries_ = 0, missing_ = 0, wrong_ = 0, late_ = 0, updates_ = 0, acks_ = 0, punches_ = 0,
           tests_answered_ = 0, closed_ = 0, stage2_repeats_ = 0, undecryptable_ = 0, other_ = 0,
           send_errors_ = 0;
};

}  // namespace

int RunLoad(const LoadOptions& options) {
  Run run(options);
  return run.Go();
}

}  // namespace flatnet::bench
