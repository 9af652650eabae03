#!/usr/bin/env bash
# The one test command (README.md): installs what the tests need, starts a throwaway PostgreSQL,
# then runs formatting, lints and every test of the workspace, and the Windows build checks.
# Runs as root on a fresh Debian machine (CI) or a developer's. In CI (CI=true) nothing may be skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s  (%ds since the start)\n' "$*" "$SECONDS"; }

# --- System packages -------------------------------------------------------------------------------
# tinyproxy: the agent's proxy tests; osslsigncode and openssl: Authenticode signing of the MSIs. The 32-bit
# Wine (wine32:i386) for the x86 agent is installed by ci/wine.sh, which also enables i386 multiarch.
# make: the collector's jemalloc (tikv-jemalloc-sys) is built with its own configure and make.
packages=(make postgresql rpm libhivex-bin libwin-hivex-perl msitools wixl xz-utils chromium chromium-driver wine64 tinyproxy osslsigncode openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "need root to install: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Throwaway PostgreSQL cluster (refuses to run as root: run it as the postgres user) ------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/sunset-pg.XXXXXX)
chown postgres:postgres "$pg_dir" 2>/dev/null || true
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop_pg() {
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
step "starting PostgreSQL on 127.0.0.1:$pg_port"
runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off" start >/dev/null
export SUNSET_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"

# --- Rust ----------------------------------------------------------------------------------------------
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy (Linux)"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "no file-level import circles (ARCHITECTURE.md invariants)"
python3 ci/import-cycles.py catalog catalog-tool agent server-stub tools/loadgen

# --- Windows: the workspace linted for Windows, and the agent built for Windows 7 SP1+ x64 and x86 -------------
# (clippy type-checks everything `check` would.) Built before the tests: the exe, MSI and Wine tests use these
# real exes. The Windows part's time is printed: it must stay well under 15 minutes on a 2-core machine.
windows_started=$(date +%s)
step "Windows clippy (x86_64-win7-windows-gnu)"
bash ci/windows.sh clippy --locked
step "Windows build (sunset-agent.exe for x86_64- and i686-win7-windows-gnu, static CRT)"
bash ci/windows.sh build --locked
export SUNSET_AGENT_EXE_X64="$root/target/windows-gnu/x86_64-win7-windows-gnu/release/sunset-agent.exe"
export SUNSET_AGENT_EXE_X86="$root/target/windows-gnu/i686-win7-windows-gnu/release/sunset-agent.exe"
windows_build_seconds=$(($(date +%s) - windows_started))

echo "Windows build and lint: ${windows_build_seconds}s (load: $(cut -d' ' -f1-3 /proc/loadavg));" \
  "the exe, msi and wine tests below print their own times"

# Tests that need something this script provides (PostgreSQL, root for a tmpfs or a cluster of
# their own, chromium, mount namespaces) are #[ignore = "needs …"]: a plain `cargo test` lists them
# as ignored, and here they run, where a missing prerequisite fails them. No test passes by skipping.
step "cargo test (including the ignored tests that need this machine's setup)"
cargo test --workspace --locked --no-fail-fast -- --include-ignored
echo
echo "all checks passed"
echo "artefacts (browser screenshots): ${SUNSET_ARTEFACTS_DIR:-$root/target/artefacts}/screenshots"
