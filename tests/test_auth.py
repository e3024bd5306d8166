"""Staff accounts: argon2id hashes, login, lockout, sessions, roles, first-admin bootstrap, CLI."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.desk_helpers import ADMIN, EDITOR, scalar, snapshot
from toolshare_core import auth
from toolshare_core.errors import Conflict, PermissionDenied, ValidationFailed

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_password_is_stored_only_as_an_owasp_strength_argon2id_hash(conn):
    auth.create_user(conn, ADMIN, username="alice", password=PASSWORD, role="editor")
    stored = scalar(conn, "select password_hash from staff_users where username = 'alice'")
    assert PASSWORD not in stored
    # $argon2id$v=19$m=19456,t=2,p=1$salt$hash
    kind, version, params = stored.split("$")[1:4]
    assert (kind, version) == ("argon2id", "v=19")
    parsed = dict(p.split("=") for p in params.split(","))
    assert int(parsed["m"]) >= 19456 and int(parsed["t"]) >= 2 and int(parsed["p"]) >= 1
    audit_text = str(conn.execute(sa.text("select new_values::text from audit_log")).all())
    assert PASSWORD not in audit_text and "argon2" not in audit_text


def test_staff_log_in_with_any_letter_case_and_get_their_role(conn):
    created = auth.create_user(conn, ADMIN, username="Alice", password=PASSWORD, role="editor")
    user = auth.authenticate(conn, username="aLICE ", password=PASSWORD)
    assert user == created and user.role == "editor"
    assert scalar(conn, "select last_login_at from staff_users where id = :id", id=user.id) is not None


def test_a_wrong_password_and_an_unknown_name_get_the_same_message(conn):
    auth.create_user(conn, ADMIN, username="alice", password=PASSWORD, role="viewer")
    with pytest.raises(PermissionDenied) as wrong:
        auth.authenticate(conn, username="alice", password="not the password")
    with pytest.raises(PermissionDenied) as unknown:
        auth.authenticate(conn, username="nobody", password="not the password")
    assert str(wrong.value) == str(unknown.value) == "wrong username or password"


def test_repeated_failures_lock_the_account_for_a_growing_time(conn):
    auth.create_user(conn, ADMIN, username="alice", password=PASSWORD, role="viewer")
    for attempt in range(1, 6):
        with pytest.raises(PermissionDenied):
            auth.authenticate(conn, username="alice", password=f"guess {attempt}", now=T0)
    # the fifth failure locks for 30 s; even the right password is refused meanwhile
    assert scalar(conn, "select locked_until from staff_users") == T0 + timedelta(seconds=30)
    with pytest.raises(PermissionDenied, match="too many wrong passwords.*try again in 30 seconds"):
        auth.authenticate(conn, username="alice", password=PASSWORD, now=T0)
    # after the lock, one more failure doubles it (60 s), the next 120 s
    later = T0 + timedelta(seconds=31)
    with pytest.raises(PermissionDenied, match="wrong username or password"):
        auth.authenticate(conn, username="alice", password="guess 6", now=later)
    assert scalar(conn, "select locked_until from staff_users") == later + timedelta(seconds=60)
    later2 = later + timedelta(seconds=61)
    with pytest.raises(PermissionDenied):
        auth.authenticate(conn, username="alice", password="guess 7", now=later2)
    assert scalar(conn, "select locked_until from staff_users") == later2 + timedelta(seconds=120)
    # the right password after the lock works and clears the counter
    auth.authenticate(conn, username="alice", password=PASSWORD, now=later2 + timedelta(seconds=121))
    assert scalar(conn, "select failed_logins from staff_users") == 0
    assert scalar(conn, "select locked_until from staff_users") is None


def test_the_lock_never_exceeds_fifteen_minutes(conn):
    auth.create_user(conn, ADMIN, username="alice", password=PASSWORD, role="viewer")
    conn.execute(sa.text("update staff_users set failed_logins = 40"))
    with pytest.raises(PermissionDenied):
        auth.authenticate(conn, username="alice", password="guess", now=T0)
    assert scalar(conn, "select locked_until from staff_users") == T0 + timedelta(minutes=15)


def test_failed_attempts_are_kept_even_though_the_login_is_refused(fresh_engine):
    with fresh_engine.begin() as conn:
        auth.create_user(conn, ADMIN, username="alice", password=PASSWORD, role="viewer")
    for _ in range(2):
        with pytest.raises(PermissionDenied):
            auth.sign_in(fresh_engine, username="alice", password="wrong password", hours=1)
    with fresh_engine.connect() as conn:
        assert scalar(conn, "select failed_logins from staff_users") == 2


def test_a_session_token_is_stored_hashed_expires_and_ends_at_logout(conn):
    user = auth.create_user(conn, ADMIN, username="alice", password=PASSWORD, role="editor")
    token = auth.start_session(conn, user, hours=8, now=T0)
    stored = scalar(conn, "select token_hash from staff_sessions")
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
    assert auth.session_user(conn, token, now=T0 + timedelta(hours=7, minutes=59)) == user
    assert auth.session_user(conn, token, now=T0 + timedelta(hours=8)) is None
    assert auth.session_user(conn, "forged-token", now=T0) is None
    auth.end_session(conn, token)
    assert auth.session_user(conn, token, now=T0) is None


def test_a_role_change_applies_to_an_open_session_at_once(conn):
    admin = auth.create_user(conn, ADMIN, username="root", password=PASSWORD, role="admin")
    user = auth.create_user(conn, ADMIN, username="alice", password=PASSWORD, role="editor")
    token = auth.start_session(conn, user, hours=8)
    auth.set_role(conn, admin, user_id=user.id, role="viewer")
    assert auth.session_user(conn, token).role == "viewer"


def test_switching_an_account_off_ends_its_sessions_and_refuses_login(conn):
    user = auth.create_user(conn, ADMIN, username="alice", password=PASSWORD, role="editor")
    token = auth.start_session(conn, user, hours=8)
    auth.set_active(conn, ADMIN, user_id=user.id, active=False)
    assert auth.session_user(conn, token) is None
    assert scalar(conn, "select count(*) from staff_sessions") == 0
    with pytest.raises(PermissionDenied, match="switched off"):
        auth.authenticate(conn, username="alice", password=PASSWORD)


def test_the_last_admin_cannot_be_demoted_or_switched_off(conn):
    admin = auth.create_user(conn, ADMIN, username="root", password=PASSWORD, role="admin")
    before = snapshot(conn)
    with pytest.raises(Conflict, match="last admin"):
        auth.set_role(conn, admin, user_id=admin.id, role="editor")
    with pytest.raises(Conflict, match="last admin"):
        auth.set_active(conn, admin, user_id=admin.id, active=False)
    assert snapshot(conn) == before


def test_only_an_admin_manages_accounts(conn):
    before = snapshot(conn)
    with pytest.raises(PermissionDenied, match="only an admin"):
        auth.create_user(conn, EDITOR, username="mallory", password=PASSWORD, role="admin")
    assert snapshot(conn) == before


@pytest.mark.parametrize(("username", "password", "role", "message"), [
    ("alice", "short", "editor", "password: is too short"),
    ("", PASSWORD, "editor", "username: must not be blank"),
    ("al", PASSWORD, "editor", "username: is too short"),
    ("alice smith", PASSWORD, "editor", "username: may contain only letters"),
    ("alice", PASSWORD, "owner", "role: must be one of viewer, editor or admin"),
    ("a" * 65, PASSWORD, "editor", "username: is too long"),
])
def test_bad_account_details_are_refused_in_plain_words(conn, username, password, role, message):
    before = snapshot(conn)
    with pytest.raises(ValidationFailed, match=message):
        auth.create_user(conn, ADMIN, username=username, password=password, role=role)
    assert snapshot(conn) == before


def test_two_accounts_cannot_differ_only_in_letter_case(conn):
    auth.create_user(conn, ADMIN, username="alice", password=PASSWORD, role="editor")
    with pytest.raises(Conflict, match="a staff account named alice already exists"):
        auth.create_user(conn, ADMIN, username="ALICE", password=PASSWORD, role="editor")


def test_the_first_admin_comes_from_the_environment_once(conn):
    env = {"TOOLSHARE_ADMIN_USERNAME": "boss", "TOOLSHARE_ADMIN_PASSWORD": PASSWORD}
    created = auth.ensure_admin_from_env(conn, env)
    assert created is not None and created.role == "admin"
    assert auth.ensure_admin_from_env(conn, env | {"TOOLSHARE_ADMIN_USERNAME": "other"}) is None
    assert scalar(conn, "select count(*) from staff_users") == 1
    assert auth.ensure_admin_from_env(conn, {}) is None


def test_no_account_exists_until_someone_creates_one(conn):
    assert auth.ensure_admin_from_env(conn, {}) is None
    assert scalar(conn, "select count(*) from staff_users") == 0


def test_the_demo_run_creates_a_named_demo_admin_with_a_private_random_password(conn, tmp_path):
    creds = auth.ensure_demo_account(conn, tmp_path)
    assert creds is not None and creds.username == "demo-admin"
    assert stat.S_IMODE(os.stat(creds.path).st_mode) == 0o600
    assert creds.password in creds.path.read_text()
    assert auth.authenticate(conn, username="demo-admin", password=creds.password).role == "admin"
    again = auth.ensure_demo_account(conn, tmp_path)
    assert again == creds and scalar(conn, "select count(*) from staff_users") == 1
    other = auth.ensure_demo_account(conn, tmp_path / "elsewhere")
    assert other is None  # accounts exist: no second demo account, no file elsewhere


def test_the_command_line_creates_the_first_admin_from_stdin(fresh_database):
    run = subprocess.run(
        [sys.executable, "-m", "toolshare_core", "create-user", "--role", "admin",
         "--username", "boss", "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, env=fresh_database.env(), timeout=60)
    assert run.returncode == 0, run.stderr
    assert "created admin boss" in run.stdout
    listing = subprocess.run([sys.executable, "-m", "toolshare_core", "list-users"],
                             capture_output=True, text=True, env=fresh_database.env(), timeout=60)
    assert "boss\tadmin\tactive" in listing.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "toolshare_core", "create-user", "--role", "admin",
         "--username", "boss2", "--password-stdin"],
        input="short\n", capture_output=True, text=True, env=fresh_database.env(), timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: password: is too short (at least 10 characters)"
    assert "Traceback" not in bad.stderr
