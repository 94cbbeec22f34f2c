// A QR code of a text as a PNG image, for -out-qr: what nebula-cert writes so a phone (the
// Mobile Nebula app) can scan a certificate. Encoded with libqrencode (error correction
// level M, 8-bit mode) and drawn with libpng: black modules of 5x5 pixels on white, with the
// standard 4-module quiet zone, as nebula-cert's go-qrcode draws them.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace flatnet::app {

inline constexpr int kQrPixelsPerModule = 5;
inline constexpr int kQrQuietZoneModules = 4;

// The PNG file's bytes. Fails if the text is too long for any QR code version
// ("input too long for a QR code: 3000 bytes").
Result<std::string> QrCodePng(std::string_view text);

}  // namespace flatnet::app
