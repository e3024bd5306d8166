"""Overview: what the library owns and what is out right now."""

from __future__ import annotations

import streamlit as st

from dashboard import data

st.header("Overview")
now = data.now()
counts = data.live_counts(now)

st.caption(f"Live counts as of {now:%Y-%m-%d %H:%M %Z}.")
cols = st.columns(5)
cols[0].metric("Items owned", counts.items_owned,
               help="Items not retired: active, in maintenance or missing.")
cols[1].metric("Members (active)", counts.members_active,
               help=f"Members with status active, of {counts.members_total} ever registered.")
cols[2].metric("Loans recorded", counts.loans_total, help="Every loan ever made, returned or not.")
cols[3].metric("On loan now", counts.on_loan,
               help="Loans started and not yet returned at this moment.")
cols[4].metric("Overdue now", counts.overdue,
               help="Loans on loan now whose due time has passed.")

st.subheader("Items by status")
st.dataframe(
    [{"status": status, "items": n} for status, n in counts.items_by_status.items()],
    hide_index=True,
)
