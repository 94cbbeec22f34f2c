// The parse chain a handshake datagram goes through in mesh/handshake_manager.cpp, without
// a running Node: header -> Noise IX ReadMessage -> NebulaHandshake -> the certificate of the
// version its CertVersion names (v1 or v2), rebuilt with the peer's static key and verified
// against the test pool (fuzz_support.h) -> its overlay IPv4 address (OverlayIpOf).
//
// Contract: `responder` reads stage 1 (host1 answering); for stage 2, `initiator` must be
// the state that wrote the matching stage 1. Returns true when the certificate verified and
// has an overlay address, so targets can check what a verified certificate promises.
#pragma once

#include "base/bytes.h"
#include "cert/recombine.h"
#include "mesh/host_credentials.h"
#include "noise/handshake_state.h"
#include "tests/fuzz/fuzz_support.h"
#include "wire/header.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

namespace flatnet::fuzz {

inline bool ReadHandshakePayload(noise::HandshakeState& state, ByteSpan noise_bytes) {
  auto payload = state.ReadMessage(noise_bytes);
  if (!payload.ok()) return false;
  auto message = wire::DecodeHandshake(*payload);
  if (!message.ok() || !message->has_details()) return false;
  const auto& details = message->details();
  const auto& peer_static = state.PeerStatic();
  if (!peer_static) Fail("a read handshake message left no peer static key");
  auto version = wire::HandshakeCertVersionOf(details);
  if (!version.ok()) return false;
  const std::string& raw = details.cert();
  auto cert = cert::RecombineAndVerify(
      *version, ByteSpan(reinterpret_cast<const uint8_t*>(raw.data()), raw.size()), *peer_static,
      cert::Curve::kCurve25519, TestPki().pool, TestPki().now);
  if (!cert.ok()) return false;
  if (cert->version != *version) Fail("a verified certificate is not of the version named");
  if (cert->public_key != *peer_static) Fail("a verified certificate has another key");
  (void)cert->Fingerprint();
  return mesh::OverlayIpOf(*cert).ok();
}

// A whole stage-1 datagram (16-byte header + Noise message) as host1's control thread sees it.
inline bool HandleStage1Datagram(ByteSpan datagram) {
  auto header = wire::ParseHeader(datagram);
  if (!header.ok()) return false;
  noise::HandshakeState responder(crypto::CipherKind::kAes256Gcm, noise::Role::kResponder,
                                  TestPki().host1_keys);
  return ReadHandshakePayload(responder, datagram.subspan(wire::kHeaderSize));
}

}  // namespace flatnet::fuzz
