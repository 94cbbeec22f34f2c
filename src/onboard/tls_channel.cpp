#include "onboard/tls_channel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "onboard/invite.h"

namespace flatnet::onboard {
namespace {

SSL* AsSsl(void* p) { return static_cast<SSL*>(p); }
SSL_CTX* AsCtx(void* p) { return static_cast<SSL_CTX*>(p); }

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "TLS failure";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// "HOST:PORT" (HOST may be [v6]) -> host and port strings.
Status SplitAddress(const std::string& address, std::string* host, std::string* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return Status::Error("\"" + address + "\" is not HOST:PORT");
  }
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return Status::Ok();
}

// Resolves "HOST:PORT" for a TCP socket; `what` starts the error ("cannot reach X").
// The caller frees the result with freeaddrinfo.
Result<struct addrinfo*> Resolve(const std::string& address, bool passive,
                                 const std::string& what) {
  std::string host, port;
  if (Status s = SplitAddress(address, &host, &port); !s.ok()) return s;
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (passive) hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  struct addrinfo* found = nullptr;
  const char* node = passive && host.empty() ? nullptr : host.c_str();
  if (int rc = getaddrinfo(node, port.c_str(), &hints, &found); rc != 0) {
    return Status::Error(what + ": " + gai_strerror(rc));
  }
  return found;
}

void IgnoreSigpipe() {
  static const bool done = [] {
    signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

void SetTimeouts(int fd, std::chrono::milliseconds timeout) {
  struct timeval tv;
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string DerOf(X509* cert) {
  int n = i2d_X509(cert, nullptr);
  if (n <= 0) return {};
  std::string der(size_t(n), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &p);
  return der;
}

// A self-signed Ed25519 certificate valid for a day: only its key matters (the binding).
Status MakeCertificate(SSL_CTX* ctx, std::string* der) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key) return Status::Error("cannot make a TLS key: " + OpenSslError());
  X509* cert = X509_new();
  bool ok = cert && X509_set_version(cert, 2) &&
            ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) &&
            X509_gmtime_adj(X509_getm_notBefore(cert), -60) &&
            X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600) && X509_set_pubkey(cert, key);
  if (ok) {
    X509_NAME* name = X509_get_subject_name(cert);
    ok = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    reinterpret_cast<const unsigned char*>("flatnet join"), -1,
                                    -1, 0) &&
         X509_set_issuer_name(cert, name) && X509_sign(cert, key, nullptr) > 0 &&
         SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
  }
  if (ok) *der = DerOf(cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok || der->empty()) return Status::Error("cannot make a TLS certificate: " + OpenSslError());
  return Status::Ok();
}

std::string EncodeFrame(const Frame& frame) {
  std::string body;
  for (const auto& [key, value] : frame) body += key + " " + Base64UrlEncode(value) + "\n";
  std::string out(4, '\0');
  uint32_t n = uint32_t(body.size());
  for (int i = 0; i < 4; ++i) out[size_t(i)] = char(n >> (24 - 8 * i));
  return out + body;
}

Result<Frame> DecodeFrameBody(const std::string& body) {
  Frame frame;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) return Status::Error("malformed message");
    std::string line = body.substr(start, end - start);
    start = end + 1;
    size_t space = line.find(' ');
    if (space == std::string::npos || space == 0) return Status::Error("malformed message");
    Result<std::string> value = Base64UrlDecode(line.substr(space + 1));
    if (!value.ok()) return Status::Error("malformed message");
    frame[line.substr(0, space)] = *value;
  }
  return frame;
}

}  // namespace

TlsConnection::~TlsConnection() {
  if (ssl_) {
    SSL_shutdown(AsSsl(ssl_));
    SSL_free(AsSsl(ssl_));
  }
  if (fd_ >= 0) close(fd_);
}

Status TlsConnection::Send(const Frame& frame) {
  std::string wire = EncodeFrame(frame);
  if (wire.size() > kMaxFrame + 4) return Status::Error("message too large");
  return SendRaw(wire);
}

Status TlsConnection::SendRaw(std::string_view wire) {
  size_t written = 0;
  if (SSL_write_ex(AsSsl(ssl_), wire.data(), wire.size(), &written) != 1 ||
      written != wire.size()) {
    return Status::Error("connection lost while sending (" + OpenSslError() + ")");
  }
  return Status::Ok();
}

