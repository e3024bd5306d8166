#!/usr/bin/env bash
# End-to-end check of the three containers on a machine with a Docker engine that can pull
# images (postgres:17-alpine, python:3.11-slim). It never touches a real installation: it uses
# its own compose project (own volumes, network and containers), its own throwaway .env and a
# port of its own, and removes all of it at the end, volumes included.
#
#   bash scripts/docker-smoke.sh            # TOOLSHARE_SMOKE_PORT=18501 by default
#   TOOLSHARE_SMOKE_KEEP=1 bash scripts/docker-smoke.sh   # leave it running to look around
#
# Steps, each printed: build both images, `up -d --wait` (db + web healthy), the web health
# endpoint and the dashboard page answer, migrations are idempotent, the tests service passes
# against its own database, then `down -v`.
set -euo pipefail
cd "$(dirname "$0")/.."

project="${TOOLSHARE_SMOKE_PROJECT:-toolshare-smoke}"
port="${TOOLSHARE_SMOKE_PORT:-18501}"
wait_seconds="${TOOLSHARE_SMOKE_WAIT:-600}"

step() { printf '\n== %s\n' "$*"; }
die() { printf 'docker smoke: FAILED: %s\n' "$*" >&2; exit 1; }

if ! command -v docker >/dev/null 2>&1; then
    die "docker is not installed here; this check needs a Docker engine with access to an image registry (the static checks run without one: bash scripts/ci-docker-checks.sh)"
fi
if ! docker compose version >/dev/null 2>&1; then
    die "'docker compose' (Compose v2) is not available; install the compose plugin"
fi
if ! docker info >/dev/null 2>&1; then
    die "cannot reach the Docker engine (is dockerd running, and may this user use it?)"
fi

workdir="$(mktemp -d)"
random() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }
{
    echo "POSTGRES_PASSWORD=$(random)"
    echo "TOOLSHARE_DB_PASSWORD=$(random)"
    echo "TOOLSHARE_TEST_DB_PASSWORD=$(random)"
    echo "SECRET_KEY=$(random)$(random)"
    echo "TOOLSHARE_WEB_PORT=$port"
    echo "TOOLSHARE_SEED_DEMO=false"
} > "$workdir/smoke.env"

compose() { docker compose -p "$project" --env-file "$workdir/smoke.env" -f docker-compose.yml "$@"; }

cleanup() {
    status=$?
    if [ "${TOOLSHARE_SMOKE_KEEP:-0}" = "1" ]; then
        printf '\nleft running (project %s, env file %s); remove with:\n  docker compose -p %s --env-file %s down -v\n' \
            "$project" "$workdir/smoke.env" "$project" "$workdir/smoke.env"
        exit "$status"
    fi
    if [ "$status" -ne 0 ]; then
        step "last web and db logs"
        compose logs --no-color --tail 60 db web || true
    fi
    step "tearing down: docker compose -p $project down -v"
    compose --profile tests down -v --remove-orphans || true
    rm -rf "$workdir"
    if [ "$status" -eq 0 ]; then echo "docker smoke: all passed"; fi
    exit "$status"
}
trap cleanup EXIT

fetch() {  # fetch URL -> body on stdout; curl if present, else the host's python3
    if command -v curl >/dev/null 2>&1; then
        curl -fsS --max-time 10 "$1"
    else
        python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1"
    fi
}

step "building the runtime and test images"
compose --profile tests build

step "starting db and web: docker compose up -d --wait (up to ${wait_seconds}s)"
compose up -d --wait --wait-timeout "$wait_seconds"
compose ps

step "web health endpoint: http://127.0.0.1:$port/_stcore/health"
health="$(fetch "http://127.0.0.1:$port/_stcore/health")" || die "the health endpoint did not answer"
[ "$health" = "ok" ] || die "the health endpoint said '$health', not 'ok'"
echo "ok: $health"

step "dashboard page: http://127.0.0.1:$port/"
page="$(fetch "http://127.0.0.1:$port/")" || die "the dashboard page did not answer"
grep -q '<div id="root">' <<<"$page" || die "the page is not the Streamlit app"
echo "ok: the Streamlit app page is served ($(wc -c <<<"$page") bytes)"

step "the web container ran its migrations; running them again changes nothing"
compose exec -T web python -m toolshare_core migrate | tee "$workdir/migrate.out"
grep -q 'already at' "$workdir/migrate.out" || die "migrate in the web container did not report 'already at'"

step "the web port is published on 127.0.0.1 only"
compose port web 8501 | tee "$workdir/port.out"
grep -q '^127\.0\.0\.1:' "$workdir/port.out" || die "web is published beyond localhost"

step "the log file on the logs volume"
compose exec -T web sh -c 'tail -n 5 "$TOOLSHARE_LOG_FILE"' || die "no log file in the web container"

step "tests service: docker compose run --rm tests (its own database)"
compose run --rm tests
echo "ok: the test suite passed inside the tests container"
