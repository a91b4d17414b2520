#!/usr/bin/env bash
# Benchmark 6 (issue #11): footprint. Time from process start to the first 200 on /healthz with the
# million-customer database (target <= 300 ms; median of 5 starts, the worst printed too), and resident
# memory (VmRSS) idle after start (target <= 30 MB), with that database and with a fresh empty one.
# Usage: bench/footprint/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
need_release_build
db=bench/data/customers-1m.sqlite
[ -f "$db" ] || bench/search/run.sh 10   # generates the database
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/footprint/startup.py "$BALIE" "$db" "$work" | tee "$work/out.txt"
start=$(awk '/^start-to-healthz median/ {print $3}' "$work/out.txt")
worst=$(awk '/^start-to-healthz median/ {print $5}' "$work/out.txt")
rss_big=$(awk '/^idle-rss million/ {print $3}' "$work/out.txt")
rss_empty=$(awk '/^idle-rss empty/ {print $3}' "$work/out.txt")
record "start to first 200 on /healthz (1 M customers), median / worst of 5" "$start / $worst ms" "≤ 300 ms" "—" "—" "$(verdict "$start" le 300)"
record "idle RSS after start, 1 M-customer database" "$rss_big MB" "≤ 30 MB" "—" "—" "$(verdict "$rss_big" le 30)"
record "idle RSS after start, empty database" "$rss_empty MB" "≤ 30 MB" "—" "—" "$(verdict "$rss_empty" le 30)"
