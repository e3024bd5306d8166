"""Staff accounts: argon2id passwords, login with lockout, sessions, roles, first-admin bootstrap.

No password is ever stored, logged or committed: the first admin comes from the command line
(`create-user`, asking twice) or from TOOLSHARE_ADMIN_PASSWORD read once at first start, and the
embedded demo run generates a random password into TOOLSHARE_DATA_DIR/demo-credentials.txt.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine

from toolshare_core import audit
from toolshare_core.config import get_settings
from toolshare_core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from toolshare_core.roles import (
    ROLE_PURPOSE,
    ROLE_RANK,
    ROLES,
    Role,
    StaffUser,
    operator_actor,
    require_role,
)
from toolshare_core.writes import RequiredText, translate_db_errors, validate, write_block

__all__ = [
    "ROLES", "ROLE_RANK", "ROLE_PURPOSE", "Role", "StaffUser", "require_role", "operator_actor",
    "create_user", "authenticate", "sign_in", "start_session", "session_user", "end_session", "login",
    "set_role", "set_active", "reset_password", "list_users", "has_admin",
    "ensure_admin_from_env", "ensure_demo_account", "DEMO_USERNAME",
]

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 (the minimum it lists).
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32,
                        salt_len=16, type=Type.ID)
MIN_PASSWORD = 10
MAX_PASSWORD = 256
# Failed logins allowed before the account is locked; each further failure doubles the lock.
FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=15)
DEMO_USERNAME = "demo-admin"
DEMO_FILE = "demo-credentials.txt"
# Verified against when the username is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


class NewUser(BaseModel):
    username: RequiredText = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    role: Role
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)


class NewPassword(BaseModel):
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)


def hash_password(password: str) -> str:
    validate(NewPassword, {"password": password})
    return str(HASHER.hash(password))


def _now() -> datetime:
    return datetime.now(UTC)


def _user(row: Any) -> StaffUser:
    return StaffUser(id=int(row.id), username=str(row.username), role=row.role)


# ---- accounts -----------------------------------------------------------------------------


def create_user(conn: Connection, actor: StaffUser, *, username: str, password: str,
                role: str) -> StaffUser:
    """An admin creates a staff account. The audit entry never contains the password or hash."""
    with write_block(conn, actor, "admin"):
        return _insert_user(conn, actor, username=username, password=password, role=role)


def _insert_user(conn: Connection, actor: StaffUser, *, username: str, password: str,
                 role: str) -> StaffUser:
    data = validate(NewUser, {"username": username, "password": password, "role": role})
    taken = conn.execute(sa.text("select username from staff_users where lower(username) = lower(:u)"),
                         {"u": data.username}).scalar()
    if taken is not None:
        raise Conflict(f"a staff account named {taken} already exists")
    row = conn.execute(sa.text("""
        insert into staff_users (username, role, password_hash) values (:u, :r, :h)
        returning id, username, role
    """), {"u": data.username, "r": data.role, "h": HASHER.hash(data.password)}).one()
    user = _user(row)
    audit.record(conn, actor, "create", "staff_users", user.id, None,
                 {"username": user.username, "role": user.role, "active": True})
    return user


def _load(conn: Connection, user_id: int) -> Any:
    row = conn.execute(sa.text("select * from staff_users where id = :id for update"),
                       {"id": user_id}).one_or_none()
    if row is None:
        raise NotFound(f"there is no staff account with id {user_id}")
    return row


def _other_active_admins(conn: Connection, user_id: int) -> int:
    return int(conn.execute(sa.text(
        "select count(*) from staff_users where role = 'admin' and active and id <> :id"
    ), {"id": user_id}).scalar_one())


def set_role(conn: Connection, actor: StaffUser, *, user_id: int, role: str) -> None:
    """Change a staff member's role; the last active admin cannot be demoted."""
    with write_block(conn, actor, "admin"):
        if role not in ROLES:
            raise ValidationFailed("role must be one of viewer, editor, admin")
        row = _load(conn, user_id)
        if row.role == role:
            return
        if row.role == "admin" and row.active and _other_active_admins(conn, user_id) == 0:
            raise Conflict(f"{row.username} is the last admin; make someone else admin first")
        conn.execute(sa.text("update staff_users set role = :r where id = :id"),
                     {"r": role, "id": user_id})
        audit.record(conn, actor, "set_role", "staff_users", user_id,
                     {"role": row.role}, {"role": role})


