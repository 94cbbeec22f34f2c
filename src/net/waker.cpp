#include "net/waker.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace flatnet::net {

Result<Waker> Waker::Create() {
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return Status::Error(std::string("creating an eventfd: ") + std::strerror(errno));
  return Waker(fd);
}

Waker& Waker::operator=(Waker&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Waker::~Waker() {
  if (fd_ >= 0) close(fd_);
}

void Waker::Wake() {
  uint64_t one = 1;
  // Fails only when the counter would overflow, i.e. a wake is already pending.
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof(one));
}

void Waker::Drain() {
  uint64_t count;
  [[maybe_unused]] ssize_t n = read(fd_, &count, sizeof(count));
}

}  // namespace flatnet::net
