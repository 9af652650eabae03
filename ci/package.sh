#!/usr/bin/env bash
# Builds Sunset's installers from the templates in packaging/ (this script only drives the tools; what is
# installed where is said by the templates). Used by tests/tests/msi.rs, agent_deb.rs, collector_deb.rs, wine/ and the workflows.
#
#   ci/package.sh msi <sunset-agent.exe> <out-dir>
#       sunset-agent-<version>-<x64|x86>.msi with Debian's wixl from packaging/wix/sunset-agent.wxs, then the
#       fix-ups wixl cannot express (packaging/wix/fixups.sql) with msibuild. The payload is whatever exe
#       it is given; its PE header's CPU picks the package (x86-64 → x64, i386 → x86). Installs wixl and
#       msitools with apt when missing. Signed when a certificate is given (below): the exe inside, then
#       the MSI.
#   ci/package.sh sign <file> [<out>]
#       Authenticode-signs an exe or MSI in place (or to <out>) with the certificate below.
#   ci/package.sh deb [<out-dir>]
#       sunset-agent_<version>-1_<arch>.deb with cargo-deb ([package.metadata.deb] in agent/Cargo.toml)
#       from the release agent (`cargo build --release -p sunset-agent`, a no-op when it is up to date).
#       Installs cargo-deb with `cargo install` when missing. Default out-dir: target/debian.
#   ci/package.sh collector-deb [<out-dir>]
#       sunset-collector_<version>-1_<arch>.deb the same way ([package.metadata.deb] in server-stub/Cargo.toml).
#
# The version is the workspace version (root Cargo.toml, [workspace.package]).
#
# Authenticode signing (osslsigncode, installed with apt when missing), only when a certificate is given:
#   SUNSET_SIGN_PKCS12         a PKCS#12 (.pfx/.p12) file with the code-signing key and certificate chain
#   SUNSET_SIGN_PASSWORD_FILE  a file whose first line is its password (or SUNSET_SIGN_PASSWORD; never on
#                              a command line, where other users could see it)
#   SUNSET_SIGN_TIMESTAMP_URL  an RFC 3161 time-stamping service (optional; without it the signature stops
#                              verifying when the certificate expires)
# packaging/README.md, "Signing", says how to get and protect the certificate.
set -euo pipefail
caller=$(pwd)
cd "$(dirname "$0")/.."
root=$(pwd)
cargo=${CARGO:-cargo}
# The cargo-deb release this script is tested with; bump deliberately.
cargo_deb_version=3.8.0

die() { echo "ci/package.sh: $*" >&2; exit 1; }
# Temporary files of this run, removed on exit.
cleanup=()
trap 'rm -rf "${cleanup[@]}"' EXIT
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

# The package platform for a PE file: x64 or x86, from the machine field of its COFF header.
pe_platform() {
  local pe machine
  [ "$(head -c 2 "$1")" = "MZ" ] || die "$1 is not a Windows executable (no MZ header)"
  pe=$(od -An -tu4 -j60 -N4 "$1" | tr -d ' ')
  machine=$(od -An -tx2 -j$((pe + 4)) -N2 "$1" | tr -d ' ')
  case "$machine" in
    8664) echo x64 ;;
    014c) echo x86 ;;
    *) die "$1: PE machine $machine is neither x86-64 nor i386" ;;
  esac
}

signing_requested() { [ -n "${SUNSET_SIGN_PKCS12:-}" ]; }

