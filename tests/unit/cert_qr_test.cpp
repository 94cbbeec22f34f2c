// -out-qr: the PNG must be a faithful drawing of the QR code of the certificate's PEM, so a
// phone scanning it reads the certificate. The image is decoded with libpng and compared,
// module by module, with libqrencode's symbol for the same text.
#include <gtest/gtest.h>
#include <png.h>
#include <qrencode.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/flatnet_cert_cli.h"
#include "app/qr_png.h"

namespace flatnet::app {
namespace {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> gray;  // one byte per pixel
  bool dark(int x, int y) const { return gray[size_t(y) * size_t(width) + size_t(x)] < 128; }
};

bool DecodePng(const std::string& bytes, Image* image) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size())) return false;
  png.format = PNG_FORMAT_GRAY;
  image->width = int(png.width);
  image->height = int(png.height);
  image->gray.resize(PNG_IMAGE_SIZE(png));
  bool ok = png_image_finish_read(&png, nullptr, image->gray.data(), 0, nullptr) != 0;
  png_image_free(&png);
  return ok;
}

// Checks the image shows exactly the QR symbol libqrencode makes for `text`.
void ExpectImageOfQr(const std::string& png_bytes, const std::string& text) {
  ASSERT_TRUE(png_bytes.starts_with("\x89PNG\r\n\x1a\n"));
  Image image;
  ASSERT_TRUE(DecodePng(png_bytes, &image));
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
  ASSERT_NE(code, nullptr);
  const int modules = code->width;
  const int expected_size = (modules + 2 * kQrQuietZoneModules) * kQrPixelsPerModule;
  ASSERT_EQ(image.width, expected_size);
  ASSERT_EQ(image.height, expected_size);
  int mismatches = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      int mx = x / kQrPixelsPerModule - kQrQuietZoneModules;
      int my = y / kQrPixelsPerModule - kQrQuietZoneModules;
      bool inside = mx >= 0 && my >= 0 && mx < modules && my < modules;
      bool want_dark = inside && (code->data[my * modules + mx] & 1);
      if (image.dark(x, y) != want_dark) ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(QrPng, DrawsTheSymbolWithAQuietZone) {
  std::string text = "-----BEGIN NEBULA CERTIFICATE-----\nCkAKBGhvc3QSCIqAhFCA/v//DyIGc2VydmVy\n";
  Result<std::string> png = QrCodePng(text);
  ASSERT_TRUE(png.ok()) << png.status().message();
  ExpectImageOfQr(*png, text);
}

TEST(QrPng, TooMuchTextIsAnError) {
  Result<std::string> png = QrCodePng(std::string(5000, 'x'));
  ASSERT_FALSE(png.ok());
  EXPECT_EQ(png.status().message(), "input too long for a QR code: 5000 bytes");
}

TEST(QrPng, CaAndSignAndPrintWriteTheCertificatePem) {
  char pattern[] = "/tmp/flatnet-cert-qr-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string dir = pattern;
  auto path = [&](const char* name) { return dir + "/" + name; };
  auto read = [&](const char* name) {
    std::ifstream in(path(name), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  std::ostringstream out, err;
  ASSERT_EQ(RunFlatnetCert("flatnet-cert",
                           {"ca", "-name", "QR CA", "-out-crt", path("ca.crt"), "-out-key",
                            path("ca.key"), "-out-qr", path("ca.png")},
                           out, err),
            0)
      << err.str();
  ASSERT_EQ(RunFlatnetCert("flatnet-cert",
                           {"sign", "-ca-crt", path("ca.crt"), "-ca-key", path("ca.key"), "-name",
                            "phone", "-ip", "10.0.0.2/24", "-out-crt", path("phone.crt"),
                            "-out-key", path("phone.key"), "-out-qr", path("phone.png")},
                           out, err),
            0)
      << err.str();
  ASSERT_EQ(
      RunFlatnetCert("flatnet-cert",
                     {"print", "-path", path("ca.crt"), "-out-qr", path("print.png")}, out, err),
      0)
      << err.str();
  ExpectImageOfQr(read("ca.png"), read("ca.crt"));
  ExpectImageOfQr(read("phone.png"), read("phone.crt"));
  ExpectImageOfQr(read("print.png"), read("ca.crt"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flatnet::app
