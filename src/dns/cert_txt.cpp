#include "dns/cert_txt.h"

#include <chrono>

#include "base/log.h"

namespace flatnet::dns {
namespace {

// Go's fmt "%s" of a slice.
std::string GoList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ' ';
    out += items[i];
  }
  return out + "]";
}

// Go's time.Time.String() of time.Unix(seconds, 0), in the local zone.
std::string GoTime(int64_t unix_seconds) {
  auto time = std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
  return log::FormatGoTime(time, "2006-01-02 15:04:05.999999999 -0700 MST");
}

// Appends `s` as miekg's zone parser stores a quoted TXT token: pieces of 255 bytes when
// it is longer than that, the last piece being empty when the length divides by 255.
void AppendSplit(std::vector<std::string>& out, const std::string& s) {
  if (s.size() <= 255) {
    out.push_back(s);
    return;
  }
  for (size_t p = 0;; p += 255) {
    if (p + 255 <= s.size()) {
      out.push_back(s.substr(p, 255));
    } else {
      out.push_back(s.substr(p));
      break;
    }
  }
}

}  // namespace

std::vector<std::string> CertTxtStrings(const CertDetails& d) {
  std::vector<std::string> out;
  AppendSplit(out, "Name: " + d.name);
  AppendSplit(out, "Ips: " + GoList(d.ips));
  AppendSplit(out, "Subnets " + GoList(d.subnets));
  AppendSplit(out, "Groups " + GoList(d.groups));
  AppendSplit(out, "NotBefore " + GoTime(d.not_before));
  AppendSplit(out, "NotAFter " + GoTime(d.not_after));
  AppendSplit(out, "PublicKey " + ToHex(d.public_key));
  AppendSplit(out, std::string("IsCA ") + (d.is_ca ? "true" : "false"));
  AppendSplit(out, "Issuer " + d.issuer);
  return out;
}

}  // namespace flatnet::dns
