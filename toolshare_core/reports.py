"""Reports: one DataFrame per report, the same for the dashboard, the CLI and every export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from toolshare_core.filters import Filters
from toolshare_core.periods import Period


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    description: str
    takes_by: bool
    columns: tuple[str, ...]


@dataclass
class Report:
    name: str
    title: str
    period: Period
    by: str | None
    filters_text: str
    frame: pd.DataFrame
    kpis: dict[str, float | int | None] = field(default_factory=dict)
    extra_frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    generated_at: datetime = field(default_factory=datetime.now)


REPORTS: dict[str, ReportSpec] = {}


def run_report(
    conn: Connection,
    name: str,
    *,
    period: Period,
    by: str | None = None,
    filters: Filters | None = None,
    item_code: str | None = None,
    member_no: str | None = None,
) -> Report:
    """Build report `name`; ValidationFailed lists the valid names / groupings."""
    raise NotImplementedError
