"""Shared page furniture: the period picker and filters (kept in the URL), KPI tiles, help, empty states.

Every read page starts with `view = ui.view_controls()`: the sidebar shows the period presets
(spec/METRICS.md periods, toolshare_core.periods) and the category / location filters; their
values live in `st.query_params`, so a copied link reproduces the view, and in session state, so
they follow the organiser from page to page.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from dashboard import data
from toolshare_core import exports, metrics
from toolshare_core.errors import NotFound, ToolShareError
from toolshare_core.filters import Filters
from toolshare_core.periods import PRESET_LABELS, PRESETS, Period, local_midnight, preset_period
from toolshare_core.reports import Report

# Query-string names: ?period=custom&from=2025-01-01&to=2025-04-01&category=3&location=2
# (`to` is exclusive, as on the command line).
Q_PERIOD, Q_FROM, Q_TO, Q_CATEGORY, Q_LOCATION = "period", "from", "to", "category", "location"
DEFAULT_PRESET = "this_month"
_STATE = "_ui_view"
ALL = 0  # the "all categories / all locations" choice (ids start at 1)  # the canonical view, kept while pages without the picker are open

KEY_PRESET, KEY_FROM, KEY_TO = "period_preset", "period_from", "period_to_inclusive"
KEY_CATEGORY, KEY_LOCATION = "filter_category", "filter_location"


@dataclass(frozen=True)
class View:
    """What the organiser asked to see: a period and the item filters."""

    period: Period
    filters: Filters
    preset: str
    filters_text: str

    @property
    def previous(self) -> Period:
        """What the KPI changes compare with: as many days as the period counts so far (a
        month in progress counts only its days up to today), just before it, seen from the
        moment it ended, so a half-finished month is not compared with a whole one."""
        period = self.period
        if period.days <= 0:
            return period.previous()
        start = period.start - timedelta(days=period.days)
        return Period(start=start, end=period.start,
                      as_of=min(period.as_of, local_midnight(period.start, period.timezone)),
                      timezone=period.timezone)


def _id_or_all(text: str | None, allowed: Iterable[int]) -> int:
    try:
        value = int(text) if text else ALL
    except ValueError:
        return ALL
    return value if value in set(allowed) else ALL


def _date_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _state_from_url(categories: Mapping[int, str], locations: Mapping[int, str]) -> dict[str, object]:
    """The view a link asks for; anything malformed falls back to the default quietly."""
    qp = st.query_params
    preset = qp.get(Q_PERIOD, DEFAULT_PRESET)
    if preset not in PRESETS:
        preset = DEFAULT_PRESET
    start, end = _date_or_none(qp.get(Q_FROM)), _date_or_none(qp.get(Q_TO))
    if preset == "custom" and (start is None or end is None or end <= start):
        preset = DEFAULT_PRESET
    today = data.now().date()
    return {
        KEY_PRESET: preset,
        KEY_FROM: start or today.replace(day=1),
        KEY_TO: (end - timedelta(days=1)) if end else today,
        KEY_CATEGORY: _id_or_all(qp.get(Q_CATEGORY), categories),
        KEY_LOCATION: _id_or_all(qp.get(Q_LOCATION), locations),
    }


def _restore_widgets(categories: Mapping[int, str], locations: Mapping[int, str]) -> None:
    """Give each picker widget its value from the URL (first visit) or the last page seen.

    Streamlit forgets a widget's value when another page is opened, even under the same key,
    so the view is kept in `_STATE` (updated by each widget's on_change, which runs before
    the rerun) and handed back to the widgets at the start of every run.
    """
    if _STATE not in st.session_state:
        st.session_state[_STATE] = _state_from_url(categories, locations)
    for key, value in st.session_state[_STATE].items():
        st.session_state[key] = value


def _remember(key: str) -> None:
    st.session_state[_STATE][key] = st.session_state[key]


def _write_url(state: Mapping[str, object]) -> None:
    params: dict[str, str] = {Q_PERIOD: str(state[KEY_PRESET])}
    if state[KEY_PRESET] == "custom":
        params[Q_FROM] = str(state[KEY_FROM])
        params[Q_TO] = str(state[KEY_TO] + timedelta(days=1))  # type: ignore[operator]
    if state[KEY_CATEGORY] != ALL:
        params[Q_CATEGORY] = str(state[KEY_CATEGORY])
    if state[KEY_LOCATION] != ALL:
        params[Q_LOCATION] = str(state[KEY_LOCATION])
    for name in (Q_PERIOD, Q_FROM, Q_TO, Q_CATEGORY, Q_LOCATION):
        if name not in params and name in st.query_params:
            del st.query_params[name]
    for name, value in params.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


def view_controls() -> View:
    """Render the period picker and filters in the sidebar; return the view they describe."""
    categories = data.category_options()
    locations = data.location_options()
    _restore_widgets(categories, locations)
    side = st.sidebar
    side.subheader("Period")
    preset = side.radio(
        "Period", PRESETS, format_func=PRESET_LABELS.__getitem__, key=KEY_PRESET,
        on_change=_remember, args=(KEY_PRESET,),
        label_visibility="collapsed",
        help="Which days the numbers describe. Days after today are never counted.",
    )
    as_of = data.now()
    tz = data.timezone()
    period: Period | None = None
    if preset == "custom":
        start = side.date_input("From", key=KEY_FROM, format="YYYY-MM-DD",
                                on_change=_remember, args=(KEY_FROM,))
        last = side.date_input("Up to and including", key=KEY_TO, format="YYYY-MM-DD",
                               on_change=_remember, args=(KEY_TO,))
        try:
            period = Period(start=start, end=last + timedelta(days=1), as_of=as_of, timezone=tz)
        except ToolShareError:
            side.error("The last day is before the first day: pick a later 'Up to' date.")
    if period is None:
        period = preset_period(
            DEFAULT_PRESET if preset == "custom" else preset, as_of=as_of, timezone=tz
        )
    side.caption(period.label())

    side.subheader("Filters")
    category_id = side.selectbox(
        "Category", [ALL, *categories], key=KEY_CATEGORY,
        on_change=_remember, args=(KEY_CATEGORY,),
        format_func=lambda cid: "All categories" if cid == ALL else categories[cid],
        help="A category includes its sub-categories.",
    ) or None
    location_id = side.selectbox(
        "Location", [ALL, *locations], key=KEY_LOCATION,
        on_change=_remember, args=(KEY_LOCATION,),
        format_func=lambda lid: "All locations" if lid == ALL else locations[lid],
    ) or None
    state = {key: st.session_state[key] for key in (KEY_PRESET, KEY_FROM, KEY_TO, KEY_CATEGORY,
                                                    KEY_LOCATION)}
    st.session_state[_STATE] = state
    _write_url(state)
    filters = Filters(category_id=category_id, location_id=location_id)
    parts = [categories[category_id]] if category_id is not None else []
    if location_id is not None:
        parts.append(locations[location_id])
    text = ", ".join(parts) if parts else "all items"
    return View(period=period, filters=filters, preset=preset, filters_text=text)


def caption(view: View) -> None:
    """One line under a page header saying what the numbers describe."""
    st.caption(
        f"{view.period.label()} · {view.filters_text} · as of "
        f"{view.period.as_of:%Y-%m-%d %H:%M %Z}"
    )


# --- definitions -------------------------------------------------------------------------------

def metric_help(name: str) -> str:
    """The plain-words definition of a metric (spec/METRICS.md), for tooltips."""
    return metrics.METRIC_DEFINITIONS.get(name, f"See the definition of '{name}' in docs/metrics.md.")


def how_computed(names: Iterable[str], *, note: str | None = None) -> None:
    """A "How is this computed?" expander with the definitions of the metrics shown."""
    with st.expander("How is this computed?", icon=":material/help:"):
        for name in names:
            st.markdown(f"**{label(name)}**: {metric_help(name)}")
        if note:
            st.caption(note)


# --- KPI tiles ---------------------------------------------------------------------------------

LABELS = {
    "items_in_circulation": "Items in circulation",
    "on_loan": "On loan now",
    "overdue": "Overdue now",
    "loans_started": "Loans started",
    "active_borrowers": "Active borrowers",
    "utilisation": "Utilisation",
    "value_lent": "Value lent",
    "turnover": "Turnover",
    "mean_loan_days": "Mean loan length",
    "on_time_rate": "Returned on time",
    "never_borrowed": "Never borrowed",
}
RATIOS = {"utilisation", "on_time_rate", "all_out_share", "cost_vs_value"}


def label(name: str) -> str:
    """A metric's tile label: 'overdue_8-30' -> 'Overdue 8-30'."""
    return LABELS.get(name, name.replace("_", " ").capitalize())
