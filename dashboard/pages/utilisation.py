"""Utilisation: by category, location and item; month x category; top, never borrowed; demand."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, ui
from toolshare_core import charts, metrics

st.header("Utilisation")
view = ui.view_controls()
ui.caption(view)
ui.how_computed(
    ["utilisation", "circulation_days", "loan_days", "loans_started", "never_borrowed",
     "all_out_share"],
    note="Grouped by category, each item counts in its own category, named by its path "
    "(Power tools / Drills); groups are pooled: total loan days / total circulation days.",
)


def grouped(by: str) -> None:
    report = data.report("utilisation", view.period, view.filters, by=by)
    if report.frame.empty:
        ui.empty_state("No items could be borrowed in this period.", hint=ui.no_items_hint(view))
        return
    st.plotly_chart(charts.utilisation_bars(report.frame, by), key=f"util_{by}_chart")
    st.dataframe(report.frame, hide_index=True, column_config=ui.column_config(report.frame),
                 key=f"util_{by}_table")
    ui.report_downloads(report, key=f"util_{by}_dl")


def month_by_category() -> None:
    trend_period = ui.trend_period(view)
    grid = data.category_month_utilisation(trend_period, view.filters)
    if grid.empty:
        ui.empty_state("No items could be borrowed in these months.", hint=ui.no_items_hint(view))
        return
    st.caption(f"{trend_period.label()}: the chosen period, widened to the 12 months ending "
               "with it.")
    st.plotly_chart(charts.category_month_heatmap(grid), key="util_heatmap")
    st.dataframe(grid, hide_index=True, column_config=ui.column_config(grid),
                 key="util_heatmap_table")
    ui.frame_downloads(grid, name="utilisation-category-month",
                       title="Utilisation by category and month", key="util_heatmap_dl")


def top_and_never() -> None:
    ranked = data.report("top_items", view.period, view.filters)
    if ranked.frame.empty:
        ui.empty_state("No loans started in this period, so there are no top items.",
                       hint=ui.no_items_hint(view))
    else:
        st.plotly_chart(charts.top_items(ranked.frame), key="util_top_chart")
        with st.expander(f"All {len(ranked.frame)} items lent, ranked"):
            st.dataframe(ranked.frame, hide_index=True,
                         column_config=ui.column_config(ranked.frame), key="util_top_table")
            ui.report_downloads(ranked, key="util_top_dl")
    never = data.report("never_borrowed", view.period, view.filters)
    st.subheader(f"Never borrowed ({len(never.frame)})")
    st.caption(ui.metric_help("never_borrowed"))
    if never.frame.empty:
        st.success("Every item that could be borrowed went out at least once.")
        return
    st.dataframe(never.frame, hide_index=True, column_config=ui.column_config(never.frame),
                 key="util_never_table")
    ui.report_downloads(never, key="util_never_dl")


def demand() -> None:
    frame = data.demand(view.period, view.filters)
    if frame.empty:
        ui.empty_state("No categories had items to lend in this period.",
                       hint=ui.no_items_hint(view))
        return
    st.markdown(
        f"**Buy another copy** when all copies were out on at least "
        f"{metrics.BUY_ALL_OUT_SHARE:.0%} of the days or utilisation reaches "
        f"{metrics.BUY_UTILISATION:.0%}; **idle: reconsider** below "
        f"{metrics.IDLE_UTILISATION:.0%} utilisation."
    )
    buy = frame[frame["signal"] == metrics.SIGNAL_BUY]
    idle = frame[frame["signal"] == metrics.SIGNAL_IDLE]
    left, right = st.columns(2)
    left.metric("Categories to buy for", len(buy), border=True,
                help=ui.metric_help("all_out_share"))
    right.metric("Idle categories", len(idle), border=True,
                 help=f"Utilisation below {metrics.IDLE_UTILISATION:.0%}.")
    st.plotly_chart(figures.demand_chart(frame), key="util_demand_chart")
    st.dataframe(frame, hide_index=True, column_config=ui.column_config(frame),
                 key="util_demand_table")
    ui.frame_downloads(frame, name="demand", title="Demand by category", key="util_demand_dl")


# Bound to the URL (?util_tab=Demand) and lazy: only the open tab asks the core for numbers.
SECTIONS = {
    "By category": lambda: grouped("category"),
    "By location": lambda: grouped("location"),
    "By item": lambda: grouped("item"),
    "Month x category": month_by_category,
    "Top and never borrowed": top_and_never,
    "Demand": demand,
}
tabs = st.tabs(list(SECTIONS), key="util_tab", bind="query-params")
for tab, draw in zip(tabs, SECTIONS.values(), strict=True):
    if tab.open is not False:
        with tab:
            draw()
