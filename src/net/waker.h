// Waker: an eventfd that lets one thread wake another blocked in poll/epoll.
//
// Contract: Wake() is async-signal-safe and callable from any thread; wakes coalesce
// (many Wake()s before a Drain() read as one). Add fd() to the poll set of the thread to
// be woken and call Drain() once it reports readable.
#pragma once

#include "base/status.h"

namespace flatnet::net {

class Waker {
 public:
  static Result<Waker> Create();
  Waker(Waker&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Waker& operator=(Waker&& other) noexcept;
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;
  ~Waker();

  int fd() const { return fd_; }
  void Wake();
  void Drain();

 private:
  explicit Waker(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace flatnet::net
