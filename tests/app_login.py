"""What the AppTest modules share: a schema of their own (optionally seeded), pointing the app
run in this process at a database, signing in (pages behind the login gate need a real session
in the database), and opening a page.

Usage (any AppTest of dashboard/app.py):
    point_app_at(monkeypatch, database)
    at = open_app(staff_session(engine, "editor")[1], page="pages/lending_desk.py")
or  at = AppTest.from_file(APP); sign_in(at, database, role="editor"); at.run()
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from dashboard.session import TOKEN_KEY
from tests.conftest import Database, drop_schema, new_schema
from toolshare_core import auth, seed
from toolshare_core.config import get_settings
from toolshare_core.db import make_engine
from toolshare_core.roles import StaffUser, operator_actor

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
APP_ENV = ("DATABASE_URL", "TOOLSHARE_SCHEMA", "TOOLSHARE_SEED_DEMO")
_HASH = auth.hash_password("test password " + secrets.token_hex(8))


@contextmanager
def own_schema(server_url: str, *, seed_with: int | None = None) -> Iterator[Database]:
    """A migrated schema of its own, holding the `small` synthetic library made with seed
    `seed_with` (empty when None); dropped on the way out."""
    db = new_schema(server_url)
    try:
        if seed_with is not None:
            engine = make_engine(db.url, schema=db.schema)
            try:
                seed.seed_database(engine, schema=db.schema, scale=seed.parse_scale("small"),
                                   seed=seed_with)
            finally:
                engine.dispose()
        yield db
    finally:
        drop_schema(server_url, db.schema)


def point_app_at(monkeypatch: pytest.MonkeyPatch, database: Database) -> None:
    """Point the app (run by AppTest in this process) at `database` and forget what earlier
    tests cached (settings, engine and frames)."""
    for name, value in database.env().items():
        if name in APP_ENV:
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


def staff_session(engine: Engine, role: str, username: str | None = None) -> tuple[StaffUser, str]:
    """A staff account with `role` and a live session token for it (the login gate's way in)."""
    name = username or f"{role}-{secrets.token_hex(3)}"
    with engine.begin() as conn:
        user_id = conn.execute(sa.text(
            "insert into staff_users (username, role, password_hash) values (:u, :r, :h) "
            "returning id"), {"u": name, "r": role, "h": _HASH}).scalar_one()
        user = StaffUser(id=int(user_id), username=name, role=role)  # type: ignore[arg-type]
        return user, auth.start_session(conn, user, hours=1)


def sign_in(at: AppTest, database: Database, role: str = "admin",
            username: str | None = None) -> StaffUser:
    """Create a staff account with `role` in `database` and put its session token into `at`."""
    engine = make_engine(database.url, schema=database.schema)
    try:
        user, token = staff_session(engine, role, username)
    finally:
        engine.dispose()
    at.session_state[TOKEN_KEY] = token
    return user


def open_app(token: str | None, page: str | None = None,
             query: Mapping[str, str] | None = None, *, timeout: float = 60) -> AppTest:
    """Run dashboard/app.py (signed in with session `token` unless None, `query` in the address),
    then switch to `page` if given; fails if either run shows an exception."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if token is not None:
        at.session_state[TOKEN_KEY] = token
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page is not None:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    return at


__all__ = ["APP", "TOKEN_KEY", "open_app", "operator_actor", "own_schema", "point_app_at",
           "sign_in", "staff_session"]
