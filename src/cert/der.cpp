#include "cert/der.h"

#include <string>

namespace flatnet::cert::der {
namespace {

std::string TagText(uint8_t tag) {
  static const char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[tag >> 4] + kDigits[tag & 15];
}

Status Bad(std::string_view what, const std::string& why) {
  return Status::Error(std::string(what) + ": " + why);
}

}  // namespace

Status Reader::Read(uint8_t tag, std::string_view what, Element* out) {
  if (data_.size() < 2) {
    return Bad(what, data_.empty() ? "missing" : "truncated before its length");
  }
  uint8_t identifier = data_[0];
  if ((identifier & 0x1f) == 0x1f) return Bad(what, "high tag numbers are not supported");
  if (identifier != tag) {
    return Bad(what, "expected tag " + TagText(tag) + ", found " + TagText(identifier));
  }
  uint8_t first = data_[1];
  size_t header = 2;
  uint64_t length = 0;
  if (first < 0x80) {
    length = first;
  } else {
    size_t length_bytes = first & 0x7f;
    if (length_bytes == 0) return Bad(what, "indefinite lengths are not DER");
    if (length_bytes > 4) return Bad(what, "length is too large");
    if (data_.size() < 2 + length_bytes) return Bad(what, "truncated inside its length");
    if (data_[2] == 0) return Bad(what, "length is not minimal");
    for (size_t i = 0; i < length_bytes; ++i) length = length << 8 | data_[2 + i];
    if (length < 0x80) return Bad(what, "length is not minimal");
    header += length_bytes;
  }
  if (length > data_.size() - header) {
    return Bad(what, "length " + std::to_string(length) + " runs past the end (" +
                         std::to_string(data_.size() - header) + " bytes left)");
  }
  size_t total = header + size_t(length);
  out->tag = identifier;
  out->contents = data_.subspan(header, size_t(length));
  out->encoded = data_.subspan(0, total);
  data_ = data_.subspan(total);
  return Status::Ok();
}

Status Reader::ReadOptional(uint8_t tag, std::string_view what, Element* out, bool* present) {
  *present = PeekTag(tag);
  if (!*present) return Status::Ok();
  return Read(tag, what, out);
}

Status DecodeInt64(ByteSpan contents, std::string_view what, int64_t* out) {
  if (contents.empty()) return Bad(what, "empty integer");
  if (contents.size() > 1 && ((contents[0] == 0 && !(contents[1] & 0x80)) ||
                              (contents[0] == 0xff && (contents[1] & 0x80)))) {
    return Bad(what, "integer is not minimally encoded");
  }
  if (contents.size() > 8) return Bad(what, "integer does not fit 64 bits");
  // Sign-extend from the first byte.
  uint64_t value = (contents[0] & 0x80) ? ~uint64_t(0) : 0;
  for (uint8_t b : contents) value = value << 8 | b;
  *out = int64_t(value);
  return Status::Ok();
}

Bytes EncodeInt64(int64_t value) {
  Bytes out;
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(uint8_t(uint64_t(value) >> shift));
  // Drop leading bytes that only repeat the sign of the next one.
  size_t skip = 0;
  while (skip + 1 < out.size() && ((out[skip] == 0 && !(out[skip + 1] & 0x80)) ||
                                   (out[skip] == 0xff && (out[skip + 1] & 0x80)))) {
    ++skip;
  }
  out.erase(out.begin(), out.begin() + long(skip));
  return out;
}

void Writer::Add(uint8_t tag, ByteSpan contents) {
  out_.push_back(tag);
  size_t n = contents.size();
  if (n < 0x80) {
    out_.push_back(uint8_t(n));
  } else {
    int length_bytes = 0;
    for (size_t v = n; v > 0; v >>= 8) ++length_bytes;
    out_.push_back(uint8_t(0x80 | length_bytes));
    for (int i = length_bytes - 1; i >= 0; --i) out_.push_back(uint8_t(n >> (8 * i)));
  }
  out_.insert(out_.end(), contents.begin(), contents.end());
}

void Writer::AddRaw(ByteSpan encoded) { out_.insert(out_.end(), encoded.begin(), encoded.end()); }

Bytes Encode(uint8_t tag, ByteSpan contents) {
  Writer w;
  w.Add(tag, contents);
  return std::move(w).bytes();
}

}  // namespace flatnet::cert::der
