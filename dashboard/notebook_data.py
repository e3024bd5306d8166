"""The notebook page's door to the core: cached cell runs, notebook reads and audited writes.

Cell runs are cached briefly (same SQL, same parameters -> same result) so a click elsewhere on
the page does not run every query again; a refused or failed run is cached too, as its message,
so a slow query is not retried on every rerun. Writes run in one transaction each and then
clear the caches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from dashboard import data
from toolshare_core import notebook
from toolshare_core.errors import ToolShareError
from toolshare_core.notebook_run import CellResult, run_cell
from toolshare_core.notebook_starter import ensure_starter_notebook
from toolshare_core.roles import StaffUser

T = TypeVar("T")
RUN_TTL_SECONDS = 60

ParamKey = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class CellOutcome:
    """A cell's result, or the plain-words reason it has none."""

    result: CellResult | None
    error: str | None


def params_key(params: dict[str, date | datetime | int | None]) -> ParamKey:
    return tuple(sorted(params.items()))


@st.cache_data(ttl=RUN_TTL_SECONDS, show_spinner=False, max_entries=200)
def run(sql: str, params: ParamKey) -> CellOutcome:
    try:
        with data.engine().connect() as conn:
            return CellOutcome(run_cell(conn, sql, params=dict(params)), None)
    except ToolShareError as exc:
        return CellOutcome(None, str(exc))


def forget_runs() -> None:
    run.clear()


@st.cache_data(ttl=RUN_TTL_SECONDS, show_spinner=False)
def notebooks() -> pd.DataFrame:
    with data.engine().connect() as conn:
        return notebook.list_notebooks(conn)


@st.cache_data(ttl=RUN_TTL_SECONDS, show_spinner=False)
def cells(notebook_id: int) -> list[notebook.Cell]:
    with data.engine().connect() as conn:
        return notebook.notebook_cells(conn, notebook_id)


def ensure_starter() -> None:
    """Create the starter notebook the first time anybody opens the page of an empty library."""
    if st.session_state.get("_nb_starter_checked"):
        return
    with data.engine().begin() as conn:
        created = ensure_starter_notebook(conn)
    st.session_state["_nb_starter_checked"] = True
    if created is not None:
        notebooks.clear()


def write(action: Callable[..., T], actor: StaffUser, *args: Any, **kwargs: Any) -> T:
    """Run one core notebook command in its own transaction, then forget cached reads."""
    with data.engine().begin() as conn:
        outcome = action(conn, actor, *args, **kwargs)
    notebooks.clear()
    cells.clear()
    return outcome
