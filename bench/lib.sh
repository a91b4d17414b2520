# Shared helpers for the benchmark scripts (sourced, not run). Each script prints its own figures; when
# BENCH_RESULTS names a file, `record` also appends one tab-separated row per figure to it, which
# bench/run-all.sh turns into bench/results.md.

BALIE=${BALIE:-.build/release/balie}
SHARED_BENCH=${SHARED_BENCH:-../shared/bench}

need_release_build() {
  [ -x "$BALIE" ] || swift build -c release --product balie
}

# record FIGURE MEASURED TARGET BASELINE RATIO VERDICT(met|missed|—)
record() {
  printf '%-58s %-28s target %-14s baseline %-22s ratio %-6s %s\n' "$1" "$2" "$3" "$4" "$5" "$6"
  if [ -n "${BENCH_RESULTS:-}" ]; then printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_RESULTS"; fi
}

# start_balie WORKDIR DATABASE [serve options...]: starts the release server on a free port; sets
# BALIE_PID and BASE. Standard output to WORKDIR/out, the access log to WORKDIR/access.log.
start_balie() {
  local work=$1 database=$2
  shift 2
  "$BALIE" serve --port 0 --database "$database" "$@" > "$work/out" 2> "$work/access.log" &
  BALIE_PID=$!
  for _ in $(seq 300); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
  BASE=$(sed -n 's/^Balie listening on //p' "$work/out")
  [ -n "$BASE" ] || { echo "balie serve did not start:"; tail -20 "$work/access.log"; return 1; }
}

stop_balie() {
  [ -n "${BALIE_PID:-}" ] || return 0
  kill "$BALIE_PID" 2>/dev/null || true
  wait "$BALIE_PID" 2>/dev/null || true
  BALIE_PID=
}

# sign_in BASE USERNAME PASSWORD JAR: signs in like a browser (GET the form for its csrf and visit cookie,
# POST it); prints the Cookie header value with balie_session and balie_visit.
sign_in() {
  local base=$1 user=$2 password=$3 jar=$4 csrf
  csrf=$(curl -fsS -c "$jar" -b "$jar" "$base/sign-in" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  [ -n "$csrf" ] || { echo "no csrf on /sign-in" >&2; return 1; }
  local status
  status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" \
    --data-urlencode "username=$user" --data-urlencode "password=$password" "$base/sign-in")
  [ "$status" = 303 ] || { echo "sign-in as $user: $status" >&2; return 1; }
  awk '$6 == "balie_session" || $6 == "balie_visit" {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar"
}

# The libmicrohttpd baseline (mhd_hello.c), built once per run into WORKDIR.
build_mhd_hello() {
  local work=$1
  [ -x "$work/mhd_hello" ] || cc -O2 -o "$work/mhd_hello" "$SHARED_BENCH/mhd_hello.c" $(pkg-config --cflags --libs libmicrohttpd)
}

# start_mhd_hello WORKDIR BODY_BYTES: sets HELLO_PID and HELLO_URL.
start_mhd_hello() {
  local work=$1 size=$2 port
  build_mhd_hello "$work"
  port=$(( 20000 + RANDOM % 20000 ))
  "$work/mhd_hello" "$port" "$(nproc)" "$size" & HELLO_PID=$!
  HELLO_URL="http://127.0.0.1:$port/"
  sleep 0.3
}

stop_mhd_hello() {
  [ -n "${HELLO_PID:-}" ] || return 0
  kill "$HELLO_PID" 2>/dev/null || true
  wait "$HELLO_PID" 2>/dev/null || true
  HELLO_PID=
}

# wrk_rps URL SECONDS [wrk arguments...]: requests per second (2 threads, 50 keep-alive connections).
wrk_rps() {
  local url=$1 secs=$2
  shift 2
  wrk -t2 -c50 -d"${secs}s" "$@" "$url" | awk '/Requests\/sec/ {print $2}'
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}'; }

# verdict VALUE OP LIMIT: "met" or "missed" (OP is ge or le).
verdict() {
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {ok = (op == "ge" ? v >= l : v <= l); print (ok ? "met" : "missed")}'
}

# rss_mb PID: resident memory (VmRSS) in MB.
rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# contacts_csv NUMBER FILE: 200 contacts of customer NUMBER on every channel, as a CRM export (`balie import contacts`).
contacts_csv() {
  local number=$1 file=$2 channels=(phone email chat app web letter branch) i
  {
    echo "customer_number,channel,at,topic,summary,outcome"
    for i in $(seq 1 200); do
      printf '%s,%s,2025-%02d-%02d %02d:%02d:00,Vraag %d over toeslagen,"Klant belde over de brief; uitgelegd wat er moet gebeuren (%d).",opgelost\n' \
        "$number" "${channels[$((i % 7))]}" $(( (i % 12) + 1 )) $(( (i % 28) + 1 )) $(( i % 24 )) $(( i % 60 )) "$i" "$i"
    done
  } > "$file"
}

# steps_rate STORED WRK_OUTPUT SECONDS: steps per second over wrk's own measured time (a few answered steps may land
# just after it; they count).
steps_rate() {
  local took
  took=$(sed -n 's/.* requests in \([0-9.]*\)s,.*/\1/p' "$2")
  awk -v n="$1" -v s="${took:-$3}" 'BEGIN {printf "%.0f", n / s}'
}

# step_load BASE CLIENTS SECONDS WORKDIR: signs in the accounts bench01… (password $password), gives each its own
# session and task, and has wrk post steps for SECONDS (one connection per client); wrk's report in WORKDIR/wrk.txt.
step_load() {
  python3 bench/writes/setup.py "$1" bench "$password" "$2" 100003 "$4/steps.lua"
  wrk -t"$2" -c"$2" -d"$3s" --latency -s "$4/steps.lua" "$1/" | tee "$4/wrk.txt"
}

# signed_in_page URL COOKIE OUT: GETs a page as the signed-in user into OUT (exits unless 200); prints its size.
signed_in_page() {
  local status
  status=$(curl -sS -o "$3" -w '%{http_code}' -H "Cookie: $2" "$1")
  [ "$status" = 200 ] || { echo "GET $1: $status" >&2; exit 1; }
  wc -c < "$3"
}
