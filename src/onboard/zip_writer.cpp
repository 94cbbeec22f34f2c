#include "onboard/zip_writer.h"

#include <zlib.h>

#include <limits>

namespace flatnet::onboard {
namespace {

// 1980-01-01 00:00 in MS-DOS date/time: a fixed stamp, so the same inputs make the same zip.
constexpr uint16_t kDosTime = 0;
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr uint16_t kVersionNeeded = 20;        // 2.0: deflate
constexpr uint16_t kVersionMadeByUnix = 0x031e;  // host 3 (Unix), spec 3.0
constexpr uint16_t kFlagUtf8Names = 1 << 11;

void Put16(std::string& out, uint16_t v) {
  out.push_back(char(v & 0xff));
  out.push_back(char(v >> 8));
}
void Put32(std::string& out, uint32_t v) {
  Put16(out, uint16_t(v & 0xffff));
  Put16(out, uint16_t(v >> 16));
}

// Raw deflate (no zlib header), as zip stores it. Empty on failure.
std::string Deflate(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return {};
  }
  std::string out(deflateBound(&z, uLong(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t produced = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return {};
  out.resize(produced);
  return out;
}

}  // namespace

// The fields the local header and the central directory entry share, from "version
// needed" to the name's length.
void ZipWriter::PutSharedFields(std::string& out, const Entry& e) {
  Put16(out, kVersionNeeded);
  Put16(out, kFlagUtf8Names);
  Put16(out, e.method);
  Put16(out, kDosTime);
  Put16(out, kDosDate);
  Put32(out, e.crc);
  Put32(out, e.compressed_size);
  Put32(out, e.size);
  Put16(out, uint16_t(e.name.size()));
}

namespace {

bool SafeName(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == ".." ||
        part.find('\\') != std::string_view::npos) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

Status ZipWriter::Add(std::string_view name, std::string_view content, uint32_t mode) {
  if (!SafeName(name)) return Status::Error("zip: bad entry name \"" + std::string(name) + "\"");
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  if (entries_.size() >= 0xffff || content.size() >= kMax || body_.size() + content.size() +
                                                                     name.size() + 1024 >=
                                                                 kMax) {
    return Status::Error("zip: " + std::string(name) + " would make the archive too large");
  }
  Entry e;
  e.name = std::string(name);
  e.mode = mode;
  e.size = uint32_t(content.size());
  e.crc = uint32_t(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(content.data()),
                         uInt(content.size())));
  std::string deflated = Deflate(content);
  std::string_view data = content;
  if (!deflated.empty() && deflated.size() < content.size()) {
    e.method = 8;
    data = deflated;
  }
  e.compressed_size = uint32_t(data.size());
  e.offset = uint32_t(body_.size());

  Put32(body_, 0x04034b50);
  PutSharedFields(body_, e);
  Put16(body_, 0);  // no extra field
  body_ += e.name;
  body_ += data;
  entries_.push_back(std::move(e));
  return Status::Ok();
}

std::string ZipWriter::Finish() const {
  std::string out = body_;
  uint32_t directory_offset = uint32_t(out.size());
  for (const Entry& e : entries_) {
    Put32(out, 0x02014b50);
    Put16(out, kVersionMadeByUnix);
    PutSharedFields(out, e);
    Put16(out, 0);  // extra
    Put16(out, 0);  // comment
    Put16(out, 0);  // disk
    Put16(out, 0);  // internal attributes
    Put32(out, (0100000u | e.mode) << 16);  // regular file, Unix mode in the high half
    Put32(out, e.offset);
    out += e.name;
  }
  uint32_t directory_size = uint32_t(out.size() - directory_offset);
  Put32(out, 0x06054b50);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, uint16_t(entries_.size()));
  Put16(out, uint16_t(entries_.size()));
  Put32(out, directory_size);
  Put32(out, directory_offset);
  Put16(out, 0);  // no comment
  return out;
}

}  // namespace flatnet::onboard
