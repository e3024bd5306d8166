"""Utilisation: by category, location and item; month x category; top, never borrowed; demand."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, ui
from toolshare_core import metrics

st.header("Utilisation")
view = ui.view_controls()
ui.caption(view)
ui.how_computed(
    ["utilisation", "circulation_days", "loan_days", "loans_started", "never_borrowed",
     "all_out_share"],
    note="Grouped by category, each item counts in its own category, named by its path "
    "(Power tools / Drills); groups are pooled: total loan days / total circulation days.",
)

by_category, by_location, by_item, heatmap, top, demand = st.tabs(
    ["By category", "By location", "By item", "Month x category", "Top and never borrowed",
     "Demand"]
)

with by_category:
    frame = data.utilisation(view.period, "category", view.filters)
    if frame.empty:
        ui.empty_state("No items could be borrowed in this period.", hint=ui.no_items_hint(view))
    else:
        st.plotly_chart(figures.utilisation_bars(frame, "category",
                                                 title="Utilisation by category"),
                        key="util_category_chart")
        st.dataframe(frame, hide_index=True, column_config=ui.column_config(frame),
                     key="util_category_table")
        ui.frame_downloads(frame, name="utilisation-by-category",
                           title="Utilisation by category", key="util_category_dl")

with by_location:
    frame = data.utilisation(view.period, "location", view.filters)
    if frame.empty:
        ui.empty_state("No items could be borrowed in this period.", hint=ui.no_items_hint(view))
    else:
        st.plotly_chart(figures.utilisation_bars(frame, "location",
                                                 title="Utilisation by location"),
                        key="util_location_chart")
        st.dataframe(frame, hide_index=True, column_config=ui.column_config(frame),
                     key="util_location_table")
        ui.frame_downloads(frame, name="utilisation-by-location",
                           title="Utilisation by location", key="util_location_dl")

items = data.utilisation(view.period, "item", view.filters)
with by_item:
    if items.empty:
        ui.empty_state("No items could be borrowed in this period.", hint=ui.no_items_hint(view))
    else:
        st.caption(f"{len(items)} items in circulation or lent in the period.")
        st.dataframe(items.drop(columns="item_id"), hide_index=True,
                     column_config=ui.column_config(items), key="util_item_table")
        ui.frame_downloads(items.drop(columns="item_id"), name="utilisation-by-item",
                           title="Utilisation by item", key="util_item_dl")

with heatmap:
    grid = data.category_month_utilisation(ui.trend_period(view), view.filters)
    if grid.empty:
        ui.empty_state("No items could be borrowed in these months.", hint=ui.no_items_hint(view))
    else:
        st.caption("The chosen period, widened to the 12 months ending with it.")
        st.plotly_chart(figures.category_month_heatmap(grid), key="util_heatmap")
        ui.frame_downloads(grid, name="utilisation-category-month",
                           title="Utilisation by category and month", key="util_heatmap_dl")

with top:
    if items.empty or int(items["loans_started"].sum()) == 0:
        ui.empty_state("No loans started in this period, so there are no top items.",
                       hint=ui.no_items_hint(view))
    else:
        st.plotly_chart(figures.top_items(items), key="util_top_chart")
    never = data.report("never_borrowed", view.period, view.filters).frame
    st.subheader(f"Never borrowed ({len(never)})")
    st.caption(ui.metric_help("never_borrowed"))
    if never.empty:
        st.success("Every item that could be borrowed went out at least once.")
    else:
        st.dataframe(never, hide_index=True, column_config=ui.column_config(never),
                     key="util_never_table")
        ui.frame_downloads(never, name="never-borrowed", title="Never borrowed",
                           key="util_never_dl")

with demand:
    frame = data.demand(view.period, view.filters)
    if frame.empty:
        ui.empty_state("No categories had items to lend in this period.",
                       hint=ui.no_items_hint(view))
    else:
        st.markdown(
            f"**Buy another copy** when all copies were out on at least "
            f"{metrics.BUY_ALL_OUT_SHARE:.0%} of the days or utilisation reaches "
            f"{metrics.BUY_UTILISATION:.0%}; **idle: reconsider** below "
            f"{metrics.IDLE_UTILISATION:.0%} utilisation."
        )
        st.plotly_chart(figures.demand_chart(frame), key="util_demand_chart")
        buy = frame[frame["signal"] == metrics.SIGNAL_BUY]
        idle = frame[frame["signal"] == metrics.SIGNAL_IDLE]
        left, right = st.columns(2)
        left.metric("Categories to buy for", len(buy), border=True,
                    help=ui.metric_help("all_out_share"))
        right.metric("Idle categories", len(idle), border=True)
        st.dataframe(frame, hide_index=True, column_config=ui.column_config(frame),
                     key="util_demand_table")
        ui.frame_downloads(frame, name="demand", title="Demand by category",
                           key="util_demand_dl")
