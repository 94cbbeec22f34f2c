#include "control/http_fetch.h"

#include <httplib.h>

namespace flatnet::control {

Result<std::string> HttpGet(const std::string& host, uint16_t port, const std::string& path,
                            int64_t timeout_ms, size_t max_bytes) {
  const std::string where =
      (host.find(':') == std::string::npos ? host : "[" + host + "]") + ":" + std::to_string(port);
  httplib::Client client(host, port);
  const time_t seconds = time_t(timeout_ms / 1000);
  const time_t micros = time_t(timeout_ms % 1000) * 1000;
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  client.set_keep_alive(false);
  std::string body;
  bool too_big = false;
  // The Host header brackets an IPv6 address, which httplib does not do by itself.
  auto response = client.Get(path, {{"Host", where}}, [&](const char* data, size_t length) {
    if (body.size() + length > max_bytes) {
      too_big = true;
      return false;  // httplib stops reading and reports the request canceled
    }
    body.append(data, length);
    return true;
  });
  if (too_big)
    return Status::Error(where + " answered more than " + std::to_string(max_bytes) + " bytes");
  if (!response)
    return Status::Error(where + " did not answer (" + httplib::to_string(response.error()) + ")");
  if (response->status != 200)
    return Status::Error(where + " answered HTTP " + std::to_string(response->status));
  return body;
}

}  // namespace flatnet::control
