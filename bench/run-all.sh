#!/usr/bin/env bash
# `make bench`: runs the six benchmarks of issue #11, the metrics one of issue #20 and the central deployment on PostgreSQL of
# issue #19 (release builds) and writes bench/results.md, one row per
# figure: what was measured, target, baseline measured in the same run, ratio, whether the target is met,
# date and machine. A benchmark that fails is named in the table and the others still run.
# Each benchmark also runs alone: bench/http/run.sh, bench/customer-page/run.sh, bench/search/run.sh,
# bench/writes/run.sh, bench/display/run.sh, bench/footprint/run.sh, bench/metrics/run.sh, bench/postgres/run.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
results=bench/results.md
export BENCH_RESULTS
BENCH_RESULTS=$(mktemp)
trap 'rm -f "$BENCH_RESULTS"' EXIT
date=$(date -u +%Y-%m-%d)
cores=$(nproc)
memory=$(awk '/^MemTotal:/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
load=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD)
dirty=$(git status --porcelain --untracked-files=no -- Sources Package.swift | wc -l)
started=$(date +%s)

run() {
  local name=$1
  shift
  echo
  echo "######## $name: $* ########"
  local t0=$(date +%s)
  if ! "$@"; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "FAILED (see the make bench output)" "—" "—" "—" "missed" >> "$BENCH_RESULTS"
  fi
  echo "######## $name took $(( $(date +%s) - t0 )) s"
}
run "1. static file" bench/http/run.sh 5 3
run "2. 360° page" bench/customer-page/run.sh 5 3
run "3. customer search" bench/search/run.sh 1000
run "4. durable writes" bench/writes/run.sh 10 50
run "5. display streams" bench/display/run.sh 2000 10
run "6. footprint" bench/footprint/run.sh
run "7. counting a request" bench/metrics/run.sh 1000000 5
run "8. central deployment on PostgreSQL" bench/postgres/run.sh 10 50

machine="$cores cores, $memory"
{
  echo "# Benchmark results"
  echo
  echo "Written by \`make bench\` (bench/run-all.sh) on $date; see bench/README.md for what each figure means and"
  echo "for the targets that are missed. Machine: $machine ($cpu); load average at the start $load; commit"
  echo "$commit$([ "$dirty" -gt 0 ] && echo " with uncommitted changes in Sources/ (work in progress of the checkout)"); whole run $(( $(date +%s) - started )) s."
  echo "Baselines are measured in the same run on the same machine: mhd_hello.c (libmicrohttpd answering a fixed"
  echo "page of the same size), sqlite_commit.c (one-row durable commits, WAL, synchronous=FULL, same disk) and pgbench"
  echo "(one-row INSERT transactions on the benchmark's own durable PostgreSQL server, at the same client count)."
  echo
  echo "| Figure | Measured | Target | Baseline | Ratio | Target met | Date | Machine |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  while IFS=$'\t' read -r figure measured target baseline ratio met; do
    echo "| $figure | $measured | $target | $baseline | $ratio | $met | $date | $machine |"
  done < "$BENCH_RESULTS"
} > "$results"
echo
cat "$results"
