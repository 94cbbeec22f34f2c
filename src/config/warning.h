// A non-fatal finding about config.yml (unknown key, deprecated form, ignored setting).
#pragma once

#include <string>

namespace flatnet::config {

struct Warning {
  std::string source;   // config file
  int line = 0;         // 1-based; 0 when the finding has no single line
  std::string message;  // names the key, e.g. `unknown key "listen.prot"`

  // "config.yml:12: unknown key \"listen.prot\"", ready to print.
  std::string ToString() const {
    return source + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + message;
  }
};

}  // namespace flatnet::config
