"""Overview: the week's key numbers against the previous period, and the monthly trend."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, ui

TILES = ["items_in_circulation", "on_loan", "overdue", "loans_started",
         "active_borrowers", "utilisation", "value_lent", "never_borrowed"]

st.header("Overview")
view = ui.view_controls()
ui.caption(view)

current = data.kpis(view.period, view.filters)
previous = data.kpis(view.previous, view.filters)
ui.kpi_tiles(TILES, current, previous)
st.caption(
    f"Changes compare with the previous period of the same length, {view.previous.label()}. "
    "'On loan now' and 'Overdue now' compare with the moment that period ended."
)
ui.how_computed(TILES)

trend_period = ui.trend_period(view)
trend = data.monthly_trend(trend_period, view.filters)
st.subheader("Month by month")
st.caption(f"{trend_period.label()} · {view.filters_text}")
if trend.empty or int(trend["loans_started"].sum()) == 0 and int(trend["circulation_days"].sum()) == 0:
    ui.empty_state("No loans and no items in circulation in these months.",
                   hint=ui.no_items_hint(view))
else:
    left, right = st.columns(2)
    left.plotly_chart(figures.loans_per_month(trend), key="overview_trend_loans")
    right.plotly_chart(figures.utilisation_per_month(trend), key="overview_trend_utilisation")
    with st.expander("The numbers behind these charts"):
        st.dataframe(trend, hide_index=True, column_config=ui.column_config(trend))
