// logging: level, format, disable_timestamp, timestamp_format.
#include "config/sections.h"

namespace flatnet::config {

void ParseLogging(ConfigReader& reader, LoggingConfig* logging) {
  if (const YamlNode* node = reader.Get("logging.level")) {
    if (auto name = reader.ToString(*node, "logging.level")) {
      auto level = log::ParseLevel(*name);
      if (level.ok()) {
        logging->level = *level;
      } else {
        reader.Error(node, "logging.level", level.status().message());
      }
    }
  }
  if (const YamlNode* node = reader.Get("logging.format")) {
    if (auto name = reader.ToString(*node, "logging.format")) {
      std::string lower;
      for (char c : *name)
        lower.push_back(static_cast<char>(tolower(static_cast<unsigned char>(c))));
      if (lower == "text") {
        logging->format = log::Format::kText;
      } else if (lower == "json") {
        logging->format = log::Format::kJson;
      } else {
        reader.Error(node, "logging.format",
                     "\"" + *name + "\" is not a log format (text or json)");
      }
    }
  }
  logging->disable_timestamp = reader.Bool("logging.disable_timestamp", false);
  logging->timestamp_format = reader.String("logging.timestamp_format", "");
}

log::Options LoggingConfig::ToOptions() const {
  log::Options options;
  options.level = level;
  options.format = format;
  options.disable_timestamp = disable_timestamp;
  options.timestamp_format = timestamp_format;
  return options;
}

}  // namespace flatnet::config
