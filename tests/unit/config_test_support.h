// Test support for the config loader's tests: the pki section every config needs (four
// lines, so the first line of what a test appends is line 5 in error messages), a loader
// that expects success, and the path of a file in tests/unit/data/config.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace flatnet::config::config_test {

inline constexpr const char* kPki =
    "pki:\n"
    "  ca: /etc/nebula/ca.crt\n"
    "  cert: /etc/nebula/host.crt\n"
    "  key: /etc/nebula/host.key\n";

// kPki followed by `rest`, loaded; a failure fails the test and gives an empty Config.
inline Config MustLoad(const std::string& rest, std::vector<Warning>* warnings = nullptr) {
  std::vector<Warning> ignored;
  auto config =
      LoadConfigFromString(kPki + rest, "config.yml", warnings ? warnings : &ignored);
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? std::move(config.value()) : Config{};
}

// tests/unit/data/config/NAME (FLATNET_TEST_DATA, set by CTest, when run from elsewhere).
inline std::string ConfigDataPath(const std::string& name) {
  const char* dir = std::getenv("FLATNET_TEST_DATA");
  return std::string(dir ? dir : "tests/unit/data") + "/config/" + name;
}

}  // namespace flatnet::config::config_test
