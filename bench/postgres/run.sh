#!/usr/bin/env bash
# Benchmark 7 (issue #19): the central deployment on PostgreSQL. A throwaway PostgreSQL server of its own (initdb
# in bench/data, on the disk, durable: fsync and synchronous_commit on, as in production), filled with the demo
# box through `balie copy`, then:
#   a. durable session steps over HTTP (50 staff clients, as bench/writes), against pgbench with a one-row INSERT
#      script at the same client count on the same server, in the same run, before and after. Target >= 0.8. Also
#      pgbench at 1 client (one connection's commit rate, as sqlite_commit.c is for SQLite), and the CPU time per
#      step of Balie and of PostgreSQL against PostgreSQL's CPU time per pgbench transaction.
#   b. the 360° page of a customer with 200 contacts (as bench/customer-page), against mhd_hello answering a page
#      of the same size, and p50/p99 at 50 connections.
#   c. CPU time per request of the 360° page (utime + stime from /proc) of each Balie instance and of PostgreSQL,
#      with one instance and with two instances on the one database, and what that projects for 4 and 8 cores.
# Usage: bench/postgres/run.sh [SECONDS=10] [CLIENTS=50]
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
secs=${1:-10} clients=${2:-50}
need_release_build
mkdir -p bench/data
work=$(mktemp -d -p "$PWD/bench/data" postgres.XXXXXX)
chmod 755 "$work"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(runuser -u postgres --)
pg_port=$(( 40000 + RANDOM % 20000 ))
PG_PIDS=()
cleanup() {
  stop_balie
  for pid in "${PG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  stop_mhd_hello
  [ -f "$work/pg/postmaster.pid" ] && "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m fast -w stop > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/pg"
[ -n "${as_postgres[*]}" ] && chown postgres:postgres "$work/pg"
(cd /tmp && "${as_postgres[@]}" "$pg_bin/initdb" -D "$work/pg" -U balie --auth=trust -E UTF8 --no-locale > "$work/initdb.log")
# Durable as in production (fsync, synchronous_commit and full_page_writes stay on); room for 2 × (64 + 4 + 2)
# Balie connections and pgbench's 50.
(cd /tmp && "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w -o \
  "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB" start > /dev/null)
psql_() { psql -X -q -t -A -h 127.0.0.1 -p "$pg_port" -U balie "$@"; }
psql_ -d postgres -c "CREATE DATABASE balie" -c "CREATE DATABASE pgbench"
address="postgres://balie@127.0.0.1:$pg_port/balie?sslmode=disable"
pg_postmaster=$(head -1 "$work/pg/postmaster.pid")

# The demo box, with 200 contacts for one customer, copied into PostgreSQL; 50 staff accounts for the writers.
number=100003
"$BALIE" demo --database "$work/box.sqlite" > /dev/null
contacts_csv "$number" "$work/contacts.csv"
"$BALIE" import contacts "$work/contacts.csv" --database "$work/box.sqlite" > /dev/null
"$BALIE" copy --from "$work/box.sqlite" --to "$address" 2> /dev/null | tail -1
password=bench-writes-2026-kiosk
for n in $(seq 1 "$clients"); do i=$(printf "%02d" "$n")
  printf '%s\n' "$password" | "$BALIE" staff add --database "$address" --username "bench$i" --name "Bench Writer $i" --role staff > /dev/null
done
psql_ -d balie -c "ANALYZE"

# CPU time in clock ticks (utime + stime from /proc) of a process and its threads, and of every PostgreSQL process:
# the postmaster's own, the backends' that are running, and those of backends that ended (cutime + cstime of the
# postmaster, which waited for them), so that pgbench's connections count after they closed.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pg_ticks() {
  local total pid
  total=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pg_postmaster/stat")
  for pid in $(pgrep -P "$pg_postmaster"); do total=$(( total + $(ticks "$pid" 2>/dev/null || echo 0) )); done
  echo "$total"
}
hz=$(getconf CLK_TCK)
per_ms() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN {printf "%.3f", (n > 0 ? t * 1000 / hz / n : 0)}'; }

# pgbench: one-row INSERT transactions, durable, at the same client count (and at one client).
psql_ -d pgbench -c "CREATE TABLE commit_row (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), note text NOT NULL)"
echo "INSERT INTO commit_row (note) VALUES ('one durable row');" > "$work/insert.sql"
baseline_run() {   # baseline_run CLIENTS: appends "tps pg_ms_per_transaction pgbench_ms_per_transaction" to baseline-CLIENTS.txt
  local n=$1 p0 p1
  p0=$(pg_ticks)
  /usr/bin/time -f "%U %S" -o "$work/pgbench-time.txt" \
    pgbench -n -h 127.0.0.1 -p "$pg_port" -U balie -c "$n" -j $(( n < 2 ? 1 : 2 )) -T 5 -f "$work/insert.sql" pgbench > "$work/pgbench.txt" 2>&1
  p1=$(pg_ticks)
  local tps done_ own
  tps=$(awk '/^tps = / {printf "%.0f", $3}' "$work/pgbench.txt")
  done_=$(awk '/number of transactions actually processed/ {print $NF}' "$work/pgbench.txt")
  own=$(awk -v n="$done_" '{printf "%.3f", ($1 + $2) * 1000 / n}' "$work/pgbench-time.txt")
  echo "$tps $(per_ms $(( p1 - p0 )) "$done_") $own" | tee -a "$work/baseline-$n.txt"
}
echo "== baseline: pgbench, one-row INSERT, $clients clients, 5 s (tps, PostgreSQL ms CPU per transaction, pgbench's own) =="
baseline_run "$clients"
echo "== baseline: pgbench, one-row INSERT, 1 client, 5 s =="
baseline_run 1

# a. Durable session steps over HTTP.
start_balie "$work" "$address" --threads 64 --log-level warning
before=$(psql_ -d balie -c "SELECT count(*) FROM session_step")
python3 bench/writes/setup.py "$BASE" bench "$password" "$clients" "$number" "$work/steps.lua"
b0=$(ticks "$BALIE_PID") p0=$(pg_ticks)
wrk -t"$clients" -c"$clients" -d"${secs}s" --latency -s "$work/steps.lua" "$BASE/" | tee "$work/wrk.txt"
b1=$(ticks "$BALIE_PID") p1=$(pg_ticks)
after=$(psql_ -d balie -c "SELECT count(*) FROM session_step")
stop_balie
echo "== baseline again =="
baseline_run "$clients"
stored=$(( after - before ))
rate=$(steps_rate "$stored" "$work/wrk.txt" "$secs")
read -r base_rate base_pg base_own < <(awk '{t += $1; p += $2; o += $3; n++} END {printf "%.0f %.3f %.3f\n", t / n, p / n, o / n}' "$work/baseline-$clients.txt")
read -r one_rate one_pg one_own < "$work/baseline-1.txt"
step_balie=$(per_ms $(( b1 - b0 )) "$stored") step_pg=$(per_ms $(( p1 - p0 )) "$stored")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
r=$(ratio "$rate" "$base_rate")
echo "steps stored: $stored = $rate steps/s; pgbench $base_rate tps at $clients clients, $one_rate tps at 1; ratio $r; p99 $p99"
echo "CPU per step: Balie $step_balie ms, PostgreSQL $step_pg ms; per pgbench transaction: PostgreSQL $base_pg ms, pgbench $base_own ms"
record "PostgreSQL: durable session steps/s over HTTP, $clients clients" "$rate steps/s (p99 $p99)" "≥ 0.8 × pgbench" "$base_rate tps" "$r" "$(verdict "$r" ge 0.8)"
record "PostgreSQL: the same against pgbench at 1 client" "$rate steps/s" "—" "$one_rate tps" "$(ratio "$rate" "$one_rate")" "—"
record "PostgreSQL: CPU per step (Balie + PostgreSQL) / per pgbench transaction (pgbench + PostgreSQL)" "$step_balie + $step_pg ms" "—" "$base_own + $base_pg ms" "—" "—"

# b. The 360° page.
start_balie "$work" "$address" --log-level warning
cookie=$(sign_in "$BASE" anna demo-kiosk-2026 "$work/jar")
url="$BASE/customers/$number"
size=$(signed_in_page "$url" "$cookie" "$work/page.html")
echo "customer $number: page $size bytes"
audits_before=$(psql_ -d balie -c "SELECT count(*) FROM audit_event WHERE action = 'customer-viewed'")
start_mhd_hello "$work" "$size"
balie_rps=() hello_rps=() ratios=()
for round in 1 2 3; do
  a=$(wrk_rps "$url" 5 -H "Cookie: $cookie")
  b=$(wrk_rps "$HELLO_URL" 5)
  ratios+=("$(ratio "$a" "$b")") balie_rps+=("$a") hello_rps+=("$b")
  echo "round $round: Balie on PostgreSQL $a req/s, baseline $b req/s, ratio ${ratios[-1]}"
done
stop_mhd_hello
med=$(printf '%s\n' "${ratios[@]}" | median)
bmed=$(printf '%s\n' "${balie_rps[@]}" | median)
hmed=$(printf '%s\n' "${hello_rps[@]}" | median)
wrk -t2 -c50 -d10s --latency -H "Cookie: $cookie" "$url" > "$work/latency.txt"
to_ms() { awk -v t="$1" 'BEGIN { if (t ~ /us$/) printf "%.2f", t / 1000; else if (t ~ /ms$/) printf "%.2f", t + 0; else printf "%.2f", t * 1000 }'; }
p50ms=$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/latency.txt")")
p99ms=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/latency.txt")")
answered=$(awk '/requests in/ {print $1}' "$work/latency.txt")
views=$(( $(psql_ -d balie -c "SELECT count(*) FROM audit_event WHERE action = 'customer-viewed'") - audits_before ))
echo "latency at 50 connections: p50 $p50ms ms, p99 $p99ms ms; audit rows of views during the whole page run: $views"
record "PostgreSQL: 360° page (200 contacts), req/s, 50 connections" "$bmed req/s (ratio $med)" "—" "$hmed req/s" "$med" "—"
record "PostgreSQL: 360° page, latency p50 / p99 at 50 connections" "$p50ms / $p99ms ms" "—" "—" "—" "—"
stop_balie

