# shellcheck shell=bash
# anchors.sh — where the benchmark anchors of bench/anchors.conf live and which version each
# installed binary is. bench/setup_anchors.sh installs by it, bench/frontier.sh finds the
# binaries by it; neither names a path or a version itself.
#
#   ANCHOR_IMPLS             the anchors' implementation names, in the order frontier.sh
#                            measures them: nebula-<stock>, nebula-master, wireguard-go,
#                            boringtun
#   anchor_bin IMPL          path of IMPL's daemon binary (whether it exists or not)
#   anchor_wanted IMPL       the version anchors.conf pins for IMPL
#   anchor_installed IMPL    the version the installed binary reports, or nothing when it
#                            is missing or says nothing recognisable
# IMPL is one of ANCHOR_IMPLS; anything else is an error (return 1, message on stderr).

anchors__here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../anchors.conf
source "$anchors__here/anchors.conf"

ANCHOR_IMPLS=("nebula-$NEBULA_STOCK_VERSION" nebula-master wireguard-go boringtun)

anchors__unknown() { echo "anchors: '$1' is not an anchor (${ANCHOR_IMPLS[*]})" >&2; return 1; }

# One case for both: sets anchors__bin and anchors__version for IMPL.
anchors__lookup() {
  case $1 in
    "nebula-$NEBULA_STOCK_VERSION")
      anchors__bin=$NEBULA_STOCK_DIR/nebula anchors__version=$NEBULA_STOCK_VERSION ;;
    nebula-master)
      anchors__bin=$ANCHOR_ROOT/nebula-master-${NEBULA_MASTER_COMMIT:0:12}/nebula
      anchors__version=master-$NEBULA_MASTER_COMMIT ;;
    wireguard-go)
      anchors__bin=$ANCHOR_ROOT/wireguard-go-$WIREGUARD_GO_VERSION/wireguard-go
      anchors__version=$WIREGUARD_GO_VERSION ;;
    boringtun)
      anchors__bin=$ANCHOR_ROOT/boringtun-$BORINGTUN_VERSION/bin/boringtun-cli
      anchors__version=$BORINGTUN_VERSION ;;
    *) anchors__unknown "$1" ;;
  esac
}
anchor_bin() { anchors__lookup "$1" && echo "$anchors__bin"; }
anchor_wanted() { anchors__lookup "$1" && echo "$anchors__version"; }

# Nebula prints "Version: X"; wireguard-go's own -version names its last tag, not the
# module version it was built from, so that comes from the Go build info in the binary;
# boringtun-cli prints "boringtun-cli X" (clap's --version).
anchor_installed() {
  local bin
  bin=$(anchor_bin "$1") || return 1
  [ -x "$bin" ] || return 0
  case $1 in
    nebula-*) "$bin" -version 2>/dev/null | sed -n 's/^Version: *//p' ;;
    wireguard-go) anchors__go_module_version "$bin" golang.zx2c4.com/wireguard ;;
    boringtun) "$bin" --version 2>/dev/null | awk '{print $NF; exit}' ;;
  esac
}

# The version of MODULE a Go binary was built from (the main module's "mod" line of
# `go version -m`), or nothing without a go command.
anchors__go_module_version() {
  local go_bin
  go_bin=$(anchors_go) || return 0
  GOTOOLCHAIN=local "$go_bin" version -m "$1" 2>/dev/null | awk -v m="$2" '$1 == "mod" && $2 == m {print $3; exit}'
}

# anchors_go: the go command (PATH, else /usr/local/go/bin/go, where scripts/setup.sh's
# instructions put it), or return 1.
anchors_go() {
  if command -v go >/dev/null; then
    command -v go
  elif [ -x /usr/local/go/bin/go ]; then
    echo /usr/local/go/bin/go
  else
    return 1
  fi
}

# anchors_cargo: the cargo command (PATH, else rustup's ~/.cargo/bin), or return 1.
anchors_cargo() {
  if command -v cargo >/dev/null; then
    command -v cargo
  elif [ -x "${HOME:-/root}/.cargo/bin/cargo" ]; then
    echo "${HOME:-/root}/.cargo/bin/cargo"
  else
    return 1
  fi
}
