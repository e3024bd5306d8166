"""Metrics of spec/METRICS.md, all computed in PostgreSQL (views and functions of migration 0002)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pandas as pd
from sqlalchemy.engine import Connection

from toolshare_core.filters import Filters
from toolshare_core.periods import Period

GroupBy = Literal["library", "item", "category", "location"]
UTILISATION_BY = ("library", "item", "category", "location")
OVERDUE_BUCKETS = ("1-7", "8-30", "31-60", "61+")

# demand(): a category whose copies were all out on at least this share of its days, or whose
# pooled utilisation reaches BUY_UTILISATION, needs another copy; below IDLE_UTILISATION it idles.
BUY_ALL_OUT_SHARE = 0.5
BUY_UTILISATION = 0.7
IDLE_UTILISATION = 0.1

KPI_KEYS = (
    "loans_started", "active_borrowers", "value_lent", "turnover", "mean_loan_days",
    "on_time_rate", "on_loan", "overdue", "utilisation", "items_in_circulation", "never_borrowed",
)
SUMMARY_METRICS = KPI_KEYS[:9]

METRIC_DEFINITIONS: dict[str, str] = {}


def item_usage(conn: Connection, *, period: Period, filters: Filters | None = None) -> pd.DataFrame:
    """One row per item in circulation or lent during the period."""
    raise NotImplementedError


def utilisation(
    conn: Connection, *, period: Period, by: str = "library", filters: Filters | None = None
) -> pd.DataFrame:
    """Pooled utilisation for the whole library or per item, category or location."""
    raise NotImplementedError


def kpis(conn: Connection, *, period: Period, filters: Filters | None = None) -> dict[str, float | int | None]:
    """The summary metrics (KPI_KEYS) for the period."""
    raise NotImplementedError


def on_loan(conn: Connection, *, as_of: datetime, filters: Filters | None = None) -> pd.DataFrame:
    """Loans out at the moment `as_of`."""
    raise NotImplementedError


def overdue(conn: Connection, *, as_of: datetime, filters: Filters | None = None) -> pd.DataFrame:
    """Loans out at `as_of` and past due, with days_overdue and bucket."""
    raise NotImplementedError


def monthly_trend(conn: Connection, *, period: Period, filters: Filters | None = None) -> pd.DataFrame:
    """Per calendar month of the period: loans, borrowers, days, utilisation, new members."""
    raise NotImplementedError


def category_month_utilisation(
    conn: Connection, *, period: Period, filters: Filters | None = None
) -> pd.DataFrame:
    """Long frame (month, category, utilisation) for a heatmap."""
    raise NotImplementedError


def demand(conn: Connection, *, period: Period, filters: Filters | None = None) -> pd.DataFrame:
    """Per category: utilisation, copies, share of days all copies were out, and a signal."""
    raise NotImplementedError