LOWER_IS_BETTER = {"overdue", "never_borrowed"}


def format_value(name: str, value: float | int | None) -> str:
    """How a KPI reads on a tile: ratios as percentages, money and days with units."""
    if value is None:
        return "n/a"
    if name in RATIOS:
        return f"{value:.1%}"
    if name in MONEY_COLUMNS or name.startswith("value_"):
        # whole units from 10 000 up, so a tile stays readable (tables and files keep cents)
        return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:,.2f}"
    if name == "mean_loan_days":
        return f"{value:.1f} days"
    if name == "turnover" or isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def format_delta(name: str, now: float | int | None, before: float | int | None) -> str | None:
    """The change against the previous period, in the tile's unit (percentage points for ratios)."""
    if now is None or before is None:
        return None
    diff = float(now) - float(before)
    if abs(diff) < 1e-9:
        return "no change"
    if name in RATIOS:
        return f"{diff * 100:+.1f} pp"
    if name in {"value_lent", "turnover", "mean_loan_days"}:
        return f"{diff:+,.2f}"
    return f"{int(diff):+,}"


def kpi_tiles(
    names: list[str],
    current: Mapping[str, float | int | None],
    previous: Mapping[str, float | int | None] | None = None,
    *,
    per_row: int = 4,
) -> None:
    """A row of st.metric tiles with definitions as help and the change vs the previous period."""
    for offset in range(0, len(names), per_row):
        row = names[offset: offset + per_row]
        cols = st.columns(per_row)
        for col, name in zip(cols, row, strict=False):
            value = current.get(name)
            delta = format_delta(name, value, previous.get(name)) if previous else None
            colour = "inverse" if name in LOWER_IS_BETTER else "normal"
            col.metric(
                label(name), format_value(name, value), delta=delta,
                delta_color="off" if delta == "no change" else colour,
                delta_arrow="off" if delta == "no change" else "auto",
                help=metric_help(name), border=True,
            )


