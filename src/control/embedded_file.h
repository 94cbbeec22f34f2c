// EmbeddedFile: a file built into the binary (cmake/embed_files.cmake writes the arrays),
// such as the dashboard's page (dashboard_server.h): served from memory, never read from
// disk at run time.
#pragma once

#include <span>
#include <string_view>

namespace flatnet::control {

struct EmbeddedFile {
  std::string_view path;          // "/index.html"
  std::string_view content_type;  // from the extension: "text/html; charset=utf-8"
  std::string_view body;          // the file's bytes
};

// The files of src/control/dashboard/, generated into the build tree.
std::span<const EmbeddedFile> DashboardFiles();

}  // namespace flatnet::control
