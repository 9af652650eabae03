#!/usr/bin/env bash
# Peak memory of the collector under the two floods of issue 11, measured from /proc (VmHWM, the
# kernel's peak resident set size, reset between floods through /proc/PID/clear_refs):
#
#   1. 256 concurrent unauthenticated HTTP Basic requests (wrong password), 1,024 in all; then 256
#      at once, each from its own loopback address and user name (no throttle applies);
#   2. 32 concurrent "amplification" reports: 53 KB of gzip that unpacks to ~32 MiB, a valid-looking
#      inventory with an unknown field holding 835 arrays of 20,000 zeros; 128 in all.
#
# Target: peak RSS under 256 MiB for each. Prints one line per flood with the peak and the HTTP
# status codes the clients got. Run from the repository root:
#
#   cargo build --release -p sunset-collector
#   bash server-stub/benches/attack.sh [path/to/sunset-collector]
#
# Needs curl (--parallel) and python3 (to write the amplification body). Uses SQLite in a temporary
# directory and a free loopback port; stops the collector when done. To measure an older collector
# without exhausting the machine (it took gigabytes per request), lower the concurrency with
# BASIC_AT_ONCE=… AMPLIFY_AT_ONCE=… and SKIP_BASIC=1.
set -euo pipefail
bin=${1:-target/release/sunset-collector}
basic_at_once=${BASIC_AT_ONCE:-256}
amplify_at_once=${AMPLIFY_AT_ONCE:-32}
[ -x "$bin" ] || { echo "no collector binary at $bin (cargo build --release -p sunset-collector)" >&2; exit 2; }
work=$(mktemp -d /tmp/sunset-attack.XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
token=$("$bin" --data-dir "$work/data" site add "Attack bench" | tail -n 1)
echo 'a long enough password' | "$bin" --data-dir "$work/data" user add admin --role admin >/dev/null
RUST_LOG=error "$bin" --data-dir "$work/data" serve --listen "127.0.0.1:$port" >/dev/null 2>"$work/collector.log" &
pid=$!
for _ in $(seq 100); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$pid/status"; }
reset_peak() { echo 5 > "/proc/$pid/clear_refs"; }

# One flood: $1 name, $2 curl config file; prints peak RSS and the status codes seen.
flood() {
  local name=$1 config=$2
  reset_peak
  local before; before=$(kib VmRSS)
  local start; start=$(date +%s.%N)
  curl --parallel --parallel-immediate --parallel-max "$3" --no-progress-meter -K "$config" \
    >"$work/codes" 2>"$work/curl.err" || true
  local secs; secs=$(echo "$(date +%s.%N) - $start" | bc)
  local peak; peak=$(kib VmHWM)
  local after; after=$(kib VmRSS)
  local codes; codes=$(sort "$work/codes" | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')
  printf '%-34s peak RSS %7.1f MiB (before %.1f, after %.1f); %5.1f s; HTTP %s\n' \
    "$name" "$(echo "$peak/1024" | bc -l)" "$(echo "$before/1024" | bc -l)" "$(echo "$after/1024" | bc -l)" "$secs" "$codes"
}

# Flood 1: wrong Basic credentials, 256 at a time.
: >"$work/basic.cfg"
# One section per request, each with its own options; "next" separates them.
section='output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
for i in $(seq 1024); do
  [ "$i" -gt 1 ] && echo next >>"$work/basic.cfg"
  printf "url = \"%s/api/v1/summary\"\nuser = \"admin:wrong-password\"\n$section" "$url" >>"$work/basic.cfg"
done
[ -z "${SKIP_BASIC:-}" ] && flood "$basic_at_once concurrent wrong Basic logins" "$work/basic.cfg" "$basic_at_once"

# Flood 1b: the same, but each request from its own loopback address and user name, so the
# throttle cannot help and only the bound on concurrent argon2 checks holds memory down.
: >"$work/spread.cfg"
for i in $(seq 256); do
  [ "$i" -gt 1 ] && echo next >>"$work/spread.cfg"
  printf "url = \"%s/api/v1/summary\"\nuser = \"user%s:wrong-password\"\ninterface = \"127.0.%s.%s\"\n$section" \
    "$url" "$i" "$((i / 200 + 1))" "$((i % 200 + 2))" >>"$work/spread.cfg"
done
[ -z "${SKIP_BASIC:-}" ] && flood "$basic_at_once wrong logins, 256 addresses" "$work/spread.cfg" "$basic_at_once"

# Flood 2: the amplification body, 32 at a time: once refusable (no host name: the old collector
# built a JSON tree of it to say so), once with a valid host name (the old collector stored it),
# and once cut to 400 arrays, under the decompressed-size limit, so the whole scan runs (to the cap
# on values).
amplify() { # $1 output file, $2 hostname JSON value or "" for none, $3 arrays (default 835)
python3 - "$1" "$2" "${3:-835}" <<'PY'
import gzip, json, sys, uuid, datetime
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
host = {"host_id": str(uuid.uuid4()), "report_id": str(uuid.uuid4()), "agent_version": "0.1.0",
        "collected_at": now}
if sys.argv[2]:
    host["hostname"] = sys.argv[2]
head = {"schema_version": 1, "host": host,
        "os": {"name": "Windows 10 Pro", "version": "10.0.19045.5247"}}
zeros = "[" + ",".join(["0"] * 20000) + "]"
junk = '"future_field": [' + ",".join([zeros] * int(sys.argv[3])) + "]"
text = json.dumps(head)[:-1] + ", " + junk + "}"
with gzip.open(sys.argv[1], "wb", compresslevel=9) as f:
    f.write(text.encode())
PY
}
for variant in refusable accepted "16 MB"; do
  body="$work/amplify-${variant// /}.json.gz"
  case "$variant" in
    refusable) amplify "$body" "" ;;
    accepted) amplify "$body" "AMPLIFY" ;;
    *) amplify "$body" "AMPLIFY" 400 ;;
  esac
  : >"$work/amplify.cfg"
  for i in $(seq 128); do
    [ "$i" -gt 1 ] && echo next >>"$work/amplify.cfg"
    printf "url = \"%s/api/v1/reports\"\nheader = \"Authorization: Bearer %s\"\nheader = \"Content-Type: application/json\"\nheader = \"Content-Encoding: gzip\"\ndata-binary = \"@%s\"\n$section" \
      "$url" "$token" "$body" >>"$work/amplify.cfg"
  done
  [ "$variant" = refusable ] && printf 'amplification body: %s bytes of gzip, %s bytes of JSON\n' \
    "$(stat -c %s "$body")" "$(gzip -dc "$body" | wc -c)"
  flood "$amplify_at_once concurrent amplification ($variant)" "$work/amplify.cfg" "$amplify_at_once"
done
