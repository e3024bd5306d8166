"""Maintenance: open and closed work in the period, cost against value, days out of service."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, ui
from toolshare_core import charts

st.header("Maintenance")
view = ui.view_controls()
ui.caption(view)
st.caption("An item in maintenance is out of circulation on those days, so they do not count "
           "against its utilisation.")

report = data.report("maintenance", view.period, view.filters)
jobs = data.maintenance_jobs(view.period, view.filters)
if report.frame.empty and jobs.empty:
    ui.empty_state("No maintenance work in this period.", hint=ui.no_items_hint(view))
    st.stop()

open_jobs = jobs[jobs["state"] == "open"]
kpis = report.kpis
cols = st.columns(5)
cols[0].metric("Open jobs", len(open_jobs), border=True,
               help="Jobs without an end date: the item is out of service until closed.")
cols[1].metric("Items maintained", kpis["items"], border=True,
               help="Items with maintenance on at least one day of the period.")
cols[2].metric("Repairs started", kpis["repairs"], border=True,
               help="Maintenance jobs started in the period.")
cols[3].metric("Cost", ui.format_value("value_lent", kpis["cost"]), border=True,
               help="Cost of the jobs started in the period.")
cols[4].metric("Days out of service", f"{int(kpis['days_out_of_service'] or 0):,}", border=True,
               help="Item-days of the period (up to today) spent in maintenance.")

per_item = report.frame
if not per_item.empty:
    left, right = st.columns(2)
    left.plotly_chart(charts.maintenance_cost(per_item), key="maintenance_cost_chart")
    right.plotly_chart(figures.maintenance_cost_vs_value(per_item), key="maintenance_value_chart")
    costly = per_item[per_item["cost_vs_value"] > 1]
    if not costly.empty:
        st.warning(f"Items that cost more to maintain in this period than to replace ({len(costly)}): "
                   + ", ".join(costly["item_code"].head(10)))

open_tab, item_tab, all_tab = st.tabs(["Open work", "Per item", "All jobs"])
with open_tab:
    if open_jobs.empty:
        st.success("No maintenance job is open.")
    else:
        st.dataframe(open_jobs, hide_index=True, column_config=ui.column_config(open_jobs),
                     key="maintenance_open_table")
with item_tab:
    st.dataframe(per_item, hide_index=True, column_config=ui.column_config(per_item),
                 key="maintenance_items_table")
    ui.report_downloads(report, key="maintenance_dl")
with all_tab:
    st.caption("Every job open on at least one day of the period, newest first.")
    st.dataframe(jobs, hide_index=True, column_config=ui.column_config(jobs),
                 key="maintenance_jobs_table")
    ui.frame_downloads(jobs, name="maintenance-jobs", title="Maintenance jobs",
                       key="maintenance_jobs_dl")
