#!/usr/bin/env bash
# First start of an empty postgres_data volume only (the postgres image runs every file in
# /docker-entrypoint-initdb.d once, as the superuser, over the local socket).
#
# Creates two login roles, each owning one database; only toolshare may connect to its own:
#   toolshare       -> database toolshare       (the web container; migrations create the tables)
#   toolshare_test  -> database toolshare_test  (the tests container; never sees real data)
# Neither is a superuser; both may create roles (the notebook's read-only reader role).
# Passwords come from the environment (docker-compose.yml passes them from .env) and reach
# psql as variables, so they are quoted by psql, never pasted into SQL.
# Demo data is not loaded here: the web container seeds it through the CLI when
# TOOLSHARE_SEED_DEMO=true and the database is empty.
#
# Works when sourced too (a checkout that lost the executable bit): no `set -u`, no `exit 0`.
set -eo pipefail

if [ -z "${TOOLSHARE_DB_PASSWORD:-}" ] || [ -z "${TOOLSHARE_TEST_DB_PASSWORD:-}" ]; then
    echo "toolshare initdb: TOOLSHARE_DB_PASSWORD and TOOLSHARE_TEST_DB_PASSWORD must be set (see .env.example)" >&2
    exit 1
fi

psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    --set app_password="$TOOLSHARE_DB_PASSWORD" \
    --set test_password="$TOOLSHARE_TEST_DB_PASSWORD" <<'SQL'
-- CREATEROLE lets `migrate` create the notebook's read-only role toolshare_reader_<schema>
-- (docs/notebook.md); on PostgreSQL 16+ it covers only the roles the user itself creates.
create role toolshare login createrole password :'app_password';
create role toolshare_test login createrole password :'test_password';

create database toolshare owner toolshare;
create database toolshare_test owner toolshare_test;

-- Only its owner (and the superuser) may connect to the library's database. The test database
-- stays open to other roles: it holds nothing real, and the notebook tests connect to it as
-- roles they create.
revoke all on database toolshare from public;
SQL

echo "toolshare initdb: created roles toolshare and toolshare_test and their databases"
