"""Edit members: add a member, change details or status (suspended / left stops new loans)."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from dashboard import actions, desk_data, forms, session
from toolshare_core.members import MEMBER_STATUSES

session.require("editor")
st.header("Edit members")
actions.show_flash()
SEEN = "edit_member_seen_version"


def _member_form(prefix: str, cur: dict[str, Any]) -> dict[str, Any]:
    return {
        "member_no": st.text_input("Member number", value=cur.get("member_no", ""),
                                   key=f"{prefix}_no", max_chars=40),
        "name": st.text_input("Name", value=cur.get("name", ""), key=f"{prefix}_name", max_chars=200),
        "email": st.text_input("Email", value=cur.get("email") or "", key=f"{prefix}_email") or None,
        "phone": st.text_input("Phone", value=cur.get("phone") or "", key=f"{prefix}_phone") or None,
        "postcode": st.text_input("Postcode", value=cur.get("postcode") or "",
                                  key=f"{prefix}_postcode") or None,
        "joined_on": st.date_input("Joined on", value=cur.get("joined_on", date.today()),
                                   key=f"{prefix}_joined"),
        "status": st.selectbox("Status", MEMBER_STATUSES, key=f"{prefix}_status",
                               index=MEMBER_STATUSES.index(cur.get("status", "active"))),
        "notes": st.text_area("Notes", value=cur.get("notes") or "", key=f"{prefix}_notes") or None,
    }


tab_edit, tab_add = st.tabs(["Edit a member", "Add a member"])

with tab_edit:
    search = st.text_input("Find a member", key="mem_search", placeholder="number, name or email")
    found = desk_data.member_list(search or "")
    labels = {int(r.id): f"{r.member_no} · {r.name} ({r.status})" for r in found.itertuples()}
    member_id = forms.choose("Member", labels, key="mem_pick", placeholder="Choose a member to edit")
    if member_id is not None:
        current, seen = forms.open_for_edit(member_id, desk_data.member, SEEN)
        with st.form(f"mem_edit_form_{member_id}"):
            fields = _member_form(f"mem_edit_{member_id}", current)
            saved = st.form_submit_button("Save changes", key="mem_edit_submit", type="primary")
        if saved:
            forms.save_edit(actions.edit_member, "member_id", member_id, seen, fields,
                            done=f"Saved member {fields['member_no']}.")
        forms.reload_button("Reload this member", key="mem_reload", record_id=member_id, seen=seen,
                            fields_prefix=f"mem_edit_{member_id}_", cached=desk_data.member)

with tab_add, st.form("mem_add_form"):
    new_fields = _member_form("mem_add", {})
    if st.form_submit_button("Add member", key="mem_add_submit", type="primary") and \
            actions.add_member(**new_fields) is not None:
        actions.flash(f"Added member {new_fields['member_no']} {new_fields['name']}.")
        forms.forget_fields("mem_add_")
        st.rerun()
