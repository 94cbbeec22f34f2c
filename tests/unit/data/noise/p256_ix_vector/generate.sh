#!/usr/bin/env bash
# Regenerates ../p256_ix_vectors.txt from Nebula 1.11.1's own noiseutil.DHP256 and flynn/noise
# v1.1.0, offline: the go.mod/go.sum are nebula v1.11.1's, taken from the Go module cache.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
nebula="$(go env GOMODCACHE)/github.com/slackhq/nebula@v1.11.1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/main.go" "$work/"
{ echo 'module flatnet/p256vector'; sed -n '/^go /,$p' "$nebula/go.mod" | grep -v '^toolchain'
  echo 'require github.com/slackhq/nebula v1.11.1'; } > "$work/go.mod"
cp "$nebula/go.sum" "$work/go.sum"
(cd "$work" && GOFLAGS=-mod=mod GOPROXY=off go run .) > "$here/../p256_ix_vectors.txt"
