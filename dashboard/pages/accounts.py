"""Staff accounts (admins): who may sign in, with which role; add, change role, switch off,
set a new password."""

from __future__ import annotations

import streamlit as st

from dashboard import actions, desk_data, session
from toolshare_core.roles import ROLE_PURPOSE, ROLES

me = session.require("admin")
st.header("Staff accounts")
actions.show_flash()

users = desk_data.staff()
st.dataframe(users, hide_index=True, key="accounts_table")
st.caption(" · ".join(f"**{role}**: {purpose}" for role, purpose in ROLE_PURPOSE.items()))

left, right = st.columns(2)
with left, st.form("acc_create_form", clear_on_submit=True):
    st.subheader("Add a staff account")
    username = st.text_input("Username", key="acc_new_username")
    role = st.selectbox("Role", ROLES, key="acc_new_role")
    password = st.text_input("Password (at least 10 characters)", type="password", key="acc_new_password")
    repeat = st.text_input("Repeat the password", type="password", key="acc_new_repeat")
    if st.form_submit_button("Add account", key="acc_create_submit", type="primary"):
        if password != repeat:
            st.error("The two passwords differ.")
        elif actions.create_user(username=username, password=password, role=role) is not None:
            actions.flash(f"Added {role} {username}.")
            st.rerun()

with right:
    st.subheader("Change an account")
    labels = {int(r.id): f"{r.username} ({r.role}{'' if r.active else ', switched off'})"
              for r in users.itertuples()}
    user_id = st.selectbox("Account", list(labels), format_func=labels.get, index=None,
                           key="acc_pick")
    if user_id is not None:
        row = users[users["id"] == user_id].iloc[0]
        new_role = st.selectbox("Role", ROLES, index=ROLES.index(row["role"]), key="acc_role")
        if st.button("Save role", key="acc_role_submit") and \
                actions.set_role(user_id=user_id, role=new_role):
            actions.flash(f"{row['username']} is now {new_role}.")
            st.rerun()
        active = bool(row["active"])
        toggle = st.button("Switch off" if active else "Switch on", key="acc_active_submit",
                           help="A switched-off account cannot sign in; its sessions end at once.")
        if toggle and actions.set_active(user_id=user_id, active=not active):
            actions.flash(f"{row['username']} is now {'switched off' if active else 'active'}.")
            st.rerun()
        with st.form(f"acc_password_form_{user_id}", clear_on_submit=True):
            new_password = st.text_input("New password", type="password", key="acc_reset_password")
            if st.form_submit_button("Set password", key="acc_reset_submit") and \
                    actions.reset_password(user_id=user_id, password=new_password):
                actions.flash(f"New password set for {row['username']}; their sessions were ended.")
                st.rerun()
