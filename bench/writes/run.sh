#!/usr/bin/env bash
# Benchmark 4 (issue #11): durable writes. 50 concurrent staff clients, each signed in as its own account with
# its own assisted session and task, post the step form (POST /sessions/ID/tasks/TASK/steps, csrf) for
# SECONDS with wrk (one connection per wrk thread); steps/s are the rows found stored afterwards over the
# time. Server with --threads 64, so that 50 writes can be in flight at once (group commit lets them share
# one durable commit). Baseline: ../shared/bench/sqlite_commit.c (one-row durable commits, WAL,
# synchronous=FULL) on the same disk, in the same run, before and after. Target >= 1.0 of the baseline.
# Usage: bench/writes/run.sh [SECONDS=10] [CLIENTS=50]
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
secs=${1:-10} clients=${2:-50}
need_release_build
# On the disk the benchmark database lives on (bench/data, as the search database), not a tmpfs /tmp.
mkdir -p bench/data
work=$(mktemp -d -p bench/data writes.XXXXXX)
trap 'stop_balie; rm -rf "$work"' EXIT
db=$work/writes.sqlite
password=bench-writes-2026-kiosk

cc -O2 -o "$work/sqlite_commit" "$SHARED_BENCH/sqlite_commit.c" -lsqlite3
baseline_run() { rm -f "$work/commit.sqlite"*; "$work/sqlite_commit" "$work/commit.sqlite" 5000 FULL | tee -a "$work/baseline.txt"; }
echo "== baseline: sqlite_commit (5000 one-row commits, WAL, synchronous=FULL) =="
baseline_run

start_balie "$work" "$db" --demo
stop_balie
for n in $(seq 1 "$clients"); do i=$(printf "%02d" "$n")
  printf '%s\n' "$password" | "$BALIE" staff add --database "$db" --username "bench$i" --name "Bench Writer $i" --role staff > /dev/null
done
start_balie "$work" "$db" --threads 64 --log-level warning
before=$(sqlite3 "$db" "SELECT count(*) FROM session_step")
step_load "$BASE" "$clients" "$secs" "$work"
after=$(sqlite3 "$db" "SELECT count(*) FROM session_step")
curl -fsS "$BASE/metrics" | grep -E '^balie_db_commit_seconds_(count|sum)' || true
stop_balie
echo "== baseline again =="
baseline_run

stored=$(( after - before ))
rate=$(steps_rate "$stored" "$work/wrk.txt" "$secs")
base_rate=$(awk '/commits\/s/ {s += $6; n++} END {printf "%.0f", s / n}' "$work/baseline.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
r=$(ratio "$rate" "$base_rate")
echo "steps stored: $stored = $rate steps/s; baseline $base_rate commits/s; ratio $r; p99 $p99"
record "durable session steps/s over HTTP, $clients clients" "$rate steps/s (p99 $p99)" "≥ 1.0 × baseline" "$base_rate commits/s" "$r" "$(verdict "$r" ge 1.0)"
