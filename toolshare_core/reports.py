"""Reports: one DataFrame per report, the same for the dashboard, the CLI and every export.

Names and CSV columns of `summary`, `utilisation` and `overdue` are the contract of
spec/METRICS.md; the other reports follow the same rules (plain numbers, sorted by their
grouping columns, no row cap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core import metrics
from toolshare_core import report_queries as q
from toolshare_core.errors import ValidationFailed
from toolshare_core.filters import Filters
from toolshare_core.periods import Period

BY_CHOICES = ("item", "category", "location")
MEASURES = ("circulation_days", "loan_days", "utilisation", "loans_started")
UTILISATION_COLUMNS = {
    "item": ("item_code", "item_name", *MEASURES),
    "category": ("category", *MEASURES),
    "location": ("location", *MEASURES),
}


@dataclass(frozen=True)
class ReportSpec:
    """What a report is: its name (the CLI's NAME), title, a one-line description, whether it
    takes --by, and its columns (for `utilisation`: those of --by item)."""

    name: str
    title: str
    description: str
    takes_by: bool
    columns: tuple[str, ...]

    def columns_for(self, by: str | None) -> tuple[str, ...]:
        if self.name == "utilisation":
            return UTILISATION_COLUMNS[by or "item"]
        return self.columns


@dataclass
class Report:
    """A built report. `frame` is the one DataFrame every view and export uses."""

    name: str
    title: str
    period: Period
    by: str | None
    filters_text: str
    frame: pd.DataFrame
    kpis: dict[str, float | int | None] = field(default_factory=dict)
    extra_frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    generated_at: datetime = field(default_factory=lambda: datetime.now().astimezone())

    @property
    def spec(self) -> ReportSpec:
        return REPORTS[self.name]


def _spec(name: str, title: str, description: str, columns: tuple[str, ...],
          takes_by: bool = False) -> ReportSpec:
    return ReportSpec(name, title, description, takes_by, columns)


REPORTS: dict[str, ReportSpec] = {
    s.name: s
    for s in (
        _spec("summary", "Summary", "The headline numbers of the period, one row per metric.",
              ("metric", "value")),
        _spec("utilisation", "Utilisation",
              "Circulation days, loan days, utilisation and loans per item, category or location.",
              UTILISATION_COLUMNS["item"], takes_by=True),
        _spec("overdue", "Overdue loans", "Loans out and past due at the report's moment (as of).",
              ("item_code", "item_name", "member_no", "member_name", "loaned_at", "due_at",
               "days_overdue", "bucket", "replacement_value")),
        _spec("trend", "Month by month",
              "Per month: loans started, active borrowers, loan and circulation days, "
              "utilisation, new members.",
              ("month", "loans_started", "active_borrowers", "loan_days", "circulation_days",
               "utilisation", "new_members")),
        _spec("top_items", "Most borrowed items",
              "Every item lent in the period, ranked by loans started (then loan days).",
              ("rank", "item_code", "item_name", "category", "loans_started", "loan_days",
               "utilisation")),
        _spec("never_borrowed", "Never borrowed",
              "Items that could be borrowed in the period but were not lent once.",
              ("item_code", "item_name", "category", "location", "acquired_on",
               "circulation_days", "replacement_value")),
        _spec("loan_history", "Loan history",
              "Every loan started in the period (optionally of one item or one member).",
              ("loan_id", "loaned_at", "due_at", "returned_at", "item_code", "item_name",
               "category", "member_no", "member_name", "loan_days", "on_time", "renewals")),
        _spec("inventory", "Inventory",
              "What the library owned at the report's moment, where, and in what state.",
              ("item_code", "item_name", "category", "location", "condition", "state",
               "replacement_value", "acquired_on")),
        _spec("maintenance", "Maintenance",
              "Per item with maintenance in the period: repairs, cost, days out of service, "
              "cost against replacement value, repeat repairs.",
              ("item_code", "item_name", "category", "repairs", "cost", "days_out_of_service",
               "replacement_value", "cost_vs_value", "repeat_repairs")),
        _spec("members", "Members by postcode area",
              "Per postcode area: members, new members, active borrowers and loans.",
              ("postcode_area", "members", "new_members", "active_borrowers", "loans_started")),
        _spec("impact", "Impact report",
              "For funders: value lent, borrowers, loans and new members month by month, "
              "top categories and postcode reach.",
              ("month", "loans_started", "active_borrowers", "value_lent", "new_members")),
    )
}


@dataclass(frozen=True)
class _Ask:
    """Everything a report builder needs."""

    conn: Connection
    period: Period
    by: str | None
    filters: Filters | None
    item_code: str | None
    member_no: str | None

    def params(self, **extra: Any) -> dict[str, Any]:
        return metrics.period_params(self.period, self.filters) | extra

    def read(self, sql: sa.TextClause, **extra: Any) -> pd.DataFrame:
        frame = pd.read_sql(sql, self.conn, params=self.params(**extra))
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                frame[column] = frame[column].dt.tz_convert(self.period.timezone)
        return frame


Built = tuple[pd.DataFrame, dict[str, float | int | None], dict[str, pd.DataFrame]]


def _summary(a: _Ask) -> Built:
    values = metrics.kpis(a.conn, period=a.period, filters=a.filters)
    frame = pd.DataFrame(
        {"metric": list(metrics.SUMMARY_METRICS),
         "value": pd.Series([values[k] for k in metrics.SUMMARY_METRICS], dtype=object)}
    )
    return frame, values, {}


def _utilisation(a: _Ask) -> Built:
    by = a.by or "item"
    frame = metrics.utilisation(a.conn, period=a.period, by=by, filters=a.filters)
    return frame[list(UTILISATION_COLUMNS[by])], _headline(a), {}


def _headline(a: _Ask) -> dict[str, float | int | None]:
    values = metrics.kpis(a.conn, period=a.period, filters=a.filters)
    keys = ("utilisation", "loans_started", "items_in_circulation", "never_borrowed")
    return {k: values[k] for k in keys}


def _overdue(a: _Ask) -> Built:
    frame = metrics.overdue(a.conn, as_of=a.period.as_of, filters=a.filters,
                            timezone=a.period.timezone)
    kpis: dict[str, float | int | None] = {
        "overdue": len(frame),
        "value_at_risk": round(float(frame["replacement_value"].sum()), 2),
    }
    for bucket in metrics.OVERDUE_BUCKETS:
        kpis[f"overdue_{bucket}"] = int((frame["bucket"] == bucket).sum())
    return frame[list(REPORTS["overdue"].columns)], kpis, {}


def _trend(a: _Ask) -> Built:
    frame = metrics.monthly_trend(a.conn, period=a.period, filters=a.filters)
    heat = metrics.category_month_utilisation(a.conn, period=a.period, filters=a.filters)
    return frame[list(REPORTS["trend"].columns)], _headline(a), {"category_months": heat}


def _top_items(a: _Ask) -> Built:
    usage = metrics.item_usage(a.conn, period=a.period, filters=a.filters)
    lent = usage[usage["loans_started"] > 0].sort_values(
        ["loans_started", "loan_days", "item_code"], ascending=[False, False, True]
    )
    lent.insert(0, "rank", range(1, len(lent) + 1))
    return lent[list(REPORTS["top_items"].columns)].reset_index(drop=True), _headline(a), {}


def _never_borrowed(a: _Ask) -> Built:
    frame = a.read(q.NEVER_BORROWED)
    kpis: dict[str, float | int | None] = {
        "never_borrowed": len(frame),
        "value_idle": round(float(frame["replacement_value"].sum()), 2),
    }
    return frame, kpis, {}


def _loan_history(a: _Ask) -> Built:
    if a.item_code is not None and a.conn.execute(q.ITEM_CODE_EXISTS, {"code": a.item_code}).first() is None:
        raise ValidationFailed(f"there is no item with code {a.item_code!r}")
    if a.member_no is not None and a.conn.execute(
        q.MEMBER_NO_EXISTS, {"member_no": a.member_no}
    ).first() is None:
        raise ValidationFailed(f"there is no member with number {a.member_no!r}")
    frame = a.read(q.LOAN_HISTORY, item_code=a.item_code, member_no=a.member_no)
    frame["on_time"] = frame["on_time"].astype(object).where(frame["returned_at"].notna(), None)
    return frame, {"loans": len(frame)}, {}


def _inventory(a: _Ask) -> Built:
    frame = a.read(q.INVENTORY)
    kpis: dict[str, float | int | None] = {
        "items": len(frame),
        "replacement_value": round(float(frame["replacement_value"].sum()), 2),
        "on_loan": int((frame["state"] == "on loan").sum()),
        "in_maintenance": int((frame["state"] == "in maintenance").sum()),
    }
    return frame, kpis, {}


def _maintenance(a: _Ask) -> Built:
    frame = a.read(q.MAINTENANCE)
    kpis: dict[str, float | int | None] = {
        "items": len(frame),
        "repairs": int(frame["repairs"].sum()),
        "cost": round(float(frame["cost"].sum()), 2),
        "days_out_of_service": int(frame["days_out_of_service"].sum()),
    }
    return frame, kpis, {}


def _members(a: _Ask) -> Built:
    frame = a.read(q.MEMBERS)
    kpis: dict[str, float | int | None] = {
        "members": int(frame["members"].sum()),
        "new_members": int(frame["new_members"].sum()),
        "active_borrowers": int(frame["active_borrowers"].sum()),
        "postcode_areas": int((frame["active_borrowers"] > 0).sum()),
    }
    return frame, kpis, {}


def _impact(a: _Ask) -> Built:
    trend = metrics.monthly_trend(a.conn, period=a.period, filters=a.filters)
    values = metrics.kpis(a.conn, period=a.period, filters=a.filters)
    members = a.read(q.MEMBERS)
    reach = members[members["active_borrowers"] > 0][
        ["postcode_area", "active_borrowers", "loans_started"]
    ].sort_values(["active_borrowers", "postcode_area"], ascending=[False, True])
    kpis: dict[str, float | int | None] = {
        "value_lent": values["value_lent"],
        "loans_started": values["loans_started"],
        "active_borrowers": values["active_borrowers"],
        "new_members": int(a.conn.execute(q.NEW_MEMBERS, a.params()).scalar_one()),
        "postcode_areas": len(reach),
        "items_in_circulation": values["items_in_circulation"],
        "utilisation": values["utilisation"],
    }
    extras = {
        "top_categories": a.read(q.TOP_CATEGORIES),
        "postcode_reach": reach.reset_index(drop=True),
    }
    return trend[list(REPORTS["impact"].columns)], kpis, extras


_BUILDERS: dict[str, Callable[[_Ask], Built]] = {
    "summary": _summary, "utilisation": _utilisation, "overdue": _overdue, "trend": _trend,
    "top_items": _top_items, "never_borrowed": _never_borrowed, "loan_history": _loan_history,
    "inventory": _inventory, "maintenance": _maintenance, "members": _members, "impact": _impact,
}


def check_choice(name: str, by: str | None) -> str | None:
    """Validate a report name and --by; returns the effective by (None when not taken)."""
    if name not in REPORTS:
        raise ValidationFailed(f"unknown report {name!r}; choose one of {', '.join(REPORTS)}")
    spec = REPORTS[name]
    if not spec.takes_by:
        if by is not None:
            raise ValidationFailed(f"report {name!r} cannot be grouped (--by is only for utilisation)")
        return None
    if by is None:
        return "item"
    if by not in BY_CHOICES:
        raise ValidationFailed(f"cannot group {name!r} by {by!r}; choose one of {', '.join(BY_CHOICES)}")
    return by


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
    """Build report `name` for `period`; ValidationFailed lists the valid names / groupings."""
    by = check_choice(name, by)
    filters_text = (filters or Filters()).describe(conn)
    ask = _Ask(conn, period, by, filters, item_code, member_no)
    frame, kpis, extras = _BUILDERS[name](ask)
    title = REPORTS[name].title + (f" by {by}" if by else "")
    if item_code:
        filters_text += f"; item {item_code}"
    if member_no:
        filters_text += f"; member {member_no}"
    return Report(
        name=name, title=title, period=period, by=by, filters_text=filters_text,
        frame=frame.reset_index(drop=True), kpis=kpis, extra_frames=extras,
        generated_at=datetime.now(period.tz),
    )
