#!/usr/bin/env bash
# Issue 16's central-collector figures at 100,000 hosts under an organisation tree: the summary,
# the summary of one organisation's subtree (the organisation page, `/?org=`), the forecast, the
# evidence pack and the daily trend snapshot. Run from the repository root:
#
#   cargo build --release -p sunset-collector -p sunset-loadgen
#   bash server-stub/benches/central.sh                 # SQLite
#   SUNSET_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:55444/postgres \
#     bash server-stub/benches/central.sh               # SQLite, then PostgreSQL
#
# The estate: one ICB, 10 PCNs, 250 practices (25 a PCN, imported with `org import`), a site per
# practice with 400 hosts (`sunset-loadgen --software 10` through the real HTTP path, with that
# site's token): 100,000 hosts. Filling takes minutes, so the filled database is kept and reused:
# SQLite in $SUNSET_BENCH_DIR (default /tmp/sunset-central), PostgreSQL as the database
# `sunset_central` on the server the URL names (created there; drop it by hand). FILL=0 refuses
# to fill. HOSTS_PER_SITE=… makes a smaller estate (for a quick try; use another SUNSET_BENCH_DIR).
#
# Every page is asked for RUNS times (default 5) in turn by curl with an API token; each line says
# the wall times (`%{time_total}`), the median, and the collector's own CPU time per request
# (utime + stime from /proc/PID/stat; on PostgreSQL the server's own CPU is not in it), with the
# 1-minute load average before. The evidence pack is
# asked for 3 times by a collector started for it; its peak RSS is that process's VmHWM. The
# snapshot runs under `/usr/bin/time -v` (wall, maximum RSS). COLLECTOR=path measures another
# build against the same database.
set -euo pipefail
bin=${COLLECTOR:-target/release/sunset-collector}
loadgen=${LOADGEN:-target/release/sunset-loadgen}
runs=${RUNS:-5}
per_site=${HOSTS_PER_SITE:-400}
dir=${SUNSET_BENCH_DIR:-/tmp/sunset-central}
[ -x "$bin" ] && [ -x "$loadgen" ] || { echo "build first: cargo build --release -p sunset-collector -p sunset-loadgen" >&2; exit 2; }
mkdir -p "$dir"
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT

load() { cut -d' ' -f1 /proc/loadavg; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
tick=$(getconf CLK_TCK)

# The organisation tree as `org import` reads it.
tree_csv() {
  echo "ods_code,name,parent_ods_code,kind"
  echo "QBN,Bench ICB,,icb"
  for p in $(seq 1 10); do
    printf 'BPCN%02d,Bench PCN %02d,QBN,pcn\n' "$p" "$p"
    for q in $(seq 1 25); do
      n=$(((p - 1) * 25 + q))
      printf 'BP%03d,Bench Practice %03d,BPCN%02d,practice\n' "$n" "$n" "$p"
    done
  done
}

# Starts the collector with "$@" as its global arguments; sets $pid and $url.
serve() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  url="http://127.0.0.1:$port"
  RUST_LOG=warn "$bin" "$@" serve --listen "127.0.0.1:$port" >/dev/null 2>>"$dir/collector.log" &
  pid=$!
  for _ in $(seq 300); do curl -fsS "$url/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "the collector did not start: see $dir/collector.log" >&2
  exit 1
}

stop() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  pid=
}

# Fills the database "$@" names (global arguments) unless its marker file $1 exists.
fill() {
  local marker=$1
  shift
  if [ -e "$marker" ]; then return; fi
  [ "${FILL:-1}" = 1 ] || { echo "no filled database ($marker) and FILL=0" >&2; exit 2; }
  echo "filling: 250 practices x $per_site hosts (load $(load))"
  "$bin" "$@" db migrate >/dev/null
  tree_csv >"$dir/tree.csv"
  "$bin" "$@" org import "$dir/tree.csv" >/dev/null
  echo 'a long enough password' | "$bin" "$@" user add bench --role admin >/dev/null
  "$bin" "$@" token add bench --name bench | tail -n 1 >"$marker.token"
  serve "$@"
  local started=$SECONDS
  for n in $(seq 1 250); do
    local token
    token=$("$bin" "$@" site add "$(printf 'Bench Practice %03d' "$n")" --org "$(printf 'BP%03d' "$n")" | tail -n 1)
    "$loadgen" --url "$url" --token "$token" --reports "$per_site" --hosts "$per_site" \
      --first-host $(((n - 1) * per_site)) --software 10 --concurrency 16 >/dev/null 2>&1
  done
  stop
  echo "filled in $((SECONDS - started)) s"
  touch "$marker"
}

