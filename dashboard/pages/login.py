"""Log in: the only page shown until a staff member signs in."""

from __future__ import annotations

import streamlit as st

from dashboard import session
from toolshare_core.errors import ToolShareError

st.header("Log in to ToolShare")

notice = st.session_state.pop(session.NOTICE_KEY, None)
if notice:
    st.info(notice)

demo = session.demo_credentials()
if demo is not None:
    st.warning(
        f"**Demo database.** This embedded development run created a demo account: username "
        f"`{demo.username}`, password `{demo.password}` (also in `{demo.path}`). "
        "Never use it for real data: set DATABASE_URL and create real accounts.",
        icon=":material/science:",
    )
elif not session.any_account():
    st.info("No staff account exists yet. Create the first admin on the server with "
            "`python -m toolshare_core create-user --role admin --username NAME`, "
            "or set TOOLSHARE_ADMIN_USERNAME and TOOLSHARE_ADMIN_PASSWORD for the first start.")

with st.form("login_form"):
    username = st.text_input("Username", key="login_username", autocomplete="username")
    password = st.text_input("Password", type="password", key="login_password",
                             autocomplete="current-password")
    submitted = st.form_submit_button("Log in", key="login_submit", type="primary")

if submitted:
    try:
        session.sign_in(username, password)
    except ToolShareError as exc:
        st.error(f"{exc}.")
    else:
        st.rerun()
