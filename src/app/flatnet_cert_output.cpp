#include "app/flatnet_cert_output.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "app/flatnet_cert_command.h"
#include "app/qr_png.h"

namespace flatnet::app {
namespace {

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// Writes `content` to a new temporary file beside `path`; returns its name in *temp_path.
// Errors name the final path, which is what the user asked for.
Status WriteTemporary(const std::string& path, const std::string& content, std::string* temp_path) {
  std::string pattern = DirectoryOf(path) + "/." + BaseName(path) + ".tmp-XXXXXX";
  int fd = mkstemp(pattern.data());  // mode 0600
  if (fd < 0) return Status::Error(SystemError("open", path, errno));
  *temp_path = pattern;
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = n < 0 ? errno : EIO;
      close(fd);
      return Status::Error(SystemError("write", path, error));
    }
    written += size_t(n);
  }
  if (fsync(fd) != 0) {
    int error = errno;
    close(fd);
    return Status::Error(SystemError("sync", path, error));
  }
  if (close(fd) != 0) return Status::Error(SystemError("close", path, errno));
  return Status::Ok();
}

// Moves temp into place only if nothing is at `path`. Tries renameat2(RENAME_NOREPLACE),
// then link() for file systems without it; both fail with EEXIST rather than replace.
Status PlaceWithoutReplacing(const std::string& temp, const std::string& path) {
  if (renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::Ok();
  }
  int error = errno;
  if (error == EINVAL || error == ENOSYS || error == EOPNOTSUPP) {
    if (link(temp.c_str(), path.c_str()) == 0) {
      unlink(temp.c_str());
      return Status::Ok();
    }
    error = errno;
  }
  if (error == EEXIST) return Status::Error("refusing to overwrite existing file: " + path);
  return Status::Error(SystemError("rename", path, error));
}

}  // namespace

void OutputFiles::Add(std::string flag, std::string path, std::string what) {
  files_.push_back(File{std::move(flag), std::move(path), std::move(what), ""});
}

void OutputFiles::SetContent(const std::string& flag, std::string content) {
  for (File& file : files_) {
    if (file.flag == flag) file.content = std::move(content);
  }
}

Status OutputFiles::CheckWritable(const std::string& flag) const {
  for (const File& file : files_) {
    if (file.flag != flag || file.path == kStdioPath) continue;
    if (Exists(file.path)) {
      return Status::Error("refusing to overwrite existing " + file.what + ": " + file.path);
    }
  }
  return Status::Ok();
}

Status OutputFiles::CheckWritable() const {
  for (const File& file : files_) {
    if (file.path == kStdioPath) continue;
    for (const File& other : files_) {
      if (&other == &file) break;
      if (other.path == file.path) {
        return Status::Error("-" + other.flag + " and -" + file.flag +
                             " name the same file: " + file.path);
      }
    }
    if (Exists(file.path)) {
      return Status::Error("refusing to overwrite existing " + file.what + ": " + file.path);
    }
  }
  return Status::Ok();
}

Status OutputFiles::Commit(std::ostream& out) {
  Status status = CheckWritable();
  std::vector<std::string> temps(files_.size());  // "" once moved into place (or never made)
  std::vector<bool> placed(files_.size(), false);
  // Everything is written to disk before anything is moved into place, so a full disk or
  // a bad directory for the last file leaves no earlier file behind.
  for (size_t i = 0; status.ok() && i < files_.size(); ++i) {
    if (files_[i].path == kStdioPath) continue;
    status = WriteTemporary(files_[i].path, files_[i].content, &temps[i]);
    if (!status.ok()) status = status.Wrap("error while writing " + files_[i].flag);
  }
  for (size_t i = 0; status.ok() && i < files_.size(); ++i) {
    if (files_[i].path == kStdioPath) continue;
    status = PlaceWithoutReplacing(temps[i], files_[i].path);
    if (!status.ok()) {
      status = status.Wrap("error while writing " + files_[i].flag);
      break;
    }
    placed[i] = true;
    temps[i].clear();
  }
  if (!status.ok()) {
    for (size_t i = 0; i < files_.size(); ++i) {
      if (placed[i]) unlink(files_[i].path.c_str());
      if (!temps[i].empty()) unlink(temps[i].c_str());
    }
    return status;
  }
  for (const File& file : files_) {
    if (file.path != kStdioPath) continue;
    out.write(file.content.data(), std::streamsize(file.content.size()));
    out.flush();
    if (!out)
      return Status::Error("error while writing " + file.flag + ": write /dev/stdout: broken pipe");
  }
  return status;
}

Status OutputFiles::SetQrCode(std::string_view text) {
  Result<std::string> png = QrCodePng(text);
  if (!png.ok()) return Status::Error("error while generating qr code: " + png.status().message());
  SetContent("out-qr", std::move(*png));
  return Status::Ok();
}

}  // namespace flatnet::app
