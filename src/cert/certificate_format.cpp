#include "cert/certificate_format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

#include "cert/utf8.h"

namespace flatnet::cert {
namespace {

struct CivilTime {
  long long year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  long offset_seconds = 0;  // east of UTC
  std::string zone = "UTC";
};

CivilTime ToLocal(int64_t unix_seconds) {
  CivilTime t;
  std::time_t when = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (localtime_r(&when, &tm) == nullptr) {
    // Beyond what the C library can represent (years past 2^31): keep the raw number
    // visible rather than fail; no real certificate gets here.
    t.year = 0;
    t.zone = "unix:" + std::to_string(unix_seconds);
    return t;
  }
  t.year = 1900LL + tm.tm_year;
  t.month = tm.tm_mon + 1;
  t.day = tm.tm_mday;
  t.hour = tm.tm_hour;
  t.minute = tm.tm_min;
  t.second = tm.tm_sec;
  t.offset_seconds = tm.tm_gmtoff;
  t.zone = tm.tm_zone ? tm.tm_zone : "";
  return t;
}

std::string DateAndClock(const CivilTime& t, char separator) {
  char text[64];
  std::snprintf(text, sizeof(text), "%04lld-%02d-%02d%c%02d:%02d:%02d", t.year, t.month, t.day,
                separator, t.hour, t.minute, t.second);
  return text;
}

// A JSON string literal the way Go's encoding/json writes one.
std::string GoJsonString(std::string_view text) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out = "\"";
  while (!text.empty()) {
    unsigned char c = static_cast<unsigned char>(text.front());
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += char(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        out += "\\u00";
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
      } else {
        out += char(c);
      }
      text.remove_prefix(1);
      continue;
    }
    size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      out += "\\ufffd";  // Go replaces each invalid byte
      text.remove_prefix(1);
      continue;
    }
    std::string_view sequence = text.substr(0, length);
    if (sequence == "\xE2\x80\xA8") {
      out += "\\u2028";  // line and paragraph separators break JavaScript string literals
    } else if (sequence == "\xE2\x80\xA9") {
      out += "\\u2029";
    } else {
      out += sequence;
    }
    text.remove_prefix(length);
  }
  out += '"';
  return out;
}

// A JSON value as Go's encoding/json writes a map[string]any: object keys sorted, scalars
// already encoded. Null is a scalar "null".
struct Json;
// An object's key and value. A struct of its own, not std::pair<std::string, Json>: clang
// with libstdc++ refuses to instantiate that pair while Json is still incomplete.
struct JsonMember;
struct Json {
  enum class Kind { kScalar, kArray, kObject } kind = Kind::kScalar;
  std::string scalar;
  std::vector<Json> items;
  std::vector<JsonMember> members;

  // Defined once JsonMember is complete.
  static Json Scalar(std::string encoded);
  static Json String(std::string_view text);
  static Json Bool(bool value);
  static Json Object(std::vector<JsonMember> members);
  // A Go slice: null when nil, which is how v2 leaves absent fields.
  static Json Strings(const std::vector<std::string>& items, bool empty_is_null);
};
struct JsonMember {
  std::string first;
  Json second;
};

Json Json::Scalar(std::string encoded) { return Json{Kind::kScalar, std::move(encoded), {}, {}}; }
Json Json::String(std::string_view text) { return Scalar(GoJsonString(text)); }
Json Json::Bool(bool value) { return Scalar(value ? "true" : "false"); }
Json Json::Object(std::vector<JsonMember> members) {
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return Json{Kind::kObject, {}, {}, std::move(members)};
}
Json Json::Strings(const std::vector<std::string>& items, bool empty_is_null) {
  if (items.empty() && empty_is_null) return Scalar("null");
  Json array{Kind::kArray, {}, {}, {}};
  for (const std::string& item : items) array.items.push_back(String(item));
  return array;
}

