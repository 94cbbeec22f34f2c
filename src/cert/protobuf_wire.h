// The protobuf wire format, just the part certificates need: varints, length-delimited
// fields, packed repeated varints. Field order and the proto3 rule "zero values are not
// written" are the caller's job (see certificate_codec.cpp), so that re-encoding a parsed
// certificate gives exactly the bytes Go's proto.Marshal gives and signatures still verify.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace flatnet::cert {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class ProtoWriter {
 public:
  void Varint(uint64_t value);
  void VarintField(int field, uint64_t value);
  void LengthDelimitedField(int field, ByteSpan bytes);
  void LengthDelimitedField(int field, std::string_view text);
  // One field holding all values back to back, as proto3 writes repeated scalars.
  void PackedVarintField(int field, std::span<const uint32_t> values);

  const Bytes& bytes() const& { return out_; }
  Bytes&& bytes() && { return std::move(out_); }

 private:
  void Tag(int field, WireType type);
  Bytes out_;
};

struct ProtoField {
  int number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;  // kVarint, and the raw value of kFixed32/kFixed64
  ByteSpan bytes;       // kLengthDelimited
};

// Reads fields in order. Groups (wire types 3 and 4) are refused: no Nebula message has them.
class ProtoReader {
 public:
  explicit ProtoReader(ByteSpan data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }
  // Errors say what is malformed: "truncated", "bad varint", "field number 0" ...
  Status Next(ProtoField* field);

 private:
  Status ReadVarint(uint64_t* value);
  ByteSpan data_;
  size_t pos_ = 0;
};

// Decodes a packed run of varints (each truncated to 32 bits, as Go does for uint32).
Status ReadPackedUint32(ByteSpan packed, std::vector<uint32_t>* out);

}  // namespace flatnet::cert
