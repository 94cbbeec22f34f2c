// EventLoop: the control thread's loop — timers, readable fds, and work posted by other
// threads (packet workers hand over handshakes, lighthouse replies, ...).
//
// Contract: Run() blocks the calling thread (the loop thread) until Stop(). RunAfter,
// Cancel, Post and Stop are thread-safe; they wake the loop so new deadlines are honoured
// at once. Callbacks always run on the loop thread, never under the loop's lock, so they
// may call any method (including adding timers or watches). Posted callbacks run in
// posting order; timers in deadline order. WatchReadable callbacks must read the fd
// (level-triggered), or they will be called again.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "net/timer_queue.h"
#include "net/waker.h"

namespace flatnet::net {

class EventLoop {
 public:
  using Callback = std::function<void()>;

  static Result<std::unique_ptr<EventLoop>> Create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  TimerId RunAfter(Clock::duration delay, Callback callback);
  TimerId RunAt(Clock::time_point deadline, Callback callback);
  bool Cancel(TimerId id);
  void Post(Callback callback);

  // Calls `callback` on the loop thread whenever `fd` is readable. The caller keeps
  // ownership of the fd and must Unwatch it before closing it.
  Status WatchReadable(int fd, Callback callback);
  void Unwatch(int fd);

  void Run();
  void Stop();

 private:
  EventLoop(int epoll_fd, Waker waker) : epoll_fd_(epoll_fd), waker_(std::move(waker)) {}
  // Runs posted work and due timers; returns the epoll timeout until the next deadline.
  int RunReadyWork();

  const int epoll_fd_;
  Waker waker_;
  std::mutex mu_;  // guards everything below
  TimerQueue timers_;
  std::vector<Callback> posted_;
  std::unordered_map<int, std::shared_ptr<Callback>> watches_;
  bool stopping_ = false;
};

}  // namespace flatnet::net
