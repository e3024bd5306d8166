"""Running a notebook cell: read-only, as the reader role, with a time limit and a display cap.

Every cell runs inside its own read-only transaction (a savepoint when the caller already has
a transaction) after `SET LOCAL ROLE <reader>` and `SET LOCAL statement_timeout`, and is then
rolled back. The reader role (sql/migrations/0004_notebook.sql) can read only the reporting
tables and views: it is the real guard; notebook_sql.py's checks only explain refusals early.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import psycopg
import sqlalchemy as sa
from psycopg import errors as pg_errors
from sqlalchemy.engine import Connection

from toolshare_core.config import get_settings
from toolshare_core.errors import PermissionDenied, ToolShareError, ValidationFailed
from toolshare_core.filters import Filters
from toolshare_core.notebook_sql import check_cell_sql
from toolshare_core.periods import Period

READABLE = (
    "locations, categories, items, loans, maintenance, members (member_no, postcode, "
    "joined_on, status only) and the reporting views such as item_catalogue"
)
_DENIED = re.compile(r"permission denied for (?:table|view|relation|sequence|schema|function)\s+(\S+)")
_FETCH_ROWS = 2_000
_SETUP = "run: python -m toolshare_core notebook-setup (it prints what an administrator must do)"


class QueryCancelled(ToolShareError):
    """The cell ran longer than the notebook's time limit and was stopped."""


class NotebookNotReady(ToolShareError):
    """The read-only database role is missing or this database user may not use it."""


@dataclass(frozen=True)
class CellResult:
    """What one run of a SQL cell produced: the rows to show and every row for downloads."""

    frame_display: pd.DataFrame
    full_frame: pd.DataFrame
    total_rows: int
    elapsed_ms: float
    truncated: bool
    message: str


def notebook_parameters(period: Period | None, filters: Filters | None = None) -> dict[str, Any]:
    """The values bound to :from, :to, :as_of, :location, :category (None = SQL NULL)."""
    filters = filters or Filters()
    return {
        "from": period.start if period else None,
        "to": period.end if period else None,
        "as_of": period.as_of if period else None,
        "location": filters.location_id,
        "category": filters.category_id,
    }


def run_cell(
    conn: Connection,
    cell_sql: str,
    *,
    params: Mapping[str, Any] | None = None,
    timeout_ms: int | None = None,
    display_rows: int | None = None,
) -> CellResult:
    """Check, then run one cell's SELECT; raise a ToolShareError in plain words when refused."""
    settings = get_settings()
    timeout_ms = timeout_ms or settings.notebook_timeout_ms
    display_rows = display_rows or settings.notebook_display_rows
    checked = check_cell_sql(cell_sql)
    values = {name: (params or {}).get(name) for name in checked.parameters}
    started = time.perf_counter()
    columns, rows = execute_read_only(conn, checked.sql, values, timeout_ms=timeout_ms)
    elapsed_ms = (time.perf_counter() - started) * 1000
    full = pd.DataFrame.from_records(rows, columns=_unique(columns))
    total = len(full)
    truncated = total > display_rows
    shown = full.head(display_rows) if truncated else full
    if truncated:
        message = f"showing the first {display_rows:,} of {total:,} rows (downloads have every row)"
    else:
        message = f"{total:,} row{'s' if total != 1 else ''}"
    return CellResult(shown, full, total, elapsed_ms, truncated, message)


def execute_read_only(
    conn: Connection, sql: str, params: Mapping[str, Any], *, timeout_ms: int
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run psycopg-style `sql` as the reader role in a read-only transaction, then roll back.

    The lower-level executor: it does NOT run the statement checks (tests call it directly to
    show the database role refuses on its own).
    """
    role = reader_role(conn)
    deadline = time.monotonic() + timeout_ms / 1000
    with _read_only_transaction(conn), _translated(timeout_ms, role):
        conn.execute(
            sa.text("select set_config('statement_timeout', :ms, true), "
                    "set_config('role', :role, true)"),
            {"ms": str(int(timeout_ms)), "role": role},
        )
        driver: Any = conn.connection.driver_connection
        # A server-side cursor: DECLARE ... CURSOR FOR accepts only one SELECT (or VALUES)
        # without data-modifying WITH parts, so the server itself refuses anything else,
        # whatever the checks upstream let through. Rows arrive in batches.
        with driver.cursor(name="toolshare_notebook_cell") as cursor:
            cursor.execute(sql, dict(params))
            columns = [column.name for column in cursor.description or []]
            rows: list[tuple[Any, ...]] = []
            while True:
                # each FETCH may use only what is left of the cell's time limit
                left_ms = int((deadline - time.monotonic()) * 1000)
                if left_ms <= 0:
                    raise pg_errors.QueryCanceled("notebook time limit")
                driver.execute("select set_config('statement_timeout', %s, true)",
                               [str(left_ms)])
                batch = cursor.fetchmany(_FETCH_ROWS)
                if not batch:
                    return columns, rows
                rows.extend(batch)


def reader_role(conn: Connection) -> str:
    """The name of this schema's notebook reader role (sql/migrations/0004_notebook.sql)."""
    name = conn.execute(sa.text("select reader_role from notebook_settings")).scalar()
    if not name:
        raise NotebookNotReady(f"the notebook's settings row is missing; {_SETUP}")
    return str(name)


def setup_reader(conn: Connection) -> str:
    """Create/grant the reader role again (CLI `notebook-setup`); 'ready' or what to do."""
    return str(conn.execute(sa.text("select notebook_setup_reader()")).scalar_one())


@contextmanager
def _read_only_transaction(conn: Connection) -> Iterator[None]:
    transaction = conn.begin_nested() if conn.in_transaction() else conn.begin()
    try:
        conn.execute(sa.text("set transaction read only"))
        yield
    finally:
        if transaction.is_active:
            transaction.rollback()


@contextmanager
def _translated(timeout_ms: int, role: str) -> Iterator[None]:
    try:
        yield
    except sa.exc.DBAPIError as exc:
        raise _translate(exc.orig, timeout_ms, role) from exc
    except psycopg.Error as exc:
        raise _translate(exc, timeout_ms, role) from exc


def _translate(exc: BaseException | None, timeout_ms: int, role: str) -> ToolShareError:
    diag = getattr(exc, "diag", None)
    primary = (getattr(diag, "message_primary", None) or str(exc)).strip()
    if isinstance(exc, pg_errors.QueryCanceled):
        return QueryCancelled(
            f"the query was stopped after {timeout_ms / 1000:g} s, the notebook's time limit "
            "(TOOLSHARE_NOTEBOOK_TIMEOUT_MS); narrow the period, add filters or aggregate more"
        )
    if (role in primary and "does not exist" in primary) or "set role" in primary:
        return NotebookNotReady(
            f"the notebook's read-only database role {role} is missing or this database user "
            f"may not use it; {_SETUP}"
        )
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        match = _DENIED.search(primary)
        what = match.group(1) if match else "that"
        return PermissionDenied(
            f"the notebook may not read {what}: notebook queries can read only {READABLE}; "
            "staff accounts, the audit log and members' names and contact details are left out "
            "on purpose"
        )
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return ValidationFailed(f"the notebook only reads, and this query tried to write ({primary})")
    return ValidationFailed(f"the database could not run the query: {primary}")


def _unique(columns: list[str]) -> list[str]:
    """Column names made unique (`select 1, 1` gives ?column?, ?column?_2) for tables/exports."""
    seen: dict[str, int] = {}
    out = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out
