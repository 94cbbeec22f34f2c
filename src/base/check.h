// FLATNET_CHECK(condition): an invariant that stays live in every build type, unlike assert,
// which RelWithDebInfo and Release compile out (they define NDEBUG).
//
// Contract: when the condition is false the process prints the file, line and condition to
// stderr and aborts; nothing is thrown and nothing returns. Use it for guards whose failure
// would mean writing or reading past a buffer: the cost on a hot path is one compare and a
// predicted-not-taken branch (the failure path is out of line). Input from the network must
// never reach a failing check: parsers reject bad input with a Status; a check that fires is
// a bug in flatnet.
#pragma once

namespace flatnet::base {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace flatnet::base

#define FLATNET_CHECK(condition)                                    \
  do {                                                              \
    if (__builtin_expect(!(condition), 0))                          \
      ::flatnet::base::CheckFailed(__FILE__, __LINE__, #condition); \
  } while (0)
