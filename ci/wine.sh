#!/usr/bin/env bash
# Prepares Debian's Wine 8 to run the Windows agent: used by tests/tests/wine.rs, and by hand (packaging/WINE.md).
# Wine is not Windows: what runs here is a cheap, early check; the windows-latest workflow is the final word.
#
#   ci/wine.sh prefix <dir>
#       Makes a throwaway 64-bit WINEPREFIX in <dir> (missing or empty), ready for the MSI and the agent, and
#       prints what a caller needs as shell assignments: WINE=…, WINESERVER=…, WINEPREFIX=…, SHIM=….
#       Leaves a persistent wineserver running (services such as SunsetAgent stay up between commands);
#       the caller stops it with `WINEPREFIX=<dir> $WINESERVER -k` and removes <dir>.
#   ci/wine.sh shim
#       Builds only the bcryptprimitives.dll shim and prints its path.
#
# Installs Debian's wine64 and mingw-w64 with apt when missing (root only). Exit status 3: something needed is
# missing and cannot be installed here (not root, no ../shared); the caller may skip on that, outside CI.
#
# What the prefix gets, and why (details in packaging/WINE.md):
#   - no display (DISPLAY unset), no debug output (WINEDEBUG=-all), no Mono/Gecko (WINEDLLOVERRIDES), so wineboot
#     never waits for a dialog;
#   - bcryptprimitives.dll in system32: Wine 8 lacks it and Rust's std imports ProcessPrng from it; the shim is
#     built from ../shared/tools/wine/bcryptprimitives.c and cached in target/wine/ by the source's hash;
#   - ProfileList\Public = C:\ProgramData: Wine 8's CreateEnvironmentBlock, which services.exe uses to build a
#     service's environment, sets %ProgramData% from that value (C:\users\Public), where Windows gives
#     services C:\ProgramData. Without this the SunsetAgent service would read and log somewhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

die() { echo "ci/wine.sh: $*" >&2; exit 1; }
missing() { echo "ci/wine.sh: $*" >&2; exit 3; }
note() { echo "ci/wine.sh: $*" >&2; }

shim_source=${SUNSET_SHARED:-$root/../shared}/tools/wine/bcryptprimitives.c
cache=${CARGO_TARGET_DIR:-$root/target}/wine

# Debian's wine64 has no /usr/bin entry without the `wine` package (which would pull in 32-bit Wine).
find_tool() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"
  elif [ -x "/usr/lib/wine/$name" ]; then echo "/usr/lib/wine/$name"
  fi
}

ensure_packages() {
  local need=()
  [ -n "$(find_tool wine64)" ] && [ -n "$(find_tool wineserver)" ] || need+=(wine64)
  command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64)
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || missing "${need[*]} not installed, and only root can install them (apt-get install ${need[*]})"
  note "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# Prints the path of the cached shim, building it when its source changed.
build_shim() {
  [ -f "$shim_source" ] || missing "$shim_source not found (set SUNSET_SHARED to the shared directory)"
  local hash dll
  hash=$(sha256sum "$shim_source" | cut -c1-16)
  dll=$cache/shim-$hash/bcryptprimitives.dll
  if [ ! -f "$dll" ]; then
    mkdir -p "$(dirname "$dll")"
    # Built under a temporary name and renamed, so concurrent runs never see half a DLL.
    x86_64-w64-mingw32-gcc -shared -O2 -o "$dll.tmp.$$" "$shim_source" -lbcrypt
    mv -f "$dll.tmp.$$" "$dll"
  fi
  echo "$dll"
}

make_prefix() {
  [ $# -eq 1 ] || die "usage: ci/wine.sh prefix <dir>"
  local prefix=$1
  case "$prefix" in /*) ;; *) prefix=$PWD/$prefix ;; esac
  if [ -e "$prefix" ] && [ -n "$(ls -A "$prefix")" ]; then die "$prefix is not empty"; fi
  ensure_packages
  local wine wineserver shim
  wine=$(find_tool wine64)
  wineserver=$(find_tool wineserver)
  shim=$(build_shim)
  mkdir -p "$prefix"

  unset DISPLAY WAYLAND_DISPLAY
  export WINEPREFIX=$prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  # wineboot complains that 32-bit rundll32 is missing (no wine32): harmless for a 64-bit agent.
  # A first boot on a busy machine occasionally fails; one clean retry, then give up with its output.
  if ! "$wine" wineboot --init >/dev/null 2>&1; then
    note "wineboot failed once in $prefix; retrying"
    "$wineserver" -k >/dev/null 2>&1 || true
    "$wine" wineboot --init >"$prefix.wineboot.log" 2>&1 || { cat "$prefix.wineboot.log" >&2; die "wineboot failed in $prefix"; }
  fi
  cp "$shim" "$prefix/drive_c/windows/system32/bcryptprimitives.dll"
  "$wine" reg add 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\ProfileList' \
    /v Public /t REG_EXPAND_SZ /d 'C:\ProgramData' /f >/dev/null 2>&1 || die "cannot set ProfileList\\Public"
  # Let this server save the registry and exit, so services.exe starts again with the environment above;
  # then keep one running: an idle wineserver otherwise stops every service a few seconds after the last
  # command, and the next command starts them afresh.
  "$wineserver" -w
  # Its own output goes nowhere: it outlives this script and must not hold a caller's pipe open.
  "$wineserver" -p </dev/null >/dev/null 2>&1
  printf 'WINE=%s\nWINESERVER=%s\nWINEPREFIX=%s\nSHIM=%s\n' "$wine" "$wineserver" "$prefix" "$shim"
}

mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
  prefix) make_prefix "$@" ;;
  shim) [ $# -eq 0 ] || die "usage: ci/wine.sh shim"; ensure_packages; build_shim ;;
  *) die "usage: ci/wine.sh prefix <dir> | shim" ;;
esac
