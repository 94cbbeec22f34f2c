// ZipWriter: builds a .zip archive in memory, for member bundles (bundle.h). Entries are
// deflated with zlib (stored when deflate does not make them smaller), with their CRC-32,
// a fixed timestamp and Unix permissions (so an unpacked host.key stays 0600 and start.sh
// executable with Info-ZIP's unzip). No ZIP64: an archive and each entry stay under 4 GiB
// and 65535 entries, which a bundle (a config, three PEM files, two binaries and a DLL) is
// far below; Add refuses what would pass those limits.
//
// Why not libzip or minizip: neither is installed on the build machines (only zlib1g-dev
// is, see docs/architecture.md), and the container around zlib's deflate is a few dozen
// lines of fixed-layout headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flatnet::onboard {

class ZipWriter {
 public:
  // `name` is the path inside the archive, '/'-separated, relative, without "..";
  // `mode` its Unix permission bits (0644, 0600, 0755).
  Status Add(std::string_view name, std::string_view content, uint32_t mode);
  // The whole archive: local headers and data, then the central directory.
  std::string Finish() const;

 private:
  struct Entry {
    std::string name;
    uint32_t crc = 0;
    uint32_t compressed_size = 0;
    uint32_t size = 0;
    uint16_t method = 0;  // 0 stored, 8 deflated
    uint32_t mode = 0;
    uint32_t offset = 0;  // of its local header
  };
  static void PutSharedFields(std::string& out, const Entry& e);
  std::vector<Entry> entries_;
  std::string body_;  // local headers and data so far
};

}  // namespace flatnet::onboard
