#include "cert/protobuf_wire.h"

namespace flatnet::cert {

void ProtoWriter::Varint(uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(uint8_t(value) | 0x80);
    value >>= 7;
  }
  out_.push_back(uint8_t(value));
}

void ProtoWriter::Tag(int field, WireType type) { Varint(uint64_t(field) << 3 | uint64_t(type)); }

void ProtoWriter::VarintField(int field, uint64_t value) {
  Tag(field, WireType::kVarint);
  Varint(value);
}

void ProtoWriter::LengthDelimitedField(int field, ByteSpan bytes) {
  Tag(field, WireType::kLengthDelimited);
  Varint(bytes.size());
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

void ProtoWriter::LengthDelimitedField(int field, std::string_view text) {
  LengthDelimitedField(field, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void ProtoWriter::PackedVarintField(int field, std::span<const uint32_t> values) {
  ProtoWriter packed;
  for (uint32_t v : values) packed.Varint(v);
  LengthDelimitedField(field, packed.bytes());
}

namespace {

// Decodes the varint at data[*pos], advancing *pos past it.
Status DecodeVarint(ByteSpan data, size_t* pos, uint64_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    if (*pos >= data.size()) return Status::Error("truncated varint");
    uint8_t b = data[(*pos)++];
    // The tenth byte may only carry the top bit of a 64-bit value.
    if (i == 9 && b > 1) return Status::Error("varint overflows 64 bits");
    result |= uint64_t(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *value = result;
      return Status::Ok();
    }
  }
  return Status::Error("varint overflows 64 bits");
}

}  // namespace

Status ProtoReader::ReadVarint(uint64_t* value) { return DecodeVarint(data_, &pos_, value); }

Status ProtoReader::Next(ProtoField* field) {
  uint64_t tag = 0;
  Status s = ReadVarint(&tag);
  if (!s.ok()) return s;
  uint64_t number = tag >> 3;
  if (number == 0 || number > (uint64_t(1) << 29) - 1) {
    return Status::Error("invalid field number " + std::to_string(number));
  }
  field->number = int(number);
  field->varint = 0;
  field->bytes = {};
  switch (tag & 7) {
    case 0:
      field->type = WireType::kVarint;
      return ReadVarint(&field->varint);
    case 1:
    case 5: {
      size_t width = (tag & 7) == 1 ? 8 : 4;
      field->type = width == 8 ? WireType::kFixed64 : WireType::kFixed32;
      if (data_.size() - pos_ < width) return Status::Error("truncated fixed-width field");
      for (size_t i = 0; i < width; ++i) field->varint |= uint64_t(data_[pos_ + i]) << (8 * i);
      pos_ += width;
      return Status::Ok();
    }
    case 2: {
      field->type = WireType::kLengthDelimited;
      uint64_t length = 0;
      s = ReadVarint(&length);
      if (!s.ok()) return s;
      if (length > data_.size() - pos_) {
        return Status::Error("field " + std::to_string(number) + " is truncated");
      }
      field->bytes = data_.subspan(pos_, size_t(length));
      pos_ += size_t(length);
      return Status::Ok();
    }
    default:
      return Status::Error("unsupported wire type " + std::to_string(tag & 7) + " in field " +
                           std::to_string(number));
  }
}

Status ReadPackedUint32(ByteSpan packed, std::vector<uint32_t>* out) {
  size_t pos = 0;
  while (pos < packed.size()) {
    uint64_t value = 0;
    Status s = DecodeVarint(packed, &pos, &value);
    if (!s.ok()) return s;
    out->push_back(uint32_t(value));
  }
  return Status::Ok();
}

}  // namespace flatnet::cert
