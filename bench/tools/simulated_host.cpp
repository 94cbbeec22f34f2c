#include "simulated_host.h"

#include <chrono>

#include "wire/messages.h"

namespace flatnet::bench {

Status SimulatedHost::StartHandshake(const HostIdentity& identity, crypto::CipherKind cipher) {
  cipher_.reset();
  auto state = noise::HandshakeState::Create(cipher, noise::Role::kInitiator,
                                             noise::DhKind::kCurve25519, identity.keys);
  if (!state.ok()) return state.status();
  nebula::NebulaHandshake message;
  auto* details = message.mutable_details();
  details->set_initiatorindex(index_);
  details->set_time(uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count()));
  details->set_cert(identity.handshake_cert.data(), identity.handshake_cert.size());
  details->set_certversion(1);
  Bytes noise_message;
  if (Status s = state->WriteMessage(wire::EncodeMessage(message), noise_message); !s.ok())
    return s;
  stage1_.assign(wire::kHeaderSize, 0);
  wire::Header header;
  header.type = wire::MessageType::kHandshake;
  header.subtype = wire::MessageSubType::kIxPsk0;
  header.message_counter = 1;
  wire::EncodeHeader(header, stage1_.data());
  stage1_.insert(stage1_.end(), noise_message.begin(), noise_message.end());
  handshake_ = std::make_unique<noise::HandshakeState>(std::move(*state));
  send_counter_ = 3;
  return Status();
}

bool SimulatedHost::TryFinishHandshake(ByteSpan datagram) {
  if (!handshake_) return false;
  auto header = wire::ParseHeader(datagram);
  if (!header.ok() || header->type != wire::MessageType::kHandshake ||
      header->message_counter != 2 || header->remote_index != index_)
    return false;
  auto payload = handshake_->ReadMessage(datagram.subspan(wire::kHeaderSize));
  if (!payload.ok()) return false;
  auto reply = wire::DecodeHandshake(*payload);
  if (!reply.ok()) return false;
  auto keys = handshake_->Split();
  if (!keys.ok()) return false;
  auto cipher = std::make_unique<noise::TunnelCipher>(*keys);
  if (!cipher->valid()) return false;
  remote_index_ = reply->details().responderindex();
  cipher_ = std::move(cipher);
  handshake_.reset();
  stage1_ = Bytes();
  return true;
}

std::optional<wire::Header> SimulatedHost::Open(ByteSpan datagram, Bytes& plain) {
  if (!cipher_ || datagram.size() < wire::kHeaderSize + noise::TunnelCipher::kTagSize)
    return std::nullopt;
  auto header = wire::ParseHeader(datagram);
  if (!header.ok() || header->type == wire::MessageType::kHandshake) return std::nullopt;
  plain.resize(datagram.size() - wire::kHeaderSize - noise::TunnelCipher::kTagSize);
  long n = cipher_->Open(header->message_counter, datagram.first(wire::kHeaderSize),
                         datagram.subspan(wire::kHeaderSize), plain.data());
  if (n < 0) return std::nullopt;
  plain.resize(size_t(n));
  return *header;
}

size_t SimulatedHost::Seal(wire::MessageType type, wire::MessageSubType subtype, ByteSpan plain,
                           uint8_t* out) {
  wire::Header header;
  header.type = type;
  header.subtype = subtype;
  header.remote_index = remote_index_;
  header.message_counter = send_counter_++;
  wire::EncodeHeader(header, out);
  long n = cipher_->Seal(header.message_counter, ByteSpan(out, wire::kHeaderSize), plain,
                         out + wire::kHeaderSize);
  return n < 0 ? 0 : wire::kHeaderSize + size_t(n);
}

}  // namespace flatnet::bench
