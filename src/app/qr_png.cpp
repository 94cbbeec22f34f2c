#include "app/qr_png.h"

#include <png.h>
#include <qrencode.h>

#include <cerrno>
#include <memory>
#include <vector>

namespace flatnet::app {
namespace {

struct QrFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

void AppendToString(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

void NoFlush(png_structp) {}

// Writes a 1-bit grayscale PNG of `rows` (each bit 1 = white) into *out. libpng reports
// errors by longjmp, so this function holds no object with a destructor across setjmp.
bool WritePng(int size, png_bytep* rows, std::string* out) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, out, AppendToString, NoFlush);
  png_set_IHDR(png, info, png_uint_32(size), png_uint_32(size), 1, PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

Result<std::string> QrCodePng(std::string_view text) {
  std::string input(text);  // libqrencode wants a NUL-terminated string
  errno = 0;
  std::unique_ptr<QRcode, QrFree> code(
      QRcode_encodeString8bit(input.c_str(), /*version=*/0, QR_ECLEVEL_M));
  if (!code) {
    if (errno == ERANGE) {
      return Status::Error("input too long for a QR code: " + std::to_string(text.size()) +
                           " bytes");
    }
    return Status::Error("libqrencode failed to encode the input");
  }

  const int modules = code->width;
  const int size = (modules + 2 * kQrQuietZoneModules) * kQrPixelsPerModule;
  const size_t row_bytes = size_t(size + 7) / 8;
  std::vector<png_byte> pixels(row_bytes * size_t(size), 0xff);  // all white
  for (int y = 0; y < modules; ++y) {
    for (int x = 0; x < modules; ++x) {
      if (!(code->data[y * modules + x] & 1)) continue;  // bit 0: dark module
      int top = (y + kQrQuietZoneModules) * kQrPixelsPerModule;
      int left = (x + kQrQuietZoneModules) * kQrPixelsPerModule;
      for (int py = top; py < top + kQrPixelsPerModule; ++py) {
        for (int px = left; px < left + kQrPixelsPerModule; ++px) {
          pixels[size_t(py) * row_bytes + size_t(px) / 8] &= png_byte(~(0x80 >> (px % 8)));
        }
      }
    }
  }
  std::vector<png_bytep> rows(static_cast<size_t>(size));
  for (int y = 0; y < size; ++y) rows[size_t(y)] = &pixels[size_t(y) * row_bytes];

  std::string out;
  if (!WritePng(size, rows.data(), &out)) return Status::Error("libpng failed to write the image");
  return out;
}

}  // namespace flatnet::app
