"""Schema migrations: Alembic revisions that each run one versioned SQL file from sql/migrations."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from toolshare_core.config import SCHEMA_NAME
from toolshare_core.errors import ConfigError, DatabaseUnavailable

SQL_DIR = Path(__file__).resolve().parents[1] / "sql" / "migrations"
VERSIONS_DIR = Path(__file__).resolve().parent / "migrations"


def run_sql_file(name: str) -> None:
    """Inside a revision: execute sql/migrations/NAME as one script on the migration connection.

    The script runs with search_path set to the target schema, so it never names a schema;
    functions it creates pin that path (`set search_path from current`).
    """
    sql = (SQL_DIR / name).read_text(encoding="utf-8")
    bind = op.get_bind()
    # The raw psycopg connection runs a multi-statement script when no parameters are given.
    bind.connection.driver_connection.execute(sql)  # type: ignore[union-attr]


def _script_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(VERSIONS_DIR))
    cfg.set_main_option("version_locations", str(VERSIONS_DIR / "versions"))
    cfg.set_main_option("path_separator", "os")
    return cfg


def _alembic_config(conn: Connection, schema: str) -> Config:
    cfg = _script_config()
    cfg.attributes["connection"] = conn
    cfg.attributes["schema"] = schema
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_script_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration revisions found in {VERSIONS_DIR}")
    return head


def current_revision(conn: Connection, schema: str) -> str | None:
    """The schema's applied revision, or None when ToolShare was never migrated there."""
    context = MigrationContext.configure(conn, opts={"version_table_schema": schema})
    return context.get_current_revision()


def upgrade(engine: Engine, schema: str) -> tuple[str | None, str]:
    """Bring `schema` to the newest revision in one transaction; safe to run again.

    Returns (revision before, revision after).
    """
    if not SCHEMA_NAME.match(schema):
        raise ConfigError(f"invalid schema name {schema!r}")
    with engine.begin() as conn:
        # Serialise concurrent migrators (two web containers starting at once).
        conn.execute(sa.text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": f"toolshare:{schema}"})
        conn.execute(sa.text(f'create schema if not exists "{schema}"'))
        before = current_revision(conn, schema)
        command.upgrade(_alembic_config(conn, schema), "head")
        after = current_revision(conn, schema) or "none"
    return before, after


def ensure_migrated(conn: Connection, schema: str) -> None:
    """Raise DatabaseUnavailable with the fix when `schema` is missing or behind."""
    current = current_revision(conn, schema)
    if current is None:
        raise DatabaseUnavailable(
            f"the database has no ToolShare tables in schema {schema!r}; "
            "run: python -m toolshare_core migrate"
        )
    if current != head_revision():
        raise DatabaseUnavailable(
            f"the database schema {schema!r} is at revision {current}, this version needs "
            f"{head_revision()}; run: python -m toolshare_core migrate"
        )