Result<Frame> TlsConnection::Receive() {
  auto read_exactly = [&](size_t n, std::string* out) {
    out->resize(n);
    size_t have = 0;
    while (have < n) {
      size_t got = 0;
      if (SSL_read_ex(AsSsl(ssl_), out->data() + have, n - have, &got) != 1) return false;
      have += got;
    }
    return true;
  };
  std::string header;
  if (!read_exactly(4, &header)) {
    ERR_clear_error();
    return Status::Error("connection closed or timed out");
  }
  uint32_t n = 0;
  for (char c : header) n = (n << 8) | uint8_t(c);
  if (n > kMaxFrame) return Status::Error("message too large");
  std::string body;
  if (!read_exactly(n, &body)) {
    ERR_clear_error();
    return Status::Error("connection closed or timed out");
  }
  return DecodeFrameBody(body);
}

TlsServer::~TlsServer() {
  if (ctx_) SSL_CTX_free(AsCtx(ctx_));
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<TlsServer>> TlsServer::Listen(const std::string& address) {
  IgnoreSigpipe();
  Result<struct addrinfo*> resolved = Resolve(address, true, "cannot listen on " + address);
  if (!resolved.ok()) return resolved.status();
  struct addrinfo* found = *resolved;
  std::unique_ptr<TlsServer> server(new TlsServer);
  server->fd_ = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  bool ok = server->fd_ >= 0 &&
            setsockopt(server->fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(server->fd_, found->ai_addr, found->ai_addrlen) == 0 &&
            listen(server->fd_, 16) == 0;
  freeaddrinfo(found);
  if (!ok) return Status::Error("cannot listen on " + address + ": " + std::strerror(errno));
  struct sockaddr_storage bound {};
  socklen_t length = sizeof bound;
  getsockname(server->fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  server->port_ = ntohs(bound.ss_family == AF_INET6
                            ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return Status::Error("TLS: " + OpenSslError());
  server->ctx_ = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  if (Status s = MakeCertificate(ctx, &server->der_); !s.ok()) return s;
  return server;
}

Result<std::unique_ptr<TlsConnection>> TlsServer::Accept(std::chrono::milliseconds wait,
                                                         std::chrono::milliseconds timeout) {
  struct pollfd p {fd_, POLLIN, 0};
  int ready = poll(&p, 1, int(wait.count()));
  if (ready <= 0) return std::unique_ptr<TlsConnection>();
  struct sockaddr_storage from {};
  socklen_t length = sizeof from;
  int fd = accept4(fd_, reinterpret_cast<sockaddr*>(&from), &length, SOCK_CLOEXEC);
  if (fd < 0) return std::unique_ptr<TlsConnection>();
  std::unique_ptr<TlsConnection> c(new TlsConnection);
  c->fd_ = fd;
  char text[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (from.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&from);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (from.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&from);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  c->peer_ = std::string(text) + ":" + std::to_string(port);
  SetTimeouts(fd, timeout);
  SSL* ssl = SSL_new(AsCtx(ctx_));
  if (!ssl) return Status::Error("TLS: " + OpenSslError());
  c->ssl_ = ssl;
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) {
    return Status::Error("TLS handshake with " + c->peer_ + " failed: " + OpenSslError());
  }
  return c;
}

Result<std::unique_ptr<TlsConnection>> TlsConnect(const std::string& address,
                                                  std::chrono::milliseconds timeout) {
  IgnoreSigpipe();
  Result<struct addrinfo*> resolved = Resolve(address, false, "cannot reach " + address);
  if (!resolved.ok()) return resolved.status();
  struct addrinfo* found = *resolved;
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int rc = fd < 0 ? -1 : connect(fd, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  int error = rc == 0 ? 0 : errno;
  if (fd >= 0 && rc != 0 && error == EINPROGRESS) {
    struct pollfd p {fd, POLLOUT, 0};
    if (poll(&p, 1, int(timeout.count())) <= 0) {
      error = ETIMEDOUT;
    } else {
      socklen_t length = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    }
  }
  if (fd < 0 || error != 0) {
    if (fd >= 0) close(fd);
    return Status::Error("cannot reach " + address + ": " + std::strerror(fd < 0 ? errno : error));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  SetTimeouts(fd, timeout);
  std::unique_ptr<TlsConnection> c(new TlsConnection);
  c->fd_ = fd;
  c->peer_ = address;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return Status::Error("TLS: " + OpenSslError());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // trust comes from the CA's binding
  SSL* ssl = SSL_new(ctx);
  SSL_CTX_free(ctx);  // the SSL holds its own reference
  if (!ssl) return Status::Error("TLS: " + OpenSslError());
  c->ssl_ = ssl;
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) != 1) {
    return Status::Error("cannot reach " + address + ": TLS handshake failed (" + OpenSslError() +
                         ")");
  }
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (!peer) return Status::Error(address + " presented no TLS certificate");
  c->peer_der_ = DerOf(peer);
  X509_free(peer);
  return c;
}

}  // namespace flatnet::onboard
