// A config file's text (src/config: YAML, then every section nebula's config has), as a user
// or a configuration tool writes it. Loading must end in a Config or an error, never a crash.
#include <cstdint>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "tests/fuzz/fuzz_support.h"

using namespace flatnet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<config::Warning> warnings;
  auto loaded = config::LoadConfigFromString(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yml", &warnings);
  (void)loaded;
  return 0;
}
