#include "noise/handshake_state.h"

#include <algorithm>
#include <string>

namespace flatnet::noise {
namespace {

const char* TokenName(Token token) {
  switch (token) {
    case Token::kE:
      return "e";
    case Token::kS:
      return "s";
    case Token::kEE:
      return "ee";
    case Token::kES:
      return "es";
    case Token::kSE:
      return "se";
    case Token::kSS:
      return "ss";
  }
  return "?";
}

Status CheckKeyPair(DhKind dh, const DhKeyPair& pair, const char* what) {
  if (pair.private_key.size() != DhPrivateKeySize(dh) ||
      pair.public_key.size() != DhPublicKeySize(dh)) {
    return Status::Error(std::string("noise: ") + what + " is not a " + std::string(DhName(dh)) +
                         " key pair (" + std::to_string(DhPrivateKeySize(dh)) + "-byte private, " +
                         std::to_string(DhPublicKeySize(dh)) + "-byte public key)");
  }
  return Status::Ok();
}

// Whether this side's static key takes part: sent in one of its messages or known to the
// peer in advance (NN, for one, has no static keys at all).
bool UsesLocalStatic(const HandshakePattern& pattern, Role role) {
  const bool initiator = role == Role::kInitiator;
  if (initiator ? pattern.initiator_static_premessage : pattern.responder_static_premessage)
    return true;
  for (size_t i = initiator ? 0 : 1; i < pattern.messages.size(); i += 2) {
    for (Token t : pattern.messages[i])
      if (t == Token::kS) return true;
  }
  return false;
}

}  // namespace

HandshakeState::HandshakeState(const HandshakeOptions& options, const std::string& protocol_name)
    : pattern_(options.pattern),
      cipher_(options.cipher),
      role_(options.role),
      dh_(options.dh),
      symmetric_(protocol_name, options.cipher),
      static_keys_(options.static_keys),
      ephemeral_(options.ephemeral),
      remote_static_(options.remote_static) {
  symmetric_.MixHash(options.prologue);
  // Pre-messages are hashed initiator's first, whichever side we are.
  const bool initiator = role_ == Role::kInitiator;
  if (pattern_->initiator_static_premessage) {
    symmetric_.MixHash(initiator ? static_keys_.public_key : *remote_static_);
  }
  if (pattern_->responder_static_premessage) {
    symmetric_.MixHash(initiator ? *remote_static_ : static_keys_.public_key);
  }
}

HandshakeState::HandshakeState(crypto::CipherKind cipher, Role role,
                               const crypto::X25519KeyPair& static_keys)
    : HandshakeState(HandshakeOptions{.cipher = cipher,
                                      .role = role,
                                      .static_keys = static_keys,
                                      .pattern = &PatternIX(),
                                      .prologue = {},
                                      .remote_static = {},
                                      .ephemeral = {}},
                     ProtocolName(PatternIX(), cipher)) {}

Result<HandshakeState> HandshakeState::Create(crypto::CipherKind cipher, Role role, DhKind dh,
                                              const DhKeyPair& static_keys) {
  return Create(HandshakeOptions{.cipher = cipher,
                                 .role = role,
                                 .static_keys = static_keys,
                                 .pattern = &PatternIX(),
                                 .prologue = {},
                                 .remote_static = {},
                                 .ephemeral = {},
                                 .dh = dh});
}

Result<HandshakeState> HandshakeState::Create(const HandshakeOptions& options) {
  if (options.pattern == nullptr) return Status::Error("noise: no handshake pattern given");
  if (UsesLocalStatic(*options.pattern, options.role)) {
    if (Status s = CheckKeyPair(options.dh, options.static_keys, "the static key"); !s.ok())
      return s;
  }
  if (options.ephemeral) {
    if (Status s = CheckKeyPair(options.dh, *options.ephemeral, "the ephemeral key"); !s.ok())
      return s;
  }
  if (options.remote_static && options.remote_static->size() != DhPublicKeySize(options.dh))
    return Status::Error("noise: the peer's static key is not a " +
                         std::string(DhName(options.dh)) + " public key");
  const bool initiator = options.role == Role::kInitiator;
  const bool needs_remote_static = initiator ? options.pattern->responder_static_premessage
                                             : options.pattern->initiator_static_premessage;
  if (needs_remote_static && !options.remote_static) {
    return Status::Error("noise: pattern " + std::string(options.pattern->name) +
                         " needs the peer's static key in advance, and none was given");
  }
  return HandshakeState(options, ProtocolName(*options.pattern, options.cipher, options.dh));
}

bool HandshakeState::MyTurnToWrite() const {
  // Even messages are the initiator's.
  return !Complete() && ((next_message_ % 2 == 0) == (role_ == Role::kInitiator));
}

Status HandshakeState::MixDh(SymmetricState& symmetric, Token token,
                             const std::optional<DhKeyPair>& ephemeral,
                             const std::optional<Bytes>& remote_ephemeral,
                             const std::optional<Bytes>& remote_static) const {
  const bool initiator = role_ == Role::kInitiator;
  // The first letter names the initiator's key, the second the responder's.
  bool local_ephemeral = false, remote_is_ephemeral = false;
  switch (token) {
    case Token::kEE:
      local_ephemeral = remote_is_ephemeral = true;
      break;
    case Token::kES:
      local_ephemeral = initiator;
      remote_is_ephemeral = !initiator;
      break;
    case Token::kSE:
      local_ephemeral = !initiator;
      remote_is_ephemeral = initiator;
      break;
    case Token::kSS:
      break;
    default:
      return Status::Error("internal error, token is not a DH");
  }
  const std::optional<Bytes>& theirs = remote_is_ephemeral ? remote_ephemeral : remote_static;
  if (local_ephemeral && !ephemeral) {
    return Status::Error(std::string("token ") + TokenName(token) +
                         " comes before our ephemeral key exists");
  }
  if (!theirs) {
    return Status::Error(std::string("token ") + TokenName(token) +
                         " comes before the peer's key is known");
  }
  const DhKeyPair& ours = local_ephemeral ? *ephemeral : static_keys_;
  auto shared = DhShared(dh_, ours, *theirs);
  if (!shared.ok()) {
    return Status::Error(std::string("Diffie-Hellman ") + TokenName(token) +
                         " failed: " + shared.status().message());
  }
  symmetric.MixKey(*shared);
  std::fill(shared->begin(), shared->end(), 0);
  return Status::Ok();
}

Status HandshakeState::WriteMessage(ByteSpan payload, Bytes& out) {
  if (Complete()) return Status::Error("noise: handshake is already complete");
  if (!MyTurnToWrite()) return Status::Error("noise: it is the peer's turn to send");
  if (payload.size() > kMaxPayloadSize) {
    return Status::Error("noise: handshake payload of " + std::to_string(payload.size()) +
                         " bytes exceeds " + std::to_string(kMaxPayloadSize));
  }
  // Work on copies so that a failure leaves this state (and out) as they were.
  SymmetricState symmetric = symmetric_;
  std::optional<DhKeyPair> ephemeral = ephemeral_;
  const size_t start = out.size();
  Status status;
  for (Token token : pattern_->messages[next_message_]) {
    switch (token) {
      case Token::kE:
        if (!ephemeral) {
          auto fresh = DhGenerate(dh_);
          if (!fresh.ok()) {
            status = fresh.status();
            break;
          }
          ephemeral = std::move(*fresh);
        }
        out.insert(out.end(), ephemeral->public_key.begin(), ephemeral->public_key.end());
        symmetric.MixHash(ephemeral->public_key);
        break;
      case Token::kS:
        status = symmetric.EncryptAndHash(static_keys_.public_key, out);
        break;
      default:
        status = MixDh(symmetric, token, ephemeral, remote_ephemeral_, remote_static_);
        break;
    }
    if (!status.ok()) break;
  }
  if (status.ok()) status = symmetric.EncryptAndHash(payload, out);
  if (!status.ok()) {
    out.resize(start);
    return status.Wrap("noise: writing handshake message " + std::to_string(next_message_ + 1));
  }
  symmetric_ = std::move(symmetric);
  ephemeral_ = std::move(ephemeral);
  ++next_message_;
  return Status::Ok();
}

Result<Bytes> HandshakeState::ReadMessage(ByteSpan message) {
  if (Complete()) return Status::Error("noise: handshake is already complete");
  if (MyTurnToWrite()) return Status::Error("noise: it is our turn to send, not to receive");
  const size_t total = message.size();
  SymmetricState symmetric = symmetric_;
  std::optional<Bytes> remote_ephemeral = remote_ephemeral_;
  std::optional<Bytes> remote_static = remote_static_;
  const size_t key_size = DhPublicKeySize(dh_);
  for (Token token : pattern_->messages[next_message_]) {
    Status status;
    if (token == Token::kE || token == Token::kS) {
      const size_t need = key_size + (token == Token::kS && symmetric.HasKey() ? 16 : 0);
      if (message.size() < need) {
        return Status::Error("noise: handshake message " + std::to_string(next_message_ + 1) +
                             " is too short (" + std::to_string(total) + " bytes) to hold the " +
                             (token == Token::kE ? "ephemeral" : "static") + " key");
      }
      if (token == Token::kE) {
        remote_ephemeral = Bytes(message.begin(), message.begin() + key_size);
        symmetric.MixHash(message.first(key_size));
      } else {
        if (remote_static) return Status::Error("noise: peer sent a static key twice");
        Bytes key;
        status = symmetric.DecryptAndHash(message.first(need), key);
        if (!status.ok()) {
          return Status::Error("noise: handshake message " + std::to_string(next_message_ + 1) +
                               ": cannot decrypt the peer's static key: " + status.message());
        }
        remote_static = std::move(key);
      }
      message = message.subspan(need);
    } else {
      status = MixDh(symmetric, token, ephemeral_, remote_ephemeral, remote_static);
      if (!status.ok()) {
        return status.Wrap("noise: handshake message " + std::to_string(next_message_ + 1));
      }
    }
  }
  Bytes payload;
  Status status = symmetric.DecryptAndHash(message, payload);
  if (!status.ok()) {
    return status.Wrap("noise: handshake message " + std::to_string(next_message_ + 1) +
                       ": payload");
  }
  symmetric_ = std::move(symmetric);
  remote_ephemeral_ = remote_ephemeral;
  remote_static_ = remote_static;
  ++next_message_;
  return payload;
}

Result<SessionKeys> HandshakeState::Split() const {
  if (!Complete()) return Status::Error("noise: handshake is not complete, no keys yet");
  SplitKeys keys = symmetric_.Split();
  if (role_ == Role::kInitiator) {
    return SessionKeys{cipher_, keys.initiator_to_responder, keys.responder_to_initiator};
  }
  return SessionKeys{cipher_, keys.responder_to_initiator, keys.initiator_to_responder};
}

}  // namespace flatnet::noise
