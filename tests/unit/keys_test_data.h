// Reading tests/unit/data/keys/ (files made by nebula-cert 1.11.1, see its README.md).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "base/bytes.h"
#include "hex_for_tests.h"

namespace flatnet {

inline std::string KeysDataPath(const std::string& name) {
  const char* dir = std::getenv("FLATNET_TEST_DATA");
  return std::string(dir ? dir : "tests/unit/data") + "/keys/" + name;
}

inline std::string ReadKeysData(const std::string& name) {
  std::ifstream in(KeysDataPath(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test data " << KeysDataPath(name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The "publicKey" hex of a CA as nebula-cert print -json showed it.
inline Bytes PrintedPublicKey(const std::string& print_json) {
  const std::string key = "\"publicKey\":\"";
  size_t start = print_json.find(key);
  EXPECT_NE(start, std::string::npos) << "no publicKey in " << print_json;
  if (start == std::string::npos) return {};
  start += key.size();
  return FromHex(print_json.substr(start, print_json.find('"', start) - start));
}

}  // namespace flatnet
