// lab-impair: delay jitter (and so reordering) for the lab's underlay, from userspace.
//
//   lab-impair --queue N [--max-delay-ms MS] [--seed S] [--time-limit S]
//
// This kernel has no sch_netem, so the fault lab cannot ask `tc qdisc ... netem delay` for
// jitter. Instead an iptables rule sends the packets to impair to NFQUEUE queue N, and this
// program holds each one for a delay drawn uniformly from [0, MS] ms (default 200) before
// accepting it. Packets are released by due time, not by arrival, so a packet queued after
// another one often leaves first: that is the reordering. (Loss and duplication need no
// program: iptables' statistic match with DROP, and TEE; see tests/lab/lib/impair.sh.)
//
// It copies packet metadata only, never payloads. The queue is opened with fail-open, so
// when it is full (more than 65536 packets held) the kernel passes packets undelayed rather
// than dropping them: loss stays what the statistic rule says.
//
// It runs until SIGTERM/SIGINT or --time-limit (default 600 s), then accepts every packet
// it still holds and prints one line to stdout:
//   lab-impair: queue N: P packets, R reordered, max held H, max delay D ms, E overruns
// "reordered" counts packets released while one that arrived before them was still held;
// "overruns" counts receive-buffer overflows (the kernel then holds packets we never saw,
// until the queue is unbound at exit). Bad usage exits 2; failure to bind the queue exits 1.
// glibc's netinet/in.h must come before libnetfilter_queue's headers, which otherwise pull
// in linux/in.h, and the two define the same structs.
// clang-format off
#include <netinet/in.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>  // NF_ACCEPT
// clang-format on
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tool_common.h"

namespace {

using lab::Fail;
using Clock = std::chrono::steady_clock;
constexpr const char* kTool = "lab-impair";

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct Held {
  Clock::time_point due;
  uint64_t arrival;  // order of arrival, for counting reordering
  uint32_t id;       // the kernel's packet id, for the verdict
  bool operator>(const Held& other) const { return due > other.due; }
};

struct Impairer {
  nfq_q_handle* queue = nullptr;
  std::mt19937_64 random;
  std::uniform_int_distribution<int> delay_us;
  std::priority_queue<Held, std::vector<Held>, std::greater<Held>> held;
  std::set<uint64_t> held_arrivals;  // arrival numbers still held
  uint64_t arrivals = 0, reordered = 0, overruns = 0;
  size_t max_held = 0;
  int max_delay_us_seen = 0;

  Impairer(uint64_t seed, int max_delay_ms) : random(seed), delay_us(0, max_delay_ms * 1000) {}

  void Arrived(uint32_t id) {
    int delay = delay_us(random);
    max_delay_us_seen = std::max(max_delay_us_seen, delay);
    held.push({Clock::now() + std::chrono::microseconds(delay), arrivals, id});
    held_arrivals.insert(arrivals);
    ++arrivals;
    max_held = std::max(max_held, held.size());
  }

  void Release(const Held& h) {
    if (*held_arrivals.begin() < h.arrival) ++reordered;
    held_arrivals.erase(h.arrival);
    nfq_set_verdict(queue, h.id, NF_ACCEPT, 0, nullptr);
  }

  // Releases what is due (everything when `all`); returns ms until the next is due, or -1.
  int ReleaseDue(bool all) {
    Clock::time_point now = Clock::now();
    while (!held.empty() && (all || held.top().due <= now)) {
      Release(held.top());
      held.pop();
    }
    if (held.empty()) return -1;
    auto wait = std::chrono::duration_cast<std::chrono::microseconds>(held.top().due - now);
    return int((wait.count() + 999) / 1000);
  }
};

int OnPacket(nfq_q_handle*, nfgenmsg*, nfq_data* data, void* self) {
  nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(data);
  if (header != nullptr) static_cast<Impairer*>(self)->Arrived(ntohl(header->packet_id));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int queue_number = -1;
  int max_delay_ms = 200;
  uint64_t seed = std::random_device{}();
  double time_limit = 600;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(kTool, "%s needs a value", arg.c_str());
      return argv[++i];
    };
    if (arg == "--queue") {
      queue_number = int(lab::ParseNumber(kTool, "--queue", value(), 0, 65535));
    } else if (arg == "--max-delay-ms") {
      max_delay_ms = int(lab::ParseNumber(kTool, "--max-delay-ms", value(), 0, 10000));
    } else if (arg == "--seed") {
      seed = lab::ParseNumber(kTool, "--seed", value(), 0, UINT64_MAX / 2);
    } else if (arg == "--time-limit") {
      time_limit = double(lab::ParseNumber(kTool, "--time-limit", value(), 1, 3600));
    } else {
      Fail(kTool, "unknown argument %s (usage: --queue N [--max-delay-ms MS] [--seed S])",
           arg.c_str());
    }
  }
  if (queue_number < 0) Fail(kTool, "--queue N is required");

  Impairer impairer(seed, max_delay_ms);
  nfq_handle* handle = nfq_open();
  if (handle == nullptr) {
    std::fprintf(stderr, "%s: nfq_open: %s\n", kTool, std::strerror(errno));
    return 1;
  }
  impairer.queue = nfq_create_queue(handle, uint16_t(queue_number), &OnPacket, &impairer);
  if (impairer.queue == nullptr) {
    std::fprintf(stderr, "%s: cannot bind NFQUEUE %d (in use, or no nfnetlink_queue): %s\n", kTool,
                 queue_number, std::strerror(errno));
    nfq_close(handle);
    return 1;
  }
  nfq_set_mode(impairer.queue, NFQNL_COPY_META, 0);
  nfq_set_queue_maxlen(impairer.queue, 65536);
  nfq_set_queue_flags(impairer.queue, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
  nfnl_rcvbufsiz(nfq_nfnlh(handle), 16 << 20);
  int fd = nfq_fd(handle);

  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  lab::Deadline deadline(time_limit);
  std::printf("%s: queue %d: ready, max delay %d ms\n", kTool, queue_number, max_delay_ms);
  std::fflush(stdout);
  std::vector<char> buffer(1 << 16);
  int wait_ms = -1;
  while (!g_stop && !deadline.Passed()) {
    pollfd pfd{fd, POLLIN, 0};
    int timeout = wait_ms < 0 ? 100 : std::min(wait_ms, 100);
    if (poll(&pfd, 1, timeout) > 0) {
      for (int batch = 0; batch < 256; ++batch) {
        ssize_t n = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0) {
          if (errno == ENOBUFS) {
            ++impairer.overruns;
            continue;
          }
          break;  // EAGAIN: drained
        }
        nfq_handle_packet(handle, buffer.data(), int(n));
      }
    }
    wait_ms = impairer.ReleaseDue(false);
  }
  impairer.ReleaseDue(true);
  nfq_destroy_queue(impairer.queue);
  nfq_close(handle);
  std::printf(
      "%s: queue %d: %llu packets, %llu reordered, max held %zu, max delay %d ms, %llu "
      "overruns\n",
      kTool, queue_number, (unsigned long long)impairer.arrivals,
      (unsigned long long)impairer.reordered, impairer.max_held, impairer.max_delay_us_seen / 1000,
      (unsigned long long)impairer.overruns);
  return 0;
}