# Times GET $1 $runs times: wall times, median, collector CPU per request.
time_get() {
  local path=$1 walls=() cpus=() before after wall
  local l
  l=$(load)
  for _ in $(seq "$runs"); do
    before=$(cpu_ticks)
    wall=$(curl -fsS -o /dev/null -H "Authorization: Bearer $api" -w '%{time_total}' "$url$path")
    after=$(cpu_ticks)
    walls+=("$wall")
    cpus+=("$(((after - before) * 1000 / tick))")
  done
  python3 - "$path" "$l" "${walls[*]}" "${cpus[*]}" <<'EOF'
import statistics, sys
path, load, walls, cpus = sys.argv[1], sys.argv[2], [float(w) for w in sys.argv[3].split()], [int(c) for c in sys.argv[4].split()]
print(f"GET {path:<28} wall median {statistics.median(walls):.3f} s ({' '.join(f'{w:.3f}' for w in walls)}); "
      f"CPU median {statistics.median(cpus)} ms ({' '.join(map(str, cpus))}); load {load}")
EOF
}

# The benchmark proper against the filled database "$@" names; $1 runs SQL on it.
measure() {
  local sql=$1
  shift
  local icb pcn practice
  icb=$($sql "SELECT id FROM organisations WHERE ods_code = 'QBN'")
  pcn=$($sql "SELECT id FROM organisations WHERE ods_code = 'BPCN03'")
  practice=$($sql "SELECT id FROM organisations WHERE ods_code = 'BP077'")
  echo "hosts: $($sql "SELECT COUNT(*) FROM hosts"), findings: $($sql "SELECT COUNT(*) FROM findings")"
  serve "$@"
  for path in / "/?org=$icb" "/?org=$pcn" "/?org=$practice" "/api/v1/summary?org=$pcn" /forecast "/forecast?org=$pcn"; do
    time_get "$path"
  done
  stop
  serve "$@"
  local l walls=() cpu before after
  l=$(load)
  before=$(cpu_ticks)
  for _ in 1 2 3; do
    walls+=("$(curl -fsS -o "$dir/evidence.zip" -H "Authorization: Bearer $api" -w '%{time_total}' "$url/evidence.zip")")
  done
  after=$(cpu_ticks)
  cpu=$(((after - before) * 1000 / tick / 3))
  echo "GET /evidence.zip x3: wall ${walls[*]} s; CPU ${cpu} ms a pack; peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status"); $(stat -c %s "$dir/evidence.zip") bytes; load $l"
  stop
  for _ in 1 2 3; do
    l=$(load)
    /usr/bin/time -v "$bin" "$@" snapshot >/dev/null 2>"$dir/snapshot.time"
    echo "snapshot: wall $(awk -F': ' '/Elapsed/ {print $2}' "$dir/snapshot.time"), max RSS $(awk -F': ' '/Maximum resident/ {print $2}' "$dir/snapshot.time") KB; load $l"
  done
}

echo "== SQLite ($dir/sqlite)"
mkdir -p "$dir/sqlite"
fill "$dir/sqlite/filled" --data-dir "$dir/sqlite"
api=$(cat "$dir/sqlite/filled.token")
sqlite_sql() { sqlite3 "$dir/sqlite/collector.db" "$1"; }
[ -e "$dir/sqlite/collector.db" ] || { echo "no $dir/sqlite/collector.db: where is the database?" >&2; exit 1; }
measure sqlite_sql --data-dir "$dir/sqlite"

if [ -n "${SUNSET_BENCH_POSTGRES_URL:-}" ]; then
  server=$SUNSET_BENCH_POSTGRES_URL
  db_url="${server%/*}/sunset_central"
  echo "== PostgreSQL ($db_url)"
  if ! psql -At "$server" -c "SELECT 1 FROM pg_database WHERE datname = 'sunset_central'" | grep -q 1; then
    psql -q "$server" -c "CREATE DATABASE sunset_central" >/dev/null
    rm -f "$dir/postgres.filled"
  fi
  mkdir -p "$dir/postgres"
  printf 'data_dir = "%s"\ndatabase_url = "%s"\n' "$dir/postgres" "$db_url" >"$dir/postgres.toml"
  fill "$dir/postgres.filled" --config "$dir/postgres.toml"
  psql -q "$db_url" -c "VACUUM ANALYZE" >/dev/null
  api=$(cat "$dir/postgres.filled.token")
  pg_sql() { psql -At "$db_url" -c "$1"; }
  measure pg_sql --config "$dir/postgres.toml"
fi
