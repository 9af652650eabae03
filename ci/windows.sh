#!/usr/bin/env bash
# Type-checks, lints and builds the workspace for Windows (x86_64-pc-windows-gnu) on Debian, so the
# Windows code is compiled in every CI run. rustup has no Windows std here; Debian's rustc-web ships
# its std sources, so we build std ourselves (-Zbuild-std). rustup's toolchain stays the project's
# main one: this script puts /usr/bin first only for itself and uses its own target dir.
# Usage: ci/windows.sh check|clippy|build [extra cargo args]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
[ $# -gt 0 ] && shift

need=()
/usr/bin/rustc --version 2>/dev/null | grep -qE '^rustc 1\.(9[6-9]|[1-9][0-9]{2})' || need+=(rustc-web cargo-web)
[ -d /usr/lib/rustlib/src/rust/library ] || need+=(rust-web-src)
[ -x /usr/bin/cargo-clippy ] || need+=(rust-web-clippy)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64)
if [ ${#need[@]} -gt 0 ]; then
  echo "ci/windows.sh: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

export PATH=/usr/bin:$PATH CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/windows-gnu}
# Static C runtime: the exe must run on a clean PC without MinGW DLLs.
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="-C target-feature=+crt-static"
target=(-Zbuild-std=std,panic_abort --target x86_64-pc-windows-gnu)
case "$mode" in
  check)  exec /usr/bin/cargo check "${target[@]}" --workspace --all-targets "$@" ;;
  clippy) exec /usr/bin/cargo clippy "${target[@]}" --workspace --all-targets "$@" -- -D warnings ;;
  build)  exec /usr/bin/cargo build "${target[@]}" --release -p sunset-agent "$@" ;;
  *) echo "usage: ci/windows.sh check|clippy|build" >&2; exit 2 ;;
esac
