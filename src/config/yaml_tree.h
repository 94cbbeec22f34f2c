// config.yml as a plain tree, independent of the YAML library, with where each value came from.
//
// Contract: ParseYaml turns one YAML document into a YamlNode tree. Scalars stay text; map
// entries keep file order with unique keys (a repeated key: the last one wins, as in nebula,
// and a warning). YAML merge keys (`<<: *anchor`) are applied. Every node records its source
// file and the line to blame in messages: a map value's line is its key's line. A syntax
// error is returned as "file:line: YAML syntax error: ...".
// MergeYaml combines files the way nebula merges a config directory: scalars of the later
// file win, maps merge key by key, lists concatenate (later file's items first).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "config/warning.h"

namespace flatnet::config {

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  std::string scalar;           // kScalar: the text as written (quotes removed)
  bool plain = true;            // kScalar: unquoted, so YAML 1.1 words like `yes` are booleans
  std::vector<YamlNode> items;  // kSequence
  std::vector<std::pair<std::string, YamlNode>> entries;  // kMap
  std::string source;                                     // file name as given by the user
  int line = 0;                                           // 1-based; 0 when unknown

  // Out of line: `entries` holds pairs of this still-incomplete type, which clang with
  // libstdc++ refuses to destroy or copy in an implicit inline member.
  YamlNode();
  YamlNode(const YamlNode&);
  YamlNode(YamlNode&&) noexcept;
  YamlNode& operator=(const YamlNode&);
  YamlNode& operator=(YamlNode&&) noexcept;
  ~YamlNode();

  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_map() const { return kind == Kind::kMap; }
  // The entry for `key` in a map; nullptr when absent or not a map.
  const YamlNode* Find(std::string_view key) const;
  // "a map", "a list", "text" for messages.
  std::string_view KindName() const;
};

Result<YamlNode> ParseYaml(std::string_view text, const std::string& source,
                           std::vector<Warning>* warnings);

// Merges `earlier` into `later` (which then holds the result).
void MergeYaml(YamlNode& later, const YamlNode& earlier);

}  // namespace flatnet::config
