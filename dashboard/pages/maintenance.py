"""Maintenance: open and closed work in the period, cost against value, days out of service."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, ui

st.header("Maintenance")
view = ui.view_controls()
ui.caption(view)
st.caption("Jobs open on at least one day of the period. An item in maintenance is out of "
           "circulation on those days, so they do not count against its utilisation.")

jobs = data.maintenance_jobs(view.period, view.filters)
if jobs.empty:
    ui.empty_state("No maintenance work in this period.", hint=ui.no_items_hint(view))
    st.stop()

open_jobs = jobs[jobs["state"] == "open"]
cols = st.columns(4)
cols[0].metric("Open jobs", len(open_jobs), border=True,
               help="Jobs without an end date: the item is out of service until closed.")
cols[1].metric("Closed jobs", len(jobs) - len(open_jobs), border=True)
cols[2].metric("Cost", f"{jobs['cost'].sum():,.2f}", border=True,
               help="Total cost of the jobs listed below.")
cols[3].metric("Days out of service", f"{int(jobs['days_in_period'].sum()):,}", border=True,
               help="Item-days of the period spent in maintenance (up to today).")

per_item = (jobs.groupby(["item_code", "item_name", "category"], as_index=False)
            .agg(replacement_value=("replacement_value", "first"), cost=("cost", "sum"),
                 days_out_of_service=("days_in_period", "sum"), jobs=("kind", "size")))
st.plotly_chart(figures.maintenance_cost(per_item), key="maintenance_cost_chart")
costly = per_item[per_item["cost"] > per_item["replacement_value"]]
if not costly.empty:
    st.warning(f"{len(costly)} items cost more to maintain in this period than to replace: "
               + ", ".join(costly["item_code"].head(10)))

open_tab, all_tab, item_tab = st.tabs(["Open work", "All jobs", "Per item"])
with open_tab:
    if open_jobs.empty:
        st.success("No maintenance job is open.")
    else:
        st.dataframe(open_jobs, hide_index=True, column_config=ui.column_config(open_jobs),
                     key="maintenance_open_table")
with all_tab:
    st.dataframe(jobs, hide_index=True, column_config=ui.column_config(jobs),
                 key="maintenance_jobs_table")
    ui.frame_downloads(jobs, name="maintenance-jobs", title="Maintenance jobs",
                       key="maintenance_jobs_dl")
with item_tab:
    st.dataframe(per_item.sort_values("cost", ascending=False), hide_index=True,
                 column_config=ui.column_config(per_item), key="maintenance_items_table")
    ui.frame_downloads(per_item, name="maintenance-per-item", title="Maintenance per item",
                       key="maintenance_items_dl")
