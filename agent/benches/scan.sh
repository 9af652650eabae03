#!/usr/bin/env bash
# Speed and memory of a full `sunset-agent scan --format json` on this machine (OS, software,
# hardware and evaluation against the built-in catalogue). Targets: ≤ 50 ms wall (median) and
# ≤ 16 MiB peak RSS. Usage: agent/benches/scan.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-30}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release --locked -q -p sunset-agent
agent=target/release/sunset-agent
packages=$(dpkg-query -W -f='${db:Status-Abbrev}\n' 2>/dev/null | grep -c '^ii' || true)
echo "machine: $(nproc) cores, ${packages} dpkg packages installed"
hyperfine --warmup 3 --runs "$runs" --export-json /tmp/sunset-scan-bench.json \
  "$agent scan --format json > /dev/null"
python3 - <<'PY'
import json, statistics
r = json.load(open("/tmp/sunset-scan-bench.json"))["results"][0]
print(f"wall: median {statistics.median(r['times'])*1000:.1f} ms, mean {r['mean']*1000:.1f} ms, min {r['min']*1000:.1f} ms")
PY
rss=()
for _ in 1 2 3 4 5; do
  rss+=("$(/usr/bin/time -f '%M' "$agent" scan --format json 2>&1 >/dev/null | tail -n 1)")
done
printf 'peak RSS (KiB) over 5 runs: %s\n' "${rss[*]}"
printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {printf "peak RSS median: %.1f MiB\n", a[int((NR+1)/2)]/1024}'