# --- empty states ------------------------------------------------------------------------------

def empty_state(what: str, *, hint: str | None = None) -> None:
    """Say what is missing instead of drawing an empty chart or table."""
    message = f"**{what}**"
    if hint:
        message += f"  \n{hint}"
    st.info(message, icon=":material/info:")


def no_items_hint(view: View) -> str:
    if view.filters.category_id is not None or view.filters.location_id is not None:
        return "Try 'All categories' and 'All locations' in the sidebar, or a longer period."
    return "Try a longer period in the sidebar (for example 'This year' or 'Last year')."


def show_error(exc: ToolShareError) -> None:
    """A user-caused problem as one line, never a traceback."""
    st.error(str(exc), icon=":material/error:")


# --- one record's page -------------------------------------------------------------------------

R = TypeVar("R")


def open_record(
    label: str,
    options: Iterable[str],
    names: Mapping[str, str],
    *,
    key: str,
    param: str,
    choose: str,
    prompt: str,
    lookup: Callable[[str], R],
    help: str | None = None,
) -> R:
    """An "Open ..." selectbox kept in step with the link's `?param=VALUE`; returns lookup(VALUE).

    A link naming a record opens it on the first visit, even when the list above does not hold it;
    choosing nothing removes the parameter and stops the page with `prompt`; a record that does not
    exist (NotFound) stops it with one error line.
    """
    values = list(options)
    wanted = st.query_params.get(param)
    if wanted and wanted not in values:
        values.insert(0, wanted)
    if key not in st.session_state and wanted in values:
        st.session_state[key] = wanted
    value = st.selectbox(
        label, [None, *values], key=key,
        format_func=lambda v: choose if v is None else f"{v}  {names.get(v, '')}",
        help=help,
    )
    if value is None:
        if param in st.query_params:
            del st.query_params[param]
        st.caption(prompt)
        st.stop()
    st.query_params[param] = value
    try:
        return lookup(value)
    except NotFound as exc:
        show_error(exc)
        st.stop()


def loan_history(loans: pd.DataFrame, *, of: str, empty: str, key: str) -> None:
    """One item's or member's loans (newest first) with CSV/Excel downloads, or `empty` if none.

    The table's key is `key`, the downloads' `{key}_dl`; the files are named after `of`.
    """
    if loans.empty:
        empty_state(empty)
        return
    st.caption(f"{len(loans)} loans, newest first.")
    st.dataframe(loans, hide_index=True, column_config=column_config(loans), key=key)
    frame_downloads(loans, name=f"loans-{of}", title=f"Loans of {of}", key=f"{key}_dl")


# --- tables and trend windows -----------------------------------------------------------------

PERCENT_COLUMNS = {"utilisation", "on_time_rate", "all_out_share"}
MONEY_COLUMNS = {"replacement_value", "value_lent", "cost", "value_at_risk", "total_cost"}


def column_config(frame: pd.DataFrame) -> dict[str, Any]:
    """Readable columns: ratios as percentages, money with two decimals, times to the minute.

    Display only: the frame (and every download of it) keeps the plain numbers.
    """
    config: dict[str, Any] = {}
    for column in frame.columns:
        title = column.replace("_", " ").capitalize()
        if column in PERCENT_COLUMNS:
            config[column] = st.column_config.NumberColumn(
                title, format="percent", help=metric_help(column))
        elif column in MONEY_COLUMNS:
            config[column] = st.column_config.NumberColumn(title, format="%.2f")
        elif isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            config[column] = st.column_config.DatetimeColumn(title, format="YYYY-MM-DD HH:mm")
        elif column == "month":
            config[column] = st.column_config.DateColumn(title, format="YYYY-MM")
        else:
            config[column] = st.column_config.Column(title)
    return config


