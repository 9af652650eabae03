#!/usr/bin/env bash
# Builds Sunset's installers from the templates in packaging/ (this script only drives the tools; what is
# installed where is said by the templates). Used by tests/tests/packaging.rs and the workflows.
#
#   ci/package.sh msi <sunset-agent.exe> <out-dir>
#       sunset-agent-<version>-x64.msi with Debian's wixl from packaging/wix/sunset-agent.wxs, then the
#       fix-ups wixl cannot express (packaging/wix/fixups.sql) with msibuild. The payload is whatever exe
#       it is given. Installs wixl and msitools with apt when missing.
#   ci/package.sh deb [<out-dir>]
#       sunset-agent_<version>-1_<arch>.deb with cargo-deb ([package.metadata.deb] in agent/Cargo.toml)
#       from the release agent (`cargo build --release -p sunset-agent`, a no-op when it is up to date).
#       Installs cargo-deb with `cargo install` when missing. Default out-dir: target/debian.
#
# The version is the workspace version (root Cargo.toml, [workspace.package]).
set -euo pipefail
caller=$(pwd)
cd "$(dirname "$0")/.."
root=$(pwd)
cargo=${CARGO:-cargo}
# The cargo-deb release this script is tested with; bump deliberately.
cargo_deb_version=3.8.0

die() { echo "ci/package.sh: $*" >&2; exit 1; }
# Paths on the command line are relative to where the script was called from.
from_caller() { case "$1" in /*) echo "$1" ;; *) echo "$caller/$1" ;; esac; }
note() { echo "ci/package.sh: $*" >&2; }

workspace_version() {
  awk '/^\[workspace\.package\]/ { s = 1; next } /^\[/ { s = 0 }
       s && $1 == "version" { gsub(/"/, "", $3); print $3; exit }' "$root/Cargo.toml"
}

apt_install() {
  [ "$(id -u)" -eq 0 ] || die "need root to install $* (or install them yourself: apt-get install $*)"
  note "installing $*"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

build_msi() {
  [ $# -eq 2 ] || die "usage: ci/package.sh msi <sunset-agent.exe> <out-dir>"
  local exe out
  exe=$(from_caller "$1")
  out=$(from_caller "$2")
  [ -f "$exe" ] || die "$exe: no such file"
  local config="$root/packaging/agent.toml.example"
  [ -f "$config" ] || die "$config is missing (the default configuration the MSI installs)"
  command -v wixl >/dev/null 2>&1 && command -v msibuild >/dev/null 2>&1 || apt_install wixl msitools

  local version
  version=$(workspace_version)
  [ -n "$version" ] || die "no version in [workspace.package] of Cargo.toml"
  # Windows Installer versions are numeric (major.minor.build): drop a semver pre-release or build tag.
  version=${version%%[-+]*}
  mkdir -p "$out"
  local msi
  msi="$(cd "$out" && pwd)/sunset-agent-$version-x64.msi"
  rm -f "$msi"

  # wixl takes Source paths relative to the working directory (absolute ones fail): stage both files.
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  cp "$exe" "$stage/sunset-agent.exe"
  cp "$config" "$stage/agent.toml"
  # wixl warns (harmlessly) about the attributes only WiX understands; fixups.sql sets them below.
  # Other warnings and errors are shown.
  (cd "$stage" && wixl -a x64 \
    -D Version="$version" \
    -D AgentExe=sunset-agent.exe \
    -D ConfigFile=agent.toml \
    -o "$msi" "$root/packaging/wix/sunset-agent.wxs") \
    2> >(grep -vE "has no property named '(Platform|NeverOverwrite|Permanent|Secure|Hidden)'|^$" >&2)

  # The package's own values for the @…@ placeholders (msiinfo prints CRLF lines).
  local properties upgrade_code product_version
  properties=$(msiinfo export "$msi" Property | tr -d '\r')
  upgrade_code=$(awk -F'\t' '$1 == "UpgradeCode" { print $2 }' <<<"$properties")
  product_version=$(awk -F'\t' '$1 == "ProductVersion" { print $2 }' <<<"$properties")
  [ -n "$upgrade_code" ] && [ -n "$product_version" ] || die "no UpgradeCode or ProductVersion in $msi"
  local query
  while IFS= read -r query; do
    case "$query" in '' | '#'*) continue ;; esac
    query=${query//@UPGRADE_CODE@/$upgrade_code}
    query=${query//@PRODUCT_VERSION@/$product_version}
    msibuild "$msi" -q "$query" || die "fix-up failed: $query"
  done <"$root/packaging/wix/fixups.sql"
  echo "$msi"
}

build_deb() {
  [ $# -le 1 ] || die "usage: ci/package.sh deb [<out-dir>]"
  local out=$root/target/debian
  [ $# -eq 0 ] || out=$(from_caller "$1")
  if ! "$cargo" deb --version 2>/dev/null | grep -q "$cargo_deb_version"; then
    note "installing cargo-deb $cargo_deb_version"
    "$cargo" install cargo-deb --version "$cargo_deb_version" --locked --quiet
  fi
  command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is missing (Debian or Ubuntu needed)"
  [ -f "$root/packaging/agent.toml.example" ] || die "packaging/agent.toml.example is missing"
  "$cargo" build --release --locked -p sunset-agent
  mkdir -p "$out"
  # --no-build: the binary was just built above (cargo-deb would otherwise build it again with its own
  # flags); --fast: lighter compression, the package is small either way.
  "$cargo" deb -p sunset-agent --no-build --fast --locked --output "$out" | tail -n 1
}

mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
  msi) build_msi "$@" ;;
  deb) build_deb "$@" ;;
  *) die "usage: ci/package.sh msi <sunset-agent.exe> <out-dir> | deb [<out-dir>]" ;;
esac
