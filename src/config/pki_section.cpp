// pki: ca, cert, key (path or inline PEM), blocklist, disconnect_invalid, initiating_version.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/sections.h"

namespace flatnet::config {
namespace {

PemSource ReadPemSource(ConfigReader& reader, const std::string& key, const char* what) {
  PemSource pem;
  pem.key = key;
  pem.source = reader.root().source;
  const YamlNode* node = reader.Get(key);
  if (!node) {
    // Point at the `pki:` line when there is one.
    reader.Error(reader.Get("pki"), key,
                 std::string("is required: the path to ") + what + " or its PEM text inline");
    return pem;
  }
  auto value = reader.ToString(*node, key);
  if (!value) return pem;
  if (value->empty()) {
    reader.Error(node, key, std::string("is empty; give the path to ") + what);
    return pem;
  }
  pem.value = *value;
  pem.is_inline = value->find("-----BEGIN") != std::string::npos;
  pem.source = node->source;
  pem.line = node->line;
  return pem;
}

}  // namespace

void ParsePki(ConfigReader& reader, PkiConfig* pki) {
  pki->ca = ReadPemSource(reader, "pki.ca", "the CA certificate(s)");
  pki->cert = ReadPemSource(reader, "pki.cert", "this host's certificate");
  pki->key = ReadPemSource(reader, "pki.key", "this host's private key");
  pki->blocklist = reader.StringList("pki.blocklist");
  if (reader.IsSet("pki.blacklist")) {
    reader.Warn(reader.Get("pki.blacklist"), "pki.blacklist",
                "is deprecated, use pki.blocklist (both are applied)");
    for (auto& fingerprint : reader.StringList("pki.blacklist")) {
      pki->blocklist.push_back(fingerprint);
    }
  }
  for (const std::string& fingerprint : pki->blocklist) {
    bool hex = fingerprint.size() == 64 &&
               fingerprint.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (!hex) {
      reader.Warn(reader.Get("pki.blocklist"), "pki.blocklist",
                  "\"" + fingerprint +
                      "\" is not a certificate fingerprint (64 hex digits); it matches nothing");
    }
  }
  pki->disconnect_invalid = reader.Bool("pki.disconnect_invalid", false);
  // 1 or 2; whether the certificates allow it is checked when they are loaded.
  if (reader.IsSet("pki.initiating_version"))
    pki->initiating_version = int(reader.Int("pki.initiating_version", 1, 1, 2));
}

Result<std::string> ReadPem(const PemSource& pem) {
  if (pem.is_inline) return pem.value;
  std::string where =
      pem.source + (pem.line > 0 ? ":" + std::to_string(pem.line) : "") + ": " + pem.key + ": ";
  int fd = open(pem.value.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(where + "cannot read " + pem.value + ": " + strerror(errno));
  std::string text;
  char buffer[4096];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      close(fd);
      return Status::Error(where + "cannot read " + pem.value + ": " + strerror(error));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

}  // namespace flatnet::config
