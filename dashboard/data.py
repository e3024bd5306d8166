"""The dashboard's only door to the core: the cached engine and cached core calls.

`st.cache_resource` holds the engine; `st.cache_data(ttl=...)` holds frames. Pages call these
wrappers and never build SQL. After every write, call `clear_caches()`.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st
from sqlalchemy.engine import Engine

from toolshare_core import migrate, overview, seed
from toolshare_core.config import get_settings
from toolshare_core.db import check_connection, get_engine
from toolshare_core.errors import ToolShareError



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
