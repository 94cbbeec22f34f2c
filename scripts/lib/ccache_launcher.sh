# Sourced by scripts/setup.sh and scripts/lib/instrumented_build.sh: ccache, when installed,
# as the compiler launcher, with the checkout's path taken out of its hashes, so a fresh
# clone elsewhere (CI's, a git worktree) reuses what an earlier build compiled.
# Sets ccache_launcher, the cmake arguments (empty without ccache).
ccache_launcher=()
if command -v ccache >/dev/null; then
  ccache_launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
