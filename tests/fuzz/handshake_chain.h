// The parse chain a handshake datagram goes through in mesh/handshake_manager.cpp, without
// a running Node: header -> Noise IX ReadMessage -> NebulaHandshake -> certificate rebuilt
// with the peer's static key and validated against the test CA.
//
// Contract: `responder` reads stage 1 (host1 answering); for stage 2, `initiator` must be
// the state that wrote the matching stage 1. Returns true when the certificate validated,
// so targets can check what a validated certificate promises (an overlay IP).
#pragma once

#include "base/bytes.h"
#include "cert/recombine.h"
#include "noise/handshake_state.h"
#include "tests/fuzz/fuzz_support.h"
#include "wire/header.h"
#include "wire/messages.h"

namespace flatnet::fuzz {

inline bool ReadHandshakePayload(noise::HandshakeState& state, ByteSpan noise_bytes) {
  auto payload = state.ReadMessage(noise_bytes);
  if (!payload.ok()) return false;
  auto message = wire::DecodeHandshake(*payload);
  if (!message.ok() || !message->has_details()) return false;
  const auto& details = message->details();
  const auto& peer_static = state.PeerStatic();
  if (!peer_static) Fail("a read handshake message left no peer static key");
  auto cert = cert::RecombineAndValidate(
      ByteSpan(reinterpret_cast<const uint8_t*>(details.cert().data()), details.cert().size()),
      *peer_static, TestPki().pool, TestPki().now);
  if (!cert.ok()) return false;
  // The handshake manager reads ips[0] of every validated certificate.
  if (cert->ips.empty()) Fail("a validated certificate has no overlay IP");
  (void)cert->Fingerprint();
  return true;
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
