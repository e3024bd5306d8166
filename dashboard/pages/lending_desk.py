"""Lending desk: check out, check in, renew, mark missing, open and close maintenance."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from dashboard import actions, desk_data, forms, session, ui
from toolshare_core.inventory import CONDITIONS
from toolshare_core.maintenance import KINDS

session.require("editor")
st.header("Lending desk")
actions.show_flash()

items = desk_data.items()
members = desk_data.member_list()
out = desk_data.open_loans()

item_labels = {int(r.id): f"{r.code} · {r.name} ({r.status})" for r in items.itertuples()}
member_labels = {int(r.id): f"{r.member_no} · {r.name}" + ("" if r.status == "active" else f" ({r.status})")
                 for r in members.itertuples()}
loan_labels = {int(r.loan_id): f"{r.item_code} · {r.item_name} → {r.member_no} {r.member_name} "
               f"(due {r.due_at:%Y-%m-%d})" for r in out.itertuples()}

tab_out, tab_in, tab_renew, tab_missing, tab_maint = st.tabs(
    ["Check out", "Check in", "Renew", "Mark missing", "Maintenance"])

with tab_out, st.form("desk_checkout_form", clear_on_submit=True):
    member_id = forms.choose("Member", member_labels, key="desk_out_member",
                             placeholder="Type a member number or name")
    item_id = forms.choose("Item", item_labels, key="desk_out_item",
                           placeholder="Type an item code or name")
    due_on = st.date_input("Due date", value=None, key="desk_out_due",
                           help="Leave empty for the item category's usual loan length.")
    notes = st.text_input("Notes (optional)", key="desk_out_notes", max_chars=2000)
    if st.form_submit_button("Check out", key="desk_out_submit", type="primary"):
        if member_id is None or item_id is None:
            st.error("Choose a member and an item.")
        elif (loan_id := actions.check_out(item_id=item_id, member_id=member_id, due_on=due_on,
                                           notes=notes or None)) is not None:
            actions.flash(f"Checked out {item_labels[item_id]} to {member_labels[member_id]}.")
            st.rerun()

with tab_in:
    if not loan_labels:
        st.info("Nothing is out on loan right now.")
    else:
        with st.form("desk_checkin_form", clear_on_submit=True):
            loan_id = forms.choose("Loan", loan_labels, key="desk_in_loan",
                                   placeholder="Type an item code or member")
            condition = st.selectbox("Condition on return", ["(not noted)", *CONDITIONS],
                                     key="desk_in_condition")
            in_notes = st.text_area("Notes (optional)", key="desk_in_notes", max_chars=2000)
            if st.form_submit_button("Check in", key="desk_in_submit", type="primary"):
                if loan_id is None:
                    st.error("Choose the loan to check in.")
                elif actions.check_in(loan_id=loan_id, notes=in_notes or None,
                                      return_condition=None if condition == "(not noted)" else condition):
                    actions.flash(f"Checked in {loan_labels[loan_id]}.")
                    st.rerun()

with tab_renew:
    if not loan_labels:
        st.info("Nothing is out on loan right now.")
    else:
        with st.form("desk_renew_form", clear_on_submit=True):
            renew_id = forms.choose("Loan", loan_labels, key="desk_renew_loan")
            new_due = st.date_input("New due date", value=None, key="desk_renew_due",
                                    help="Leave empty to extend by the category's loan length.")
            if st.form_submit_button("Renew", key="desk_renew_submit", type="primary"):
                if renew_id is None:
                    st.error("Choose the loan to renew.")
                elif (due := actions.renew(loan_id=renew_id, new_due_on=new_due)) is not None:
                    actions.flash(f"Renewed: now due {due:%Y-%m-%d}.")
                    st.rerun()

with tab_missing, st.form("desk_missing_form", clear_on_submit=True):
    missing_id = forms.choose("Item", item_labels, key="desk_missing_item")
    missing_notes = st.text_input("What happened (optional)", key="desk_missing_notes")
    if st.form_submit_button("Mark missing", key="desk_missing_submit"):
        if missing_id is None:
            st.error("Choose the item.")
        elif actions.mark_missing(item_id=missing_id, notes=missing_notes or None):
            actions.flash(f"Marked missing: {item_labels[missing_id]}. It cannot be lent until found.")
            st.rerun()

with tab_maint:
    left, right = st.columns(2)
    with left, st.form("desk_maint_open_form", clear_on_submit=True):
        st.subheader("Send to maintenance")
        maint_item = forms.choose("Item", item_labels, key="desk_maint_item")
        kind = st.selectbox("Kind", KINDS, key="desk_maint_kind", accept_new_options=True)
        started = st.date_input("Started on", key="desk_maint_started")
        cost = st.number_input("Cost so far", min_value=0.0, step=1.0, key="desk_maint_cost")
        maint_notes = st.text_area("Notes", key="desk_maint_notes", max_chars=2000)
        if st.form_submit_button("Open maintenance", key="desk_maint_open_submit"):
            if maint_item is None:
                st.error("Choose the item.")
            elif actions.open_maintenance(item_id=maint_item, kind=kind or "", started_on=started,
                                          cost=Decimal(str(cost)), notes=maint_notes or None):
                actions.flash(f"{item_labels[maint_item]} is now in maintenance.")
                st.rerun()
    with right:
        st.subheader("Finish maintenance")
        records = desk_data.open_maintenance()
        if records.empty:
            st.info("No maintenance is open.")
        else:
            labels = {int(r.maintenance_id): f"{r.item_code} · {r.item_name}: {r.kind} since {r.started_on}"
                      for r in records.itertuples()}
            with st.form("desk_maint_close_form", clear_on_submit=True):
                record_id = forms.choose("Maintenance", labels, key="desk_maint_record")
                ended = st.date_input("Finished on", key="desk_maint_ended")
                final_cost = st.number_input("Total cost (leave empty to keep)", min_value=0.0,
                                             value=None, step=1.0, key="desk_maint_final_cost")
                close_notes = st.text_area("Notes", key="desk_maint_close_notes", max_chars=2000)
                if st.form_submit_button("Close maintenance", key="desk_maint_close_submit"):
                    if record_id is None:
                        st.error("Choose the maintenance record.")
                    elif actions.close_maintenance(
                            maintenance_id=record_id, ended_on=ended, notes=close_notes or None,
                            cost=None if final_cost is None else Decimal(str(final_cost))):
                        actions.flash(f"Finished: {labels[record_id]}. The item is active again.")
                        st.rerun()

st.subheader("Out on loan now")
if out.empty:
    st.caption("Nothing is out.")
else:
    shown = out.drop(columns=["loan_id", "item_id", "member_id"])
    st.dataframe(shown, hide_index=True, column_config=ui.column_config(shown), key="desk_open_loans")
