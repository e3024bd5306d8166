"""Audit log (admins): who changed what and when, with old and new values; filters; CSV export."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from dashboard import data, desk_data, session, ui
from toolshare_core import exports

session.require("admin")
st.header("Audit log")

choices = desk_data.audit_choices()
c1, c2, c3, c4 = st.columns(4)
since_day = c1.date_input("From", value=None, key="audit_from")
until_day = c2.date_input("To (inclusive)", value=None, key="audit_to")
actor = c3.selectbox("Who", [None, *choices["actor_name"]], key="audit_actor",
                     format_func=lambda v: "Anyone" if v is None else v)
table = c4.selectbox("Table", [None, *choices["table_name"]], key="audit_table",
                     format_func=lambda v: "All tables" if v is None else v)
c5, c6, c7 = st.columns([1, 2, 2])
action = c5.selectbox("Action", [None, *choices["action"]], key="audit_action",
                      format_func=lambda v: "All actions" if v is None else v)
text = c6.text_input("Values contain", key="audit_text", placeholder="e.g. D-001 or Shed")
batch = c7.text_input("Batch id", key="audit_batch")

if batch and not desk_data.is_batch_id(batch):
    st.error("The batch id is a code like 3f2b…-…; copy it from a bulk edit or import message.")
    st.stop()
zone = data.now().tzinfo
since = datetime.combine(since_day, time(), zone) if since_day else None
until = datetime.combine(until_day + timedelta(days=1), time(), zone) if until_day else None
if since and until and until <= since:
    st.error("'To' is before 'From'; swap the dates.")
    st.stop()

log = desk_data.audit_entries(since, until, actor, table, action, text or None, batch.strip() or None)
st.caption(f"{len(log)} entries, newest first. Old and new values are JSON; "
           "an import or bulk edit shares one batch id.")
st.dataframe(log, hide_index=True, key="audit_table_view",
             column_config=ui.column_config(log) | {
                 "at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm:ss")})
# The core's CSV writer: the same number formats, and text that a spreadsheet would run as a
# formula (an edited name like "=HYPERLINK(...)") arrives as inert text.
st.download_button("Download these entries (CSV)", exports.frame_to_csv_bytes(log),
                   file_name="toolshare-audit.csv", mime="text/csv", key="audit_download",
                   disabled=log.empty)
