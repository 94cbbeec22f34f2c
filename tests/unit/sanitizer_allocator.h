// Tests that count heap allocations (to prove a packet path makes none) replace operator new
// in a plain build. Under ASan or TSan the sanitizer's runtime defines operator new itself,
// so a replacement does not link; there FLATNET_SANITIZER_ALLOCATOR is 1 and such a test
// counts through the sanitizer allocator's malloc hook instead, which sees every operator
// new and malloc of the process.
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FLATNET_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FLATNET_SANITIZER_ALLOCATOR 1
#endif
#endif
#ifndef FLATNET_SANITIZER_ALLOCATOR
#define FLATNET_SANITIZER_ALLOCATOR 0
#endif

#if FLATNET_SANITIZER_ALLOCATOR
#if __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#else  // GCC ships the runtimes (which define it) without clang's headers
#include <cstddef>
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*,
                                                                             size_t),
                                                         void (*free_hook)(const volatile void*));
#endif
#endif

#if FLATNET_SANITIZER_ALLOCATOR
// Installs `on_malloc` as a sanitizer malloc hook; non-zero when installed. The runtime
// refuses a hook pair with a null free hook (returns 0 and installs nothing), so a no-op
// free hook goes with it.
inline int InstallSanitizerMallocHook(void (*on_malloc)(const volatile void*, size_t)) {
  return __sanitizer_install_malloc_and_free_hooks(on_malloc, [](const volatile void*) {});
}
#endif
