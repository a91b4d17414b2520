#!/usr/bin/env bash
# Builds every fuzz target in fuzz/ with libFuzzer and AddressSanitizer and runs each for SECONDS.
#   fuzz/run.sh SECONDS [TARGET ...]        (default: every fuzz/*.swift, 60 s each)
# Each target is compiled with swiftc from its harness, fuzz/support/*.swift and the pure BalieHTTP files
# it tests (none of them touches libmicrohttpd). New inputs go to .build/fuzz/corpus/TARGET; the seed corpus
# in fuzz/corpus/TARGET is read, never written. A crash leaves its input in .build/fuzz/artifacts/ and makes
# this script exit 1. Prints one "FUZZ target: ..." summary line per target (executions/s, coverage).
set -euo pipefail

cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
shift || true
SWIFTC="${SWIFTC:-swiftc}"
OUT=.build/fuzz
PURE=(
    Sources/BalieHTTP/PercentDecoding.swift
    Sources/BalieHTTP/Request.swift
    Sources/BalieHTTP/Request+Body.swift
    Sources/BalieHTTP/Request+Cookies.swift
    Sources/BalieHTTP/HTTPError.swift
    Sources/BalieHTTP/HTTPHeaders.swift
    Sources/BalieHTTP/HTTPStatus.swift
)
if [ "$#" -gt 0 ]; then
    TARGETS=("$@")
else
    TARGETS=()
    for harness in fuzz/*.swift; do TARGETS+=("$(basename "$harness" .swift)"); done
fi

mkdir -p "$OUT/artifacts"
failed=()
for target in "${TARGETS[@]}"; do
    echo "== building fuzz target $target"
    "$SWIFTC" -use-ld=lld -sanitize=fuzzer,address -parse-as-library -O -g -module-name "Fuzz_$target" \
        "fuzz/$target.swift" fuzz/support/*.swift "${PURE[@]}" -o "$OUT/$target"
    mkdir -p "$OUT/corpus/$target"
    log="$OUT/$target.log"
    echo "== fuzzing $target for ${SECONDS_EACH}s (log: $log)"
    set +e
    "$OUT/$target" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$target-" \
        "$OUT/corpus/$target" "fuzz/corpus/$target" >"$log" 2>&1
    status=$?
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    corpus=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1)
    echo "FUZZ $target: exit $status, ${runs:-?} runs, ${speed:-?} exec/s, ${cov:-cov ?}, ${corpus:-corp ?}"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        grep -E 'ERROR|property failed|Fatal error|SUMMARY|artifact' "$log" | head -20 || true
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (inputs in $OUT/artifacts/)"
    exit 1
fi
