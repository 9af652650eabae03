#!/usr/bin/env bash
# The one test command (README.md): installs what the tests need, starts a throwaway PostgreSQL,
# then runs formatting, lints and every test of the workspace, and the Windows build checks.
# Runs as root on a fresh Debian machine (CI) or a developer's. In CI (CI=true) nothing may be skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

# --- System packages -------------------------------------------------------------------------------
packages=(postgresql rpm libhivex-bin libwin-hivex-perl msitools wixl xz-utils chromium chromium-driver wine64)
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
python3 ci/import-cycles.py catalog catalog-tool agent

# --- Windows: the same workspace type-checked, linted and built for x86_64-pc-windows-gnu ---------------
# Built before the tests: the MSI and Wine tests install this real sunset-agent.exe.
step "Windows check"
bash ci/windows.sh check --locked
step "Windows clippy"
bash ci/windows.sh clippy --locked
step "Windows build (sunset-agent.exe, static CRT)"
bash ci/windows.sh build --locked
export SUNSET_AGENT_EXE="$root/target/windows-gnu/x86_64-pc-windows-gnu/release/sunset-agent.exe"

step "cargo test"
cargo test --workspace --locked
echo
echo "all checks passed"
