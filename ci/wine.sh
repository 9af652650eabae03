#!/usr/bin/env bash
# Prepares Debian's Wine 8 to run the Windows agent: used by tests/tests/wine/, and by hand (packaging/WINE.md).
# Wine is not Windows: what runs here is a cheap, early check; the windows-latest workflow is the final word,
# and Windows 7 compatibility is proven from the import table (tests/tests/exe.rs), never from Wine.
#
#   ci/wine.sh prefix <dir> [win64|win32]
#       Makes a throwaway WINEPREFIX in <dir> (missing or empty) that claims to be Windows 7 SP1, ready for the
#       MSI and the agent, and prints what a caller needs as shell assignments: WINE=…, WINESERVER=…, WINEPREFIX=….
#       win64 (default) is 64-bit Windows with WoW64, so both the 64-bit and the 32-bit agent run in it;
#       win32 is 32-bit Windows. Leaves a persistent wineserver running (services such as SunsetAgent stay up
#       between commands); the caller stops it with `WINEPREFIX=<dir> $WINESERVER -k` and removes <dir>.
#
# Installs Debian's wine64 and the 32-bit wine32 (i386 multiarch) with apt when missing (root only). Exit status
# 3: something needed is missing and cannot be installed here (not root); the caller may skip on that, outside CI.
#
# What the prefix gets, and why (details in packaging/WINE.md):
#   - no display (DISPLAY unset), no debug output (WINEDEBUG=-all), no Mono/Gecko (WINEDLLOVERRIDES), so wineboot
#     never waits for a dialog;
#   - Windows 7 SP1 as the version Wine reports (`winecfg -v win7`: 6.1.7601, "Service Pack 1"), so the MSIs'
#     Windows 7 SP1 launch condition and the agent's OS facts see what they would on the oldest supported PC;
#   - ProfileList\Public = C:\ProgramData: Wine 8's CreateEnvironmentBlock, which services.exe uses to build a
#     service's environment, sets %ProgramData% from that value (C:\users\Public), where Windows gives
#     services C:\ProgramData. Without this the SunsetAgent service would read and log somewhere else.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "ci/wine.sh: $*" >&2; exit 1; }
missing() { echo "ci/wine.sh: $*" >&2; exit 3; }
note() { echo "ci/wine.sh: $*" >&2; }

# Debian's wine64 has no /usr/bin entry without the `wine` package (which would pull in the desktop bits).
find_tool() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"
  elif [ -x "/usr/lib/wine/$name" ]; then echo "/usr/lib/wine/$name"
  fi
}

ensure_packages() {
  local need=() foreign=0
  # The x64 and x86 Wine tests make their prefixes at the same time: one installs while the other
  # waits, then finds everything there (two dpkg --add-architecture / apt-get runs at once fail).
  exec 9>/tmp/sunset-wine-packages.lock
  flock 9
  [ -n "$(find_tool wine64)" ] && [ -n "$(find_tool wineserver)" ] || need+=(wine64)
  # The 32-bit loader: the x86 agent, in a win32 prefix or under WoW64 in a win64 one.
  if [ -z "$(find_tool wine)" ]; then
    need+=(wine32:i386)
    dpkg --print-foreign-architectures | grep -qx i386 || foreign=1
  fi
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || missing "${need[*]} not installed, and only root can install them (dpkg --add-architecture i386; apt-get install ${need[*]})"
  note "installing ${need[*]}"
  [ "$foreign" -eq 0 ] || dpkg --add-architecture i386
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

make_prefix() {
  [ $# -ge 1 ] && [ $# -le 2 ] || die "usage: ci/wine.sh prefix <dir> [win64|win32]"
  local prefix=$1 arch=${2:-win64}
  case "$arch" in win64 | win32) ;; *) die "unknown prefix architecture $arch (win64 or win32)" ;; esac
  case "$prefix" in /*) ;; *) prefix=$PWD/$prefix ;; esac
  if [ -e "$prefix" ] && [ -n "$(ls -A "$prefix")" ]; then die "$prefix is not empty"; fi
  ensure_packages
  local wine wineserver
  # A win64 prefix is driven by wine64, so that tools like reg.exe are the 64-bit ones (the 32-bit loader
  # would start SysWOW64's, which see the redirected 32-bit registry view); it starts 32-bit programs through
  # the installed 32-bit loader. A win32 prefix needs that loader.
  if [ "$arch" = win64 ]; then wine=$(find_tool wine64); else wine=$(find_tool wine); fi
  wineserver=$(find_tool wineserver)
  mkdir -p "$prefix"

  unset DISPLAY WAYLAND_DISPLAY
  export WINEPREFIX=$prefix WINEARCH=$arch WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  # A first boot on a busy machine occasionally fails; one clean retry, then give up with its output.
  if ! "$wine" wineboot --init >/dev/null 2>&1; then
    note "wineboot failed once in $prefix; retrying"
    "$wineserver" -k >/dev/null 2>&1 || true
    "$wine" wineboot --init >"$prefix.wineboot.log" 2>&1 || { cat "$prefix.wineboot.log" >&2; die "wineboot failed in $prefix"; }
  fi
  "$wine" winecfg -v win7 >/dev/null 2>&1 || die "cannot set the Windows version to Windows 7"
  "$wine" reg add 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\ProfileList' \
    /v Public /t REG_EXPAND_SZ /d 'C:\ProgramData' /f >/dev/null 2>&1 || die "cannot set ProfileList\\Public"
  # Let this server save the registry and exit, so services.exe starts again with the environment above;
  # then keep one running: an idle wineserver otherwise stops every service a few seconds after the last
  # command, and the next command starts them afresh.
  "$wineserver" -w
  # Its own output goes nowhere: it outlives this script and must not hold a caller's pipe open.
  "$wineserver" -p </dev/null >/dev/null 2>&1
  printf 'WINE=%s\nWINESERVER=%s\nWINEPREFIX=%s\n' "$wine" "$wineserver" "$prefix"
}

mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
  prefix) make_prefix "$@" ;;
  *) die "usage: ci/wine.sh prefix <dir> [win64|win32]" ;;
esac
