#include "net/event_loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace flatnet::net {

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  auto waker = Waker::Create();
  if (!waker.ok()) return waker.status().Wrap("creating the event loop");
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    return Status::Error(std::string("creating the event loop: epoll: ") + std::strerror(errno));
  }
  std::unique_ptr<EventLoop> loop(new EventLoop(epoll_fd, std::move(waker).value()));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = loop->waker_.fd();
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, loop->waker_.fd(), &ev) != 0) {
    return Status::Error(std::string("creating the event loop: ") + std::strerror(errno));
  }
  return loop;
}

EventLoop::~EventLoop() { close(epoll_fd_); }

TimerId EventLoop::RunAfter(Clock::duration delay, Callback callback) {
  return RunAt(Clock::now() + delay, std::move(callback));
}

TimerId EventLoop::RunAt(Clock::time_point deadline, Callback callback) {
  TimerId id;
  {
    std::lock_guard lock(mu_);
    id = timers_.Add(deadline, std::move(callback));
  }
  waker_.Wake();
  return id;
}

bool EventLoop::Cancel(TimerId id) {
  std::lock_guard lock(mu_);
  return timers_.Cancel(id);
}

void EventLoop::Post(Callback callback) {
  {
    std::lock_guard lock(mu_);
    posted_.push_back(std::move(callback));
  }
  waker_.Wake();
}

Status EventLoop::WatchReadable(int fd, Callback callback) {
  std::lock_guard lock(mu_);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  int op = watches_.count(fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(epoll_fd_, op, fd, &ev) != 0) {
    return Status::Error("watching fd " + std::to_string(fd) + ": " + std::strerror(errno));
  }
  watches_[fd] = std::make_shared<Callback>(std::move(callback));
  return Status();
}

void EventLoop::Unwatch(int fd) {
  std::lock_guard lock(mu_);
  if (watches_.erase(fd)) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  waker_.Wake();
}

int EventLoop::RunReadyWork() {
  std::vector<Callback> posted;
  {
    std::lock_guard lock(mu_);
    posted.swap(posted_);
  }
  for (auto& callback : posted) callback();

  const Clock::time_point now = Clock::now();
  for (;;) {
    std::optional<Callback> callback;
    {
      std::lock_guard lock(mu_);
      callback = timers_.PopExpired(now);
    }
    if (!callback) break;
    (*callback)();
  }

  std::lock_guard lock(mu_);
  if (stopping_) return 0;
  if (!posted_.empty()) return 0;  // a callback posted more work
  auto next = timers_.NextDeadline();
  if (!next) return -1;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
  return wait <= 0 ? 0 : int(std::min<int64_t>(wait, 1 << 30));
}

void EventLoop::Run() {
  constexpr int kMaxEvents = 32;
  epoll_event events[kMaxEvents];
  for (;;) {
    int timeout_ms = RunReadyWork();
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        stopping_ = false;  // the loop can be Run again
        return;
      }
    }
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == waker_.fd()) {
        waker_.Drain();
        continue;
      }
      std::shared_ptr<Callback> callback;
      {
        std::lock_guard lock(mu_);
        auto it = watches_.find(fd);
        if (it != watches_.end()) callback = it->second;
      }
      if (callback) (*callback)();
    }
  }
}

}  // namespace flatnet::net
