// PEM blocks exactly as Go's encoding/pem writes and reads them, since every Nebula key and
// certificate file is one or more PEM blocks ("-----BEGIN NEBULA CERTIFICATE-----").
//
// EncodePem writes the canonical form: BEGIN line, standard padded base64 in 64-column
// lines, END line, each ending in "\n". DecodePem finds the first well-formed block in its
// input, skipping text before it and malformed blocks the way Go does (so a file Nebula reads
// is a file flatnet reads), and tells where the input continues after that block.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace flatnet::cert {

struct PemBlock {
  std::string type;  // the text between "-----BEGIN " and "-----", e.g. "NEBULA CERTIFICATE"
  Bytes bytes;       // the decoded body
};

std::string EncodePem(std::string_view type, ByteSpan bytes);

// The first valid block in `data`, or nullopt if there is none. On success *rest (if given)
// is the input after the block's END line; on failure it is `data` unchanged.
std::optional<PemBlock> DecodePem(std::string_view data, std::string_view* rest = nullptr);

// Why DecodePem found nothing, in Nebula's words, adding a hint when a BEGIN line is there
// (so the block is truncated or corrupt rather than absent).
std::string MissingPemMessage(std::string_view data);

// True if `data` holds nothing but spaces, tabs and line breaks: where a multi-block file ends.
bool IsBlank(std::string_view data);

// Standard base64 with padding (RFC 4648), as PEM bodies use.
std::string Base64Encode(ByteSpan bytes);
// Ignores spaces, tabs and line breaks; nullopt on any other non-alphabet byte or bad padding.
std::optional<Bytes> Base64Decode(std::string_view text);

}  // namespace flatnet::cert
