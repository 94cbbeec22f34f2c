#include "forward/socket.h"

#include <utility>

namespace flatnet::forward {

namespace {

// Winsock's calls take int lengths and char pointers; POSIX takes size_t and void*.
#ifdef _WIN32
using BufferPointer = char*;
using ConstBufferPointer = const char*;
int IoLength(size_t size) { return size > 0x7fffffff ? 0x7fffffff : static_cast<int>(size); }
constexpr int kShutdownWrite = SD_SEND;
#else
using BufferPointer = void*;
using ConstBufferPointer = const void*;
size_t IoLength(size_t size) { return size; }
constexpr int kShutdownWrite = SHUT_WR;
#endif

IoResult Done(int64_t result) {
  IoResult io;
  io.bytes = result;
  if (result < 0) io.error = platform::LastError();
  return io;
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    Close();
    handle_ = std::exchange(other.handle_, platform::kNoSocket);
  }
  return *this;
}

Result<Socket> Socket::Open(int family, int type) {
  platform::SocketHandle handle = ::socket(family, type, 0);
  if (handle == platform::kNoSocket) {
    return Status::Error("cannot open a socket: " + platform::ErrorText(platform::LastError()));
  }
  Socket socket(handle);
  if (Status status = platform::SetNonBlocking(handle); !status.ok()) return status;
  if (type == SOCK_DGRAM) platform::IgnoreUdpConnectionReset(handle);
  return socket;
}

void Socket::Close() {
  platform::CloseSocket(handle_);
  handle_ = platform::kNoSocket;
}

Status Socket::Bind(const SocketAddress& address) {
  if (::bind(handle_, address.raw(), address.raw_length()) != 0) {
    return Status::Error("cannot bind " + address.ToString() + ": " +
                         platform::ErrorText(platform::LastError()));
  }
  return Status::Ok();
}

Status Socket::Listen(int backlog) {
  if (::listen(handle_, backlog) != 0) {
    return Status::Error("cannot listen: " + platform::ErrorText(platform::LastError()));
  }
  return Status::Ok();
}

Status Socket::Connect(const SocketAddress& address, bool* in_progress) {
  *in_progress = false;
  if (::connect(handle_, address.raw(), address.raw_length()) == 0) return Status::Ok();
  int error = platform::LastError();
  platform::ErrorKind kind = platform::Classify(error);
  // Winsock says "would block" where POSIX says "in progress".
  if (kind == platform::ErrorKind::kInProgress || kind == platform::ErrorKind::kWouldBlock) {
    *in_progress = true;
    return Status::Ok();
  }
  return Status::Error("cannot connect to " + address.ToString() + ": " +
                       platform::ErrorText(error));
}

Result<SocketAddress> Socket::LocalAddress() const {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(handle_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    return Status::Error("getsockname: " + platform::ErrorText(platform::LastError()));
  }
  return SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
}

int Socket::TakeError() {
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(handle_, SOL_SOCKET, SO_ERROR, reinterpret_cast<BufferPointer>(&error),
                   &length) != 0) {
    return platform::LastError();
  }
  return error;
}

IoResult Socket::Send(const void* data, size_t size) {
  return Done(::send(handle_, static_cast<ConstBufferPointer>(data), IoLength(size),
                     platform::SendFlags()));
}

IoResult Socket::Recv(void* data, size_t size) {
  return Done(::recv(handle_, static_cast<BufferPointer>(data), IoLength(size), 0));
}

IoResult Socket::SendTo(const void* data, size_t size, const SocketAddress& to) {
  return Done(::sendto(handle_, static_cast<ConstBufferPointer>(data), IoLength(size),
                       platform::SendFlags(), to.raw(), to.raw_length()));
}

IoResult Socket::RecvFrom(void* data, size_t size, SocketAddress* from) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  IoResult io = Done(::recvfrom(handle_, static_cast<BufferPointer>(data), IoLength(size), 0,
                                reinterpret_cast<sockaddr*>(&storage), &length));
  if (io.ok()) *from = SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
  return io;
}

Socket Socket::Accept(SocketAddress* peer, int* error) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  platform::SocketHandle handle = ::accept(handle_, reinterpret_cast<sockaddr*>(&storage), &length);
  if (handle == platform::kNoSocket) {
    *error = platform::LastError();
    return Socket();
  }
  *error = 0;
  *peer = SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
  Socket accepted(handle);
  // Linux's accept() does not pass non-blocking mode on (Windows does), so set it always.
  if (Status status = platform::SetNonBlocking(handle); !status.ok()) {
    *error = platform::LastError();
    return Socket();
  }
  return accepted;
}

void Socket::ShutdownWrite() { ::shutdown(handle_, kShutdownWrite); }

void Socket::SetNoDelay() {
  int on = 1;
  ::setsockopt(handle_, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<ConstBufferPointer>(&on),
               sizeof(on));
}

}  // namespace flatnet::forward
