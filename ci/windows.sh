#!/usr/bin/env bash
# Type-checks, lints and builds the workspace for Windows on Debian, so the Windows code is compiled in
# every CI run. The agent must run on Windows 7 SP1 / Server 2008 R2 and later, 64- and 32-bit, so it is
# built for Rust's `x86_64-win7-windows-gnu` and `i686-win7-windows-gnu` targets: their std keeps to
# Windows 7 APIs (no WaitOnAddress, GetSystemTimePreciseAsFileTime or ProcessPrng, which the standard
# `*-pc-windows-gnu` targets import). They are tier 3, so std is built here (-Zbuild-std) from the
# sources of Debian's rustc-web; rustup has no Windows std. The same exes run on Windows 10 and 11: there
# is one build, not one per Windows generation (ARCHITECTURE.md, "Windows builds").
#
# rustup's toolchain stays the project's main one: this script puts /usr/bin first only for itself and
# uses its own target dir (target/windows-gnu/<triple>/release/sunset-agent.exe).
#
# Usage: ci/windows.sh check|clippy|build [--target TRIPLE] [extra cargo args]
#   check, clippy: the crates that ship on Windows (the agent and the catalogue inside it), library and
#                  binaries, for x86_64-win7-windows-gnu. The Windows-only code is all in agent/src
#                  (platform/ and inventory/windows/); tests, benches and the collector run on Linux and are
#                  linted there, so compiling them for Windows too would only cost CI time. The i686 code is
#                  the same source; its build below compiles it.
#   build:         the release agent for both targets (or only --target TRIPLE), static C runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
[ $# -gt 0 ] && shift

targets=(x86_64-win7-windows-gnu i686-win7-windows-gnu)
if [ "${1:-}" = "--target" ]; then
  [ -n "${2:-}" ] || { echo "ci/windows.sh: --target needs a triple" >&2; exit 2; }
  targets=("$2")
  shift 2
fi

need=()
/usr/bin/rustc --version 2>/dev/null | grep -qE '^rustc 1\.(9[6-9]|[1-9][0-9]{2})' || need+=(rustc-web cargo-web)
[ -d /usr/lib/rustlib/src/rust/library ] || need+=(rust-web-src)
[ -x /usr/bin/cargo-clippy ] || need+=(rust-web-clippy)
command -v x86_64-w64-mingw32-gcc-posix >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64)
command -v i686-w64-mingw32-gcc-posix >/dev/null 2>&1 || need+=(gcc-mingw-w64-i686-posix binutils-mingw-w64-i686)
if [ ${#need[@]} -gt 0 ]; then
  echo "ci/windows.sh: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

export PATH=/usr/bin:$PATH CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/windows-gnu}
# Per target: MinGW's linker, and its C compiler and archiver for the C inside ring and SQLite (the cc
# crate does not know the `win7` vendor and would otherwise use the host's cc, producing ELF objects).
# Static C runtime: the exe must run on a clean PC without MinGW DLLs.
for triple in x86_64-win7-windows-gnu i686-win7-windows-gnu; do
  gnu=${triple%%-*}-w64-mingw32
  upper=$(echo "$triple" | tr 'a-z-' 'A-Z_')
  lower=${triple//-/_}
  export "CARGO_TARGET_${upper}_LINKER=$gnu-gcc-posix"
  export "CARGO_TARGET_${upper}_RUSTFLAGS=-C target-feature=+crt-static"
  export "CC_${lower}=$gnu-gcc-posix" "AR_${lower}=$gnu-ar"
done
build_std=-Zbuild-std=std,panic_abort
shipped=(-p sunset-agent -p sunset-catalog --lib --bins)
case "$mode" in
  check)  exec /usr/bin/cargo check "$build_std" --target "${targets[0]}" "${shipped[@]}" "$@" ;;
  clippy) exec /usr/bin/cargo clippy "$build_std" --target "${targets[0]}" "${shipped[@]}" "$@" -- -D warnings ;;
  build)
    # One cargo run for every target: the release profile's final LTO link is one thread per exe, so
    # building both targets together keeps both cores busy (about half the wall time of one after the other).
    /usr/bin/cargo build "$build_std" "${targets[@]/#/--target=}" --release -p sunset-agent "$@"
    for triple in "${targets[@]}"; do echo "$CARGO_TARGET_DIR/$triple/release/sunset-agent.exe"; done
    ;;
  *) echo "usage: ci/windows.sh check|clippy|build [--target TRIPLE] [cargo args]" >&2; exit 2 ;;
esac
