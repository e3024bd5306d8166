"""Sign an AppTest in: pages behind the login gate need a real session in the database.

Usage (any AppTest of dashboard/app.py):
    at = AppTest.from_file(APP); sign_in(at, database, role="editor"); at.run()
"""

from __future__ import annotations

import secrets

from streamlit.testing.v1 import AppTest

from toolshare_core import auth
from toolshare_core.db import make_engine
from toolshare_core.roles import StaffUser, operator_actor

TOKEN_KEY = "toolshare_session_token"  # dashboard.session.TOKEN_KEY
_HASH = auth.hash_password("test password " + secrets.token_hex(8))


def sign_in(at: AppTest, database, role: str = "admin", username: str | None = None) -> StaffUser:
    """Create a staff account with `role` in `database` and put its session token into `at`."""
    import sqlalchemy as sa

    name = username or f"{role}-{secrets.token_hex(3)}"
    engine = make_engine(database.url, schema=database.schema)
    try:
        with engine.begin() as conn:
            user_id = conn.execute(sa.text(
                "insert into staff_users (username, role, password_hash) values (:u, :r, :h) returning id"),
                {"u": name, "r": role, "h": _HASH}).scalar_one()
            user = StaffUser(id=int(user_id), username=name, role=role)  # type: ignore[arg-type]
            token = auth.start_session(conn, user, hours=1)
    finally:
        engine.dispose()
    at.session_state[TOKEN_KEY] = token
    return user


__all__ = ["sign_in", "operator_actor"]
