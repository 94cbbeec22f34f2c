#include "noise/handshake_pattern.h"

#include "noise/cipher_state.h"

namespace flatnet::noise {

using T = Token;

const HandshakePattern& PatternIX() {
  static const HandshakePattern p{
      "IX", false, false, {{T::kE, T::kS}, {T::kE, T::kEE, T::kSE, T::kS, T::kES}}};
  return p;
}

const HandshakePattern& PatternNN() {
  static const HandshakePattern p{"NN", false, false, {{T::kE}, {T::kE, T::kEE}}};
  return p;
}

const HandshakePattern& PatternXX() {
  static const HandshakePattern p{
      "XX", false, false, {{T::kE}, {T::kE, T::kEE, T::kS, T::kES}, {T::kS, T::kSE}}};
  return p;
}

const HandshakePattern& PatternIK() {
  static const HandshakePattern p{
      "IK", false, true, {{T::kE, T::kES, T::kS, T::kSS}, {T::kE, T::kEE, T::kSE}}};
  return p;
}

const HandshakePattern* FindPattern(std::string_view name) {
  for (const HandshakePattern* p : {&PatternIX(), &PatternNN(), &PatternXX(), &PatternIK()}) {
    if (p->name == name) return p;
  }
  return nullptr;
}

std::string ProtocolName(const HandshakePattern& pattern, crypto::CipherKind cipher, DhKind dh) {
  std::string name = "Noise_";
  name += pattern.name;
  name += "_";
  name += DhName(dh);
  name += "_";
  name += NoiseCipherName(cipher);
  name += "_SHA256";
  return name;
}

}  // namespace flatnet::noise
