// names: flatnet's own section, a resolver for the certificate names of this host's peers
// (docs/names.md). Nebula ignores it.
#include <algorithm>

#include "config/sections.h"

namespace flatnet::config {
namespace {

// A DNS domain as a hostname's suffix: dot-separated labels of 1-63 letters, digits and
// hyphens, not starting or ending with a hyphen, 253 characters at most.
bool IsDomain(const std::string& domain) {
  if (domain.empty() || domain.size() > 253) return false;
  size_t start = 0;
  while (start <= domain.size()) {
    size_t end = domain.find('.', start);
    if (end == std::string::npos) end = domain.size();
    const std::string_view label(domain.data() + start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        }))
      return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

void ParseNames(ConfigReader& reader, NamesConfig* names) {
  names->enabled = reader.Bool("names.enabled", false);
  names->lighthouse_dns_port = reader.Port("names.lighthouse_dns_port", 53);
  if (names->lighthouse_dns_port == 0) {
    reader.Error(reader.Get("names.lighthouse_dns_port"), "names.lighthouse_dns_port",
                 "must name the port the lighthouses answer DNS on (lighthouse.dns.port), not 0");
    names->lighthouse_dns_port = 53;
  }

  std::string domain = reader.String("names.domain", "");
  for (char& c : domain)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  if (!domain.empty() && domain.back() == '.') domain.pop_back();  // "our-team." is fine
  if (!domain.empty() && !IsDomain(domain)) {
    reader.Error(reader.Get("names.domain"), "names.domain",
                 "\"" + reader.String("names.domain", "") +
                     "\" is not a DNS domain (dot-separated labels of letters, digits and "
                     "hyphens, such as our-team or mesh.example.org)");
    domain.clear();
  }
  names->domain = domain;

  const std::string listen = reader.String("names.listen", "");
  if (!listen.empty()) {
    auto address = HostPort::Parse(listen);
    if (!address.ok() || !address->ip) {
      reader.Error(reader.Get("names.listen"), "names.listen",
                   "\"" + listen + "\" is not IP:port, such as 127.0.0.1:53 or [fd00::1]:53" +
                       (address.ok() ? std::string() : " (" + address.status().message() + ")"));
    } else {
      names->listen_ip = address->ip;
      names->listen_port = address->port;
    }
  }
}

}  // namespace flatnet::config
