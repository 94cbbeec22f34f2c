# Sourced by scripts/fuzz.sh and scripts/sanitizers.sh: how the instrumented build trees are
# configured, so both scripts configure build-asan/ with identical arguments and share it
# (the fuzzers and the ASan+UBSan unit tests and labs come from one tree, built once).
#
#   build-asan/  clang, -fsanitize=address,undefined plus libFuzzer's coverage instrumentation
#                (-DFLATNET_FUZZ=ON); the fuzzers link libFuzzer, everything else links only
#                the ASan/UBSan runtimes, which define the coverage hooks as no-ops.
#   build-tsan/  clang, -fsanitize=thread.
# Both are -O1 with line tables only (-gline-tables-only): symbolized reports with file and
# line, at a fraction of -O2 -g's compile time; asserts stay on (no NDEBUG).
# ccache, when installed, compiles through scripts/lib/ccache_launcher.sh.

instrumented_flags="-O1 -gline-tables-only -fno-omit-frame-pointer"
source "$(dirname "${BASH_SOURCE[0]}")/ccache_launcher.sh"

# instrumented_configure DIR asan|tsan
instrumented_configure() {
  local dir=$1 kind=$2 args=()
  case $kind in
    asan) args=(-DFLATNET_FUZZ=ON -DFLATNET_SANITIZE=address,undefined) ;;
    tsan) args=(-DFLATNET_FUZZ=OFF -DFLATNET_SANITIZE=thread) ;;
    *) echo "instrumented_configure: unknown kind '$kind'" >&2; return 1 ;;
  esac
  mkdir -p "$dir"
  CC=clang CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="$instrumented_flags" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$instrumented_flags" \
    "${args[@]}" "${ccache_launcher[@]}" >"$dir/configure.log" 2>&1 ||
    { cat "$dir/configure.log"; echo "$kind: cmake configure of $dir failed" >&2; return 1; }
}

# instrumented_build DIR NAME TARGET...: builds the targets, log in DIR/NAME-build.log
instrumented_build() {
  local dir=$1 name=$2
  shift 2
  cmake --build "$dir" -j"$(nproc)" --target "$@" >"$dir/$name-build.log" 2>&1 ||
    { tail -n 50 "$dir/$name-build.log"; echo "$name: build failed ($dir/$name-build.log)" >&2; return 1; }
}
