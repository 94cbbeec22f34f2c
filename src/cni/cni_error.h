// What a CNI plugin answers when it fails (CNI spec 1.0, "Error"): a code, a short message
// and optional details, printed as {"cniVersion", "code", "msg", "details"} on stdout with a
// non-zero exit. CniResult<T> is Result<T> (base/status.h) carrying that code, so each step
// of the plugin says which of the spec's well-known errors it is.
//
// Codes 1..11 are the spec's; 100 and up are flatnet-cni's own (docs/cni.md lists them).
// Messages name what failed: the config field, the environment variable, the file or the
// interface, as flatnet's other errors do.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace flatnet::cni {

enum class ErrorCode : int {
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnvironment = 4,
  kIoFailure = 5,
  kDecodeFailure = 6,
  kInvalidNetworkConfig = 7,
  kTryAgainLater = 11,
  // flatnet-cni's own.
  kSubnetExhausted = 100,  // every address of the subnet is handed out
  kLinkSetupFailed = 101,  // the kernel refused a bridge, veth, address or route
  kCheckFailed = 102,      // CHECK found the container's network not as ADD left it
};

struct CniError {
  ErrorCode code = ErrorCode::kIoFailure;
  std::string msg;
  std::string details;  // empty: left out of the JSON
};

template <typename T>
class CniResult {
 public:
  CniResult(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  CniResult(CniError error) : error_(std::move(error)) {}  // NOLINT: must be an error

  bool ok() const { return value_.has_value(); }
  const CniError& error() const { return error_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  CniError error_;
};

// For steps that return nothing.
struct Done {};
using CniStatus = CniResult<Done>;
inline CniStatus Ok() { return Done{}; }

inline CniError Fail(ErrorCode code, std::string msg, std::string details = "") {
  return CniError{code, std::move(msg), std::move(details)};
}

}  // namespace flatnet::cni
