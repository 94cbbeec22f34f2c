#include "app/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flatnet::app {

Status NotifySystemd(std::string_view state, const char* socket_name) {
  if (socket_name == nullptr || socket_name[0] == '\0') return Status::Ok();
  std::string_view name(socket_name);
  struct sockaddr_un address {};
  address.sun_family = AF_UNIX;
  if (name.size() >= sizeof address.sun_path || (name[0] != '/' && name[0] != '@')) {
    return Status::Error("NOTIFY_SOCKET \"" + std::string(name) + "\" is not a socket path");
  }
  std::memcpy(address.sun_path, name.data(), name.size());
  if (name[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  socklen_t length = socklen_t(offsetof(struct sockaddr_un, sun_path) + name.size());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(std::string("NOTIFY_SOCKET: ") + std::strerror(errno));
  ssize_t sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                        reinterpret_cast<struct sockaddr*>(&address), length);
  int error = errno;
  close(fd);
  if (sent != ssize_t(state.size())) {
    return Status::Error("NOTIFY_SOCKET " + std::string(name) + ": " + std::strerror(error));
  }
  return Status::Ok();
}

}  // namespace flatnet::app
