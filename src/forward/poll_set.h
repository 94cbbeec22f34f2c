// PollSet: the list of sockets one loop iteration waits on, each tagged with what it
// belongs to, rebuilt every iteration (the forwarders' session sets change all the time and
// hold at most a few thousand sockets, so rebuilding is cheaper than keeping it in step).
#pragma once

#include <cstddef>
#include <vector>

#include "forward/platform.h"

namespace flatnet::forward {

template <typename Owner>
class PollSet {
 public:
  void Clear() {
    fds_.clear();
    owners_.clear();
  }
  void Add(platform::SocketHandle socket, short events, Owner owner) {
    platform::PollFd fd{};
    fd.fd = socket;
    fd.events = events;
    fd.revents = 0;
    fds_.push_back(fd);
    owners_.push_back(owner);
  }
  // poll()/WSAPoll(): ready count, 0 on timeout, -1 on error.
  int Wait(int timeout_ms) { return platform::Poll(fds_.data(), fds_.size(), timeout_ms); }

  size_t size() const { return fds_.size(); }
  short revents(size_t i) const { return fds_[i].revents; }
  const Owner& owner(size_t i) const { return owners_[i]; }

 private:
  std::vector<platform::PollFd> fds_;
  std::vector<Owner> owners_;
};

}  // namespace flatnet::forward
