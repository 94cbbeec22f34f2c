#!/usr/bin/env bash
# Installs the benchmark anchors bench/frontier.sh measures flatnet against, at the versions
# bench/anchors.conf pins, into $ANCHOR_ROOT (default /opt/bench-anchors), as root:
#
#   nebula-<stock>     Nebula 1.11.1: reused from scripts/setup.sh's /opt/nebula/1.11.1, built
#                      there the same way (go install) when missing
#   nebula-master      Nebula's master at the pinned commit, with its TUN/UDP offloads: built
#                      from a bare clone of the repository (git archive of that commit; the
#                      Go module proxy does not serve it), its dependencies from the proxy
#   wireguard-go       go install golang.zx2c4.com/wireguard@<pinned pseudo-version>
#   boringtun          cargo install boringtun-cli --version <pinned> --root <its directory>
#   wg                 Debian's wireguard-tools
#
#   bench/setup_anchors.sh [--check]
#
# Idempotent: an anchor whose binary already reports the pinned version is left alone.
# --check installs nothing: it prints what is there and exits 1 if anything is missing or
# at another version. Compiles run under `nice -n 10`. Each failure names the anchor and the
# command that failed, and exits non-zero.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/anchors.sh"

check_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --check) check_only=1; shift ;;
    *) echo "setup_anchors.sh: unknown argument '$1' (only --check)" >&2; exit 2 ;;
  esac
done
fail() { echo "setup_anchors: $*" >&2; exit 1; }
[ "$check_only" = 1 ] || [ "$(id -u)" -eq 0 ] || fail "run as root: it installs into $ANCHOR_ROOT and with apt-get"

wg_version() { dpkg-query -W -f='${Status} ${Version}' "$WIREGUARD_TOOLS_PACKAGE" 2>/dev/null | sed -n 's/^install ok installed //p'; }

# What is installed against what is pinned; with --check that is all.
report() {
  local impl got missing=0
  for impl in "${ANCHOR_IMPLS[@]}"; do
    got=$(anchor_installed "$impl")
    if [ "$got" = "$(anchor_wanted "$impl")" ]; then
      printf '  %-16s %-44s %s\n' "$impl" "$got" "$(anchor_bin "$impl")"
    else
      printf '  %-16s %-44s %s\n' "$impl" "MISSING (have '${got:-nothing}', want $(anchor_wanted "$impl"))" "$(anchor_bin "$impl")"
      missing=1
    fi
  done
  got=$(wg_version)
  if [ -n "$got" ] && command -v wg >/dev/null; then
    printf '  %-16s %-44s %s\n' wg "$WIREGUARD_TOOLS_PACKAGE $got" "$(command -v wg)"
  else
    printf '  %-16s %s\n' wg "MISSING (Debian package $WIREGUARD_TOOLS_PACKAGE)"
    missing=1
  fi
  return "$missing"
}
if [ "$check_only" = 1 ]; then
  echo "setup_anchors: anchors of $here/anchors.conf"
  report
  exit
fi

up_to_date() { [ "$(anchor_installed "$1")" = "$(anchor_wanted "$1")" ]; }

# after_install IMPL: the binary must now report the pinned version.
after_install() {
  up_to_date "$1" ||
    fail "$1: $(anchor_bin "$1") reports '$(anchor_installed "$1")' after installing, expected $(anchor_wanted "$1")"
}

go_bin=""
need_go() {
  [ -n "$go_bin" ] && return 0
  go_bin=$(anchors_go) ||
    fail "$1 needs the go command (Go 1.26 or newer; scripts/setup.sh says where to get it)"
}

# go_install IMPL DIR PACKAGE@VERSION...: `go install` into DIR (GOBIN), niced, with the
# installed Go (GOTOOLCHAIN=local: nothing else is fetched behind our back).
go_install() {
  local impl=$1 dir=$2
  shift 2
  need_go "$impl"
  echo "setup_anchors: $impl: go install $* into $dir"
  mkdir -p "$dir"
  GOBIN=$dir GOTOOLCHAIN=local nice -n 10 "$go_bin" install "$@" ||
    fail "$impl: 'go install $*' failed"
}

