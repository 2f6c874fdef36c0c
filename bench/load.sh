#!/usr/bin/env bash
# Load benchmark of cerner-mock on loopback (prints figures; not a test).
#
#   bash bench/load.sh            # 10 s per endpoint, 32 connections, 2 threads
#   DURATION=30s bash bench/load.sh
#
# Installs wrk from the distribution's packages when missing, builds the release emulator, and
# measures: start-up time to the first 200, RSS idle / after the load / with 1,000,000 synthetic
# appointments, and req/s with p50/p99 latency for the standard mix (token POST with Basic auth,
# metadata, an Appointment search returning 1 entry, one returning 50 entries), on DSTU2 and on R4,
# journal on, rate limits off (--no-limits). `MIX_ONLY=1` stops after the mix.
#
# Then the same metadata load against a bare HTTP server answering the same bytes (the example
# `bench_ceiling`: the emulator's connection handling and nothing else, what a server that does
# no work reaches here), and against WireMock serving them from a static stub, when Java is installed
# (WIREMOCK=0 skips it). WireMock is warmed up first with 5 s runs until two in a row agree within
# 3 % (its JIT takes about 20 s of load to settle). The WireMock standalone jar is taken from
# WIREMOCK_JAR when set, else fetched once with `npm pack wiremock@3.13.2` (the npm package
# carries the standalone jar) into ${XDG_CACHE_HOME:-~/.cache}/cerner-mock-bench/.
#
# Last, pinned against nginx (issue #24; `CEILING_ONLY=1` runs this section alone): nginx (installed
# from the distribution's packages when missing; 1 worker process, no access log, sendfile and the
# rest as nginx defaults, a generated config in a temporary directory) serves, from files, the exact
# bytes the emulator answers to DSTU2 metadata and to the 50-entry Appointment searches on DSTU2 and
# R4, fetched from the emulator first. Both servers run on CPU 0 (`taskset -c 0`) and `wrk -t1 -c32`
# on CPU 1, one server loaded at a time, emulator then nginx for each request, so the two see the
# same machine. The emulator keeps its journal on and its rate limits on, at the profile's highest
# rate (1,000,000 requests a second, burst 1,000,000, so the check runs on every search and never
# throttles; its manual clock is moved 1 s before each run to refill the bucket), with no fault rule
# set (every request is still matched against the rules). ROUNDS=N repeats the pairs (default 1) and
# prints the medians; nginx listens on PORT+1. `MOCK=path/to/cerner-mock` measures that binary
# instead of building one (to compare two builds in one sitting).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
PORT=${PORT:-18088}
TENANT=ec2458f2-1e24-41c8-b71b-0e701af7583d
CLIENT=bb318a62-fa61-49ae-b692-7d99214f0ec7