def set_active(conn: Connection, actor: StaffUser, *, user_id: int, active: bool) -> None:
    """Switch an account on or off; switching off also ends its sessions."""
    with write_block(conn, actor, "admin"):
        row = _load(conn, user_id)
        if row.active == active:
            return
        if not active and row.role == "admin" and _other_active_admins(conn, user_id) == 0:
            raise Conflict(f"{row.username} is the last admin; make someone else admin first")
        conn.execute(sa.text("""update staff_users set active = :a, failed_logins = 0,
                                locked_until = null where id = :id"""),
                     {"a": active, "id": user_id})
        if not active:
            conn.execute(sa.text("delete from staff_sessions where user_id = :id"), {"id": user_id})
        audit.record(conn, actor, "set_active", "staff_users", user_id,
                     {"active": row.active}, {"active": active})


def reset_password(conn: Connection, actor: StaffUser, *, user_id: int, password: str) -> None:
    """An admin (or the person themselves) sets a new password; their sessions end."""
    if actor.id != user_id:
        require_role(actor, "admin")
    with write_block(conn, actor, "viewer"):
        _load(conn, user_id)
        conn.execute(sa.text("""update staff_users set password_hash = :h, failed_logins = 0,
                                locked_until = null where id = :id"""),
                     {"h": hash_password(password), "id": user_id})
        conn.execute(sa.text("delete from staff_sessions where user_id = :id"), {"id": user_id})
        audit.record(conn, actor, "reset_password", "staff_users", user_id, None,
                     {"password": "(changed)"})


def list_users(conn: Connection) -> pd.DataFrame:
    """Every account without its hash: id, username, role, active, lock state, last login."""
    return pd.read_sql(sa.text("""
        select id, username, role, active, failed_logins, locked_until, created_at, last_login_at
        from staff_users order by lower(username)
    """), conn)


def has_admin(conn: Connection) -> bool:
    return bool(conn.execute(sa.text(
        "select exists (select 1 from staff_users where role = 'admin' and active)")).scalar())


# ---- login ----------------------------------------------------------------------------------