stock=nebula-$NEBULA_STOCK_VERSION
if ! up_to_date "$stock"; then
  go_install "$stock" "$NEBULA_STOCK_DIR" \
    "github.com/slackhq/nebula/cmd/nebula@v$NEBULA_STOCK_VERSION" \
    "github.com/slackhq/nebula/cmd/nebula-cert@v$NEBULA_STOCK_VERSION"
  after_install "$stock"
fi

if ! up_to_date nebula-master; then
  need_go nebula-master
  git -C "$NEBULA_MASTER_REPO" cat-file -e "$NEBULA_MASTER_COMMIT^{commit}" 2>/dev/null ||
    fail "nebula-master: no commit $NEBULA_MASTER_COMMIT in $NEBULA_MASTER_REPO (a clone of github.com/slackhq/nebula; set NEBULA_MASTER_REPO to one that has it)"
  src=$(mktemp -d /tmp/nebula-master.XXXXXX)
  trap 'rm -rf "$src"' EXIT
  git -C "$NEBULA_MASTER_REPO" archive "$NEBULA_MASTER_COMMIT" | tar -x -C "$src" ||
    fail "nebula-master: 'git archive $NEBULA_MASTER_COMMIT' from $NEBULA_MASTER_REPO failed"
  dir=$(dirname "$(anchor_bin nebula-master)")
  echo "setup_anchors: nebula-master: go build ./cmd/nebula at ${NEBULA_MASTER_COMMIT:0:12} into $dir"
  mkdir -p "$dir"
  (cd "$src" && GOTOOLCHAIN=local nice -n 10 "$go_bin" build -trimpath \
    -ldflags "-X main.Build=$(anchor_wanted nebula-master)" -o "$dir/nebula" ./cmd/nebula) ||
    fail "nebula-master: 'go build ./cmd/nebula' of $NEBULA_MASTER_COMMIT failed"
  after_install nebula-master
fi

if ! up_to_date wireguard-go; then
  wg_dir=$(dirname "$(anchor_bin wireguard-go)")
  # The module's main package is its root, so go install names the binary "wireguard".
  go_install wireguard-go "$wg_dir" "golang.zx2c4.com/wireguard@$WIREGUARD_GO_VERSION"
  mv -f "$wg_dir/wireguard" "$(anchor_bin wireguard-go)" ||
    fail "wireguard-go: cannot rename $wg_dir/wireguard to $(anchor_bin wireguard-go)"
  after_install wireguard-go
fi

if ! up_to_date boringtun; then
  cargo_bin=$(anchors_cargo) || fail "boringtun needs cargo (Rust's package manager; rustup or Debian's cargo)"
  root=$(dirname "$(dirname "$(anchor_bin boringtun)")")
  echo "setup_anchors: boringtun: cargo install boringtun-cli --version $BORINGTUN_VERSION --root $root"
  nice -n 10 "$cargo_bin" install --locked --quiet boringtun-cli --version "$BORINGTUN_VERSION" --root "$root" ||
    fail "boringtun: 'cargo install --locked boringtun-cli --version $BORINGTUN_VERSION --root $root' failed"
  after_install boringtun
fi

if [ -z "$(wg_version)" ]; then
  echo "setup_anchors: wg: apt-get install $WIREGUARD_TOOLS_PACKAGE"
  export DEBIAN_FRONTEND=noninteractive
  # --no-install-recommends: the recommended kernel module packages are exactly what the
  # benchmark must not use.
  apt-get install -y -qq --no-install-recommends "$WIREGUARD_TOOLS_PACKAGE" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$WIREGUARD_TOOLS_PACKAGE" >/dev/null; } ||
    fail "wg: 'apt-get install $WIREGUARD_TOOLS_PACKAGE' failed"
fi

echo "setup_anchors: installed"
report || fail "an anchor is still missing after installing (above)"
