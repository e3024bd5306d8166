"""Migrations, settings and the embedded default: the ground every other part stands on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.conftest import ROOT, Database, drop_schema, new_schema
from toolshare_core import migrate
from toolshare_core.config import Settings, get_settings
from toolshare_core.db import check_connection, make_engine
from toolshare_core.errors import ConfigError, DatabaseUnavailable

CONTRACT_TABLES = {"locations", "categories", "items", "members", "loans", "maintenance"}


def tables_in(engine: Engine, schema: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select table_name from information_schema.tables where table_schema = :s"),
            {"s": schema},
        )
        return {row[0] for row in rows}


def test_migrate_builds_every_contract_table_in_the_configured_schema(
    fresh_engine: Engine, fresh_database: Database
) -> None:
    assert tables_in(fresh_engine, fresh_database.schema) >= CONTRACT_TABLES


def test_migrating_again_changes_nothing(fresh_engine: Engine, fresh_database: Database) -> None:
    before = tables_in(fresh_engine, fresh_database.schema)
    revision_before, revision_after = migrate.upgrade(fresh_engine, fresh_database.schema)
    assert revision_before == revision_after == migrate.head_revision()
    assert tables_in(fresh_engine, fresh_database.schema) == before


def test_two_libraries_live_side_by_side_in_their_own_schemas(server_url: str) -> None:
    first, second = new_schema(server_url), new_schema(server_url)
    try:
        engine_a = make_engine(server_url, schema=first.schema)
        engine_b = make_engine(server_url, schema=second.schema)
        with engine_a.begin() as conn:
            conn.execute(sa.text("insert into locations (name) values ('Only in A')"))
        with engine_b.connect() as conn:
            assert conn.execute(sa.text("select count(*) from locations")).scalar_one() == 0
        engine_a.dispose()
        engine_b.dispose()
    finally:
        drop_schema(server_url, first.schema)
        drop_schema(server_url, second.schema)


def test_triggers_work_for_a_client_with_another_search_path(
    fresh_engine: Engine, fresh_database: Database
) -> None:
    """Triggers pin their own search_path: a client using schema-qualified names still gets them."""
    other = make_engine(fresh_database.url, schema="pg_catalog")
    schema = fresh_database.schema
    try:
        with other.begin() as conn:
            loc = conn.execute(sa.text(f'insert into "{schema}".locations (name) values (\'X\') returning id')).scalar_one()
            cat = conn.execute(sa.text(f'insert into "{schema}".categories (name) values (\'Y\') returning id')).scalar_one()
            item = conn.execute(sa.text(
                f'insert into "{schema}".items (code, name, category_id, location_id) '
                "values ('C1', 'Thing', :c, :l) returning id"), {"c": cat, "l": loc}).scalar_one()
            conn.execute(sa.text(f'update "{schema}".items set name = \'Thing 2\' where id = :i'), {"i": item})
            version = conn.execute(sa.text(f'select version from "{schema}".items where id = :i'), {"i": item}).scalar_one()
        assert version == 2
    finally:
        other.dispose()


def test_an_unmigrated_schema_is_reported_with_the_command_that_fixes_it(server_url: str) -> None:
    engine = make_engine(server_url, schema="nothing_here")
    try:
        with engine.connect() as conn, pytest.raises(DatabaseUnavailable, match="toolshare_core migrate"):
            migrate.ensure_migrated(conn, "nothing_here")
    finally:
        engine.dispose()


def test_an_unreachable_database_gets_one_actionable_line() -> None:
    engine = make_engine("postgresql://nobody:secret-pw@127.0.0.1:1/none", schema="public")
    with pytest.raises(DatabaseUnavailable) as caught:
        check_connection(engine)
    message = str(caught.value)
    assert "cannot reach the database" in message and "DATABASE_URL" in message
    assert "secret-pw" not in message  # the password is never echoed


# --- settings -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("", None),
    ],
)
def test_database_urls_are_normalised_to_psycopg(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str | None
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert Settings().database_url == expected


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("DATABASE_URL", "mysql://u@h/db", "must start with postgresql://"),
        ("TOOLSHARE_SCHEMA", "Robert'); drop table items;--", "TOOLSHARE_SCHEMA"),
        ("TOOLSHARE_TIMEZONE", "Mars/Olympus", "not a known time zone"),
    ],
)
def test_bad_settings_are_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="configuration: ") as caught:
        get_settings()
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("secret", [None, "changeme", "change-me-to-something-long-enough-1234", "short"])
def test_production_refuses_a_missing_or_placeholder_secret(
    monkeypatch: pytest.MonkeyPatch, secret: str | None
) -> None:
    monkeypatch.setenv("TOOLSHARE_ENV", "production")
    if secret is not None:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        get_settings()


def test_production_accepts_a_real_random_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLSHARE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x7Gq2" * 10)
    assert get_settings().effective_secret_key == "x7Gq2" * 10


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for field in Settings.model_fields.values():
        assert f"`{field.alias}`" in readme, f"{field.alias} is missing from README's configuration table"


# --- the embedded default -------------------------------------------------------------------

EMBEDDED_SCRIPT = """
import sys
import sqlalchemy as sa
from toolshare_core import migrate
from toolshare_core.config import get_settings
from toolshare_core.db import get_engine
settings = get_settings()
engine = get_engine(settings)
migrate.upgrade(engine, settings.toolshare_schema)
with engine.begin() as conn:
    if sys.argv[1] == "write":
        conn.execute(sa.text("insert into locations (name) values ('Kept across restarts')"))
    print(conn.execute(sa.text("select count(*) from locations")).scalar_one())
"""


def test_without_database_url_an_embedded_server_keeps_its_data_across_restarts() -> None:
    # A short private folder: PostgreSQL's socket path must stay under ~100 characters.
    data_dir = Path(tempfile.mkdtemp(prefix="tsemb", dir="/tmp"))  # noqa: S108
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TOOLSHARE_SCHEMA"}}
    env |= {"TOOLSHARE_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    try:
        first = subprocess.run([sys.executable, "-c", EMBEDDED_SCRIPT, "write"], env=env,
                               capture_output=True, text=True, timeout=120, check=False)
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == "1"
        second = subprocess.run([sys.executable, "-c", EMBEDDED_SCRIPT, "read"], env=env,
                                capture_output=True, text=True, timeout=120, check=False)
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip() == "1"
        assert (data_dir / "pgdata" / "PG_VERSION").exists()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
