#!/usr/bin/env bash
# bench/metrics/run.sh [REQUESTS_PER_THREAD] [ROUNDS]: the cost of counting one answered request, Balie's
# ServerMetrics against swift-metrics with swift-prometheus, with a same-run baseline (one atomic add); 1 and
# 2 threads. Release build of the package in this folder (its own .build; BENCH_METRICS_CONFIG=debug for a
# debug one). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
requests=${1:-1000000}
rounds=${2:-5}
config=${BENCH_METRICS_CONFIG:-release}
swift build -c "$config" --product balie-metrics-bench >&2
output=$(".build/$config/balie-metrics-bench" "$requests" "$rounds")
echo "$output"
figure() { awk -F'\t' -v name="$1" -v threads="$2" '$1 == name && $2 == threads {print $3 "\t" $4}' <<< "$output"; }
for threads in 1 2; do
  base=$(figure "baseline (one atomic add)" "$threads" | cut -f1)
  for name in "balie ServerMetrics.record" "swift-metrics + swift-prometheus" "swift-prometheus, handles cached"; do
    read -r ns times <<< "$(figure "$name" "$threads")"
    record "counting a request: $name, $threads thread(s)" "$ns ns" "(compared)" "$base ns (one atomic add)" "$times" "—"
  done
done
