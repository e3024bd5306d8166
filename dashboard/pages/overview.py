"""Overview: the period's key numbers against the previous period, and the monthly trend."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from toolshare_core import charts

TILES = ["items_in_circulation", "on_loan", "overdue", "loans_started",
         "active_borrowers", "utilisation", "value_lent", "never_borrowed"]

st.header("Overview")
view = ui.view_controls()
ui.caption(view)

current = data.kpis(view.period, view.filters)
previous = data.kpis(view.previous, view.filters)
ui.kpi_tiles(TILES, current, previous)
st.caption(
    f"Changes compare with the same number of days just before, {view.previous.label()} "
    "(a period still in progress counts only its days up to today). 'On loan now' and "
    "'Overdue now' compare with the moment that earlier period ended."
)
ui.how_computed(TILES)
with st.expander("Download these numbers"):
    ui.report_downloads(data.report("summary", view.period, view.filters), key="overview_dl")

trend_period = ui.trend_period(view)
trend = data.monthly_trend(trend_period, view.filters)
st.subheader("Month by month")
st.caption(f"{trend_period.label()} (the chosen period, widened to the 12 months ending with "
           f"it) · {view.filters_text}")
if trend.empty or (trend["loans_started"].sum() == 0 and trend["circulation_days"].sum() == 0):
    ui.empty_state("No loans and no items in circulation in these months.",
                   hint=ui.no_items_hint(view))
else:
    st.plotly_chart(charts.trend_lines(trend), key="overview_trend_chart")
    with st.expander("The numbers behind this chart"):
        st.dataframe(trend, hide_index=True, column_config=ui.column_config(trend))
        ui.frame_downloads(trend, name="month-by-month", title="Month by month",
                           key="overview_trend_dl")
        st.caption("The same frame as the 'trend' report on the Reports page.")
