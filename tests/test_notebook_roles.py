"""The notebook's reader role under different database users.

The test session's own user is a superuser (embedded PostgreSQL) or a plain role with
CREATEROLE (CI's PostgreSQL 15). These tests create two more login roles for themselves:
one with CREATEROLE but not superuser, and one with neither, and migrate a schema as each.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from tests.conftest import ROOT, Database
from toolshare_core import migrate
from toolshare_core.db import make_engine
from toolshare_core.notebook_run import NotebookNotReady, reader_role, run_cell, setup_reader


@dataclass(frozen=True)
class Login:
    name: str
    url: str
    schema: str


def _admin(server_url: str) -> sa.Engine:
    return make_engine(server_url, schema="public")


@pytest.fixture
def make_login(server_url: str) -> Iterator[object]:
    """Create login roles (with a random password) that may create a schema; drop them after."""
    admin = _admin(server_url)
    made: list[Login] = []

    def make(*, createrole: bool) -> Login:
        name = f"nb_user_{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(18)
        with admin.begin() as conn:
            allowed = conn.execute(sa.text(
                "select rolsuper or rolcreaterole from pg_roles where rolname = current_user"
            )).scalar_one()
            if not allowed:
                pytest.skip("the test database user may not create roles (give it CREATEROLE)")
            conn.execute(sa.text(
                f"create role {name} login {'createrole' if createrole else ''} "
                f"password '{password}'"))
            conn.execute(sa.text(f'grant create on database "{conn.engine.url.database}" to {name}'))
        url = make_url(server_url).set(username=name, password=password)
        login = Login(name, url.render_as_string(hide_password=False), f"s_{name}")
        made.append(login)
        return login

    yield make
    with admin.begin() as conn:
        for login in made:
            engine = make_engine(login.url, schema="public")
            with engine.begin() as own:
                own.execute(sa.text(f'drop schema if exists "{login.schema}" cascade'))
            engine.dispose()
            for role in conn.execute(sa.text(
                "select rolname from pg_roles where rolname in (:a, :b)"),
                {"a": f"toolshare_reader_{login.schema}", "b": login.name}).scalars():
                conn.execute(sa.text(f'revoke all on database "{conn.engine.url.database}" '
                                     f"from {role}"))
                conn.execute(sa.text(f"drop role {role}"))
    admin.dispose()


def migrate_as(login: Login) -> sa.Engine:
    engine = make_engine(login.url, schema=login.schema)
    migrate.upgrade(engine, login.schema)
    return engine


def test_a_database_user_with_createrole_gets_a_working_reader_role(make_login: object) -> None:
    login = make_login(createrole=True)  # type: ignore[operator]
    engine = migrate_as(login)
    try:
        with engine.connect() as conn:
            who = run_cell(conn, "select current_user as who").full_frame["who"][0]
            assert who == f"toolshare_reader_{login.schema}"
            with pytest.raises(Exception, match="may not read staff_users"):
                run_cell(conn, "select * from staff_users")
    finally:
        engine.dispose()


def test_without_createrole_the_migration_succeeds_and_the_notebook_says_what_to_do(
    make_login: object, server_url: str
) -> None:
    login = make_login(createrole=False)  # type: ignore[operator]
    engine = migrate_as(login)  # does not fail: only the notebook waits for the role
    reader = f"toolshare_reader_{login.schema}"
    try:
        with engine.connect() as conn:
            with pytest.raises(NotebookNotReady, match="notebook-setup"):
                run_cell(conn, "select 1")
            advice = setup_reader(conn)
            assert "may not create roles" in advice
            assert f"CREATE ROLE {reader} NOLOGIN; GRANT {reader} TO {login.name};" in advice
            conn.rollback()
        # an administrator follows the advice ...
        admin = _admin(server_url)
        with admin.begin() as conn:
            conn.execute(sa.text(f"create role {reader} nologin"))
            conn.execute(sa.text(f"grant {reader} to {login.name}"))
        admin.dispose()
        # ... and the documented command finishes the job
        result = subprocess.run(
            [sys.executable, "-m", "toolshare_core", "notebook-setup"],
            env=Database(login.url, login.schema).env(), capture_output=True, text=True,
            timeout=120, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert f"{reader} is ready" in result.stdout
        with engine.connect() as conn:
            assert run_cell(conn, "select count(*) as n from items").full_frame["n"][0] == 0
            assert reader_role(conn) == reader
    finally:
        engine.dispose()


def test_notebook_setup_explains_itself_when_the_user_may_not_create_roles(
    make_login: object,
) -> None:
    login = make_login(createrole=False)  # type: ignore[operator]
    migrate_as(login).dispose()
    result = subprocess.run(
        [sys.executable, "-m", "toolshare_core", "notebook-setup"],
        env=Database(login.url, login.schema).env(), capture_output=True, text=True,
        timeout=120, cwd=ROOT)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: the notebook needs the read-only database role")


def test_setup_is_safe_to_run_again(conn: Connection) -> None:
    assert setup_reader(conn) == "ready"
    assert setup_reader(conn) == "ready"
    assert run_cell(conn, "select 1 as one").full_frame["one"][0] == 1