# c. CPU time per request of each Balie instance and of PostgreSQL (ticks and pg_ticks above).
cpu_run() {   # cpu_run INSTANCES: prints "requests balie_ms_per_request pg_ms_per_request"
  local count=$1 pids=() urls=() cookies=() i
  for ((i = 0; i < count; i++)); do
    start_balie "$work" "$address" --log-level warning
    pids+=("$BALIE_PID") urls+=("$BASE/customers/$number")
    cookies+=("$(sign_in "$BASE" anna demo-kiosk-2026 "$work/jar$i")")
    BALIE_PID=   # each instance is stopped below, not by the next start_balie
  done
  PG_PIDS=("${pids[@]}")
  local b0=0 p0 b1=0 p1
  for pid in "${pids[@]}"; do b0=$(( b0 + $(ticks "$pid") )); done
  p0=$(pg_ticks)
  # 50 connections in all, shared over the instances (as a load balancer would).
  local loaders=()
  for ((i = 0; i < count; i++)); do
    wrk -t1 -c$(( 50 / count )) -d"${secs}s" -H "Cookie: ${cookies[$i]}" "${urls[$i]}" > "$work/cpu$i.txt" &
    loaders+=($!)
  done
  wait "${loaders[@]}"
  for pid in "${pids[@]}"; do b1=$(( b1 + $(ticks "$pid") )); done
  p1=$(pg_ticks)
  local requests
  requests=$(cat "$work"/cpu*.txt | awk '/requests in/ {n += $1} END {print n}')
  rm -f "$work"/cpu*.txt
  for pid in "${pids[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
  PG_PIDS=()
  awk -v n="$requests" -v b=$(( b1 - b0 )) -v p=$(( p1 - p0 )) -v hz="$hz" -v s="$secs" \
    'BEGIN {printf "%d %.3f %.3f %.0f\n", n, b * 1000 / hz / n, p * 1000 / hz / n, n / s}'
}
cpu_run 1 > "$work/load-one.txt"
cpu_run 2 > "$work/load-two.txt"
read -r one_n one_balie one_pg one_rps < "$work/load-one.txt"
read -r two_n two_balie two_pg two_rps < "$work/load-two.txt"
echo "one instance:  $one_n requests ($one_rps req/s), Balie $one_balie ms CPU per request, PostgreSQL $one_pg ms"
echo "two instances: $two_n requests ($two_rps req/s), Balie $two_balie ms CPU per request (both together), PostgreSQL $two_pg ms"
# What a machine of N cores would serve if CPU were the only limit: N seconds of CPU per second over the CPU per
# request of Balie and PostgreSQL together (load generator not counted).
project() { awk -v c="$1" -v b="$2" -v p="$3" 'BEGIN {printf "%.0f", c * 1000 / (b + p)}'; }
record "PostgreSQL: CPU per 360° page, 1 instance (Balie + PostgreSQL)" "$one_balie + $one_pg ms" "—" "—" "—" "—"
record "PostgreSQL: CPU per 360° page, 2 instances (Balie + PostgreSQL)" "$two_balie + $two_pg ms" "—" "—" "—" "—"
record "PostgreSQL: 360° pages/s projected from CPU, 4 / 8 cores" "$(project 4 "$two_balie" "$two_pg") / $(project 8 "$two_balie" "$two_pg") req/s" "—" "—" "—" "—"
