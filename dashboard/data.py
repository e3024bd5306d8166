"""The dashboard's only door to the core: the cached engine and cached core calls.

`st.cache_resource` holds the engine; `st.cache_data(ttl=...)` holds frames. Pages call these
wrappers and never build SQL. After every write, call `clear_caches()`.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from toolshare_core import catalogue, member_stats, metrics, migrate, overview, reports, seed
from toolshare_core.config import get_settings
from toolshare_core.db import check_connection, get_engine
from toolshare_core.errors import ToolShareError
from toolshare_core.filters import Filters
from toolshare_core.periods import Period


def _ttl() -> int:
    try:
        return get_settings().cache_ttl_seconds
    except ToolShareError:  # the banner in require_database() explains the bad setting
        return 60


TTL = _ttl()


@st.cache_resource(show_spinner=False)
def _ready_engine() -> Engine:
    """Connect; on the embedded default also migrate and seed the demo library once."""
    settings = get_settings()
    engine = get_engine(settings)
    check_connection(engine)
    if settings.embedded:
        migrate.upgrade(engine, settings.toolshare_schema)
    else:
        with engine.connect() as conn:
            migrate.ensure_migrated(conn, settings.toolshare_schema)
    if settings.toolshare_seed_demo:
        seed.ensure_demo_data(engine, schema=settings.toolshare_schema)
    return engine


def engine() -> Engine:
    """The engine, for a signed-in session only (the login gate: dashboard/session.py)."""
    from dashboard import session  # imported here: session itself imports this module

    session.require_signed_in()
    return _ready_engine()


def require_database() -> Engine:
    """The engine, or a clear banner with a Retry button and st.stop() when it is unavailable."""
    try:
        with st.spinner("Opening the library database (the first start prepares demo data)..."):
            return _ready_engine()
    except ToolShareError as exc:
        st.error(f"**The database is not available.** {exc}")
        if st.button("Retry", key="db_retry"):
            _ready_engine.clear()
            st.rerun()
        st.stop()
        raise  # unreachable: st.stop() ends the script run


def now() -> datetime:
    """The current moment in the library's time zone, to the minute (a stable cache key)."""
    return datetime.now(get_settings().tz).replace(second=0, microsecond=0)


def clear_caches() -> None:
    """Forget every cached frame (call after each write)."""
    st.cache_data.clear()


@st.cache_data(ttl=TTL, show_spinner=False)
def live_counts(as_of: datetime) -> overview.LiveCounts:
    with engine().connect() as conn:
        return overview.live_counts(conn, as_of=as_of)


# --- read pages (issue 4): cached core reads; frames are the ones every export of a page uses ---

def timezone() -> str:
    """The library's time zone name (TOOLSHARE_TIMEZONE)."""
    return get_settings().toolshare_timezone


@st.cache_data(ttl=TTL, show_spinner=False)
def category_options() -> dict[int, str]:
    with engine().connect() as conn:
        return catalogue.category_options(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def location_options() -> dict[int, str]:
    with engine().connect() as conn:
        return catalogue.location_options(conn)


@st.cache_data(ttl=TTL, show_spinner="Computing the key numbers...")
def kpis(period: Period, filters: Filters) -> dict[str, float | int | None]:
    with engine().connect() as conn:
        return metrics.kpis(conn, period=period, filters=filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def monthly_trend(period: Period, filters: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.monthly_trend(conn, period=period, filters=filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def utilisation(period: Period, by: str, filters: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.utilisation(conn, period=period, by=by, filters=filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def category_month_utilisation(period: Period, filters: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.category_month_utilisation(conn, period=period, filters=filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def demand(period: Period, filters: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.demand(conn, period=period, filters=filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def on_loan(as_of: datetime, filters: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.on_loan(conn, as_of=as_of, filters=filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def overdue(as_of: datetime, filters: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.overdue(conn, as_of=as_of, filters=filters)


@st.cache_data(ttl=TTL, show_spinner="Building the report...")
def report(
    name: str, period: Period, filters: Filters, by: str | None = None,
    item_code: str | None = None, member_no: str | None = None,
) -> reports.Report:
    """One report; its `.frame` is what the page shows and every download contains."""
    with engine().connect() as conn:
        return reports.run_report(conn, name, period=period, by=by, filters=filters,
                                  item_code=item_code, member_no=member_no)


@st.cache_data(ttl=TTL, show_spinner=False)
def search_items(as_of: datetime, text: str, filters: Filters, status: str | None,
                 condition: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return catalogue.search_items(conn, as_of=as_of, text=text, filters=filters,
                                      status=status, condition=condition)


@st.cache_data(ttl=TTL, show_spinner=False)
def item_detail(item_code: str) -> catalogue.ItemDetail:
    with engine().connect() as conn:
        return catalogue.item_detail(conn, item_code=item_code)


@st.cache_data(ttl=TTL, show_spinner=False)
def item_loans(item_id: int, as_of: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return catalogue.item_loans(conn, item_id=item_id, as_of=as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def item_maintenance(item_id: int, today: date) -> pd.DataFrame:
    with engine().connect() as conn:
        return catalogue.item_maintenance(conn, item_id=item_id, today=today)


@st.cache_data(ttl=TTL, show_spinner=False)
def search_members(text: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return member_stats.search_members(conn, text=text)


@st.cache_data(ttl=TTL, show_spinner=False)
def member_detail(member_no: str) -> member_stats.MemberDetail:
    with engine().connect() as conn:
        return member_stats.member_detail(conn, member_no=member_no)


@st.cache_data(ttl=TTL, show_spinner=False)
def member_loans(member_id: int, as_of: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return member_stats.member_loans(conn, member_id=member_id, as_of=as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def maintenance_jobs(period: Period, filters: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return catalogue.maintenance_jobs(conn, period=period, filters=filters)