def authenticate(conn: Connection, *, username: str, password: str,
                 now: datetime | None = None) -> StaffUser:
    """The account for these credentials, or PermissionDenied saying what to do.

    Wrong passwords count per account; after FREE_FAILURES the account is locked for 30 s,
    doubling with each further failure up to 15 minutes. The lock is stored in the database, so
    it holds across browser tabs and server restarts. Commits its counter changes through the
    caller's transaction, so call it inside `engine.begin()`.
    """
    now = now or _now()
    wrong = PermissionDenied("wrong username or password")
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
        raise wrong
    with translate_db_errors():
        row = conn.execute(sa.text("""
            select id, username, role, password_hash, active, failed_logins, locked_until
            from staff_users where lower(username) = lower(:u) for update
        """), {"u": username.strip()}).one_or_none()
    if row is None:
        _verify(_DUMMY_HASH, password)
        raise wrong
    if row.locked_until is not None and row.locked_until > now:
        _verify(_DUMMY_HASH, password)
        wait = max(1, int((row.locked_until - now).total_seconds()))
        raise PermissionDenied(
            f"too many wrong passwords for {row.username}; try again in {_duration(wait)} "
            "(an admin can also reset the password)")
    if not _verify(row.password_hash, password):
        failures = row.failed_logins + 1
        locked = None
        if failures >= FREE_FAILURES:
            locked = now + min(FIRST_LOCK * 2 ** (failures - FREE_FAILURES), MAX_LOCK)
        conn.execute(sa.text("""update staff_users set failed_logins = :f, locked_until = :l
                                where id = :id"""), {"f": failures, "l": locked, "id": row.id})
        raise wrong
    if not row.active:
        raise PermissionDenied(f"the account {row.username} is switched off; ask an admin")
    params: dict[str, Any] = {"id": row.id, "now": now, "h": None}
    if HASHER.check_needs_rehash(row.password_hash):
        params["h"] = HASHER.hash(password)
    conn.execute(sa.text("""update staff_users set failed_logins = 0, locked_until = null,
                            last_login_at = :now, password_hash = coalesce(:h, password_hash)
                            where id = :id"""), params)
    return _user(row)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(HASHER.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _duration(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 90 else f"{round(seconds / 60)} minutes"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: Connection, user: StaffUser, *, hours: float,
                  now: datetime | None = None) -> str:
    """A new random session token (only its hash is stored) valid for `hours`."""
    now = now or _now()
    token = secrets.token_urlsafe(32)
    conn.execute(sa.text("""insert into staff_sessions (token_hash, user_id, created_at, expires_at)
                            values (:t, :u, :now, :exp)"""),
                 {"t": _token_hash(token), "u": user.id, "now": now,
                  "exp": now + timedelta(hours=hours)})
    conn.execute(sa.text("delete from staff_sessions where expires_at < :now"), {"now": now})
    return token


def login(conn: Connection, *, username: str, password: str, hours: float,
          now: datetime | None = None) -> tuple[StaffUser, str]:
    """authenticate + start_session."""
    user = authenticate(conn, username=username, password=password, now=now)
    return user, start_session(conn, user, hours=hours, now=now)


def sign_in(engine: Engine, *, username: str, password: str, hours: float) -> tuple[StaffUser, str]:
    """login() in its own transaction that is committed even when the login is refused, so
    the failed-attempt counter and lock are kept."""
    with engine.connect() as conn:
        try:
            return login(conn, username=username, password=password, hours=hours)
        finally:
            conn.commit()


def session_user(conn: Connection, token: str | None, *, now: datetime | None = None) -> StaffUser | None:
    """The account behind a live session token; None when unknown, expired or switched off.

    The role is read fresh each time, so a role change takes effect on the next page view.
    """
    if not token:
        return None
    row = conn.execute(sa.text("""
        select u.id, u.username, u.role, s.token_hash from staff_sessions s
        join staff_users u on u.id = s.user_id
        where s.token_hash = :t and s.expires_at > :now and u.active
    """), {"t": _token_hash(token), "now": now or _now()}).one_or_none()
    if row is None or not hmac.compare_digest(row.token_hash, _token_hash(token)):
        return None
    return _user(row)


def end_session(conn: Connection, token: str | None) -> None:
    """Log out: the token stops working at once."""
    if token:
        conn.execute(sa.text("delete from staff_sessions where token_hash = :t"),
                     {"t": _token_hash(token)})


# ---- first start ----------------------------------------------------------------------------


def ensure_admin_from_env(conn: Connection, env: dict[str, str] | None = None) -> StaffUser | None:
    """Create the first admin from TOOLSHARE_ADMIN_PASSWORD (+ TOOLSHARE_ADMIN_USERNAME, default
    `admin`) when no admin exists yet. Later starts ignore the variables (remove them).

    `env` overrides the settings (tests); by default they come from `get_settings()`."""
    if env is None:
        settings = get_settings()
        secret = settings.admin_password
        env = {"TOOLSHARE_ADMIN_USERNAME": settings.admin_username,
               "TOOLSHARE_ADMIN_PASSWORD": secret.get_secret_value() if secret else ""}
    password = env.get("TOOLSHARE_ADMIN_PASSWORD")
    if not password or has_admin(conn):
        return None
    username = env.get("TOOLSHARE_ADMIN_USERNAME") or "admin"
    with write_block(conn, operator_actor("TOOLSHARE_ADMIN_PASSWORD"), "admin"):
        return _insert_user(conn, operator_actor("TOOLSHARE_ADMIN_PASSWORD"),
                            username=username, password=password, role="admin")


@dataclass(frozen=True)
class DemoCredentials:
    username: str
    password: str
    path: Path


def ensure_demo_account(conn: Connection, data_dir: Path) -> DemoCredentials | None:
    """Embedded demo run only: when no staff account exists, create `demo-admin` with a random
    password written to DATA_DIR/demo-credentials.txt (owner-only). Returns the credentials
    while that file exists and the account still uses them."""
    path = data_dir / DEMO_FILE
    exists = conn.execute(sa.text("select exists (select 1 from staff_users)")).scalar()
    if not exists:
        password = secrets.token_urlsafe(12)
        with write_block(conn, operator_actor("demo start"), "admin"):
            _insert_user(conn, operator_actor("demo start"), username=DEMO_USERNAME,
                         password=password, role="admin")
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"username: {DEMO_USERNAME}\npassword: {password}\n"
                         "# Demo account of the embedded development database. Not for real use.\n")
    return read_demo_credentials(conn, data_dir)


def read_demo_credentials(conn: Connection, data_dir: Path) -> DemoCredentials | None:
    path = data_dir / DEMO_FILE
    try:
        lines = dict(line.split(": ", 1) for line in path.read_text(encoding="utf-8").splitlines()
                     if ": " in line and not line.startswith("#"))
    except OSError:
        return None
    username, password = lines.get("username", ""), lines.get("password", "")
    stored = conn.execute(sa.text("select password_hash from staff_users where username = :u"),
                          {"u": username}).scalar()
    if stored is None or not _verify(str(stored), password):
        return None
    return DemoCredentials(username=username, password=password, path=path)
