#include "cert/pem.h"

#include <utility>

namespace flatnet::cert {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Splits off one line: returns it without its line break (LF or CRLF) and without trailing
// spaces and tabs, and advances *text past the line break.
std::string_view TakeLine(std::string_view* text) {
  size_t newline = text->find('\n');
  std::string_view line;
  if (newline == std::string_view::npos) {
    line = *text;
    *text = text->substr(text->size());
  } else {
    line = text->substr(0, newline);
    *text = text->substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line;
}

// Position just after the next "-----BEGIN " that starts a line, or npos.
size_t FindBlockStart(std::string_view text) {
  if (text.starts_with(kBegin)) return kBegin.size();
  size_t at = text.find("\n-----BEGIN ");
  return at == std::string_view::npos ? at : at + 1 + kBegin.size();
}

// Parses one block whose BEGIN marker has just been consumed from *cursor. On failure the
// cursor stays past the BEGIN line, so the caller's search resumes after it, as Go's does.
// `exhausted` is set when the input ended inside the header lines: Go gives up entirely then.
std::optional<PemBlock> ParseBlockAfterBegin(std::string_view* cursor, bool* exhausted) {
  std::string_view type_line = TakeLine(cursor);
  if (!type_line.ends_with(kDashes)) return std::nullopt;
  std::string_view type = type_line.substr(0, type_line.size() - kDashes.size());

  // Optional "Key: value" header lines; Nebula writes none, and their values are not needed.
  bool has_headers = false;
  while (true) {
    if (cursor->empty()) {
      *exhausted = true;
      return std::nullopt;
    }
    std::string_view after = *cursor;
    std::string_view line = TakeLine(&after);
    if (line.find(':') == std::string_view::npos) break;
    has_headers = true;
    *cursor = after;
  }

  size_t body_end;
  size_t end_type_at;
  if (!has_headers && cursor->starts_with(kEnd)) {
    body_end = 0;  // an empty block: the END line follows the BEGIN line directly
    end_type_at = kEnd.size();
  } else {
    body_end = cursor->find("\n-----END ");
    if (body_end == std::string_view::npos) return std::nullopt;
    end_type_at = body_end + 1 + kEnd.size();
  }
  std::string_view end_line = cursor->substr(end_type_at);
  size_t trailer_size = type.size() + kDashes.size();
  if (end_line.size() < trailer_size) return std::nullopt;
  std::string_view trailer = end_line.substr(0, trailer_size);
  if (!trailer.starts_with(type) || !trailer.ends_with(kDashes)) return std::nullopt;
  std::string_view after_end = end_line.substr(trailer_size);
  if (!TakeLine(&after_end).empty()) return std::nullopt;

  std::optional<Bytes> bytes = Base64Decode(cursor->substr(0, body_end));
  if (!bytes) return std::nullopt;
  *cursor = after_end;
  return PemBlock{std::string(type), std::move(*bytes)};
}

}  // namespace

std::string Base64Encode(ByteSpan bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = uint32_t(bytes[i]) << 16 | uint32_t(bytes[i + 1]) << 8 | bytes[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t left = bytes.size() - i;
  if (left > 0) {
    uint32_t v = uint32_t(bytes[i]) << 16 | (left == 2 ? uint32_t(bytes[i + 1]) << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<Bytes> Base64Decode(std::string_view text) {
  std::string symbols;
  symbols.reserve(text.size());
  for (char c : text) {
    if (!IsSpace(c)) symbols += c;
  }
  if (symbols.size() % 4 != 0) return std::nullopt;

  Bytes out;
  out.reserve(symbols.size() / 4 * 3);
  for (size_t q = 0; q < symbols.size(); q += 4) {
    bool last_quantum = q + 4 == symbols.size();
    int padding = 0;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = symbols[q + k];
      if (c == '=') {
        // Padding only closes the last quantum, and only after two symbols.
        if (!last_quantum || k < 2) return std::nullopt;
        ++padding;
        v <<= 6;
        continue;
      }
      if (padding > 0) return std::nullopt;  // a symbol after '='
      int value = Base64Value(c);
      if (value < 0) return std::nullopt;
      v = v << 6 | uint32_t(value);
    }
    out.push_back(uint8_t(v >> 16));
    if (padding < 2) out.push_back(uint8_t(v >> 8));
    if (padding < 1) out.push_back(uint8_t(v));
  }
  return out;
}

std::string EncodePem(std::string_view type, ByteSpan bytes) {
  std::string body = Base64Encode(bytes);
  std::string out;
  out.reserve(body.size() + body.size() / 64 + 2 * type.size() + 40);
  out.append(kBegin).append(type).append(kDashes).append("\n");
  for (size_t at = 0; at < body.size(); at += 64) {
    out.append(body, at, 64).append("\n");
  }
  out.append(kEnd).append(type).append(kDashes).append("\n");
  return out;
}

std::optional<PemBlock> DecodePem(std::string_view data, std::string_view* rest) {
  if (rest) *rest = data;
  std::string_view cursor = data;
  while (true) {
    size_t start = FindBlockStart(cursor);
    if (start == std::string_view::npos) return std::nullopt;
    cursor.remove_prefix(start);
    bool exhausted = false;
    std::optional<PemBlock> block = ParseBlockAfterBegin(&cursor, &exhausted);
    if (block) {
      if (rest) *rest = cursor;
      return block;
    }
    if (exhausted) return std::nullopt;
  }
}

std::string MissingPemMessage(std::string_view data) {
  std::string message = "input did not contain a valid PEM encoded block";
  if (data.find(kBegin) != std::string_view::npos) message += " (truncated or corrupt PEM)";
  return message;
}

bool IsBlank(std::string_view data) {
  for (char c : data) {
    if (!IsSpace(c) && c != '\v' && c != '\f') return false;
  }
  return true;
}

}  // namespace flatnet::cert
