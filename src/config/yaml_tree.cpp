#include "config/yaml_tree.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace flatnet::config {

YamlNode::YamlNode() = default;
YamlNode::YamlNode(const YamlNode&) = default;
YamlNode::YamlNode(YamlNode&&) noexcept = default;
YamlNode& YamlNode::operator=(const YamlNode&) = default;
YamlNode& YamlNode::operator=(YamlNode&&) noexcept = default;
YamlNode::~YamlNode() = default;
namespace {

// Aliases can make a tiny file expand into a huge tree ("billion laughs"); a config file
// never needs more than this.
constexpr size_t kMaxNodes = 1'000'000;
constexpr int kMaxDepth = 64;

int LineOf(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : fallback;
}

std::string JoinPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

class Converter {
 public:
  Converter(const std::string& source, std::vector<Warning>* warnings)
      : source_(source), warnings_(warnings) {}

  Result<YamlNode> Convert(const YAML::Node& node, int line, const std::string& path, int depth) {
    if (++count_ > kMaxNodes || depth > kMaxDepth) {
      return Status::Error(source_ + ":" + std::to_string(line) +
                           ": the document is too large or too deeply nested");
    }
    YamlNode out;
    out.source = source_;
    out.line = line;
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return out;
      case YAML::NodeType::Scalar:
        out.kind = YamlNode::Kind::kScalar;
        out.scalar = node.Scalar();
        out.plain = node.Tag() != "!";
        return out;
      case YAML::NodeType::Sequence:
        out.kind = YamlNode::Kind::kSequence;
        for (const YAML::Node& item : node) {
          auto converted = Convert(item, LineOf(item, line), path, depth + 1);
          if (!converted.ok()) return converted.status();
          out.items.push_back(std::move(converted.value()));
        }
        return out;
      case YAML::NodeType::Map:
        return ConvertMap(node, line, path, depth);
    }
    return out;
  }

 private:
  Result<YamlNode> ConvertMap(const YAML::Node& node, int line, const std::string& path,
                              int depth) {
    YamlNode out;
    out.source = source_;
    out.line = line;
    out.kind = YamlNode::Kind::kMap;
    std::vector<YamlNode> merge_sources;
    for (const auto& entry : node) {
      int key_line = LineOf(entry.first, line);
      if (!entry.first.IsScalar()) {
        return Status::Error(source_ + ":" + std::to_string(key_line) + ": " +
                             (path.empty() ? "" : path + ": ") +
                             "a key must be plain text, not a list or map");
      }
      std::string key = entry.first.Scalar();
      auto value = Convert(entry.second, key_line, JoinPath(path, key), depth + 1);
      if (!value.ok()) return value.status();
      if (key == "<<" && entry.first.Tag() != "!") {
        CollectMergeSources(value.value(), &merge_sources);
        continue;
      }
      auto same = std::find_if(out.entries.begin(), out.entries.end(),
                               [&](const auto& e) { return e.first == key; });
      if (same != out.entries.end()) {
        warnings_->push_back({source_, key_line,
                              "duplicate key \"" + JoinPath(path, key) + "\" (first on line " +
                                  std::to_string(same->second.line) + "); the last one is used"});
        same->second = std::move(value.value());
      } else {
        out.entries.emplace_back(key, std::move(value.value()));
      }
    }
    // Explicit keys win over merged ones; among merged maps the first listed wins.
    for (const YamlNode& merged : merge_sources) {
      for (const auto& [key, value] : merged.entries) {
        if (!out.Find(key)) out.entries.emplace_back(key, value);
      }
    }
    return out;
  }

  static void CollectMergeSources(const YamlNode& value, std::vector<YamlNode>* sources) {
    if (value.is_map()) sources->push_back(value);
    if (value.is_sequence()) {
      for (const YamlNode& item : value.items) {
        if (item.is_map()) sources->push_back(item);
      }
    }
  }

  const std::string& source_;
  std::vector<Warning>* warnings_;
  size_t count_ = 0;
};

}  // namespace

const YamlNode* YamlNode::Find(std::string_view key) const {
  if (kind != Kind::kMap) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string_view YamlNode::KindName() const {
  switch (kind) {
    case Kind::kNull:
      return "empty";
    case Kind::kScalar:
      return "a single value";
    case Kind::kSequence:
      return "a list";
    case Kind::kMap:
      return "a map";
  }
  return "";
}

Result<YamlNode> ParseYaml(std::string_view text, const std::string& source,
                           std::vector<Warning>* warnings) {
  YAML::Node document;
  try {
    document = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string where = source;
    if (e.mark.line >= 0) where += ":" + std::to_string(e.mark.line + 1);
    return Status::Error(where + ": YAML syntax error: " + e.msg);
  }
  std::vector<Warning> ignored;
  Converter converter(source, warnings ? warnings : &ignored);
  try {
    auto root = converter.Convert(document, 1, "", 0);
    if (!root.ok()) return root;
    if (!root->is_map() && !root->is_null()) {
      return Status::Error(source + ":" + std::to_string(root->line) +
                           ": the top level must be a map of settings (like `listen:`), not " +
                           std::string(root->KindName()));
    }
    if (root->is_null()) root->kind = YamlNode::Kind::kMap;  // an empty file sets nothing
    return root;
  } catch (const YAML::Exception& e) {
    return Status::Error(source + ": YAML error: " + e.msg);
  }
}

void MergeYaml(YamlNode& later, const YamlNode& earlier) {
  if (later.is_map() && earlier.is_map()) {
    for (const auto& entry : earlier.entries) {
      // Not a structured binding: clang 14 cannot capture one in the lambda below.
      const std::string& key = entry.first;
      const YamlNode& value = entry.second;
      auto it = std::find_if(later.entries.begin(), later.entries.end(),
                             [&](const auto& e) { return e.first == key; });
      if (it == later.entries.end()) {
        later.entries.emplace_back(key, value);
      } else {
        MergeYaml(it->second, value);
      }
    }
  } else if (later.is_sequence() && earlier.is_sequence()) {
    later.items.insert(later.items.end(), earlier.items.begin(), earlier.items.end());
  } else if (later.is_null()) {
    later = earlier;
  }
}

}  // namespace flatnet::config
