#!/usr/bin/env bash
# Collectors on PostgreSQL: ingest through one instance against two instances on the same database,
# and the summary page at a million hosts. Run from the repository root with a release build:
#
#   cargo build --release -p sunset-collector -p sunset-loadgen
#   bash server-stub/benches/postgres.sh postgres://postgres@127.0.0.1:55432/postgres [ingest|summary]
#
# The URL names a server where this script may create databases (a fresh one per run, with the
# server's default fsync = on, synchronous_commit = on), and drops them when it ends (KEEP_DB=1 keeps
# them: the million-host one takes ~13 GB). Every instance and the load generator run on this
# machine over loopback. COLLECTOR=path/to/sunset-collector measures another build.
#
# - ingest: 20,000 reports (5,000 hosts, 300 programs each, ~10.5 KB of gzip) at 32 in flight, into a
#   fresh database through one instance, then into another fresh database through two instances
#   (the load generator alternates between them, as a load balancer would).
# - summary: 1,000,000 hosts (10 programs each) through two instances, then `GET /` and
#   `GET /api/v1/summary` six times each with an API token, timed by curl.
set -euo pipefail
server=${1:?usage: postgres.sh POSTGRES_URL [ingest|summary]}
what=${2:-all}
bin=${COLLECTOR:-target/release/sunset-collector}
loadgen=target/release/sunset-loadgen
[ -x "$bin" ] && [ -x "$loadgen" ] || { echo "build first: cargo build --release -p sunset-collector -p sunset-loadgen" >&2; exit 2; }
work=$(mktemp -d /tmp/sunset-pgbench.XXXXXX)
pids=()
databases=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  if [ -z "${KEEP_DB:-}" ]; then
    for name in "${databases[@]}"; do psql -q "$server" -c "DROP DATABASE IF EXISTS $name" >/dev/null || true; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A fresh database, remembered for the clean-up; sets $db_url.
fresh_db() {
  local name="sunset_bench_$(date +%s)_$RANDOM"
  psql -q "$server" -c "CREATE DATABASE $name" >/dev/null
  databases+=("$name")
  db_url="${server%/*}/$name"
}

# Starts $1 instances on a fresh database; sets $urls (space-separated), $db_url and $config.
start() {
  local n=$1
  fresh_db
  local db=$db_url
  config="$work/collector-$RANDOM.toml"
  printf 'data_dir = "%s"\ndatabase_url = "%s"\n' "$work" "$db" >"$config"
  "$bin" --config "$config" db migrate >/dev/null
  urls=""
  for _ in $(seq "$n"); do
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    RUST_LOG=warn "$bin" --config "$config" serve --listen "127.0.0.1:$port" >/dev/null 2>>"$work/collector.log" &
    pids+=($!)
    for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    urls="$urls http://127.0.0.1:$port"
  done
}

stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  pids=()
}

loadgen_args() {
  local args=()
  for url in $urls; do args+=(--url "$url"); done
  echo "${args[@]}"
}

ingest() {
  for n in ${INSTANCES:-1 2}; do
    start "$n"
    token=$("$bin" --config "$config" site add "Bench" | tail -n 1)
    printf '%s instance(s), load %s: ' "$n" "$(cut -d' ' -f1 /proc/loadavg)"
    # shellcheck disable=SC2046
    "$loadgen" $(loadgen_args) --token "$token" --reports 20000 --hosts 5000 --software 300 --concurrency 32 2>/dev/null
    stop
  done
}

summary() {
  start 2
  token=$("$bin" --config "$config" site add "Bench" | tail -n 1)
  echo 'a long enough password' | "$bin" --config "$config" user add bench --role viewer >/dev/null
  api=$("$bin" --config "$config" token add bench --name bench | tail -n 1)
  for first in 0 250000 500000 750000; do
    printf 'hosts %s-%s: ' "$first" "$((first + 249999))"
    # shellcheck disable=SC2046
    "$loadgen" $(loadgen_args) --token "$token" --reports 250000 --hosts 250000 --first-host "$first" \
      --software 10 --concurrency 32 2>/dev/null
  done
  psql -q "$db_url" -c "VACUUM ANALYZE" >/dev/null
  url=${urls# }
  url=${url%% *}
  printf 'database %s; load %s\n' "$(psql -At "$db_url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")" \
    "$(cut -d' ' -f1 /proc/loadavg)"
  for path in / /api/v1/summary; do
    printf 'GET %-16s' "$path"
    for _ in 1 2 3 4 5 6; do
      curl -fsS -o /dev/null -H "Authorization: Bearer $api" -w ' %{time_total}s' "$url$path"
    done
    echo
  done
  stop
}

case "$what" in
  ingest) ingest ;;
  summary) summary ;;
  all) ingest; summary ;;
  *) echo "usage: postgres.sh POSTGRES_URL [ingest|summary]" >&2; exit 2 ;;
esac
