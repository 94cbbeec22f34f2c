#include "cert/certificate_format.h"

#include <cstdio>
#include <ctime>

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

std::string JsonArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += GoJsonString(items[i]);
  }
  return out + "]";
}

std::vector<std::string> NetStrings(const std::vector<Ipv4Net>& nets) {
  std::vector<std::string> out;
  for (const Ipv4Net& net : nets) out.push_back(net.ToString());
  return out;
}

void AppendList(std::string* out, std::string_view label, const std::vector<std::string>& items) {
  *out += "\t\t";
  *out += label;
  if (items.empty()) {
    *out += ": []\n";
    return;
  }
  *out += ": [\n";
  for (const std::string& item : items) *out += "\t\t\t" + item + "\n";
  *out += "\t\t]\n";
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
  std::string out = "NebulaCertificate {\n\tDetails {\n";
  out += "\t\tName: " + cert.name + "\n";
  AppendList(&out, "Ips", NetStrings(cert.ips));
  AppendList(&out, "Subnets", NetStrings(cert.subnets));
  std::vector<std::string> quoted_groups;
  for (const std::string& group : cert.groups) quoted_groups.push_back("\"" + group + "\"");
  AppendList(&out, "Groups", quoted_groups);
  out += "\t\tNot before: " + FormatGoTime(cert.not_before) + "\n";
  out += "\t\tNot After: " + FormatGoTime(cert.not_after) + "\n";
  out += std::string("\t\tIs CA: ") + (cert.is_ca ? "true" : "false") + "\n";
  out += "\t\tIssuer: " + cert.issuer + "\n";
  out += "\t\tPublic key: " + ToHex(cert.public_key) + "\n";
  out += "\t}\n";
  out += "\tFingerprint: " + cert.Fingerprint() + "\n";
  out += "\tSignature: " + ToHex(cert.signature) + "\n";
  out += "}";
  return out;
}

std::string CertificateJson(const Certificate& cert) {
  std::string out = "{\"details\":{";
  out += "\"groups\":" + JsonArray(cert.groups);
  out += ",\"ips\":" + JsonArray(NetStrings(cert.ips));
  out += std::string(",\"isCa\":") + (cert.is_ca ? "true" : "false");
  out += ",\"issuer\":" + GoJsonString(cert.issuer);
  out += ",\"name\":" + GoJsonString(cert.name);
  out += ",\"notAfter\":" + GoJsonString(FormatRfc3339(cert.not_after));
  out += ",\"notBefore\":" + GoJsonString(FormatRfc3339(cert.not_before));
  out += ",\"publicKey\":" + GoJsonString(ToHex(cert.public_key));
  out += ",\"subnets\":" + JsonArray(NetStrings(cert.subnets));
  out += "},\"fingerprint\":" + GoJsonString(cert.Fingerprint());
  out += ",\"signature\":" + GoJsonString(ToHex(cert.signature));
  out += "}";
  return out;
}

}  // namespace flatnet::cert
