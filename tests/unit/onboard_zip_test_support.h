// Reads back the zips ZipWriter makes (tests only): the central directory's entries, each
// with its Unix mode and its content inflated by zlib and checked against its CRC-32.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <map>
#include <string>

namespace flatnet::onboard::testing {

struct ZipEntry {
  std::string content;
  uint32_t mode = 0;  // Unix permission bits
};

inline uint32_t Le(const std::string& z, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | uint8_t(z.at(at + i));
  return v;
}

// Entries by name; a malformed archive fails the calling test and returns what was read.
inline std::map<std::string, ZipEntry> ReadZip(const std::string& z) {
  std::map<std::string, ZipEntry> entries;
  EXPECT_GE(z.size(), 22u);
  if (z.size() < 22) return entries;
  size_t end = z.size() - 22;
  EXPECT_EQ(Le(z, end, 4), 0x06054b50u);
  uint32_t count = Le(z, end + 10, 2), at = Le(z, end + 16, 4);
  for (uint32_t i = 0; i < count; ++i) {
    EXPECT_EQ(Le(z, at, 4), 0x02014b50u);
    uint32_t method = Le(z, at + 10, 2), crc = Le(z, at + 16, 4);
    uint32_t csize = Le(z, at + 20, 4), size = Le(z, at + 24, 4);
    uint32_t name_len = Le(z, at + 28, 2), extra = Le(z, at + 30, 2), comment = Le(z, at + 32, 2);
    uint32_t attributes = Le(z, at + 38, 4), local = Le(z, at + 42, 4);
    std::string name = z.substr(at + 46, name_len);
    at += 46 + name_len + extra + comment;
    EXPECT_EQ(Le(z, local, 4), 0x04034b50u);
    size_t data = local + 30 + Le(z, local + 26, 2) + Le(z, local + 28, 2);
    std::string stored = z.substr(data, csize), content;
    if (method == 0) {
      content = stored;
    } else {
      EXPECT_EQ(method, 8u) << name;
      content.resize(size);
      z_stream s{};
      inflateInit2(&s, -MAX_WBITS);
      s.next_in = reinterpret_cast<Bytef*>(stored.data());
      s.avail_in = uInt(stored.size());
      s.next_out = reinterpret_cast<Bytef*>(content.data());
      s.avail_out = uInt(content.size());
      EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END) << name;
      inflateEnd(&s);
    }
    EXPECT_EQ(content.size(), size) << name;
    EXPECT_EQ(crc32(0, reinterpret_cast<const Bytef*>(content.data()), uInt(content.size())), crc)
        << name;
    entries[name] = ZipEntry{content, (attributes >> 16) & 07777};
  }
  return entries;
}

}  // namespace flatnet::onboard::testing