// Compact when indent_unit is empty (json.Marshal), else json.MarshalIndent(v, "", unit).
void WriteJson(const Json& v, const std::string& indent_unit, int depth, std::string* out) {
  auto newline = [&](int level) {
    if (indent_unit.empty()) return;
    *out += '\n';
    for (int i = 0; i < level; ++i) *out += indent_unit;
  };
  switch (v.kind) {
    case Json::Kind::kScalar:
      *out += v.scalar;
      return;
    case Json::Kind::kArray:
      if (v.items.empty()) {
        *out += "[]";
        return;
      }
      *out += '[';
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) *out += ',';
        newline(depth + 1);
        WriteJson(v.items[i], indent_unit, depth + 1, out);
      }
      newline(depth);
      *out += ']';
      return;
    case Json::Kind::kObject:
      if (v.members.empty()) {
        *out += "{}";
        return;
      }
      *out += '{';
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i > 0) *out += ',';
        newline(depth + 1);
        *out += GoJsonString(v.members[i].first);
        *out += indent_unit.empty() ? ":" : ": ";
        WriteJson(v.members[i].second, indent_unit, depth + 1, out);
      }
      newline(depth);
      *out += '}';
      return;
  }
}

std::vector<std::string> NetStrings(const std::vector<IpPrefix>& nets) {
  std::vector<std::string> out;
  for (const IpPrefix& net : nets) out.push_back(net.ToString());
  return out;
}

// Nebula's marshalJSON for each version: v1 keeps publicKey and curve inside details and
// always has lists; v2 has them at the top and null for absent lists.
Json CertificateValue(const Certificate& cert) {
  bool v1 = cert.version == Version::kV1;
  std::vector<JsonMember> details = {
      {"name", Json::String(cert.name)},
      {"networks", Json::Strings(NetStrings(cert.networks), !v1)},
      {"unsafeNetworks", Json::Strings(NetStrings(cert.unsafe_networks), !v1)},
      {"groups", Json::Strings(cert.groups, !v1)},
      {"notBefore", Json::String(FormatRfc3339(cert.not_before))},
      {"notAfter", Json::String(FormatRfc3339(cert.not_after))},
      {"isCa", Json::Bool(cert.is_ca)},
      {"issuer", Json::String(cert.issuer)},
  };
  std::vector<JsonMember> top = {
      {"version", Json::Scalar(v1 ? "1" : "2")},
      {"fingerprint", Json::String(cert.Fingerprint())},
      {"signature", Json::String(ToHex(cert.signature))},
  };
  auto& key_place = v1 ? details : top;
  key_place.push_back({"publicKey", Json::String(ToHex(cert.public_key))});
  key_place.push_back({"curve", Json::String(CurveName(cert.curve))});
  top.push_back({"details", Json::Object(std::move(details))});
  return Json::Object(std::move(top));
}

}  // namespace

std::string FormatGoTime(int64_t unix_seconds) {
  CivilTime t = ToLocal(unix_seconds);
  long offset = t.offset_seconds;
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  char zone[48];
  std::snprintf(zone, sizeof(zone), "%c%02ld%02ld", sign, offset / 3600, offset / 60 % 60);
  return DateAndClock(t, ' ') + " " + zone + " " + t.zone;
}

std::string FormatRfc3339(int64_t unix_seconds) {
  CivilTime t = ToLocal(unix_seconds);
  std::string out = DateAndClock(t, 'T');
  long offset = t.offset_seconds;
  if (offset == 0) return out + "Z";
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  char zone[48];
  std::snprintf(zone, sizeof(zone), "%c%02ld:%02ld", sign, offset / 3600, offset / 60 % 60);
  return out + zone;
}

std::string CertificateText(const Certificate& cert) {
  std::string out;
  WriteJson(CertificateValue(cert), "\t", 0, &out);
  return out;
}

std::string CertificateJson(const Certificate& cert) {
  std::string out;
  WriteJson(CertificateValue(cert), "", 0, &out);
  return out;
}

std::string CertificatesJson(const std::vector<Certificate>& certs) {
  std::string out = "[";
  for (size_t i = 0; i < certs.size(); ++i) {
    if (i > 0) out += ',';
    out += CertificateJson(certs[i]);
  }
  return out + "]";
}

}  // namespace flatnet::cert
