#!/usr/bin/env bash
# Benchmark 2 (issue #11): the 360° page of a customer with 200 contacts (GET /customers/NUMBER, signed in
# as staff): database reads, the audit row every view writes, the template. Throughput in alternating wrk
# rounds (2 threads, 50 keep-alive connections) against the libmicrohttpd baseline (mhd_hello.c answering
# a page of the same size), then latency p50/p99 at 50 connections (wrk --latency).
# Targets: throughput >= 0.4 of the baseline; p99 <= 10 ms.
# Usage: bench/customer-page/run.sh [SECONDS_PER_ROUND=5] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
secs=${1:-5} rounds=${2:-3}
need_release_build
work=$(mktemp -d)
trap 'stop_balie; stop_mhd_hello; rm -rf "$work"' EXIT
db=$work/page.sqlite
number=100003   # the demo's first customer

# A demo database, then 200 contacts for one customer through the CRM import.
start_balie "$work" "$db" --demo
stop_balie
contacts_csv "$number" "$work/contacts.csv"
"$BALIE" import contacts "$work/contacts.csv" --database "$db" > /dev/null
contacts=$(sqlite3 "$db" "SELECT count(*) FROM contact c JOIN customer k ON k.id = c.customer_id WHERE k.number = '$number'")

start_balie "$work" "$db"
cookie=$(sign_in "$BASE" anna demo-kiosk-2026 "$work/jar")
url="$BASE/customers/$number"
size=$(signed_in_page "$url" "$cookie" "$work/page.html")
echo "customer $number: $contacts contacts; page $size bytes"
audits_before=$(sqlite3 "$db" "SELECT count(*) FROM audit_event")

start_mhd_hello "$work" "$size"
ratios=()
for ((i = 1; i <= rounds; i++)); do
  a=$(wrk_rps "$url" "$secs" -H "Cookie: $cookie")
  b=$(wrk_rps "$HELLO_URL" "$secs")
  r=$(ratio "$a" "$b")
  ratios+=("$r")
  echo "round $i: Balie $a req/s, baseline $b req/s, ratio $r"
  balie_rps+=("$a"); hello_rps+=("$b")
done
stop_mhd_hello
med=$(printf '%s\n' "${ratios[@]}" | median)
bmed=$(printf '%s\n' "${balie_rps[@]}" | median)
hmed=$(printf '%s\n' "${hello_rps[@]}" | median)

wrk -t2 -c50 -d"$(( secs * 2 ))s" --latency -H "Cookie: $cookie" "$url" > "$work/latency.txt"
p50=$(awk '$1 == "50%" {print $2}' "$work/latency.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/latency.txt")
lat_rps=$(awk '/Requests\/sec/ {print $2}' "$work/latency.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$work/latency.txt")
# wrk prints us, ms or s: in ms.
to_ms() { awk -v t="$1" 'BEGIN { if (t ~ /us$/) printf "%.2f", t / 1000; else if (t ~ /ms$/) printf "%.2f", t + 0; else printf "%.2f", t * 1000 }'; }
p50ms=$(to_ms "$p50") p99ms=$(to_ms "$p99")
audits=$(( $(sqlite3 "$db" "SELECT count(*) FROM audit_event") - audits_before ))
echo "latency at 50 connections: p50 $p50, p99 $p99 ($lat_rps req/s${non2xx:+, non-2xx $non2xx})"
echo "audit rows written during the run: $audits (one per view)"
grep -E '^balie_db_commit_seconds_(count|sum)' <(curl -fsS "$BASE/metrics") || true

record "360° page (200 contacts), req/s, 50 connections" "$bmed req/s (ratio $med)" "≥ 0.4 × baseline" "$hmed req/s" "$med" "$(verdict "$med" ge 0.4)"
record "360° page, latency p50 / p99 at 50 connections" "$p50ms / $p99ms ms" "p99 ≤ 10 ms" "—" "—" "$(verdict "$p99ms" le 10)"
