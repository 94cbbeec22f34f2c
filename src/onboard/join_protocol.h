// The join protocol: how `flatnet join INVITE` gets a certificate from `flatnet-cert serve`
// without either private key leaving its host. Over TLS 1.3 (tls_channel.h):
//
//   server -> greeting  {v: "1", ca: CA certificate PEM, binding: signature by the CA key
//                        over "flatnet join v1 binding\n" + SHA-256(server's TLS cert DER)}
//   client              checks SHA-256 fingerprint of `ca` == the invite's pin, and the
//                       binding against the TLS certificate it saw: only a holder of the
//                       pinned CA's key can have made it, so the channel is the CA side's
//   client -> request   {invite: id (hex), secret: 16 bytes, public_key: raw key of the CA's
//                        curve (32-byte X25519 or 65-byte P256), made on the member}
//   server -> reply     {cert: PEM, name, network, team_name, team: team.yml text,
//                        blocklist: fingerprints of removed members, one a line}
//                    or {error: one line}
//
// The server checks the invite in the inventory (known, open, not expired, secret's SHA-256
// equal) and marks it used and records the member in the same locked update, so an invite
// works once even when two joins race. The reply's team.yml becomes the member's
// config.yml on the member's side (member_config.h), with the paths of its own files.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "cert/certificate.h"
#include "onboard/invite.h"
#include "onboard/tls_channel.h"

namespace flatnet::onboard {

// What the CA signs into the greeting, for a TLS certificate `tls_der`.
std::string BindingMessage(const std::string& tls_der);
Result<std::string> SignWithCaKey(cert::Curve curve, ByteSpan ca_private_key,
                                  const std::string& message);
bool VerifyCaSignature(const cert::Certificate& ca, const std::string& message,
                       const std::string& signature);

// ---- CA side -------------------------------------------------------------------------------

// How far the CA side dates a member's certificate back (never before the CA itself), so
// a member whose clock runs a little behind the CA side's can use it at once.
inline constexpr int64_t kClockSkewAllowance = 60;

struct JoinService {
  cert::Certificate ca;
  std::string ca_pem;
  Bytes ca_key;  // Ed25519 (64 bytes) or P256 scalar, decrypted
  std::string team_path;
  std::string inventory_path;
  std::function<int64_t()> now;  // unix seconds

  // Answers one connection: greeting, request, reply. A stranger's bad bytes end the
  // connection and come back as an outcome, never anything worse.
  struct Outcome {
    bool joined = false;
    // For the log: "198.51.100.7:40112: alice joined as 192.168.100.2/24", "...: refused:
    // the invite was already used", "...: no request: connection closed or timed out".
    std::string line;
  };
  Outcome Handle(TlsConnection& connection, const std::string& tls_der) const;
};

// ---- member side ---------------------------------------------------------------------------

struct KeyPair {
  Bytes private_key;
  Bytes public_key;
};

struct JoinRequest {
  Invite invite;
  std::chrono::milliseconds timeout{10000};
  std::function<int64_t()> now;  // unix seconds, read at each check
  // Makes the member's key pair once the CA's curve is known.
  std::function<Result<KeyPair>(cert::Curve)> make_key;
};

struct Joined {
  std::string team_name, name, network;
  std::string ca_pem, cert_pem;
  cert::Curve curve = cert::Curve::kCurve25519;
  KeyPair key;
  std::string team_yaml;
  std::vector<std::string> blocklist;  // fingerprints of removed members
};

// Errors are one line: "the invite expired at 2026-12-02T05:00:00Z", "cannot reach
// 192.0.2.1:4243: Connection refused", "192.0.2.1:4243 answers for CA 3c5e..., not the
// CA the invite pins (9f01...)", "the CA side refused the invite: the invite was already
// used", ...
Result<Joined> Join(const JoinRequest& request);

}  // namespace flatnet::onboard
