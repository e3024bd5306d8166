"""Members: new and active members over time, postcode reach, and one member's page."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, ui
from toolshare_core import charts

st.header("Members")
view = ui.view_controls()
ui.caption(view)
ui.how_computed(["new_members", "active_borrowers", "loans_started"],
                note="New members are not narrowed by the category and location filters; "
                "borrowers and loans are (members who borrowed the chosen items).")

trend_period = ui.trend_period(view)
trend = data.monthly_trend(trend_period, view.filters)
st.subheader("Over time")
st.caption(f"{trend_period.label()}: the chosen period, widened to the 12 months ending with it.")
if trend.empty or (trend["new_members"].sum() == 0 and trend["active_borrowers"].sum() == 0):
    ui.empty_state("No member joined or borrowed in these months.", hint=ui.no_items_hint(view))
else:
    st.plotly_chart(figures.members_per_month(trend), key="members_trend_chart")
    with st.expander("The numbers behind this chart"):
        table = trend[["month", "new_members", "active_borrowers", "loans_started"]]
        st.dataframe(table, hide_index=True, column_config=ui.column_config(table))

st.subheader("Postcode reach")
reach = data.report("members", view.period, view.filters)
if reach.frame.empty:
    ui.empty_state("No members are registered yet.",
                   hint="Members appear here once they are added (Lending desk or import).")
else:
    kpis = reach.kpis
    cols = st.columns(4)
    cols[0].metric("Members", kpis["members"], border=True,
                   help="Members who joined before the end of the period.")
    cols[1].metric("New members", kpis["new_members"], border=True,
                   help=ui.metric_help("new_members"))
    cols[2].metric("Active borrowers", kpis["active_borrowers"], border=True,
                   help=ui.metric_help("active_borrowers"))
    cols[3].metric("Postcode areas reached", kpis["postcode_areas"], border=True,
                   help="Postcode areas (the part before the space) with at least one "
                   "active borrower in the period.")
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.members_by_area(reach.frame), key="members_reach_chart")
    right.dataframe(reach.frame, hide_index=True, column_config=ui.column_config(reach.frame),
                    key="members_reach_table")
    ui.report_downloads(reach, key="members_reach_dl")

# --- one member --------------------------------------------------------------------------------
st.divider()
st.subheader("Member page")
search = st.text_input("Find a member (number, name or email)", key="members_search")
found = data.search_members(search or "")
names = dict(zip(found["member_no"], found["member_name"], strict=True))
member = ui.open_record(
    "Open member", found["member_no"], names, key="members_member", param="member",
    choose="Choose a member...", prompt="Choose a member to see their details and loan history.",
    lookup=data.member_detail,
)

st.markdown(f"### {member.member_no} · {member.member_name}")
cols = st.columns(4)
cols[0].metric("Status", member.status, border=True)
cols[1].metric("Joined", str(member.joined_on), border=True)
cols[2].metric("Postcode", member.postcode or "n/a", border=True)
cols[3].metric("Email", member.email or "n/a", border=True)
if member.phone or member.notes:
    st.caption(" · ".join(x for x in (member.phone, member.notes) if x))
ui.loan_history(data.member_loans(member.member_id, view.period.as_of), of=member.member_no,
                empty="This member has not borrowed anything yet.", key="members_member_loans")
