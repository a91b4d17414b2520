#!/usr/bin/env bash
# Benchmark 3 (issue #11): customer search on 1,000,000 customers with 10,000,000 contacts, by name prefix,
# by customer number, and by postcode + birth date. Target p99 <= 5 ms for each, (a) in process (balie-bench
# times the store call the pages and the API make, AppDatabase.searchCustomers) and (b) over HTTP (the
# channel API with a customers:read token, one request at a time on a keep-alive connection; every API
# search also writes its audit row, a durable commit). Reports the database's size on disk.
# The database is generated once by bench/generate.py into bench/data/ (gitignored) and reused.
# Usage: bench/search/run.sh [QUERIES_PER_KIND=1000]
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
per_kind=${1:-1000}
need_release_build
[ -x .build/release/balie-bench ] || swift build -c release --product balie-bench
db=bench/data/customers-1m.sqlite queries=bench/data/queries.tsv
mkdir -p bench/data
if [ ! -f "$db" ] || [ ! -f "$queries" ]; then
  echo "generating $db (first run only; several minutes) …"
  started=$(date +%s)
  python3 bench/generate.py --balie "$BALIE" --database "$db" --queries "$queries"
  echo "generated in $(( $(date +%s) - started )) s"
fi
size_gb=$(du -b "$db"* | awk '{s += $1} END {printf "%.2f", s / 1e9}')
echo "database on disk: $size_gb GB ($(sqlite3 "$db" 'SELECT count(*) FROM customer') customers, $(sqlite3 "$db" 'SELECT max(id) FROM contact') contacts)"

work=$(mktemp -d)
trap 'stop_balie; rm -rf "$work"' EXIT
# Each kind's queries, at most per_kind of them, for both runs.
awk -F"\t" -v n="$per_kind" '++seen[$1] <= n' "$queries" > "$work/queries.tsv"

echo "== (a) in process: balie-bench search =="
.build/release/balie-bench search --database "$db" --queries "$work/queries.tsv" | tee "$work/inprocess.txt"

echo "== (b) over HTTP: /api/v1/customers =="
token=$("$BALIE" token add --database "$db" --name "bench-$(date +%s)-$$" --scope customers:read | grep -oE '[A-Za-z0-9_-]{20,}' | tail -1)
start_balie "$work" "$db" --log-level warning
python3 bench/search/http_latency.py "$BASE" "$token" "$work/queries.tsv" "$per_kind" | tee "$work/http.txt"
stop_balie

p99() { awk -v k="$2" '$2 == k":" { for (i = 1; i <= NF; i++) if ($i ~ /^p99=/) { sub("p99=", "", $i); print $i } }' "$1"; }
p50() { awk -v k="$2" '$2 == k":" { for (i = 1; i <= NF; i++) if ($i ~ /^p50=/) { sub("p50=", "", $i); print $i } }' "$1"; }
label() { case $1 in name) echo "name prefix (family name, 4–5 letters)";; name2) echo "given name + family-name prefix";;
  number) echo "customer number";; postcode) echo "postcode + birth date";; esac; }
for kind in name name2 number postcode; do
  a=$(p99 "$work/inprocess.txt" "$kind") b=$(p99 "$work/http.txt" "$kind")
  record "search, $(label $kind), in process p50 / p99" "$(p50 "$work/inprocess.txt" "$kind") / $a ms" "p99 ≤ 5 ms" "—" "—" "$(verdict "$a" le 5)"
  record "search, $(label $kind), HTTP p50 / p99" "$(p50 "$work/http.txt" "$kind") / $b ms" "p99 ≤ 5 ms" "—" "—" "$(verdict "$b" le 5)"
done
record "search database size on disk (1 M customers, 10 M contacts)" "$size_gb GB" "(reported)" "—" "—" "—"
