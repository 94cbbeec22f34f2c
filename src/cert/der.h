// A small, strict ASN.1 DER reader and writer: exactly what Nebula's v2 certificates
// (cert/cert_v2.asn1) and ECDSA signatures need, with the rules of Go's cryptobyte, which
// Nebula parses with, so flatnet accepts and refuses the same bytes:
// - identifiers are one byte (tag numbers below 31); the high-tag-number form is refused;
// - lengths are definite and minimal: short form below 128, otherwise 1..4 length bytes
//   with no leading zero byte and a value of at least 128; indefinite lengths are refused;
// - an element may not run past the end of its input;
// - INTEGERs are minimal two's complement (no redundant leading 0x00/0xff byte), non-empty.
// Nebula's fields are context-tagged and IMPLICIT ([1] is 0x81 around the raw value), which
// is why this is hand-written rather than OpenSSL's ASN1 templates (see docs/architecture.md).
//
// The reader never copies: elements are spans into the input, which must outlive them.
// Errors name the element ("details: length is not minimal").
#pragma once

#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace flatnet::cert::der {

// Identifier octets: class bits | constructed bit | tag number.
inline constexpr uint8_t kConstructed = 0x20;
inline constexpr uint8_t kContextSpecific = 0x80;
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kUtf8String = 0x0c;
inline constexpr uint8_t kSequence = 0x30;

struct Element {
  uint8_t tag = 0;
  ByteSpan contents;  // the value, without identifier and length
  ByteSpan encoded;   // identifier, length and value: the element as it appeared
};

class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data) {}
  bool empty() const { return data_.empty(); }
  size_t remaining() const { return data_.size(); }
  // True if another element follows and its identifier is `tag`.
  bool PeekTag(uint8_t tag) const { return !data_.empty() && data_[0] == tag; }

  // The next element, which must carry `tag`. `what` names it in errors.
  Status Read(uint8_t tag, std::string_view what, Element* out);
  // Like Read when the next identifier is `tag`; otherwise reads nothing and *present = false.
  Status ReadOptional(uint8_t tag, std::string_view what, Element* out, bool* present);

 private:
  ByteSpan data_;
};

// The value of a DER INTEGER's contents as int64 (cryptobyte's ReadASN1Int64WithTag).
Status DecodeInt64(ByteSpan contents, std::string_view what, int64_t* out);
// The minimal two's complement contents of `value`.
Bytes EncodeInt64(int64_t value);

class Writer {
 public:
  // Appends identifier, minimal length and `contents`.
  void Add(uint8_t tag, ByteSpan contents);
  void AddRaw(ByteSpan encoded);  // an already encoded element
  const Bytes& bytes() const& { return out_; }
  Bytes&& bytes() && { return std::move(out_); }

 private:
  Bytes out_;
};

// One element as bytes: Writer{}.Add(tag, contents).
Bytes Encode(uint8_t tag, ByteSpan contents);

}  // namespace flatnet::cert::der
