#!/usr/bin/env bash
# Fleet benchmark (prints figures; not a test): one system account, 1,000 tenants × 1,000
# appointments on R4, the emulator started from a generated profile, `appointment-sync run` over
# all of them into SQLite, then a second run over the same store.
#
#   bash bench/fleet.sh
#   TENANTS=200 APPOINTMENTS=500 bash bench/fleet.sh   # a smaller fleet
#   PG=1 bash bench/fleet.sh                           # also the same fleet through 4 PostgreSQL workers
#   MOCK=old/cerner-mock SYNC=old/appointment-sync bash bench/fleet.sh   # given binaries, no build
#
# Prints: the emulator's time from spawn to the first 200 on /__admin/health and its RSS then (from
# /proc), each run's wall time and appointments/s (the emulator runs beside the client on the same
# cores, so its work is included), the CPU seconds (user + system) the client and the emulator spent on it, the client's peak RSS and the emulator's RSS after the runs.
# `PG=1` starts a throwaway PostgreSQL cluster on loopback (.ci/postgres.sh, as bench/scale.sh does)
# and runs 4 `appointment-sync run --worker` processes at once against a fresh database, twice.
# Everything lives in a temporary directory removed at the end; the port is PORT (default 18090).
set -euo pipefail
cd "$(dirname "$0")/.."
TENANTS=${TENANTS:-1000}
APPOINTMENTS=${APPOINTMENTS:-1000}
PORT=${PORT:-18090}
CLIENT=fleet-client
BASE="http://127.0.0.1:$PORT"

TARGET=${CARGO_TARGET_DIR:-target}
if [ -z "${MOCK:-}${SYNC:-}" ]; then
  cargo build --release --locked -p cerner-mock --bin cerner-mock -p appointment-sync --bin appointment-sync >/dev/null 2>&1
fi
MOCK=${MOCK:-$TARGET/release/cerner-mock}
SYNC=${SYNC:-$TARGET/release/appointment-sync}

DIR=$(mktemp -d)
PID=
PG_DIR=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [ -n "$PG_DIR" ]; then bash .ci/postgres.sh stop "$PG_DIR" || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT

tenant_id() { printf 'fleet-%04d' "$1"; }

# The profile: every tenant approved for the one account, limits off, a small catalog per tenant.
{
  echo '[limits]'
  echo 'enabled = false'
  for i in $(seq 1 "$TENANTS"); do
    cat <<EOF

[[tenants]]
id = "$(tenant_id "$i")"
name = "Fleet Hospital $i"

[tenants.synthetic]
seed = $i
appointments = $APPOINTMENTS
patients = 50
practitioners = 5
slots = 20
encounters = 10
days_before = 14
days_after = 28
locations = ["21503380:OP Rehab1", "21304876:MX Clinic 1"]
EOF
  done
  echo
  echo '[[accounts]]'
  echo "client_id = \"$CLIENT\""
  echo 'name = "Fleet system account"'
  echo 'secret = "secret"'
  echo 'scopes = ["system/Appointment.read", "system/Appointment.rs"]'
  printf 'approved_tenants = ['
  for i in $(seq 1 "$TENANTS"); do printf '"%s",' "$(tenant_id "$i")"; done
  echo ']'
} > "$DIR/profile.toml"

# The client's configuration: every tenant on its R4 base, a window covering all of the data.
write_config() { # store table lines…
  {
    echo 'scopes = ["system/Appointment.read"]'
    echo
    echo '[credentials]'
    echo "client_id = \"$CLIENT\""
    echo 'client_secret_env = "CERNER_CLIENT_SECRET"'
    echo
    echo '[window]'
    echo 'days_before = 15'
    echo 'days_after = 30'
    echo
    echo '[store]'
    printf '%s\n' "$@"
    for i in $(seq 1 "$TENANTS"); do
      cat <<EOF

[[tenants]]
id = "$(tenant_id "$i")"
fhir_base = "$BASE/r4/$(tenant_id "$i")/"
locations = ["21503380", "21304876"]
EOF
    done
  } > "$DIR/sync.toml"
}

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
now_ns() { date +%s%N; }
rate() { awk -v n="$1" -v ns="$2" 'BEGIN {printf "%.0f", n / (ns / 1e9)}'; }
secs() { awk -v ns="$1" 'BEGIN {printf "%.1f", ns / 1e9}'; }
# CPU time (user + system) a process has used so far, in clock ticks (from /proc).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_s() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz}'; }

