// HandshakeState: the Noise handshake state machine (spec section 5.3), byte-compatible with
// flynn/noise v1.0.0/v1.1.0, which Nebula 1.6.1/1.11.1 use: DH 25519 or (certificates of
// curve P256, Nebula 1.7+) Nebula's P256 (noise/dh.h), hash SHA256, cipher AESGCM or
// ChaChaPoly (Nebula's `cipher: aes|chachapoly`), no PSK. Both peers must use the same DH;
// with P256 the keys in the messages below are 65 bytes instead of 32.
//
// Contract: messages alternate; WriteMessage when MyTurnToWrite(), ReadMessage otherwise.
// A ReadMessage that fails (short, tampered, wrong key) changes nothing, so a forged packet
// cannot spoil a handshake in progress and the genuine message can still be read after it.
// Messages carry no framing: callers put their own header in front (Nebula's 16-byte header
// is sent before the Noise bytes and is NOT mixed into the handshake hash). Not thread-safe.
//
// How Nebula 1.6.1 runs its IX handshake (handshake_ix.go, handshake.go, hostmap.go):
//
// Stage 1, initiator -> responder:
//   header  version 1, type handshake (0), subtype ix_psk0 (0), reserved 0,
//           remote index 0, message counter 1
//   noise   e (32 bytes) || s (32 bytes) || payload -- all in clear: IX's first message
//           performs no DH, so the payload is only hashed, never encrypted.
//   payload NebulaHandshake{Details{InitiatorIndex: the initiator's fresh local index,
//           Time: unix nanoseconds, Cert: its certificate marshalled WITHOUT the public key}}.
//   The responder puts PeerStatic() back into the certificate as its public key before
//   verifying it, which binds the certificate to the Noise static key.
// Stage 2, responder -> initiator:
//   header  type handshake (0), subtype ix_psk0 (0), remote index = the InitiatorIndex it
//           received, message counter 2
//   noise   e (32) || encrypted s (32 + 16 tag) || encrypted payload (+ 16 tag)
//   payload NebulaHandshake{Details{InitiatorIndex: echoed, ResponderIndex: the responder's
//           fresh local index, Time: responder's clock, Cert: its certificate without key}}.
// Receivers tell the stages apart by the header's message counter (1 or 2); a stage-2 packet
// finds its pending handshake by its remote index. The initiator resends the same stage-1
// bytes until answered; the responder keeps its stage-2 bytes to answer repeats.
//
// After stage 2 both sides Split(): the initiator seals with the first key and opens with
// the second, the responder the other way round (SessionKeys gives each side its own view).
// Replay windows start with counters 0, 1 and 2 marked as seen, and both sides set their
// send counter to 2 when the handshake completes, so the first data packet in EITHER
// direction carries message counter 3. Data packets use their own nonce, not Noise's: see
// tunnel_cipher.h.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/x25519.h"
#include "noise/dh.h"
#include "noise/handshake_pattern.h"
#include "noise/session_keys.h"
#include "noise/symmetric_state.h"

namespace flatnet::noise {

enum class Role { kInitiator, kResponder };

// The Noise limit on a message; flynn/noise refuses payloads above it.
constexpr size_t kMaxPayloadSize = 65535;

struct HandshakeOptions {
  crypto::CipherKind cipher = crypto::CipherKind::kAes256Gcm;
  Role role = Role::kInitiator;
  DhKeyPair static_keys{};  // an X25519KeyPair converts; of `dh`'s sizes
  const HandshakePattern* pattern = &PatternIX();
  Bytes prologue;  // Nebula's is empty
  // The peer's static key, for patterns where it is known in advance (IK's "<- s").
  std::optional<Bytes> remote_static;
  // Tests pin the ephemeral key to reproduce published vectors; otherwise it is fresh.
  std::optional<DhKeyPair> ephemeral;
  // The certificate's curve decides: kP256 for P256 certificates (Nebula pki.go).
  DhKind dh = DhKind::kCurve25519;
};

class HandshakeState {
 public:
  // Nebula's handshake with Curve25519: pattern IX, empty prologue, fresh ephemeral key.
  // Cannot fail.
  HandshakeState(crypto::CipherKind cipher, Role role, const crypto::X25519KeyPair& static_keys);
  // Nebula's handshake (IX, empty prologue) with the DH of the certificate's curve; fails
  // when static_keys do not have that DH's sizes.
  static Result<HandshakeState> Create(crypto::CipherKind cipher, Role role, DhKind dh,
                                       const DhKeyPair& static_keys);
  // Any supported pattern; fails when a pre-message key the pattern needs is missing or a
  // key has the wrong size for options.dh.
  static Result<HandshakeState> Create(const HandshakeOptions& options);

  // Appends the next handshake message carrying payload to out. Fails when it is not our
  // turn, the handshake is complete, or the payload exceeds kMaxPayloadSize.
  Status WriteMessage(ByteSpan payload, Bytes& out);
  // Consumes the peer's next handshake message (without any header) and returns its payload.
  Result<Bytes> ReadMessage(ByteSpan message);

  bool Complete() const { return next_message_ >= pattern_->messages.size(); }
  bool MyTurnToWrite() const;
  Role role() const { return role_; }
  crypto::CipherKind cipher() const { return cipher_; }
  DhKind dh() const { return dh_; }

  // The peer's static public key, once a message carrying it has been read (or given as a
  // pre-message): DhPublicKeySize(dh()) bytes. In Nebula this is the public key of the peer's
  // certificate.
  const std::optional<Bytes>& PeerStatic() const { return remote_static_; }
  // The handshake hash h; after completion both peers hold the same value.
  const crypto::Sha256Digest& HandshakeHash() const { return symmetric_.handshake_hash(); }
  // The transport keys from this side's point of view; an error before Complete().
  Result<SessionKeys> Split() const;

 private:
  HandshakeState(const HandshakeOptions& options, const std::string& protocol_name);

  // Every DH token mixes the same way; which keys take part depends on token and role.
  Status MixDh(SymmetricState& symmetric, Token token,
               const std::optional<DhKeyPair>& local_ephemeral,
               const std::optional<Bytes>& remote_ephemeral,
               const std::optional<Bytes>& remote_static) const;

  const HandshakePattern* pattern_;
  crypto::CipherKind cipher_;
  Role role_;
  DhKind dh_;
  SymmetricState symmetric_;
  DhKeyPair static_keys_;
  std::optional<DhKeyPair> ephemeral_;  // set by the 'e' token we write
  std::optional<Bytes> remote_ephemeral_;
  std::optional<Bytes> remote_static_;
  size_t next_message_ = 0;
};

}  // namespace flatnet::noise
