"""Who is signed in: the session token in st.session_state, checked against the core's
staff_sessions table on every run (so expiry, logout elsewhere and role changes apply at once)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine
from streamlit.runtime.pages_manager import PagesManager

from dashboard import data
from toolshare_core import auth
from toolshare_core.auth import DemoCredentials
from toolshare_core.config import get_settings
from toolshare_core.roles import ROLE_RANK, Role, StaffUser

TOKEN_KEY = "toolshare_session_token"  # noqa: S105 (a session_state key, not a secret)
USER_KEY = "toolshare_user"
NOTICE_KEY = "toolshare_login_notice"

# dashboard/pages/ sits next to app.py, so until st.navigation first runs in a fresh server
# Streamlit would treat it as an old-style pages folder and serve /overview etc. by their own
# address without running app.py (and its login gate). The pages are only ever app.py's.
PagesManager.uses_pages_directory = False


def _engine() -> Engine:
    """The engine without the signed-in check (for the gate itself)."""
    return data._ready_engine()


def require_signed_in() -> None:
    """Stop the run unless app.py found a signed-in user in this session. Guards every read in
    dashboard/data.py, so a page opened by its own address never shows data without login."""
    if not isinstance(st.session_state.get(USER_KEY), StaffUser):
        _not_signed_in()


def _not_signed_in() -> None:
    if not st.session_state.get("toolshare_gate_rerun"):
        # A fresh server's first run of a page by its own address: run again, now through
        # app.py, which shows the login form.
        st.session_state["toolshare_gate_rerun"] = True
        st.rerun()
    st.warning("Please log in first: [open the login page](./).")
    st.stop()


@st.cache_resource(show_spinner=False)
def _bootstrap_once() -> DemoCredentials | None:
    """First start: the admin from TOOLSHARE_ADMIN_PASSWORD, or (embedded development run
    only) the demo account. Runs once per server process."""
    settings = get_settings()
    with _engine().begin() as conn:
        auth.ensure_admin_from_env(conn)
        if settings.embedded and settings.toolshare_env == "development":
            return auth.ensure_demo_account(conn, settings.toolshare_data_dir)
    return None


def bootstrap() -> None:
    _bootstrap_once()


def demo_credentials() -> DemoCredentials | None:
    """The demo login, shown on the login page only for the embedded development run."""
    settings = get_settings()
    if not (settings.embedded and settings.toolshare_env == "development"):
        return None
    with _engine().connect() as conn:
        return auth.read_demo_credentials(conn, settings.toolshare_data_dir)


def any_account() -> bool:
    with _engine().connect() as conn:
        return not auth.list_users(conn).empty


def current_user() -> StaffUser | None:
    """The signed-in staff member, checked against the database; None when nobody is (or the
    session expired, was ended, or the account was switched off)."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        st.session_state.pop(USER_KEY, None)
        return None
    with _engine().connect() as conn:
        user = auth.session_user(conn, token)
    if user is None:
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state.pop(USER_KEY, None)
        st.session_state[NOTICE_KEY] = "Your session has ended (it expired or you were logged out). Please log in again."
        return None
    st.session_state[USER_KEY] = user
    return user


def user() -> StaffUser | None:
    """The user app.py checked at the start of this run (no second database round trip)."""
    found = st.session_state.get(USER_KEY)
    return found if isinstance(found, StaffUser) else None


def sign_in(username: str, password: str) -> StaffUser:
    """Check the credentials (raises PermissionDenied in plain words) and start a session."""
    hours = get_settings().session_hours
    staff, token = auth.sign_in(_engine(), username=username, password=password, hours=hours)
    st.session_state[TOKEN_KEY] = token
    st.session_state[USER_KEY] = staff
    st.session_state.pop(NOTICE_KEY, None)
    return staff


def logout() -> None:
    token = st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(USER_KEY, None)
    with _engine().begin() as conn:
        auth.end_session(conn, token)
    data.clear_caches()


def require(role: Role) -> StaffUser:
    """The signed-in user if their role is at least `role`; otherwise a message and st.stop().
    (The core checks the role again on every write.)"""
    staff = current_user()  # checked against the database again: never trust a stale copy
    if staff is None:
        _not_signed_in()
        raise RuntimeError("unreachable: st.stop() ends the run")
    if ROLE_RANK[staff.role] < ROLE_RANK[role]:
        st.error(f"This page is for {role}s. You are signed in as {staff.username} ({staff.role}); "
                 "ask an admin if you need more access.")
        st.stop()
    return staff
