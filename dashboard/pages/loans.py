"""Loans: what is out now, what is overdue (aging, contacts, value at risk), and history search."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from toolshare_core import charts
from toolshare_core.errors import ToolShareError
from toolshare_core.metrics import OVERDUE_BUCKETS

CONTACT_COLUMNS = ["item_code", "item_name", "member_no", "member_name", "email", "phone",
                   "loaned_at", "due_at"]

st.header("Loans")
view = ui.view_controls()
as_of = view.period.as_of
st.caption(f"{view.filters_text} · as of {as_of:%Y-%m-%d %H:%M %Z}")


def on_loan_now() -> None:
    out = data.on_loan(as_of, view.filters)
    if out.empty:
        ui.empty_state("Nothing is out on loan right now.",
                       hint="Loans appear here from the moment they are checked out.")
        return
    cols = st.columns(3)
    cols[0].metric("On loan now", len(out), border=True, help=ui.metric_help("on_loan"))
    cols[1].metric("Of which overdue", int(out["is_overdue"].sum()), border=True,
                   help=ui.metric_help("overdue"))
    cols[2].metric("Replacement value out",
                   ui.format_value("value_lent", float(out["replacement_value"].sum())),
                   border=True, help="The replacement value of everything on loan now.")
    shown = out.drop(columns=["loan_id"])
    ui.table(shown, key="loans_on_loan_table")
    ui.frame_downloads(shown, name="on-loan", title="On loan now", key="loans_on_loan_dl")


def overdue() -> None:
    report = data.report("overdue", view.period, view.filters)
    st.caption(ui.metric_help("overdue"))
    if report.frame.empty:
        st.success("Nothing is overdue.")
        return
    kpis = report.kpis
    cols = st.columns(2)
    cols[0].metric("Overdue now", kpis["overdue"], border=True, help=ui.metric_help("overdue"))
    cols[1].metric("Replacement value at risk",
                   ui.format_value("value_lent", kpis["value_at_risk"]), border=True,
                   help="What it would cost to replace every overdue item.")
    cols = st.columns(len(OVERDUE_BUCKETS))
    for col, bucket in zip(cols, OVERDUE_BUCKETS, strict=True):
        col.metric(f"{bucket} days overdue", kpis[f"overdue_{bucket}"], border=True,
                   help=f"Loans {bucket} days past their due date.")
    left, right = st.columns([2, 3])
    left.plotly_chart(charts.overdue_by_bucket(report.frame), key="loans_overdue_chart")
    with right:
        bucket = st.pills("Show bucket", OVERDUE_BUCKETS, key="loans_overdue_bucket",
                          selection_mode="single")
        contacts = data.overdue(as_of, view.filters)
        shown = contacts if bucket is None else contacts[contacts["bucket"] == bucket]
        st.caption("Contact details to chase, most days overdue first.")
        ui.table(shown.sort_values("days_overdue", ascending=False)[
            [*CONTACT_COLUMNS, "days_overdue", "bucket", "replacement_value"]],
            key="loans_overdue_table")
        ui.frame_downloads(contacts.drop(columns=["loan_id"]), name="overdue-contacts",
                           title="Overdue loans with contact details",
                           key="loans_overdue_contacts_dl")
    st.caption("The overdue report (the columns of spec/METRICS.md):")
    ui.report_downloads(report, key="loans_overdue_dl")


def history() -> None:
    st.caption(f"Loans started in the period chosen in the sidebar ({view.period.label()}), "
               "narrowed by member and item.")
    left, right = st.columns(2)
    member_no = left.text_input("Member number", key="loans_history_member",
                                placeholder="e.g. M-00042").strip() or None
    item_code = right.text_input("Item code", key="loans_history_item",
                                 placeholder="e.g. PT-DRL-0042").strip() or None
    try:
        found = data.report("loan_history", view.period, view.filters,
                            item_code=item_code, member_no=member_no)
    except ToolShareError as exc:
        ui.show_error(exc)
        return
    if found.frame.empty:
        ui.empty_state("No loan matches.", hint="Check the member number and item code, "
                       "or choose a longer period in the sidebar.")
        return
    st.caption(f"{len(found.frame):,} loans.")
    ui.table(found.frame, key="loans_history_table")
    ui.report_downloads(found, key="loans_history_dl")


# Bound to the URL (?loans_tab=Overdue); only the open tab asks the core for its rows.
SECTIONS = {"On loan now": on_loan_now, "Overdue": overdue, "History search": history}
tabs = st.tabs(list(SECTIONS), key="loans_tab", bind="query-params")
for tab, draw in zip(tabs, SECTIONS.values(), strict=True):
    if tab.open is not False:
        with tab:
            draw()
