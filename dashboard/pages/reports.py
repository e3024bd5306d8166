"""Reports: choose a report, period and filters, preview it, download CSV, XLSX or PDF."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from toolshare_core import charts
from toolshare_core.errors import ToolShareError
from toolshare_core.reports import REPORTS

st.header("Reports")
view = ui.view_controls()
ui.caption(view)

names = list(REPORTS)
wanted = st.query_params.get("report")
if "reports_name" not in st.session_state and wanted in names:
    st.session_state["reports_name"] = wanted
left, right = st.columns([2, 1])
name = left.selectbox("Report", names, key="reports_name",
                      format_func=lambda n: REPORTS[n].title)
st.query_params["report"] = name
spec = REPORTS[name]
left.caption(spec.description)
by = None
if spec.takes_by:
    by = right.radio("One row per", ["item", "category", "location"], key="reports_by",
                     horizontal=True)

try:
    report = data.report(name, view.period, view.filters, by=by)
except ToolShareError as exc:
    ui.show_error(exc)
    st.stop()

if report.kpis:
    ui.kpi_tiles(list(report.kpis), report.kpis)
st.subheader(report.title)
st.caption(f"{report.period.label()} · {report.filters_text} · as of "
           f"{report.period.as_of:%Y-%m-%d %H:%M %Z}")
if report.frame.empty:
    ui.empty_state("This report has no rows for this period and these filters.",
                   hint=ui.no_items_hint(view))
else:
    for n, figure in enumerate(charts.report_figures(name, report.frame, by,
                                                     report.extra_frames)):
        st.plotly_chart(figure, key=f"reports_chart_{n}")
    st.caption(f"{len(report.frame):,} rows. The downloads contain exactly these rows and "
               "columns (the PDF adds the charts above).")
    ui.table(report.frame, key="reports_preview")
    ui.report_downloads(report, key="reports_dl")
for title, frame in report.extra_frames.items():
    st.markdown(f"**{title}**")
    st.dataframe(frame, hide_index=True, column_config=ui.column_config(frame))
