// Noise handshake patterns (spec section 7) as data: each message is a list of tokens that
// HandshakeState executes in order. Nebula 1.6.1 uses IX only; NN, XX and IK are here so the
// published test vectors can exercise every token (ss appears only in patterns with a
// pre-message, such as IK) and nonces above zero (XX's third message).
//
//   IX:  -> e, s
//        <- e, ee, se, s, es
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crypto/aead.h"
#include "noise/dh.h"

namespace flatnet::noise {

enum class Token {
  kE,   // send or receive an ephemeral public key
  kS,   // send or receive a static public key (encrypted once a key exists)
  kEE,  // DH(initiator ephemeral, responder ephemeral)
  kES,  // DH(initiator ephemeral, responder static)
  kSE,  // DH(initiator static, responder ephemeral)
  kSS,  // DH(initiator static, responder static)
};

struct HandshakePattern {
  std::string_view name;  // "IX"
  // Pre-messages: static keys each side knows before the first message ("-> s" / "<- s").
  bool initiator_static_premessage = false;
  bool responder_static_premessage = false;
  std::vector<std::vector<Token>> messages;  // messages[0] is sent by the initiator
};

const HandshakePattern& PatternIX();
const HandshakePattern& PatternNN();
const HandshakePattern& PatternXX();
const HandshakePattern& PatternIK();

// One of the patterns above by name ("IX"), or nullptr.
const HandshakePattern* FindPattern(std::string_view name);

// "Noise_IX_25519_AESGCM_SHA256", or with P256 certificates "Noise_IX_P256_AESGCM_SHA256"
// (flynn/noise joins pattern, DH, cipher and hash names so). The hash is always SHA256.
std::string ProtocolName(const HandshakePattern& pattern, crypto::CipherKind cipher,
                         DhKind dh = DhKind::kCurve25519);

}  // namespace flatnet::noise
