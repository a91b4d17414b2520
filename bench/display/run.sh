#!/usr/bin/env bash
# Benchmark 5 (issue #11): 2,000 concurrent Server-Sent-Event streams on /display/events (the waiting-room
# display). Resident memory with them open (VmRSS, target <= 150 MB) and how long a called ticket takes to
# reach every open stream (p99 <= 100 ms), with a Python asyncio client on raw sockets (bench/display/sse.py),
# spread over source addresses 127.0.0.2… (50 each, under --max-connections-per-client 64).
# Usage: bench/display/run.sh [STREAMS=2000] [EVENTS=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
streams=${1:-2000} events=${2:-10}
need_release_build
ulimit -n "$(( streams * 2 + 1024 ))"
work=$(mktemp -d)
trap 'stop_balie; rm -rf "$work"' EXIT
start_balie "$work" "$work/display.sqlite" --demo --max-connections "$(( streams + 500 ))" --log-level warning
rss_idle=$(rss_mb "$BALIE_PID")
python3 bench/display/sse.py "$BASE" "$BALIE_PID" "$streams" "$events" | tee "$work/sse.txt"
opened=$(awk '/^opened/ {print $2}' "$work/sse.txt")
rss=$(awk '/^rss-open/ {print $2}' "$work/sse.txt")
p50=$(awk '/^event-latency/ {print $3}' "$work/sse.txt") p99=$(awk '/^event-latency/ {print $5}' "$work/sse.txt")
echo "idle before the streams: $rss_idle MB"
note=""
[ "$opened" -lt "$streams" ] && note=" — only $opened of $streams streams opened"
met_rss=$(verdict "$rss" le 150) met_lat=$(verdict "$p99" le 100)
if [ "$opened" -lt "$streams" ]; then met_rss="missed (not measurable)"; met_lat="missed (not measurable)"; fi
record "SSE: RSS with $streams display streams open$note" "$rss MB (idle $rss_idle MB)" "≤ 150 MB" "—" "—" "$met_rss"
record "SSE: called ticket reaches every open stream, p50 / p99" "$p50 / $p99 ms ($opened streams)" "p99 ≤ 100 ms" "—" "—" "$met_lat"