def trend_period(view: View, months: int = 12) -> Period:
    """The months a trend chart shows: the chosen period, widened to at least `months` months
    ending with it, so 'This month' still shows a year of context."""
    period = view.period
    last_month = (period.end - timedelta(days=1)).replace(day=1)
    start = last_month
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start=min(start, period.start), end=period.end, as_of=period.as_of,
                  timezone=period.timezone)


# --- downloads ---------------------------------------------------------------------------------

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def frame_downloads(frame: pd.DataFrame, *, name: str, title: str, key: str) -> None:
    """CSV and XLSX of exactly the frame shown above (built when clicked, not on every run)."""
    if frame.empty:
        return
    stem = f"toolshare-{name}-{data.now():%Y%m%d-%H%M}"
    row = st.container(horizontal=True)
    row.download_button(
        "CSV", data=lambda: exports.frame_to_csv_bytes(frame), file_name=f"{stem}.csv",
        mime=MIME["csv"], key=f"{key}_csv", icon=":material/download:", on_click="ignore",
    )
    row.download_button(
        "Excel", data=lambda: exports.frame_to_xlsx_bytes(frame, title),
        file_name=f"{stem}.xlsx", mime=MIME["xlsx"], key=f"{key}_xlsx",
        icon=":material/download:", on_click="ignore",
    )


LARGE_EXPORT_ROWS = 20_000  # above this, files are built on request with a progress bar


def report_downloads(report: Report, *, key: str) -> None:
    """CSV, XLSX and PDF of a core report: the very frame shown on the page.

    Small reports build each file when its button is clicked; a large one is built on request,
    with progress shown, and kept for this session until the view changes.
    """
    if report.frame.empty:
        return
    stem = f"toolshare-{report.name}-{report.period.start}-{report.period.end}"
    if len(report.frame) <= LARGE_EXPORT_ROWS:
        row = st.container(horizontal=True)
        for fmt in ("csv", "xlsx", "pdf"):
            row.download_button(
                fmt.upper(), data=_lazy_bytes(report, fmt), file_name=f"{stem}.{fmt}",
                mime=MIME[fmt], key=f"{key}_{fmt}", icon=":material/download:",
                on_click="ignore",
            )
        return
    signature = (report.name, report.period, report.by, report.filters_text, len(report.frame))
    store = st.session_state.setdefault(f"{key}_files", {})
    if store.get("signature") != signature:
        store.clear()
        st.caption(f"{len(report.frame):,} rows: the files are built when you ask for them.")
        if not st.button("Prepare the downloads", key=f"{key}_prepare",
                         icon=":material/build:"):
            return
        store.update(_build_files(report), signature=signature)
    row = st.container(horizontal=True)
    for fmt in ("csv", "xlsx", "pdf"):
        row.download_button(fmt.upper(), data=store[fmt], file_name=f"{stem}.{fmt}",
                            mime=MIME[fmt], key=f"{key}_{fmt}", icon=":material/download:",
                            on_click="ignore")


def _lazy_bytes(report: Report, fmt: str) -> Callable[[], bytes]:
    return lambda: exports.report_bytes(report, fmt)


def _build_files(report: Report) -> dict[str, bytes]:
    """Write the three files with a visible progress bar; return their bytes."""
    files: dict[str, bytes] = {}
    formats = ("csv", "xlsx", "pdf")
    with st.status("Building the export files...", expanded=True) as status:
        bar = st.progress(0.0, text="starting")
        with tempfile.TemporaryDirectory(prefix="toolshare-export-") as folder:
            for n, fmt in enumerate(formats):
                def progress(fraction: float, message: str, n: int = n, fmt: str = fmt) -> None:
                    overall = (n + max(0.0, min(1.0, fraction))) / len(formats)
                    bar.progress(overall, text=f"{fmt.upper()}: {message}")

                path = exports.write_report(report, fmt, Path(folder) / f"report.{fmt}",
                                            progress=progress)
                files[fmt] = path.read_bytes()
        bar.progress(1.0, text="done")
        status.update(label="The export files are ready.", state="complete", expanded=False)
    return files


DISPLAY_ROWS = 5_000  # rows sent to the browser in one table; downloads always hold every row


def table(frame: pd.DataFrame, *, key: str) -> None:
    """A formatted table of at most DISPLAY_ROWS rows, saying so when the frame is longer."""
    if len(frame) > DISPLAY_ROWS:
        st.info(f"Showing the first {DISPLAY_ROWS:,} of {len(frame):,} rows here; the downloads "
                "below hold all of them.", icon=":material/table_rows:")
        frame = frame.head(DISPLAY_ROWS)
    st.dataframe(frame, hide_index=True, column_config=column_config(frame), key=key)
