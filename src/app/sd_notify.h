// systemd's readiness protocol, without libsystemd (libsystemd-dev is not on the build
// machines, and the protocol is one datagram): when $NOTIFY_SOCKET names a unix datagram
// socket (a path, or "@name" for the abstract namespace), send it `state`, e.g. "READY=1".
// Without $NOTIFY_SOCKET (not started by systemd with Type=notify) it does nothing.
#pragma once

#include <string_view>

#include "base/status.h"

namespace flatnet::app {

// `socket` is $NOTIFY_SOCKET's value, nullptr when unset.
Status NotifySystemd(std::string_view state, const char* socket);

}  // namespace flatnet::app
