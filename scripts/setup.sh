#!/usr/bin/env bash
# Installs what flatnet needs to build and test on Debian 12 (as root), then builds it
# into build/ (and flatnet-forward.exe into build-windows/). Safe to run again: packages
# already present are not fetched twice.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libssl-dev libyaml-cpp-dev libprotobuf-dev protobuf-compiler
  libqrencode-dev libpng-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # scripts/fuzz.sh: libFuzzer and the sanitizer runtimes; llvm-symbolizer for reports.
  clang libclang-rt-14-dev llvm
  nebula iperf3 iproute2 iptables tcpdump procps kmod iputils-ping jq dnsutils curl conntrack
  # flatnet-forward.exe: cross-compiled for Windows with mingw-w64, tested under wine.
  g++-mingw-w64-x86-64-posix wine wine64
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
# The Windows forwarder, build-windows/flatnet-forward.exe (tests/lab/forward_windows_test.sh).
bash scripts/build-windows.sh build-windows
