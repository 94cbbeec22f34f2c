#!/usr/bin/env bash
# Cross-compiles flatnet-forward.exe (the UDP/TCP forwarder a Windows host runs for a flatnet
# lighthouse inside WSL2) with Debian's mingw-w64, into build-windows/ by default:
#
#   scripts/build-windows.sh [BUILD_DIR]      -> BUILD_DIR/flatnet-forward.exe
#
# Needs g++-mingw-w64-x86-64-posix (scripts/setup.sh installs it). Builds nothing else: the
# top-level CMakeLists.txt limits a Windows build to src/base, src/forward and this program.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build-windows}
compiler=x86_64-w64-mingw32-g++-posix
if ! command -v "$compiler" >/dev/null; then
  echo "build-windows: $compiler not found; install g++-mingw-w64-x86-64-posix" >&2
  exit 1
fi

cmake -S . -B "$build_dir" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64.cmake" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target flatnet-forward
echo "build-windows: $build_dir/flatnet-forward.exe"