# Signs $1 into $2 (they may be the same file) with the certificate from the environment.
sign_file() {
  local in=$1 out=$2 password tmp
  [ -f "$SUNSET_SIGN_PKCS12" ] || die "SUNSET_SIGN_PKCS12=$SUNSET_SIGN_PKCS12: no such file"
  command -v osslsigncode >/dev/null 2>&1 || apt_install osslsigncode
  if [ -n "${SUNSET_SIGN_PASSWORD_FILE:-}" ]; then
    password=$SUNSET_SIGN_PASSWORD_FILE
  elif [ -n "${SUNSET_SIGN_PASSWORD:-}" ]; then
    password=$(mktemp)
    cleanup+=("$password")
    chmod 600 "$password"
    printf '%s' "$SUNSET_SIGN_PASSWORD" >"$password"
  else
    die "SUNSET_SIGN_PKCS12 is set but neither SUNSET_SIGN_PASSWORD_FILE nor SUNSET_SIGN_PASSWORD"
  fi
  local timestamp=()
  [ -z "${SUNSET_SIGN_TIMESTAMP_URL:-}" ] || timestamp=(-ts "$SUNSET_SIGN_TIMESTAMP_URL")
  tmp="$out.signing.$$"
  osslsigncode sign -pkcs12 "$SUNSET_SIGN_PKCS12" -readpass "$password" -h sha256 \
    -n "Sunset agent" -i "https://github.com/sunset-eol/sunset" "${timestamp[@]}" \
    -in "$in" -out "$tmp" >/dev/null || { rm -f "$tmp"; die "signing $in failed"; }
  mv -f "$tmp" "$out"
  note "signed $out"
}

sign_only() {
  [ $# -ge 1 ] && [ $# -le 2 ] || die "usage: ci/package.sh sign <file> [<out>]"
  signing_requested || die "ci/package.sh sign: set SUNSET_SIGN_PKCS12 (and the password; see the header)"
  local in out
  in=$(from_caller "$1")
  out=$(from_caller "${2:-$1}")
  [ -f "$in" ] || die "$in: no such file"
  sign_file "$in" "$out"
  echo "$out"
}

build_msi() {
  [ $# -eq 2 ] || die "usage: ci/package.sh msi <sunset-agent.exe> <out-dir>"
  local exe out platform
  exe=$(from_caller "$1")
  out=$(from_caller "$2")
  [ -f "$exe" ] || die "$exe: no such file"
  platform=$(pe_platform "$exe")
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
  msi="$(cd "$out" && pwd)/sunset-agent-$version-$platform.msi"
  rm -f "$msi"

  # wixl takes Source paths relative to the working directory (absolute ones fail): stage both files.
  local stage
  stage=$(mktemp -d)
  cleanup+=("$stage")
  cp "$exe" "$stage/sunset-agent.exe"
  cp "$config" "$stage/agent.toml"
  if signing_requested; then
    sign_file "$stage/sunset-agent.exe" "$stage/sunset-agent.exe"
  fi
  # wixl warns (harmlessly) about the attributes only WiX understands; fixups.sql sets them below.
  # Other warnings and errors are shown.
  (cd "$stage" && wixl -a "$platform" \
    -D Platform="$platform" \
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
  if signing_requested; then
    sign_file "$msi" "$msi"
  fi
  echo "$msi"
}

# build_deb <cargo package> <template> [<out-dir>]
build_deb() {
  local package=$1 template=$2
  shift 2
  [ $# -le 1 ] || die "usage: ci/package.sh deb|collector-deb [<out-dir>]"
  local out=$root/target/debian
  [ $# -eq 0 ] || out=$(from_caller "$1")
  if ! "$cargo" deb --version 2>/dev/null | grep -q "$cargo_deb_version"; then
    note "installing cargo-deb $cargo_deb_version"
    "$cargo" install cargo-deb --version "$cargo_deb_version" --locked --quiet
  fi
  command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is missing (Debian or Ubuntu needed)"
  [ -f "$root/packaging/$template" ] || die "packaging/$template is missing"
  "$cargo" build --release --locked -p "$package"
  mkdir -p "$out"
  # --no-build: the binary was just built above (cargo-deb would otherwise build it again with its own
  # flags); --fast: lighter compression, the package is small either way.
  "$cargo" deb -p "$package" --no-build --fast --locked --output "$out" | tail -n 1
}

mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
  msi) build_msi "$@" ;;
  sign) sign_only "$@" ;;
  deb) build_deb sunset-agent agent.toml.example "$@" ;;
  collector-deb) build_deb sunset-collector collector.toml.example "$@" ;;
  *) die "usage: ci/package.sh msi <sunset-agent.exe> <out-dir> | sign <file> [<out>] | deb|collector-deb [<out-dir>]" ;;
esac
