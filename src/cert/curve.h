// The two curves of Nebula's keys and certificates. Values are the protobuf Curve enum of
// cert_v1.proto (CURVE25519 = 0, P256 = 1), which certificates carry on the wire.
//
// Curve25519 means X25519 host keys and Ed25519 CA keys; P256 means P-256 ECDH host keys and
// ECDSA P-256 CA keys.
#pragma once

#include <cstdint>
#include <string_view>

namespace flatnet::cert {

enum class Curve : uint8_t { kCurve25519 = 0, kP256 = 1 };

// Nebula's names, as nebula-cert prints them and its -curve flag spells them apart from
// case: "CURVE25519", "P256".
constexpr std::string_view CurveName(Curve curve) {
  return curve == Curve::kP256 ? "P256" : "CURVE25519";
}

}  // namespace flatnet::cert
