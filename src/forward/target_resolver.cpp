#include "forward/target_resolver.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "forward/platform.h"

namespace flatnet::forward {

namespace {

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

// At most this much of a command's output goes into an error message.
constexpr size_t kOutputInMessage = 120;

std::string Excerpt(const std::string& output) {
  std::string text;
  for (char c : output) {
    if (c == '\0') continue;
    text.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > kOutputInMessage) text = text.substr(0, kOutputInMessage) + "...";
  return Quote(text);
}

Result<SocketAddress> LookUpHost(const TargetSpec& spec, int socket_type) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socket_type;
  addrinfo* found = nullptr;
  int error = getaddrinfo(spec.host.c_str(), nullptr, &hints, &found);
  if (error != 0) {
    return Status::Error("TARGET " + Quote(spec.text) + ": cannot resolve " + Quote(spec.host) +
                         ": " + gai_strerror(error));
  }
  SocketAddress address;
  for (addrinfo* entry = found; entry != nullptr && address.empty(); entry = entry->ai_next) {
    address =
        SocketAddress::FromSockaddr(entry->ai_addr, static_cast<socklen_t>(entry->ai_addrlen));
  }
  freeaddrinfo(found);
  if (address.empty()) {
    return Status::Error("TARGET " + Quote(spec.text) + ": " + Quote(spec.host) +
                         " has no IPv4 or IPv6 address");
  }
  address.set_port(spec.port);
  return address;
}

Result<SocketAddress> RunCommand(const TargetSpec& spec) {
  const std::string what = "TARGET " + Quote(spec.text);
  Result<platform::CommandResult> run = platform::RunShellCommand(spec.command);
  if (!run.ok()) return run.status().Wrap(what);
  if (run->exit_status != 0) {
    return Status::Error(what + ": the command (run with " + platform::ShellName() +
                         ") exited with status " + std::to_string(run->exit_status) + ", output " +
                         Excerpt(run->output));
  }
  std::optional<std::string> token = FirstAddressToken(run->output);
  if (!token) {
    return Status::Error(what + ": the command printed no IP address, output " +
                         Excerpt(run->output));
  }
  return *SocketAddress::FromIpLiteral(*token, spec.port);
}

}  // namespace

Result<SocketAddress> ResolveTarget(const TargetSpec& spec, int socket_type) {
  switch (spec.kind) {
    case TargetSpec::Kind::kAddress: {
      std::optional<SocketAddress> address = SocketAddress::FromIpLiteral(spec.host, spec.port);
      if (!address) return Status::Error("TARGET " + Quote(spec.text) + " is not an address");
      return *address;
    }
    case TargetSpec::Kind::kHostName:
      return LookUpHost(spec, socket_type);
    case TargetSpec::Kind::kCommand:
      return RunCommand(spec);
  }
  return Status::Error("TARGET " + Quote(spec.text) + ": unknown kind");
}

// Owned jointly by the watcher and its thread, so a thread still stuck in a command when
// the watcher is destroyed touches nothing freed.
struct TargetWatcher::Shared {
  TargetSpec spec;
  int socket_type = SOCK_DGRAM;
  std::chrono::nanoseconds interval{};

  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  bool exited = false;
  std::optional<Result<SocketAddress>> result;
  std::thread thread;

  void Loop() {
    std::unique_lock lock(mutex);
    while (true) {
      wake.wait_for(lock, interval, [this] { return stop; });
      if (stop) break;
      lock.unlock();
      Result<SocketAddress> resolved = ResolveTarget(spec, socket_type);
      lock.lock();
      result = std::move(resolved);
    }
    exited = true;
    wake.notify_all();
  }
};

TargetWatcher::TargetWatcher(TargetSpec spec, int socket_type, std::chrono::nanoseconds interval)
    : shared_(std::make_shared<Shared>()) {
  shared_->spec = std::move(spec);
  shared_->socket_type = socket_type;
  shared_->interval = interval;
}

TargetWatcher::~TargetWatcher() {
  if (!shared_->thread.joinable()) return;
  std::unique_lock lock(shared_->mutex);
  shared_->stop = true;
  shared_->wake.notify_all();
  // A command that hangs must not hang our exit: give it a moment, then leave the thread
  // (which holds its own reference to the shared state) to finish on its own.
  bool exited =
      shared_->wake.wait_for(lock, std::chrono::seconds(2), [this] { return shared_->exited; });
  lock.unlock();
  if (exited) {
    shared_->thread.join();
  } else {
    shared_->thread.detach();
  }
}

void TargetWatcher::Start() {
  std::shared_ptr<Shared> shared = shared_;
  shared_->thread = std::thread([shared] { shared->Loop(); });
}

std::optional<Result<SocketAddress>> TargetWatcher::TakeResult() {
  std::lock_guard lock(shared_->mutex);
  std::optional<Result<SocketAddress>> result = std::move(shared_->result);
  shared_->result.reset();
  return result;
}

}  // namespace flatnet::forward
