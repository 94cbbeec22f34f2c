#!/usr/bin/env bash
# Installs what flatnet needs to build and test on Debian 12 (as root), then builds it
# into build/ (and flatnet-forward.exe into build-windows/). Safe to run again: packages
# already present are not fetched twice.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libssl-dev libyaml-cpp-dev libprotobuf-dev protobuf-compiler
  libargon2-dev
  libqrencode-dev libpng-dev libspdlog-dev libfmt-dev
  # src/onboard: zip entries deflated and checksummed by zlib; the bundle lab unpacks with unzip.
  zlib1g-dev unzip
  # src/control/http_endpoint.cpp: the Prometheus endpoint (stats.type prometheus) and the
  # dashboard (dashboard.listen) over HTTP; the dashboard lab reads the page with chromium.
  libcpp-httplib-dev chromium
  # src/cni: the CNI plugin's JSON (network config on stdin, results on stdout).
  nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # bench/tools/aead_bench.cpp: libsodium's AEADs measured beside OpenSSL's (benchmark only).
  libsodium-dev
  # scripts/fuzz.sh: libFuzzer and the sanitizer runtimes; llvm-symbolizer for reports.
  clang libclang-rt-14-dev llvm
  # scripts/lib/instrumented_build.sh: the ASan and TSan trees recompile only what changed.
  ccache
  nebula iperf3 iproute2 iptables tcpdump procps kmod iputils-ping jq dnsutils curl conntrack
  # bench/frontier.sh: `wg` configures the userspace WireGuard anchors (bench/setup_anchors.sh
  # installs those, and this package too where setup ran before it was listed).
  wireguard-tools
  # The fault lab: lab-impair's NFQUEUE (the kernel has no netem), one daemon's clock stepped.
  libnetfilter-queue-dev libfaketime
  # src/dns/resolved_link.cpp: systemd-resolved over D-Bus (sd-bus); the names lab runs a
  # private bus (tests/lab/names_resolved_test.sh).
  libsystemd-dev dbus-daemon
  # The package lab (tests/lab/deb_package_test.sh): cpack's dpkg-shlibdeps, a clean root.
  dpkg-dev debootstrap
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

# ---- Nebula releases for the interop labs ------------------------------------------------
# tests/lab/nebula_versions lists them: Debian's 1.6.1 comes with the "nebula" package
# above; the "go" ones are built from source with `go install` into their directory
# (GOBIN), skipped when `nebula -version` there already prints the version.
# Nebula 1.11.1's go.mod says "go 1.26.0": that is the oldest Go that builds every release
# listed (1.10.3 needs 1.25).
readonly nebula_min_go=1.26.0
nebula_version_of() { "$1" -version 2>/dev/null | sed -n 's/^Version: *//p'; }
go_at_least() {  # go_at_least HAVE WANT: dotted versions, numerically
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]
}
nebula_wanted=()
while read -r version dir how _; do
  [[ -z $version || $version == \#* ]] && continue
  if [ "$how" = debian ]; then  # installed above; make sure it is the release listed
    for tool in nebula nebula-cert; do
      got=$(nebula_version_of "$dir/$tool")
      [ "$got" = "$version" ] || {
        echo "setup: $dir/$tool -version prints '${got:-nothing}', expected $version (tests/lab/nebula_versions)" >&2
        exit 1
      }
    done
    continue
  fi
  ok=1
  for tool in nebula nebula-cert; do
    [ "$(nebula_version_of "$dir/$tool")" = "$version" ] || ok=0
  done
  [ "$ok" = 1 ] || nebula_wanted+=("$version=$dir")
done <tests/lab/nebula_versions
if [ ${#nebula_wanted[@]} -gt 0 ]; then
  go_bin=$(command -v go || true)
  [ -n "$go_bin" ] || [ ! -x /usr/local/go/bin/go ] || go_bin=/usr/local/go/bin/go
  if [ -z "$go_bin" ]; then
    echo "setup: Go $nebula_min_go or newer is needed to build Nebula ${nebula_wanted[*]%%=*} for the interop labs;" >&2
    echo "setup: install it from https://go.dev/dl/ (e.g. into /usr/local/go) and run setup again" >&2
    exit 1
  fi
  go_have=$("$go_bin" env GOVERSION | sed 's/^go//')
  if ! go_at_least "$go_have" "$nebula_min_go"; then
    echo "setup: $go_bin is Go $go_have; Nebula 1.11.1 needs Go $nebula_min_go or newer (its go.mod);" >&2
    echo "setup: install a newer Go from https://go.dev/dl/ (e.g. into /usr/local/go) and run setup again" >&2
    exit 1
  fi
  for want in "${nebula_wanted[@]}"; do
    version=${want%%=*} dir=${want#*=}
    echo "setup: building nebula $version into $dir with $go_bin (Go $go_have)"
    mkdir -p "$dir"
    GOBIN=$dir GOTOOLCHAIN=local "$go_bin" install \
      "github.com/slackhq/nebula/cmd/nebula@v$version" \
      "github.com/slackhq/nebula/cmd/nebula-cert@v$version"
    for tool in nebula nebula-cert; do
      got=$(nebula_version_of "$dir/$tool")
      [ "$got" = "$version" ] || {
        echo "setup: $dir/$tool -version prints '${got:-nothing}', expected $version" >&2
        exit 1
      }
    done
  done
fi

# ---- systemd-resolved for the names lab: unpacked, never installed -------------------------
# tests/lab/names_resolved_test.sh runs the real systemd-resolved on a private bus inside a
# lab namespace. Installing the package would replace this machine's /etc/resolv.conf, so the
# package of the installed systemd's version is unpacked into /opt/systemd-resolved instead.
resolved_dir=/opt/systemd-resolved
systemd_version=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null || true)
if [ -n "$systemd_version" ] && [ "$(cat "$resolved_dir/VERSION" 2>/dev/null)" != "$systemd_version" ]; then
  echo "setup: unpacking systemd-resolved $systemd_version into $resolved_dir"
  unpack=$(mktemp -d)
  chmod 755 "$unpack"  # apt's _apt user downloads into it
  (cd "$unpack" && apt-get download -qq "systemd-resolved=$systemd_version" 2>/dev/null) ||
    (apt-get update -qq && cd "$unpack" && apt-get download -qq "systemd-resolved=$systemd_version")
  rm -rf "$resolved_dir"
  dpkg-deb -x "$unpack"/systemd-resolved_*.deb "$resolved_dir"
  echo "$systemd_version" >"$resolved_dir/VERSION"
  rm -rf "$unpack"
fi

jobs=$(nproc)
source scripts/lib/ccache_launcher.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${ccache_launcher[@]}" >/dev/null
cmake --build build -j"$jobs"
# The Windows forwarder, build-windows/flatnet-forward.exe (tests/lab/forward_windows_test.sh).
bash scripts/build-windows.sh build-windows
