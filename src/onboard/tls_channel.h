// TLS 1.3 over TCP for the join protocol (join_protocol.h), through OpenSSL. The server
// presents an ephemeral self-signed Ed25519 certificate made at start; the client accepts
// any certificate at the TLS layer, because trust comes from the team's CA instead: the CA
// side signs the TLS certificate's SHA-256 with the CA key (the "binding" in the greeting),
// and the client checks that against the CA the invite pins. Both ends bound every read
// and write with the socket timeout and every message's size (kMaxFrame), since either end
// may be a stranger. A peer that goes away mid-write must not end the process: the first
// Listen or TlsConnect sets SIGPIPE to be ignored (OpenSSL writes with plain send()), so a
// write to a closed connection is an error return instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flatnet::onboard {

// One message: keys and values (values may be binary), framed as a 4-byte big-endian length
// and "key base64url\n" lines.
using Frame = std::map<std::string, std::string>;
inline constexpr size_t kMaxFrame = 256 * 1024;

class TlsConnection {
 public:
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  Status Send(const Frame& frame);
  // Bytes as they are, without framing (Send's transport; tests send malformed frames).
  Status SendRaw(std::string_view bytes);
  Result<Frame> Receive();
  // The DER of the certificate the server presented (client side).
  const std::string& peer_certificate_der() const { return peer_der_; }
  // "198.51.100.7:40112" (server side), for logs.
  const std::string& peer() const { return peer_; }

 private:
  friend class TlsServer;
  friend Result<std::unique_ptr<TlsConnection>> TlsConnect(const std::string&,
                                                           std::chrono::milliseconds);
  TlsConnection() = default;
  void* ssl_ = nullptr;  // SSL*
  int fd_ = -1;
  std::string peer_der_;
  std::string peer_;
};

class TlsServer {
 public:
  ~TlsServer();
  // Listens on "HOST:PORT" (port 0: any; see port()) with a fresh certificate.
  static Result<std::unique_ptr<TlsServer>> Listen(const std::string& address);
  uint16_t port() const { return port_; }
  // The DER of our certificate: what the CA signs into the binding.
  const std::string& certificate_der() const { return der_; }
  // Waits up to `wait` for a connection and completes its TLS handshake within `timeout`.
  // nullptr (and ok) when nothing came; an error for a failed handshake.
  Result<std::unique_ptr<TlsConnection>> Accept(std::chrono::milliseconds wait,
                                                std::chrono::milliseconds timeout);

 private:
  TlsServer() = default;
  void* ctx_ = nullptr;  // SSL_CTX*
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string der_;
};

// Connects to "HOST:PORT" within `timeout` (which then bounds each read and write).
// Errors: "cannot reach 192.0.2.1:4243: Connection refused".
Result<std::unique_ptr<TlsConnection>> TlsConnect(const std::string& address,
                                                  std::chrono::milliseconds timeout);

}  // namespace flatnet::onboard