echo "fleet: $TENANTS tenants × $APPOINTMENTS appointments (R4), one account; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(now_ns)
"$MOCK" --profile "$DIR/profile.toml" --port "$PORT" 2>"$DIR/mock.log" &
PID=$!
until curl -fs -o /dev/null "$BASE/__admin/health"; do
  if ! kill -0 "$PID" 2>/dev/null; then echo "the emulator exited:" >&2; tail -5 "$DIR/mock.log" >&2; exit 1; fi
  sleep 0.01
done
up=$(( $(now_ns) - start ))
echo "emulator up (spawn to the first 200 on /__admin/health): $(secs "$up") s, RSS $(rss_mb "$PID") MB"

export CERNER_CLIENT_SECRET=secret
total=$(( TENANTS * APPOINTMENTS ))
sync_run() { # label, then the command
  local label=$1; shift
  local t0 t1 c0 c1 status=0
  t0=$(now_ns); c0=$(cpu_ticks "$PID")
  /usr/bin/time -f '%M %U %S' -o "$DIR/time.txt" "$@" >"$DIR/out.json" 2>"$DIR/sync.log" || status=$?
  t1=$(now_ns); c1=$(cpu_ticks "$PID")
  printf '%-8s %6s s  %7s appointments/s (of %d)  CPU s: client %s, emulator %s  client peak RSS %s MB  exit %d  load %s\n' \
    "$label" "$(secs $(( t1 - t0 )))" "$(rate "$total" $(( t1 - t0 )))" "$total" \
    "$(awk '{printf "%.1f", $2 + $3}' "$DIR/time.txt")" "$(ticks_s $(( c1 - c0 )))" \
    "$(awk '{printf "%.0f", $1/1024}' "$DIR/time.txt")" "$status" "$(cut -d' ' -f1 /proc/loadavg)"
  if [ "$status" -ne 0 ]; then tail -5 "$DIR/sync.log" >&2; fi
}
write_config "path = \"$DIR/appointments.db\""
sync_run "run 1" "$SYNC" run --config "$DIR/sync.toml" --json
sync_run "run 2" "$SYNC" run --config "$DIR/sync.toml" --json
echo "stored: $(sqlite3 "$DIR/appointments.db" 'select count(*) from appointments' 2>/dev/null || echo '(sqlite3 not installed)') appointments; emulator RSS after the runs $(rss_mb "$PID") MB"

if [ -n "${PG:-}" ]; then
  pg_env=$(bash .ci/postgres.sh start)
  eval "$pg_env"
  PG_DIR=$PG_TEST_DIR
  write_config "url = \"$APPOINTMENT_SYNC_TEST_PG\""
  workers() {
    local pids=() p
    for _ in 1 2 3 4; do "$SYNC" run --config "$DIR/sync.toml" --worker --json >/dev/null 2>>"$DIR/pg.log" & pids+=($!); done
    local status=0
    for p in "${pids[@]}"; do wait "$p" || status=$?; done
    return "$status"
  }
  for label in "PG run 1" "PG run 2"; do
    t0=$(now_ns); status=0; workers || status=$?; t1=$(now_ns)
    printf '%-8s %6s s  %7s appointments/s (4 workers)  exit %d  load %s\n' \
      "$label" "$(secs $(( t1 - t0 )))" "$(rate "$total" $(( t1 - t0 )))" "$status" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  echo "stored: $(psql "$APPOINTMENT_SYNC_TEST_PG" -tAc 'select count(*) from appointments' 2>/dev/null || echo '(psql not installed)') appointments in PostgreSQL"
fi
