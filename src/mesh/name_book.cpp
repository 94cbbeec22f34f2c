#include "mesh/name_book.h"

#include <algorithm>
#include <cctype>

namespace flatnet::mesh {

std::string NameBook::Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

void NameBook::Remember(const std::string& cert_name, const std::vector<IpAddr>& vpn_addrs) {
  std::lock_guard lock(mutex_);
  names_[Lowercase(cert_name)] = vpn_addrs;
}

std::vector<IpAddr> NameBook::Find(std::string_view lowercase_name) const {
  std::lock_guard lock(mutex_);
  auto it = names_.find(std::string(lowercase_name));
  if (it == names_.end()) return {};
  return it->second;
}

}  // namespace flatnet::mesh
