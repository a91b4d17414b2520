#!/usr/bin/env bash
# Benchmark: Balie (release build) against the libmicrohttpd baseline (../shared/bench/mhd_hello.c),
# measured in alternating wrk rounds in the same run by ../shared/bench/compare-http.sh (50
# connections, keep-alive). Measures a 2 KB static file and /healthz.
# Usage: bench/http/run.sh [SECONDS_PER_ROUND=5] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
secs=${1:-5} rounds=${2:-3}
compare=${COMPARE_HTTP:-../shared/bench/compare-http.sh}
[ -x "$compare" ] || { echo "needs $compare (the shared baseline script)"; exit 1; }
bin=.build/release/balie
[ -x "$bin" ] || swift build -c release
work=$(mktemp -d)
# A copy of www/ with one 2 KB file added, so that the benchmark file is not shipped.
cp -r www "$work/www"
head -c 2048 /dev/zero | tr '\0' 'x' > "$work/www/static/bench-2k.txt"
# The access log goes to a file, as a service's journal would take it.
"$bin" serve --port 0 --www "$work/www" --database "$work/bench.sqlite" > "$work/out" 2> "$work/access.log" & pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^Balie listening on //p' "$work/out")
# The medians of the rounds' figures, for bench/results.md.
summarise() {
  local out=$1 what=$2 target=$3 limit=$4 med a b
  med=$(sed -n 's/.*median ratio project\/baseline: //p' "$out")
  a=$(awk '/^round/ {print $4}' "$out" | median)
  b=$(awk '/^round/ {print $7}' "$out" | median)
  record "$what, req/s, 50 connections" "$a req/s (ratio $med)" "$target" "$b req/s" "$med" \
    "$([ "$limit" = — ] && echo — || verdict "$med" ge "$limit")"
}
echo "== 2 KB static file =="
"$compare" "$base/static/bench-2k.txt" "$secs" "$rounds" | tee "$work/static.txt"
echo "== /healthz (database ping, JSON, security headers) =="
"$compare" "$base/healthz" "$secs" "$rounds" | tee "$work/healthz.txt"
summarise "$work/static.txt" "2 KB static file" "≥ 0.8 × baseline" 0.8
summarise "$work/healthz.txt" "/healthz" "(no target)" —