if ! command -v wrk >/dev/null; then
  echo "installing wrk…" >&2
  (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
fi
if [ -z "${MOCK:-}" ]; then
  cargo build --release --locked -p cerner-mock --bin cerner-mock >/dev/null 2>&1
fi
BIN=${MOCK:-${CARGO_TARGET_DIR:-target}/release/cerner-mock}
BASE="http://127.0.0.1:$PORT"

# The emulator and nginx pinned to CPU 0, wrk to CPU 1 (issue #24).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system time of a process, in ticks
pinned_rps() { # pid, url, wrk args…: "req/s µs" of one pinned wrk run (the µs of CPU the server
  # process spent per request, which other builds on the machine disturb less than req/s)
  local pid=$1 url=$2; shift 2
  local before out; before=$(cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c32 -d"$DURATION" "$@" "$url" 2>&1)
  if grep -q 'Non-2xx' <<<"$out"; then echo "  warning: $url: $(grep 'Non-2xx' <<<"$out" | xargs)" >&2; fi
  awk -v ticks=$(($(cpu_ticks "$pid") - before)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ {n = $1} /Requests\/sec/ {rps = $2}
    END {printf "%.0f %.1f\n", rps, n ? ticks / hz * 1e6 / n : 0}' <<<"$out"
}
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
pinned() {
  local nginx_port=$((PORT + 1)) dir token nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  if [ ! -x "$nginx" ]; then
    echo "installing nginx…" >&2
    (apt-get update -qq && apt-get install -y -qq nginx) >/dev/null
  fi
  dir=$(mktemp -d)
  chmod 755 "$dir" # nginx's worker drops to an unprivileged user when started as root
  mkdir -p "$dir/www" "$dir/tmp"
  # The default profile with its rate limits on at the highest rate a profile takes.
  cp fixtures/profile.toml "$dir/profile.toml"
  ln -s "$PWD/fixtures/data" "$dir/data"
  ln -s "$PWD/fixtures/keys" "$dir/keys"
  printf '\n[limits]\nenabled = true\nfhir_per_second = 1000000\nfhir_burst = 1000000\n' >> "$dir/profile.toml"
  taskset -c 0 "$BIN" --port "$PORT" --manual-clock --profile "$dir/profile.toml" 2>"$dir/emulator.log" &
  EMULATOR=$!
  trap 'kill $EMULATOR $PID 2>/dev/null || true' EXIT
  until curl -fs -o /dev/null "$BASE/__admin/health"; do
    kill -0 $EMULATOR 2>/dev/null || { echo "the emulator did not start:" >&2; cat "$dir/emulator.log" >&2; exit 1; }
    sleep 0.01
  done
  token=$(curl -fs -u "$CLIENT:secret" -d 'grant_type=client_credentials&scope=system/Appointment.read' \
    "$BASE/tenants/$TENANT/protocols/oauth2/profiles/smart-v1/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  local search="Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=50"
  local names=("metadata" "DSTU2 search, 50 entries" "R4 search, 50 entries")
  local paths=("/dstu2/$TENANT/metadata" "/dstu2/$TENANT/$search" "/r4/$TENANT/$search")
  local files=(metadata.json dstu2-search.json r4-search.json)
  local accepts=("application/json+fhir" "application/json+fhir" "application/fhir+json")
  local i
  for i in 0 1 2; do
    curl -fs -H "Authorization: Bearer $token" -H "Accept: ${accepts[$i]}" "$BASE${paths[$i]}" > "$dir/www/${files[$i]}"
  done
  chmod 644 "$dir/www/"*
  cat > "$dir/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $dir/www;
  }
}
NGINX
  taskset -c 0 "$nginx" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
  NGINX_PID=$!
  trap 'kill $EMULATOR $NGINX_PID $PID 2>/dev/null || true' EXIT
  until curl -fs -o /dev/null "http://127.0.0.1:$nginx_port/${files[0]}"; do
    kill -0 $NGINX_PID 2>/dev/null || { echo "nginx did not start:" >&2; cat "$dir/error.log" >&2; exit 1; }
    sleep 0.01
  done
  local worker; worker=$(pgrep -P $NGINX_PID | head -1)
  for i in 0 1 2; do
    cmp -s "$dir/www/${files[$i]}" <(curl -fs "http://127.0.0.1:$nginx_port/${files[$i]}") ||
      { echo "nginx does not answer the emulator's bytes for ${names[$i]}" >&2; exit 1; }
  done
  echo "pinned: the emulator and nginx on CPU 0, wrk -t1 -c32 -d$DURATION on CPU 1; emulator's journal on,"
  echo "  rate limits on at 1,000,000/s (burst 1,000,000), its threads: $(ls /proc/$EMULATOR/task | wc -l)"
  echo "  load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
  local round emu=() ngx=() e n ecpu ncpu
  pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", 100 * a / b}'; }
  for round in $(seq "${ROUNDS:-1}"); do
    for i in 0 1 2; do
      curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"advance_seconds": 1}' "$BASE/__admin/clock"
      read -r e ecpu < <(pinned_rps $EMULATOR "$BASE${paths[$i]}" -H "Authorization: Bearer $token" -H "Accept: ${accepts[$i]}")
      read -r n ncpu < <(pinned_rps "$worker" "http://127.0.0.1:$nginx_port/${files[$i]}" \
        -H "Authorization: Bearer $token" -H "Accept: ${accepts[$i]}")
      emu+=("$e"); ngx+=("$n")
      printf '%-26s %6s bytes  emulator %6s req/s (%5s µs CPU each)  nginx %6s req/s (%5s µs)  %3s %%\n' \
        "${names[$i]}" "$(stat -c %s "$dir/www/${files[$i]}")" "$e" "$ecpu" "$n" "$ncpu" "$(pct "$e" "$n")"
    done
  done
  echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "${ROUNDS:-1}" -gt 1 ]; then
    for i in 0 1 2; do
      local es=() ns=() j
      for ((j = i; j < ${#emu[@]}; j += 3)); do es+=("${emu[$j]}"); ns+=("${ngx[$j]}"); done
      e=$(median "${es[@]}"); n=$(median "${ns[@]}")
      printf 'median of %s: %-26s emulator %6s req/s   nginx %6s req/s   %3s %%\n' "${ROUNDS}" "${names[$i]}" "$e" "$n" \
        "$(pct "$e" "$n")"
    done
  fi
  kill $EMULATOR $NGINX_PID; wait $EMULATOR $NGINX_PID 2>/dev/null || true
  rm -rf "$dir"
}
if [ -n "${CEILING_ONLY:-}" ]; then
  PID=
  pinned
  exit 0
fi

rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$1/status"; }
wait_up() { until curl -fs -o /dev/null "$BASE/__admin/health"; do sleep 0.005; done; }

# Start-up: the median of five starts (the first start after a build also reads the binary from disk).
starts=()
for _ in 1 2 3 4 5; do
  start=$(date +%s%N)
  "$BIN" --port "$PORT" --manual-clock 2>/dev/null &
  PID=$!
  until curl -fs -o /dev/null "$BASE/dstu2/$TENANT/metadata"; do sleep 0.002; done
  starts+=($(( ($(date +%s%N) - start) / 1000000 )))
  kill "$PID"; wait "$PID" 2>/dev/null || true
done
echo "start-up to the first 200: $(printf '%s\n' "${starts[@]}" | sort -n | sed -n 3p) ms (median of five: ${starts[*]})"
"$BIN" --port "$PORT" --manual-clock 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -fs -o /dev/null "$BASE/dstu2/$TENANT/metadata"; do sleep 0.002; done
echo "RSS idle: $(rss $PID)"

run() { # name, wrk args…
  local name=$1; shift
  local out; out=$(wrk -t2 -c32 -d"$DURATION" --latency "$@" 2>&1)
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '%-34s %10s req/s   p50 %8s   p99 %8s\n' "$name" "$rps" "$p50" "$p99"
  LAST=$rps
}
# Load on URL in 5 s runs until one agrees with the one before within 3 % (at most 12 runs).
warm() {
  local prev=0 rps trail=()
  for _ in $(seq 12); do
    rps=$(wrk -t2 -c32 -d5s "$1" 2>&1 | awk '/Requests\/sec/ {print $2}')
    trail+=("${rps%.*}")
    if awk -v a="${rps:-0}" -v b="$prev" 'BEGIN {exit !(b > 0 && a < b * 1.03 && a > b * 0.97)}'; then break; fi
    prev=${rps:-0}
  done
  echo "  (warm-up, 5 s runs: ${trail[*]} req/s)"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
kill $PID; wait $PID 2>/dev/null || true

"$BIN" --port "$PORT" --manual-clock --no-limits 2>/dev/null &
PID=$!
wait_up
TOKEN=$(curl -s -u "$CLIENT:secret" -d 'grant_type=client_credentials&scope=system/Appointment.read' \
  "$BASE/tenants/$TENANT/protocols/oauth2/profiles/smart-v1/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
LUA=$(mktemp --suffix .lua)
cat > "$LUA" <<LUA
wrk.method = "POST"
wrk.body   = "grant_type=client_credentials&scope=system%2FAppointment.read"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $(printf '%s' "$CLIENT:secret" | base64 -w0)"
LUA
run "token POST (Basic)" -s "$LUA" "$BASE/tenants/$TENANT/protocols/oauth2/profiles/smart-v1/token"
run "metadata" "$BASE/dstu2/$TENANT/metadata"
METADATA=$LAST
run "Appointment search, 1 entry" -H "Authorization: Bearer $TOKEN" -H "Accept: application/json+fhir" \
  "$BASE/dstu2/$TENANT/Appointment?patient=12724066&date=2020"
run "Appointment search, 50 entries" -H "Authorization: Bearer $TOKEN" -H "Accept: application/json+fhir" \
  "$BASE/dstu2/$TENANT/Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=50"
LUA_R4=$(mktemp --suffix .lua)
sed 's/system%2FAppointment.read/system%2FAppointment.rs/' "$LUA" > "$LUA_R4"
run "R4 token POST (Basic, v2 scope)" -s "$LUA_R4" "$BASE/tenants/$TENANT/protocols/oauth2/profiles/smart-v1/token"
run "R4 metadata" "$BASE/r4/$TENANT/metadata"
run "R4 Appointment search, 1 entry" -H "Authorization: Bearer $TOKEN" -H "Accept: application/fhir+json" \
  "$BASE/r4/$TENANT/Appointment?patient=12724066&date=2020"
run "R4 Appointment search, 50 entries" -H "Authorization: Bearer $TOKEN" -H "Accept: application/fhir+json" \
  "$BASE/r4/$TENANT/Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=50"
echo "RSS after the load: $(rss $PID)"
kill $PID; wait $PID 2>/dev/null || true
if [ -n "${MIX_ONLY:-}" ]; then exit 0; fi

"$BIN" --port "$PORT" --manual-clock --synthetic appointments=1000000 2>/dev/null &
PID=$!
until curl -fs -o /dev/null "$BASE/__admin/health"; do sleep 0.1; done
echo "RSS with 1,000,000 synthetic appointments per tenant (4 tenants): $(rss $PID)"
kill $PID; wait $PID 2>/dev/null || true

# The metadata bytes, for the bare server and WireMock.
ROOT=$(mktemp -d)
mkdir -p "$ROOT/mappings" "$ROOT/__files"
"$BIN" --port "$PORT" --manual-clock 2>/dev/null &
PID=$!
wait_up
curl -fs "$BASE/dstu2/$TENANT/metadata" > "$ROOT/__files/metadata.json"
kill $PID; wait $PID 2>/dev/null || true

cargo build --release --locked -p cerner-mock --example bench_ceiling >/dev/null 2>&1
"${CARGO_TARGET_DIR:-target}/release/examples/bench_ceiling" "$PORT" "$ROOT/__files/metadata.json" &
PID=$!
until curl -fs -o /dev/null "$BASE/dstu2/$TENANT/metadata"; do
  kill -0 $PID 2>/dev/null || { echo "bench_ceiling did not start (is port $PORT free?)" >&2; exit 1; }
  sleep 0.01
done
run "bare server, same bytes (ceiling)" "$BASE/dstu2/$TENANT/metadata"
CEILING=$LAST
kill $PID; wait $PID 2>/dev/null || true
echo "metadata: the emulator at $(awk -v a="$METADATA" -v b="$CEILING" 'BEGIN {printf "%.0f", 100 * a / b}') % of the bare server's rate"

# WireMock serving the emulator's metadata bytes from a static stub, under the same load.
if [ "${WIREMOCK:-1}" = 0 ] || ! command -v java >/dev/null; then
  echo "WireMock: skipped (no java, or WIREMOCK=0)"
  rm -rf "$ROOT"
  pinned
  exit 0
fi
JAR=${WIREMOCK_JAR:-}
if [ -z "$JAR" ]; then
  CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cerner-mock-bench
  JAR=$CACHE/wiremock-standalone-3.13.2.jar
  if [ ! -f "$JAR" ]; then
    mkdir -p "$CACHE"
    (cd "$CACHE" && npm pack --silent wiremock@3.13.2 >/dev/null &&
      tar -xzf wiremock-3.13.2.tgz package/build/wiremock-standalone-3.13.2.jar &&
      mv package/build/wiremock-standalone-3.13.2.jar . && rm -rf package wiremock-3.13.2.tgz) ||
      { echo "WireMock: cannot fetch the jar (npm pack wiremock@3.13.2 failed); set WIREMOCK_JAR" >&2; exit 1; }
  fi
fi
cat > "$ROOT/mappings/metadata.json" <<JSON
{"request": {"method": "GET", "url": "/dstu2/$TENANT/metadata"},
 "response": {"status": 200, "headers": {"Content-Type": "application/json+fhir; charset=utf-8"},
              "bodyFileName": "metadata.json"}}
JSON
java -jar "$JAR" --port "$PORT" --root-dir "$ROOT" --no-request-journal --disable-request-logging >/dev/null 2>&1 &
PID=$!
until curl -fs -o /dev/null "$BASE/dstu2/$TENANT/metadata"; do sleep 0.1; done
warm "$BASE/dstu2/$TENANT/metadata"
run "WireMock 3.13.2, metadata stub" "$BASE/dstu2/$TENANT/metadata"
WIREMOCK_RPS=$LAST
kill $PID; wait $PID 2>/dev/null || true
rm -rf "$ROOT"
echo "metadata: the emulator $(ratio "$METADATA" "$WIREMOCK_RPS")× WireMock; the bare server $(ratio "$CEILING" "$WIREMOCK_RPS")× WireMock"
pinned
