#!/usr/bin/env bash
# Scale check of `appointment-sync run --worker`: 4 workers, 50 tenants, 200,000 appointments, one
# PostgreSQL store (a throwaway cluster on loopback, as in CI). Arguments go to the example:
# WORKERS TENANTS APPOINTMENTS_PER_TENANT.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p appointment-sync --bin appointment-sync --example scale_workers
pg_env=$(bash .ci/postgres.sh start)   # a failed start stops the script here (set -e)
eval "$pg_env"
trap 'bash .ci/postgres.sh stop "$PG_TEST_DIR"' EXIT
target/release/examples/scale_workers "$@"
