// Writing a command's output files all or nothing, and never over an existing file.
//
// A command registers every file it will write, checks that none exists before doing any
// work that matters (so "refusing to overwrite existing CA key: ca.key" comes first), and
// commits at the end. Commit writes each file to a temporary file in the same directory,
// flushes it to disk, and moves it into place with a no-replace rename (or a hard link), so
// a file that appeared meanwhile is not clobbered either. If any step fails, the files
// already placed by this commit and all temporary files are removed: a failed run leaves
// nothing behind. Files are created with mode 0600, as nebula-cert creates them.
//
// A path of "-" is standard output (StdioClaims has made sure only one flag names it): it is
// never checked for existence and its content is written only after every file is in place,
// so a failed commit writes nothing there either.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flatnet::app {

class OutputFiles {
 public:
  // `flag` names the option in errors ("out-key"), `what` the file in refusals ("CA key").
  void Add(std::string flag, std::string path, std::string what);
  // Sets the content of the file registered for `flag`.
  void SetContent(const std::string& flag, std::string content);
  // Sets the "out-qr" file to `text` as a QR-code PNG (the -out-qr of ca, sign and print).
  // Error in nebula-cert's words: "error while generating qr code: ...".
  Status SetQrCode(std::string_view text);

  // Fails if two flags name the same path, or any path already exists (even as a dangling
  // symlink): "refusing to overwrite existing CA key: ca.key".
  Status CheckWritable() const;
  // The same for the file registered for `flag` only (nebula-cert's order of refusals).
  Status CheckWritable(const std::string& flag) const;
  // Writes every registered file, then the one named "-" (if any) to `out`. Errors: "error
  // while writing out-crt: open dir/ca.crt: ...".
  Status Commit(std::ostream& out);

 private:
  struct File {
    std::string flag;
    std::string path;
    std::string what;
    std::string content;
  };
  std::vector<File> files_;
};

}  // namespace flatnet::app
