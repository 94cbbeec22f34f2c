// HttpGet: one bounded HTTP GET with cpp-httplib's client, for the dashboard's view of its
// peers (dashboard_server.h: /peers/VPNIP/status.json).
//
// Contract: GET http://host:port/path, blocking on the caller's thread. Connecting may take
// at most timeout_ms, and so may each read and write; a body past max_bytes is cut off and
// an error, as are a refused or silent server and any status but 200 (named in the error,
// with host:port). `host` is an address literal (IPv4 or IPv6), not a name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace flatnet::control {

Result<std::string> HttpGet(const std::string& host, uint16_t port, const std::string& path,
                            int64_t timeout_ms, size_t max_bytes);

}  // namespace flatnet::control
