// Closing tunnels whose peer's certificate is no longer valid (pki.disconnect_invalid).
//
// Nebula 1.11.1 (connection_manager.go, isInvalidCertificate) re-checks each tunnel's peer
// certificate on its regular traffic checks, against the CA pool as a cached certificate:
// the signature was checked at the handshake and is not checked again. A blocklisted
// certificate always closes its tunnel; one that has expired (or is not yet valid), whose
// CA has expired or whose CA is no longer in pki.ca closes it only with
// pki.disconnect_invalid, true by default since Nebula 1.8. The peer is told with a
// closeTunnel message; its next handshake carries the same certificate and is refused, so it
// stays out until it has a valid one.
//
// Contract: CheckPeerCertificate is a pure function of the certificate, the pool and the
// unix time. CloseInvalidTunnels runs on the control thread and looks at every tunnel of the
// host map, unproven candidates included: after a reload (a new pool or block list) every
// check; from the housekeeping timer, once a second (in slices), only what time alone can change (a
// peer certificate or a CA of the pool expiring), so a lighthouse with 50,000 tunnels does
// not look each issuer up every second. Between reloads the pool and block list do not
// change, and every tunnel passed the full check when it was made.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cert/ca_pool.h"
#include "cert/certificate.h"

namespace flatnet::mesh {

class Node;

struct PeerCertificateCheck {
  enum class Verdict { kValid, kBlocklisted, kInvalid };
  Verdict verdict = Verdict::kValid;
  std::string error;  // Nebula's message: "certificate is expired", ...
};

PeerCertificateCheck CheckPeerCertificate(const cert::Certificate& peer, const cert::CaPool& pool,
                                          int64_t unix_now);

enum class CertCheckScope {
  kEverything,   // after a reload: block list, issuer, expiries
  kExpiriesOnly  // the periodic pass: the full check only where an expiry has passed
};

// Closes (and tells the peer about) every tunnel whose certificate is blocklisted, or invalid
// while pki.disconnect_invalid is true. Returns how many it closed. With a shard range, only
// the tunnels in the host map's shards [first_shard, last_shard) are looked at: the
// periodic pass takes one slice every 100 ms (Node), so it never stalls the control thread
// for a pass over every tunnel at once.
int CloseInvalidTunnels(Node& node, int64_t unix_now, CertCheckScope scope,
                        size_t first_shard = 0, size_t last_shard = SIZE_MAX);

}  // namespace flatnet::mesh
